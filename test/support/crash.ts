/**
 * Crash scenarios on an instrumented copy of the example pipeline: each run script logs its phase
 * to runs.log and can pause at its start or its end (CRASH_AT=<phase>:start|end) so the test can
 * kill the CLI and the script together, as a lost runner would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStateStore } from '../../src/stores/local-store.js';
import { collect, killGroup, runCli, startCli, type CliResult } from './cli.js';
import { examplePipelineCopy } from './pipelines.js';
import { waitFor } from './wait.js';

export function instrumentedPipeline(dir: string): string {
  return examplePipelineCopy(dir, (phases) => {
    for (const phase of phases) {
      const pause = (where: string) =>
        `if [ "\${CRASH_AT:-}" = "$K0RDENT_PHASE:${where}" ]; then echo $$ > crash.marker; sleep 60; fi`;
      phase.run = [
        `echo "$K0RDENT_PHASE" >> runs.log`,
        pause('start'),
        phase.run.trimEnd(),
        pause('end'),
      ].join('\n');
    }
  });
}

export function runLog(dir: string): string[] {
  const path = join(dir, 'runs.log');
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

/**
 * The state as the CLI reads it (the state file and its journal, which a crash leaves behind
 * unfolded) parses and validates, or does not exist yet; returns phase statuses.
 */
export async function parseableStatuses(dir: string): Promise<Record<string, string>> {
  const loaded = await new LocalStateStore(join(dir, 'state')).load();
  if (loaded?.migration) throw new Error('unexpected legacy state');
  return Object.fromEntries(
    Object.entries(loaded?.doc.phases ?? {}).map(([name, record]) => [name, record.status]),
  );
}

/** Runs until the script of `phase` pauses at `where`, then kills the CLI and the script. */
export async function crashInside(
  dir: string,
  pipeline: string,
  phase: string,
  where: 'start' | 'end',
): Promise<CliResult> {
  const child = startCli(['run', '--pipeline', pipeline], {
    cwd: dir,
    env: { CRASH_AT: `${phase}:${where}` },
  });
  const done = collect(child, 60_000);
  const marker = join(dir, 'crash.marker');
  await waitFor(
    () => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '',
    `${phase} to pause at its ${where}`,
  );
  const scriptGroup = Number(readFileSync(marker, 'utf8').trim());
  killGroup(child, 'SIGKILL');
  try {
    process.kill(-scriptGroup, 'SIGKILL');
  } catch {
    // The script died with its parent's pipes.
  }
  return done;
}

/** Runs with a failpoint armed: the CLI kills itself at that exact point. */
export function crashAt(dir: string, pipeline: string, failpoint: string): Promise<CliResult> {
  return runCli(['run', '--pipeline', pipeline], { cwd: dir, env: { K0RDENT_FAILPOINTS: failpoint } });
}
