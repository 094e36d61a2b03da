import fc from 'fast-check';
import { PhaseGraph } from '../../src/graph/dag.js';
import { canonicalJson } from '../../src/state/canonical.js';
import { createDocument, latestStamp } from '../../src/state/document.js';
import { HybridClock } from '../../src/state/hlc.js';
import { DeploymentMismatchError, mergeAll, mergeDocuments } from '../../src/state/merge.js';
import { StateDocumentSchema, type StateDocument, type StateEvent } from '../../src/state/schema.js';
import { markCompleted, markInProgress, markPending, resetFrom, setConfig } from '../../src/state/transitions.js';
import {
  docArb,
  eventArb,
  newDoc,
  phaseRecordArb,
  RUN,
  stamp,
  WRITER_PHASES,
  writeHistory,
  writerArb,
} from '../support/state-arbitraries.js';
import { propertyRuns } from '../support/property-runs.js';

const runs = propertyRuns(300);

/** The record a merge must keep: the greatest stamp, or for equal stamps the greater content. */
function newest<T extends { hlc: string }>(records: readonly (T | undefined)[]): T | undefined {
  let best: T | undefined;
  for (const record of records) {
    if (record === undefined) continue;
    if (
      best === undefined ||
      record.hlc > best.hlc ||
      (record.hlc === best.hlc && canonicalJson(record) > canonicalJson(best))
    )
      best = record;
  }
  return best;
}

