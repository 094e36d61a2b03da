import { allPending, resetDeployment } from '../../src/engine/reset.js';
import { planRollback, rollbackDeployment, type RollbackOptions } from '../../src/engine/rollback.js';
import { runDeployment } from '../../src/engine/run.js';
import { requirePhase, selectPhases } from '../../src/engine/select.js';
import { PhaseFailedError, UserError } from '../../src/errors.js';
import type { StateDocument } from '../../src/state/schema.js';
import {
  markCompleted,
  markFailed,
  markInProgress,
  markSkipped,
  recordArtifact,
} from '../../src/state/transitions.js';
import { holds, testDeployment, type PhaseSpec, type TestDeployment } from '../support/deployments.js';
import { engineBench, type EngineBench } from '../support/engine.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

let bench: EngineBench;
beforeEach(() => {
  bench = engineBench();
});
afterEach(() => bench.remove());

const undo = () => undefined;

/** a ← b ← c ← d, and e (needs a) beside them; every phase can be undone. */
function line(overrides: Partial<Record<string, Partial<PhaseSpec>>> = {}): TestDeployment {
  return testDeployment(
    [
      { name: 'a', rollback: undo, validate: holds },
      { name: 'b', needs: ['a'], rollback: undo, validate: holds },
      { name: 'c', needs: ['b'], rollback: undo, validate: holds },
      { name: 'd', needs: ['c'], rollback: undo, validate: holds },
      { name: 'e', needs: ['a'], rollback: undo, validate: holds },
    ].map((spec) => ({ ...spec, ...overrides[spec.name] })),
  );
}

/** Runs `deployment` to the end, then rolls it back with `options`. */
async function deployThenRollBack(deployment: TestDeployment, options: RollbackOptions) {
  const session = await bench.open(deployment);
  try {
    await runDeployment(session, deployment, bench.reporter);
    deployment.calls.length = 0;
    bench.reporter.lines.length = 0;
    return await rollbackDeployment(session, deployment, bench.reporter, options);
  } finally {
    await session.close();
  }
}

function statuses(doc: StateDocument): string {
  return Object.entries(doc.phases)
    .map(([name, record]) => `${name}:${record.status}`)
    .join(' ');
}

describe('planRollback', () => {
  test('lists the phase and everything after it that is not pending, newest first', () => {
    const deployment = line({ c: { rollback: undefined } });
    let doc = newDoc(['a', 'b', 'c', 'd', 'e']);
    doc = markCompleted(doc, 'a', stamp(), undefined);
    doc = markCompleted(doc, 'b', stamp(), undefined);
    doc = markFailed(doc, 'c', stamp(), { message: 'x', class: 'unknown' });
    doc = markInProgress(doc, 'e', stamp(), 'x');
    expect(planRollback(doc, deployment, 'b', true)).toEqual([
      { phase: 'c', displayName: 'Phase c', status: 'failed', action: 'reset' },
      { phase: 'b', displayName: 'Phase b', status: 'completed', action: 'undo' },
    ]);
    expect(planRollback(doc, deployment, 'a', true).map((s) => `${s.phase}:${s.action}`)).toEqual([
      'e:undo',
      'c:reset',
      'b:undo',
      'a:undo',
    ]);
    // Without destroy nothing is undone; a skipped phase built nothing.
    expect(planRollback(doc, deployment, 'a', false).map((s) => s.action)).toEqual([
      'reset',
      'reset',
      'reset',
      'reset',
    ]);
    const skipped = markSkipped(doc, 'e', stamp(), 'off');
    // Switched off after it completed: what it built is still there, so it is undone.
    expect(planRollback(skipped, deployment, 'e', true)).toEqual([
      { phase: 'e', displayName: 'Phase e', status: 'skipped', action: 'undo' },
    ]);
    expect(() => planRollback(doc, deployment, 'zz', true)).toThrow(
      new UserError('"zz" is not a phase of deployment demo; phases are: a, b, c, d, e'),
    );
  });
});

