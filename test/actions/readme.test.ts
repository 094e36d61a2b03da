/** The README's action reference is generated from the action.yml files and must be fresh. */
import { execFileSync } from 'node:child_process';
import { repoRoot } from './support/runner.js';

test('README.md action reference matches the action.yml files (npm run docs)', () => {
  expect(() =>
    execFileSync(process.execPath, ['scripts/generate-docs.js', '--check'], { cwd: repoRoot, stdio: 'pipe' }),
  ).not.toThrow();
});
