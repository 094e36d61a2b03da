/** What the benchmarks measure, and how their result lines print. */
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

export function report(title: string, measurements: readonly Measurement[]): void {
  console.log(`\n${title}`);
  for (const m of measurements) {
    const verdict = m.ok === undefined ? '' : m.ok ? '  ✔ within target' : '  ✖ OVER TARGET';
    const target = m.target ? ` (target ${m.target})` : '';
    console.log(`  ${m.name}: ${m.value.toFixed(m.unit === 'x' ? 2 : 1)} ${m.unit}${target}${verdict}`);
    if (m.note) console.log(`      ${m.note}`);
  }
}
