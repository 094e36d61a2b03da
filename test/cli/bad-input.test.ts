/** Every bad input gets exit code 2 and a message that says what to change; the state is untouched. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli.js';
import { EXAMPLE_PIPELINE } from '../support/pipelines.js';
import { aliasBomb, withEventData } from '../support/yaml-bombs.js';

let dir: string;
let cleanup: () => void;
let state: string;
let original: string;
beforeAll(async () => {
  ({ dir, cleanup } = scratchDir());
  expect((await runCli(['run', '--pipeline', EXAMPLE_PIPELINE], { cwd: dir })).code).toBe(0);
  state = join(dir, 'state/deployment-state.yaml');
  original = readFileSync(state, 'utf8');
});
afterAll(() => cleanup());
afterEach(() => writeFileSync(state, original));

const good = readFileSync(EXAMPLE_PIPELINE, 'utf8');

/** Runs the CLI, expects exit code 2 with `message`, and the state file byte-for-byte as it was. */
async function expectRefused(args: string[], message: string | RegExp): Promise<void> {
  const before = readFileSync(state, 'utf8');
  const result = await runCli(args, { cwd: dir });
  expect(result.code).toBe(2);
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(readFileSync(state, 'utf8')).toBe(before);
}

function pipeline(text: string): string {
  const path = join(dir, 'bad.yml');
  writeFileSync(path, text);
  return path;
}

describe('bad pipelines', () => {
  test('a YAML syntax error', async () => {
    await expectRefused(
      [
        'run',
        '--pipeline',
        pipeline(good.replace('needs: [prepare_workspace]', 'needs: [prepare_workspace')),
      ],
      /bad\.yml:\d+:\d+: YAML syntax error/,
    );
  });

  test('an unknown key', async () => {
    const text = good.replace(
      '    validate: test -f scratch/local-demo/created-at',
      '    validat: test -f scratch/local-demo/created-at',
    );
    const line = text.split('\n').findIndex((l) => l.includes('validat:')) + 1;
    await expectRefused(
      ['run', '--pipeline', pipeline(text)],
      `bad.yml:${line}:5: phases[0]: unknown key "validat"`,
    );
  });

  test('duplicate phase names', async () => {
    await expectRefused(
      ['plan', '--pipeline', pipeline(good.replace('name: render_config', 'name: generate_keys'))],
      /phases\[2\]\.name: phase name "generate_keys" is used more than once/,
    );
  });

  test('a need that names no phase', async () => {
    await expectRefused(
      ['run', '--pipeline', pipeline(good.replace('needs: [start_cluster]', 'needs: [start_clustr]'))],
      /bad\.yml:\d+:\d+: phases\[4\]\.needs\[0\]: phase "install_addons" needs "start_clustr", which names no phase/,
    );
  });

  test('a cycle, naming its phases', async () => {
    const text = good.replace(
      '    display_name: Prepare the workspace',
      '    display_name: Prepare the workspace\n    needs: [start_cluster]',
    );
    await expectRefused(
      ['run', '--pipeline', pipeline(text)],
      'phases form a cycle: prepare_workspace → start_cluster → generate_keys → prepare_workspace',
    );
  });

  test('a missing file', async () => {
    await expectRefused(
      ['run', '--pipeline', join(dir, 'nope.yml')],
      /pipeline file .*nope\.yml does not exist; check the --pipeline path/,
    );
  });

  test('a pipeline of another deployment than the state holds', async () => {
    await expectRefused(
      ['run', '--pipeline', pipeline(good.replace('deployment: local-demo', 'deployment: other'))],
      'holds deployment "local-demo", not "other"',
    );
  });
});

