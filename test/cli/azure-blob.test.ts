/**
 * The command line on the azure-blob backend, as a user runs it (the built CLI as a process) against
 * Azurite started here: the example pipeline end to end and again from another machine, a killed
 * writer whose lease expires and is taken over, `state unlock`, and moving a deployment between the
 * local directory and blob storage.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { collect, killGroup, runCli, scratchDir, startCli, type CliResult } from '../support/cli.js';
import { EXAMPLE_PIPELINE, examplePipelineCopy } from '../support/pipelines.js';
import { waitFor } from '../support/wait.js';
import { BlobStorage } from '../support/azure-blob/storage.js';

const KEY = 'cli-azure-blob-state-key-0123456789';
let storage: BlobStorage;
let dir: string;
let cleanup: () => void;
let containers = 0;

beforeAll(async () => {
  storage = await BlobStorage.start();
}, 60_000);
afterAll(() => storage.stop());
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

async function container(): Promise<string> {
  const name = `cli${++containers}`;
  await storage.createContainer(name);
  return storage.url(name);
}

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AZURE_STORAGE_CONNECTION_STRING: storage.connectionString(),
    K0RDENT_STATE_KEY: KEY,
    K0RDENT_LEASE_SECONDS: '15',
    ...extra,
  };
}

function blob(
  args: string[],
  cwd: string,
  url: string,
  extra: Record<string, string> = {},
  timeoutMs = 60_000,
) {
  return runCli([...args, '--state-backend', 'azure-blob', '--state-url', url], {
    cwd,
    env: env(extra),
    timeoutMs,
  });
}

function ok(result: CliResult): CliResult {
  if (result.code !== 0) throw new Error(`exit ${String(result.code)}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** Another working directory: another machine with nothing of the deployment on disk. */
function elsewhere(name: string): string {
  const other = join(dir, name);
  mkdirSync(other, { recursive: true });
  return other;
}

test('the example pipeline runs on azure-blob; files come back from blob storage (here and on another machine); status and history work', async () => {
  const url = await container();
  const first = ok(await blob(['run', '--pipeline', EXAMPLE_PIPELINE], dir, url));
  expect(first.stdout).toContain(`Azure blob ${url}/local-demo/k0rdent-state.yaml`);
  // The key never reaches blob storage in plaintext; the working copy stays out of the state dir proper.
  const key = readFileSync(join(dir, 'scratch/local-demo/keys/hub.key'), 'utf8');
  for (const [name, bytes] of await storage.contents(url.split('/').pop() ?? '')) {
    expect([name, bytes.toString().includes(key.trim())]).toEqual([name, false]);
  }
  expect(existsSync(join(dir, 'state/deployment-state.yaml'))).toBe(false);

  // The same machine with its files gone: they come back from blob storage, and every phase is skipped.
  rmSync(join(dir, 'state'), { recursive: true });
  rmSync(join(dir, 'scratch/local-demo/keys/hub.key'));
  const again = ok(await blob(['run', '--pipeline', EXAMPLE_PIPELINE], dir, url));
  for (const phase of ['prepare_workspace', 'generate_keys', 'render_config', 'start_cluster']) {
    expect(again.stdout).toMatch(new RegExp(`${phase}\\s+skip`));
  }
  expect(again.stderr).toContain('restored artifact hub_key to scratch/local-demo/keys/hub.key');
  expect(readFileSync(join(dir, 'scratch/local-demo/keys/hub.key'), 'utf8')).toBe(key);

  // Another machine: the key it needs is restored, mode 600, and kept when its phases run there.
  const other = elsewhere('laptop');
  const there = ok(await blob(['run', '--pipeline', EXAMPLE_PIPELINE], other, url));
  expect(there.stderr).toContain('restored artifact hub_key');
  expect(readFileSync(join(other, 'scratch/local-demo/keys/hub.key'), 'utf8')).toBe(key);
  expect(statSync(join(other, 'scratch/local-demo/keys/hub.key')).mode & 0o777).toBe(0o600);

  const status = ok(await blob(['status', '--json'], elsewhere('reader'), url, { K0RDENT_STATE_KEY: '' }));
  expect(JSON.parse(status.stdout)).toMatchObject({
    deployment_id: 'local-demo',
    phases: { start_cluster: { status: 'completed' } },
  });
  const history = ok(await blob(['history', '--limit', '3'], other, url));
  expect(history.stdout).toContain('start_cluster');
  const versions = ok(await blob(['history', '--versions'], other, url));
  expect(versions.stdout).toContain(
    'keeps no versions of Azure blob', // Azurite has no blob versioning
  );
  expect(versions.stdout).toContain('--enable-versioning true');
});

