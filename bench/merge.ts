/**
 * Issue 2 benchmark: the merge of 1,000 snapshots of a 100-phase state with 10,000 events. (The
 * CLI's start-up is measured in actions.bench.ts, against the same baseline as the actions'.)
 */
import { createDocument, type Stamp } from '../src/state/document.js';
import { HybridClock } from '../src/state/hlc.js';
import { mergeAll } from '../src/state/merge.js';
import type { StateDocument, StateEvent } from '../src/state/schema.js';
import { markCompleted, markInProgress } from '../src/state/transitions.js';
import type { Measurement } from './measure.js';

const PHASES = 100;
const EVENTS = 10_000;
const SNAPSHOTS = 1_000;

/**
 * 1,000 writers share a history of 5,000 events, each forked from it at a different point, then
 * each completed a few phases and added 5 events of its own: merged, 100 phases and 10,000 events.
 * Shared history is shared by reference, as one process holds it; the writers' own changes are
 * distinct objects.
 */
function buildSnapshots(): StateDocument[] {
  let wall = Date.UTC(2026, 0, 1);
  const clock = new HybridClock('base', () => (wall += 1));
  const run = { run_id: '1', attempt: 1, job: 'bench', actor: 'bench' };
  const stamp = (c: HybridClock): Stamp => ({ hlc: c.tick(), at: new Date(wall).toISOString(), run });
  const names = Array.from({ length: PHASES }, (_, i) => `phase_${String(i).padStart(3, '0')}`);
  let base = createDocument({ deploymentId: 'bench', phases: names }, stamp(clock));
  const sharedEvents = EVENTS / 2;
  for (let i = 0; base.events.length < sharedEvents; i++) {
    const name = names[i % PHASES]!;
    base =
      i % 2 === 0
        ? markInProgress(base, name, stamp(clock), 'bench')
        : markCompleted(base, name, stamp(clock), undefined);
  }
  const perWriter = (EVENTS - sharedEvents) / SNAPSHOTS;
  const snapshots: StateDocument[] = [];
  for (let w = 0; w < SNAPSHOTS; w++) {
    const fork = sharedEvents - ((w * 7919) % 1000);
    const writer = new HybridClock(`w${w}`, () => wall + w);
    writer.observe(base.events.at(-1)?.id);
    let doc: StateDocument = { ...base, events: base.events.slice(0, fork) };
    for (let e = 0; e < perWriter; e++) {
      const name = names[(w * 13 + e) % PHASES]!;
      doc =
        e % 2 === 0
          ? markInProgress(doc, name, stamp(writer), 'bench')
          : markCompleted(doc, name, stamp(writer), undefined);
    }
    snapshots.push(doc);
  }
  return snapshots;
}

export function benchMerge(): Measurement[] {
  const snapshots = buildSnapshots();
  // Order-independence is part of the contract: merge them shuffled.
  const shuffled = [...snapshots].sort((a, b) =>
    (a.events.at(-1)?.id ?? '') < (b.events.at(-1)?.id ?? '') ? 1 : -1,
  );
  mergeAll(snapshots.slice(0, 20)); // warm-up of the code paths, not of the data
  const started = performance.now();
  const merged = mergeAll(shuffled);
  const elapsed = performance.now() - started;
  const phases = Object.keys(merged?.phases ?? {}).length;
  const events = merged?.events.length ?? 0;
  if (phases !== PHASES || events !== EVENTS)
    throw new Error(`merge result wrong: ${phases} phases, ${events} events`);
  assertSorted(merged?.events ?? []);
  return [
    {
      name: `merge of ${SNAPSHOTS} snapshots (${PHASES} phases, ${EVENTS} events merged)`,
      value: elapsed,
      unit: 'ms',
      target: '< 1000 ms',
      ok: elapsed < 1000,
    },
  ];
}

function assertSorted(events: readonly StateEvent[]): void {
  for (let i = 1; i < events.length; i++)
    if (events[i - 1]!.id >= events[i]!.id) throw new Error('merged events not sorted');
}
