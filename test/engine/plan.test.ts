import { planDeployment, type PlanStep } from '../../src/engine/plan.js';
import { ValidationError } from '../../src/engine/evaluate.js';
import { gatePhaseOf } from '../../src/engine/evaluate.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted, markSkipped } from '../../src/state/transitions.js';
import {
  drifted,
  holds,
  testDeployment,
  type PhaseSpec,
  type TestDeployment,
} from '../support/deployments.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

/** a ← b ← c, and d on its own. */
function chain(overrides: Partial<Record<string, Partial<PhaseSpec>>> = {}): TestDeployment {
  return testDeployment(
    [
      { name: 'a', validate: holds },
      { name: 'b', needs: ['a'], validate: holds },
      { name: 'c', needs: ['b'], validate: holds },
      { name: 'd', validate: holds },
    ].map((spec) => ({ ...spec, ...overrides[spec.name] })),
  );
}

/** The state after every phase of `deployment` completed with its current inputs. */
function completed(deployment: TestDeployment, except: readonly string[] = []): StateDocument {
  let doc = newDoc(deployment.phases.map((p) => p.name));
  for (const phase of deployment.phases) {
    if (!except.includes(phase.name))
      doc = markCompleted(doc, phase.name, stamp(), gatePhaseOf(phase).inputsHash);
  }
  return doc;
}

function summary(steps: readonly PlanStep[]): string[] {
  return steps.map(
    (s) => `${s.phase} ${s.status} ${s.action}${s.resets.length ? ` resets ${s.resets.join(',')}` : ''}`,
  );
}

