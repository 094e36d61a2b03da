/**
 * A CI deployment, on a laptop (issue 9, section 4): the built actions deploy a stand-in with real
 * secrets on the artifact backend (the emulator's results service, REST API and Azurite), then the
 * CLI pulls the newest state through the REST API into a local state directory, verified and
 * decrypted: status, history and the kubeconfig work there; nothing secret lands anywhere else; and
 * each way it can go wrong ends with exit 2 and what to do.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { RunnerJob } from '../actions/support/runner.js';
import { runCli, scratchDir, type CliResult } from '../support/cli.js';

const PIPELINE = 'test/fixtures/standin-secrets/pipeline.yml';
const KEY = 'state key of the state-pull test, 40 chars';
const DEPLOYMENT = 'standin-secrets';
const PHASES = [
  'prepare_deployment',
  'setup_network',
  'create_vms',
  'setup_vpn',
  'connect_vpn',
  'install_k0s',
];

let gh: ActionsEmulator;
let dir: string;
let cleanup: () => void;
let runner: RunnerJob;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  ({ dir, cleanup } = scratchDir());
  // Run 11 deploys up to install_k0s on one runner, with the state key, on the artifact backend.
  runner = new RunnerJob({ gh, runId: 11, job: 'deploy', root: join(dir, 'ci'), checkout: [PIPELINE] });
  for (const phase of PHASES) {
    const step = await runner.run('./', { phase, pipeline: PIPELINE, 'state-key': KEY });
    if (!step.ok) throw new Error(`${phase} failed:\n${step.stdout}\n${step.stderr}`);
  }
  await runner.end();
}, 300_000);

afterAll(async () => {
  await gh.stop();
  cleanup();
});

function pull(cwd: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['state', 'pull', ...args], {
    cwd,
    env: { GITHUB_API_URL: gh.apiUrl, GITHUB_TOKEN: gh.githubToken, K0RDENT_STATE_KEY: KEY, ...env },
  });
}

let laptops = 0;
function laptop(): string {
  const path = join(dir, `laptop${++laptops}`);
  mkdirSync(path, { recursive: true });
  return path;
}

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const child = join(path, name);
    return statSync(child).isDirectory() ? filesUnder(child) : [child];
  });
}

test('pull finds the newest state, verifies and decrypts it into a state directory that status and history read', async () => {
  const cwd = laptop();
  const result = await pull(cwd, ['--repo', 'acme/infra', '--deployment', DEPLOYMENT]);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(
    /pulled deployment standin-secrets from workflow artifacts of acme\/infra, run 11 attempt 1 \(\d+ snapshots?\) into local state directory state: 6 of 11 phases completed; 3 file\(s\), sha256 verified, 3 of them secret \(mode 600, under state\/secrets\)/,
  );
  const kubeconfig = 'state/secrets/workspace/standin/kubeconfig';
  expect(result.stdout).toContain(`kubeconfig: ${kubeconfig}   (export KUBECONFIG=${join(cwd, kubeconfig)})`);

  // The same bytes the runner holds; every secret mode 600 under the state directory's secrets.
  const ciWorkspace = runner.workspace;
  for (const [pulled, onRunner] of [
    ['state/secrets/workspace/standin/hub.key', 'standin/hub.key'],
    ['state/secrets/workspace/standin/wg-hub.conf', 'standin/wg-hub.conf'],
    [kubeconfig, 'standin/kubeconfig'],
  ] as const) {
    expect(readFileSync(join(cwd, pulled), 'utf8')).toBe(readFileSync(join(ciWorkspace, onRunner), 'utf8'));
    expect(statSync(join(cwd, pulled)).mode & 0o777).toBe(0o600);
  }
  const secrets = ['standin/hub.key', 'standin/kubeconfig'].map((f) =>
    readFileSync(join(ciWorkspace, f), 'utf8').trim(),
  );
  const outside = filesUnder(cwd).filter((path) => !relative(cwd, path).startsWith('state/secrets/'));
  for (const path of outside) {
    const text = readFileSync(path, 'utf8');
    for (const secret of secrets)
      expect([relative(cwd, path), text.includes(secret)]).toEqual([relative(cwd, path), false]);
  }
  for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);

  const status = await runCli(['status', '--json'], { cwd });
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({
    deployment_id: DEPLOYMENT,
    phases: { install_k0s: { status: 'completed' }, install_k0rdent: { status: 'pending' } },
  });
  const history = await runCli(['history', '--limit', '5'], { cwd });
  expect(history.code).toBe(0);
  expect(history.stdout).toContain('install_k0s');
  expect((await runCli(['artifact', 'verify'], { cwd })).code).toBe(0);

  // Pulling again changes nothing that matters; a run on another id is named in the listing.
  expect((await pull(cwd, ['--repo', 'acme/infra', '--deployment', DEPLOYMENT, '--run', '11'])).code).toBe(0);
}, 120_000);

test('what goes wrong ends with exit 2 and what to do', async () => {
  const cwd = laptop();
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      'no key',
      ['--repo', 'acme/infra', '--deployment', DEPLOYMENT],
      { K0RDENT_STATE_KEY: '' },
      /is authenticated with state-key id [0-9a-f]{16}( and holds \d encrypted file\(s\))?, and K0RDENT_STATE_KEY is not set: set it to the state-key secret the workflow passes/,
    ],
    [
      'wrong key',
      ['--repo', 'acme/infra', '--deployment', DEPLOYMENT],
      { K0RDENT_STATE_KEY: 'a different key, also long enough' },
      /was written with state-key id [0-9a-f]{16}, but K0RDENT_STATE_KEY has id [0-9a-f]{16}: set K0RDENT_STATE_KEY to the state-key the workflow used/,
    ],
    [
      'no token',
      ['--repo', 'acme/infra', '--deployment', DEPLOYMENT],
      { GITHUB_TOKEN: '', GH_TOKEN: '' },
      /set GITHUB_TOKEN or GH_TOKEN to a token that can read acme\/infra's Actions artifacts/,
    ],
    [
      'a token GitHub refuses',
      ['--repo', 'acme/infra', '--deployment', DEPLOYMENT],
      { GITHUB_TOKEN: runtimeToken() },
      /GitHub refused the token \(HTTP 401\)/,
    ],
    [
      'a repository the token cannot see',
      ['--repo', 'acme/secret', '--deployment', DEPLOYMENT],
      {},
      /GitHub answered HTTP 404 for acme\/secret: the repository does not exist or the token .* may not read its Actions artifacts/,
    ],
    [
      'an unknown deployment',
      ['--repo', 'acme/infra', '--deployment', 'prod'],
      {},
      /no state of deployment prod in the workflow artifacts of acme\/infra .*Deployments with state there: standin-secrets\./,
    ],
    [
      'a run without it',
      ['--repo', 'acme/infra', '--deployment', DEPLOYMENT, '--run', '99'],
      {},
      /run 99 of acme\/infra holds no state of deployment standin-secrets/,
    ],
    ['no source', [], {}, /say where to pull from: --repo OWNER\/REPO --deployment ID/],
  ];
  for (const [what, args, env, message] of cases) {
    const result = await pull(cwd, args, env);
    expect([what, result.code]).toEqual([what, 2]);
    expect([what, result.stderr]).toEqual([what, expect.stringMatching(message)]);
  }
  // Nothing was written by any of them.
  expect(readdirSync(cwd)).toEqual([]);
}, 120_000);

test('vpn up says what is missing: the tools, or root', async () => {
  const cwd = laptop();
  expect((await pull(cwd, ['--repo', 'acme/infra', '--deployment', DEPLOYMENT])).code).toBe(0);
  // The stand-in records its hub config under another name than the built-in deployment.
  const noConfig = await runCli(['vpn', 'up'], { cwd });
  expect(noConfig.code).toBe(2);
  expect(noConfig.stderr).toContain('has no hub WireGuard config recorded');
});

/** A runtime token is no REST credential: the emulator answers 401, as GitHub does. */
function runtimeToken(): string {
  return gh.runnerEnv({ runId: 11, attempt: 1, job: 'deploy' }).ACTIONS_RUNTIME_TOKEN ?? '';
}
