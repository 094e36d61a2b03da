/**
 * The gate: whether a phase runs, and why (DESIGN.md section 2). Pure. A completed phase is only
 * skipped after its validator has checked reality, so the gate answers in two steps: it first asks
 * for validation, and the caller asks again with the outcome.
 */
import type { PhaseGraph } from '../graph/dag.js';
import { isSatisfied, statusOf } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';

export interface GatePhase {
  readonly name: string;
  readonly runnerScoped: boolean;
  readonly hasValidator: boolean;
  /** Undefined when enabled; otherwise why the (optional) phase is off. */
  readonly disabledBecause?: string;
  readonly inputsHash: string;
  /** A fingerprint per top-level input (see `inputFingerprints`), to name what changed. */
  readonly inputHashes?: Readonly<Record<string, string>>;
}

export interface ValidationOutcome {
  readonly ok: boolean;
  /** What was checked and what was found, in a sentence; recorded as evidence or as the reset reason. */
  readonly evidence: string;
}

export interface GateOptions {
  /** Run even when completed (`--force`); does not reset dependents. */
  readonly force?: boolean;
}

/** How far a decision to run reaches: nothing else, the phase alone, or the phase and its dependents. */
export type ResetScope = 'none' | 'self' | 'cascade';

export type GateDecision =
  | { readonly action: 'validate' }
  | { readonly action: 'run'; readonly reason: string; readonly reset: ResetScope }
  | {
      readonly action: 'skip';
      readonly reason: string;
      /** `skipped`: record the phase as skipped; `evidence`: record the validation; `none`: no change. */
      readonly record: 'skipped' | 'evidence' | 'none';
    }
  | { readonly action: 'blocked'; readonly reason: string; readonly waitingFor: readonly string[] };

export function decide(
  doc: StateDocument,
  graph: PhaseGraph,
  phase: GatePhase,
  validation?: ValidationOutcome,
  options: GateOptions = {},
): GateDecision {
  const record = doc.phases[phase.name];
  const status = statusOf(doc, phase.name);

  if (phase.disabledBecause !== undefined) {
    if (status === 'skipped') return { action: 'skip', reason: phase.disabledBecause, record: 'none' };
    // Switching a phase off undoes nothing; say so where the user reads why it is skipped.
    const reason =
      status === 'pending'
        ? phase.disabledBecause
        : `${phase.disabledBecause}; it was ${status} before, and what it built stays until a rollback undoes it`;
    return { action: 'skip', reason, record: 'skipped' };
  }

  const waitingFor = graph.needs(phase.name).filter((need) => !isSatisfied(statusOf(doc, need)));
  if (waitingFor.length > 0) {
    const described = waitingFor.map((need) => `${need} (${statusOf(doc, need)})`).join(', ');
    return { action: 'blocked', reason: `waiting for ${described}`, waitingFor };
  }

  if (options.force) return { action: 'run', reason: 'forced', reset: 'none' };

  switch (status) {
    case 'skipped':
      return { action: 'run', reason: 'enabled again after being skipped', reset: 'none' };
    case 'pending':
      return { action: 'run', reason: record?.reason ?? 'not run yet', reset: 'none' };
    case 'in_progress':
      return { action: 'run', reason: `interrupted${describeRun(record?.last_run)}`, reset: 'none' };
    case 'failed':
      return {
        action: 'run',
        reason: `failed before${describeRun(record?.last_run)}: ${record?.error?.message.split('\n')[0] ?? 'unknown error'}`,
        reset: 'none',
      };
    case 'completed':
      break;
  }

  if (record?.inputs_hash !== undefined && record.inputs_hash !== phase.inputsHash) {
    const changed = changedInputs(record.input_hashes, phase.inputHashes);
    return {
      action: 'run',
      reason: `inputs changed since it completed${changed.length > 0 ? `: ${changed.join(', ')}` : ''}`,
      reset: 'cascade',
    };
  }
  if (!phase.hasValidator) {
    return { action: 'skip', reason: 'completed (no validator to check it against reality)', record: 'none' };
  }
  if (validation === undefined) return { action: 'validate' };
  if (validation.ok) {
    return { action: 'skip', reason: `completed and still true: ${validation.evidence}`, record: 'evidence' };
  }
  return {
    action: 'run',
    reason: `validation failed: ${validation.evidence}`,
    reset: phase.runnerScoped ? 'self' : 'cascade',
  };
}

/** The inputs whose fingerprints differ (added and removed ones too); none when either side lacks them. */
export function changedInputs(
  before: Readonly<Record<string, string>> | undefined,
  now: Readonly<Record<string, string>> | undefined,
): string[] {
  if (!before || !now) return [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(now)])].sort();
  return keys.filter((key) => before[key] !== now[key]);
}

function describeRun(run: StateDocument['phases'][string]['last_run']): string {
  if (!run) return '';
  return ` in run ${run.run_id} attempt ${run.attempt} (job ${run.job})`;
}
