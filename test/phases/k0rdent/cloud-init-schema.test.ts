/**
 * Every cloud-init file prepare_deployment writes (through the built CLI, offline) is what cloud-init
 * itself accepts: `cloud-init schema --config-file` from Debian's cloud-init, for the default
 * configuration and for 3 controllers and 2 workers.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { command, requireTools, which } from '../../support/real-peers/netns.js';
import { runCli, scratchDir } from '../../support/cli.js';

requireTools(
  'The cloud-init schema test',
  which('cloud-init') ? [] : ["cloud-init: install Debian's cloud-init (.ci/run does)"],
);

const offline = { PATH: '/usr/bin:/bin', AZURE_SUBSCRIPTION_ID: undefined, AZURE_CLIENT_ID: undefined };
const cleanups: (() => void)[] = [];

afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

async function prepare(config: string): Promise<string[]> {
  const { dir, cleanup } = scratchDir();
  cleanups.push(cleanup);
  const result = await runCli(['run', '--config', config, '--only', 'prepare_deployment'], {
    cwd: dir,
    env: offline,
  });
  // Offline, prepare_deployment says only that it could not ask Azure about the deployment.
  const problems = result.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('notice: '));
  expect([result.code, problems]).toEqual([0, []]);
  const folder = join(dir, 'state', 'cloud-init');
  return readdirSync(folder)
    .sort()
    .map((name) => join(folder, name));
}

async function schema(file: string) {
  return command('cloud-init', ['schema', '--config-file', file], { timeoutMs: 60_000 });
}

/** A config file in a scratch folder (or the repository's default configuration as it is). */
function configFile(content: string | undefined): string {
  if (content === undefined) return resolve('config/k0rdent-default.yaml');
  const { dir, cleanup } = scratchDir();
  cleanups.push(cleanup);
  writeFileSync(join(dir, 'k0rdent.yaml'), content);
  return join(dir, 'k0rdent.yaml');
}

test.each([
  ['the default configuration', undefined, ['k0s-controller', 'k0s-worker-1']],
  [
    '3 controllers and 2 workers',
    'cluster:\n  controllers:\n    count: 3\n  workers:\n    count: 2\n',
    ['k0s-controller', 'k0s-controller-2', 'k0s-controller-3', 'k0s-worker-1', 'k0s-worker-2'],
  ],
])(
  'cloud-init accepts every generated file: %s',
  async (_, content, hosts) => {
    const files = await prepare(configFile(content));
    expect(files.map((f) => basename(f))).toEqual(hosts.map((h) => `${h}-cloud-init.yaml`).sort());
    const results = await Promise.all(files.map(schema));
    results.forEach((result, i) => {
      expect([files[i], result.code, result.stdout.trim()]).toEqual([
        files[i],
        0,
        `Valid cloud-config: ${files[i]}`,
      ]);
      expect(result.stderr).not.toMatch(/deprecat/i);
    });
  },
  120_000,
);

test('the check can fail: cloud-init refuses a file whose packages are not a list', async () => {
  const [file] = await prepare(configFile(undefined));
  if (!file) throw new Error('no cloud-init file was written');
  const broken = `${file}.broken.yaml`;
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('packages:\n  - wireguard\n');
  writeFileSync(broken, text.replace('packages:\n  - wireguard\n', 'packages: wireguard\n'));
  const result = await schema(broken);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("packages: 'wireguard' is not of type 'array'");
}, 120_000);
