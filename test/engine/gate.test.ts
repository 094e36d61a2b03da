import { changedInputs, decide, type GatePhase } from '../../src/engine/gate.js';
import { PhaseGraph } from '../../src/graph/dag.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted, markFailed, markInProgress, markSkipped } from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

const graph = PhaseGraph.buildOrThrow([
  { name: 'base', needs: [] },
  { name: 'app', needs: ['base'] },
]);
const HASH = '1'.repeat(64);

function phase(overrides: Partial<GatePhase> = {}): GatePhase {
  return { name: 'app', runnerScoped: false, hasValidator: true, inputsHash: HASH, ...overrides };
}

function withBase(doc = newDoc(['base', 'app'])): StateDocument {
  return markCompleted(doc, 'base', stamp(), HASH);
}

function completedApp(inputsHash = HASH): StateDocument {
  return markCompleted(withBase(), 'app', stamp(), inputsHash);
}

describe('the gate', () => {
  test('a disabled optional phase is skipped with its reason; a completed one becomes skipped', () => {
    const off = phase({ disabledBecause: 'flag kof is off' });
    expect(decide(withBase(), graph, off)).toEqual({
      action: 'skip',
      reason: 'flag kof is off',
      record: 'skipped',
    });
    expect(decide(completedApp(), graph, off)).toMatchObject({ action: 'skip', record: 'skipped' });
    const skipped = markSkipped(withBase(), 'app', stamp(), 'flag kof is off');
    expect(decide(skipped, graph, off)).toMatchObject({ action: 'skip', record: 'none' });
  });

  test('a skipped phase that is enabled again runs', () => {
    const skipped = markSkipped(withBase(), 'app', stamp(), 'off');
    expect(decide(skipped, graph, phase())).toEqual({
      action: 'run',
      reason: 'enabled again after being skipped',
      reset: 'none',
    });
  });

  test('pending, interrupted and failed phases run, saying why', () => {
    expect(decide(withBase(), graph, phase())).toMatchObject({
      action: 'run',
      reason: 'not run yet',
      reset: 'none',
    });
    const interrupted = markInProgress(withBase(), 'app', stamp(), 'x');
    expect(decide(interrupted, graph, phase())).toMatchObject({
      action: 'run',
      reason: expect.stringMatching(/^interrupted in run r1 attempt 1/),
    });
    const failed = markFailed(withBase(), 'app', stamp(), { message: 'boom\ntrace', class: 'transient' });
    expect(decide(failed, graph, phase())).toMatchObject({
      action: 'run',
      reason: expect.stringMatching(/failed before.*: boom$/),
    });
  });

  test('a phase whose needs are not met is blocked', () => {
    expect(decide(newDoc(['base', 'app']), graph, phase())).toEqual({
      action: 'blocked',
      reason: 'waiting for base (pending)',
      waitingFor: ['base'],
    });
  });

  test('a completed phase whose inputs changed runs and resets its dependents', () => {
    expect(decide(completedApp('2'.repeat(64)), graph, phase())).toEqual({
      action: 'run',
      reason: 'inputs changed since it completed',
      reset: 'cascade',
    });
  });

  test('changed inputs are named: changed, added and removed keys', () => {
    const h = (n: number) => String(n).repeat(64);
    const done = markCompleted(withBase(), 'app', stamp(), h(2), { workers: h(3), name: h(4), old: h(5) });
    const now = phase({ inputHashes: { workers: h(6), name: h(4), region: h(7) } });
    expect(decide(done, graph, now)).toEqual({
      action: 'run',
      reason: 'inputs changed since it completed: old, region, workers',
      reset: 'cascade',
    });
    expect(changedInputs({ a: h(1) }, { a: h(1) })).toEqual([]);
    // A phase completed before per-input fingerprints were recorded: the change is not named.
    expect(changedInputs(undefined, { a: h(1) })).toEqual([]);
  });

  test('a completed phase is validated before it is skipped, and the evidence is recorded', () => {
    expect(decide(completedApp(), graph, phase())).toEqual({ action: 'validate' });
    expect(decide(completedApp(), graph, phase(), { ok: true, evidence: '3 VMs Succeeded' })).toEqual({
      action: 'skip',
      reason: 'completed and still true: 3 VMs Succeeded',
      record: 'evidence',
    });
  });

  test('failed validation runs the phase again: dependents reset, except for a runner-scoped phase', () => {
    const drift = { ok: false, evidence: 'vm k0s-worker-1 is missing' };
    expect(decide(completedApp(), graph, phase(), drift)).toEqual({
      action: 'run',
      reason: 'validation failed: vm k0s-worker-1 is missing',
      reset: 'cascade',
    });
    expect(decide(completedApp(), graph, phase({ runnerScoped: true }), drift)).toMatchObject({
      reset: 'self',
    });
  });

  test('a completed phase without a validator is trusted and says so', () => {
    expect(decide(completedApp(), graph, phase({ hasValidator: false }))).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/no validator/),
    });
  });

  test('force runs a completed phase without resetting its dependents', () => {
    expect(decide(completedApp(), graph, phase(), undefined, { force: true })).toEqual({
      action: 'run',
      reason: 'forced',
      reset: 'none',
    });
  });
});
