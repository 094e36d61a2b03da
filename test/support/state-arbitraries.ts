/**
 * Builders and fast-check generators for state documents: what writers produce (sorted events, a
 * config and its source), what hand edits leave behind (unsorted and duplicate events, contents that
 * differ under one stamp), and histories written by several jobs whose wall clocks agree, stand
 * still or lag behind each other.
 */
import fc from 'fast-check';
import type { PhaseGraph } from '../../src/graph/dag.js';
import { createDocument, latestStamp, type Stamp } from '../../src/state/document.js';
import { formatHlc, HybridClock } from '../../src/state/hlc.js';
import {
  PHASE_STATUSES,
  type ArtifactRecord,
  type ConfigRecord,
  type JsonValue,
  type PhaseRecord,
  type RunRef,
  type StateDocument,
  type StateEvent,
} from '../../src/state/schema.js';
import {
  markCompleted,
  markFailed,
  markInProgress,
  markPending,
  markSkipped,
  recordArtifact,
  removeArtifact,
  resetFrom,
  setConfig,
  setFact,
} from '../../src/state/transitions.js';

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
const HASHES = ['0'.repeat(64), 'f'.repeat(64)];

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
    inputs_hash: fc.constantFrom(...HASHES),
  },
  { requiredKeys: ['status', 'hlc', 'updated_at', 'attempts'] },
);

const artifactArb: fc.Arbitrary<ArtifactRecord> = fc.record(
  {
    hlc: hlcArb,
    updated_at: isoArb,
    path: fc.constantFrom('a.txt', 'b.txt'),
    sha256: fc.constantFrom(...HASHES),
    size: fc.integer({ min: 0, max: 10 }),
    sensitive: fc.boolean(),
    removed: fc.constant(true as const),
  },
  { requiredKeys: ['hlc', 'updated_at', 'path', 'sha256', 'size', 'sensitive'] },
);

export const eventArb: fc.Arbitrary<StateEvent> = fc.record({
  id: hlcArb,
  at: isoArb,
  type: fc.constantFrom('phase_started' as const, 'phase_completed' as const, 'note' as const),
  message: fc.constantFrom('started', 'completed', 'hello'),
});

export const configArb: fc.Arbitrary<ConfigRecord> = fc.record({
  hlc: hlcArb,
  updated_at: isoArb,
  fingerprint: fc.constantFrom(...HASHES),
  flags: fc.dictionary(fc.constantFrom('kof', 'azure_children'), fc.boolean()),
  snapshot: fc.jsonValue({ maxDepth: 1 }).map((value) => value as JsonValue),
});

export const sourceArb: fc.Arbitrary<NonNullable<StateDocument['source']>> = fc.oneof(
  fc.constantFrom('a.yml', 'b.yml').map((file) => ({ kind: 'pipeline' as const, file })),
  fc.constant({ kind: 'k0rdent' as const }),
);

// `constructor` is a valid phase name that every plain object also inherits a property of.
const PHASE_NAMES = ['alpha', 'beta', 'gamma', 'delta', 'constructor'];

function byId(a: StateEvent, b: StateEvent): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A valid document of deployment `demo`, with or without a config and a source. Its events are
 * either as a writer leaves them (sorted by id, no duplicates) or as a hand edit may (any order, an
 * id more than once, possibly with different contents).
 */
export const docArb: fc.Arbitrary<StateDocument> = fc
  .record(
    {
      created_at: isoArb,
      source: sourceArb,
      config: configArb,
      phases: fc.dictionary(fc.constantFrom(...PHASE_NAMES), phaseRecordArb, { maxKeys: 4 }),
      artifacts: fc.dictionary(fc.constantFrom('key', 'conf'), artifactArb, { maxKeys: 2 }),
      facts: fc.dictionary(
        fc.constantFrom('vm_states'),
        fc.record({ hlc: hlcArb, updated_at: isoArb, value: fc.jsonValue({ maxDepth: 1 }) }),
      ),
      events: fc.array(eventArb, { maxLength: 6 }),
      handEdited: fc.boolean(),
    },
    { requiredKeys: ['created_at', 'phases', 'artifacts', 'facts', 'events', 'handEdited'] },
  )
  .map(({ handEdited, events, facts, ...rest }) => {
    const unique = new Map<string, StateEvent>();
    for (const event of events) if (!unique.has(event.id)) unique.set(event.id, event);
    return {
      schema_version: 2 as const,
      deployment_id: 'demo',
      ...rest,
      facts: facts as StateDocument['facts'],
      events: handEdited ? events : [...unique.values()].sort(byId),
    };
  });

