import fc from 'fast-check';
import { PhaseGraph } from '../../src/graph/dag.js';
import { needsRun, statusOf } from '../../src/state/document.js';
import { PHASE_STATUSES, type StateDocument } from '../../src/state/schema.js';
import {
  markCompleted,
  markFailed,
  markInProgress,
  markPending,
  markSkipped,
  recordArtifact,
  recordEvidence,
  removeArtifact,
  resetFrom,
} from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

const phases = ['prepare', 'network', 'vms', 'vpn', 'k0s', 'addons', 'docs'];
// docs is an unrelated branch; addons needs k0s; vms needs prepare and network.
const graph = PhaseGraph.buildOrThrow([
  { name: 'prepare', needs: [] },
  { name: 'network', needs: ['prepare'] },
  { name: 'vms', needs: ['prepare', 'network'] },
  { name: 'vpn', needs: ['vms'] },
  { name: 'k0s', needs: ['vms', 'vpn'] },
  { name: 'addons', needs: ['k0s'] },
  { name: 'docs', needs: ['prepare'] },
]);

function completedAll(): StateDocument {
  let doc = newDoc(phases);
  for (const phase of phases) doc = markCompleted(markInProgress(doc, phase, stamp(), 'go'), phase, stamp(), undefined);
  return doc;
}

describe('phase transitions', () => {
  test('in_progress counts the attempt and records the run; completed records the inputs', () => {
    let doc = markInProgress(newDoc(phases), 'prepare', stamp(), 'not run yet');
    expect(doc.phases.prepare).toMatchObject({ status: 'in_progress', attempts: 1, last_run: { run_id: 'r1' } });
    doc = markCompleted(doc, 'prepare', stamp(), 'a'.repeat(64));
    expect(doc.phases.prepare).toMatchObject({ status: 'completed', attempts: 1, inputs_hash: 'a'.repeat(64) });
    expect(doc.phases.prepare?.completed_at).toBeDefined();
    doc = markInProgress(doc, 'prepare', stamp(), 'again');
    expect(doc.phases.prepare?.attempts).toBe(2);
  });

  test('failed keeps the classified error and a one-line reason', () => {
    const doc = markFailed(newDoc(phases), 'vms', stamp(), { message: 'quota exceeded\nmore detail', class: 'quota', exit_code: 1 });
    expect(doc.phases.vms).toMatchObject({ status: 'failed', error: { class: 'quota', exit_code: 1 } });
    expect(doc.phases.vms?.reason).toBe('failed (quota): quota exceeded');
    expect(needsRun(doc, 'vms')).toBe(true);
  });

  test('skipped carries its reason; skipped and completed satisfy needs', () => {
    const doc = markSkipped(newDoc(phases), 'addons', stamp(), 'flag kof is off');
    expect(doc.phases.addons).toMatchObject({ status: 'skipped', reason: 'flag kof is off' });
    expect(needsRun(doc, 'addons')).toBe(false);
    expect(needsRun(completedAll(), 'k0s')).toBe(false);
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

  test('evidence is recorded on a completed phase only', () => {
    const doc = recordEvidence(completedAll(), 'vms', stamp(), 'all 5 VMs Succeeded');
    expect(doc.phases.vms?.evidence?.summary).toBe('all 5 VMs Succeeded');
    expect(() => recordEvidence(newDoc(phases), 'vms', stamp(), 'x')).toThrow(/not completed/);
  });

  test('artifacts are recorded with checksum and size; removal leaves a tombstone', () => {
    let doc = recordArtifact(newDoc(phases), 'kubeconfig', stamp(), {
      path: 'state/kubeconfig',
      sha256: 'b'.repeat(64),
      size: 12,
      phase: 'k0s',
      sensitive: true,
    });
    expect(doc.artifacts.kubeconfig).toMatchObject({ path: 'state/kubeconfig', size: 12, sensitive: true, phase: 'k0s' });
    doc = removeArtifact(doc, 'kubeconfig', stamp(), 'rolled back');
    expect(doc.artifacts.kubeconfig?.removed).toBe(true);
    expect(removeArtifact(doc, 'kubeconfig', stamp(), 'again')).toBe(doc);
  });
});

describe('resetFrom', () => {
  test('resets the phase and its transitive dependents, nothing upstream, nothing unrelated', () => {
    const { doc, reset } = resetFrom(completedAll(), graph, 'vms', stamp(), 'validation failed');
    expect(reset).toEqual(['vms', 'vpn', 'k0s', 'addons']);
    for (const phase of ['prepare', 'network', 'docs']) expect(statusOf(doc, phase)).toBe('completed');
    for (const phase of reset) expect(doc.phases[phase]).toMatchObject({ status: 'pending', reason: 'validation failed' });
  });

  test('is a no-op (same document) when everything affected is already pending', () => {
    const doc = newDoc(phases);
    expect(resetFrom(doc, graph, 'vms', stamp(), 'x').doc).toBe(doc);
  });

  test('never touches a phase outside the reset phase and its dependents (property)', () => {
    const statusArb = fc.constantFrom(...PHASE_STATUSES);
    fc.assert(
      fc.property(fc.array(statusArb, { minLength: phases.length, maxLength: phases.length }), fc.constantFrom(...phases), (statuses, from) => {
        let doc = newDoc(phases);
        phases.forEach((phase, i) => {
          const status = statuses[i]!;
          if (status === 'completed') doc = markCompleted(doc, phase, stamp(), undefined);
          if (status === 'in_progress') doc = markInProgress(doc, phase, stamp(), 'x');
          if (status === 'failed') doc = markFailed(doc, phase, stamp(), { message: 'x', class: 'unknown' });
          if (status === 'skipped') doc = markSkipped(doc, phase, stamp(), 'x');
          if (status === 'pending') doc = markPending(doc, phase, stamp(), 'x');
        });
        const after = resetFrom(doc, graph, from, stamp(), 'property').doc;
        const affected = new Set([from, ...graph.dependentsOf(from)]);
        for (const phase of phases) {
          if (affected.has(phase)) expect(statusOf(after, phase)).toBe('pending');
          else expect(after.phases[phase]).toEqual(doc.phases[phase]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
