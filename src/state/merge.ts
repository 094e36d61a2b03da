/**
 * Merging two snapshots of one deployment's state, as written by parallel jobs, re-run attempts or a
 * crashed writer. Each phase, artifact, fact and the config is a last-writer-wins register ordered
 * by its clock stamp; events are a set keyed by id. The merge is commutative, associative and
 * idempotent, so the order in which a store finds snapshots never changes the outcome, and an older
 * snapshot can never undo newer progress.
 */
import { canonicalJson, jsonEqual } from './canonical.js';
import type { StateDelta } from './delta.js';
import type { StateDocument, StateEvent } from './schema.js';

export class DeploymentMismatchError extends Error {
  override readonly name = 'DeploymentMismatchError';
}

interface Stamped {
  readonly hlc: string;
}

/**
 * The later of two versions of one register. Equal stamps normally mean the same change seen twice;
 * if the contents differ anyway (a hand-edited copy) the canonical text decides, so that the choice
 * does not depend on argument order.
 */
function later<T extends Stamped>(a: T, b: T): T {
  // Stryker disable next-line EqualityOperator: the stamps differ here, so > and >= pick the same one
  if (a.hlc !== b.hlc) return a.hlc > b.hlc ? a : b;
  return sameOrGreater(a, b);
}

function sameOrGreater<T>(a: T, b: T): T {
  // Stryker disable next-line ConditionalExpression: equal contents have equal canonical text, which picks a as well
  if (jsonEqual(a, b)) return a;
  // Stryker disable next-line EqualityOperator: reached only for different contents, whose canonical texts differ
  return canonicalJson(a) >= canonicalJson(b) ? a : b;
}

function mergeRegisters<T extends Stamped>(
  a: Readonly<Record<string, T>>,
  b: Readonly<Record<string, T>>,
): Record<string, T> {
  // Stryker disable next-line ConditionalExpression: a register map merged with itself is itself, record by record
  if (a === b) return a;
  // A commit merges a session's document with the one it grew from: one side then holds every
  // record of the other, each as new or newer, and is the merge itself; the map (a record per
  // phase) is copied only when records come from both sides. for...in, not Object.entries: no
  // array per record. Registers are plain objects, so for...in meets only their own keys;
  // `constructor` is a valid phase name, so a key of b is looked up in a as an own key only.
  let changed: [string, T][] | undefined;
  let shared = 0;
  // Stryker disable next-line BooleanLiteral: starting from no only makes a copy, which holds the same records
  let theirsWinAll = true;
  for (const key in b) {
    const theirs = b[key] as T;
    const ours = Object.hasOwn(a, key) ? a[key] : undefined;
    if (ours === undefined) {
      (changed ??= []).push([key, theirs]);
      continue;
    }
    // Stryker disable next-line UpdateOperator: a count that is never right only makes a copy, which holds the same records
    shared++;
    // Stryker disable next-line ConditionalExpression: a shortcut; later() picks ours for the same record too
    if (ours === theirs) continue;
    const winner = later(ours, theirs);
    if (winner === ours) theirsWinAll = false;
    else (changed ??= []).push([key, winner]);
  }
  if (changed === undefined) return a;
  // Stryker disable next-line ConditionalExpression: a shortcut; the copy below holds the same records
  if (theirsWinAll && shared === countKeys(a)) return b;
  const merged: Record<string, T> = { ...a };
  for (const [key, winner] of changed) merged[key] = winner;
  return merged;
}

// Stryker disable next-line BlockStatement: no count only makes a copy (mergeRegisters), which holds the same records
function countKeys(record: Readonly<Record<string, unknown>>): number {
  let count = 0;
  // Stryker disable next-line UpdateOperator: see above
  for (const _ in record) count++;
  return count;
}

/**
 * Union of two event lists sorted by id, in one linear pass. Lists written by this code are already
 * sorted (a writer's clock is past every stamp it has seen); unsorted input is sorted first.
 */
function mergeEvents(a: readonly StateEvent[], b: readonly StateEvent[]): StateEvent[] {
  // Stryker disable next-line ConditionalExpression: an event list merged with itself is itself
  if (a === b) return a as StateEvent[];
  // A session appends to the events it loaded: the longer list is then the union. Shortcuts; the
  // pass below gives the same events wherever they do not apply.
  // Stryker disable next-line ConditionalExpression: see above
  if (grewFrom(b, a)) return b as StateEvent[];
  // Stryker disable next-line ConditionalExpression: see above
  if (grewFrom(a, b)) return a as StateEvent[];
  const left = isSortedById(a) ? a : [...a].sort(byId);
  const right = isSortedById(b) ? b : [...b].sort(byId);
  const out: StateEvent[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const x = left[i] as StateEvent;
    const y = right[j] as StateEvent;
    if (x.id < y.id) {
      pushUnique(out, x);
      i++;
    } else if (y.id < x.id) {
      pushUnique(out, y);
      j++;
    } else {
      pushUnique(out, sameOrGreater(x, y));
      i++;
      j++;
    }
  }
  for (; i < left.length; i++) pushUnique(out, left[i] as StateEvent);
  for (; j < right.length; j++) pushUnique(out, right[j] as StateEvent);
  return out;
}

/**
 * Whether `list` starts with the very events of `start` and its ids strictly increase: then it is
 * the union of both, sorted and without a duplicate id.
 */
