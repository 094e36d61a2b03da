import { evaluate, gatePhaseOf, inputFingerprints, ValidationError } from '../../src/engine/evaluate.js';
import { PhaseGraph } from '../../src/graph/dag.js';
import type { Phase, PhaseContext, ValidationResult } from '../../src/phases/phase.js';
import { fingerprint } from '../../src/state/canonical.js';
import { registerSecret, resetSecretsForTests } from '../../src/secrets.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted } from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

afterEach(() => resetSecretsForTests());

const INPUTS = { location: 'westeurope', vms: ['a', 'b'] };
const graph = PhaseGraph.buildOrThrow([
  { name: 'base', needs: [] },
  { name: 'app', needs: ['base'] },
]);
/** What the engine would hand the phase; the validator must receive this very object. */
const CONTEXT = { deploymentId: 'demo', phase: 'app' } as unknown as PhaseContext;

function phase(overrides: Partial<Phase> = {}): Phase {
  return {
    name: 'app',
    displayName: 'App',
    needs: ['base'],
    optional: false,
    runnerScoped: false,
    inputs: INPUTS,
    run: () => Promise.reject(new Error('evaluate never runs a phase')),
    ...overrides,
  };
}

function completed(inputs: unknown = INPUTS): StateDocument {
  const doc = markCompleted(newDoc(['base', 'app']), 'base', stamp(), fingerprint(null));
  return markCompleted(doc, 'app', stamp(), fingerprint(inputs));
}

/** A validator that records each context it was given and answers `result` (or throws `error`). */
function validator(result: ValidationResult | { readonly throws: unknown }) {
  const seen: PhaseContext[] = [];
  const validate = (context: PhaseContext): Promise<ValidationResult> => {
    seen.push(context);
    // A validator may fail with anything, not only an Error.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if ('throws' in result) return Promise.reject(result.throws);
    return Promise.resolve(result);
  };
  return { seen, validate };
}

describe('gatePhaseOf', () => {
  test('tells the gate the name, scope, whether a validator exists and the fingerprints of the inputs', () => {
    expect(gatePhaseOf(phase())).toStrictEqual({
      name: 'app',
      runnerScoped: false,
      hasValidator: false,
      inputsHash: fingerprint(INPUTS),
      inputHashes: { location: fingerprint('westeurope'), vms: fingerprint(['a', 'b']) },
    });
    const { validate } = validator({ ok: true, evidence: '' });
    expect(
      gatePhaseOf(phase({ runnerScoped: true, validate, disabledBecause: 'flag kof is off' })),
    ).toStrictEqual({
      name: 'app',
      runnerScoped: true,
      hasValidator: true,
      disabledBecause: 'flag kof is off',
      inputsHash: fingerprint(INPUTS),
      inputHashes: { location: fingerprint('westeurope'), vms: fingerprint(['a', 'b']) },
    });
  });

  test('only a mapping of inputs has a fingerprint per key', () => {
    for (const inputs of [null, undefined, 'text', 7, true, ['location', 'vms']])
      expect(inputFingerprints(inputs)).toStrictEqual({});
    expect(inputFingerprints({})).toStrictEqual({});
    expect(inputFingerprints({ a: 1, b: { c: 2 } })).toStrictEqual({
      a: fingerprint(1),
      b: fingerprint({ c: 2 }),
    });
  });
});

describe('evaluate', () => {
  test('a phase the gate decides on alone is not validated', async () => {
    const { seen, validate } = validator({ throws: new Error('not to be called') });
    const fresh = markCompleted(newDoc(['base', 'app']), 'base', stamp(), fingerprint(null));
    const result = await evaluate(fresh, graph, phase({ validate }), () => CONTEXT, {});
    expect(result).toStrictEqual({
      decision: { action: 'run', reason: 'not run yet', reset: 'none' },
      inputsHash: fingerprint(INPUTS),
      inputHashes: { location: fingerprint('westeurope'), vms: fingerprint(['a', 'b']) },
    });
    expect(seen).toEqual([]);
    // Forced, a completed phase runs without asking reality either.
    const forced = await evaluate(completed(), graph, phase({ validate }), () => CONTEXT, { force: true });
    expect(forced.decision).toEqual({ action: 'run', reason: 'forced', reset: 'none' });
    expect(seen).toEqual([]);
  });

  test('a completed phase is validated once, in its context, and skipped with redacted evidence', async () => {
    registerSecret('s3cr3t-token-value');
    const { seen, validate } = validator({ ok: true, evidence: 'found token s3cr3t-token-value in place' });
    const result = await evaluate(completed(), graph, phase({ validate }), () => CONTEXT, {});
    expect(seen).toEqual([CONTEXT]);
    expect(seen[0]).toBe(CONTEXT);
    expect(result.decision).toEqual({
      action: 'skip',
      reason: 'completed and still true: found token *** in place',
      record: 'evidence',
    });
    expect(result.inputsHash).toBe(fingerprint(INPUTS));
    expect(result.inputHashes).toEqual({ location: fingerprint('westeurope'), vms: fingerprint(['a', 'b']) });
    expect(typeof result.validationMs).toBe('number');
    expect(result.validationMs).toBeGreaterThanOrEqual(0);
  });

  test('a failed validation runs the phase again and resets by its scope', async () => {
    const { validate } = validator({ ok: false, evidence: 'the VM is gone' });
    const result = await evaluate(completed(), graph, phase({ validate }), () => CONTEXT, {});
    expect(result.decision).toEqual({
      action: 'run',
      reason: 'validation failed: the VM is gone',
      reset: 'cascade',
    });
    const scoped = await evaluate(
      completed(),
      graph,
      phase({ validate, runnerScoped: true }),
      () => CONTEXT,
      {},
    );
    expect(scoped.decision).toMatchObject({ action: 'run', reset: 'self' });
  });

  test('changed inputs run the phase without validating it', async () => {
    const { seen, validate } = validator({ ok: true, evidence: 'fine' });
    const result = await evaluate(
      completed({ location: 'eastus' }),
      graph,
      phase({ validate }),
      () => CONTEXT,
      {},
    );
    expect(result.decision).toEqual({
      action: 'run',
      reason: 'inputs changed since it completed',
      reset: 'cascade',
    });
    expect(result).not.toHaveProperty('validationMs');
    expect(seen).toEqual([]);
  });

  test('a validator that cannot run is a ValidationError naming the phase, its cause redacted', async () => {
    registerSecret('hunter2-password');
    const failing = validator({ throws: new Error('ssh: login with hunter2-password refused') });
    const error = await evaluate(
      completed(),
      graph,
      phase({ validate: failing.validate }),
      () => CONTEXT,
      {},
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).name).toBe('ValidationError');
    expect((error as Error).message).toBe(
      'could not validate app: ssh: login with *** refused. Its state was left as it is; fix the cause and run again.',
    );
    // Something thrown that is not an Error is quoted as it is.
    const odd = validator({ throws: 'connection reset' });
    await expect(
      evaluate(completed(), graph, phase({ validate: odd.validate }), () => CONTEXT, {}),
    ).rejects.toThrow(/^could not validate app: connection reset\. Its state/);
  });
});
