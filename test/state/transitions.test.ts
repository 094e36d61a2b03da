import fc from 'fast-check';
import { PhaseGraph } from '../../src/graph/dag.js';
import type { Stamp } from '../../src/state/document.js';
import { needsRun, statusOf } from '../../src/state/document.js';
import { PHASE_STATUSES, type RunRef, type StateDocument } from '../../src/state/schema.js';
import {
  addNote,
  markCompleted,
  markFailed,
  markInProgress,
  markPending,
  markSkipped,
  recordArtifact,
  recordEvidence,
  removeArtifact,
  resetFrom,
  resetReason,
  setConfig,
  setFact,
} from '../../src/state/transitions.js';
import { propertyRuns } from '../support/property-runs.js';
import { newDoc, RUN, stamp } from '../support/state-arbitraries.js';

const phases = ['prepare', 'network', 'vms', 'vpn', 'k0s', 'addons', 'docs'];
const HASH = 'a'.repeat(64);
const OTHER_RUN = { run_id: 'r2', attempt: 3, job: 'retry', actor: 'someone' };

/** docs is an unrelated branch; addons needs k0s; vms needs prepare and network. */
function graph(): PhaseGraph {
  return PhaseGraph.buildOrThrow([
    { name: 'prepare', needs: [] },
    { name: 'network', needs: ['prepare'] },
    { name: 'vms', needs: ['prepare', 'network'] },
    { name: 'vpn', needs: ['vms'] },
    { name: 'k0s', needs: ['vms', 'vpn'] },
    { name: 'addons', needs: ['k0s'] },
    { name: 'docs', needs: ['prepare'] },
  ]);
}

function completedAll(): StateDocument {
  let doc = newDoc(phases);
  for (const phase of phases)
    doc = markCompleted(markInProgress(doc, phase, stamp(), 'go'), phase, stamp(), HASH);
  return doc;
}

let seconds = 0;
/** A stamp a second after the last one, so that each change's time is told apart from the others. */
function stampOf(run: RunRef = RUN): Stamp {
  return { ...stamp(Date.UTC(2026, 0, 2) + ++seconds * 1000), run };
}