test('a writer killed outright: the next one is refused naming it, then takes the lock over once its lease expires', async () => {
  const url = await container();
  const started = join(dir, 'started');
  const pipeline = examplePipelineCopy(dir, (phases) => {
    phases[0]!.run = `touch ${started}; sleep 60\n${phases[0]!.run}`;
  });
  const first = startCli(
    ['run', '--pipeline', pipeline, '--state-backend', 'azure-blob', '--state-url', url],
    {
      cwd: dir,
      env: env(),
    },
  );
  const firstDone = collect(first, 90_000);
  await waitFor(() => existsSync(started), 'the first run to start its first phase', 30_000);
  killGroup(first, 'SIGKILL');
  expect((await firstDone).signal).toBe('SIGKILL');

  const plain = examplePipelineCopy(dir, () => undefined, 'plain.yml');
  const refused = await blob(['run', '--pipeline', plain], dir, url);
  expect(refused.code).toBe(3);
  expect(refused.stderr).toMatch(
    new RegExp(
      `is locked by run local-\\S+, job cli \\(.+\\), host ${hostname()}, since \\S+ \\(k0rdent-deploy run\\)`,
    ),
  );
  expect(refused.stderr).toContain('lets go by itself within 15 s');

  const started2 = Date.now();
  const next = ok(await blob(['run', '--pipeline', plain, '--lock-timeout', '40'], dir, url, {}, 90_000));
  expect(Date.now() - started2).toBeLessThan(40_000);
  expect(next.stdout).toMatch(/prepare_workspace\s+run\s+interrupted/);
  const status = ok(await blob(['status', '--json'], elsewhere('reader'), url));
  expect(JSON.parse(status.stdout)).toMatchObject({ phases: { start_cluster: { status: 'completed' } } });
}, 120_000);

test('state unlock shows the holder and breaks its lease; the holder then writes nothing more (exit 3)', async () => {
  const url = await container();
  const started = join(dir, 'started');
  const release = join(dir, 'release');
  const pipeline = examplePipelineCopy(dir, (phases) => {
    phases[0]!.run = `touch ${started}\nfor i in $(seq 1 600); do [ -e ${release} ] && break; sleep 0.1; done\n${phases[0]!.run}`;
  });
  const holder = startCli(
    ['run', '--pipeline', pipeline, '--state-backend', 'azure-blob', '--state-url', url],
    {
      cwd: dir,
      env: env(),
    },
  );
  const holderDone = collect(holder, 90_000);
  await waitFor(() => existsSync(started), 'the holder to start its first phase', 30_000);

  const other = elsewhere('admin');
  const asked = await blob(['state', 'unlock'], other, url);
  expect(asked.code).toBe(2);
  expect(asked.stdout).toMatch(/is locked by run local-\S+, job cli/);
  expect(asked.stderr).toContain('pass --yes to break it');

  const broke = ok(await blob(['state', 'unlock', '--yes'], other, url));
  expect(broke.stdout).toMatch(/broke the lock held by run local-\S+, job cli/);
  writeFileSync(release, '');
  const result = await holderDone;
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(
    /the lock on Azure blob .* was lost .*nothing more was written|was lost \(\w+\), so this change was not written/,
  );

  // The state is what the holder last wrote: readable, the phase still in progress (interrupted).
  const status = ok(await blob(['status', '--json'], other, url));
  expect(JSON.parse(status.stdout)).toMatchObject({
    phases: { prepare_workspace: { status: 'in_progress' } },
  });
  expect(ok(await blob(['state', 'unlock', '--yes'], other, url)).stdout).toContain('is not locked');
}, 120_000);

