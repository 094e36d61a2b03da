/**
 * One deployment, one id, through the built CLI as a user runs it: an id made once and read back
 * from the state directory, `--deployment-id` for a config that pins none, and every disagreement
 * refused with both sides named and nothing written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = scratchDir());
  writeFileSync(
    join(dir, 'k0rdent.yaml'),
    'azure:\n  location: westus2\nnetwork:\n  wireguard_port: 51820\n',
  );
});

afterEach(() => {
  cleanup();
});

// prepare_deployment is offline: no Azure and no tools are needed (or reachable).
const offline = { PATH: '/usr/bin:/bin', AZURE_SUBSCRIPTION_ID: undefined, AZURE_CLIENT_ID: undefined };
const cli = (args: string[]) => runCli(args, { cwd: dir, env: offline });
const storedId = () =>
  /^deployment_id: (\S+)$/m.exec(readFileSync(join(dir, 'state', 'deployment-state.yaml'), 'utf8'))?.[1];

test('plan and status on an empty state directory say the deployment is new, the same every time', async () => {
  const plans = [
    await cli(['plan', '--config', 'k0rdent.yaml']),
    await cli(['plan', '--config', 'k0rdent.yaml']),
  ];
  for (const plan of plans) {
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Plan for a new deployment, whose id is made on its first run');
    expect(plan.stdout).not.toMatch(/k0rdent-[a-z0-9]{8}/);
  }
  expect(plans[0]?.stdout).toBe(plans[1]?.stdout);
  const json = JSON.parse((await cli(['plan', '--config', 'k0rdent.yaml', '--json'])).stdout) as {
    deployment_id: string | null;
    exists: boolean;
  };
  expect(json).toMatchObject({ deployment_id: null, exists: false });

  const status = await cli(['status', '--config', 'k0rdent.yaml']);
  expect(status.stdout).toContain('a new deployment, whose id is made on its first run');
  const statusJson = JSON.parse((await cli(['status', '--config', 'k0rdent.yaml', '--json'])).stdout) as {
    deployment_id: string | null;
    exists: boolean;
    phases: Record<string, { status: string }>;
  };
  expect(statusJson).toMatchObject({ deployment_id: null, exists: false });
  expect(statusJson.phases.prepare_deployment?.status).toBe('pending');
  expect(existsSync(join(dir, 'state'))).toBe(false);
});

test('an id made on the first run is read back by every later run, never made again', async () => {
  const first = await cli(['run', '--config', 'k0rdent.yaml', '--only', 'prepare_deployment']);
  expect(first.code).toBe(0);
  const id = storedId();
  expect(id).toMatch(/^k0rdent-[a-z0-9]{8}$/);
  expect(first.stdout).toContain(`new deployment ${id ?? ''}: its id was made for this new deployment`);

  const second = await cli(['run', '--config', 'k0rdent.yaml', '--only', 'prepare_deployment']);
  expect(second.code).toBe(0);
  expect(second.stdout).toContain(`deployment ${id ?? ''}`);
  expect(storedId()).toBe(id);
  const plan = await cli(['plan', '--config', 'k0rdent.yaml']);
  expect(plan.stdout).toContain(`Plan for deployment ${id ?? ''}`);
});

test('--deployment-id names a deployment whose config pins none; later commands find it in the state', async () => {
  const plan = await cli(['plan', '--config', 'k0rdent.yaml', '--deployment-id', 'prod']);
  expect(plan.stdout).toContain('Plan for new deployment prod (from --deployment-id)');
  const run = await cli([
    'run',
    '--config',
    'k0rdent.yaml',
    '--deployment-id',
    'prod',
    '--only',
    'prepare_deployment',
  ]);
  expect(run.code).toBe(0);
  expect(storedId()).toBe('prod');
  const again = await cli(['run', '--config', 'k0rdent.yaml', '--only', 'prepare_deployment']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('deployment prod');
  expect(storedId()).toBe('prod');
});

test('a pin that disagrees with --deployment-id, or a state holding another deployment, is refused', async () => {
  writeFileSync(join(dir, 'pinned.yaml'), 'metadata:\n  deployment_id: k0rdent-pinned01\n');
  const both = await cli(['plan', '--config', 'pinned.yaml', '--deployment-id', 'prod']);
  expect(both.code).toBe(2);
  expect(both.stderr).toContain(
    'error: --deployment-id is "prod", but pinned.yaml (metadata.deployment_id) pins "k0rdent-pinned01": make them match, or leave one of them out',
  );

  expect(
    (
      await cli([
        'run',
        '--config',
        'k0rdent.yaml',
        '--deployment-id',
        'prod',
        '--only',
        'prepare_deployment',
      ])
    ).code,
  ).toBe(0);
  const before = readFileSync(join(dir, 'state', 'deployment-state.yaml'), 'utf8');
  for (const args of [
    ['run', '--config', 'k0rdent.yaml', '--deployment-id', 'staging'],
    ['run', '--config', 'pinned.yaml'],
  ]) {
    const refused = await cli(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /error: local state directory state holds deployment "prod", not "(staging|k0rdent-pinned01)" \(from .+\)\. Use another --state-dir for a second deployment, or name the one it holds\./,
    );
  }
  expect(readFileSync(join(dir, 'state', 'deployment-state.yaml'), 'utf8')).toBe(before);
  const bad = await cli(['plan', '--config', 'k0rdent.yaml', '--deployment-id', 'Not_An_Id']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('expected a deployment id');
});

test('a pipeline that names no deployment takes --deployment-id, or says what to add', async () => {
  writeFileSync(join(dir, 'pipe.yml'), 'phases:\n  - name: only\n    run: echo hi\n');
  const missing = await cli(['run', '--pipeline', 'pipe.yml']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(
    'pipe.yml names no deployment: add `deployment: NAME` to it, or pass --deployment-id',
  );
  expect((await cli(['run', '--pipeline', 'pipe.yml', '--deployment-id', 'mine'])).code).toBe(0);
  expect(storedId()).toBe('mine');
  expect((await cli(['run', '--pipeline', 'pipe.yml'])).code).toBe(0);
});
