/** One writer at a time: a second one stops with exit code 3 and names the holder. */
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { collect, killGroup, runCli, scratchDir, startCli } from '../support/cli.js';
import { examplePipelineCopy, readState } from '../support/pipelines.js';
import { waitFor } from '../support/wait.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

/** A copy of the example whose first phase waits until `release` exists. */
function blockingPipeline(): { pipeline: string; started: string; release: string } {
  const started = join(dir, 'started');
  const release = join(dir, 'release');
  const pipeline = examplePipelineCopy(dir, (phases) => {
    phases[0]!.run = `touch ${started}\nfor i in $(seq 1 300); do [ -e ${release} ] && break; sleep 0.1; done\n${phases[0]!.run}`;
  });
  return { pipeline, started, release };
}

test('a second writer on the same state directory exits 3, naming the holder; the first finishes', async () => {
  const { pipeline, started, release } = blockingPipeline();
  const first = startCli(['run', '--pipeline', pipeline], { cwd: dir });
  const firstDone = collect(first, 60_000);
  await waitFor(() => existsSync(started), 'the first run to start its first phase');

  const second = await runCli(['run', '--pipeline', pipeline], { cwd: dir });
  expect(second.code).toBe(3);
  expect(second.stderr).toContain(
    `is locked by pid ${first.pid} on host ${hostname()} (k0rdent-deploy run, since`,
  );
  expect(second.stderr).toContain('Wait for it to finish');

  // Readers are never blocked.
  expect((await runCli(['status'], { cwd: dir })).code).toBe(0);

  writeFileSync(release, '');
  expect((await firstDone).code).toBe(0);
  expect(existsSync(join(dir, 'state/.lock'))).toBe(false);
});

test('the lock of a run killed outright is taken over by the next run, with a warning', async () => {
  const { pipeline, started } = blockingPipeline();
  const first = startCli(['run', '--pipeline', pipeline], { cwd: dir });
  const firstDone = collect(first, 60_000);
  await waitFor(() => existsSync(started), 'the first run to start its first phase');
  killGroup(first, 'SIGKILL');
  expect((await firstDone).signal).toBe('SIGKILL');
  expect(existsSync(join(dir, 'state/.lock'))).toBe(true);

  const plain = examplePipelineCopy(dir, () => undefined, 'plain.yml');
  const next = await runCli(['run', '--pipeline', plain], { cwd: dir });
  expect(next.stderr).toContain(
    `took over a stale lock on local state directory state: pid ${first.pid} on ${hostname()}`,
  );
  expect(next.code).toBe(0);
  expect(readState(dir).phases.prepare_workspace?.status).toBe('completed');
});
