import { evaluate, gatePhaseOf } from '../../src/engine/evaluate.js';
import { assertSucceeded, runDeployment, type RunOptions, type RunSummary } from '../../src/engine/run.js';
import { PhaseFailedError, UserError } from '../../src/errors.js';
import { CommandFailedError } from '../../src/phases/phase.js';
import { redact, registerSecret, resetSecretsForTests } from '../../src/secrets.js';
import { fingerprint } from '../../src/state/canonical.js';
import { STATE_DIR_ENV } from '../../src/stores/local-store.js';
import { runCommand } from '../../src/tools/run-command.js';
import {
  drifted,
  holds,
  testDeployment,
  type PhaseSpec,
  type TestDeployment,
} from '../support/deployments.js';
import { engineBench, TEST_RUN, type EngineBench } from '../support/engine.js';

let bench: EngineBench;
beforeEach(() => {
  bench = engineBench();
});
afterEach(() => {
  bench.remove();
  resetSecretsForTests();
});

/** a ← b ← c, and d on its own; each validator finds its phase still there unless told otherwise. */
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

async function run(deployment: TestDeployment, options: RunOptions = {}): Promise<RunSummary> {
  const session = await bench.open(deployment);
  try {
    return await runDeployment(session, deployment, bench.reporter, options);
  } finally {
    await session.close();
  }
}

function outcomes(summary: RunSummary): string[] {
  return summary.outcomes.map((o) => `${o.phase} ${o.decision} ${o.status}: ${o.reason}`);
}

