import fc from 'fast-check';
import { createDocument } from '../../src/state/document.js';
import { HybridClock } from '../../src/state/hlc.js';
import { DeploymentMismatchError, mergeAll, mergeDocuments } from '../../src/state/merge.js';
import { StateDocumentSchema } from '../../src/state/schema.js';
import { markCompleted, markInProgress, markPending, resetFrom } from '../../src/state/transitions.js';
import { PhaseGraph } from '../../src/graph/dag.js';
import { docArb, newDoc, RUN } from '../support/state-arbitraries.js';

const runs = { numRuns: 300 };

describe('mergeDocuments', () => {
  test('is commutative', () => {
    fc.assert(fc.property(docArb, docArb, (a, b) => expect(mergeDocuments(a, b)).toEqual(mergeDocuments(b, a))), runs);
  });

  test('is associative', () => {
    fc.assert(
      fc.property(docArb, docArb, docArb, (a, b, c) =>
        expect(mergeDocuments(mergeDocuments(a, b), c)).toEqual(mergeDocuments(a, mergeDocuments(b, c))),
      ),
      runs,
    );
  });

  test('is idempotent', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        expect(mergeDocuments(a, a)).toEqual(a);
        const ab = mergeDocuments(a, b);
        expect(mergeDocuments(ab, b)).toEqual(ab);
      }),
      runs,
    );
  });

  test('yields a valid document from valid documents', () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => expect(StateDocumentSchema.safeParse(mergeDocuments(a, b)).success).toBe(true)),
      runs,
    );
  });

  test('does not depend on the order snapshots are found in', () => {
    fc.assert(
      fc.property(fc.array(docArb, { minLength: 1, maxLength: 5 }), fc.integer(), (docs, seed) => {
        const shuffled = [...docs].sort((x, y) => ((x.created_at + String(seed)) < (y.created_at + String(seed)) ? -1 : 1));
        expect(mergeAll(shuffled)).toEqual(mergeAll(docs));
      }),
      runs,
    );
  });

  test('a completed phase survives any merge with an older snapshot', () => {
    const phases = ['alpha', 'beta', 'gamma', 'delta'];
    const graph = PhaseGraph.buildOrThrow(phases.map((name, i) => ({ name, needs: i === 0 ? [] : [phases[i - 1]!] })));
    // A history of random transitions by one writer; any earlier snapshot is older than the completion.
    const step = fc.record({ phase: fc.constantFrom(...phases), op: fc.constantFrom('start', 'complete', 'reset', 'pending') });
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
      { numRuns: 200 },
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

  test('refuses to merge two different deployments', () => {
    expect(() => mergeDocuments(newDoc(['a'], 'one'), newDoc(['a'], 'two'))).toThrow(DeploymentMismatchError);
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
