/**
 * The built actions as processes (main and post steps) against the artifact emulator: gate and
 * complete around steps of the job's own, a gate whose steps never reach complete, dry runs,
 * input mistakes, the local backend, the status output, and a sensitive file refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { RunnerJob } from './support/runner.js';

let gh: ActionsEmulator;
let root: string;
let runId = 900;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'actions-'));
});

afterAll(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

function newJob(job = 'build', attempt = 1, id = ++runId): RunnerJob {
  return new RunnerJob({ gh, runId: id, attempt, job, root });
}

test('gate and complete wrap steps of the job: run, then completed; a second run skips', async () => {
  const job = newJob();
  const gate = await job.run('./actions/gate', { phase: 'build_image', 'deployment-id': 'wrap' });
  expect(gate.outputs).toMatchObject({ run: 'true', status: 'in_progress', 'deployment-id': 'wrap' });
  const complete = await job.run('./actions/complete', { phase: 'build_image', 'deployment-id': 'wrap' });
  expect(complete.outputs.status).toBe('completed');
  await job.end();

  const next = newJob();
  const again = await next.run('./actions/gate', { phase: 'build_image', 'deployment-id': 'wrap' });
  expect(again.outputs).toMatchObject({ run: 'false', status: 'completed' });
  expect(again.outputs.reason).toMatch(/completed \(no validator/);
  await next.end();
});

test("a gate whose steps never reach complete: its post step records the phase failed, with the job's attempt", async () => {
  const id = ++runId;
  const job = newJob('build', 1, id);
  const gate = await job.run('./actions/gate', { phase: 'publish', 'deployment-id': 'wrap2' });
  expect(gate.outputs.run).toBe('true');
  const [post] = await job.end();
  expect(post?.ok).toBe(true);
  expect(post?.annotations).toContainEqual(
    expect.objectContaining({ level: 'warning', title: 'Phase interrupted: publish' }),
  );

  const retry = newJob('build', 2, id);
  const status = await retry.run('./actions/status', { 'deployment-id': 'wrap2' });
  const state = JSON.parse(status.outputs.state ?? '{}') as {
    phases: Record<string, { status: string; reason: string }>;
  };
  expect(state.phases.publish?.status).toBe('failed');
  expect(state.phases.publish?.reason).toContain(`(run ${id} attempt 1, job build)`);
  expect(status.summary).toContain('### ❌ `publish` failed');
  const gateAgain = await retry.run('./actions/gate', { phase: 'publish', 'deployment-id': 'wrap2' });
  expect(gateAgain.outputs.run).toBe('true');
  await retry.end();
});

test('the root action with a command of its own; dry-run changes nothing', async () => {
  const job = newJob();
  const dry = await job.run('./', {
    phase: 'hello',
    run: 'echo hi > hello.txt',
    'deployment-id': 'adhoc',
    'dry-run': 'true',
  });
  expect(dry.outputs).toMatchObject({ ran: 'false', status: 'pending' });
  expect(dry.outputs.reason).toMatch(/^dry run: would run/);
  expect(gh.artifacts({ runId: job.options.runId })).toEqual([]);
  const real = await job.run('./', {
    phase: 'hello',
    run: 'echo hi > hello.txt',
    validate: 'test -f hello.txt',
    'deployment-id': 'adhoc',
  });
  expect(real.outputs).toMatchObject({ ran: 'true', status: 'completed' });
  expect(real.summary).toMatch(/✅ `hello` \(deployment `adhoc`\): \*\*completed\*\*/);
  await job.end();
});

test('input mistakes fail the step with an error that names the input', async () => {
  const job = newJob();
  const bad = await job.run('./', { phase: 'x', force: 'yes', 'deployment-id': 'demo' });
  expect(bad.ok).toBe(false);
  expect(bad.annotations).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: 'input force: "yes" is not valid: write true or false',
    }),
  );
  // The failed step's post step still runs (post-if: always()), and succeeds.
  const posts = await job.end();
  expect(posts.map((p) => [p.uses, p.stage, p.ok])).toEqual([['./', 'post', true]]);
});

test('state-backend local keeps the state in ./state of the workspace', async () => {
  const job = newJob();
  const result = await job.run('./', {
    phase: 'hello',
    run: 'true',
    'deployment-id': 'local-one',
    'state-backend': 'local',
  });
  expect(result.outputs['state-file']).toBe(join(job.workspace, 'state/deployment-state.yaml'));
  expect(gh.artifacts({ runId: job.options.runId })).toEqual([]);
  await job.end();
});

test('a sensitive file recorded by a phase is refused by the artifact backend, saying what is missing', async () => {
  const job = newJob();
  writeFileSync(
    join(job.workspace, 'p.yml'),
    'deployment: keys\nphases:\n  - name: make_key\n    run: echo k > hub.key && k0rdent-deploy artifact record hub_key hub.key --sensitive\n',
  );
  const result = await job.run('./', { phase: 'make_key', pipeline: 'p.yml' });
  expect(result.ok).toBe(false);
  expect(result.annotations.find((a) => a.level === 'error')?.message).toMatch(
    /hub_key \(hub.key\) is recorded as sensitive.*no state-key is configured. Create one with `openssl rand -base64 32`/,
  );
  await job.end();
  for (const a of gh.artifacts({ runId: job.options.runId })) {
    expect((await gh.artifactBytes(a.id))?.toString()).not.toContain(Buffer.from('k\n').toString('base64'));
  }
});

