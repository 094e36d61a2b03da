/**
 * Which deployment a command or action works on: a pipeline file, the one recorded in the state,
 * or the built-in catalogue. Shared by the CLI and the GitHub Actions entry points.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import { K0RDENT_CATALOGUE } from '../graph/k0rdent-catalogue.js';
import type { Deployment } from '../phases/phase.js';
import type { K0rdentSourceOptions } from '../phases/k0rdent/index.js';
import { loadPipeline, type PipelineOverrides } from '../phases/pipeline/load.js';
import type { StateDocument } from '../state/schema.js';
import { assertSwitchesAgree } from './select.js';

export interface PhaseListing {
  readonly name: string;
  readonly displayName: string;
}

export interface DeploymentOptions extends PipelineOverrides, K0rdentSourceOptions {
  readonly pipeline?: string;
}

/**
 * The deployment to run: `--pipeline`, else the pipeline the state was last run with, else the
 * built-in k0rdent deployment from `--config` (or the default config files, or the state's snapshot).
 */
export async function resolveDeployment(
  options: DeploymentOptions,
  stored?: StateDocument,
): Promise<Deployment> {
  assertSwitchesAgree(options);
  const file = options.pipeline ?? recordedPipeline(stored);
  if (file !== undefined) {
    if (options.config !== undefined) throw new UserError('use either --pipeline or --config, not both');
    return loadPipeline(file, options);
  }
  if (stored?.source?.kind === 'pipeline') {
    throw new UserError(
      `the state holds pipeline deployment ${stored.deployment_id}, whose pipeline file ${stored.source.file ?? '(unknown)'} is gone; pass --pipeline FILE`,
    );
  }
  const { loadK0rdentDeployment } = await import('../phases/k0rdent/index.js');
  return loadK0rdentDeployment(options, stored);
}

/** Names and order for display, without needing the deployment to be runnable. */
export async function resolveListing(
  options: DeploymentOptions,
  stored?: StateDocument,
): Promise<PhaseListing[]> {
  const file = options.pipeline ?? recordedPipeline(stored);
  if (file !== undefined) {
    const deployment = await loadPipeline(file, options);
    const byName = new Map(deployment.phases.map((p) => [p.name, p.displayName]));
    return deployment.graph.order.map((name) => ({ name, displayName: byName.get(name) ?? name }));
  }
  if (!stored || stored.source?.kind === 'k0rdent') {
    return K0RDENT_CATALOGUE.map((entry) => ({ name: entry.name, displayName: entry.displayName }));
  }
  return Object.keys(stored.phases).map((name) => ({ name, displayName: name }));
}

function recordedPipeline(stored: StateDocument | undefined): string | undefined {
  const source = stored?.source;
  return source?.kind === 'pipeline' && source.file !== undefined && existsSync(source.file)
    ? source.file
    : undefined;
}
