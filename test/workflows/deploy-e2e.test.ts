/**
 * The shipped deploy.yml, rollback.yml and ci.yml, run job by job and step by step from the files
 * themselves (harness.ts), with the built actions as processes against the artifact emulator, and
 * examples/standin/pipeline.yml in place of the cloud: resume after "Re-run failed jobs" and "Re-run
 * all jobs", a cancelled job, parallel jobs, and a rollback run between two deploys.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import {
  loadWorkflow,
  runWorkflow,
  type AttemptRun,
  type JobRun,
  type LoadedWorkflow,
} from './support/harness.js';

const PIPELINE = 'examples/standin/pipeline.yml';
const DEPLOY_INPUTS = { 'deployment-id': 'standin', config: 'config/k0rdent.yaml', pipeline: PIPELINE };

let gh: ActionsEmulator;
let root: string;
let cloud: string;
let deploy: LoadedWorkflow;
let rollback: LoadedWorkflow;
let ci: LoadedWorkflow;

beforeAll(async () => {
  deploy = await loadWorkflow('.github/workflows/deploy.yml');
  rollback = await loadWorkflow('.github/workflows/rollback.yml');
  ci = await loadWorkflow('.github/workflows/ci.yml');
});

beforeEach(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'workflow-e2e-'));
  cloud = join(root, 'cloud');
  mkdirSync(cloud);
});

afterEach(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

function runDeploy(runId: number, rerun?: { previous: AttemptRun; mode: 'all' | 'failed' }, extra = {}) {
  return runWorkflow(deploy, {
    gh,
    root,
    runId,
    inputs: DEPLOY_INPUTS,
    checkout: [PIPELINE],
    env: { STANDIN_CLOUD: cloud },
    ...(rerun ? { rerun } : {}),
    ...extra,
  });
}

function job(run: AttemptRun, id: string): JobRun {
  const found = run.jobs.get(id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

/** ran/reason of the step that ran `phase` in a job. */
function phaseStep(run: JobRun, phase: string) {
  const step = run.steps.find((s) => s.id === phase);
  if (!step) throw new Error(`job ${run.id} has no step ${phase}`);
  return {
    outcome: step.outcome,
    ran: step.outputs.ran,
    status: step.outputs.status,
    reason: step.outputs.reason ?? '',
    result: step.result,
  };
}

