/**
 * One phase at a time, for surfaces where the phase's work happens outside the engine (the `gate`
 * and `complete` actions around a user's own steps) and for the run loop: the gate decides, a skip
 * is recorded, and a phase that runs is reset as the decision says, marked in_progress and committed
 * before any work starts. Finishing records completed or failed and commits again.
 */
import type { Deployment, Phase, PhaseContext } from '../phases/phase.js';
import type { PhaseError } from '../state/schema.js';
import {
  markCompleted,
  markFailed,
  markInProgress,
  markPending,
  markSkipped,
  recordEvidence,
  resetFrom,
  resetReason,
} from '../state/transitions.js';
import { evaluate } from './evaluate.js';
import type { FinalDecision, Reporter } from './reporter.js';
import type { Session } from './session.js';

export interface BeginOptions {
  readonly force?: boolean;
  /** The context a validator runs with, made on demand. */
  readonly context: () => PhaseContext;
}

export interface Begun {
  readonly decision: FinalDecision;
  readonly inputsHash: string;
  readonly inputHashes: Readonly<Record<string, string>>;
  readonly validationMs?: number;
}

/**
 * Asks the gate about `phase` and records the outcome: a skip (and its evidence), or the resets and
 * the in_progress mark of a phase that runs, committed. A blocked phase changes nothing.
 */
export async function beginPhase(
  session: Session,
  deployment: Deployment,
  phase: Phase,
  reporter: Reporter,
  options: BeginOptions,
): Promise<Begun> {
  const { decision, inputsHash, inputHashes, validationMs } = await evaluate(
    session.doc,
    deployment.graph,
    phase,
    options.context,
    options.force ? { force: true } : {},
  );
  reporter.decided(phase, decision, validationMs);
  const begun = {
    decision,
    inputsHash,
    inputHashes,
    ...(validationMs === undefined ? {} : { validationMs }),
  };
  if (decision.action === 'blocked') return begun;
  if (decision.action === 'skip') {
    if (decision.record === 'skipped')
      session.change((doc, stamp) => markSkipped(doc, phase.name, stamp, decision.reason));
    if (decision.record === 'evidence')
      session.change((doc, stamp) => recordEvidence(doc, phase.name, stamp, decision.reason));
    return begun;
  }
  if (decision.reset === 'cascade') {
    let reset: string[] = [];
    session.change((doc, stamp) => {
      const result = resetFrom(
        doc,
        deployment.graph,
        phase.name,
        stamp,
        resetReason(phase.name, decision.reason),
      );
      reset = result.reset;
      return result.doc;
    });
    // Never empty: the gate resets only a completed phase, and the reset includes it.
    reporter.reset(phase, reset, decision.reason);
  } else if (decision.reset === 'self') {
    session.change((doc, stamp) => markPending(doc, phase.name, stamp, decision.reason));
    reporter.reset(phase, [phase.name], decision.reason);
  }
  session.change((doc, stamp) => markInProgress(doc, phase.name, stamp, decision.reason));
  await session.commit();
  return begun;
}

/**
 * Records the outcome of a phase's work, committed. A completion is committed without waiting for
 * the disk (SaveOptions.deferSync): nothing acts on it before the next phase starts, and that
 * start is committed and synced before its work begins, which syncs this commit too (and the end
 * of the run syncs the last one). A process killed meanwhile loses nothing; a machine that
 * crashes in those milliseconds loses at most the completion, so the phase runs again: the state
 * never claims work that was not done. That halves a run's syncs, the largest part of a commit's
 * time.
 */
export async function finishPhase(
  session: Session,
  phase: string,
  outcome:
    | {
        readonly status: 'completed';
        readonly inputsHash: string | undefined;
        readonly inputHashes?: Readonly<Record<string, string>>;
      }
    | { readonly status: 'failed'; readonly error: PhaseError },
): Promise<void> {
  if (outcome.status === 'completed') {
    session.change((doc, stamp) => markCompleted(doc, phase, stamp, outcome.inputsHash, outcome.inputHashes));
    await session.commit({ deferSync: true });
  } else {
    session.change((doc, stamp) => markFailed(doc, phase, stamp, outcome.error));
    await session.commit();
  }
}