/** Every event id of the inputs once, in id order, with the greatest content seen under it. */
function eventUnion(docs: readonly StateDocument[]): StateEvent[] {
  const byId = new Map<string, StateEvent>();
  for (const event of docs.flatMap((d) => d.events)) {
    const seen = byId.get(event.id);
    if (seen === undefined || canonicalJson(event) > canonicalJson(seen)) byId.set(event.id, event);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The merge of `docs` as the state design defines it, computed record by record. */
function expectedMerge(docs: readonly StateDocument[]): Omit<StateDocument, 'schema_version'> {
  const keys = (pick: (d: StateDocument) => Record<string, unknown>) => [
    ...new Set(docs.flatMap((d) => Object.keys(pick(d)))),
  ];
  const registers = <T extends { hlc: string }>(pick: (d: StateDocument) => Record<string, T>) =>
    Object.fromEntries(
      keys(pick).map((k) => [k, newest(docs.map((d) => (Object.hasOwn(pick(d), k) ? pick(d)[k] : undefined)))!]),
    );
  // The config and the source are one register: the snapshot that configured last names both; among
  // snapshots that configured at the same moment (or never), one that names a source wins.
  const setups = docs.map((d) => ({ hlc: d.config?.hlc ?? '', config: d.config, source: d.source }));
  const latest = setups.reduce((max, s) => (s.hlc > max ? s.hlc : max), '');
  const tied = setups.filter((s) => s.hlc === latest);
  const setup = newest(tied.some((s) => s.source) ? tied.filter((s) => s.source) : tied)!;
  return {
    deployment_id: docs[0]!.deployment_id,
    created_at: docs.map((d) => d.created_at).sort()[0]!,
    ...(setup.source ? { source: setup.source } : {}),
    ...(setup.config ? { config: setup.config } : {}),
    phases: registers((d) => d.phases),
    artifacts: registers((d) => d.artifacts),
    facts: registers((d) => d.facts),
    events: eventUnion(docs),
  };
}

function phaseGraph(): PhaseGraph {
  return PhaseGraph.buildOrThrow(
    WRITER_PHASES.map((name, i) => ({ name, needs: i === 0 ? [] : [WRITER_PHASES[i - 1]!] })),
  );
}

/**
 * A document and one grown from it as a session grows one, its untouched records and events the
 * very same objects, and then changed: records replaced by newer or older ones, records added and
 * dropped, events appended in or out of order, some under an id the first already has.
 */
const grownArb = docArb.chain((a) =>
  fc
    .record({
      // `constructor`: a valid phase name that every object inherits a property of.
      replaced: fc.dictionary(fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'constructor'), phaseRecordArb, {
        maxKeys: 3,
      }),
      dropped: fc.subarray(Object.keys(a.phases)),
      appended: fc.array(a.events.length > 0 ? fc.oneof(eventArb, fc.constantFrom(...a.events)) : eventArb, {
        maxLength: 4,
      }),
    })
    .map(({ replaced, dropped, appended }) => {
      const phases = Object.fromEntries(
        Object.entries({ ...a.phases, ...replaced }).filter(([name]) => !dropped.includes(name)),
      );
      const grown: StateDocument = { ...a, phases, events: [...a.events, ...appended] };
      return [a, grown] as const;
    }),
);

describe('mergeDocuments', () => {
  test('a document grown from another (a commit) merges as the design defines, either way round', () => {
    fc.assert(
      fc.property(grownArb, ([a, b]) => {
        for (const merged of [mergeDocuments(a, b), mergeDocuments(b, a)]) {
          const { schema_version: _, ...rest } = merged;
          expect(rest).toEqual(expectedMerge([a, b]));
        }
      }),
      runs,
    );
  });

  test('is commutative', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => expect(mergeDocuments(a, b)).toEqual(mergeDocuments(b, a))),
      runs,
    );
  });

  test('is associative', () => {
    fc.assert(
      fc.property(docArb, docArb, docArb, (a, b, c) =>
        expect(mergeDocuments(mergeDocuments(a, b), c)).toEqual(mergeDocuments(a, mergeDocuments(b, c))),
      ),
      runs,
    );
  });

  test('is idempotent: a snapshot merged with itself, or with a copy of a merge input, changes nothing', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        expect(mergeDocuments(a, a)).toBe(a);
        const ab = mergeDocuments(a, b);
        expect(mergeDocuments(ab, structuredClone(ab))).toEqual(ab);
        expect(mergeDocuments(ab, b)).toEqual(ab);
        expect(mergeDocuments(a, ab)).toEqual(ab);
      }),
      runs,
    );
  });

  test('keeps the newest stamp per record, the config with its source, the earliest creation and every event', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        const { schema_version: _, ...merged } = mergeDocuments(a, b);
        expect(merged).toEqual(expectedMerge([a, b]));
      }),
      runs,
    );
  });

  test('yields a valid document, its events in id order without duplicates', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        const merged = mergeDocuments(a, b);
        expect(StateDocumentSchema.safeParse(merged).success).toBe(true);
        const ids = merged.events.map((e) => e.id);
        expect(ids).toEqual([...new Set(ids)].sort());
      }),
      runs,
    );
  });

  test('mergeAll folds any number of snapshots, whatever order they are found in', () => {
    fc.assert(
      fc.property(fc.array(docArb, { minLength: 2, maxLength: 4 }), (docs) => {
        const merged = mergeAll(docs);
        expect(merged).toBeDefined();
        const { schema_version: _, ...rest } = merged!;
        expect(rest).toEqual(expectedMerge(docs));
        expect(mergeAll([...docs].reverse())).toEqual(merged);
      }),
      propertyRuns(150),
    );
    // One snapshot is the merge of itself, as it is.
    const only = newDoc(['a']);
    expect(mergeAll([only])).toBe(only);
    expect(mergeAll([])).toBeUndefined();
  });

  test('jobs with equal, standing and lagging wall clocks: each one’s change after loading the state wins', () => {
    // Two jobs load the same state and write in parallel; a third loads their merge and writes on.
    // Whatever their wall clocks do, the newer change to a record is the one kept.
    fc.assert(
      fc.property(writerArb, writerArb, writerArb, (specA, specB, specC) => {
        const graph = phaseGraph();
        const base = newDoc(WRITER_PHASES);
        const a = writeHistory(base, graph, 'job-a', specA);
        const b = writeHistory(base, graph, 'job-b', specB);
        const lastA = a.at(-1)!;
        const lastB = b.at(-1)!;
        const ab = mergeDocuments(lastA, lastB);
        expect(mergeDocuments(lastB, lastA)).toEqual(ab);
        // A job's own snapshots never undo its later ones.
        for (const earlier of a) expect(mergeDocuments(earlier, lastA)).toEqual(lastA);
        const c = writeHistory(ab, graph, 'job-c', specC);
        const lastC = c.at(-1)!;
        const all = mergeAll([lastA, lastB, lastC])!;
        expect(mergeAll([lastC, lastA, lastB])).toEqual(all);
        // Every record job C wrote after loading the merge of A and B survives both.
        for (const [name, record] of Object.entries(lastC.phases)) {
          if (record !== ab.phases[name]) expect(all.phases[name]).toEqual(record);
        }
        for (const [name, record] of Object.entries(lastC.artifacts)) {
          if (record !== ab.artifacts[name]) expect(all.artifacts[name]).toEqual(record);
        }
        if (lastC.config !== ab.config) {
          expect(all.config).toEqual(lastC.config);
          expect(all.source).toEqual(lastC.source);
        }
        expect(latestStamp(all)).toBe(latestStamp(lastC));
      }),
      propertyRuns(200),
    );
  });

  test('a completed phase survives any merge with an older snapshot', () => {
    const phases = ['alpha', 'beta', 'gamma', 'delta'];
    const graph = PhaseGraph.buildOrThrow(
      phases.map((name, i) => ({ name, needs: i === 0 ? [] : [phases[i - 1]!] })),
    );
    // A history of random transitions by one writer; any earlier snapshot is older than the completion.
    const step = fc.record({
      phase: fc.constantFrom(...phases),
      op: fc.constantFrom('start', 'complete', 'reset', 'pending'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), fc.constantFrom(...phases), (steps, target) => {
        let wall = Date.UTC(2026, 0, 1);
        const clock = new HybridClock('writer', () => (wall += 1000));
        const stampNow = () => ({ hlc: clock.tick(), at: new Date(wall).toISOString(), run: RUN });
        let doc = newDoc(phases);
        clock.observe(doc.events.at(-1)?.id);
        const snapshots = [doc];
        for (const { phase, op } of steps) {
          if (op === 'start') doc = markInProgress(doc, phase, stampNow(), 'test');
          if (op === 'complete') doc = markCompleted(doc, phase, stampNow(), undefined);
          if (op === 'reset') doc = resetFrom(doc, graph, phase, stampNow(), 'test').doc;
          if (op === 'pending') doc = markPending(doc, phase, stampNow(), 'test');
          snapshots.push(doc);
        }
        const latest = markCompleted(doc, target, stampNow(), undefined);
        for (const older of snapshots) {
          expect(mergeDocuments(older, latest).phases[target]?.status).toBe('completed');
          expect(mergeDocuments(latest, older).phases[target]).toEqual(latest.phases[target]);
        }
      }),
      propertyRuns(200),
    );
  });

  test('keeps both writers’ changes to different phases', () => {
    const base = newDoc(['alpha', 'beta']);
    const clockA = new HybridClock('job-a', () => Date.UTC(2026, 0, 2));
    const clockB = new HybridClock('job-b', () => Date.UTC(2026, 0, 2));
    const a = markCompleted(base, 'alpha', { hlc: clockA.tick(), at: '2026-01-02T00:00:00.000Z', run: RUN }, undefined);
    const b = markCompleted(base, 'beta', { hlc: clockB.tick(), at: '2026-01-02T00:00:00.000Z', run: RUN }, undefined);
    const merged = mergeDocuments(a, b);
    expect(merged.phases.alpha?.status).toBe('completed');
    expect(merged.phases.beta?.status).toBe('completed');
    expect(merged.events.filter((e) => e.type === 'phase_completed')).toHaveLength(2);
  });

  test('a stale snapshot’s config never replaces a newer one, and the newer config keeps its source', () => {
    const base = newDoc(['alpha']);
    const clock = new HybridClock('writer', () => Date.UTC(2026, 0, 3));
    const at = '2026-01-03T00:00:00.000Z';
    const config = (n: number) => ({ fingerprint: String(n).repeat(64), flags: { kof: n > 1 }, snapshot: { n } });
    const stale = setConfig(base, { hlc: clock.tick(), at, run: RUN }, config(1), { kind: 'pipeline', file: 'old.yml' });
    const fresh = setConfig(stale, { hlc: clock.tick(), at, run: RUN }, config(2), { kind: 'pipeline', file: 'new.yml' });
    for (const merged of [mergeDocuments(stale, fresh), mergeDocuments(fresh, stale)]) {
      expect(merged.config).toEqual(fresh.config);
      expect(merged.source).toEqual({ kind: 'pipeline', file: 'new.yml' });
    }
    // A snapshot without config (a job that has not recorded one yet) keeps the configured one's.
    expect(mergeDocuments(base, fresh).config).toEqual(fresh.config);
    expect(mergeDocuments(fresh, base).config).toEqual(fresh.config);
  });

  test('the merged state was created when the earliest snapshot says', () => {
    const early = { ...newDoc(['a']), created_at: '2026-01-01T00:00:00.000Z' };
    const late = { ...newDoc(['a']), created_at: '2026-02-01T00:00:00.000Z' };
    expect(mergeDocuments(early, late).created_at).toBe(early.created_at);
    expect(mergeDocuments(late, early).created_at).toBe(early.created_at);
  });

  test('events out of order (a hand-edited file) come out in id order, each once', () => {
    let doc = newDoc(['a']);
    for (let i = 0; i < 6; i++) doc = markInProgress(doc, 'a', stamp(), `attempt ${i}`);
    const ids = doc.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
    const reversed = { ...doc, events: [...doc.events].reverse() };
    // Event 2 twice: a copy pasted into the same file.
    const shuffled = { ...doc, events: [3, 0, 5, 1, 2, 4, 2, 6].map((i) => doc.events[i]!) };
    expect(mergeDocuments(reversed, shuffled).events.map((e) => e.id)).toEqual(ids);
    expect(mergeDocuments(shuffled, doc).events.map((e) => e.id)).toEqual(ids);
    expect(mergeDocuments(doc, reversed).events.map((e) => e.id)).toEqual(ids);
  });

  test('refuses to merge two different deployments', () => {
    expect(() => mergeDocuments(newDoc(['a'], 'one'), newDoc(['a'], 'two'))).toThrow(DeploymentMismatchError);
    expect(() => mergeDocuments(newDoc(['a'], 'one'), newDoc(['a'], 'two'))).toThrow(
      'cannot merge state of deployment "one" with state of deployment "two"',
    );
  });
});

test('two writers starting from no state: a later fresh document never undoes the other’s progress', () => {
  const early = new HybridClock('job-a', () => Date.UTC(2026, 0, 1));
  const late = new HybridClock('job-b', () => Date.UTC(2026, 0, 2));
  const stampOf = (clock: HybridClock) => ({ hlc: clock.tick(), at: '2026-01-01T00:00:00.000Z', run: RUN });
  const a = markCompleted(createDocument({ deploymentId: 'demo', phases: ['alpha'] }, stampOf(early)), 'alpha', stampOf(early), undefined);
  const b = createDocument({ deploymentId: 'demo', phases: ['alpha'] }, stampOf(late));
  expect(mergeDocuments(a, b).phases.alpha?.status).toBe('completed');
  expect(mergeDocuments(b, a).phases.alpha?.status).toBe('completed');
});
