/** Ownership tags every Azure resource of a deployment carries: who made it, for what, from which run. */
import type { Tags } from './gateway.js';

export const DEPLOYMENT_TAG = 'k0rdent-deployment';

export function ownershipTags(deploymentId: string, owner: string | undefined, env: NodeJS.ProcessEnv): Tags {
  return {
    [DEPLOYMENT_TAG]: deploymentId,
    'cluster-id': deploymentId,
    'created-by': 'k0rdent-deploy',
    'run-url': runUrl(env),
    ...(owner ? { owner: owner.slice(0, 256) } : {}),
  };
}

/** The GitHub Actions run that made a change, or `local` outside Actions. */
export function runUrl(env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) {
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return 'local';
}