function runsLog(): string[] {
  const file = join(cloud, 'runs.log');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

function count(list: readonly string[], name: string): number {
  return list.filter((x) => x === name).length;
}

/** No request was answered 409, and no job keeps more than a few snapshots alive. */
function expectHealthyArtifacts(): void {
  expect(gh.requests.all().filter((r) => r.status === 409)).toEqual([]);
  const alive = gh.artifacts({ statuses: ['finalized'] }).filter((a) => a.name.startsWith('k0rdent-state.'));
  const perJob = new Map<string, number>();
  for (const a of alive)
    perJob.set(`${a.runId}/${a.attempt}/${a.job}`, (perJob.get(`${a.runId}/${a.attempt}/${a.job}`) ?? 0) + 1);
  for (const [key, n] of perJob) expect([key, n <= 3]).toEqual([key, true]);
}

function statusOf(run: JobRun): Record<string, { status: string; attempts: number }> {
  const status = run.steps.find((s) => s.uses === './actions/status');
  return (
    JSON.parse(status?.outputs.state ?? '{}') as {
      phases: Record<string, { status: string; attempts: number }>;
    }
  ).phases;
}

const INFRA_DONE_BEFORE = ['prepare_deployment', 'setup_network'];

// Each scenario runs a few dozen action processes (every step and its post step).
const SCENARIO_MS = 300_000;

describe('deploy.yml', () => {
  test(
    'attempt 1 fails in create_vms; "Re-run failed jobs" skips phases 1-2 after validation and runs from create_vms on',
    async () => {
      writeFileSync(join(cloud, 'fail-create_vms'), '');
      const first = await runDeploy(101);
      expect(job(first, 'deploy').result).toBe('failure');
      expect(phaseStep(job(first, 'deploy'), 'create_vms').outcome).toBe('failure');
      expect(phaseStep(job(first, 'deploy'), 'setup_vpn').outcome).toBe('skipped');
      expect(job(first, 'addons').result).toBe('skipped');
      // The failed phase's step wrote the full summary: error and the ways out.
      const failedSummary = phaseStep(job(first, 'deploy'), 'create_vms').result?.summary ?? '';
      expect(failedSummary).toContain('`create_vms` failed');
      expect(failedSummary).toContain('gh run rerun 101 --failed');
      expect(failedSummary).toContain('-f to=create_vms');
      expect(failedSummary).toContain('```mermaid');

      rmSync(join(cloud, 'fail-create_vms'));
      const second = await runDeploy(101, { previous: first, mode: 'failed' });
      expect(second.attempt).toBe(2);
      const infra = job(second, 'deploy');
      expect(infra.ran).toBe(true);
      for (const phase of INFRA_DONE_BEFORE) {
        const step = phaseStep(infra, phase);
        expect(step.ran).toBe('false');
        expect(step.reason).toMatch(/^completed and still true/);
        expect(step.result?.annotations).toContainEqual(
          expect.objectContaining({ level: 'notice', title: `Skipped after validation: ${phase}` }),
        );
      }
      expect(phaseStep(infra, 'create_vms')).toMatchObject({ ran: 'true', status: 'completed' });
      expect(phaseStep(infra, 'create_vms').reason).toMatch(/^failed before in run 101 attempt 1/);
      expect(phaseStep(infra, 'setup_vpn').ran).toBe('true');
      expect(infra.result).toBe('success');
      expect(job(second, 'addons').result).toBe('success');
      // Phases 1-2 ran once (attempt 1); create_vms twice (failed, then resumed).
      const log = runsLog();
      expect(count(log, 'prepare_deployment')).toBe(1);
      expect(count(log, 'setup_network')).toBe(1);
      expect(count(log, 'create_vms')).toBe(2);
      // The addons job's runner has no tunnel: connect_vpn is re-checked and re-run there only.
      const addons = job(second, 'addons');
      expect(phaseStep(addons, 'connect_vpn').ran).toBe('true');
      expect(phaseStep(addons, 'connect_vpn').reason).toMatch(/^validation failed/);
      expect(phaseStep(addons, 'install_azure_csi').ran).toBe('true'); // used the kubeconfig restored from state
      expect(phaseStep(addons, 'setup_azure_children')).toMatchObject({ ran: 'false', status: 'skipped' });
      const final = statusOf(addons);
      expect(final.create_vms).toMatchObject({ status: 'completed', attempts: 2 });
      expect(final.install_k0rdent?.status).toBe('completed');
      expectHealthyArtifacts();
    },
    SCENARIO_MS,
  );

  test(
    'attempt 1 fails in create_vms; "Re-run all jobs" also resumes from create_vms',
    async () => {
      writeFileSync(join(cloud, 'fail-create_vms'), '');
      const first = await runDeploy(202);
      expect(job(first, 'deploy').result).toBe('failure');
      rmSync(join(cloud, 'fail-create_vms'));
      const second = await runDeploy(202, { previous: first, mode: 'all' });
      for (const id of ['deploy', 'addons'])
        expect(job(second, id)).toMatchObject({ ran: true, result: 'success' });
      const infra = job(second, 'deploy');
      for (const phase of INFRA_DONE_BEFORE) {
        expect(phaseStep(infra, phase).ran).toBe('false');
        expect(phaseStep(infra, phase).reason).toMatch(/^completed and still true/);
      }
      expect(phaseStep(infra, 'create_vms').ran).toBe('true');
      expect(count(runsLog(), 'prepare_deployment')).toBe(1);
      expect(count(runsLog(), 'create_vms')).toBe(2);
      expectHealthyArtifacts();
    },
    SCENARIO_MS,
  );

  test(
    'a job cancelled in the middle of install_k0s: its post step records the phase failed; the next attempt runs it again',
    async () => {
      writeFileSync(join(cloud, 'slow-install_k0s'), '');
      const first = await runDeploy(303, undefined, {
        cancel: {
          job: 'deploy',
          step: 'install_k0s',
          when: () => existsSync(join(cloud, 'started-install_k0s')),
        },
      });
      const cluster = job(first, 'deploy');
      expect(cluster.result).toBe('cancelled');
      expect(phaseStep(cluster, 'install_k0s').outcome).toBe('cancelled');
      expect(phaseStep(cluster, 'install_k0rdent').outcome).toBe('skipped');
      // The status step (if: always()) and the post steps still ran.
      expect(cluster.steps.find((s) => s.uses === './actions/status')?.outcome).toBe('success');
      const interrupted = cluster.posts
        .flatMap((p) => p.annotations)
        .find((a) => a.title === 'Phase interrupted: install_k0s');
      expect(interrupted?.message).toContain(
        'the job ended while install_k0s was in progress (run 303 attempt 1, job deploy)',
      );
      expect(job(first, 'addons').result).toBe('skipped');

      rmSync(join(cloud, 'slow-install_k0s'));
      const second = await runDeploy(303, { previous: first, mode: 'failed' });
      const again = job(second, 'deploy');
      expect(again.result).toBe('success');
      // A fresh runner: what was done is checked against reality and skipped; the tunnel is brought up here.
      for (const phase of [...INFRA_DONE_BEFORE, 'create_vms', 'setup_vpn'])
        expect(phaseStep(again, phase).reason).toMatch(/^completed and still true/);
      expect(phaseStep(again, 'connect_vpn')).toMatchObject({ ran: 'true', status: 'completed' });
      expect(phaseStep(again, 'install_k0s').ran).toBe('true');
      expect(phaseStep(again, 'install_k0s').reason).toContain(
        'the job ended while install_k0s was in progress',
      );
      expect(statusOf(job(second, 'addons')).install_k0s).toMatchObject({ status: 'completed', attempts: 2 });
      expectHealthyArtifacts();
    },
    SCENARIO_MS,
  );

  test(
    'run 1 deploys everything; a rollback run to install_k0s; run 3 re-runs install_k0s and its dependents only',
    async () => {
      const first = await runDeploy(401);
      for (const id of ['deploy', 'addons']) expect(job(first, id).result).toBe('success');

      const back = await runWorkflow(rollback, {
        gh,
        root,
        runId: 402,
        inputs: { ...DEPLOY_INPUTS, to: 'install_k0s', destroy: true, 'dry-run': false },
        checkout: [PIPELINE],
        env: { STANDIN_CLOUD: cloud },
      });
      const rb = job(back, 'rollback');
      expect(rb.result).toBe('success');
      expect(rb.steps.filter((s) => s.outcome === 'skipped').map((s) => s.name)).toEqual([
        'Install WireGuard',
        'Connect the VPN for the undo steps',
      ]);
      const rolled = JSON.parse(
        rb.steps.find((s) => s.id === 'rollback')?.outputs['rolled-back'] ?? '[]',
      ) as string[];
      expect(rolled).toEqual([
        'install_kof_regional',
        'install_kof_mothership',
        'install_azure_csi',
        'setup_azure_children',
        'install_k0rdent',
        'install_k0s',
      ]);
      expect(readFileSync(join(cloud, 'undone.log'), 'utf8').trim().split('\n')).toEqual([
        'install_azure_csi',
        'install_k0rdent',
        'install_k0s',
      ]);
      const afterRollback = statusOf(rb);
      expect(afterRollback.install_k0s?.status).toBe('pending');
      expect(afterRollback.create_vms?.status).toBe('completed');

      const before = runsLog().length;
      const third = await runDeploy(403);
      for (const id of ['deploy', 'addons']) expect(job(third, id).result).toBe('success');
      const ranInRun3 = runsLog()
        .slice(before)
        .filter((p) => p !== 'connect_vpn');
      expect(ranInRun3).toEqual(['install_k0s', 'install_k0rdent', 'install_azure_csi']);
      for (const phase of ['prepare_deployment', 'setup_network', 'create_vms', 'setup_vpn']) {
        expect(phaseStep(job(third, 'deploy'), phase).ran).toBe('false');
      }
      expectHealthyArtifacts();
    },
    SCENARIO_MS,
  );
});

describe('ci.yml', () => {
  test(
    'parallel jobs both land in the merged state; the flaky job fails in attempt 1 and resumes in attempt 2',
    async () => {
      const jobs = ['actions-prepare', 'actions-left', 'actions-right', 'actions-resume'];
      const options = {
        gh,
        root,
        runId: 501,
        inputs: { 'fail-first-attempt': true },
        checkout: ['examples/ci/pipeline.yml'],
        jobs,
      };
      const first = await runWorkflow(ci, options);
      expect(job(first, 'actions-prepare').result).toBe('success');
      expect(job(first, 'actions-prepare').steps.find((s) => s.id === 'gate')?.outputs.run).toBe('true');
      expect(job(first, 'actions-left').result).toBe('success');
      expect(job(first, 'actions-right').result).toBe('success');
      const resume = job(first, 'actions-resume');
      expect(resume.result).toBe('failure');
      const merged = statusOf(resume);
      expect(merged.left?.status).toBe('completed');
      expect(merged.right?.status).toBe('completed');
      expect(merged.wrapped?.status).toBe('completed');
      expect(merged.flaky?.status).toBe('failed');

      const second = await runWorkflow(ci, { ...options, rerun: { previous: first, mode: 'failed' } });
      expect(job(second, 'actions-left').ran).toBe(false);
      const resumed = job(second, 'actions-resume');
      expect(resumed.result).toBe('success');
      expect(resumed.steps.find((s) => s.id === 'flaky')?.outputs).toMatchObject({
        ran: 'true',
        status: 'completed',
      });
      expect(resumed.steps.at(-1)?.outcome).toBe('success'); // the node check of the merged state
      expectHealthyArtifacts();
    },
    SCENARIO_MS,
  );
});
