/**
 * Deltas are how the local store commits: what one document adds to another, replayed from the
 * journal. Replaying must give exactly the merge, whatever the documents and however often.
 */
import fc from 'fast-check';
import { diffDocuments, isEmptyDelta, StateDeltaSchema, type StateDelta } from '../../src/state/delta.js';
import { decodeJournal, encodeJournalEntry, journalHeader } from '../../src/state/journal.js';
import { mergeAll, mergeDeltas, mergeDocuments } from '../../src/state/merge.js';
import { sha256Hex } from '../../src/state/canonical.js';
import type { StateDocument } from '../../src/state/schema.js';
import { addNote, markCompleted, setConfig, setFact } from '../../src/state/transitions.js';
import { docArb, newDoc, stamp } from '../support/state-arbitraries.js';

const RUNS = { numRuns: 300 };

/** A delta as a document of its own, as mergeDocuments would see it. */
function asDocument(base: StateDocument, delta: StateDelta): StateDocument {
  return {
    schema_version: 2,
    deployment_id: base.deployment_id,
    created_at: delta.created_at ?? base.created_at,
    ...(delta.source ? { source: delta.source } : {}),
    ...(delta.config ? { config: delta.config } : {}),
    phases: delta.phases ?? {},
    artifacts: delta.artifacts ?? {},
    facts: delta.facts ?? {},
    events: delta.events ?? [],
  };
}

test('the delta of a merge, applied to the base, is the merge', () => {
  fc.assert(
    fc.property(docArb, docArb, (base, other) => {
      const merged = mergeDocuments(base, other);
      expect(mergeDeltas(base, [diffDocuments(base, merged)])).toEqual(merged);
    }),
    RUNS,
  );
});

test('applying deltas in one pass equals merging them one by one, and replaying them again changes nothing', () => {
  fc.assert(
    fc.property(docArb, fc.array(docArb, { maxLength: 4 }), (base, others) => {
      const deltas = others.map((other) => diffDocuments(base, mergeDocuments(base, other)));
      const replayed = mergeDeltas(base, deltas);
      expect(replayed).toEqual(mergeAll([base, ...deltas.map((d) => asDocument(base, d))]));
      expect(mergeDeltas(replayed, deltas)).toEqual(replayed);
    }),
    RUNS,
  );
});

test('a session-style change is a small delta: the changed phase and the new event only', () => {
  let doc = newDoc(Array.from({ length: 200 }, (_, i) => `phase_${i}`));
  for (let i = 0; i < 50; i++) doc = markCompleted(doc, `phase_${i}`, stamp(), undefined);
  const next = markCompleted(doc, 'phase_60', stamp(), undefined);
  const delta = diffDocuments(doc, next);
  expect(Object.keys(delta.phases ?? {})).toEqual(['phase_60']);
  expect(delta.events).toEqual([next.events.at(-1)]);
  expect(delta.artifacts).toBeUndefined();
  expect(isEmptyDelta(diffDocuments(next, next))).toBe(true);
});

test('a copy read back from a file (no shared objects) differs only by what really changed', () => {
  let doc = newDoc(['one', 'two']);
  doc = setConfig(doc, stamp(), { fingerprint: 'f'.repeat(64), flags: {}, snapshot: { n: 1 } });
  doc = markCompleted(doc, 'one', stamp(), undefined);
  const copy = structuredClone(doc);
  expect(isEmptyDelta(diffDocuments(doc, copy))).toBe(true);

  // A new phase record, a new event, and the events not in base's order: still only the new ones.
  const grown = markCompleted(structuredClone(doc), 'two', stamp(), undefined);
  const shuffled = { ...grown, events: [...grown.events].reverse() };
  for (const next of [grown, shuffled]) {
    const delta = diffDocuments(doc, next);
    expect(delta).toEqual({ phases: { two: grown.phases.two }, events: [grown.events.at(-1)] });
    expect(isEmptyDelta(delta)).toBe(false);
  }

  // Under the same stamp, different content (a hand-edited copy a merge preferred) is carried too.
  const edited = structuredClone(doc);
  edited.phases.one = { ...edited.phases.one!, reason: 'edited by hand' };
  edited.events[0] = { ...edited.events[0]!, message: 'edited by hand' };
  expect(diffDocuments(doc, edited)).toEqual({ phases: { one: edited.phases.one }, events: [edited.events[0]] });
});

test('the config and its source travel together: a change of either carries both', () => {
  let doc = newDoc(['one']);
  doc = setConfig(doc, stamp(), { fingerprint: 'f'.repeat(64), flags: {}, snapshot: { n: 1 } });
  const moved = { ...structuredClone(doc), source: { kind: 'pipeline' as const, file: 'elsewhere.yml' } };
  expect(diffDocuments(doc, moved)).toEqual({ source: moved.source, config: doc.config });
  const reconfigured = setConfig(doc, stamp(), { fingerprint: '0'.repeat(64), flags: {}, snapshot: { n: 2 } });
  const delta = diffDocuments(doc, reconfigured);
  expect(delta).toMatchObject({ source: doc.source, config: reconfigured.config });
  expect(delta.phases).toBeUndefined();
});

