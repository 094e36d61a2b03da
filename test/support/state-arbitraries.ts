/** Builders and fast-check generators for state documents: valid documents, as writers produce them. */
import fc from 'fast-check';
import { createDocument, type Stamp } from '../../src/state/document.js';
import { formatHlc } from '../../src/state/hlc.js';
import {
  PHASE_STATUSES,
  type ArtifactRecord,
  type PhaseRecord,
  type StateDocument,
  type StateEvent,
} from '../../src/state/schema.js';

export const RUN = { run_id: 'r1', attempt: 1, job: 'test', actor: 'tester' } as const;

let counter = 0;
/** A fresh stamp on a fixed node, for example-based tests. */
export function stamp(wall = Date.UTC(2026, 0, 1), node = 'test'): Stamp {
  const hlc = formatHlc({ wall, counter: counter++ % 1_000_000, node });
  return { hlc, at: new Date(wall).toISOString(), run: RUN };
}

export function newDoc(phases: readonly string[], id = 'demo'): StateDocument {
  return createDocument({ deploymentId: id, source: { kind: 'pipeline', file: 'p.yml' }, phases }, stamp());
}

const WALLS = [0, 1, 2, 3].map((i) => Date.UTC(2026, 0, 1, 0, 0, i));
const NODES = ['aaaa', 'bbbb', 'cccc'];

/** Few distinct stamps, so that generated snapshots often disagree about the same register. */
export const hlcArb = fc
  .record({
    wall: fc.constantFrom(...WALLS),
    counter: fc.integer({ min: 0, max: 2 }),
    node: fc.constantFrom(...NODES),
  })
  .map(formatHlc);

const isoArb = fc.constantFrom(...WALLS).map((w) => new Date(w).toISOString());

export const phaseRecordArb: fc.Arbitrary<PhaseRecord> = fc.record(
  {
    status: fc.constantFrom(...PHASE_STATUSES),
    hlc: hlcArb,
    updated_at: isoArb,
    attempts: fc.integer({ min: 0, max: 3 }),
    reason: fc.constantFrom('not run yet', 'interrupted', 'validated'),
  },
  { requiredKeys: ['status', 'hlc', 'updated_at', 'attempts'] },
);

const artifactArb: fc.Arbitrary<ArtifactRecord> = fc.record(
  {
    hlc: hlcArb,
    updated_at: isoArb,
    path: fc.constantFrom('a.txt', 'b.txt'),
    sha256: fc.constantFrom('0'.repeat(64), 'f'.repeat(64)),
    size: fc.integer({ min: 0, max: 10 }),
    sensitive: fc.boolean(),
    removed: fc.constant(true as const),
  },
  { requiredKeys: ['hlc', 'updated_at', 'path', 'sha256', 'size', 'sensitive'] },
);

const eventArb: fc.Arbitrary<StateEvent> = fc.record({
  id: hlcArb,
  at: isoArb,
  type: fc.constantFrom('phase_started' as const, 'phase_completed' as const, 'note' as const),
  message: fc.constantFrom('started', 'completed', 'hello'),
});

const PHASE_NAMES = ['alpha', 'beta', 'gamma', 'delta'];

/** A valid document of deployment `demo`: events sorted by id without duplicates. */
export const docArb: fc.Arbitrary<StateDocument> = fc
  .record({
    created_at: isoArb,
    phases: fc.dictionary(fc.constantFrom(...PHASE_NAMES), phaseRecordArb, { maxKeys: 4 }),
    artifacts: fc.dictionary(fc.constantFrom('key', 'conf'), artifactArb, { maxKeys: 2 }),
    facts: fc.dictionary(
      fc.constantFrom('vm_states'),
      fc.record({ hlc: hlcArb, updated_at: isoArb, value: fc.jsonValue({ maxDepth: 1 }) }),
    ),
    events: fc.array(eventArb, { maxLength: 6 }),
  })
  .map(({ created_at, phases, artifacts, facts, events }) => {
    const unique = new Map<string, StateEvent>();
    for (const event of events) if (!unique.has(event.id)) unique.set(event.id, event);
    return {
      schema_version: 2 as const,
      deployment_id: 'demo',
      created_at,
      phases,
      artifacts,
      facts: facts as StateDocument['facts'],
      events: [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    };
  });
