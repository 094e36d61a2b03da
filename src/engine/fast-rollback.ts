/**
 * `rollback --fast` (CLI) and `fast: true` (rollback action): the built-in deployment's uninstall by
 * deleting its resource group at once, instead of undoing each phase. One orchestration for both
 * surfaces; the work itself is the built-in phases' fastDestroy.
 */
import type { Deployment } from '../phases/phase.js';
import type { Reporter } from './reporter.js';
import { phaseContext } from './run.js';
import type { Session } from './session.js';

export type FastTarget = 'prepare_deployment' | 'setup_network';

export interface FastRollbackResult {
  readonly resourceGroup: 'deleted' | 'absent';
  readonly reset: readonly string[];
  readonly warnings: readonly string[];
}

/** The phases a fast rollback may go back to, and whether `deployment` is one it can do at all. */
export async function fastRollbackTargets(
  deployment: Deployment,
): Promise<{ readonly builtIn: boolean; readonly targets: readonly FastTarget[] }> {
  const { FAST_TARGETS, isBuiltIn } = await import('../phases/k0rdent/index.js');
  return { builtIn: isBuiltIn(deployment), targets: FAST_TARGETS };
}

/** The resource group of the built-in deployment `deployment`, for messages. */
export async function resourceGroupOf(deployment: Deployment): Promise<string> {
  const { partsOf } = await import('../phases/k0rdent/index.js');
  return partsOf(deployment).names.resourceGroup;
}

export async function fastRollback(
  session: Session,
  deployment: Deployment,
  reporter: Reporter,
  options: { readonly to: FastTarget; readonly signal: AbortSignal },
): Promise<FastRollbackResult> {
  const { fastDestroy } = await import('../phases/k0rdent/index.js');
  const phase = deployment.phases.find((p) => p.name === 'setup_network');
  if (!phase) throw new Error('setup_network missing from the built-in deployment');
  return fastDestroy(deployment, phaseContext(session, deployment, phase, reporter, options.signal), {
    to: options.to,
    commit: () => session.commit(),
  });
}
