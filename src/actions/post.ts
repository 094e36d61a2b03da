/**
 * Post steps (they run when the job fails or is cancelled too). A phase this job's step began and
 * that is still in_progress was interrupted: it is recorded as failed, with the job's attempt, so
 * the next attempt re-runs it. Then whatever the job changed and did not upload yet is uploaded,
 * from the working copy: a post step does not load the state again.
 */
import * as core from './runner-commands.js';
import { finishPhase } from '../engine/step.js';
import { Session } from '../engine/session.js';
import { silentReporter } from '../engine/reporter.js';
import { retentionInput, stateKeyInputs } from './inputs.js';
import { Inputs, States } from './constants.js';
import { readInput } from './common.js';
import { runnerContext } from './runner-context.js';
import { openStateStore } from './state-store.js';

export async function persistInPost(what: string): Promise<void> {
  const deploymentId = core.getState(States.deploymentId);
  if (!deploymentId) {
    core.debug(`${what}: the main step stopped before it opened the state; nothing to persist`);
    return;
  }
  const ctx = runnerContext();
  const backend = core.getState(States.backend) === 'local' ? 'local' : 'artifact';
  const token = readInput(Inputs.githubToken).trim();
  const opened = openStateStore({
    backend,
    deploymentId,
    ...(token === '' ? {} : { githubToken: token }),
    ...stateKeyInputs(readInput),
    ...retentionInput(readInput),
    mode: 'working-copy',
    ctx,
  });
  const phase = core.getState(States.phase);
  if (phase && core.getState(States.began) === 'true') {
    const record = (await opened.store.load())?.doc.phases[phase];
    const run = record?.last_run;
    if (
      record?.status === 'in_progress' &&
      run?.run_id === String(ctx.runId) &&
      run.attempt === ctx.attempt &&
      run.job === ctx.job
    ) {
      const session = await Session.open({
        store: opened.store,
        command: `k0rdent-deploy post ${what}`,
        reporter: { ...silentReporter, warn: (message) => core.debug(message) },
      });
      try {
        const message =
          `the job ended while ${phase} was in progress (run ${ctx.runId} attempt ${ctx.attempt}, job ${ctx.job}): ` +
          'a step failed, timed out or was cancelled before the phase finished';
        await finishPhase(session, phase, { status: 'failed', error: { message, class: 'transient' } });
        core.warning(`${message}. Recorded as failed; the next attempt runs it again.`, {
          title: `Phase interrupted: ${phase}`,
        });
      } finally {
        await session.close();
      }
    }
  }
  if (await opened.flush()) core.info(`${what}: uploaded the deployment state`);
}