/** What a writer's wall clock does between two changes: stand still, move on a little, or a lot. */
const STEPS_MS = [0, 0, 1, 1_000];
/** Where a writer's wall clock stands against true time: on time, or behind by a second or an hour. */
const SKEWS_MS = [0, 0, -1_000, -3_600_000];

export const WRITER_PHASES = ['alpha', 'beta', 'gamma'];

export type WriterOp =
  | { readonly op: 'start' | 'complete' | 'fail' | 'skip' | 'pending' | 'reset'; readonly phase: string }
  | { readonly op: 'artifact' | 'unartifact'; readonly name: string }
  | { readonly op: 'fact' | 'config'; readonly value: number };

const writerOpArb: fc.Arbitrary<WriterOp> = fc.oneof(
  fc.record({
    op: fc.constantFrom('start', 'complete', 'fail', 'skip', 'pending', 'reset'),
    phase: fc.constantFrom(...WRITER_PHASES),
  }),
  fc.record({ op: fc.constantFrom('artifact', 'unartifact'), name: fc.constantFrom('key', 'conf') }),
  fc.record({ op: fc.constantFrom('fact', 'config'), value: fc.integer({ min: 0, max: 3 }) }),
);

export interface WriterSpec {
  readonly skewMs: number;
  readonly stepMs: number;
  readonly ops: readonly WriterOp[];
}

export const writerArb: fc.Arbitrary<WriterSpec> = fc.record({
  skewMs: fc.constantFrom(...SKEWS_MS),
  stepMs: fc.constantFrom(...STEPS_MS),
  ops: fc.array(writerOpArb, { minLength: 1, maxLength: 6 }),
});

/**
 * A job that loads `base` (its clock observes every stamp in it) and applies `spec.ops` with a wall
 * clock `spec.skewMs` off true time that moves `spec.stepMs` per change. Returns every snapshot it
 * would have saved, the last one last.
 */
export function writeHistory(
  base: StateDocument,
  graph: PhaseGraph,
  node: string,
  spec: WriterSpec,
  startMs = Date.UTC(2026, 0, 1),
): StateDocument[] {
  let wall = startMs + spec.skewMs;
  const clock = new HybridClock(node, () => wall);
  clock.observe(latestStamp(base));
  const run: RunRef = { run_id: node, attempt: 1, job: node, actor: 'tester' };
  const next = (): Stamp => {
    wall += spec.stepMs;
    return { hlc: clock.tick(), at: clock.isoNow(), run };
  };
  let doc = base;
  const snapshots: StateDocument[] = [];
  for (const step of spec.ops) {
    doc = applyOp(doc, graph, step, next, node);
    snapshots.push(doc);
  }
  return snapshots;
}

function applyOp(
  doc: StateDocument,
  graph: PhaseGraph,
  step: WriterOp,
  next: () => Stamp,
  node: string,
): StateDocument {
  switch (step.op) {
    case 'start':
      return markInProgress(doc, step.phase, next(), `started by ${node}`);
    case 'complete':
      return markCompleted(doc, step.phase, next(), HASHES[node.length % 2]);
    case 'fail':
      return markFailed(doc, step.phase, next(), { message: `${node} broke it`, class: 'transient' });
    case 'skip':
      return markSkipped(doc, step.phase, next(), `skipped by ${node}`);
    case 'pending':
      return markPending(doc, step.phase, next(), `pending by ${node}`);
    case 'reset':
      return resetFrom(doc, graph, step.phase, next(), `reset by ${node}`).doc;
    case 'artifact':
      return recordArtifact(doc, step.name, next(), {
        path: `${node}/${step.name}`,
        sha256: HASHES[0]!,
        size: node.length,
        sensitive: false,
        phase: 'alpha',
      });
    case 'unartifact':
      return removeArtifact(doc, step.name, next(), `removed by ${node}`);
    case 'fact':
      return setFact(doc, 'vm_states', { writer: node, value: step.value }, next());
    case 'config':
      return setConfig(
        doc,
        next(),
        { fingerprint: HASHES[step.value % 2]!, flags: { kof: step.value > 1 }, snapshot: { n: step.value } },
        { kind: 'pipeline', file: `${node}.yml` },
      );
  }
}
