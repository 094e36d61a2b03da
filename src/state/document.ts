/** Creating and reading state documents. Pure: callers pass the clock stamp of every change. */
import { formatHlc, maxHlc } from './hlc.js';
import {
  SCHEMA_VERSION,
  type PhaseRecord,
  type PhaseStatus,
  type RunRef,
  type StateDocument,
  type StateEvent,
} from './schema.js';

/** Who made a change and when: one clock tick, its wall time, and the run it belongs to. */
export interface Stamp {
  readonly hlc: string;
  readonly at: string;
  readonly run: RunRef;
}

export interface NewDocument {
  readonly deploymentId: string;
  readonly source?: StateDocument['source'];
  readonly phases: readonly string[];
}

/**
 * The stamp of a phase's initial `pending`: older than any real change, so that when two writers
 * each start a deployment from nothing, one's fresh `pending` never overwrites the other's progress.
 */
export const GENESIS_STAMP = formatHlc({ wall: 0, counter: 0, node: 'genesis' });

export function createDocument({ deploymentId, source, phases }: NewDocument, stamp: Stamp): StateDocument {
  return {
    schema_version: SCHEMA_VERSION,
    deployment_id: deploymentId,
    created_at: stamp.at,
    ...(source ? { source } : {}),
    phases: Object.fromEntries(
      phases.map((name) => [
        name,
        { status: 'pending', hlc: GENESIS_STAMP, updated_at: stamp.at, attempts: 0 } satisfies PhaseRecord,
      ]),
    ),
    artifacts: {},
    facts: {},
    events: [
      {
        id: stamp.hlc,
        at: stamp.at,
        type: 'deployment_created',
        message: `deployment ${deploymentId} created`,
        run: stamp.run,
      },
    ],
  };
}

/** A phase with no record yet is pending; it has never run. */
export function statusOf(doc: StateDocument, phase: string): PhaseStatus {
  return doc.phases[phase]?.status ?? 'pending';
}

/** A phase whose needs are met by it: done, or deliberately not wanted. */
export function isSatisfied(status: PhaseStatus): boolean {
  return status === 'completed' || status === 'skipped';
}

/**
 * Whether a phase may have built something its undo should remove: it completed, failed or was
 * interrupted, or it was switched off (skipped) after it had started.
 */
export function mayHaveBuilt(record: PhaseRecord | undefined): boolean {
  if (!record) return false;
  if (record.status === 'completed' || record.status === 'failed' || record.status === 'in_progress') return true;
  return record.status === 'skipped' && (record.started_at !== undefined || record.completed_at !== undefined);
}

export function needsRun(doc: StateDocument, phase: string): boolean {
  return !isSatisfied(statusOf(doc, phase));
}

/** The greatest clock stamp in the document: a writer's clock must move past it before changing it. */
export function latestStamp(doc: StateDocument): string | undefined {
  let latest = latestIn(doc.phases, undefined);
  latest = latestIn(doc.artifacts, latest);
  latest = latestIn(doc.facts, latest);
  latest = maxHlc(latest, doc.config?.hlc);
  const lastEvent = doc.events.at(-1);
  return maxHlc(latest, lastEvent?.id);
}

/** Every commit asks (session.ts): for...in allocates nothing per record, Object.values an array. */
function latestIn(records: Readonly<Record<string, { readonly hlc: string }>>, latest: string | undefined) {
  for (const key in records) latest = maxHlc(latest, (records[key] as { readonly hlc: string }).hlc);
  return latest;
}

/** Wall time of the last change, for display. */
export function lastUpdated(doc: StateDocument): string {
  let latest = doc.created_at;
  for (const record of Object.values(doc.phases)) if (record.updated_at > latest) latest = record.updated_at;
  const lastEvent = doc.events.at(-1);
  if (lastEvent && lastEvent.at > latest) latest = lastEvent.at;
  return latest;
}

export function liveArtifacts(doc: StateDocument): [string, StateDocument['artifacts'][string]][] {
  return Object.entries(doc.artifacts)
    .filter(([, record]) => !record.removed)
    // Code-unit order: localeCompare would load ICU's collator, a measurable part of `status`'s start.
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function appendEvent(doc: StateDocument, event: StateEvent): StateDocument {
  return { ...doc, events: [...doc.events, event] };
}

/** Why a phase is in its status: the recorded reason, or for a validated phase its evidence. */
export function reasonOf(record: PhaseRecord | undefined): string | undefined {
  return record?.reason ?? record?.evidence?.summary;
}
