import { changedInputs, decide, type GatePhase } from '../../src/engine/gate.js';
import { PhaseGraph } from '../../src/graph/dag.js';
import type { PhaseRecord, StateDocument } from '../../src/state/schema.js';
import { markCompleted, markFailed, markInProgress, markSkipped } from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

const HASH = '1'.repeat(64);

function graph(): PhaseGraph {
  return PhaseGraph.buildOrThrow([
    { name: 'base', needs: [] },
    { name: 'side', needs: [] },
    { name: 'app', needs: ['base'] },
    { name: 'top', needs: ['base', 'side'] },
  ]);
}

function phase(overrides: Partial<GatePhase> = {}): GatePhase {
  return { name: 'app', runnerScoped: false, hasValidator: true, inputsHash: HASH, ...overrides };
}

function withBase(doc = newDoc(['base', 'side', 'app', 'top'])): StateDocument {
  return markCompleted(doc, 'base', stamp(), HASH);
}

function completedApp(inputsHash = HASH): StateDocument {
  return markCompleted(withBase(), 'app', stamp(), inputsHash);
}

/** A document whose `app` record is exactly `record` (as a migration or an older version wrote it). */
function withAppRecord(record: Omit<PhaseRecord, 'hlc' | 'updated_at' | 'attempts'>): StateDocument {
  const doc = withBase();
  const s = stamp();
  return { ...doc, phases: { ...doc.phases, app: { hlc: s.hlc, updated_at: s.at, attempts: 1, ...record } } };
}

