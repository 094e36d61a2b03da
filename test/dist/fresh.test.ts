/** The committed dist/ must be exactly what `npm run bundle` builds from the committed sources. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleDir } from '../support/cli.js';

function files(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(root, path) : [relative(root, path)];
  });
}

const fresh = process.env.K0RDENT_TEST_BUNDLE_FRESH === '1';

(fresh ? test : test.skip)('dist/ matches a fresh build of the sources', () => {
  const built = bundleDir();
  const committed = join(process.cwd(), 'dist');
  const builtFiles = files(built).sort();
  expect(files(committed).sort()).toEqual(builtFiles);
  const stale = builtFiles.filter((file) => !readFileSync(join(built, file)).equals(readFileSync(join(committed, file))));
  if (stale.length > 0) throw new Error(`dist/ is stale in ${stale.join(', ')}: run npm run bundle and commit dist/`);
});
