/**
 * The seed's promise on the azure-blob backend (issue 13, section 4): the shipped deploy.yml,
 * rollback.yml and ci.yml run job by job (harness.ts) with `state-backend: azure-blob` against Azurite
 * started here: a failed attempt resumed by "Re-run failed jobs", a rollback dispatch between two
 * deploys, and two parallel jobs; the state lives in one leased blob, and no state artifact is written.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { BlobStorage } from '../support/azure-blob/storage.js';
import {
  loadWorkflow,
  runWorkflow,
  type AttemptRun,
  type JobRun,
  type LoadedWorkflow,
} from './support/harness.js';

const PIPELINE = 'examples/standin/pipeline.yml';
const SCENARIO_MS = 300_000;

let gh: ActionsEmulator;
let storage: BlobStorage;
let root: string;
let cloud: string;
let url: string;
let deploy: LoadedWorkflow;
let rollback: LoadedWorkflow;
let ci: LoadedWorkflow;
let containers = 0;

beforeAll(async () => {
  deploy = await loadWorkflow('.github/workflows/deploy.yml');
  rollback = await loadWorkflow('.github/workflows/rollback.yml');
  ci = await loadWorkflow('.github/workflows/ci.yml');
  storage = await BlobStorage.start();
}, 60_000);

afterAll(() => storage.stop());

beforeEach(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'workflow-blob-'));
  cloud = join(root, 'cloud');
  mkdirSync(cloud);
  const container = `wf${++containers}`;
  await storage.createContainer(container);
  url = storage.url(container, 'deployments');
});

afterEach(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

/** The runner's environment: the stand-in's cloud, and the storage credential (a repository secret would carry it). */
function runnerEnv(): Record<string, string> {
  return { STANDIN_CLOUD: cloud, AZURE_STORAGE_CONNECTION_STRING: storage.connectionString() };
}

const inputs = () => ({
  'deployment-id': 'standin',
  config: 'config/k0rdent.yaml',
  pipeline: PIPELINE,
  'state-backend': 'azure-blob',
  'state-url': url,
});

function runDeploy(runId: number, rerun?: { previous: AttemptRun; mode: 'all' | 'failed' }) {
  return runWorkflow(deploy, {
    gh,
    root,
    runId,
    inputs: inputs(),
    checkout: [PIPELINE],
    env: runnerEnv(),
    ...(rerun ? { rerun } : {}),
  });
}

