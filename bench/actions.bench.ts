/**
 * `npm run bench:actions` (part of `npm run bench`): measured in one run, on loopback against the
 * artifact emulator, every start-up against one baseline, a bare `node -e 0` of the same Node
 * binary spawned the same way (spawn to exit, piped stdio), interleaved round by round so that
 * machine noise hits all alike:
 *  - `node dist/cli.js status`, a cold process on a deployment's state; target: at most 2.5x;
 *  - `bin/k0rdent-deploy status`, the README's way of running the CLI in a clone; target: at most 3x;
 *  - a state-only action (the gate on a completed phase) on a fresh runner (empty compile cache);
 *    target: at most 3x; and warm (the job's later steps);
 * then requests to the results service and the REST API (blob storage not counted) for loading the
 * state at the start of an attempt, for a phase-boundary checkpoint and for a post step;
 * target: load <= 3 + one download per snapshot merged, checkpoint <= 4.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../test/support/actions-emulator/index.js';
import type { RequestRecord } from '../test/support/actions-emulator/types.js';
import { repoRoot, RunnerJob } from '../test/actions/support/runner.js';
import { cleanEnv, collect } from '../test/support/cli.js';

const RUNS = 9;
const CLI = join(repoRoot, 'dist/cli.js');
const LAUNCHER = join(repoRoot, 'bin/k0rdent-deploy');
let gh: ActionsEmulator;
let root: string;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'bench', azuriteStartTimeoutMs: 60_000 });
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

/** Wall time of one process from spawn to exit, spawned as the action steps are (piped stdio). */
async function startMs(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const result = await collect(child, 30_000);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
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

test('start-up against bare Node, and request counts', async () => {
  // A deployment whose phase `deliver` is completed (gate + complete in run 1).
  const setup = new RunnerJob({ gh, runId: 1, job: 'setup', root });
  await setup.run('./actions/gate', { phase: 'deliver', 'deployment-id': 'bench' });
  await setup.run('./actions/complete', { phase: 'deliver', 'deployment-id': 'bench' });
  await setup.end();
  // The CLI's state: the example pipeline after one run.
  const cliDir = mkdtempSync(join(root, 'cli-'));
  await startMs(process.execPath, [CLI, 'run', '--pipeline', join(repoRoot, 'examples/local/pipeline.yml')], {
    cwd: cliDir,
  });

  const node0: number[] = [];
  const status: number[] = [];
  const statusNoCache: number[] = [];
  const launcher: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const warmCache = mkdtempSync(join(root, 'cache-warm-'));
  const cliCache = mkdtempSync(join(root, 'cache-cli-'));
  const cliEnv = { NODE_COMPILE_CACHE: cliCache };
  for (let i = 0; i < RUNS + 1; i++) {
    // Round 0 warms the CLI's compile cache (a user's second command) and is not counted.
    const keep = i > 0;
    const n = await startMs(process.execPath, ['-e', '0']);
    const s = await startMs(process.execPath, [CLI, 'status'], { cwd: cliDir, env: cliEnv });
    const l = await startMs(LAUNCHER, ['status'], { cwd: cliDir, env: cliEnv });
    const c = await startMs(process.execPath, [CLI, 'status'], {
      cwd: cliDir,
      env: { NODE_COMPILE_CACHE: mkdtempSync(join(root, 'cache-cold-cli-')) },
    });
    if (keep) {
      node0.push(n);
      status.push(s);
      launcher.push(l);
      statusNoCache.push(c);
    }
    // The gate on the completed phase: a fresh runner (empty compile cache), then a later step.
    const coldCache = mkdtempSync(join(root, 'cache-cold-'));
    for (const [list, cache] of [
      [cold, coldCache],
      [warm, warmCache],
    ] as const) {
      const job = new RunnerJob({ gh, runId: 10 + i, job: 'gate', root, env: { NODE_COMPILE_CACHE: cache } });
      const result = await job.run('./actions/gate', { phase: 'deliver', 'deployment-id': 'bench' });
      if (keep) list.push(result.durationMs);
      expect(result.outputs.run).toBe('false');
    }
  }
  const base = median(node0);
  const ratio = (values: number[]) => median(values) / base;
  const line = (label: string, values: number[], target?: number) =>
    `  ${label.padEnd(44)}${median(values).toFixed(0).padStart(5)} ms  ${ratio(values).toFixed(2)}x` +
    (target === undefined
      ? ''
      : `  (target <= ${target}x) ${ratio(values) <= target ? 'ok' : 'OVER TARGET'}`);

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
    `start-up, median of ${RUNS} interleaved rounds, against node -e 0 spawned the same way:`,
    line('node -e 0 (the baseline)', node0),
    line('node dist/cli.js status', status, 2.5),
    line('bin/k0rdent-deploy status (README)', launcher, 3),
    line('node dist/cli.js status, empty compile cache', statusNoCache),
    line('gate action, empty compile cache (new runner)', cold, 3),
    line('gate action, warm compile cache', warm),
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
  expect(ratio(status)).toBeLessThanOrEqual(2.5);
  expect(ratio(launcher)).toBeLessThanOrEqual(3);
  expect(ratio(cold)).toBeLessThanOrEqual(3);
  expect(load.total - load.downloads).toBeLessThanOrEqual(3);
  expect(steadyCheckpoints.total / 2).toBeLessThanOrEqual(4);
});