describe('bad state files', () => {
  test('a corrupt field: the file, the field and what was expected', async () => {
    writeFileSync(state, original.replace(/status: completed/, 'status: finished'));
    await expectRefused(
      ['run'],
      /deployment-state\.yaml:\d+:\d+: phases\.prepare_workspace\.status: invalid option: expected one of "pending"\|"in_progress"\|"completed"\|"skipped"\|"failed"/,
    );
    await expectRefused(['status'], /The state file was not changed/);
  });

  test('a truncated file, cut anywhere, is named as truncated and never blamed on a field or line', async () => {
    for (const fraction of [0.1, 0.5, 0.93]) {
      writeFileSync(state, original.slice(0, Math.floor(original.length * fraction)));
      await expectRefused(
        ['run', '--pipeline', EXAMPLE_PIPELINE],
        /deployment-state\.yaml: the file is truncated: it ends after \d+ lines? \(\d+ bytes\) without the end marker/,
      );
    }
    writeFileSync(state, '');
    await expectRefused(['status'], 'file is empty (was it truncated?)');
  });

  test('an alias bomb inside events[].data is refused at once by every reader, and the file stays', async () => {
    writeFileSync(state, withEventData(original, aliasBomb('      ')));
    for (const args of [['status'], ['history'], ['run', '--pipeline', EXAMPLE_PIPELINE]]) {
      const started = Date.now();
      await expectRefused(
        args,
        /deployment-state\.yaml:\d+:\d+: .*aliases .*expand it to more than \d+ bytes/,
      );
      // It used to expand for minutes at 2 GB; refusing takes what starting the CLI takes.
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });

  test('a newer schema version', async () => {
    writeFileSync(state, original.replace('schema_version: 2', 'schema_version: 7'));
    await expectRefused(
      ['run'],
      'schema_version: is 7, newer than this k0rdent-deploy understands (up to 2)',
    );
  });
});

describe('bad arguments', () => {
  test('an unknown command or option', async () => {
    await expectRefused(['deploy-everything'], /unknown command 'deploy-everything'/);
    await expectRefused(['run', '--fast'], /unknown option '--fast'/);
  });

  test('a phase name that does not exist', async () => {
    await expectRefused(
      ['run', '--only', 'generate_key'],
      '"generate_key" is not a phase of deployment local-demo; phases are: prepare_workspace, generate_keys',
    );
    await expectRefused(['reset', '--from', 'nope'], '"nope" is not a phase of deployment local-demo');
    await expectRefused(['rollback', '--to', 'nope', '--dry-run'], '"nope" is not a phase');
  });

  test('a missing required option, and contradictory ones', async () => {
    await expectRefused(['reset'], /required option '--from <phase>' not specified/);
    await expectRefused(
      ['run', '--only', 'generate_keys', '--until', 'render_config'],
      'use either --only or --until, not both',
    );
    await expectRefused(['history', '--limit', 'lots'], /expected a positive whole number/);
    // --force re-runs one phase; without --only it used to be ignored silently.
    await expectRefused(['run', '--force'], '--force re-runs one completed phase and needs --only <phase>');
    await expectRefused(['plan', '--force'], '--force re-runs one completed phase and needs --only <phase>');
    await expectRefused(
      ['plan', '--enable', 'install_addons', '--disable', 'install_addons'],
      '--enable install_addons --disable install_addons: a phase cannot be switched on and off at once',
    );
    await expectRefused(
      ['run', '--disable', 'install_addons', '--enable', 'install_addons'],
      'a phase cannot be switched on and off at once',
    );
  });

  test('an unknown or badly named artifact', async () => {
    await expectRefused(
      ['artifact', 'verify', 'nothing'],
      'no artifact named nothing is recorded (recorded: cluster_config, hub_key)',
    );
    await expectRefused(['artifact', 'record', '../escape', 'x'], 'artifact name "../escape" is not valid');
    writeFileSync(join(dir, 'made.txt'), 'x');
    await expectRefused(
      ['artifact', 'record', 'made', 'made.txt', '--phase', 'nosuch'],
      'cannot record artifact made: "nosuch" is not a phase of deployment local-demo (phases: prepare_workspace,',
    );
  });
});

describe('size limits', () => {
  test('a state file over the configured limit is refused before it is read, and left alone', async () => {
    const before = readFileSync(state, 'utf8');
    const result = await runCli(['status'], { cwd: dir, env: { K0RDENT_MAX_STATE_BYTES: '1000' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /deployment-state\.yaml: file is \d+ bytes, over the limit of 1000 bytes \(K0RDENT_MAX_STATE_BYTES\)/,
    );
    expect(readFileSync(state, 'utf8')).toBe(before);
  });

  test('an artifact over the configured limit is refused', async () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(5000));
    const result = await runCli(['artifact', 'record', 'big', 'big.bin'], {
      cwd: dir,
      env: { K0RDENT_MAX_ARTIFACT_BYTES: '4096' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'big.bin is 5000 bytes, over the limit of 4096 bytes (K0RDENT_MAX_ARTIFACT_BYTES)',
    );
  });

  test('a limit that is not a number is a clear error', async () => {
    const result = await runCli(['status'], { cwd: dir, env: { K0RDENT_MAX_STATE_BYTES: 'lots' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'K0RDENT_MAX_STATE_BYTES must be a positive whole number of bytes, not "lots"',
    );
  });
});
