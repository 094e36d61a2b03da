/**
 * The run loop: for each selected phase in order, the gate decides; a phase that runs is recorded
 * in_progress and committed before its work starts, then completed or failed and committed again.
 * A crash at any point leaves a state from which the next run resumes: an in_progress phase is an
 * interrupted one and runs again; a completed one is validated, never blindly re-run.
 */
import { PhaseFailedError, UserError } from '../errors.js';
import { failpoint } from '../failpoints.js';
import type { Deployment, Phase, PhaseContext } from '../phases/phase.js';
import type { PhaseError, PhaseStatus } from '../state/schema.js';
import { statusOf } from '../state/document.js';
import { classifyFailure } from './classify.js';
import type { FinalDecision, Reporter } from './reporter.js';
import { selectPhases, type Selection } from './select.js';
import type { Session } from './session.js';
import { beginPhase, finishPhase } from './step.js';

export interface RunOptions extends Selection {
  readonly signal?: AbortSignal;
  /** Added to every phase's environment (the CLI puts itself on PATH this way). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface PhaseOutcome {
  readonly phase: string;
  readonly displayName: string;
  readonly decision: FinalDecision['action'] | 'not-reached';
  readonly reason: string;
  readonly status: PhaseStatus;
  readonly durationMs?: number;
  readonly error?: PhaseError;
}

export interface RunSummary {
  readonly deploymentId: string;
  readonly outcomes: readonly PhaseOutcome[];
  /** The phase that failed and stopped the run, if any. */
  readonly failed?: { readonly phase: string; readonly error: PhaseError };
}

export async function runDeployment(
  session: Session,
  deployment: Deployment,
  reporter: Reporter,
  options: RunOptions = {},
): Promise<RunSummary> {
  const selected = selectPhases(deployment, options);
  const signal = options.signal ?? new AbortController().signal;
  const outcomes: PhaseOutcome[] = [];
  const outcome = (phase: Phase, fields: Omit<PhaseOutcome, 'phase' | 'displayName' | 'status'>) => {
    outcomes.push({
      phase: phase.name,
      displayName: phase.displayName,
      status: statusOf(session.doc, phase.name),
      ...fields,
    });
  };
  const context = (phase: Phase) => phaseContext(session, deployment, phase, reporter, signal, options.env);

  for (const [index, phase] of selected.entries()) {
    if (signal.aborted) {
      for (const rest of selected.slice(index))
        outcome(rest, { decision: 'not-reached', reason: 'run cancelled' });
      break;
    }
    const { decision, inputsHash, inputHashes } = await beginPhase(session, deployment, phase, reporter, {
      ...(options.force && options.only === phase.name ? { force: true } : {}),
      context: () => validationContext(context(phase)),
    });

    if (decision.action === 'blocked') {
      await session.commit();
      throw new UserError(
        `cannot run ${phase.name}: ${decision.reason}. Run ${decision.waitingFor.join(', ')} first` +
          (options.only ? ', or run without --only.' : '.'),
      );
    }
    if (decision.action === 'skip') {
      outcome(phase, { decision: 'skip', reason: decision.reason });
      continue;
    }
    failpoint(`after-commit:${phase.name}:in_progress`);

    const started = performance.now();
    try {
      await phase.run(context(phase));
    } catch (error) {
      const failure = classifyFailure(isCancelled(signal) ? new CancelledError(error) : error);
      const durationMs = performance.now() - started;
      await finishPhase(session, phase.name, { status: 'failed', error: failure });
      reporter.finished(phase, { status: 'failed', durationMs, error: failure });
      outcome(phase, { decision: 'run', reason: decision.reason, durationMs, error: failure });
      for (const rest of selected.slice(index + 1))
        outcome(rest, { decision: 'not-reached', reason: `${phase.name} failed` });
      return { deploymentId: deployment.id, outcomes, failed: { phase: phase.name, error: failure } };
    }
    const durationMs = performance.now() - started;
    await finishPhase(session, phase.name, { status: 'completed', inputsHash, inputHashes });
    failpoint(`after-commit:${phase.name}:completed`);
    reporter.finished(phase, { status: 'completed', durationMs });
    outcome(phase, { decision: 'run', reason: decision.reason, durationMs });
  }
  await session.commit();
  return { deploymentId: deployment.id, outcomes };
}

export function phaseContext(
  session: Session,
  deployment: Deployment,
  phase: Phase,
  reporter: Reporter,
  signal: AbortSignal,
  env: Readonly<Record<string, string>> = {},
): PhaseContext {
  return {
    deploymentId: deployment.id,
    phase: phase.name,
    state: { read: () => session.doc, update: (change) => session.change(change) },
    output: {
      // `::add-mask::` lines never get here: runCommand registers their secrets and drops them.
      line: (line, stream) => reporter.output(phase, line, stream),
      info: (message) => reporter.info(message),
      warn: (message) => reporter.warn(message),
    },
    env: {
      ...env,
      ...session.childEnv(),
      K0RDENT_PHASE: phase.name,
      K0RDENT_DEPLOYMENT_ID: deployment.id,
    },
    signal,
  };
}

/**
 * Validators speak through their verdict: its evidence keeps the last line that matters, so their
 * output is not streamed into the run's log.
 */
function validationContext(context: PhaseContext): PhaseContext {
  return { ...context, output: { ...context.output, line: () => undefined } };
}

/** Read through a call: the signal changes while a phase runs, which narrowing cannot see. */
function isCancelled(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** A phase stopped because the run was cancelled (Ctrl-C, a cancelled job): worth re-running. */
class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(cause: unknown) {
    super(`cancelled while running (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
}

export function assertSucceeded(summary: RunSummary): void {
  if (summary.failed) {
    throw new PhaseFailedError(
      `phase ${summary.failed.phase} failed: ${summary.failed.error.message.split('\n')[0] ?? ''}`,
    );
  }
}