describe('phase transitions', () => {
  test('in_progress counts the attempt, records the run and keeps the inputs hash it completed with', () => {
    const first = stampOf();
    let doc = markInProgress(newDoc(phases), 'prepare', first, 'not run yet');
    expect(doc.phases.prepare).toStrictEqual({
      status: 'in_progress',
      hlc: first.hlc,
      updated_at: first.at,
      started_at: first.at,
      attempts: 1,
      reason: 'not run yet',
      last_run: RUN,
    });
    doc = markCompleted(doc, 'prepare', stamp(), HASH);
    const again = stampOf(OTHER_RUN);
    doc = markInProgress(doc, 'prepare', again, 'validation failed');
    expect(doc.phases.prepare).toStrictEqual({
      status: 'in_progress',
      hlc: again.hlc,
      updated_at: again.at,
      started_at: again.at,
      attempts: 2,
      reason: 'validation failed',
      inputs_hash: HASH,
      last_run: OTHER_RUN,
    });
    expect(doc.events.at(-1)).toStrictEqual({
      id: again.hlc,
      at: again.at,
      type: 'phase_started',
      phase: 'prepare',
      message: 'started: validation failed',
      run: OTHER_RUN,
    });
  });

  test('the fingerprint of each input is recorded on completion and kept through every later status', () => {
    const hashes = { location: 'b'.repeat(64), vms: 'c'.repeat(64) };
    let doc = markCompleted(markInProgress(newDoc(phases), 'vms', stamp(), 'go'), 'vms', stamp(), HASH, hashes);
    expect(doc.phases.vms).toMatchObject({ inputs_hash: HASH, input_hashes: hashes });
    // Kept as a copy: the caller's object may change afterwards.
    expect(doc.phases.vms!.input_hashes).not.toBe(hashes);
    doc = markInProgress(doc, 'vms', stamp(), 'validation failed');
    expect(doc.phases.vms).toMatchObject({ status: 'in_progress', inputs_hash: HASH, input_hashes: hashes });
    doc = markFailed(doc, 'vms', stamp(), { message: 'boom', class: 'transient' });
    expect(doc.phases.vms).toMatchObject({ status: 'failed', inputs_hash: HASH, input_hashes: hashes });
    doc = resetFrom(doc, graph(), 'vms', stamp(), 'again').doc;
    expect(doc.phases.vms).toMatchObject({ status: 'pending', inputs_hash: HASH, input_hashes: hashes });
    // No fingerprints (no inputs, or inputs that are not a mapping): none recorded.
    const none = markCompleted(newDoc(phases), 'docs', stamp(), HASH, {});
    expect(none.phases.docs).not.toHaveProperty('input_hashes');
    expect(markCompleted(newDoc(phases), 'docs', stamp(), HASH).phases.docs).not.toHaveProperty('input_hashes');
    const one = markCompleted(newDoc(phases), 'docs', stamp(), HASH, { only: HASH });
    expect(one.phases.docs!.input_hashes).toEqual({ only: HASH });
  });

  test('completed keeps when it started, records the inputs and the run, and clears reason and error', () => {
    const started = stampOf();
    let doc = markFailed(newDoc(phases), 'vms', stamp(), { message: 'boom', class: 'transient' });
    doc = markInProgress(doc, 'vms', started, 'failed before');
    const done = stampOf(OTHER_RUN);
    doc = markCompleted(doc, 'vms', done, HASH);
    expect(doc.phases.vms).toStrictEqual({
      status: 'completed',
      hlc: done.hlc,
      updated_at: done.at,
      started_at: started.at,
      completed_at: done.at,
      attempts: 1,
      inputs_hash: HASH,
      last_run: OTHER_RUN,
    });
    expect(doc.events.at(-1)).toStrictEqual({
      id: done.hlc,
      at: done.at,
      type: 'phase_completed',
      phase: 'vms',
      message: 'completed',
      run: OTHER_RUN,
    });
    // Completed without a hash (a phase with no inputs) records none, and never started records no start.
    const bare = markCompleted(newDoc(phases), 'docs', done, undefined).phases.docs;
    expect(bare).not.toHaveProperty('inputs_hash');
    expect(bare).not.toHaveProperty('started_at');
  });

  test('failed keeps the classified error, a one-line reason, the start, the run and the inputs hash', () => {
    const started = stampOf();
    let doc = markCompleted(newDoc(phases), 'vms', stamp(), HASH);
    doc = markInProgress(doc, 'vms', started, 'again');
    const failed = stampOf(OTHER_RUN);
    const error = { message: 'quota exceeded\nmore detail', class: 'quota' as const, exit_code: 1 };
    doc = markFailed(doc, 'vms', failed, error);
    expect(doc.phases.vms).toStrictEqual({
      status: 'failed',
      hlc: failed.hlc,
      updated_at: failed.at,
      started_at: started.at,
      attempts: 1,
      reason: 'failed (quota): quota exceeded',
      error,
      inputs_hash: HASH,
      last_run: OTHER_RUN,
    });
    expect(doc.events.at(-1)).toStrictEqual({
      id: failed.hlc,
      at: failed.at,
      type: 'phase_failed',
      phase: 'vms',
      message: 'quota exceeded',
      run: OTHER_RUN,
      data: { class: 'quota', exit_code: 1 },
    });
    expect(needsRun(doc, 'vms')).toBe(true);
    // No exit code: none in the event; no earlier start or hash: none in the record.
    const plain = markFailed(newDoc(phases), 'docs', failed, { message: 'x', class: 'unknown' });
    expect(plain.events.at(-1)?.data).toStrictEqual({ class: 'unknown' });
    expect(Object.keys(plain.phases.docs!).sort()).toEqual(
      ['attempts', 'error', 'hlc', 'last_run', 'reason', 'status', 'updated_at'].sort(),
    );
  });

  test('a failure reason and event keep the first line, cut to 300 characters', () => {
    const fits = 'x'.repeat(300);
    const long = 'y'.repeat(301);
    const doc = markFailed(newDoc(phases), 'vms', stamp(), { message: `${fits}\nsecond`, class: 'unknown' });
    expect(doc.phases.vms?.reason).toBe(`failed (unknown): ${fits}`);
    const cut = markFailed(newDoc(phases), 'vms', stamp(), { message: long, class: 'config' });
    expect(cut.phases.vms?.reason).toBe(`failed (config): ${'y'.repeat(297)}...`);
    expect(cut.events.at(-1)?.message).toBe(`${'y'.repeat(297)}...`);
    // The full message stays in the error.
    expect(cut.phases.vms?.error?.message).toBe(long);
    expect(markFailed(newDoc(phases), 'vms', stamp(), { message: '', class: 'unknown' }).phases.vms?.reason).toBe(
      'failed (unknown): ',
    );
  });

  test('skipped carries its reason and attempts, and what a run started; skipped and completed satisfy needs', () => {
    const started = stampOf();
    let doc = markInProgress(newDoc(phases), 'addons', started, 'x');
    const skipped = stampOf();
    doc = markSkipped(doc, 'addons', skipped, 'flag kof is off');
    // A phase that ran before it was switched off keeps when and by whom: a rollback still undoes it.
    expect(doc.phases.addons).toStrictEqual({
      status: 'skipped',
      hlc: skipped.hlc,
      updated_at: skipped.at,
      attempts: 1,
      reason: 'flag kof is off',
      started_at: started.at,
      last_run: RUN,
    });
    expect(doc.events.at(-1)).toStrictEqual({
      id: skipped.hlc,
      at: skipped.at,
      type: 'phase_skipped',
      phase: 'addons',
      message: 'flag kof is off',
      run: RUN,
    });
    expect(needsRun(doc, 'addons')).toBe(false);
    expect(needsRun(completedAll(), 'k0s')).toBe(false);
  });

  test('a completed phase switched off keeps when it completed and the inputs it completed with', () => {
    const started = stampOf();
    const completed = stampOf();
    const skipped = stampOf();
    let doc = markInProgress(newDoc(phases), 'addons', started, 'x');
    doc = markCompleted(doc, 'addons', completed, HASH);
    doc = markSkipped(doc, 'addons', skipped, 'flag kof is off');
    expect(doc.phases.addons).toMatchObject({
      status: 'skipped',
      started_at: started.at,
      completed_at: completed.at,
      inputs_hash: HASH,
      last_run: RUN,
    });
  });

  test('pending keeps the attempts, the inputs hash and the last run, and says why', () => {
    let doc = markInProgress(newDoc(phases), 'vms', stampOf(OTHER_RUN), 'x');
    doc = markCompleted(doc, 'vms', stampOf(OTHER_RUN), HASH);
    const reset = stampOf();
    doc = markPending(doc, 'vms', reset, 'tunnel missing');
    expect(doc.phases.vms).toStrictEqual({
      status: 'pending',
      hlc: reset.hlc,
      updated_at: reset.at,
      attempts: 1,
      reason: 'tunnel missing',
      inputs_hash: HASH,
      last_run: OTHER_RUN,
    });
    expect(doc.events.at(-1)).toStrictEqual({
      id: reset.hlc,
      at: reset.at,
      type: 'phase_reset',
      phase: 'vms',
      message: 'reset vms: tunnel missing',
      run: RUN,
      data: { phases: ['vms'] },
    });
  });

  test('a phase the state has no record of yet (added to the pipeline later) goes through every transition', () => {
    const doc = newDoc(['prepare']);
    const s = stampOf();
    expect(markInProgress(doc, 'late', s, 'new').phases.late).toStrictEqual({
      status: 'in_progress',
      hlc: s.hlc,
      updated_at: s.at,
      started_at: s.at,
      attempts: 1,
      reason: 'new',
      last_run: RUN,
    });
    expect(markCompleted(doc, 'late', s, undefined).phases.late).toStrictEqual({
      status: 'completed',
      hlc: s.hlc,
      updated_at: s.at,
      completed_at: s.at,
      attempts: 0,
      last_run: RUN,
    });
    expect(markFailed(doc, 'late', s, { message: 'x', class: 'unknown' }).phases.late?.attempts).toBe(0);
    expect(markSkipped(doc, 'late', s, 'off').phases.late?.attempts).toBe(0);
    expect(markPending(doc, 'late', s, 'why').phases.late).toStrictEqual({
      status: 'pending',
      hlc: s.hlc,
      updated_at: s.at,
      attempts: 0,
      reason: 'why',
    });
    // Reset from it: it has no record, so it counts as pending and nothing is reset.
    const g = PhaseGraph.buildOrThrow([
      { name: 'prepare', needs: [] },
      { name: 'late', needs: ['prepare'] },
    ]);
    expect(resetFrom(doc, g, 'late', s, 'x')).toStrictEqual({ doc, reset: [] });
  });

  test('each transition appends exactly one event, stamped with the change', () => {
    let doc = newDoc(phases);
    const s = stamp();
    const before = doc.events.length;
    doc = markInProgress(doc, 'prepare', s, 'x');
    expect(doc.events).toHaveLength(before + 1);
    expect(doc.events.at(-1)).toMatchObject({ id: s.hlc, type: 'phase_started', phase: 'prepare' });
    doc = markCompleted(doc, 'prepare', stamp(), undefined);
    expect(doc.events.filter((e) => e.type === 'phase_completed')).toHaveLength(1);
  });

  test('evidence is recorded on a completed phase only, without an event', () => {
    const doc = completedAll();
    const checked = stampOf();
    const after = recordEvidence(doc, 'vms', checked, 'all 5 VMs Succeeded');
    expect(after.phases.vms).toStrictEqual({
      ...doc.phases.vms,
      hlc: checked.hlc,
      updated_at: checked.at,
      evidence: { checked_at: checked.at, summary: 'all 5 VMs Succeeded' },
    });
    expect(after.events).toBe(doc.events);
    expect(() => recordEvidence(newDoc(phases), 'vms', stamp(), 'x')).toThrow(
      'cannot record evidence for vms: it is not completed',
    );
    expect(() => recordEvidence(newDoc(phases), 'ghost', stamp(), 'x')).toThrow(/not completed/);
  });

  test('artifacts are recorded with checksum and size; removal leaves a tombstone', () => {
    const recorded = stampOf();
    let doc = recordArtifact(newDoc(phases), 'kubeconfig', recorded, {
      path: 'state/kubeconfig',
      sha256: 'b'.repeat(64),
      size: 12,
      phase: 'k0s',
      sensitive: true,
      metadata: { host: 'hub' },
    });
    expect(doc.artifacts.kubeconfig).toStrictEqual({
      hlc: recorded.hlc,
      updated_at: recorded.at,
      path: 'state/kubeconfig',
      sha256: 'b'.repeat(64),
      size: 12,
      phase: 'k0s',
      sensitive: true,
      metadata: { host: 'hub' },
    });
    expect(doc.events.at(-1)).toStrictEqual({
      id: recorded.hlc,
      at: recorded.at,
      type: 'artifact_recorded',
      phase: 'k0s',
      message: 'artifact kubeconfig recorded (12 bytes)',
      run: RUN,
      data: { artifact: 'kubeconfig' },
    });
    const removed = stampOf();
    doc = removeArtifact(doc, 'kubeconfig', removed, 'rolled back');
    expect(doc.artifacts.kubeconfig).toMatchObject({ removed: true, hlc: removed.hlc, updated_at: removed.at, size: 12 });
    expect(doc.events.at(-1)).toStrictEqual({
      id: removed.hlc,
      at: removed.at,
      type: 'artifact_removed',
      phase: 'k0s',
      message: 'artifact kubeconfig removed: rolled back',
      run: RUN,
      data: { artifact: 'kubeconfig' },
    });
    expect(removeArtifact(doc, 'kubeconfig', stamp(), 'again')).toBe(doc);
    expect(removeArtifact(doc, 'never_recorded', stamp(), 'x')).toBe(doc);
    // Without phase or metadata, the record has neither.
    const plain = recordArtifact(newDoc(phases), 'notes', stamp(), {
      path: 'notes.txt',
      sha256: 'c'.repeat(64),
      size: 1,
      sensitive: false,
    });
    expect(plain.artifacts.notes).not.toHaveProperty('phase');
    expect(plain.artifacts.notes).not.toHaveProperty('metadata');
    expect(plain.events.at(-1)).not.toHaveProperty('phase');
  });

  test('facts, notes and the config are recorded with one event each', () => {
    const factStamp = stampOf();
    let doc = setFact(newDoc(phases), 'vm_states', { hub: 'Succeeded' }, factStamp, 'vms');
    expect(doc.facts.vm_states).toEqual({ hlc: factStamp.hlc, updated_at: factStamp.at, value: { hub: 'Succeeded' } });
    expect(doc.events.at(-1)).toStrictEqual({
      id: factStamp.hlc,
      at: factStamp.at,
      type: 'fact_recorded',
      phase: 'vms',
      message: 'recorded vm_states',
      run: RUN,
    });
    const note = stampOf();
    doc = addNote(doc, note, 'rollback_started', 'rollback to vms', 'vms', { phases: ['vms'] });
    expect(doc.events.at(-1)).toStrictEqual({
      id: note.hlc,
      at: note.at,
      type: 'rollback_started',
      phase: 'vms',
      message: 'rollback to vms',
      run: RUN,
      data: { phases: ['vms'] },
    });
    const configured = stampOf();
    const config = { fingerprint: '0123456789abcdef'.repeat(4), flags: { kof: true }, snapshot: { a: 1 } };
    doc = setConfig(doc, configured, config, { kind: 'pipeline', file: 'new.yml' });
    expect(doc.config).toEqual({ hlc: configured.hlc, updated_at: configured.at, ...config });
    expect(doc.source).toEqual({ kind: 'pipeline', file: 'new.yml' });
    expect(doc.events.at(-1)).toStrictEqual({
      id: configured.hlc,
      at: configured.at,
      type: 'note',
      message: 'configuration recorded (fingerprint 0123456789ab)',
      run: RUN,
      data: { flags: { kof: true } },
    });
    // Without a source, the recorded one stays.
    expect(setConfig(doc, stamp(), config).source).toEqual({ kind: 'pipeline', file: 'new.yml' });
  });
});