describe('rollbackDeployment', () => {
  test('with destroy: undoes newest first, resets each phase as soon as its undo succeeds, and removes its artifacts', async () => {
    const pendingWhenUndone: string[] = [];
    const deployment = line({
      b: {
        run: (context) =>
          context.state.update((doc, s) =>
            recordArtifact(doc, 'b_file', s, {
              path: 'b.txt',
              sha256: 'b'.repeat(64),
              size: 1,
              phase: 'b',
              sensitive: false,
            }),
          ),
      },
      c: {
        rollback: (context) => {
          pendingWhenUndone.push(statuses(context.state.read()));
        },
      },
    });
    const summary = await deployThenRollBack(deployment, { to: 'b', destroy: true });
    expect(deployment.called()).toEqual(['d rollback', 'c rollback', 'b rollback']);
    // By the time c is undone, d is already pending, and that was committed.
    expect(pendingWhenUndone).toEqual(['a:completed b:completed c:completed d:pending e:completed']);
    expect(summary).toEqual({
      steps: ['d', 'c', 'b'].map((phase) => ({
        phase,
        displayName: `Phase ${phase}`,
        status: 'completed',
        action: 'undo',
        result: 'undone',
      })),
    });
    const doc = (await bench.stored())!;
    expect(statuses(doc)).toBe('a:completed b:pending c:pending d:pending e:completed');
    expect(doc.phases.b?.reason).toBe('rolled back to b');
    expect(doc.artifacts.b_file?.removed).toBe(true);
    const events = doc.events
      .filter((e) => e.type.startsWith('rollback'))
      .map((e) => [e.type, e.message, e.data]);
    expect(events).toEqual([
      ['rollback_started', 'rollback to b (destroy)', { phases: ['d', 'c', 'b'] }],
      ['rollback_step', 'undid d', { result: 'undone' }],
      ['rollback_step', 'undid c', { result: 'undone' }],
      ['rollback_step', 'undid b', { result: 'undone' }],
      ['rollback_finished', 'rollback to b finished', { undone: ['d', 'c', 'b'], failed: [] }],
    ]);
    // Each change is its own event: none is lost when the state is merged on commit.
    expect(doc.events.filter((e) => e.type === 'phase_reset').map((e) => e.data)).toEqual([
      { phases: ['d'] },
      { phases: ['c'] },
      { phases: ['b'] },
    ]);
    expect(doc.events.find((e) => e.type === 'artifact_removed')?.message).toBe(
      'artifact b_file removed: b undone',
    );
    expect(bench.reporter.lines).toEqual(['undone d', 'undone c', 'undone b']);
  });

  test('without destroy: only the state is reset, nothing is undone, artifacts stay', async () => {
    const deployment = line();
    const summary = await deployThenRollBack(deployment, { to: 'c', destroy: false });
    expect(deployment.calls).toEqual([]);
    expect(summary.steps.map((s) => `${s.phase}:${s.action}:${s.result}`)).toEqual([
      'd:reset:reset',
      'c:reset:reset',
    ]);
    const doc = (await bench.stored())!;
    expect(doc.phases.c?.reason).toBe('rolled back to c (state only)');
    expect(doc.events.find((e) => e.type === 'rollback_started')?.message).toBe('rollback to c');
  });

  test('a failing undo stops the rollback, says how to go on, and leaves what is still standing as it is', async () => {
    const deployment = line({
      c: {
        rollback: () => {
          throw new Error('cannot delete vm-1\nstack trace');
        },
      },
    });
    const attempt = deployThenRollBack(deployment, { to: 'b', destroy: true });
    await expect(attempt).rejects.toThrow(PhaseFailedError);
    await expect(attempt).rejects.toThrow(
      'undo of c failed: cannot delete vm-1. Phases after it are rolled back; fix the cause and run the rollback again, or pass --force to carry on.',
    );
    expect(deployment.called()).toEqual(['d rollback', 'c rollback']);
    const doc = (await bench.stored())!;
    expect(statuses(doc)).toBe('a:completed b:completed c:completed d:pending e:completed');
    expect(doc.events.at(-1)).toMatchObject({
      type: 'rollback_step',
      phase: 'c',
      message: 'undo of c failed: cannot delete vm-1\nstack trace',
      data: { result: 'failed' },
    });
    expect(bench.reporter.lines).toEqual(['undone d', 'undone c failed: cannot delete vm-1\nstack trace']);
  });

  test('with --force a failing undo is reported, its phase reset anyway, and the rollback carries on', async () => {
    const deployment = line({
      c: {
        rollback: () => {
          throw new Error('cannot delete vm-1');
        },
      },
    });
    const summary = await deployThenRollBack(deployment, { to: 'b', destroy: true, force: true });
    expect(deployment.called()).toEqual(['d rollback', 'c rollback', 'b rollback']);
    expect(summary.steps.map((s) => `${s.phase}:${s.result}`)).toEqual(['d:undone', 'c:failed', 'b:undone']);
    expect(summary.steps[1]).toMatchObject({ error: 'cannot delete vm-1' });
    expect(bench.reporter.lines).toContain(
      'warn Rollback step failed: undo of c failed; continuing because of --force: cannot delete vm-1',
    );
    const doc = (await bench.stored())!;
    expect(statuses(doc)).toBe('a:completed b:pending c:pending d:pending e:completed');
    expect(doc.phases.c?.reason).toBe('rolled back with --force; its undo failed, resources may remain');
    expect(doc.events.at(-1)?.data).toEqual({ undone: ['d', 'b'], failed: ['c'] });
  });

  test('a skipped phase in the way is reset last; rolling back everything keeps the old state in the archive', async () => {
    const deployment = line({ e: { disabledBecause: 'flag e is off' } });
    const summary = await deployThenRollBack(deployment, { to: 'a', destroy: true });
    expect(summary.steps.map((s) => `${s.phase}:${s.action}`)).toEqual([
      'e:reset',
      'd:undo',
      'c:undo',
      'b:undo',
      'a:undo',
    ]);
    expect(summary.archivedTo).toMatch(/old_deployments\/demo-.*-before-rollback\.yaml$/);
    const doc = (await bench.stored())!;
    expect(allPending(doc, deployment)).toBe(true);
    // Nothing left to roll back: no second archive.
    const session = await bench.open(deployment);
    const again = await rollbackDeployment(session, deployment, bench.reporter, { to: 'a', destroy: true });
    await session.close();
    expect(again).toEqual({ steps: [] });
  });

  test('an undo sees the rollback’s environment and its phase', async () => {
    const seen: Record<string, string>[] = [];
    const deployment = line({ d: { rollback: (context) => void seen.push({ ...context.env }) } });
    await deployThenRollBack(deployment, { to: 'd', destroy: true, env: { EXTRA: 'yes' } });
    expect(seen).toEqual([
      expect.objectContaining({ EXTRA: 'yes', K0RDENT_PHASE: 'd', K0RDENT_DEPLOYMENT_ID: 'demo' }),
    ]);
  });
});

