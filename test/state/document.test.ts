import {
  appendEvent,
  createDocument,
  GENESIS_STAMP,
  isSatisfied,
  lastUpdated,
  latestStamp,
  liveArtifacts,
  mayHaveBuilt,
  needsRun,
  reasonOf,
  statusOf,
} from '../../src/state/document.js';
import { formatHlc } from '../../src/state/hlc.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted, recordArtifact, recordEvidence, removeArtifact, setConfig, setFact } from '../../src/state/transitions.js';
import { newDoc, RUN, stamp } from '../support/state-arbitraries.js';

const at = (wall: number, counter = 0, node = 'n') => ({
  hlc: formatHlc({ wall, counter, node }),
  at: new Date(wall).toISOString(),
  run: RUN,
});
const T = Date.UTC(2026, 0, 1);

describe('state documents', () => {
  test('a new document: every phase pending with a stamp older than any change, and one creation event', () => {
    const created = at(T);
    const doc = createDocument({ deploymentId: 'demo', source: { kind: 'k0rdent' }, phases: ['a', 'b'] }, created);
    expect(doc).toStrictEqual({
      schema_version: 2,
      deployment_id: 'demo',
      created_at: created.at,
      source: { kind: 'k0rdent' },
      phases: {
        a: { status: 'pending', hlc: GENESIS_STAMP, updated_at: created.at, attempts: 0 },
        b: { status: 'pending', hlc: GENESIS_STAMP, updated_at: created.at, attempts: 0 },
      },
      artifacts: {},
      facts: {},
      events: [{ id: created.hlc, at: created.at, type: 'deployment_created', message: 'deployment demo created', run: RUN }],
    });
    expect(GENESIS_STAMP).toBe('1970-01-01T00:00:00.000Z#000000@genesis');
    expect(createDocument({ deploymentId: 'x', phases: [] }, created)).not.toHaveProperty('source');
  });

  test('status, satisfaction and need to run', () => {
    const doc = markCompleted(newDoc(['a', 'b']), 'a', stamp(), undefined);
    expect(statusOf(doc, 'a')).toBe('completed');
    expect(statusOf(doc, 'b')).toBe('pending');
    expect(statusOf(doc, 'never-heard-of')).toBe('pending');
    expect(['pending', 'in_progress', 'completed', 'skipped', 'failed'].map((s) => isSatisfied(s as never))).toEqual([
      false,
      false,
      true,
      true,
      false,
    ]);
    expect(needsRun(doc, 'a')).toBe(false);
    expect(needsRun(doc, 'b')).toBe(true);
  });

  test('the latest stamp is the greatest of every record, the config and the last event', () => {
    const base = createDocument({ deploymentId: 'demo', phases: ['a'] }, at(T));
    expect(latestStamp(base)).toBe(at(T).hlc);
    // Each kind of record in turn holds the greatest stamp (the event list's last one is older).
    const withPhase = { ...base, phases: { a: { ...base.phases.a!, hlc: at(T + 5).hlc } } };
    expect(latestStamp(withPhase)).toBe(at(T + 5).hlc);
    const artifact = recordArtifact(base, 'f', at(T + 6), { path: 'f', sha256: 'a'.repeat(64), size: 1, sensitive: false });
    expect(latestStamp({ ...artifact, events: base.events })).toBe(at(T + 6).hlc);
    const fact = setFact(base, 'k', 1, at(T + 7));
    expect(latestStamp({ ...fact, events: base.events })).toBe(at(T + 7).hlc);
    const config = setConfig(base, at(T + 8), { fingerprint: 'a'.repeat(64), flags: {}, snapshot: null });
    expect(latestStamp({ ...config, events: base.events })).toBe(at(T + 8).hlc);
    const event = appendEvent(base, { id: at(T + 9).hlc, at: at(T + 9).at, type: 'note', message: 'x' });
    expect(latestStamp(event)).toBe(at(T + 9).hlc);
    const empty: StateDocument = { ...base, phases: {}, events: [] };
    expect(latestStamp(empty)).toBeUndefined();
    // An older record after a newer one does not lower it.
    const mixed = { ...withPhase, phases: { ...withPhase.phases, b: { ...base.phases.a!, hlc: at(T + 1).hlc } } };
    expect(latestStamp(mixed)).toBe(at(T + 5).hlc);
  });

  test('last updated is the latest wall time of creation, any phase or the last event', () => {
    const base = createDocument({ deploymentId: 'demo', phases: ['a', 'b'] }, at(T));
    expect(lastUpdated({ ...base, events: [] })).toBe(at(T).at);
    const phase = markCompleted(base, 'b', at(T + 60_000), undefined);
    expect(lastUpdated({ ...phase, events: base.events })).toBe(at(T + 60_000).at);
    const older = { ...phase, phases: { ...phase.phases, a: { ...phase.phases.a!, updated_at: at(T + 1000).at } } };
    expect(lastUpdated({ ...older, events: base.events })).toBe(at(T + 60_000).at);
    const event = appendEvent(phase, { id: at(T + 120_000).hlc, at: at(T + 120_000).at, type: 'note', message: 'x' });
    expect(lastUpdated(event)).toBe(at(T + 120_000).at);
    const oldEvent = appendEvent(phase, { id: at(T + 2).hlc, at: at(T + 2).at, type: 'note', message: 'x' });
    expect(lastUpdated(oldEvent)).toBe(at(T + 60_000).at);
    // The newest phase wins wherever it stands among the phases.
    const first = markCompleted(base, 'a', at(T + 90_000), undefined);
    expect(lastUpdated({ ...first, events: base.events })).toBe(at(T + 90_000).at);
  });

  test('a phase may have built something when it completed, failed or ran, or was skipped after it started', () => {
    const T0 = at(T).at;
    const record = (status: string, extra: Record<string, string> = {}) =>
      ({ hlc: at(T).hlc, updated_at: T0, attempts: 1, status, ...extra }) as Parameters<typeof mayHaveBuilt>[0];
    expect(mayHaveBuilt(undefined)).toBe(false);
    expect(mayHaveBuilt(record('pending'))).toBe(false);
    expect(mayHaveBuilt(record('completed'))).toBe(true);
    expect(mayHaveBuilt(record('failed'))).toBe(true);
    expect(mayHaveBuilt(record('in_progress'))).toBe(true);
    expect(mayHaveBuilt(record('skipped'))).toBe(false);
    expect(mayHaveBuilt(record('skipped', { started_at: T0 }))).toBe(true);
    expect(mayHaveBuilt(record('skipped', { completed_at: T0 }))).toBe(true);
    // A pending record keeps no start, but one written by hand might: pending never built anything.
    expect(mayHaveBuilt(record('pending', { started_at: T0, completed_at: T0 }))).toBe(false);
  });

  test('live artifacts are the ones not removed, by name', () => {
    let doc = newDoc(['a']);
    for (const name of ['zeta', 'alpha', 'mid'])
      doc = recordArtifact(doc, name, stamp(), { path: name, sha256: 'a'.repeat(64), size: 1, sensitive: false });
    doc = removeArtifact(doc, 'mid', stamp(), 'gone');
    expect(liveArtifacts(doc).map(([name]) => name)).toEqual(['alpha', 'zeta']);
  });

  test('the reason of a record is its reason, else its evidence', () => {
    expect(reasonOf(undefined)).toBeUndefined();
    const doc = markCompleted(newDoc(['a']), 'a', stamp(), undefined);
    expect(reasonOf(doc.phases.a)).toBeUndefined();
    expect(reasonOf(recordEvidence(doc, 'a', stamp(), 'still there').phases.a)).toBe('still there');
    expect(reasonOf({ ...doc.phases.a!, reason: 'why', evidence: { checked_at: at(T).at, summary: 'x' } })).toBe('why');
  });
});
