/**
 * What one commit adds to a state document: the registers (phases, artifacts, facts, config) it
 * replaced and the events it appended. A delta is what the local store appends to its journal, so
 * a commit costs what it changed, not what the state holds. Pure.
 *
 * Applying deltas is the merge of section 3 of DESIGN.md: each register is last-writer-wins by its
 * clock stamp and events are a set by id, so replaying a delta twice, or over a snapshot that
 * already holds it (a crash between writing a compacted snapshot and removing the journal), changes
 * nothing.
 */
import * as z from 'zod/mini';
import { jsonEqual } from './canonical.js';
import {
  ArtifactRecordSchema,
  ConfigRecordSchema,
  EventSchema,
  FactSchema,
  NAME_PATTERN,
  PhaseRecordSchema,
  SourceSchema,
  type StateDocument,
  type StateEvent,
} from './schema.js';

const name = z.string().check(z.regex(NAME_PATTERN, 'expected a snake_case name'));

const isoTime = z.iso.datetime({ offset: true });

export const StateDeltaSchema = z.strictObject({
  /** Set when a merge moved the deployment's creation time earlier (two writers started it). */
  created_at: z.optional(isoTime),
  source: z.optional(SourceSchema),
  config: z.optional(ConfigRecordSchema),
  phases: z.optional(z.record(name, PhaseRecordSchema)),
  artifacts: z.optional(z.record(name, ArtifactRecordSchema)),
  facts: z.optional(z.record(name, FactSchema)),
  events: z.optional(z.array(EventSchema)),
});

export type StateDelta = z.infer<typeof StateDeltaSchema>;

/**
 * What `next` holds that `base` does not: registers whose record differs, and events `base` lacks.
 * Cheap when `next` grew from `base`, as a session's document does: unchanged records are the same
 * objects, and base's events come first, unchanged.
 */
export function diffDocuments(base: StateDocument, next: StateDocument): StateDelta {
  const phases = changedRecords(base.phases, next.phases);
  const artifacts = changedRecords(base.artifacts, next.artifacts);
  const facts = changedRecords(base.facts, next.facts);
  const events = newEvents(base.events, next.events);
  // The config and its source are one register (merge.ts): a change of either carries both.
  const setupChanged =
    (next.source !== undefined && !jsonEqual(base.source, next.source)) ||
    (next.config !== undefined && !sameRecord(base.config, next.config));
  return {
    ...(next.created_at !== base.created_at ? { created_at: next.created_at } : {}),
    ...(setupChanged && next.source ? { source: next.source } : {}),
    ...(setupChanged && next.config ? { config: next.config } : {}),
    ...(phases ? { phases } : {}),
    ...(artifacts ? { artifacts } : {}),
    ...(facts ? { facts } : {}),
    ...(events.length > 0 ? { events } : {}),
  };
}

export function isEmptyDelta(delta: StateDelta): boolean {
  return Object.keys(delta).length === 0;
}

function changedRecords<T extends { hlc: string }>(
  base: Readonly<Record<string, T>>,
  next: Readonly<Record<string, T>>,
): Record<string, T> | undefined {
  // Stryker disable next-line ConditionalExpression: a shortcut; the loop finds no change in a map compared with itself
  if (base === next) return undefined;
  let changed: Record<string, T> | undefined;
  // for...in: no array per record at every commit (see mergeRegisters in merge.ts).
  for (const key in next) {
    const record = next[key] as T;
    if (sameRecord(base[key], record)) continue;
    (changed ??= {})[key] = record;
  }
  return changed;
}

function sameRecord<T extends { hlc: string }>(a: T | undefined, b: T): boolean {
  // Stryker disable next-line ConditionalExpression: a shortcut; the same object is equal by content too
  if (a === b) return true;
  return a !== undefined && a.hlc === b.hlc && jsonEqual(a, b);
}

function newEvents(base: readonly StateEvent[], next: readonly StateEvent[]): StateEvent[] {
  // Stryker disable next-line ConditionalExpression: a shortcut; the pass by id below finds no new event in a list compared with itself
  if (base === next) return [];
  // A session's document keeps base's events as they were and appends: a pass of pointer
  // comparisons confirms it, and what follows base's events is new. A shortcut: wherever it fails
  // or is skipped, the pass by id below returns the same events, so its mutants change nothing.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: see above
  let prefix = next.length >= base.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: see above
  for (let i = 0; prefix && i < base.length; i++) prefix = next[i] === base[i];
  // Stryker disable next-line ConditionalExpression: see above
  if (prefix) return next.slice(base.length);
  // Otherwise by id; an event whose id is known but whose content differs (a hand-edited copy that
  // a merge preferred) is carried too, so that replaying gives the merge exactly.
  const known = new Map(base.map((event) => [event.id, event]));
  return next.filter((event) => {
    const ours = known.get(event.id);
    // Stryker disable next-line ConditionalExpression: both tests are shortcuts of jsonEqual (no event equals undefined; an event equals itself)
    return ours === undefined || (ours !== event && !jsonEqual(ours, event));
  });
}
