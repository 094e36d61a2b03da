/**
 * The deployment an action works on: phases from a pipeline file or the k0rdent config (read by the
 * same loadDefinition the CLI uses, its id settled by the same rules), or a phase defined by the
 * action's own inputs (`run`, `validate`, `needs`; the gate and complete actions wrap steps of the
 * user's job).
 */
import {
  loadDefinition,
  settleIdentity,
  type DeploymentDefinition,
  type IdentityContext,
} from '../engine/deployment-source.js';
import type { SettledIdentity } from '../engine/deployment-identity.js';
import { PhaseGraph } from '../graph/dag.js';
import type { Deployment, Phase, PhaseContext } from '../phases/phase.js';
import { PipelinePhase } from '../phases/pipeline/pipeline-phase.js';
import type { StateDocument } from '../state/schema.js';
import { Inputs } from './constants.js';
import * as core from './runner-commands.js';
import { ActionInputError, type CommonInputs } from './inputs.js';
import type { RunnerContext } from './runner-context.js';

/** The pipeline or built-in deployment named by the `pipeline` or `config` input, if either is set. */
export async function definitionFromInputs(inputs: CommonInputs): Promise<DeploymentDefinition | undefined> {
  if (inputs.pipeline === undefined && inputs.config === undefined) return undefined;
  return loadDefinition({
    ...(inputs.pipeline === undefined ? {} : { pipeline: inputs.pipeline }),
    ...(inputs.config === undefined ? {} : { config: inputs.config }),
    ...switchOptions(inputs),
    pipelineOption: `input ${Inputs.pipeline}`,
    configOption: `input ${Inputs.config}`,
  });
}

export type SwitchInputs = Pick<CommonInputs, 'enable' | 'disable'>;

/**
 * The `enable` / `disable` inputs as the CLI's `--enable` / `--disable`, named as inputs in messages;
 * the configuration's notices (KOF switching setup_azure_children on) in the step's log, as the CLI's.
 */
function switchOptions(inputs: SwitchInputs) {
  return {
    onNotice: (message: string) => core.info(`notice: ${message}`),
    ...(inputs.enable === undefined ? {} : { enable: inputs.enable }),
    ...(inputs.disable === undefined ? {} : { disable: inputs.disable }),
    enableOption: `input ${Inputs.enable}`,
    disableOption: `input ${Inputs.disable}`,
  };
}

/**
 * How actions settle an id nobody names: derived from the repository and the config file, the same
 * in every step, job, attempt and later run (each step starts without the state in hand).
 */
export function actionIdentityContext(ctx: RunnerContext): IdentityContext {
  return {
    explicitName: `input ${Inputs.deploymentId}`,
    storedAdvice: `Set input ${Inputs.deploymentId} to the deployment it holds, or use another state location for a second deployment.`,
    fallback: ctx.owner && ctx.repo ? { derive: { repository: `${ctx.owner}/${ctx.repo}` } } : 'generate',
  };
}

/**
 * The deployment id: the input, the file's pin, the id a local state directory holds, else one
 * derived for the built-in deployment. A pipeline or stored state that names none needs the input.
 */
export function settleActionIdentity(
  inputs: CommonInputs,
  definition: DeploymentDefinition | undefined,
  stored: { readonly id: string; readonly where: string } | undefined,
  ctx: RunnerContext,
): SettledIdentity {
  const claims = {
    ...(inputs.deploymentId === undefined ? {} : { explicit: inputs.deploymentId }),
    ...(stored ? { stored } : {}),
  };
  const context = actionIdentityContext(ctx);
  if (definition) {
    const settled = settleIdentity(definition, claims, context);
    if (settled) return settled;
    throw new ActionInputError(
      `${definition.source} names no deployment: set input ${Inputs.deploymentId}, or add \`deployment: NAME\` to it`,
    );
  }
  if (inputs.deploymentId !== undefined && stored && stored.id !== inputs.deploymentId) {
    throw new ActionInputError(
      `${stored.where} holds deployment "${stored.id}", not "${inputs.deploymentId}" (from input ${Inputs.deploymentId}). ${context.storedAdvice}`,
    );
  }
  const id = inputs.deploymentId ?? stored?.id;
  if (id === undefined) {
    throw new ActionInputError(
      `input ${Inputs.deploymentId} is required when neither ${Inputs.pipeline} nor ${Inputs.config} names the deployment`,
    );
  }
  return inputs.deploymentId !== undefined
    ? { id, source: 'explicit', how: `from input ${Inputs.deploymentId}` }
    : { id, source: 'stored', how: `the one ${stored?.where ?? 'the state'} holds` };
}

/** The deployment for a stored state without a file: the pipeline or config it was last run with. */
export async function recordedDeployment(
  stored: StateDocument,
  switches: SwitchInputs = {},
): Promise<Deployment> {
  const definition = await loadDefinition(switchOptions(switches), stored);
  return definition.deployment(stored.deployment_id);
}

export interface AdHocPhase {
  readonly phase: string;
  /** The phase's command; absent for a gate, whose work is the job's own steps. */
  readonly run?: string;
  readonly validate?: string;
  readonly needs: readonly string[];
}

/** A deployment of one phase defined by inputs; the phases it needs are only read from the state. */
export function adHocDeployment(id: string, spec: AdHocPhase): Deployment {
  const built = PhaseGraph.build([
    { name: spec.phase, needs: spec.needs },
    ...spec.needs.filter((n) => n !== spec.phase).map((name) => ({ name, needs: [] })),
  ]);
  if (!(built instanceof PhaseGraph)) {
    throw new ActionInputError(`input ${Inputs.needs}: a phase cannot need itself`);
  }
  const phase: Phase =
    spec.run === undefined
      ? externalPhase(spec)
      : new PipelinePhase(
          {
            name: spec.phase,
            run: spec.run,
            needs: [...spec.needs],
            ...(spec.validate === undefined ? {} : { validate: spec.validate }),
          },
          undefined,
        );
  return {
    id,
    source: { kind: 'pipeline' },
    phases: [phase],
    graph: built,
    flags: {},
    config: null,
  };
}

/** A phase whose work is done by the steps between the gate and complete actions. */
function externalPhase(spec: AdHocPhase): Phase {
  const validator =
    spec.validate === undefined
      ? undefined
      : new PipelinePhase({ name: spec.phase, run: 'true', validate: spec.validate }, undefined).validate;
  return {
    name: spec.phase,
    displayName: spec.phase,
    needs: spec.needs,
    optional: false,
    runnerScoped: false,
    inputs: {},
    run: (context: PhaseContext) =>
      Promise.reject(new Error(`${context.phase} runs in the job's own steps, between gate and complete`)),
    ...(validator ? { validate: validator } : {}),
  };
}
