/** Which credential is used where, and the ownership tags every resource carries. */
import { authorityOptions, credentialKind, loginAdvice } from '../../src/azure/credential.js';
import { isFailedOperation, isNotFound, isRetryable } from '../../src/azure/errors.js';
import { ownershipTags } from '../../src/azure/tags.js';

test('GitHub Actions with an OIDC token and a client id: federated credential; anything else: the default chain', () => {
  const actions = {
    GITHUB_ACTIONS: 'true',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token',
    AZURE_CLIENT_ID: 'c',
    AZURE_TENANT_ID: 't',
  };
  expect(credentialKind(actions)).toBe('github-oidc');
  expect(credentialKind({ ...actions, ACTIONS_ID_TOKEN_REQUEST_URL: undefined })).toBe('default');
  expect(credentialKind({ AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't' })).toBe('default');
});

test('ownership tags name the deployment, the tool and the run', () => {
  expect(
    ownershipTags('k0rdent-ab12cd34', 'alice', { GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: 'acme/infra' }),
  ).toEqual({
    'k0rdent-deployment': 'k0rdent-ab12cd34',
    'cluster-id': 'k0rdent-ab12cd34',
    'created-by': 'k0rdent-deploy',
    'run-url': 'https://github.com/acme/infra/actions/runs/42',
    owner: 'alice',
  });
  expect(ownershipTags('k0rdent-ab12cd34', undefined, {})['run-url']).toBe('local');
});

test('SDK error shapes: RestError-like by status and code, failed operations by message', () => {
  expect(isNotFound({ statusCode: 404, code: 'ResourceNotFound' })).toBe(true);
  expect(isNotFound({ code: 'ResourceGroupNotFound' })).toBe(true);
  expect(isRetryable({ statusCode: 429 })).toBe(true);
  expect(isRetryable({ statusCode: 503 })).toBe(true);
  expect(isRetryable({ statusCode: 501 })).toBe(false);
  expect(isRetryable({ statusCode: 409 })).toBe(false);
  expect(
    isFailedOperation(new Error('The long-running operation has failed. OSProvisioningTimedOut. x')),
  ).toBe(true);
  expect(
    isFailedOperation(Object.assign(new Error('The long-running operation has failed'), { statusCode: 400 })),
  ).toBe(false);
});

test('an explicit authority host is trusted as given; none leaves the public cloud with discovery', () => {
  expect(authorityOptions({ AZURE_AUTHORITY_HOST: 'https://login.microsoftonline.us' })).toEqual({
    authorityHost: 'https://login.microsoftonline.us',
    disableInstanceDiscovery: true,
  });
  expect(authorityOptions({})).toEqual({});
});

test('a failed login outside OIDC says how to sign in, locally and on a runner', () => {
  expect(loginAdvice('default', {}, 'no credential')).toBe(
    'Azure login failed: no credential. Sign in with `az login`, or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET.',
  );
  expect(loginAdvice('default', { GITHUB_ACTIONS: 'true' }, 'no credential')).toContain(
    '`permissions: id-token: write`',
  );
});