describe('reset --from', () => {
  test('resets the phase and what needs it; a reset of everything asks for an archive', () => {
    const deployment = line();
    let doc = newDoc(['a', 'b', 'c', 'd', 'e']);
    for (const phase of ['a', 'b', 'c', 'd', 'e']) doc = markCompleted(doc, phase, stamp(), undefined);
    const partial = resetDeployment(doc, deployment, 'c', stamp(), 'by hand');
    expect(partial.reset).toEqual(['c', 'd']);
    expect(partial.full).toBe(false);
    expect(partial.doc.phases.c).toMatchObject({ status: 'pending', reason: 'by hand' });
    const full = resetDeployment(doc, deployment, 'a', stamp(), 'start over');
    expect(full.reset).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(full.full).toBe(true);
    // Already all pending: nothing reset, nothing to archive.
    expect(resetDeployment(full.doc, deployment, 'a', stamp(), 'again')).toEqual({
      doc: full.doc,
      reset: [],
      full: false,
    });
    expect(() => resetDeployment(doc, deployment, 'nope', stamp(), 'x')).toThrow(UserError);
  });
});

describe('phase selection', () => {
  const deployment = () =>
    testDeployment([
      { name: 'late', needs: ['early'] },
      { name: 'early' },
      { name: 'last', needs: ['late'] },
    ]);

  test('all phases in execution order, one with --only, a prefix with --until', () => {
    const names = (phases: { name: string }[]) => phases.map((p) => p.name);
    expect(names(selectPhases(deployment(), {}))).toEqual(['early', 'late', 'last']);
    expect(names(selectPhases(deployment(), { only: 'late' }))).toEqual(['late']);
    expect(names(selectPhases(deployment(), { until: 'late' }))).toEqual(['early', 'late']);
    expect(names(selectPhases(deployment(), { until: 'early' }))).toEqual(['early']);
    expect(requirePhase(deployment(), 'last').name).toBe('last');
  });

  test('refuses --only with --until, and names that are not phases', () => {
    expect(() => selectPhases(deployment(), { only: 'late', until: 'last' })).toThrow(
      new UserError('use either --only or --until, not both'),
    );
    expect(() => selectPhases(deployment(), { until: 'ghost' })).toThrow(
      '"ghost" is not a phase of deployment demo; phases are: early, late, last',
    );
    expect(() => selectPhases(deployment(), { only: 'ghost' })).toThrow(UserError);
  });
});
