/**
 * One deployment, one id, through the built actions as a runner runs them: a config that pins no id
 * gives every step, job and later run the same derived id (said in the step log), an explicit
 * deployment-id is used as given, and a disagreement is refused naming both, in the actions' terms.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivedDeploymentId } from '../../src/engine/deployment-identity.js';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { RunnerJob } from './support/runner.js';

let gh: ActionsEmulator;
let root: string;
let runId = 7100;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'actions-identity-'));
});

afterAll(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

const STATE_KEY = 'identity test state key 0123456789';
const DERIVED = derivedDeploymentId('k0rdent', 'acme/infra', 'config/k0rdent.yaml');

function newJob(id = ++runId, attempt = 1): RunnerJob {
  const job = new RunnerJob({ gh, runId: id, attempt, job: 'infrastructure', root });
  writeConfig(job, 'config/k0rdent.yaml', 'network:\n  wireguard_port: 51820\n');
  return job;
}

function writeConfig(job: RunnerJob, path: string, text: string): void {
  mkdirSync(join(job.workspace, 'config'), { recursive: true });
  writeFileSync(join(job.workspace, path), text);
}

// prepare_deployment is offline: it needs neither Azure nor tools.
const prepare = './actions/prepare-deployment';

test('config only, local backend: two steps work on one deployment, derived and said in the log', async () => {
  const job = newJob();
  const inputs = { config: './config/k0rdent.yaml', 'state-backend': 'local' };
  const first = await job.run(prepare, inputs);
  const second = await job.run(prepare, inputs);
  await job.end();
  expect(first.code).toBe(0);
  expect(second.code).toBe(0);
  expect(first.outputs['deployment-id']).toBe(DERIVED);
  expect(second.outputs['deployment-id']).toBe(DERIVED);
  expect(first.stdout).toContain(
    `deployment ${DERIVED}: derived from the repository acme/infra and the config file config/k0rdent.yaml ` +
      '(set input deployment-id or metadata.deployment_id to choose another)',
  );
  expect(second.outputs.ran).toBe('false');
  expect(second.outputs.reason).toMatch(/^completed and still true/);
});

test('config only, artifact backend: a later run of another job finds the same deployment', async () => {
  const inputs = { config: 'config/k0rdent.yaml', 'state-key': STATE_KEY };
  const job = newJob();
  const first = await job.run(prepare, inputs);
  await job.end();
  expect(first.code).toBe(0);
  const later = newJob();
  const again = await later.run(prepare, inputs);
  await later.end();
  expect(again.outputs['deployment-id']).toBe(first.outputs['deployment-id']);
  expect(again.outputs.ran).toBe('false');
});

test('deployment-id with a config that pins no id: that id is used', async () => {
  const job = newJob();
  const result = await job.run(prepare, {
    config: 'config/k0rdent.yaml',
    'deployment-id': 'prod',
    'state-backend': 'local',
  });
  await job.end();
  expect(result.code).toBe(0);
  expect(result.outputs['deployment-id']).toBe('prod');
  expect(result.stdout).not.toContain('derived from');
});

test('disagreements are refused in the terms of the workflow, naming both sides', async () => {
  const job = newJob();
  writeConfig(job, 'config/pinned.yaml', 'metadata:\n  deployment_id: k0rdent-pinned01\n');
  const pinned = await job.run(prepare, {
    config: 'config/pinned.yaml',
    'deployment-id': 'prod',
    'state-backend': 'local',
  });
  expect(pinned.code).toBe(1);
  expect(pinned.stdout).toContain(
    'input deployment-id is "prod", but config/pinned.yaml (metadata.deployment_id) pins "k0rdent-pinned01": make them match, or leave one of them out',
  );

  expect((await job.run(prepare, { config: 'config/k0rdent.yaml', 'state-backend': 'local' })).code).toBe(0);
  const other = await job.run(prepare, {
    config: 'config/k0rdent.yaml',
    'deployment-id': 'staging',
    'state-backend': 'local',
  });
  expect(other.code).toBe(1);
  expect(other.stdout).toContain(
    `holds deployment "${DERIVED}", not "staging" (from input deployment-id). Set input deployment-id to the deployment it holds, or use another state location for a second deployment.`,
  );

  const missing = await job.run(prepare, { config: 'config/nope.yaml', 'state-backend': 'local' });
  expect(missing.code).toBe(1);
  expect(missing.stdout).toContain(
    'config file config/nope.yaml does not exist; check the input config path',
  );
  for (const result of [pinned, other, missing])
    expect(result.stdout).not.toMatch(/--(config|state-dir|deployment-id)\b/);
  await job.end();
});
