/**
 * The docs cannot drift: the generated action reference (docs/actions.md, from every action.yml) and
 * CLI reference (docs/cli.md, from the command definitions) must be fresh, every relative link in
 * the README and docs/ must point at a file that exists, and the README stays a newcomer's page.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot } from './actions/support/runner.js';

const pages = ['README.md', ...readdirSync(join(repoRoot, 'docs')).map((f) => `docs/${f}`)];

test('the generated references in docs/ match action.yml and the CLI (npm run docs)', () => {
  expect(() =>
    execFileSync(process.execPath, ['scripts/generate-docs.js', '--check'], { cwd: repoRoot, stdio: 'pipe' }),
  ).not.toThrow();
  const cli = readFileSync(join(repoRoot, 'docs/cli.md'), 'utf8');
  for (const command of [
    'run',
    'status',
    'plan',
    'reset',
    'rollback',
    'history',
    'migrate',
    'artifact verify',
  ])
    expect(cli).toContain(`### \`k0rdent-deploy ${command}\``);
  expect(readFileSync(join(repoRoot, 'docs/actions.md'), 'utf8')).toContain('| `state-key`');
});

test.each(pages)('%s: every relative link points at a file of the repository', (page) => {
  const text = readFileSync(join(repoRoot, page), 'utf8');
  const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
    .map((m) => m[1] ?? '')
    .filter((t) => !/^[a-z]+:/.test(t));
  expect(targets.filter((t) => !existsSync(join(repoRoot, dirname(page), t)))).toEqual([]);
});

test('the README is a first page: quick start of two commands, links to the rest', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  expect(readme.length).toBeLessThan(16_000);
  const quickStart = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(quickStart.trim().split('\n')).toEqual([
    'npm ci && bin/k0rdent-deploy run --pipeline examples/local/pipeline.yml',
    'npm ci && npm test',
  ]);
  // .ci/run calls exactly the README's install and test commands.
  const ci = readFileSync(join(repoRoot, '.ci/run'), 'utf8');
  expect(ci.split('\n').filter((line) => /^npm /.test(line))).toEqual(['npm ci', 'npm test']);
});
