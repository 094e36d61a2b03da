/**
 * A cancelled job, the way the runner cancels a step on Linux (actions/runner ProcessInvoker): it
 * sends SIGINT to the step's process, then SIGTERM 7.5 s later, then kills that process alone
 * (`Process.Kill()`, not its tree) 2.5 s after that. Phase commands run in process groups of their
 * own, which the runner never signals: the step must end them itself, and a step killed outright
 * must not leave them running either.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { groupAlive } from '../support/signals.js';
import { waitFor } from '../support/wait.js';
import { RunnerJob } from './support/runner.js';

let gh: ActionsEmulator;
let root: string;
let runId = 4_100;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'actions-cancel-'));
});

afterAll(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

const SLOW =
  'trap "echo terminated > slow.term; exit 143" TERM; echo $$ > slow.pgid; ' +
  'i=0; while [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done';

async function startSlow(job: RunnerJob) {
  const step = job.start('./', { phase: 'slow', run: SLOW, 'deployment-id': `cancel-${job.options.runId}` });
  const marker = join(job.workspace, 'slow.pgid');
  await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', 'the phase to start');
  return { step, pgid: Number(readFileSync(marker, 'utf8')) };
}

test('SIGINT to the step (a cancelled job) ends the phase command and records the phase failed', async () => {
  const job = new RunnerJob({ gh, runId: ++runId, job: 'deploy', root });
  const { step, pgid } = await startSlow(job);
  process.kill(step.child.pid!, 'SIGINT');
  const result = await step.finish();
  // Well inside the runner's 7.5 s before its SIGTERM.
  expect(result.durationMs).toBeLessThan(7_500);
  expect(result.ok).toBe(false);
  expect(readFileSync(join(job.workspace, 'slow.term'), 'utf8').trim()).toBe('terminated');
  expect(groupAlive(pgid)).toBe(false);
  expect(result.outputs.status).toBe('failed');
  const [post] = await job.end();
  expect(post?.ok).toBe(true);
});

test('a step killed outright (the runner giving up on it, a lost runner) takes the phase command with it', async () => {
  const job = new RunnerJob({ gh, runId: ++runId, job: 'deploy', root });
  const { step, pgid } = await startSlow(job);
  process.kill(step.child.pid!, 'SIGKILL');
  expect((await step.finish()).signal).toBe('SIGKILL');
  // Its output has nowhere to go any more: it ends by SIGTERM, or by SIGPIPE at its next line.
  await waitFor(() => !groupAlive(pgid), 'the phase command to end with its step', 20_000);
});
