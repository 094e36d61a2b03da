/**
 * What `run` would do now, and why: the gate is asked for every phase and validators really run,
 * but on a copy of the state; a phase that would run is assumed to succeed, so that later
 * decisions see what the run would leave behind. Nothing is written.
 */
import type { Deployment, Phase, PhaseContext } from '../phases/phase.js';
import { createDocument, statusOf, type Stamp } from '../state/document.js';
import { HybridClock } from '../state/hlc.js';
import type { PhaseStatus, StateDocument } from '../state/schema.js';
import { markCompleted, markPending, markSkipped, resetFrom, resetReason } from '../state/transitions.js';
import { evaluate } from './evaluate.js';
import type { FinalDecision } from './reporter.js';
import { currentRun } from './run-ref.js';
import { selectPhases, type Selection } from './select.js';

export interface PlanStep {
  readonly phase: string;
  readonly displayName: string;
  readonly status: PhaseStatus;
  readonly action: FinalDecision['action'];
  readonly reason: string;
  readonly validated: boolean;
  /** Phases a run would reset before running this one. */
  readonly resets: readonly string[];
}

export interface PlanOptions extends Selection {
  readonly signal?: AbortSignal;
  /** Environment for validators (the store's location, the CLI on PATH). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function planDeployment(
  stored: StateDocument | undefined,
  deployment: Deployment,
  options: PlanOptions = {},
): Promise<PlanStep[]> {
  const clock = new HybridClock('plan');
  const run = currentRun();
  // Stryker disable next-line ObjectLiteral: the working copy's stamps are never compared, returned or written
  const stamp = (): Stamp => ({ hlc: clock.tick(), at: clock.isoNow(), run });
  let doc =
    stored ??
    createDocument(
      {
        deploymentId: deployment.id,
        source: deployment.source,
        // Stryker disable next-line ArrowFunction: a phase without a record reads as pending all the same
        phases: deployment.phases.map((p) => p.name),
      },
      stamp(),
    );
  const signal = options.signal ?? new AbortController().signal;
  const steps: PlanStep[] = [];

  for (const phase of selectPhases(deployment, options)) {
    const { decision, inputsHash, inputHashes, validationMs } = await evaluate(
      doc,
      deployment.graph,
      phase,
      () => readOnlyContext(doc, deployment, phase, signal, options.env),
      options.force && options.only === phase.name ? { force: true } : {},
    );
    let resets: string[] = [];
    // Equivalent mutants: only skip decisions carry `record` and only run decisions `reset`; a later
    // decision reads an earlier phase only as satisfied or not (completed and skipped both are); and
    // a phase is only blocked when planned alone (--only). So marking a skipped-over phase skipped, or
    // any phase completed, changes no plan. The `true` mutants of the two run checks below are such
    // equivalents, left counted: excluding them would also exclude the `false` mutants beside them.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a completed phase marked skipped changes no plan
    if (decision.action === 'skip' && decision.record === 'skipped')
      doc = markSkipped(doc, phase.name, stamp(), decision.reason);
    if (decision.action === 'run') {
      if (decision.reset === 'cascade') {
        const result = resetFrom(
          doc,
          deployment.graph,
          phase.name,
          stamp(),
          resetReason(phase.name, decision.reason),
        );
        doc = result.doc;
        resets = result.reset;
      } else if (decision.reset === 'self') {
        doc = markPending(doc, phase.name, stamp(), decision.reason);
        resets = [phase.name];
      }
    }
    steps.push({
      phase: phase.name,
      displayName: phase.displayName,
      status: statusOf(stored ?? doc, phase.name),
      action: decision.action,
      reason: decision.reason,
      validated: validationMs !== undefined,
      resets,
    });
    if (decision.action === 'run') doc = markCompleted(doc, phase.name, stamp(), inputsHash, inputHashes);
  }
  return steps;
}

function readOnlyContext(
  doc: StateDocument,
  deployment: Deployment,
  phase: Phase,
  signal: AbortSignal,
  env: Readonly<Record<string, string>> = {},
): PhaseContext {
  return {
    deploymentId: deployment.id,
    phase: phase.name,
    state: {
      read: () => doc,
      update: () => {
        throw new Error(`plan changes nothing: ${phase.name}'s validator tried to update the state`);
      },
    },
    output: { line: () => undefined, info: () => undefined, warn: () => undefined },
    env: { ...env, K0RDENT_PHASE: phase.name, K0RDENT_DEPLOYMENT_ID: deployment.id },
    signal,
  };
}