function job(run: AttemptRun, id: string): JobRun {
  const found = run.jobs.get(id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

function phaseStep(run: JobRun, phase: string) {
  const step = run.steps.find((s) => s.id === phase);
  if (!step) throw new Error(`job ${run.id} has no step ${phase}`);
  return {
    outcome: step.outcome,
    ran: step.outputs.ran,
    status: step.outputs.status,
    reason: step.outputs.reason ?? '',
  };
}

function runsLog(): string[] {
  const file = join(cloud, 'runs.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

function statusOf(run: JobRun): Record<string, { status: string; attempts: number }> {
  const status = run.steps.find((s) => s.uses === './actions/status');
  return (
    JSON.parse(status?.outputs.state ?? '{}') as {
      phases: Record<string, { status: string; attempts: number }>;
    }
  ).phases;
}

/** The state is in the blob, leased by nobody now; no state artifact was written anywhere. */
async function expectStateInBlob(id: string): Promise<void> {
  const container = url.split('/').at(-2) ?? '';
  const blobs = await storage.contents(container);
  expect(blobs.get(`deployments/${id}/k0rdent-state.yaml`)?.toString()).toContain(
    'format: k0rdent-state-snapshot/1',
  );
  expect(gh.artifacts().filter((a) => a.name.startsWith('k0rdent-state'))).toEqual([]);
  const props = await storage
    .container(container)
    .getBlobClient(`deployments/${id}/k0rdent-state.yaml`)
    .getProperties();
  expect(props.leaseState).not.toBe('leased');
}

test(
  'deploy.yml: attempt 1 fails in create_vms; "Re-run failed jobs" validates and skips phases 1-2 and resumes',
  async () => {
    writeFileSync(join(cloud, 'fail-create_vms'), '');
    const first = await runDeploy(101);
    expect(job(first, 'deploy').result).toBe('failure');
    expect(phaseStep(job(first, 'deploy'), 'create_vms').outcome).toBe('failure');
    expect(job(first, 'addons').result).toBe('skipped');
    rmSync(join(cloud, 'fail-create_vms'));

    const second = await runDeploy(101, { previous: first, mode: 'failed' });
    const infra = job(second, 'deploy');
    for (const phase of ['prepare_deployment', 'setup_network']) {
      expect(phaseStep(infra, phase).ran).toBe('false');
      expect(phaseStep(infra, phase).reason).toMatch(/^completed and still true/);
    }
    expect(phaseStep(infra, 'create_vms')).toMatchObject({ ran: 'true', status: 'completed' });
    expect(phaseStep(infra, 'create_vms').reason).toMatch(/^failed before in run 101 attempt 1/);
    expect(phaseStep(infra, 'install_k0rdent')).toMatchObject({ ran: 'true', status: 'completed' });
    expect(job(second, 'addons').result).toBe('success');
    const log = runsLog();
    expect(log.filter((p) => p === 'prepare_deployment')).toHaveLength(1);
    expect(log.filter((p) => p === 'create_vms')).toHaveLength(2);
    expect(statusOf(job(second, 'addons')).create_vms).toMatchObject({ status: 'completed', attempts: 2 });
    await expectStateInBlob('standin');
  },
  SCENARIO_MS,
);

test(
  'rollback.yml between two deploys: the next deploy re-runs install_k0s and its dependents only',
  async () => {
    const first = await runDeploy(401);
    for (const id of ['deploy', 'addons']) expect(job(first, id).result).toBe('success');
    const back = await runWorkflow(rollback, {
      gh,
      root,
      runId: 402,
      // rollback.yml has room for state-url only (workflow_dispatch takes 10 inputs): a URL means azure-blob.
      inputs: {
        'deployment-id': 'standin',
        config: 'config/k0rdent.yaml',
        pipeline: PIPELINE,
        'state-url': url,
        to: 'install_k0s',
        destroy: true,
        'dry-run': false,
      },
      checkout: [PIPELINE],
      env: runnerEnv(),
    });
    const rb = job(back, 'rollback');
    expect(rb.result).toBe('success');
    expect(statusOf(rb).install_k0s?.status).toBe('pending');
    expect(statusOf(rb).create_vms?.status).toBe('completed');

    const before = runsLog().length;
    const third = await runDeploy(403);
    for (const id of ['deploy', 'addons']) expect(job(third, id).result).toBe('success');
    expect(
      runsLog()
        .slice(before)
        .filter((p) => p !== 'connect_vpn'),
    ).toEqual(['install_k0s', 'install_k0rdent', 'install_azure_csi']);
    await expectStateInBlob('standin');
  },
  SCENARIO_MS,
);

test(
  'ci.yml: two parallel jobs on one leased blob both land; the flaky job resumes in attempt 2',
  async () => {
    // ci.yml has no state inputs: the backend comes from the runner's environment, as a workflow's `env:` would set it.
    const options = {
      gh,
      root,
      runId: 501,
      inputs: { 'fail-first-attempt': true },
      checkout: ['examples/ci/pipeline.yml'],
      jobs: ['actions-prepare', 'actions-left', 'actions-right', 'actions-resume'],
      env: { ...runnerEnv(), K0RDENT_STATE_BACKEND: 'azure-blob', K0RDENT_STATE_URL: url },
    };
    const first = await runWorkflow(ci, options);
    expect(job(first, 'actions-left').result).toBe('success');
    expect(job(first, 'actions-right').result).toBe('success');
    const merged = statusOf(job(first, 'actions-resume'));
    expect(merged.left?.status).toBe('completed');
    expect(merged.right?.status).toBe('completed');
    expect(merged.flaky?.status).toBe('failed');

    const second = await runWorkflow(ci, { ...options, rerun: { previous: first, mode: 'failed' } });
    const resumed = job(second, 'actions-resume');
    expect(resumed.result).toBe('success');
    expect(resumed.steps.at(-1)?.outcome).toBe('success'); // the node check of the merged state
    await expectStateInBlob('ci-actions-501'); // ci.yml passes one deployment id per run
  },
  SCENARIO_MS,
);
