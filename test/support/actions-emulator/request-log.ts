/** The in-memory record of every request the emulator answered, for assertions and benchmarks. */
import type { RequestMatcher, RequestRecord } from './types.js';

export function matches(
  m: RequestMatcher,
  r: Pick<RequestRecord, 'service' | 'operation' | 'method' | 'path'>,
): boolean {
  if (m.service !== undefined && m.service !== r.service) return false;
  if (m.operation !== undefined && m.operation !== r.operation) return false;
  if (m.method !== undefined && m.method.toUpperCase() !== r.method) return false;
  if (typeof m.path === 'string' && m.path !== r.path) return false;
  if (m.path instanceof RegExp && !m.path.test(r.path)) return false;
  return true;
}

export class RequestLog {
  #records: RequestRecord[] = [];
  #nextSeq = 1;

  /** Hands out arrival numbers; the record itself is added when the response is done. */
  nextSeq(): number {
    return this.#nextSeq++;
  }

  add(record: RequestRecord): void {
    this.#records.push(record);
  }

  /** Every record since the last reset, in arrival order. */
  all(): RequestRecord[] {
    return [...this.#records].sort((a, b) => a.seq - b.seq);
  }

  filter(matcher: RequestMatcher = {}): RequestRecord[] {
    return this.all().filter((r) => matches(matcher, r));
  }

  count(matcher: RequestMatcher = {}): number {
    return this.#records.filter((r) => matches(matcher, r)).length;
  }

  /** Counts keyed `service:operation`, e.g. `{ 'twirp:CreateArtifact': 1, 'blob:PutBlock': 1 }`. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.#records) {
      const key = `${r.service}:${r.operation}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  /** Forgets the records (arrival numbers keep counting, so they stay unique). */
  reset(): void {
    this.#records = [];
  }
}
