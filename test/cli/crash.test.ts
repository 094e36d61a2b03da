/**
 * Kill the CLI (SIGKILL) inside every phase's command and at every boundary between phases; the
 * next run must reach the same final statuses as an uninterrupted run, never re-run the command of
 * a phase completed before the crash (its validation passes), and the state (file and journal) must
 * parse after every crash.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir, type CliResult } from '../support/cli.js';
import { crashAt, crashInside, instrumentedPipeline, parseableStatuses, runLog } from '../support/crash.js';
import { EXAMPLE_PHASES } from '../support/pipelines.js';

const RUNNING = EXAMPLE_PHASES.slice(0, 4);
let reference: Record<string, string>;

beforeAll(async () => {
  const { dir, cleanup } = scratchDir();
  try {
    const result = await runCli(['run', '--pipeline', instrumentedPipeline(dir)], { cwd: dir });
    expect(result.code).toBe(0);
    reference = await parseableStatuses(dir);
    expect(runLog(dir)).toEqual(RUNNING);
  } finally {
    cleanup();
  }
});

type Crash = { name: string; crash: (dir: string, pipeline: string) => Promise<CliResult> };

const scenarios: Crash[] = [
  ...RUNNING.flatMap((phase) =>
    (['start', 'end'] as const).map((where) => ({
      name: `inside ${phase}'s command, at its ${where}`,
      crash: (dir: string, pipeline: string) => crashInside(dir, pipeline, phase, where),
    })),
  ),
  ...RUNNING.flatMap((phase) =>
    (['in_progress', 'completed'] as const).map((status) => ({
      name: `right after ${phase} was recorded ${status}`,
      crash: (dir: string, pipeline: string) => crashAt(dir, pipeline, `after-commit:${phase}:${status}`),
    })),
  ),
  // Write #1 creates the state file (temp file written, not yet renamed); later writes are journal
  // lines, cut in half by the crash.
  ...[1, 2, 4, 7].map((nth) => ({
    name: `in the middle of state write #${nth}`,
    crash: (dir: string, pipeline: string) => crashAt(dir, pipeline, `store:mid-write#${nth}`),
  })),
];

test.each(scenarios)('crash $name: the next run resumes to the same end', async ({ crash }) => {
  const { dir, cleanup } = scratchDir();
  try {
    const pipeline = instrumentedPipeline(dir);
    const crashed = await crash(dir, pipeline);
    expect(crashed.signal).toBe('SIGKILL');
    const afterCrash = await parseableStatuses(dir);
    expect(afterCrash).not.toEqual(reference);
    const completedBefore = Object.entries(afterCrash)
      .filter(([, status]) => status === 'completed')
      .map(([phase]) => phase);
    const ranBefore = runLog(dir).length;
    rmSync(join(dir, 'crash.marker'), { force: true });

    const rerun = await runCli(['run', '--pipeline', pipeline], { cwd: dir });
    expect(rerun.stderr).not.toMatch(/error/i);
    expect(rerun.code).toBe(0);
    expect(await parseableStatuses(dir)).toEqual(reference);
    const ranAfter = runLog(dir).slice(ranBefore);
    for (const phase of completedBefore) expect(ranAfter).not.toContain(phase);
    // Every phase not completed at the crash ran exactly once more.
    expect(ranAfter).toEqual(RUNNING.filter((phase) => !completedBefore.includes(phase)));
  } finally {
    cleanup();
  }
});
