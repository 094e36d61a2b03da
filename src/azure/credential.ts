/**
 * The Azure credential: in GitHub Actions with an OIDC token available, a federated
 * `ClientAssertionCredential` that asks the runner for a fresh token whenever Azure needs one (long
 * jobs outlive a CLI login); elsewhere `DefaultAzureCredential` (environment, Azure CLI, managed
 * identity, …). Both packages load on first use only.
 */
import type { TokenCredential } from '@azure/identity';

export const GITHUB_OIDC_AUDIENCE = 'api://AzureADTokenExchange';

export type CredentialKind = 'github-oidc' | 'default';

export function credentialKind(env: NodeJS.ProcessEnv): CredentialKind {
  return env.GITHUB_ACTIONS === 'true' &&
    env.ACTIONS_ID_TOKEN_REQUEST_URL !== undefined &&
    env.AZURE_CLIENT_ID !== undefined &&
    env.AZURE_TENANT_ID !== undefined
    ? 'github-oidc'
    : 'default';
}

export async function azureCredential(env: NodeJS.ProcessEnv = process.env): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  if (credentialKind(env) === 'github-oidc') {
    const core = await import('@actions/core');
    return new identity.ClientAssertionCredential(env.AZURE_TENANT_ID ?? '', env.AZURE_CLIENT_ID ?? '', () =>
      core.getIDToken(GITHUB_OIDC_AUDIENCE),
    );
  }
  return new identity.DefaultAzureCredential();
}
