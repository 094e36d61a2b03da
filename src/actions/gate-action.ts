/**
 * `gate` and `complete`: a phase made of the job's own steps. The gate decides (validating a
 * completed phase when a validate command is given), marks a phase that runs in_progress and says
 * so in its `run` output; complete marks it completed. The gate's post step records a phase still
 * in_progress at the end of the job as failed (see post.ts).
 */
import * as core from './runner-commands.js';
import { provideSelfCommand } from '../cli/self-command.js';
import { UserError } from '../errors.js';
import { gatePhaseOf } from '../engine/evaluate.js';
import { phaseContext } from '../engine/run.js';
import { requirePhase } from '../engine/select.js';
import { Session } from '../engine/session.js';
import { beginPhase, finishPhase } from '../engine/step.js';
import { statusOf } from '../state/document.js';
import { openDeployment, readInput } from './common.js';
import { Outputs, States } from './constants.js';
import { adHocDeployment } from './deployment.js';
import { completeInputs, gateInputs } from './inputs.js';
import { phasesOf } from './phase-list.js';
import { setPhaseOutputs, summarizePhaseStep } from './report.js';
import { ActionsReporter } from './reporter.js';
import { writeSummary } from './summary.js';

export async function gateMain(cliPath: string | undefined): Promise<void> {
  const inputs = gateInputs(readInput);
  const opened = await openDeployment(inputs, inputs.phase);
  const deployment =
    opened.fromFile ??
    adHocDeployment(opened.deploymentId, {
      phase: inputs.phase,
      needs: inputs.needs,
      ...(inputs.validate === undefined ? {} : { validate: inputs.validate }),
    });
  const phase = requirePhase(deployment, inputs.phase);
  const reporter = new ActionsReporter();
  const self = provideSelfCommand(cliPath);
  const session = await Session.open({
    store: opened.state.store,
    deployment,
    command: `k0rdent-deploy gate ${inputs.phase}`,
    reporter,
  });
  try {
    const signal = new AbortController().signal;
    const { decision } = await beginPhase(session, deployment, phase, reporter, {
      ...(inputs.force ? { force: true } : {}),
      context: () => {
        const context = phaseContext(session, deployment, phase, reporter, signal, self.env);
        return { ...context, output: { ...context.output, line: () => undefined } };
      },
    });
    if (decision.action === 'blocked') {
      throw new UserError(
        `cannot start ${inputs.phase}: ${decision.reason}. Complete ${decision.waitingFor.join(', ')} first ` +
          '(in an earlier step or job of this workflow).',
      );
    }
    await session.commit();
    const runs = decision.action === 'run';
    core.saveState(States.began, String(runs));
    core.setOutput(Outputs.run, String(runs));
    setPhaseOutputs(session.doc, inputs.phase, reporter.steps.get(inputs.phase));
    core.info(
      runs
        ? `${inputs.phase} is in progress: the steps guarded by this gate run, then complete marks it done`
        : `${inputs.phase} does not run: ${decision.reason}`,
    );
    await summarizePhaseStep(
      opened,
      session.doc,
      phasesOf(deployment, session.doc),
      reporter.steps,
      inputs.phase,
    );
  } finally {
    await session.close();
    self.dispose();
  }
}

export async function completeMain(): Promise<void> {
  const inputs = completeInputs(readInput);
  const opened = await openDeployment(inputs, inputs.phase);
  const deployment =
    opened.fromFile ?? adHocDeployment(opened.deploymentId, { phase: inputs.phase, needs: [] });
  const phase = requirePhase(deployment, inputs.phase);
  const reporter = new ActionsReporter();
  const session = await Session.open({
    store: opened.state.store,
    deployment,
    command: `k0rdent-deploy complete ${inputs.phase}`,
    reporter,
  });
  try {
    const status = statusOf(session.doc, inputs.phase);
    if (status === 'in_progress') {
      const { inputsHash, inputHashes } = gatePhaseOf(phase);
      await finishPhase(session, inputs.phase, { status: 'completed', inputsHash, inputHashes });
      core.info(`✔ ${inputs.phase}: completed`);
    } else if (status === 'completed' || status === 'skipped') {
      core.info(`${inputs.phase} is ${status}: the gate did not run it, nothing to complete`);
    } else {
      throw new UserError(
        `${inputs.phase} is ${status}, not in progress: run the gate action for it earlier in this job ` +
          `(and guard the steps in between with if: steps.<gate id>.outputs.run == 'true')`,
      );
    }
    core.setOutput(Outputs.status, statusOf(session.doc, inputs.phase));
    await writeSummary(
      `✅ \`${inputs.phase}\` (deployment \`${opened.deploymentId}\`): **${statusOf(session.doc, inputs.phase)}**\n`,
    );
  } finally {
    await session.close();
  }
}
