/** The built-in deployment through the built CLI, run as a process: config commands and an offline first phase. */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../../support/cli.js';

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = scratchDir());
});

afterEach(() => {
  cleanup();
});

// No Azure and no tools: PATH has nothing but what a shell needs, and no Azure variables at all.
const offline = { PATH: '/usr/bin:/bin', AZURE_SUBSCRIPTION_ID: undefined, AZURE_CLIENT_ID: undefined };

test('config validate: every bad input named by key path and allowed values, exit 2, nothing written', async () => {
  writeFileSync(
    join(dir, 'bad.yaml'),
    'azure:\n  vm_priority: cheap\ncluster:\n  controllers:\n    count: 0\n',
  );
  const result = await runCli(['config', 'validate', '--config', 'bad.yaml'], { cwd: dir, env: offline });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(
    'bad.yaml:2:16: azure.vm_priority: expected one of Regular, Spot (any case)',
  );
  expect(result.stderr).toContain('cluster.controllers.count: expected a whole number from 1 to 9');
  const run = await runCli(['run', '--config', 'bad.yaml'], { cwd: dir, env: offline });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('azure.vm_priority');
  expect(existsSync(join(dir, 'state'))).toBe(false);
});

test('without any config file the error says where it looked', async () => {
  const result = await runCli(['run'], { cwd: dir, env: offline });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('config/k0rdent.yaml, config/k0rdent-default.yaml');
});

test('config show prints the effective configuration with defaults; config validate summarises it', async () => {
  writeFileSync(
    join(dir, 'k.yaml'),
    'cluster:\n  workers:\n    count: 2\ntimeouts:\n  cloud_init_timeout: 10\n',
  );
  const show = await runCli(['config', 'show', '--config', 'k.yaml'], { cwd: dir, env: offline });
  expect(show.code).toBe(0);
  expect(show.stdout).toContain('location: westus2');
  expect(show.stdout).toContain('vm_priority: Regular');
  expect(show.stdout).toMatch(/workers:\n\s+count: 2/);
  expect(show.stderr).toContain(
    'notice: k.yaml: timeouts.cloud_init_timeout is no longer needed and is ignored',
  );
  const validate = await runCli(['config', 'validate', '--config', 'k.yaml'], { cwd: dir, env: offline });
  expect(validate.stdout).toContain('k.yaml is valid: 1 controller(s) and 2 worker(s) in westus2');
});

test('run --only prepare_deployment works offline; keys and cloud-init are 600 files; nothing secret is printed', async () => {
  writeFileSync(join(dir, 'k.yaml'), 'metadata:\n  deployment_id: k0rdent-offline1\n');
  const result = await runCli(['run', '--config', 'k.yaml', '--only', 'prepare_deployment'], {
    cwd: dir,
    env: offline,
  });
  // Without a subscription nothing can run in Azure: the fresh-start check is skipped, and says so.
  expect(result.stderr).toBe(
    'notice: deployment k0rdent-offline1 has no state yet; no Azure subscription is configured, so Azure was not asked whether resources of it run\n',
  );
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('k0rdent-offline1');
  const secrets = join(dir, 'state', 'secrets', 'wireguard');
  const keys = readdirSync(secrets).sort();
  expect(keys).toEqual(['hub.key', 'k0s_controller.key', 'k0s_worker_1.key']);
  for (const key of keys) {
    expect(statSync(join(secrets, key)).mode & 0o777).toBe(0o600);
    expect(result.stdout).not.toContain(readFileSync(join(secrets, key), 'utf8').trim());
  }
  const cloudInit = readFileSync(join(dir, 'state', 'cloud-init', 'k0s-worker-1-cloud-init.yaml'), 'utf8');
  expect(cloudInit).toContain('ListenPort = ');

  // Running it again keeps every key (validated, skipped), and the plan can be read offline.
  const again = await runCli(['run', '--config', 'k.yaml', '--only', 'prepare_deployment'], {
    cwd: dir,
    env: offline,
  });
  expect(again.code).toBe(0);
  expect(readdirSync(secrets).map((k) => readFileSync(join(secrets, k), 'utf8'))).toEqual(
    keys.map((k) => readFileSync(join(secrets, k), 'utf8')),
  );
  const plan = await runCli(['plan', '--config', 'k.yaml', '--json'], { cwd: dir, env: offline });
  expect(plan.code).toBe(0);
  const phases = (JSON.parse(plan.stdout) as { phases: Record<string, { action: string }> }).phases;
  expect(phases.prepare_deployment?.action).toBe('skip');
  expect(phases.setup_network?.action).toBe('run');
  expect(phases.install_kof_mothership?.action).toBe('skip');
});

test('--enable and --disable switch optional phases; what an enabled phase needs comes with it, said so', async () => {
  writeFileSync(join(dir, 'k.yaml'), '{}\n');
  const plan = async (...args: string[]) => {
    const result = await runCli(['plan', '--config', 'k.yaml', '--json', ...args], {
      cwd: dir,
      env: offline,
    });
    return {
      ...result,
      phases:
        result.code === 0
          ? (JSON.parse(result.stdout) as { phases: Record<string, { action: string; reason: string }> })
              .phases
          : {},
    };
  };
  const off = await plan();
  expect(off.phases.setup_azure_children).toMatchObject({ action: 'skip' });
  expect(off.phases.setup_azure_children?.reason).toContain('azure_children.enabled: false');
  const on = await plan('--enable', 'setup_azure_children');
  expect(on.phases.setup_azure_children?.action).toBe('run');
  const kof = await plan('--enable', 'install_kof_regional');
  expect(kof.code).toBe(0);
  expect(kof.phases.setup_azure_children?.action).toBe('run');
  expect(kof.stderr).toContain(
    'setup_azure_children is switched on because install_kof_regional, which needs it, is on',
  );
  const both = await plan('--enable', 'install_kof_regional', '--disable', 'setup_azure_children');
  expect(both.code).toBe(2);
  expect(both.stderr).toContain('--disable setup_azure_children: install_kof_regional is on and needs it');
  const unknown = await plan('--enable', 'install_k0s');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('--enable install_k0s: not an optional phase of the built-in deployment');
});