describe('plan', () => {
  test('a deployment without state: every phase would run, in order, each after the one it needs', async () => {
    const deployment = chain();
    const steps = await planDeployment(undefined, deployment);
    expect(steps).toEqual(
      ['a', 'b', 'c', 'd'].map((phase) => ({
        phase,
        displayName: `Phase ${phase}`,
        status: 'pending',
        action: 'run',
        reason: 'not run yet',
        validated: false,
        resets: [],
      })),
    );
    // Nothing ran, nothing was validated.
    expect(deployment.calls).toEqual([]);
  });

  test('a completed deployment: every validator runs against reality and every phase is skipped', async () => {
    const deployment = chain();
    const stored = completed(deployment);
    const copy = structuredClone(stored);
    const steps = await planDeployment(stored, deployment);
    expect(summary(steps)).toEqual([
      'a completed skip',
      'b completed skip',
      'c completed skip',
      'd completed skip',
    ]);
    expect(steps.every((s) => s.validated && s.reason === 'completed and still true: still there')).toBe(
      true,
    );
    expect(deployment.called()).toEqual(['a validate', 'b validate', 'c validate', 'd validate']);
    // Plan writes nothing: the stored document is as it was.
    expect(stored).toEqual(copy);
  });

  test('drift in the middle: the phase would run and reset its dependents, which would then run too', async () => {
    const deployment = chain({ b: { validate: drifted } });
    const steps = await planDeployment(completed(deployment), deployment);
    expect(summary(steps)).toEqual([
      'a completed skip',
      'b completed run resets b,c',
      'c completed run',
      'd completed skip',
    ]);
    expect(steps[1]?.reason).toBe('validation failed: gone');
    expect(steps[2]?.reason).toBe('reset because b runs again: validation failed: gone');
    // c is not validated: the run would re-run it because b reset it.
    expect(deployment.called()).toEqual(['a validate', 'b validate', 'd validate']);
  });

  test('changed inputs reset the dependents without validating', async () => {
    const deployment = chain();
    const stored = completed(chain({ a: { inputs: { size: 'small' } } }));
    const steps = await planDeployment(stored, deployment);
    expect(summary(steps)).toEqual([
      'a completed run resets a,b,c',
      'b completed run',
      'c completed run',
      'd completed skip',
    ]);
    expect(steps[0]?.reason).toBe('inputs changed since it completed');
    expect(deployment.called()).toEqual(['d validate']);
  });

  test('a runner-scoped phase that fails its check would run alone; its dependents are still validated', async () => {
    const deployment = chain({ b: { validate: drifted, runnerScoped: true } });
    const steps = await planDeployment(completed(deployment), deployment);
    expect(summary(steps)).toEqual([
      'a completed skip',
      'b completed run resets b',
      'c completed skip',
      'd completed skip',
    ]);
    expect(deployment.called()).toEqual(['a validate', 'b validate', 'c validate', 'd validate']);
  });

  test('phases after one that would run are planned as if it had succeeded', async () => {
    const deployment = chain();
    const steps = await planDeployment(completed(deployment, ['a', 'b', 'c']), deployment);
    expect(summary(steps)).toEqual(['a pending run', 'b pending run', 'c pending run', 'd completed skip']);
    expect(steps.map((s) => s.reason).slice(0, 3)).toEqual(['not run yet', 'not run yet', 'not run yet']);
  });

  test('a disabled phase would be skipped, and what needs it can still run', async () => {
    const deployment = chain({ b: { disabledBecause: 'flag b is off' } });
    const steps = await planDeployment(newDoc(['a', 'b', 'c', 'd']), deployment);
    expect(summary(steps)).toEqual(['a pending run', 'b pending skip', 'c pending run', 'd pending run']);
    expect(steps[1]?.reason).toBe('flag b is off');
    const alreadySkipped = markSkipped(completed(deployment, ['b', 'c']), 'b', stamp(), 'flag b is off');
    expect(summary(await planDeployment(alreadySkipped, deployment))).toEqual([
      'a completed skip',
      'b skipped skip',
      'c pending run',
      'd completed skip',
    ]);
  });

  test('--only plans one phase; --force with it would run that phase even if completed', async () => {
    const deployment = chain();
    const stored = completed(deployment);
    expect(summary(await planDeployment(stored, deployment, { only: 'b' }))).toEqual(['b completed skip']);
    const forced = await planDeployment(stored, deployment, { only: 'b', force: true });
    expect(forced).toEqual([
      {
        phase: 'b',
        displayName: 'Phase b',
        status: 'completed',
        action: 'run',
        reason: 'forced',
        validated: false,
        resets: [],
      },
    ]);
    // --force without --only is refused: it would force nothing.
    await expect(planDeployment(stored, deployment, { force: true })).rejects.toThrow(/needs --only/);
    expect(summary(await planDeployment(stored, deployment, { until: 'b' }))).toEqual([
      'a completed skip',
      'b completed skip',
    ]);
  });

  test('a phase whose needs would still be unmet is reported blocked', async () => {
    const deployment = chain();
    const steps = await planDeployment(newDoc(['a', 'b', 'c', 'd']), deployment, { only: 'c' });
    expect(steps).toEqual([
      expect.objectContaining({ phase: 'c', action: 'blocked', reason: 'waiting for b (pending)' }),
    ]);
  });

  test('validators see the state read-only, the environment given and the phase they check', async () => {
    const seen: Record<string, unknown>[] = [];
    const signal = new AbortController().signal;
    const deployment = chain({
      a: {
        validate: (context) => {
          seen.push({
            phase: context.phase,
            deploymentId: context.deploymentId,
            env: context.env,
            signal: context.signal,
            doc: context.state.read().phases.a?.status,
          });
          context.output.line('not printed', 'stdout');
          context.output.info('not printed');
          context.output.warn('not printed');
          return holds();
        },
      },
    });
    await planDeployment(completed(deployment), deployment, { only: 'a', env: { STORE: 'here' }, signal });
    expect(seen).toEqual([
      {
        phase: 'a',
        deploymentId: 'demo',
        env: { STORE: 'here', K0RDENT_PHASE: 'a', K0RDENT_DEPLOYMENT_ID: 'demo' },
        signal,
        doc: 'completed',
      },
    ]);
    // Without a signal of the caller's, a validator still gets one, not aborted.
    const signals: (AbortSignal | undefined)[] = [];
    const listener = chain({
      a: {
        validate: (context) => {
          signals.push(context.signal);
          return holds();
        },
      },
    });
    await planDeployment(completed(listener), listener, { only: 'a' });
    expect(signals).toHaveLength(1);
    expect(signals[0]).toBeInstanceOf(AbortSignal);
    expect(signals[0]?.aborted).toBe(false);
    const writer = chain({
      a: {
        validate: (context) => {
          context.state.update((doc) => doc);
          return holds();
        },
      },
    });
    const refused = planDeployment(completed(writer), writer, { only: 'a' });
    await expect(refused).rejects.toThrow(ValidationError);
    await expect(planDeployment(completed(writer), writer, { only: 'a' })).rejects.toThrow(
      "plan changes nothing: a's validator tried to update the state",
    );
  });
});
