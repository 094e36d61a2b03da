/**
 * Never start fresh over a live deployment. A built-in deployment that finds no state at all (expired
 * artifacts, a wrong backend, a lost attempt) would have prepare_deployment make new WireGuard and SSH
 * keys while its VMs still run with the old ones. So before anything is generated, Azure is asked for
 * resources tagged with the deployment's id (one ARM request); if any exist, the command stops.
 */
import { DEPLOYMENT_TAG } from '../../azure/tags.js';
import { messageOf, UserError } from '../../errors.js';
import type { Deployment } from '../phase.js';
import { PhaseConfigurationError } from '../phase.js';
import { partsOf } from './parts.js';

/** How many of the found resources a message names. */
const NAMED = 8;

/** Azure holds resources of a deployment that has no state here. Exit code 2. */
export class LiveDeploymentError extends UserError {
  override readonly name = 'LiveDeploymentError';
}

export interface FreshStartOptions {
  /** Where the state was looked for, e.g. `local state directory ./state`. */
  readonly searched: string;
  /** Ways on, in the surface's terms (`k0rdent-deploy state pull …`, another backend, the override). */
  readonly ways: readonly string[];
  readonly signal: AbortSignal;
}

/**
 * Throws LiveDeploymentError when Azure holds resources tagged with the deployment's id; returns a
 * notice when it could not ask (no subscription configured: nothing can have been deployed with it).
 */
export async function assertNothingLive(
  deployment: Deployment,
  options: FreshStartOptions,
): Promise<string | undefined> {
  const { runtime } = partsOf(deployment);
  let gateway;
  try {
    gateway = await runtime.azure(options.signal);
  } catch (error) {
    if (error instanceof PhaseConfigurationError) {
      return `deployment ${deployment.id} has no state yet; no Azure subscription is configured, so Azure was not asked whether resources of it run`;
    }
    throw error;
  }
  let found;
  try {
    found = await gateway.findTagged(DEPLOYMENT_TAG, deployment.id);
  } catch (error) {
    throw new UserError(
      `deployment ${deployment.id} has no state in ${options.searched}, and Azure could not be asked whether ` +
        `resources of it still run (${messageOf(error).split('\n')[0] ?? ''}). Nothing was generated. Fix the ` +
        `Azure login and run again, or ${options.ways.at(-1) ?? 'start over knowingly'}.`,
    );
  }
  if (found.length === 0) return undefined;
  const named = found
    .slice(0, NAMED)
    .map(
      (r) =>
        `${r.type.split('/').pop() ?? r.type} ${r.name}${r.resourceGroup ? ` (${r.resourceGroup})` : ''}`,
    );
  const more = found.length > NAMED ? `, and more` : '';
  throw new LiveDeploymentError(
    `deployment ${deployment.id} has no state in ${options.searched}, but Azure holds resources tagged ` +
      `${DEPLOYMENT_TAG}=${deployment.id}: ${named.join(', ')}${more}. Starting fresh would make new keys that the ` +
      'running VMs do not have, so nothing was generated. Where the state may be, and how to go on: ' +
      options.ways.map((way, i) => `(${i + 1}) ${way}`).join('; ') +
      '.',
  );
}