test('push a local deployment to blob storage, pull it elsewhere; a newer copy is not overwritten without --force', async () => {
  const url = await container();
  ok(await runCli(['run', '--pipeline', EXAMPLE_PIPELINE], { cwd: dir, env: env() }));
  const pushed = ok(
    await runCli(['state', 'push', '--to', 'azure-blob', '--state-url', url], { cwd: dir, env: env() }),
  );
  expect(pushed.stdout).toMatch(
    /pushed deployment local-demo to Azure blob .*: 4 of 5 phases completed; 2 file\(s\) \(1 encrypted\), read back and verified/,
  );

  const laptop = elsewhere('laptop');
  const pulled = ok(
    await runCli(['state', 'pull', '--from', 'azure-blob', '--state-url', url, '--state-dir', 'copy'], {
      cwd: laptop,
      env: env(),
    }),
  );
  expect(pulled.stdout).toMatch(
    /pulled deployment local-demo from Azure blob .* into local state directory copy: 4 of 5 phases completed; 2 file\(s\), sha256 verified, 1 of them secret/,
  );
  // Files that lived outside the state directory come under it; the secret is mode 600.
  const key = join(laptop, 'copy/secrets/workspace/scratch/local-demo/keys/hub.key');
  expect(readFileSync(key, 'utf8')).toBe(readFileSync(join(dir, 'scratch/local-demo/keys/hub.key'), 'utf8'));
  expect(statSync(key).mode & 0o777).toBe(0o600);
  expect(ok(await runCli(['artifact', 'verify', '--state-dir', 'copy'], { cwd: laptop })).stdout).toContain(
    'ok       hub_key',
  );

  // The original changes the deployment and pushes it; the laptop's copy is now older: pushing it is refused.
  ok(
    await runCli(['rollback', '--to', 'start_cluster', '--pipeline', EXAMPLE_PIPELINE], {
      cwd: dir,
      env: env(),
    }),
  );
  ok(await runCli(['state', 'push', '--to', 'azure-blob', '--state-url', url], { cwd: dir, env: env() }));
  const stale = await runCli(
    ['state', 'push', '--to', 'azure-blob', '--state-url', url, '--state-dir', 'copy'],
    {
      cwd: laptop,
      env: env(),
    },
  );
  expect(stale.code).toBe(2);
  expect(stale.stderr).toContain('has changes the local state lacks');
  const forced = ok(
    await runCli(
      ['state', 'push', '--to', 'azure-blob', '--state-url', url, '--state-dir', 'copy', '--force'],
      {
        cwd: laptop,
        env: env(),
      },
    ),
  );
  expect(forced.stdout).toMatch(/the state it replaced there was archived to .*\/local-demo\/archive\//);
  const now = ok(await blob(['status', '--json'], elsewhere('check'), url));
  expect(JSON.parse(now.stdout)).toMatchObject({ phases: { start_cluster: { status: 'completed' } } });

  // Without the key, a pull of an encrypted deployment says what to set.
  const noKey = await runCli(['state', 'pull', '--from', 'azure-blob', '--state-url', url], {
    cwd: elsewhere('nokey'),
    env: env({ K0RDENT_STATE_KEY: '' }),
  });
  expect(noKey.code).toBe(2);
  expect(noKey.stderr).toContain('K0RDENT_STATE_KEY is not set');
}, 120_000);

test('a container holding several deployments: a command without a pipeline lists them; --deployment-id picks one', async () => {
  const url = await container();
  ok(await blob(['run', '--pipeline', EXAMPLE_PIPELINE], dir, url));
  const other = join(dir, 'other.yml');
  writeFileSync(other, 'deployment: other-demo\nphases:\n  - name: only\n    run: echo "nothing to do"\n');
  ok(await blob(['run', '--pipeline', other], dir, url));

  const reader = elsewhere('reader');
  const unsure = await blob(['status'], reader, url);
  expect(unsure.code).toBe(2);
  expect(unsure.stderr).toContain(
    `${url} holds 2 deployments (local-demo, other-demo): choose one with --deployment-id`,
  );
  const picked = ok(await blob(['status', '--json', '--deployment-id', 'other-demo'], reader, url));
  expect(JSON.parse(picked.stdout)).toMatchObject({
    deployment_id: 'other-demo',
    phases: { only: { status: 'completed' } },
  });
  const first = ok(await blob(['history', '--deployment-id', 'local-demo'], reader, url));
  expect(first.stdout).toContain('start_cluster');
}, 120_000);
