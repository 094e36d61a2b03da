/** Outputs and summary shared by the phase actions. */
import * as core from './runner-commands.js';
import { statusOf } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';
import type { Opened } from './common.js';
import { Outputs } from './constants.js';
import type { StepRecord } from './reporter.js';
import { buildSummary, writeSummary, type SummaryPhase } from './summary.js';
import { formatDuration } from '../engine/reporter.js';

export function summaryOf(
  opened: Opened,
  doc: StateDocument | undefined,
  phases: readonly SummaryPhase[],
  steps: ReadonlyMap<string, StepRecord>,
  heading: string,
  extra?: string,
): string {
  return buildSummary({
    deploymentId: opened.deploymentId,
    heading,
    doc,
    phases,
    steps,
    repository: { serverUrl: opened.ctx.serverUrl, owner: opened.ctx.owner, repo: opened.ctx.repo },
    runId: opened.ctx.runId,
    storeDescription: opened.state.store.description,
    ...(extra === undefined ? {} : { extra }),
  });
}

/** The `ran`/`status`/`reason` outputs of a phase step. */
export function setPhaseOutputs(
  doc: StateDocument | undefined,
  phase: string,
  step: StepRecord | undefined,
): void {
  core.setOutput(Outputs.ran, String(step?.decision === 'run'));
  core.setOutput(Outputs.status, doc ? statusOf(doc, phase) : 'pending');
  core.setOutput(Outputs.reason, step?.reason ?? '');
}

/**
 * The step's part of the job summary: one line when all went well, the whole deployment (with the
 * error and what to do) when the phase failed.
 */
export async function summarizePhaseStep(
  opened: Opened,
  doc: StateDocument | undefined,
  phases: readonly SummaryPhase[],
  steps: ReadonlyMap<string, StepRecord>,
  phase: string,
): Promise<void> {
  const status = doc ? statusOf(doc, phase) : 'pending';
  if (status === 'failed') {
    await writeSummary(summaryOf(opened, doc, phases, steps, phase));
    return;
  }
  const step = steps.get(phase);
  const icon =
    status === 'completed' ? '✅' : status === 'skipped' ? '⏭️' : status === 'in_progress' ? '🔄' : '⏳';
  const took = step?.durationMs === undefined ? '' : ` in ${formatDuration(step.durationMs)}`;
  await writeSummary(
    `${icon} \`${phase}\` (deployment \`${opened.deploymentId}\`): **${status}**${took} — ` +
      `${step ? `${step.decision}: ${step.reason}` : 'no decision'}\n`,
  );
}
