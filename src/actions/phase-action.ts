/** The root action and its per-phase presets: one phase through the gate, run by the engine. */
import * as core from './runner-commands.js';
import { provideSelfCommand } from '../cli/self-command.js';
import { planDeployment } from '../engine/plan.js';
import { assertSucceeded, runDeployment } from '../engine/run.js';
import { gatePhaseOf } from '../engine/evaluate.js';
import { decide } from '../engine/gate.js';
import { requirePhase } from '../engine/select.js';
import { UserError } from '../errors.js';
import type { Deployment, Phase } from '../phases/phase.js';
import type { StateDocument } from '../state/schema.js';
import { Session } from '../engine/session.js';
import { statusOf } from '../state/document.js';
import { deploymentFor, openDeployment, readInput, withCancellation } from './common.js';
import { Inputs, Outputs, States } from './constants.js';
import { guardFreshStart } from '../engine/fresh-start.js';
import { adHocDeployment } from './deployment.js';
import { phaseInputs } from './inputs.js';
import { phasesOf } from './phase-list.js';
import { setPhaseOutputs, summarizePhaseStep } from './report.js';
import { ActionsReporter } from './reporter.js';
import { writeSummary } from './summary.js';

export async function phaseMain(presetPhase: string | undefined, cliPath: string | undefined): Promise<void> {
  const inputs = phaseInputs(readInput, presetPhase);
  const opened = await openDeployment(inputs, inputs.phase);
  const deployment =
    inputs.run !== undefined
      ? adHocDeployment(opened.deploymentId, {
          phase: inputs.phase,
          run: inputs.run,
          needs: inputs.needs,
          ...(inputs.validate === undefined ? {} : { validate: inputs.validate }),
        })
      : await deploymentFor(opened);
  const phase = requirePhase(deployment, inputs.phase);
  if (opened.stored) assertNotBlocked(opened.stored, deployment, phase);
  const reporter = new ActionsReporter();
  const phases = phasesOf(deployment, opened.stored);

  if (inputs.dryRun) {
    const [step] = await planDeployment(opened.stored, deployment, {
      only: inputs.phase,
      ...(inputs.force ? { force: true } : {}),
      env: opened.state.store.childEnv(),
    });
    core.setOutput(Outputs.ran, 'false');
    core.setOutput(Outputs.status, opened.stored ? statusOf(opened.stored, inputs.phase) : 'pending');
    core.setOutput(Outputs.reason, step ? `dry run: would ${step.action}: ${step.reason}` : 'dry run');
    core.info(
      `dry run: ${inputs.phase} would ${step?.action ?? '?'} (${step?.reason ?? ''}); nothing was changed`,
    );
    await writeSummary(
      `🔎 dry run: \`${inputs.phase}\` would **${step?.action ?? '?'}** — ${step?.reason ?? ''}\n`,
    );
    return;
  }

  if (inputs.phase === 'prepare_deployment') {
    await guardFreshStart(deployment, opened.stored, {
      searched: opened.state.store.description,
      ways: freshStartWays(opened.deploymentId),
      adoptFresh: inputs.adoptFresh,
      notice: (message) => core.notice(message, { title: 'No state yet' }),
      warn: (message) => core.warning(message, { title: 'Starting fresh over live resources' }),
    });
  }
  const self = provideSelfCommand(cliPath);
  const session = await Session.open({
    store: opened.state.store,
    deployment,
    command: `k0rdent-deploy action ${inputs.phase}`,
    reporter,
  });
  try {
    core.saveState(States.began, 'true');
    const summary = await withCancellation((signal) =>
      runDeployment(session, deployment, reporter, {
        only: inputs.phase,
        ...(inputs.force ? { force: true } : {}),
        signal,
        env: self.env,
      }),
    );
    setPhaseOutputs(session.doc, inputs.phase, reporter.steps.get(inputs.phase));
    await summarizePhaseStep(opened, session.doc, phases, reporter.steps, inputs.phase);
    assertSucceeded(summary);
  } finally {
    await session.close();
    self.dispose();
  }
}

/** Where the state of a deployment that Azure knows may be, in a workflow's terms. */
function freshStartWays(id: string): string[] {
  return [
    `when the workflow ran with another state backend, set ${Inputs.stateBackend} (and ${Inputs.stateUrl}) to it`,
    'workflow artifacts expire (90 days by default) and can vanish after "Re-run all jobs": if you have a copy ' +
      `(k0rdent-deploy state pull on a machine that has it), push it to blob storage (k0rdent-deploy state push --to azure-blob) and use ${Inputs.stateBackend}: azure-blob`,
    `to knowingly start deployment ${id} over with new keys (running VMs keep the old ones until re-created), set ${Inputs.adoptFresh}: true`,
  ];
}

/** A phase whose needs are not done cannot start; said in the terms of a workflow, not the CLI's. */
function assertNotBlocked(doc: StateDocument, deployment: Deployment, phase: Phase): void {
  const decision = decide(doc, deployment.graph, gatePhaseOf(phase));
  if (decision.action !== 'blocked') return;
  throw new UserError(
    `cannot run ${phase.name}: ${decision.reason}. Run ${decision.waitingFor.join(', ')} first, in an earlier ` +
      'step or job of the workflow (needs:), or re-run the job that failed.',
  );
}
