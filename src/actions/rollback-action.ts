/** `rollback`: undo (with `destroy`) or only reset a phase and every phase that needs it. */
import * as core from './runner-commands.js';
import { provideSelfCommand } from '../cli/self-command.js';
import { PhaseFailedError, UserError } from '../errors.js';
import { planRollback, rollbackDeployment, type RollbackStep } from '../engine/rollback.js';
import { Session } from '../engine/session.js';
import { fastRollback, fastRollbackTargets, resourceGroupOf } from '../engine/fast-rollback.js';
import { requirePhase } from '../engine/select.js';
import type { Deployment } from '../phases/phase.js';
import type { StateDocument } from '../state/schema.js';
import { deploymentFor, openDeployment, readInput, withCancellation, type Opened } from './common.js';
import { Inputs, Outputs } from './constants.js';
import { ActionInputError, rollbackInputs, type RollbackInputs } from './inputs.js';
import { phasesOf } from './phase-list.js';
import { summaryOf } from './report.js';
import { ActionsReporter } from './reporter.js';
import { writeSummary } from './summary.js';

export async function rollbackMain(cliPath: string | undefined): Promise<void> {
  const inputs = rollbackInputs(readInput);
  const opened = await openDeployment(inputs);
  if (!opened.stored) {
    throw new UserError(`no saved state of deployment ${opened.deploymentId}: nothing to roll back`);
  }
  const deployment = await deploymentFor(opened);
  requirePhase(deployment, inputs.to);
  if (inputs.fast) {
    await fastRollbackMain(inputs, { ...opened, stored: opened.stored }, deployment);
    return;
  }
  const heading = `rollback to ${inputs.to}${inputs.destroy ? ' (destroy)' : ' (state only)'}${inputs.dryRun ? ', dry run' : ''}`;

  if (inputs.dryRun) {
    const steps = planRollback(opened.stored, deployment, inputs.to, inputs.destroy);
    core.setOutput(Outputs.rolledBack, JSON.stringify(steps.map((s) => s.phase)));
    core.info(
      steps.length === 0
        ? `nothing to roll back: ${inputs.to} and the phases after it are pending`
        : `would roll back, newest first: ${steps.map((s) => `${s.phase} (${s.action})`).join(', ')}`,
    );
    await writeSummary(
      summaryOf(
        opened,
        opened.stored,
        phasesOf(deployment, opened.stored),
        new Map(),
        heading,
        rollbackTable(steps, 'planned'),
      ),
    );
    return;
  }

  const reporter = new ActionsReporter();
  const self = provideSelfCommand(cliPath);
  const session = await Session.open({
    store: opened.state.store,
    deployment,
    command: `k0rdent-deploy rollback --to ${inputs.to}`,
    reporter,
  });
  try {
    const result = await withCancellation((signal) =>
      rollbackDeployment(session, deployment, reporter, {
        to: inputs.to,
        destroy: inputs.destroy,
        ...(inputs.force ? { force: true } : {}),
        signal,
        env: self.env,
      }),
    );
    core.setOutput(Outputs.rolledBack, JSON.stringify(result.steps.map((s) => s.phase)));
    if (result.archivedTo)
      core.info(`every phase is pending now; the previous state was kept as ${result.archivedTo}`);
    await writeSummary(
      summaryOf(
        opened,
        session.doc,
        phasesOf(deployment, session.doc),
        new Map(),
        heading,
        rollbackTable(result.steps, 'done'),
      ),
    );
    const failed = result.steps.filter((s) => s.result === 'failed');
    if (failed.length > 0) {
      throw new PhaseFailedError(
        `undo failed for ${failed.map((s) => s.phase).join(', ')} (carried on because of force)`,
      );
    }
  } finally {
    await session.close();
    self.dispose();
  }
}

/** `fast: true`: the resource group goes at once; the phases that lived in it are reset. */
async function fastRollbackMain(
  inputs: RollbackInputs,
  opened: Opened & { readonly stored: StateDocument },
  deployment: Deployment,
): Promise<void> {
  const { builtIn, targets } = await fastRollbackTargets(deployment);
  const to = targets.find((target) => target === inputs.to);
  if (!builtIn || !to) {
    throw new ActionInputError(
      `input ${Inputs.fast} deletes the resource group of the built-in deployment (input ${Inputs.config}), ` +
        `so input ${Inputs.to} must be ${targets.join(' or ')} (it is ${inputs.to})`,
    );
  }
  const group = await resourceGroupOf(deployment);
  const heading = `fast rollback to ${to}: delete resource group ${group}${inputs.dryRun ? ', dry run' : ''}`;
  if (inputs.dryRun) {
    const planned = planRollback(opened.stored, deployment, to, true).map((s) => s.phase);
    core.setOutput(Outputs.rolledBack, JSON.stringify(planned));
    core.info(
      `would delete resource group ${group} with everything in it, then reset: ${planned.join(', ')}`,
    );
    await writeSummary(
      summaryOf(opened, opened.stored, phasesOf(deployment, opened.stored), new Map(), heading),
    );
    return;
  }
  const reporter = new ActionsReporter();
  const session = await Session.open({
    store: opened.state.store,
    deployment,
    command: `k0rdent-deploy rollback --to ${to} --fast`,
    reporter,
  });
  try {
    const result = await withCancellation((signal) =>
      fastRollback(session, deployment, reporter, { to, signal }),
    );
    core.setOutput(Outputs.rolledBack, JSON.stringify(result.reset));
    core.info(
      `resource group ${group} ${result.resourceGroup === 'deleted' ? 'deleted' : 'was already gone'}; ` +
        `reset to pending: ${result.reset.join(', ') || 'nothing'}`,
    );
    await writeSummary(summaryOf(opened, session.doc, phasesOf(deployment, session.doc), new Map(), heading));
    if (result.warnings.length > 0) {
      throw new PhaseFailedError(`the resource group is gone, but: ${result.warnings.join('; ')}`);
    }
  } finally {
    await session.close();
  }
}

function rollbackTable(
  steps: readonly (RollbackStep & { readonly result?: string; readonly error?: string })[],
  mode: 'planned' | 'done',
): string {
  if (steps.length === 0) return '_Nothing to roll back: the phase and those after it are pending._';
  const rows = steps.map(
    (s) =>
      `| \`${s.phase}\` | ${s.status} | ${s.action === 'undo' ? 'undo, then reset' : 'reset state only'} | ${
        mode === 'planned' ? 'planned' : (s.result ?? '')
      }${s.error ? `: ${s.error.split('\n')[0] ?? ''}` : ''} |`,
  );
  return [
    '### Rollback, newest first',
    '',
    '| Phase | Was | Action | Result |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
