/**
 * Issue 5's end-to-end check: the shipped deploy.yml runs a deployment whose phases make real
 * secrets (a private key, a config holding it, a kubeconfig token), carry them between jobs, and
 * even print them. Afterwards every artifact uploaded, every step's output streams, and every
 * GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV and GITHUB_STEP_SUMMARY file is scanned for each secret,
 * raw and base64: zero hits. Workflow commands printed by a phase are never obeyed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { loadWorkflow, runWorkflow, type LoadedWorkflow } from './support/harness.js';

const PIPELINE = 'test/fixtures/standin-secrets/pipeline.yml';
const STATE_KEY = 'state key of the secret-scan test, 44 chars.';

let gh: ActionsEmulator;
let root: string;
let deploy: LoadedWorkflow;

beforeAll(async () => {
  deploy = await loadWorkflow('.github/workflows/deploy.yml');
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'secret-scan-'));
});

afterAll(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('no secret reaches an artifact, a log, an output or the job summary in plaintext', async () => {
  const run = await runWorkflow(deploy, {
    gh,
    root,
    runId: 501,
    inputs: { 'deployment-id': 'standin-secrets', config: '', pipeline: PIPELINE },
    checkout: [PIPELINE],
    secrets: { K0RDENT_STATE_KEY: STATE_KEY },
  });
  for (const job of run.jobs.values()) expect([job.id, job.result]).toEqual([job.id, 'success']);

  // The secrets, as the runners hold them (every job that restored them has the same bytes).
  const all = filesUnder(root);
  const secretFiles = ['standin/hub.key', 'standin/wg-hub.conf', 'standin/kubeconfig'].map((suffix) => {
    const found = all.find((path) => path.endsWith(suffix));
    if (!found) throw new Error(`no ${suffix} on any runner`);
    return readFileSync(found, 'utf8');
  });
  const secrets = new Set<string>([STATE_KEY]);
  for (const text of secretFiles) {
    secrets.add(text.trim());
    secrets.add(Buffer.from(text).toString('base64'));
  }
  const hubKey = secretFiles[0]!.trim();
  const token = /token: (\S+)\}/.exec(secretFiles[2]!)?.[1];
  expect(token).toBeDefined();
  for (const value of [hubKey, token!]) {
    secrets.add(value);
    secrets.add(Buffer.from(value).toString('base64'));
  }

  const haystacks: [string, string][] = [];
  for (const artifact of gh.artifacts()) {
    const bytes = await gh.artifactBytes(artifact.id);
    if (bytes) haystacks.push([`artifact ${artifact.name}`, bytes.toString('utf8')]);
  }
  expect(haystacks.length).toBeGreaterThan(3);
  for (const job of run.jobs.values()) {
    for (const result of [...job.steps.map((s) => s.result), ...job.posts]) {
      if (!result) continue;
      // `::add-mask::` lines are how a secret is handed to the runner, which never shows them.
      const stdout = result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n');
      haystacks.push([`${job.id} ${result.uses} ${result.stage} stdout`, stdout]);
      haystacks.push([`${job.id} ${result.uses} ${result.stage} stderr`, result.stderr]);
    }
  }
  for (const path of all.filter((p) => p.includes('/files/')))
    haystacks.push([path, readFileSync(path, 'utf8')]);

  const hits = haystacks.flatMap(([where, text]) =>
    [...secrets].filter((secret) => text.includes(secret)).map(() => where),
  );
  expect(hits).toEqual([]);

  // The secrets were really used (and masked where a phase printed them).
  const infra = run.jobs.get('deploy')!;
  const network = infra.steps.find((s) => s.id === 'setup_network')!.result!;
  expect(network.stdout).toContain('debug output that should never show a key: ***');
  // The hub key is among the masks the runner was given.
  expect(network.stdout).toContain(`::add-mask::${hubKey}`);

  // Workflow commands in a phase's output were printed inert, not obeyed.
  expect(network.outputs.injected).toBeUndefined();
  expect(network.annotations.filter((a) => a.title === 'forged')).toEqual([]);
  expect(network.stdout).toContain('  │ ::error title=forged::');
  expect(network.stdout).not.toMatch(/^\s*::(error title=forged|set-output|stop-commands)/m);
}, 300_000);
