/**
 * Every change a phase's record can go through. Each function is pure: it takes the document and the
 * stamp of the change, returns a new document, and appends exactly one event describing the change
 * (so a completion is logged once, not twice as upstream did).
 */
import type { PhaseGraph } from '../graph/dag.js';
import { appendEvent, type Stamp } from './document.js';
import type {
  ArtifactRecord,
  Evidence,
  EventType,
  JsonValue,
  PhaseError,
  PhaseRecord,
  StateDocument,
} from './schema.js';

function currentRecord(doc: StateDocument, phase: string): PhaseRecord | undefined {
  return doc.phases[phase];
}

function withPhase(doc: StateDocument, phase: string, record: PhaseRecord): StateDocument {
  return { ...doc, phases: { ...doc.phases, [phase]: record } };
}

function event(
  stamp: Stamp,
  type: EventType,
  message: string,
  phase?: string,
  data?: Record<string, JsonValue>,
) {
  return {
    id: stamp.hlc,
    at: stamp.at,
    type,
    ...(phase === undefined ? {} : { phase }),
    message,
    run: stamp.run,
    ...(data === undefined ? {} : { data }),
  };
}

/** Carries over what a phase's history keeps across status changes (attempt count, last evidence). */
function base(previous: PhaseRecord | undefined, stamp: Stamp): Pick<PhaseRecord, 'hlc' | 'updated_at' | 'attempts'> {
  return { hlc: stamp.hlc, updated_at: stamp.at, attempts: previous?.attempts ?? 0 };
}

export function markInProgress(doc: StateDocument, phase: string, stamp: Stamp, reason: string): StateDocument {
  const previous = currentRecord(doc, phase);
  const record: PhaseRecord = {
    ...base(previous, stamp),
    status: 'in_progress',
    started_at: stamp.at,
    attempts: (previous?.attempts ?? 0) + 1,
    reason,
    ...(previous?.inputs_hash ? { inputs_hash: previous.inputs_hash } : {}),
    ...(previous?.input_hashes ? { input_hashes: previous.input_hashes } : {}),
    last_run: stamp.run,
  };
  return appendEvent(withPhase(doc, phase, record), event(stamp, 'phase_started', `started: ${reason}`, phase));
}

export function markCompleted(
  doc: StateDocument,
  phase: string,
  stamp: Stamp,
  inputsHash: string | undefined,
  inputHashes?: Readonly<Record<string, string>>,
): StateDocument {
  const previous = currentRecord(doc, phase);
  const record: PhaseRecord = {
    ...base(previous, stamp),
    status: 'completed',
    ...(previous?.started_at ? { started_at: previous.started_at } : {}),
    completed_at: stamp.at,
    ...(inputsHash ? { inputs_hash: inputsHash } : {}),
    ...(inputHashes && Object.keys(inputHashes).length > 0 ? { input_hashes: { ...inputHashes } } : {}),
    last_run: stamp.run,
  };
  return appendEvent(withPhase(doc, phase, record), event(stamp, 'phase_completed', 'completed', phase));
}

export function markFailed(doc: StateDocument, phase: string, stamp: Stamp, error: PhaseError): StateDocument {
  const previous = currentRecord(doc, phase);
  const record: PhaseRecord = {
    ...base(previous, stamp),
    status: 'failed',
    ...(previous?.started_at ? { started_at: previous.started_at } : {}),
    reason: `failed (${error.class}): ${firstLine(error.message)}`,
    error,
    ...(previous?.inputs_hash ? { inputs_hash: previous.inputs_hash } : {}),
    ...(previous?.input_hashes ? { input_hashes: previous.input_hashes } : {}),
    last_run: stamp.run,
  };
  return appendEvent(
    withPhase(doc, phase, record),
    event(stamp, 'phase_failed', firstLine(error.message), phase, {
      class: error.class,
      ...(error.exit_code === undefined ? {} : { exit_code: error.exit_code }),
    }),
  );
}

/**
 * Skipping a phase that ran before (an optional phase switched off after it completed) undoes
 * nothing, so the record keeps when it started and completed: a rollback reads them to know that
 * the phase's undo is still due.
 */
export function markSkipped(doc: StateDocument, phase: string, stamp: Stamp, reason: string): StateDocument {
  const previous = currentRecord(doc, phase);
  const record: PhaseRecord = {
    ...base(previous, stamp),
    status: 'skipped',
    ...(previous?.started_at ? { started_at: previous.started_at } : {}),
    ...(previous?.completed_at ? { completed_at: previous.completed_at } : {}),
    reason,
    ...(previous?.inputs_hash ? { inputs_hash: previous.inputs_hash } : {}),
    ...(previous?.last_run ? { last_run: previous.last_run } : {}),
  };
  return appendEvent(withPhase(doc, phase, record), event(stamp, 'phase_skipped', reason, phase));
}

export function markPending(doc: StateDocument, phase: string, stamp: Stamp, reason: string): StateDocument {
  return resetPhases(doc, [phase], stamp, reason, phase);
}