describe('the run loop', () => {
  test('a first run runs every phase in order and commits each one completed with its inputs hash', async () => {
    const deployment = chain();
    const summary = await run(deployment);
    expect(summary.deploymentId).toBe('demo');
    expect(summary.failed).toBeUndefined();
    expect(outcomes(summary)).toEqual([
      'a run completed: not run yet',
      'b run completed: not run yet',
      'c run completed: not run yet',
      'd run completed: not run yet',
    ]);
    expect(summary.outcomes.every((o) => o.displayName === `Phase ${o.phase}` && o.durationMs! >= 0)).toBe(
      true,
    );
    expect(deployment.called()).toEqual(['a run', 'b run', 'c run', 'd run']);
    const doc = (await bench.stored())!;
    for (const phase of deployment.phases) {
      expect(doc.phases[phase.name]).toMatchObject({
        status: 'completed',
        attempts: 1,
        inputs_hash: gatePhaseOf(phase).inputsHash,
        last_run: TEST_RUN,
      });
    }
    expect(bench.reporter.lines).toEqual([
      'decided a run: not run yet',
      'finished a completed',
      'decided b run: not run yet',
      'finished b completed',
      'decided c run: not run yet',
      'finished c completed',
      'decided d run: not run yet',
      'finished d completed',
    ]);
  });

  test('a second run validates every phase against reality, records the evidence and runs nothing', async () => {
    const deployment = chain();
    await run(deployment);
    deployment.calls.length = 0;
    bench.reporter.lines.length = 0;
    const summary = await run(deployment);
    expect(outcomes(summary)).toEqual([
      'a skip completed: completed and still true: still there',
      'b skip completed: completed and still true: still there',
      'c skip completed: completed and still true: still there',
      'd skip completed: completed and still true: still there',
    ]);
    expect(summary.outcomes.every((o) => o.durationMs === undefined)).toBe(true);
    expect(deployment.called()).toEqual(['a validate', 'b validate', 'c validate', 'd validate']);
    expect(bench.reporter.lines[0]).toBe('decided a skip: completed and still true: still there (validated)');
    const doc = (await bench.stored())!;
    expect(doc.phases.b?.evidence?.summary).toBe('completed and still true: still there');
  });

  test('drift re-runs the phase and what needs it, and says what it reset', async () => {
    const deployment = chain();
    await run(deployment);
    const drift = chain({ b: { validate: drifted } });
    bench.reporter.lines.length = 0;
    const summary = await run(drift);
    expect(outcomes(summary)).toEqual([
      'a skip completed: completed and still true: still there',
      'b run completed: validation failed: gone',
      'c run completed: reset because b runs again: validation failed: gone',
      'd skip completed: completed and still true: still there',
    ]);
    expect(drift.called()).toEqual(['a validate', 'b validate', 'b run', 'c run', 'd validate']);
    expect(bench.reporter.lines).toContain('reset by b: b,c: validation failed: gone');
    const doc = (await bench.stored())!;
    expect(doc.phases.c?.attempts).toBe(2);
    expect(doc.events.filter((e) => e.type === 'phase_reset').map((e) => e.data)).toEqual([
      { phases: ['b', 'c'] },
    ]);
  });

  test('a runner-scoped phase that fails its check re-runs alone', async () => {
    await run(chain({ b: { runnerScoped: true } }));
    const drift = chain({ b: { runnerScoped: true, validate: drifted } });
    bench.reporter.lines.length = 0;
    const summary = await run(drift);
    expect(outcomes(summary).slice(1, 3)).toEqual([
      'b run completed: validation failed: gone',
      'c skip completed: completed and still true: still there',
    ]);
    expect(bench.reporter.lines).toContain('reset by b: b: validation failed: gone');
  });

  test('changed inputs re-run the phase and reset what needs it', async () => {
    await run(chain());
    bench.reporter.lines.length = 0;
    const summary = await run(chain({ c: { inputs: { size: 'large' } } }));
    // The changed input is named; the chain's phases also carry their own name as an input.
    expect(outcomes(summary)[2]).toBe('c run completed: inputs changed since it completed: phase, size');
    expect(bench.reporter.lines).toContain('reset by c: c: inputs changed since it completed: phase, size');
  });

  test('a completion is committed without waiting for the disk; each start and a failure are synced', async () => {
    // Each save as `synced|deferred <statuses of a, b, c>`.
    const saves: string[] = [];
    const save = bench.store.save.bind(bench.store);
    bench.store.save = (doc, options) => {
      const statuses = ['a', 'b', 'c'].map((name) => doc.phases[name]?.status).join(',');
      saves.push(`${options?.deferSync ? 'deferred' : 'synced'} ${statuses}`);
      return save(doc, options);
    };
    const deployment = chain({
      c: {
        run: () => {
          throw new CommandFailedError('deploy.sh exited with 1', 1, []);
        },
      },
    });
    await run(deployment);
    expect(saves).toEqual([
      'synced in_progress,pending,pending',
      'deferred completed,pending,pending',
      // The next start's sync makes the completion before it durable too.
      'synced completed,in_progress,pending',
      'deferred completed,completed,pending',
      'synced completed,completed,in_progress',
      'synced completed,completed,failed',
    ]);
  });

  test('a failing phase is recorded failed with its classified error; the phases after it are not reached', async () => {
    const deployment = chain({
      b: {
        run: () => {
          throw new CommandFailedError('deploy.sh exited with 78', 78, ['', 'bad setting', '']);
        },
      },
    });
    const summary = await run(deployment);
    const error = { message: 'deploy.sh exited with 78\n  bad setting', class: 'config', exit_code: 78 };
    expect(summary.failed).toEqual({ phase: 'b', error });
    expect(outcomes(summary)).toEqual([
      'a run completed: not run yet',
      'b run failed: not run yet',
      'c not-reached pending: b failed',
      'd not-reached pending: b failed',
    ]);
    expect(summary.outcomes[1]).toMatchObject({ error, durationMs: expect.any(Number) });
    expect(deployment.called()).toEqual(['a run', 'b run']);
    expect(bench.reporter.lines).toContain(
      'finished b failed: config: deploy.sh exited with 78\n  bad setting',
    );
    const doc = (await bench.stored())!;
    expect(doc.phases.b).toMatchObject({ status: 'failed', error });
    expect(() => assertSucceeded(summary)).toThrow(
      new PhaseFailedError('phase b failed: deploy.sh exited with 78'),
    );
    expect(() => assertSucceeded({ deploymentId: 'demo', outcomes: [] })).not.toThrow();
  });

  test('a run cancelled before it starts reaches nothing; cancelled inside a phase records it failed, transient', async () => {
    const aborted = new AbortController();
    aborted.abort();
    const deployment = chain();
    const summary = await run(deployment, { signal: aborted.signal });
    expect(outcomes(summary)).toEqual([
      'a not-reached pending: run cancelled',
      'b not-reached pending: run cancelled',
      'c not-reached pending: run cancelled',
      'd not-reached pending: run cancelled',
    ]);
    expect(deployment.calls).toEqual([]);

    const controller = new AbortController();
    const cancelled = chain({
      a: {
        run: () => {
          controller.abort();
          throw new Error('killed by signal');
        },
      },
    });
    const after = await run(cancelled, { signal: controller.signal });
    expect(after.failed).toEqual({
      phase: 'a',
      error: { message: 'cancelled while running (killed by signal)', class: 'transient' },
    });
    // A phase that fails on its own is not called cancelled.
    const plain = await run(chain({ b: { run: () => Promise.reject(new Error('plain failure')) } }));
    expect(plain.failed?.error).toEqual({ message: 'plain failure', class: 'unknown' });
  });

  test('a run cancelled while a phase finishes stops before the next phase', async () => {
    const controller = new AbortController();
    const deployment = chain({ a: { run: () => controller.abort() } });
    const summary = await run(deployment, { signal: controller.signal });
    expect(outcomes(summary)).toEqual([
      'a run completed: not run yet',
      'b not-reached pending: run cancelled',
      'c not-reached pending: run cancelled',
      'd not-reached pending: run cancelled',
    ]);
    expect((await bench.stored())!.phases.a?.status).toBe('completed');
  });

  test('--only runs one phase; with --force it runs a completed one again; force alone is refused', async () => {
    const deployment = chain();
    await run(deployment);
    deployment.calls.length = 0;
    expect(outcomes(await run(deployment, { only: 'b', force: true }))).toEqual(['b run completed: forced']);
    expect(deployment.called()).toEqual(['b run']);
    deployment.calls.length = 0;
    await expect(run(deployment, { force: true })).rejects.toThrow(
      /--force re-runs one completed phase and needs --only/,
    );
    expect(deployment.called()).toEqual([]);
    deployment.calls.length = 0;
    expect(outcomes(await run(deployment, { until: 'b' }))).toHaveLength(2);
  });

  test('--only of a phase whose needs are not done stops, says what to run first, and keeps the state', async () => {
    const deployment = chain();
    const attempt = run(deployment, { only: 'c' });
    await expect(attempt).rejects.toThrow(UserError);
    await expect(run(deployment, { only: 'c' })).rejects.toThrow(
      'cannot run c: waiting for b (pending). Run b first, or run without --only.',
    );
    expect(deployment.calls).toEqual([]);
    // The session's own changes (the recorded config) were committed before stopping.
    expect((await bench.stored())!.config?.fingerprint).toBe(fingerprint({ test: true }));
  });

  test('a disabled phase is recorded skipped and what needs it runs', async () => {
    const deployment = chain({ b: { disabledBecause: 'flag b is off' } });
    const summary = await run(deployment);
    expect(outcomes(summary)).toEqual([
      'a run completed: not run yet',
      'b skip skipped: flag b is off',
      'c run completed: not run yet',
      'd run completed: not run yet',
    ]);
    expect((await bench.stored())!.phases.b).toMatchObject({ status: 'skipped', reason: 'flag b is off' });
  });

  test('a phase sees the deployment, its own name, the state, and an environment that reaches the store', async () => {
    const seen: Record<string, unknown>[] = [];
    const deployment = chain({
      a: {
        run: (context) => {
          seen.push({
            deploymentId: context.deploymentId,
            phase: context.phase,
            status: context.state.read().phases.a?.status,
            env: context.env,
          });
          context.state.update((doc, stamp) => ({
            ...doc,
            facts: { ...doc.facts, touched: { hlc: stamp.hlc, updated_at: stamp.at, value: true } },
          }));
          context.output.line('hello', 'stdout');
          context.output.line('oops', 'stderr');
          context.output.info('an info');
          context.output.warn('a warning');
        },
      },
    });
    await run(deployment, { only: 'a', env: { EXTRA: '1', K0RDENT_PHASE: 'overridden' } });
    expect(seen).toEqual([
      {
        deploymentId: 'demo',
        phase: 'a',
        status: 'in_progress',
        env: {
          EXTRA: '1',
          [STATE_DIR_ENV]: bench.store.dir,
          K0RDENT_LOCK_TOKEN: expect.any(String),
          K0RDENT_RUN_ID: 'run-1',
          K0RDENT_PHASE: 'a',
          K0RDENT_DEPLOYMENT_ID: 'demo',
        },
      },
    ]);
    expect(bench.reporter.lines).toEqual(
      expect.arrayContaining([
        'output a stdout: hello',
        'output a stderr: oops',
        'info an info',
        'warn : a warning',
      ]),
    );
    expect((await bench.stored())!.facts.touched?.value).toBe(true);
  });

  test('a phase hands over a secret with ::add-mask::: it is masked from then on and the line is not printed', async () => {
    const deployment = chain({
      // Through the command runner, as a phase's script speaks: that is where the protocol is read.
      a: {
        run: async (context) => {
          await runCommand('sh', ['-c', 'echo ::add-mask::hunter2-secret'], {
            onLine: (line, stream) => context.output.line(line, stream),
          });
        },
      },
    });
    await run(deployment, { only: 'a' });
    expect(bench.reporter.lines.filter((l) => l.startsWith('output'))).toEqual([]);
    expect(redact('the password is hunter2-secret')).toBe('the password is ***');
  });

  test('validators speak through their verdict: their output lines are not printed', async () => {
    const deployment = chain({
      a: {
        validate: (context) => {
          context.output.line('checking…', 'stdout');
          return holds();
        },
      },
    });
    await run(deployment, { only: 'a' });
    bench.reporter.lines.length = 0;
    await run(deployment, { only: 'a' });
    expect(bench.reporter.lines.filter((l) => l.startsWith('output'))).toEqual([]);
    expect(deployment.called()).toEqual(['a run', 'a validate']);
  });
});

