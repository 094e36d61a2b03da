/**
 * The deployment an action works on: phases from a pipeline file or the k0rdent config (through the
 * same resolveDeployment the CLI uses), or a phase defined by the action's own inputs (`run`,
 * `validate`, `needs`; the gate and complete actions wrap steps of the user's job).
 */
import { resolveDeployment, type DeploymentOptions } from '../engine/deployment-source.js';
import { PhaseGraph } from '../graph/dag.js';
import type { Deployment, Phase, PhaseContext } from '../phases/phase.js';
import { PipelinePhase } from '../phases/pipeline/pipeline-phase.js';
import type { StateDocument } from '../state/schema.js';
import { Inputs } from './constants.js';
import { ActionInputError, type CommonInputs } from './inputs.js';

/** The deployment named by `pipeline` or `config`, if either is given. */
export async function deploymentFromFile(inputs: CommonInputs): Promise<Deployment | undefined> {
  if (inputs.pipeline === undefined && inputs.config === undefined) return undefined;
  // `config` selects the built-in k0rdent deployment in resolveDeployment.
  const options: DeploymentOptions & { readonly config?: string } = {
    ...(inputs.pipeline === undefined ? {} : { pipeline: inputs.pipeline }),
    ...(inputs.config === undefined ? {} : { config: inputs.config }),
  };
  const deployment = await resolveDeployment(options);
  if (inputs.deploymentId !== undefined && inputs.deploymentId !== deployment.id) {
    throw new ActionInputError(
      `input ${Inputs.deploymentId} is "${inputs.deploymentId}", but ${inputs.pipeline ?? inputs.config ?? ''} ` +
        `deploys "${deployment.id}": leave ${Inputs.deploymentId} empty or make them match`,
    );
  }
  return deployment;
}

export function deploymentIdOf(inputs: CommonInputs, fromFile: Deployment | undefined): string {
  const id = fromFile?.id ?? inputs.deploymentId;
  if (id === undefined) {
    throw new ActionInputError(
      `input ${Inputs.deploymentId} is required when neither ${Inputs.pipeline} nor ${Inputs.config} names the deployment`,
    );
  }
  return id;
}

/** The deployment for a stored state without a file: the pipeline it was last run with. */
export function recordedDeployment(stored: StateDocument | undefined): Promise<Deployment> {
  return resolveDeployment({}, stored);
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