/** Records that a completed phase was checked against reality and still holds. */
export function recordEvidence(doc: StateDocument, phase: string, stamp: Stamp, summary: string): StateDocument {
  const previous = currentRecord(doc, phase);
  if (previous?.status !== 'completed') throw new Error(`cannot record evidence for ${phase}: it is not completed`);
  const evidence: Evidence = { checked_at: stamp.at, summary };
  return withPhase(doc, phase, { ...previous, hlc: stamp.hlc, updated_at: stamp.at, evidence });
}

/** The reason recorded on phases reset because `phase` is about to run again. */
export function resetReason(phase: string, why: string): string {
  return `reset because ${phase} runs again: ${why}`;
}

/**
 * Sets `phase` and every phase that transitively needs it to pending. Phases it needs, and unrelated
 * branches, keep their status. Returns the document unchanged when nothing was to reset.
 */
export function resetFrom(
  doc: StateDocument,
  graph: PhaseGraph,
  phase: string,
  stamp: Stamp,
  reason: string,
): { doc: StateDocument; reset: string[] } {
  const affected = [phase, ...graph.dependentsOf(phase)];
  const reset = affected.filter((name) => (doc.phases[name]?.status ?? 'pending') !== 'pending');
  return { doc: resetPhases(doc, reset, stamp, reason, phase), reset };
}

function resetPhases(
  doc: StateDocument,
  phases: readonly string[],
  stamp: Stamp,
  reason: string,
  origin: string,
): StateDocument {
  if (phases.length === 0) return doc;
  const updated = { ...doc.phases };
  for (const name of phases) {
    const previous = updated[name];
    updated[name] = {
      ...base(previous, stamp),
      status: 'pending',
      reason,
      ...(previous?.inputs_hash ? { inputs_hash: previous.inputs_hash } : {}),
    ...(previous?.input_hashes ? { input_hashes: previous.input_hashes } : {}),
      ...(previous?.last_run ? { last_run: previous.last_run } : {}),
    };
  }
  return appendEvent(
    { ...doc, phases: updated },
    event(stamp, 'phase_reset', `reset ${phases.join(', ')}: ${reason}`, origin, { phases: [...phases] }),
  );
}

export interface ArtifactInput {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly phase?: string;
  readonly sensitive: boolean;
  readonly metadata?: Record<string, string | number | boolean>;
}

export function recordArtifact(doc: StateDocument, name: string, stamp: Stamp, input: ArtifactInput): StateDocument {
  const record: ArtifactRecord = {
    hlc: stamp.hlc,
    updated_at: stamp.at,
    path: input.path,
    sha256: input.sha256,
    size: input.size,
    ...(input.phase ? { phase: input.phase } : {}),
    sensitive: input.sensitive,
    ...(input.metadata ? { metadata: input.metadata } : {}),
  };
  return appendEvent(
    { ...doc, artifacts: { ...doc.artifacts, [name]: record } },
    event(stamp, 'artifact_recorded', `artifact ${name} recorded (${input.size} bytes)`, input.phase, {
      artifact: name,
    }),
  );
}

export function removeArtifact(doc: StateDocument, name: string, stamp: Stamp, reason: string): StateDocument {
  const previous = doc.artifacts[name];
  if (!previous || previous.removed) return doc;
  const tombstone: ArtifactRecord = { ...previous, hlc: stamp.hlc, updated_at: stamp.at, removed: true };
  return appendEvent(
    { ...doc, artifacts: { ...doc.artifacts, [name]: tombstone } },
    event(stamp, 'artifact_removed', `artifact ${name} removed: ${reason}`, previous.phase, { artifact: name }),
  );
}

export function setFact(doc: StateDocument, key: string, value: JsonValue, stamp: Stamp, phase?: string): StateDocument {
  return appendEvent(
    { ...doc, facts: { ...doc.facts, [key]: { hlc: stamp.hlc, updated_at: stamp.at, value } } },
    event(stamp, 'fact_recorded', `recorded ${key}`, phase),
  );
}

export function addNote(
  doc: StateDocument,
  stamp: Stamp,
  type: EventType,
  message: string,
  phase?: string,
  data?: Record<string, JsonValue>,
): StateDocument {
  return appendEvent(doc, event(stamp, type, message, phase, data));
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  const line = end === -1 ? text : text.slice(0, end);
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** Records the effective configuration and deployment flags the phases run with. */
export function setConfig(
  doc: StateDocument,
  stamp: Stamp,
  config: { fingerprint: string; flags: Record<string, boolean>; snapshot: JsonValue },
  source?: StateDocument['source'],
): StateDocument {
  return appendEvent(
    {
      ...doc,
      ...(source ? { source } : {}),
      config: { hlc: stamp.hlc, updated_at: stamp.at, ...config },
    },
    event(stamp, 'note', `configuration recorded (fingerprint ${config.fingerprint.slice(0, 12)})`, undefined, {
      flags: config.flags,
    }),
  );
}