test('journal lines round-trip; a torn last line is ignored, a damaged one is located', () => {
  const doc = newDoc(['alpha']);
  const deltas = [
    diffDocuments(doc, markCompleted(doc, 'alpha', stamp(), undefined)),
    diffDocuments(doc, addNote(doc, stamp(), 'note', 'ünïcödé ✓')),
  ];
  const text = journalHeader('demo') + deltas.map(encodeJournalEntry).join('');
  expect(decodeJournal(text, 'j', 'demo')).toEqual({
    deltas,
    wholeBytes: Buffer.byteLength(text),
    lines: 3,
    torn: false,
  });
  const torn = decodeJournal(text + text.split('\n')[1]!.slice(0, 30), 'j', 'demo');
  expect(torn).toMatchObject({ deltas, wholeBytes: Buffer.byteLength(text), torn: true });
  const lines = text.split('\n');
  const damaged = [lines[0], lines[1]!.replace('completed', 'complete!'), lines[2], ''].join('\n');
  expect(() => decodeJournal(damaged, 'j', 'demo')).toThrow(/^j:2: the commit on this line does not match its checksum/);
  expect(() => decodeJournal(text, 'j', 'other')).toThrow(/j:1: is the journal of deployment "demo", not of "other"/);
});

test('journal lines are checked one by one: the header, the JSON and the delta’s shape, each named by its line', () => {
  const doc = newDoc(['alpha']);
  const entry = encodeJournalEntry(diffDocuments(doc, markCompleted(doc, 'alpha', stamp(), undefined)));
  const signed = (json: string) => `${sha256Hex(json).slice(0, entry.indexOf(' '))} ${json}\n`;
  const message = (text: string) => {
    try {
      decodeJournal(text, 'j', 'demo');
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the journal to be refused');
  };
  expect(message('# a comment, not the header\n' + entry)).toMatch(
    /^j:1: is not a k0rdent-deploy state journal \(its first line is not the journal header\)/,
  );
  expect(message(journalHeader('demo') + signed('{"phases": '))).toMatch(/^j:2: the commit on this line is not valid JSON/);
  expect(message(journalHeader('demo') + entry + signed('{"phases":{"alpha":{"status":"done"}}}'))).toMatch(/^j:3: phases\.alpha/);
  expect(message(journalHeader('demo') + signed('{"surprise":1}'))).toMatch(/^j:2: /);
  // A comment further down, and empty lines, are no commits; a journal read from its middle has no header.
  const decoded = decodeJournal(`${journalHeader('demo')}\n# note\n${entry}`, 'j', 'demo');
  expect(decoded).toMatchObject({ lines: 4, torn: false });
  expect(decoded.deltas).toHaveLength(1);
  const middle = decodeJournal(`# not a header here\n${entry}`, 'j', 'demo', 5);
  expect(middle).toMatchObject({ lines: 2, torn: false, wholeBytes: Buffer.byteLength(`# not a header here\n${entry}`) });
  // A torn line counts no bytes and no line; lines are counted from the first line given.
  const torn = decodeJournal(`${entry}${entry.slice(0, 20)}`, 'j', 'demo', 7);
  expect(torn).toMatchObject({ lines: 1, torn: true, wholeBytes: Buffer.byteLength(entry) });
});

test('a record that base does not have is new; a register that next lacks is no change (a delta only adds)', () => {
  const doc = newDoc(['one']);
  const withFact = setFact(doc, 'wireguard_port', 51820, stamp());
  expect(diffDocuments(doc, withFact)).toEqual({
    facts: { wireguard_port: withFact.facts.wireguard_port },
    events: withFact.events.slice(doc.events.length),
  });
  const configured = setConfig(doc, stamp(), { fingerprint: 'f'.repeat(64), flags: {}, snapshot: {} });
  const { source: _source, config: _config, ...bare } = configured;
  expect(isEmptyDelta(diffDocuments(configured, bare))).toBe(true);
});

test('the delta schema: names are snake_case, times may carry an offset', () => {
  expect(StateDeltaSchema.safeParse({ created_at: '2026-01-01T02:00:00+02:00' }).success).toBe(true);
  const bad = StateDeltaSchema.safeParse({ facts: { 'Not-A-Name': { hlc: stamp().hlc, updated_at: stamp().at, value: 1 } } });
  expect(bad.success).toBe(false);
  // zod reports a bad record key as an issue of the key, with the rule's message inside.
  expect(JSON.stringify(bad.error?.issues)).toContain('"message":"expected a snake_case name"');
});

test('replaying a delta moves the creation time only earlier', () => {
  const doc = { ...newDoc(['one']), created_at: '2026-01-02T00:00:00.000Z' };
  expect(mergeDeltas(doc, [{ created_at: '2026-01-03T00:00:00.000Z' }]).created_at).toBe(doc.created_at);
  expect(mergeDeltas(doc, [{ created_at: '2026-01-01T00:00:00.000Z' }]).created_at).toBe('2026-01-01T00:00:00.000Z');
});