describe('the gate', () => {
  test('a disabled optional phase is skipped with its reason; a completed one becomes skipped', () => {
    const off = phase({ disabledBecause: 'flag kof is off' });
    expect(decide(withBase(), graph(), off)).toEqual({
      action: 'skip',
      reason: 'flag kof is off',
      record: 'skipped',
    });
    expect(decide(completedApp(), graph(), off)).toEqual({
      action: 'skip',
      reason: 'flag kof is off; it was completed before, and what it built stays until a rollback undoes it',
      record: 'skipped',
    });
    const skipped = markSkipped(withBase(), 'app', stamp(), 'flag kof is off');
    expect(decide(skipped, graph(), off)).toEqual({
      action: 'skip',
      reason: 'flag kof is off',
      record: 'none',
    });
    // Off wins over everything else: unmet needs, force.
    const fresh = newDoc(['base', 'app']);
    expect(decide(fresh, graph(), off, undefined, { force: true })).toMatchObject({ action: 'skip' });
  });

  test('a skipped phase that is enabled again runs', () => {
    const skipped = markSkipped(withBase(), 'app', stamp(), 'off');
    expect(decide(skipped, graph(), phase())).toEqual({
      action: 'run',
      reason: 'enabled again after being skipped',
      reset: 'none',
    });
  });

  test('pending, interrupted and failed phases run, saying why', () => {
    expect(decide(withBase(), graph(), phase())).toEqual({
      action: 'run',
      reason: 'not run yet',
      reset: 'none',
    });
    const reset = { ...withBase(), phases: { ...withBase().phases } };
    delete reset.phases.app;
    expect(decide(reset, graph(), phase())).toEqual({ action: 'run', reason: 'not run yet', reset: 'none' });
    expect(decide(withAppRecord({ status: 'pending', reason: 'rolled back' }), graph(), phase())).toEqual({
      action: 'run',
      reason: 'rolled back',
      reset: 'none',
    });
    const interrupted = markInProgress(withBase(), 'app', stamp(), 'x');
    expect(decide(interrupted, graph(), phase())).toEqual({
      action: 'run',
      reason: 'interrupted in run r1 attempt 1 (job test)',
      reset: 'none',
    });
    const failed = markFailed(withBase(), 'app', stamp(), { message: 'boom\ntrace', class: 'transient' });
    expect(decide(failed, graph(), phase())).toEqual({
      action: 'run',
      reason: 'failed before in run r1 attempt 1 (job test): boom',
      reset: 'none',
    });
  });

  test('records without a run or an error (migrated ones) still give a reason', () => {
    expect(decide(withAppRecord({ status: 'in_progress' }), graph(), phase())).toEqual({
      action: 'run',
      reason: 'interrupted',
      reset: 'none',
    });
    expect(decide(withAppRecord({ status: 'failed' }), graph(), phase())).toEqual({
      action: 'run',
      reason: 'failed before: unknown error',
      reset: 'none',
    });
  });

  test('a phase whose needs are not met is blocked, naming each unmet need with its status', () => {
    expect(decide(newDoc(['base', 'app']), graph(), phase())).toEqual({
      action: 'blocked',
      reason: 'waiting for base (pending)',
      waitingFor: ['base'],
    });
    const failedBase = markFailed(newDoc(['base', 'side', 'top']), 'base', stamp(), {
      message: 'x',
      class: 'unknown',
    });
    expect(decide(failedBase, graph(), phase({ name: 'top' }), undefined, { force: true })).toEqual({
      action: 'blocked',
      reason: 'waiting for base (failed), side (pending)',
      waitingFor: ['base', 'side'],
    });
    // A skipped need is met.
    const skippedSide = markSkipped(withBase(), 'side', stamp(), 'off');
    expect(decide(skippedSide, graph(), phase({ name: 'top' }))).toMatchObject({ action: 'run' });
  });

  test('a completed phase whose inputs changed runs and resets its dependents', () => {
    expect(decide(completedApp('2'.repeat(64)), graph(), phase())).toEqual({
      action: 'run',
      reason: 'inputs changed since it completed',
      reset: 'cascade',
    });
  });

  test('changed inputs are named: changed, added and removed keys', () => {
    const h = (n: number) => String(n).repeat(64);
    const done = markCompleted(withBase(), 'app', stamp(), h(2), { workers: h(3), name: h(4), old: h(5) });
    const now = phase({ inputHashes: { workers: h(6), name: h(4), region: h(7) } });
    expect(decide(done, graph(), now)).toEqual({
      action: 'run',
      reason: 'inputs changed since it completed: old, region, workers',
      reset: 'cascade',
    });
    expect(changedInputs({ a: h(1) }, { a: h(1) })).toEqual([]);
    // A phase completed before per-input fingerprints were recorded: the change is not named.
    expect(changedInputs(undefined, { a: h(1) })).toEqual([]);
  });

  test('a completed phase with no recorded inputs hash (a migrated one) is validated, not re-run', () => {
    // Migrated deployments carry no hash: treating that as "changed" would re-run every phase.
    const migrated = withAppRecord({ status: 'completed' });
    expect(decide(migrated, graph(), phase())).toEqual({ action: 'validate' });
    expect(decide(migrated, graph(), phase({ hasValidator: false }))).toMatchObject({ action: 'skip' });
  });

  test('a completed phase is validated before it is skipped, and the evidence is recorded', () => {
    expect(decide(completedApp(), graph(), phase())).toEqual({ action: 'validate' });
    expect(decide(completedApp(), graph(), phase(), { ok: true, evidence: '3 VMs Succeeded' })).toEqual({
      action: 'skip',
      reason: 'completed and still true: 3 VMs Succeeded',
      record: 'evidence',
    });
  });

  test('failed validation runs the phase again: dependents reset, except for a runner-scoped phase', () => {
    const drift = { ok: false, evidence: 'vm k0s-worker-1 is missing' };
    expect(decide(completedApp(), graph(), phase(), drift)).toEqual({
      action: 'run',
      reason: 'validation failed: vm k0s-worker-1 is missing',
      reset: 'cascade',
    });
    expect(decide(completedApp(), graph(), phase({ runnerScoped: true }), drift)).toEqual({
      action: 'run',
      reason: 'validation failed: vm k0s-worker-1 is missing',
      reset: 'self',
    });
  });

  test('a completed phase without a validator is trusted and says so', () => {
    expect(decide(completedApp(), graph(), phase({ hasValidator: false }))).toEqual({
      action: 'skip',
      reason: 'completed (no validator to check it against reality)',
      record: 'none',
    });
  });

  test('force runs a completed phase without resetting its dependents, even with changed inputs', () => {
    expect(decide(completedApp(), graph(), phase(), undefined, { force: true })).toEqual({
      action: 'run',
      reason: 'forced',
      reset: 'none',
    });
    expect(decide(completedApp('2'.repeat(64)), graph(), phase(), undefined, { force: true })).toEqual({
      action: 'run',
      reason: 'forced',
      reset: 'none',
    });
    expect(decide(completedApp(), graph(), phase(), undefined, { force: false })).toEqual({
      action: 'validate',
    });
  });
});
