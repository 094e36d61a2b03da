// Builds the bundle once per test run into a temporary folder. End-to-end tests run that build as
// processes (the way users and GitHub run dist/), and test/dist/fresh.test.ts checks that the
// committed dist/ is byte-identical to it. K0RDENT_TEST_BUNDLE=<dir> reuses an existing build.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export default function globalSetup() {
  if (process.env.K0RDENT_TEST_BUNDLE) {
    process.env.K0RDENT_TEST_BUNDLE = resolve(process.env.K0RDENT_TEST_BUNDLE);
    return;
  }
  const out = join(mkdtempSync(join(tmpdir(), 'k0rdent-deploy-bundle-')), 'dist');
  execFileSync(process.execPath, ['scripts/bundle.js', '--out', out], { stdio: 'inherit' });
  process.env.K0RDENT_TEST_BUNDLE = out;
  process.env.K0RDENT_TEST_BUNDLE_FRESH = '1';
}