describe('resetFrom', () => {
  test('resets the phase and its transitive dependents, nothing upstream, nothing unrelated', () => {
    const before = completedAll();
    const s = stampOf();
    const { doc, reset } = resetFrom(before, graph(), 'vms', s, 'validation failed');
    expect(reset).toEqual(['vms', 'vpn', 'k0s', 'addons']);
    for (const phase of ['prepare', 'network', 'docs']) expect(doc.phases[phase]).toBe(before.phases[phase]);
    for (const phase of reset) {
      expect(doc.phases[phase]).toStrictEqual({
        status: 'pending',
        hlc: s.hlc,
        updated_at: s.at,
        attempts: 1,
        reason: 'validation failed',
        inputs_hash: HASH,
        last_run: RUN,
      });
    }
    // One event for the whole reset, on the phase it started from.
    expect(doc.events.length).toBe(before.events.length + 1);
    expect(doc.events.at(-1)).toStrictEqual({
      id: s.hlc,
      at: s.at,
      type: 'phase_reset',
      phase: 'vms',
      message: 'reset vms, vpn, k0s, addons: validation failed',
      run: RUN,
      data: { phases: ['vms', 'vpn', 'k0s', 'addons'] },
    });
  });

  test('leaves phases that are already pending alone', () => {
    let doc = completedAll();
    doc = markPending(doc, 'k0s', stamp(), 'earlier');
    const { doc: after, reset } = resetFrom(doc, graph(), 'vpn', stamp(), 'x');
    expect(reset).toEqual(['vpn', 'addons']);
    expect(after.phases.k0s).toBe(doc.phases.k0s);
  });

  test('is a no-op (same document) when everything affected is already pending', () => {
    const doc = newDoc(phases);
    expect(resetFrom(doc, graph(), 'vms', stamp(), 'x')).toEqual({ doc, reset: [] });
    expect(resetFrom(doc, graph(), 'vms', stamp(), 'x').doc).toBe(doc);
  });

  test('the reason names the phase that runs again', () => {
    expect(resetReason('vms', 'inputs changed')).toBe('reset because vms runs again: inputs changed');
  });

  test('never touches a phase outside the reset phase and its dependents (property)', () => {
    const g = graph();
    const statusArb = fc.constantFrom(...PHASE_STATUSES);
    fc.assert(
      fc.property(
        fc.array(statusArb, { minLength: phases.length, maxLength: phases.length }),
        fc.constantFrom(...phases),
        (statuses, from) => {
          let doc = newDoc(phases);
          phases.forEach((phase, i) => {
            const status = statuses[i]!;
            if (status === 'completed') doc = markCompleted(doc, phase, stamp(), undefined);
            if (status === 'in_progress') doc = markInProgress(doc, phase, stamp(), 'x');
            if (status === 'failed') doc = markFailed(doc, phase, stamp(), { message: 'x', class: 'unknown' });
            if (status === 'skipped') doc = markSkipped(doc, phase, stamp(), 'x');
            if (status === 'pending') doc = markPending(doc, phase, stamp(), 'x');
          });
          const after = resetFrom(doc, g, from, stamp(), 'property').doc;
          const affected = new Set([from, ...g.dependentsOf(from)]);
          for (const phase of phases) {
            if (affected.has(phase)) expect(statusOf(after, phase)).toBe('pending');
            else expect(after.phases[phase]).toEqual(doc.phases[phase]);
          }
        },
      ),
      propertyRuns(300),
    );
  });
});