describe('evaluate', () => {
  test('a validator that cannot run leaves the phase alone and says so, without leaking a secret', async () => {
    registerSecret('s3cr3t-token');
    const deployment = chain({
      a: {
        validate: () => {
          throw new Error('curl: bad token s3cr3t-token');
        },
      },
    });
    await run(deployment, { only: 'a' });
    await expect(run(deployment, { only: 'a' })).rejects.toThrow(
      'could not validate a: curl: bad token ***. Its state was left as it is; fix the cause and run again.',
    );
    expect((await bench.stored())!.phases.a?.status).toBe('completed');
    const notAnError = chain({
      a: {
        validate: () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- a validator may throw anything
          throw 'plain text';
        },
      },
    });
    await expect(run(notAnError, { only: 'a' })).rejects.toThrow('could not validate a: plain text.');
  });

  test('evidence is redacted before it is recorded or printed, and the validation is timed', async () => {
    registerSecret('s3cr3t-token');
    const deployment = chain({ a: { validate: () => ({ ok: true, evidence: 'token s3cr3t-token works' }) } });
    await run(deployment, { only: 'a' });
    const doc = (await bench.stored())!;
    const phase = deployment.phases[0]!;
    const evaluation = await evaluate(doc, deployment.graph, phase, () => ({}) as never, {});
    expect(evaluation).toEqual({
      decision: { action: 'skip', reason: 'completed and still true: token *** works', record: 'evidence' },
      inputsHash: gatePhaseOf(phase).inputsHash,
      inputHashes: gatePhaseOf(phase).inputHashes,
      validationMs: expect.any(Number),
    });
    expect(evaluation.validationMs).toBeGreaterThanOrEqual(0);
    const forced = await evaluate(doc, deployment.graph, phase, () => ({}) as never, { force: true });
    expect(forced).toEqual({
      decision: { action: 'run', reason: 'forced', reset: 'none' },
      inputsHash: gatePhaseOf(phase).inputsHash,
      inputHashes: gatePhaseOf(phase).inputHashes,
    });
  });

  test('gatePhaseOf describes a phase to the gate', () => {
    const [withValidator, off] = testDeployment([
      { name: 'a', validate: holds, runnerScoped: true, inputs: { x: 1 } },
      { name: 'b', disabledBecause: 'off' },
    ]).phases;
    expect(gatePhaseOf(withValidator!)).toStrictEqual({
      name: 'a',
      runnerScoped: true,
      hasValidator: true,
      inputsHash: fingerprint({ x: 1 }),
      inputHashes: { x: fingerprint(1) },
    });
    expect(gatePhaseOf(off!)).toStrictEqual({
      name: 'b',
      runnerScoped: false,
      hasValidator: false,
      disabledBecause: 'off',
      inputsHash: fingerprint({ phase: 'b' }),
      inputHashes: { phase: fingerprint('b') },
    });
  });
});
