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

/**
 * An explicit `AZURE_AUTHORITY_HOST` (a sovereign or private cloud's login endpoint) is trusted as
 * given: instance discovery asks the public cloud's login host about it, which such clouds cannot
 * answer, and which a runner without internet egress cannot reach.
 */
export function authorityOptions(
  env: NodeJS.ProcessEnv,
): { authorityHost: string; disableInstanceDiscovery: true } | Record<string, never> {
  const host = env.AZURE_AUTHORITY_HOST;
  return host ? { authorityHost: host, disableInstanceDiscovery: true } : {};
}

/**
 * GitHub's OIDC tokens live for minutes; Azure exchanges one only when an access token is due. Each
 * Azure client asks for the assertion on its own, so one token serves a step's clients for a minute
 * instead of one request to the runner's token service per client.
 */
const ASSERTION_REUSE_MS = 60_000;

function reusedFor(ms: number, fetch: () => Promise<string>): () => Promise<string> {
  let cached: { readonly value: Promise<string>; readonly until: number } | undefined;
  return () => {
    const now = Date.now();
    if (cached === undefined || now >= cached.until) {
      const entry = { value: fetch(), until: now + ms };
      cached = entry;
      // A failed fetch is not kept: the next request asks again.
      entry.value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}

/** Azure would not give a token; the message says what Entra answered and what to check. */
export class AzureLoginError extends Error {
  override readonly name = 'AzureLoginError';
}

export async function azureCredential(env: NodeJS.ProcessEnv = process.env): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  const options = authorityOptions(env);
  const kind = credentialKind(env);
  if (kind === 'github-oidc') {
    const core = await import('@actions/core');
    return explained(
      new identity.ClientAssertionCredential(
        env.AZURE_TENANT_ID ?? '',
        env.AZURE_CLIENT_ID ?? '',
        reusedFor(ASSERTION_REUSE_MS, () => core.getIDToken(GITHUB_OIDC_AUDIENCE)),
        options,
      ),
      kind,
      env,
    );
  }
  return explained(new identity.DefaultAzureCredential(options), kind, env);
}

/** The SDK's login errors say what Entra answered; this says what to change. */
function explained(
  credential: TokenCredential,
  kind: CredentialKind,
  env: NodeJS.ProcessEnv,
): TokenCredential {
  return {
    getToken: async (scopes, options) => {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        if (options?.abortSignal?.aborted) throw error;
        throw new AzureLoginError(
          loginAdvice(kind, env, error instanceof Error ? error.message : String(error)),
        );
      }
    },
  };
}

export function loginAdvice(kind: CredentialKind, env: NodeJS.ProcessEnv, cause: string): string {
  if (kind === 'github-oidc') {
    const repository = env.GITHUB_REPOSITORY ?? 'OWNER/REPO';
    return (
      `Azure login with the runner's OIDC token failed (tenant ${env.AZURE_TENANT_ID ?? '?'}, ` +
      `client ${env.AZURE_CLIENT_ID ?? '?'}): ${cause}. Check that AZURE_CLIENT_ID and AZURE_TENANT_ID ` +
      `name an app registration (or managed identity) with a federated credential for this workflow ` +
      `(issuer https://token.actions.githubusercontent.com, subject repo:${repository}:…, audience ` +
      `${GITHUB_OIDC_AUDIENCE}) and a role on the subscription.`
    );
  }
  const onRunner = env.GITHUB_ACTIONS === 'true';
  return (
    `Azure login failed: ${cause}. ` +
    (onRunner
      ? 'For OIDC, give the job `permissions: id-token: write` and set AZURE_CLIENT_ID and AZURE_TENANT_ID.'
      : 'Sign in with `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET.')
  );
}