// Stryker disable next-line BlockStatement: a shortcut (mergeEvents); saying no only takes the long way
function grewFrom(list: readonly StateEvent[], start: readonly StateEvent[]): boolean {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: saying no more often only takes the long way
  for (let i = 0; i < start.length; i++) if (list[i] !== start[i]) return false;
  // Stryker disable next-line ConditionalExpression: saying no more often only takes the long way
  for (let i = 1; i < list.length; i++) if ((list[i - 1] as StateEvent).id >= (list[i] as StateEvent).id) return false;
  // Stryker disable next-line BooleanLiteral: saying no only takes the long way
  return true;
}

/** Drops a duplicate id inside one list (a hand-edited file), keeping the content-greater copy. */
function pushUnique(out: StateEvent[], event: StateEvent): void {
  const last = out[out.length - 1];
  if (last?.id === event.id) {
    out[out.length - 1] = sameOrGreater(last, event);
    return;
  }
  out.push(event);
}

function byId(a: StateEvent, b: StateEvent): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Stryker disable next-line BlockStatement: only spares sorting a list that is sorted already; sorting it gives the same list
function isSortedById(events: readonly StateEvent[]): boolean {
  for (let i = 1; i < events.length; i++) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: saying unsorted more often only sorts a sorted list, which changes nothing
    if ((events[i - 1] as StateEvent).id > (events[i] as StateEvent).id) return false;
  }
  // Stryker disable next-line BooleanLiteral: saying unsorted only sorts a sorted list, which changes nothing
  return true;
}

export function mergeDocuments(a: StateDocument, b: StateDocument): StateDocument {
  if (a === b) return a;
  if (a.deployment_id !== b.deployment_id) {
    throw new DeploymentMismatchError(
      `cannot merge state of deployment "${a.deployment_id}" with state of deployment "${b.deployment_id}"`,
    );
  }
  return {
    schema_version: a.schema_version,
    deployment_id: a.deployment_id,
    // Stryker disable next-line EqualityOperator: for equal times either side is the same text
    created_at: a.created_at <= b.created_at ? a.created_at : b.created_at,
    ...mergeConfigured(a, b),
    phases: mergeRegisters(a.phases, b.phases),
    artifacts: mergeRegisters(a.artifacts, b.artifacts),
    facts: mergeRegisters(a.facts, b.facts),
    events: mergeEvents(a.events, b.events),
  };
}

type Configured = Pick<StateDocument, 'source' | 'config'>;

/**
 * `doc` with `deltas` applied: the same result as merging `doc` with each delta as a document of its
 * own (mergeDocuments), in one pass over all of them, so replaying a journal costs its length plus
 * the document's, not their product.
 */
export function mergeDeltas(doc: StateDocument, deltas: readonly StateDelta[]): StateDocument {
  if (deltas.length === 0) return doc;
  const phases = { ...doc.phases };
  const artifacts = { ...doc.artifacts };
  const facts = { ...doc.facts };
  let configured: Configured = { ...(doc.source ? { source: doc.source } : {}), ...(doc.config ? { config: doc.config } : {}) };
  const events: StateEvent[] = [];
  let createdAt = doc.created_at;
  for (const delta of deltas) {
    if (delta.created_at !== undefined && delta.created_at < createdAt) createdAt = delta.created_at;
    applyRegisters(phases, delta.phases);
    applyRegisters(artifacts, delta.artifacts);
    applyRegisters(facts, delta.facts);
    if (delta.config || delta.source) configured = mergeConfigured(configured, delta);
    if (delta.events) for (const event of delta.events) events.push(event);
  }
  return {
    schema_version: doc.schema_version,
    deployment_id: doc.deployment_id,
    created_at: createdAt,
    ...(configured.source ? { source: configured.source } : {}),
    ...(configured.config ? { config: configured.config } : {}),
    phases,
    artifacts,
    facts,
    events: mergeEvents(doc.events, events),
  };
}

function applyRegisters<T extends Stamped>(into: Record<string, T>, records: Readonly<Record<string, T>> | undefined): void {
  // Stryker disable next-line ConditionalExpression: a shortcut; for...in over no records meets no key
  if (!records) return;
  for (const key in records) {
    const theirs = records[key] as T;
    const ours = into[key];
    into[key] = ours === undefined ? theirs : later(ours, theirs);
  }
}

/**
 * The config and the source are one register: the snapshot that configured last names both, and a
 * snapshot with no config yet loses to any that has one. Taking them from different snapshots would
 * pair a source with a config it never ran with, and make the result depend on the merge order.
 */
function mergeConfigured(a: Configured, b: Configured): Configured {
  const ha = a.config?.hlc ?? '';
  const hb = b.config?.hlc ?? '';
  // A total order (configured later, then having a source, then the greater text), so merging is
  // commutative, associative and idempotent: a snapshot that has not configured yet keeps its source.
  let winner: Configured;
  // Stryker disable next-line EqualityOperator: the stamps differ here, so > and >= pick the same one
  if (ha !== hb) winner = ha > hb ? a : b;
  else if ((a.source === undefined) !== (b.source === undefined)) winner = a.source ? a : b;
  else winner = sameOrGreater(pair(a), pair(b));
  return pair(winner);
}

function pair({ config, source }: Configured): Configured {
  return { ...(source ? { source } : {}), ...(config ? { config } : {}) };
}

export function mergeAll(docs: readonly StateDocument[]): StateDocument | undefined {
  let merged: StateDocument | undefined;
  for (const doc of docs) merged = merged === undefined ? doc : mergeDocuments(merged, doc);
  return merged;
}
