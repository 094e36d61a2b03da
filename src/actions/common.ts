/** What every action does first: read the runner, find the deployment, open its state. */
import * as core from './runner-commands.js';
import { withCancellation as cancellable } from '../engine/cancellation.js';
import { UserError } from '../errors.js';
import type { Deployment } from '../phases/phase.js';
import type { StateDocument } from '../state/schema.js';
import { Inputs, Outputs, States } from './constants.js';
import {
  definitionFromInputs,
  recordedDeployment,
  settleActionIdentity,
  type SwitchInputs,
} from './deployment.js';
import type { CommonInputs } from './inputs.js';
import { runnerContext, type RunnerContext } from './runner-context.js';
import { openLocalStore, openStateStore, resolveBackend, type OpenedStore } from './state-store.js';

export interface Opened {
  readonly ctx: RunnerContext;
  readonly deploymentId: string;
  /** The deployment named by `pipeline`/`config`, if given. */
  readonly fromFile: Deployment | undefined;
  readonly state: OpenedStore;
  /** The merged stored state (undefined when the deployment has none yet). */
  readonly stored: StateDocument | undefined;
  /** The `enable` / `disable` inputs, for a deployment rebuilt from the state. */
  readonly switches: SwitchInputs;
}

/** Reads a raw input as the runner passes it (INPUT_<NAME>). */
export function readInput(name: string): string {
  return core.getInput(name);
}

/**
 * Finds the deployment and opens its state. The id is settled before the store opens: the artifact
 * backend keeps each deployment under its id, while a local directory says which one it holds.
 */
export async function openDeployment(inputs: CommonInputs, phase?: string): Promise<Opened> {
  const ctx = runnerContext();
  const definition = await definitionFromInputs(inputs);
  const storeRequest = {
    backend: inputs.stateBackend,
    ...(inputs.stateUrl === undefined ? {} : { stateUrl: inputs.stateUrl }),
    ...(inputs.githubToken === undefined ? {} : { githubToken: inputs.githubToken }),
    ...(inputs.stateKey === undefined ? {} : { stateKey: inputs.stateKey }),
    ...(inputs.previousStateKey === undefined ? {} : { previousStateKey: inputs.previousStateKey }),
    ...(inputs.retentionDays === undefined ? {} : { retentionDays: inputs.retentionDays }),
    mode: 'remote' as const,
    ctx,
  };
  const local = resolveBackend(inputs.stateBackend, ctx) === 'local' ? openLocalStore(ctx) : undefined;
  const localDoc = local ? (await local.store.load())?.doc : undefined;
  const identity = settleActionIdentity(
    inputs,
    definition,
    local && localDoc ? { id: localDoc.deployment_id, where: local.store.description } : undefined,
    ctx,
  );
  const deploymentId = identity.id;
  if (identity.source !== 'explicit') {
    core.info(`deployment ${deploymentId}: ${identity.how}`);
  }
  core.setOutput(Outputs.deploymentId, deploymentId);
  const state = local ?? openStateStore({ ...storeRequest, deploymentId });
  core.setOutput(Outputs.stateFile, state.stateFile);
  // What the post step needs to find this state again, saved before anything can fail midway.
  core.saveState(States.deploymentId, deploymentId);
  core.saveState(States.backend, state.backend);
  if (phase !== undefined) core.saveState(States.phase, phase);
  const stored = local ? localDoc : (await state.store.load())?.doc;
  const fromFile = definition?.deployment(deploymentId);
  const switches = {
    ...(inputs.enable === undefined ? {} : { enable: inputs.enable }),
    ...(inputs.disable === undefined ? {} : { disable: inputs.disable }),
  };
  return { ctx, deploymentId, fromFile, state, stored, switches };
}

/** The deployment from the file inputs, else the pipeline or config the stored state was run with. */
export async function deploymentFor(opened: Opened): Promise<Deployment> {
  if (opened.fromFile) return opened.fromFile;
  const noPhases = () =>
    new UserError(
      `no phases for deployment ${opened.deploymentId}: set the ${Inputs.pipeline} input (phases of your own) ` +
        `or the ${Inputs.config} input (the built-in k0rdent phases)`,
    );
  if (!opened.stored) throw noPhases();
  try {
    return await recordedDeployment(opened.stored, opened.switches);
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    // A mistake in the step's own inputs (`enable`, `disable`) is told as it is.
    if (
      error.message.startsWith(`input ${Inputs.enable} `) ||
      error.message.startsWith(`input ${Inputs.disable} `)
    )
      throw error;
    throw noPhases();
  }
}

/** Cancels the running work on SIGINT/SIGTERM (a cancelled job), so the phase is recorded as failed. */
export function withCancellation<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return cancellable((message) => core.info(message), work);
}
