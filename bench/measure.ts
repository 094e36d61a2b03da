/** Small measuring tools shared by the benchmarks: repeated process timings and result lines. */
import { spawnSync } from 'node:child_process';

export interface Measurement {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly ok?: boolean;
  readonly note?: string;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time of one process, in milliseconds; throws if it fails. */
export function timeProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: 'pipe',
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return elapsed;
}

/** Runs several commands interleaved `rounds` times (so machine noise hits all alike); medians by name. */
export function interleaved(
  rounds: number,
  commands: Record<string, () => number>,
): Record<string, { median: number; samples: number[] }> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(commands)) samples[name]!.push(run());
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [name, { median: median(s), samples: s }]),
  );
}

export function report(title: string, measurements: readonly Measurement[]): void {
  console.log(`\n${title}`);
  for (const m of measurements) {
    const verdict = m.ok === undefined ? '' : m.ok ? '  ✔ within target' : '  ✖ OVER TARGET';
    const target = m.target ? ` (target ${m.target})` : '';
    console.log(`  ${m.name}: ${m.value.toFixed(m.unit === 'x' ? 2 : 1)} ${m.unit}${target}${verdict}`);
    if (m.note) console.log(`      ${m.note}`);
  }
}
