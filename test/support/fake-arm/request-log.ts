/** One request the fake answered. Times are epoch milliseconds with sub-millisecond precision. */
export interface RequestRecord {
  readonly seq: number;
  readonly method: string;
  /** Lower-cased path without the query string: stable to group and count by. */
  readonly path: string;
  readonly apiVersion: string | undefined;
  readonly status: number;
  readonly startedAt: number;
  readonly endedAt: number;
  /** True when the answer came from an injected fault rather than the resource model. */
  readonly injected: boolean;
  /** True for polls of a long-running operation's status URL. */
  readonly poll: boolean;
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The most requests that were in flight at the same moment. */
export function peakConcurrency(records: readonly RequestRecord[]): number {
  const edges = records.flatMap((record) => [
    { at: record.startedAt, delta: 1 },
    { at: record.endedAt, delta: -1 },
  ]);
  // Ends sort before starts at the same instant: back-to-back requests are not concurrent.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const edge of edges) {
    current += edge.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

/**
 * The longest chain of requests where each starts after the previous one ended: the number of
 * sequential round trips the client needed. Earliest-end-first greedy selection finds the longest chain.
 */
export function sequentialRoundTrips(records: readonly RequestRecord[]): number {
  const byEnd = [...records].sort((a, b) => a.endedAt - b.endedAt);
  let chain = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const record of byEnd) {
    if (record.startedAt >= lastEnd) {
      chain += 1;
      lastEnd = record.endedAt;
    }
  }
  return chain;
}
