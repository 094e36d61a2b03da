/**
 * `npm run bench:actions`: measured in one run, on loopback against the artifact emulator and the
 * built bundle (K0RDENT_TEST_BUNDLE, built by the jest global setup):
 *  - cold start of a state-only action (the gate on a completed phase) against `node -e 0`,
 *    cold (empty compile cache) and warm (the job's later steps); target: at most 3x;
 *  - requests to the results service and the REST API (blob storage not counted) for loading the
 *    state at the start of an attempt, for a phase-boundary checkpoint and for a post step;
 *    target: load <= 3 + one download per snapshot merged, checkpoint <= 4.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../test/support/actions-emulator/index.js';
import type { RequestRecord } from '../test/support/actions-emulator/types.js';
import { RunnerJob } from '../test/actions/support/runner.js';
import { collect } from '../test/support/cli.js';

const RUNS = 7;
let gh: ActionsEmulator;
let root: string;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'bench' });
  root = mkdtempSync(join(tmpdir(), 'bench-actions-'));
});

afterAll(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** `node -e 0`, spawned and timed the way the action processes are (spawn to exit, piped stdio). */
async function nodeStartMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await collect(child, 10_000);
  return performance.now() - started;
}

function countOf(records: readonly RequestRecord[]) {
  const api = records.filter((r) => r.service !== 'blob');
  const downloads = api.filter((r) => r.operation === 'downloadArtifact').length;
  const byOp: Record<string, number> = {};
  for (const r of api) byOp[`${r.service}:${r.operation}`] = (byOp[`${r.service}:${r.operation}`] ?? 0) + 1;
  return { total: api.length, downloads, byOp };
}

async function measured(fn: () => Promise<unknown>): Promise<RequestRecord[]> {
  const before = gh.requests.all().length;
  await fn();
  return gh.requests.all().slice(before);
}

test('cold start and request counts', async () => {
  // A deployment whose phase `deliver` is completed (gate + complete in run 1).
  const setup = new RunnerJob({ gh, runId: 1, job: 'setup', root });
  await setup.run('./actions/gate', { phase: 'deliver', 'deployment-id': 'bench' });
  await setup.run('./actions/complete', { phase: 'deliver', 'deployment-id': 'bench' });
  await setup.end();

  // Cold start: a fresh runner (empty compile cache) running the gate on the completed phase.
  const node0: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const warmCache = mkdtempSync(join(root, 'cache-warm-'));
  for (let i = 0; i < RUNS; i++) {
    node0.push(await nodeStartMs());
    const coldCache = mkdtempSync(join(root, 'cache-cold-'));
    for (const [list, cache] of [
      [cold, coldCache],
      [warm, warmCache],
    ] as const) {
      const job = new RunnerJob({ gh, runId: 10 + i, job: 'gate', root, env: { NODE_COMPILE_CACHE: cache } });
      const result = await job.run('./actions/gate', { phase: 'deliver', 'deployment-id': 'bench' });
      list.push(result.durationMs);
      expect(result.outputs.run).toBe('false');
    }
  }
  const base = median(node0);

  // Requests: load at the start of attempt 2, a checkpoint, a post step.
  const a1 = new RunnerJob({ gh, runId: 50, attempt: 1, job: 'deploy', root });
  await a1.run('./', { phase: 'first', run: 'true', 'deployment-id': 'bench' });
  await a1.run('./', { phase: 'second', run: 'true', 'deployment-id': 'bench' });
  await a1.end();
  const a2 = new RunnerJob({ gh, runId: 50, attempt: 2, job: 'deploy', root });
  const loadOnly = countOf(await measured(() => a2.run('./actions/status', { 'deployment-id': 'bench' })));
  const phaseStep = await measured(() =>
    a2.run('./', { phase: 'third', run: 'true', 'deployment-id': 'bench' }),
  );
  const firstUpload = phaseStep.findIndex((r) => r.operation === 'CreateArtifact');
  const load = countOf(phaseStep.slice(0, firstUpload));
  const checkpoints = countOf(phaseStep.slice(firstUpload));
  const uploads = phaseStep.filter((r) => r.operation === 'FinalizeArtifact').length;
  const steady = await measured(() =>
    a2.run('./', { phase: 'fourth', run: 'true', 'deployment-id': 'bench' }),
  );
  const steadyCheckpoints = countOf(steady.slice(steady.findIndex((r) => r.operation === 'CreateArtifact')));
  // The gate on a completed phase with a validator records evidence, which its post step uploads.
  await a2.run('./actions/gate', { phase: 'deliver', 'deployment-id': 'bench', validate: 'true' });
  const post = countOf(await measured(() => a2.end()));

  const lines = [
    '',
    'k0rdent-deploy actions benchmark (loopback, artifact emulator, built bundle)',
    '',
    `cold start, gate on a completed phase (median of ${RUNS}):`,
    `  node -e 0                       ${base.toFixed(0)} ms`,
    `  gate, empty compile cache       ${median(cold).toFixed(0)} ms   ${(median(cold) / base).toFixed(2)}x  (target <= 3x)`,
    `  gate, warm compile cache        ${median(warm).toFixed(0)} ms   ${(median(warm) / base).toFixed(2)}x`,
    '',
    'requests to the results service and REST API (blob storage not counted):',
    `  load, start of attempt 2        ${loadOnly.total - loadOnly.downloads} + ${loadOnly.downloads} downloads   ${JSON.stringify(loadOnly.byOp)}`,
    `  load inside a phase step        ${load.total - load.downloads} + ${load.downloads} downloads   (target <= 3 + 1 per snapshot merged)`,
    `  checkpoints of that step        ${checkpoints.total} for ${uploads} uploads   ${JSON.stringify(checkpoints.byOp)}`,
    `  steady checkpoints (next step)  ${steadyCheckpoints.total} for 2 uploads = ${steadyCheckpoints.total / 2} each   (target <= 4)   ${JSON.stringify(steadyCheckpoints.byOp)}`,
    `  post step (uploads evidence)    ${post.total}   ${JSON.stringify(post.byOp)}`,
    '',
  ];
  console.log(lines.join('\n'));
  expect(load.total - load.downloads).toBeLessThanOrEqual(3);
  expect(steadyCheckpoints.total / 2).toBeLessThanOrEqual(4);
});
