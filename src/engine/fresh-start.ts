/**
 * The check before a deployment starts without any state (DESIGN.md section 4): a built-in deployment
 * asks Azure whether resources of it still run, and stops when they do (phases/k0rdent/fresh-start.ts).
 * Deployments of user pipelines have no such knowledge and start fresh as before.
 */
import type { Deployment } from '../phases/phase.js';
import type { StateDocument } from '../state/schema.js';

export interface FreshStartGuard {
  /** Where the state was looked for. */
  readonly searched: string;
  /** Ways on, in the surface's terms; the last one is the override. */
  readonly ways: readonly string[];
  /** The user knowingly starts over: what Azure holds is only reported. */
  readonly adoptFresh: boolean;
  readonly notice: (message: string) => void;
  readonly warn: (message: string) => void;
  readonly signal?: AbortSignal;
}

export async function guardFreshStart(
  deployment: Deployment,
  stored: StateDocument | undefined,
  guard: FreshStartGuard,
): Promise<void> {
  if (stored) return;
  const { assertNothingLive, isBuiltIn, LiveDeploymentError } = await import('../phases/k0rdent/index.js');
  if (!isBuiltIn(deployment)) return;
  const options = {
    searched: guard.searched,
    ways: guard.ways,
    signal: guard.signal ?? new AbortController().signal,
  };
  if (!guard.adoptFresh) {
    const notice = await assertNothingLive(deployment, options);
    if (notice) guard.notice(notice);
    return;
  }
  try {
    await assertNothingLive(deployment, options);
  } catch (error) {
    if (!(error instanceof LiveDeploymentError)) {
      guard.warn(`starting deployment ${deployment.id} fresh as asked; Azure could not be checked first`);
      return;
    }
    guard.warn(
      `starting fresh as asked, although: ${error.message.split('. Starting fresh')[0] ?? error.message}`,
    );
  }
}