test('a phase whose needs are not done fails with what to run first', async () => {
  const job = newJob();
  writeFileSync(
    join(job.workspace, 'p.yml'),
    'deployment: order\nphases:\n  - name: first\n    run: "true"\n  - name: second\n    needs: [first]\n    run: "true"\n',
  );
  const dry = await job.run('./', { phase: 'first', pipeline: 'p.yml', 'dry-run': 'true' });
  expect(dry).toMatchObject({
    ok: true,
    outputs: { ran: 'false', status: 'pending', reason: 'dry run: would run: not run yet' },
  });
  const gate = await job.run('./actions/gate', {
    phase: 'first',
    'deployment-id': 'order',
    'state-backend': 'local',
  });
  expect(gate.ok).toBe(true);
  const blocked = await job.run('./', { phase: 'second', pipeline: 'p.yml', 'state-backend': 'local' });
  expect(blocked.ok).toBe(false);
  expect(blocked.annotations.find((a) => a.level === 'error')?.message).toMatch(
    /^cannot run second: waiting for first \(in_progress\)\. Run first first, in an earlier step or job/,
  );
  await job.end();
});

test('rollback to the first phase: a dry run lists it, the real one resets it and keeps the old state as an artifact', async () => {
  const job = newJob('deploy');
  writeFileSync(
    join(job.workspace, 'p.yml'),
    'deployment: undo\nphases:\n  - name: only\n    run: touch built\n    rollback: rm built\n',
  );
  expect((await job.run('./', { phase: 'only', pipeline: 'p.yml' })).outputs.status).toBe('completed');
  const dry = await job.run('./actions/rollback', {
    to: 'only',
    pipeline: 'p.yml',
    destroy: 'true',
    'dry-run': 'true',
  });
  expect(JSON.parse(dry.outputs['rolled-back'] ?? '')).toEqual(['only']);
  expect(dry.summary).toContain('| `only` | completed | undo, then reset | planned |');
  const real = await job.run('./actions/rollback', { to: 'only', pipeline: 'p.yml', destroy: 'true' });
  expect(real.ok).toBe(true);
  expect(real.summary).toContain('| `only` | completed | undo, then reset | undone |');
  expect(real.stdout).toMatch(
    /previous state was kept as artifact k0rdent-state-archive\.undo\.before-rollback\./,
  );
  await job.end();
  const names = gh.artifacts({ runId: job.options.runId, statuses: ['finalized'] }).map((a) => a.name);
  expect(names.some((n) => n.startsWith('k0rdent-state-archive.undo.before-rollback.'))).toBe(true);
});

test('retention-days sets how long the state artifacts live, main and post step alike; a bad value names the input', async () => {
  const id = ++runId;
  const job = newJob('build', 1, id);
  const gate = await job.run('./actions/gate', {
    phase: 'kept',
    'deployment-id': 'retained',
    'retention-days': '7',
  });
  expect(gate.code).toBe(0);
  await job.end();
  const uploaded = gh.artifacts({ runId: id, statuses: ['finalized', 'deleted'] });
  expect(uploaded.length).toBeGreaterThanOrEqual(2); // the main step's checkpoint and the post step's
  const day = 24 * 60 * 60 * 1000;
  for (const artifact of uploaded) {
    const days = (artifact.expiresAt.getTime() - artifact.createdAt.getTime()) / day;
    expect(days).toBeCloseTo(7, 1);
  }

  const bad = newJob();
  const refused = await bad.run('./actions/gate', {
    phase: 'kept',
    'deployment-id': 'retained',
    'retention-days': 'forever',
  });
  await bad.end();
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain(
    'input retention-days: "forever" is not valid: expected a whole number of days from 1 to 400',
  );
});

test("a phase's script does not inherit the step's state keys, token or the runner's artifact token", async () => {
  const job = newJob();
  const withheld = [
    'INPUT_STATE-KEY',
    'INPUT_PREVIOUS-STATE-KEY',
    'INPUT_GITHUB-TOKEN',
    'ACTIONS_RUNTIME_TOKEN',
  ];
  const result = await job.run('./', {
    phase: 'inspect_env',
    'deployment-id': 'env-check',
    'state-key': 'env check state key 0123456789abcdef',
    'previous-state-key': 'env check old state key 0123456789',
    run: `env | cut -d= -f1 | sort > "$RUNNER_TEMP/child-env"; echo "phase $K0RDENT_PHASE saw its environment"`,
  });
  await job.end();
  expect(result.code).toBe(0);
  const names = readFileSync(join(job.runnerTemp, 'child-env'), 'utf8').split('\n');
  expect(names).toContain('K0RDENT_PHASE');
  expect(names).toContain('GITHUB_RUN_ID');
  for (const name of withheld) expect(names).not.toContain(name);
});
