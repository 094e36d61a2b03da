/** Asking the gate about one phase, running its validator when the gate wants reality checked. */
import type { PhaseGraph } from '../graph/dag.js';
import type { Phase, PhaseContext } from '../phases/phase.js';
import { fingerprint } from '../state/canonical.js';
import { redact } from '../secrets.js';
import type { StateDocument } from '../state/schema.js';
import { decide, type GateOptions, type GatePhase } from './gate.js';
import type { FinalDecision } from './reporter.js';

export interface Evaluation {
  readonly decision: FinalDecision;
  readonly inputsHash: string;
  readonly inputHashes: Readonly<Record<string, string>>;
  /** Set when a validator ran. */
  readonly validationMs?: number;
}

export function gatePhaseOf(phase: Phase): GatePhase {
  return {
    name: phase.name,
    runnerScoped: phase.runnerScoped,
    hasValidator: phase.validate !== undefined,
    ...(phase.disabledBecause === undefined ? {} : { disabledBecause: phase.disabledBecause }),
    inputsHash: fingerprint(phase.inputs),
    inputHashes: inputFingerprints(phase.inputs),
  };
}

/** One fingerprint per top-level key of a phase's inputs (none when the inputs are not a mapping). */
export function inputFingerprints(inputs: unknown): Record<string, string> {
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) return {};
  return Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, fingerprint(value)]));
}

/** Thrown when a validator itself fails to run (not when it finds drift): the phase is left as it is. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

export async function evaluate(
  doc: StateDocument,
  graph: PhaseGraph,
  phase: Phase,
  context: () => PhaseContext,
  options: GateOptions,
): Promise<Evaluation> {
  const gatePhase = gatePhaseOf(phase);
  const first = decide(doc, graph, gatePhase, undefined, options);
  const hashes = { inputsHash: gatePhase.inputsHash, inputHashes: gatePhase.inputHashes ?? {} };
  if (first.action !== 'validate') return { decision: first, ...hashes };
  const validate = phase.validate;
  if (!validate) throw new Error(`gate asked to validate ${phase.name}, which has no validator`);
  const started = performance.now();
  let outcome;
  try {
    outcome = await validate(context());
  } catch (error) {
    throw new ValidationError(
      `could not validate ${phase.name}: ${redact(error instanceof Error ? error.message : String(error))}. ` +
        'Its state was left as it is; fix the cause and run again.',
    );
  }
  // Evidence is persisted and printed: a validator's last line may have echoed a secret.
  const second = decide(
    doc,
    graph,
    gatePhase,
    { ok: outcome.ok, evidence: redact(outcome.evidence) },
    options,
  );
  if (second.action === 'validate') throw new Error('gate asked twice for validation');
  return { decision: second, ...hashes, validationMs: performance.now() - started };
}
