/**
 * Hybrid logical clock. Every change to a state document carries a stamp; merging two snapshots keeps,
 * per record, the one with the greater stamp. Stamps are strings that sort in causal order:
 *
 *     2026-11-26T05:21:48.123Z#000004@k3x9a1qz
 *     wall clock (ms, UTC)     counter  node
 *
 * The counter orders changes made within one millisecond, or while the local wall clock lags behind a
 * stamp already seen (a runner whose clock is behind another's); the node breaks the remaining ties
 * so that two writers never produce the same stamp.
 */

const COUNTER_DIGITS = 6;
const COUNTER_MAX = 10 ** COUNTER_DIGITS - 1;
export const HLC_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#\d{6}@[a-z0-9-]{1,32}$/;
export const NODE_PATTERN = /^[a-z0-9-]{1,32}$/;

export interface HlcParts {
  readonly wall: number;
  readonly counter: number;
  readonly node: string;
}

export function formatHlc({ wall, counter, node }: HlcParts): string {
  return `${new Date(wall).toISOString()}#${String(counter).padStart(COUNTER_DIGITS, '0')}@${node}`;
}

export function parseHlc(stamp: string): HlcParts {
  if (!HLC_PATTERN.test(stamp)) throw new Error(`not a clock stamp: ${JSON.stringify(stamp)}`);
  const hash = stamp.indexOf('#');
  const at = stamp.indexOf('@');
  return {
    wall: Date.parse(stamp.slice(0, hash)),
    counter: Number(stamp.slice(hash + 1, at)),
    node: stamp.slice(at + 1),
  };
}

/** Total order on stamps; their fixed-width layout makes string order the causal order. */
export function compareHlc(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxHlc(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? b : a;
}

/**
 * A clock owned by one writer. `now` is injected so the pure layer stays free of ambient time and
 * tests can drive skewed or frozen clocks.
 */
export class HybridClock {
  private wall = 0;
  private counter = 0;

  constructor(
    readonly node: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!NODE_PATTERN.test(node)) throw new Error(`clock node id must match ${NODE_PATTERN}: ${node}`);
  }

  /** Moves the clock past a stamp seen in a loaded or merged document. */
  observe(stamp: string | undefined): void {
    if (stamp === undefined) return;
    const seen = parseHlc(stamp);
    // Stryker disable next-line EqualityOperator: for a stamp equal to the clock, taking it sets the same wall and counter
    if (seen.wall > this.wall || (seen.wall === this.wall && seen.counter > this.counter)) {
      this.wall = seen.wall;
      this.counter = seen.counter;
    }
  }

  /** A new stamp greater than every stamp this clock has issued or observed. */
  tick(): string {
    const physical = this.now();
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else if (this.counter >= COUNTER_MAX) {
      this.wall += 1;
      this.counter = 0;
    } else {
      this.counter += 1;
    }
    return formatHlc({ wall: this.wall, counter: this.counter, node: this.node });
  }

  /** Wall time of the last stamp, as ISO text, for the human-readable `*_at` fields. */
  isoNow(): string {
    return new Date(Math.max(this.now(), 0)).toISOString();
  }
}
