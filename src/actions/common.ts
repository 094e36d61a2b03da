/** What every action does first: read the runner, find the deployment, open its state. */
import * as core from './runner-commands.js';
import { withCancellation as cancellable } from '../engine/cancellation.js';
import { UserError } from '../errors.js';
import type { Deployment } from '../phases/phase.js';
import type { StateDocument } from '../state/schema.js';
import { Inputs, Outputs, States } from './constants.js';
import { deploymentFromFile, deploymentIdOf, recordedDeployment } from './deployment.js';
import type { CommonInputs } from './inputs.js';
import { runnerContext, type RunnerContext } from './runner-context.js';
import { openStateStore, type OpenedStore } from './state-store.js';

export interface Opened {
  readonly ctx: RunnerContext;
  readonly deploymentId: string;
  /** The deployment named by `pipeline`/`config`, if given. */
  readonly fromFile: Deployment | undefined;
  readonly state: OpenedStore;
  /** The merged stored state (undefined when the deployment has none yet). */
  readonly stored: StateDocument | undefined;
}

/** Reads a raw input as the runner passes it (INPUT_<NAME>). */
export function readInput(name: string): string {
  return core.getInput(name);
}

export async function openDeployment(inputs: CommonInputs, phase?: string): Promise<Opened> {
  const ctx = runnerContext();
  const fromFile = await deploymentFromFile(inputs);
  const deploymentId = deploymentIdOf(inputs, fromFile);
  core.setOutput(Outputs.deploymentId, deploymentId);
  const state = openStateStore({
    backend: inputs.stateBackend,
    ...(inputs.stateUrl === undefined ? {} : { stateUrl: inputs.stateUrl }),
    deploymentId,
    ...(inputs.githubToken === undefined ? {} : { githubToken: inputs.githubToken }),
    ...(inputs.stateKey === undefined ? {} : { stateKey: inputs.stateKey }),
    ...(inputs.previousStateKey === undefined ? {} : { previousStateKey: inputs.previousStateKey }),
    mode: 'remote',
    ctx,
  });
  core.setOutput(Outputs.stateFile, state.stateFile);
  // What the post step needs to find this state again, saved before anything can fail midway.
  core.saveState(States.deploymentId, deploymentId);
  core.saveState(States.backend, state.backend);
  if (phase !== undefined) core.saveState(States.phase, phase);
  const stored = (await state.store.load())?.doc;
  return { ctx, deploymentId, fromFile, state, stored };
}

/** The deployment from the file inputs, else the pipeline the stored state was run with. */
export async function deploymentFor(opened: Opened): Promise<Deployment> {
  if (opened.fromFile) return opened.fromFile;
  try {
    return await recordedDeployment(opened.stored);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    throw new UserError(
      `no phases for deployment ${opened.deploymentId}: set the ${Inputs.pipeline} input (phases of your own) ` +
        `or the ${Inputs.config} input (the built-in k0rdent phases)`,
    );
  }
}

/** Cancels the running work on SIGINT/SIGTERM (a cancelled job), so the phase is recorded as failed. */
export function withCancellation<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return cancellable((message) => core.info(message), work);
}
