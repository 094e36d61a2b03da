import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli.js';
import { EXAMPLE_PIPELINE, readState } from '../support/pipelines.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

const cli = (...args: string[]) => runCli(args, { cwd: dir });

describe('artifact record and verify', () => {
  test('record stores path, checksum, size and sensitivity; verify checks existence and checksum', async () => {
    expect((await cli('run', '--pipeline', EXAMPLE_PIPELINE)).code).toBe(0);
    writeFileSync(join(dir, 'notes.txt'), 'hello\n');
    const recorded = await cli('artifact', 'record', 'notes', 'notes.txt', '--phase', 'render_config');
    expect(recorded.code).toBe(0);
    expect(recorded.stdout).toContain('recorded artifact notes: notes.txt (6 bytes, sha256 5891b5b522d5…)');
    expect(readState(dir).artifacts.notes).toMatchObject({
      path: 'notes.txt',
      size: 6,
      sha256: '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03',
      phase: 'render_config',
      sensitive: false,
    });

    expect((await cli('artifact', 'verify')).code).toBe(0);
    writeFileSync(join(dir, 'notes.txt'), 'changed\n');
    const changed = await cli('artifact', 'verify', 'notes');
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(
      /changed +notes: notes\.txt changed: sha256 [0-9a-f]{12}… \(8 bytes\), recorded 5891b5b522d5… \(6 bytes\)/,
    );
    const json = JSON.parse((await cli('artifact', 'verify', '--json')).stdout) as {
      name: string;
      check: { ok: boolean };
    }[];
    expect(json.map((r) => [r.name, r.check.ok])).toEqual([
      ['cluster_config', true],
      ['hub_key', true],
      ['notes', false],
    ]);
  });

  test('sensitive artifacts are recorded by their phase from inside its command', async () => {
    expect((await cli('run', '--pipeline', EXAMPLE_PIPELINE)).code).toBe(0);
    const doc = readState(dir);
    expect(doc.artifacts.hub_key).toMatchObject({ phase: 'generate_keys', sensitive: true });
    const key = readFileSync(join(dir, 'scratch/local-demo/keys/hub.key'), 'utf8').trim();
    const outputs = [
      (await cli('status')).stdout,
      (await cli('status', '--json')).stdout,
      (await cli('history')).stdout,
    ];
    for (const output of outputs) expect(output).not.toContain(key);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')).not.toContain(key);
  });

  test('recording a file that does not exist is refused', async () => {
    expect((await cli('run', '--pipeline', EXAMPLE_PIPELINE)).code).toBe(0);
    const result = await cli('artifact', 'record', 'ghost', 'nowhere.txt');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot record artifact ghost: nowhere.txt does not exist');
  });
});

describe('migrate', () => {
  test('reports what it infers, writes schema 2 and keeps the original', async () => {
    mkdirSync(join(dir, 'state'));
    const fixture = join(process.cwd(), 'test/fixtures/upstream/boolean-phase-map.yaml');
    copyFileSync(fixture, join(dir, 'state/deployment-state.yaml'));

    const dry = await cli('migrate', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      'Would migrate local state directory state from the upstream boolean-phase-map format:',
    );
    expect(dry.stdout).toContain('  - setup_vpn: completed (phases.setup_vpn: true)');
    expect(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')).toBe(
      readFileSync(fixture, 'utf8'),
    );

    const status = await cli('status', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({
      deployment_id: 'k0rdent-z9y8x7w6',
      phases: { create_vms: { status: 'completed' } },
    });

    const migrated = await cli('migrate');
    expect(migrated.code).toBe(0);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml.pre-v2.bak'), 'utf8')).toBe(
      readFileSync(fixture, 'utf8'),
    );
    expect(readState(dir).events.at(-1)?.type).toBe('migrated');
    expect((await cli('migrate')).stdout).toContain('already at schema 2; nothing to migrate');
    expect(existsSync(join(dir, 'state/.lock'))).toBe(false);
  });

  test('--state-dir with an absolute path from elsewhere: paths stay relative to the project, and work there', async () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'state'), { recursive: true });
    copyFileSync(
      join(process.cwd(), 'test/fixtures/upstream/phase-string.yaml'),
      join(project, 'state/deployment-state.yaml'),
    );
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const migrated = await runCli(['migrate', '--state-dir', join(project, 'state')], { cwd: elsewhere });
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(
      `artifact paths are relative to ${project}, the directory that holds the state directory`,
    );
    const doc = readState(project);
    const paths = Object.values(doc.artifacts).map((a) => a.path);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path).not.toMatch(/^\//);
    expect(doc.artifacts.wireguard_private_key_hub?.path).toBe('state/secrets/wireguard/hub.key');
    expect(existsSync(join(project, 'state/secrets/wireguard/hub.key'))).toBe(true);

    // From the project directory every later command accepts the migrated state.
    const inProject = (...args: string[]) => runCli(args, { cwd: project });
    expect((await inProject('status')).code).toBe(0);
    expect((await inProject('artifact', 'verify')).code).toBe(0);
    expect((await inProject('history')).code).toBe(0);
    // The VMs listen on the migrated port: prepare_deployment's check finds it recorded.
    writeFileSync(join(project, 'k0rdent.yaml'), 'cluster:\n  workers:\n    count: 2\n');
    const plan = await inProject('plan', '--config', 'k0rdent.yaml', '--until', 'prepare_deployment');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('prepare_deployment');
    expect(plan.stdout).not.toContain('no WireGuard port recorded');
  });
});

test('an artifact outside the working directory is refused', async () => {
  expect((await cli('run', '--pipeline', EXAMPLE_PIPELINE)).code).toBe(0);
  const result = await cli('artifact', 'record', 'passwd', '../../../etc/hostname');
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('is outside the working directory; artifacts must live inside it');
});
