/**
 * The azure-blob backend with the login a platform team uses in Actions (issue 13, section 1): no
 * storage key or SAS anywhere, the state written with the same OIDC federated login as the ARM phases.
 * The built prepare-deployment action runs with `state-backend: azure-blob` against a real Azurite
 * serving HTTPS with Entra ID token checks (`--oauth basic`: issuer, audience, lifetime), the fake
 * Entra ID trading the runner's OIDC token for a storage token, and the fake ARM for the fresh-start
 * guard.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { startAzuriteBlob, type AzuriteBlob } from '../support/actions-emulator/azurite-process.js';
import { createCertificate, type Certificate } from '../support/fake-arm/certificate.js';
import { startFakeArm, type FakeArm } from '../support/fake-arm/index.js';
import { startFakeIdentity, type FakeIdentity } from '../support/fake-identity.js';
import { RunnerJob } from '../actions/support/runner.js';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-000000000000';
const DEPLOYMENT = 'k0rdent-blob-oidc';
const CONTAINER = 'k0rdent-state';
const STORAGE_SCOPE = 'https://storage.azure.com/.default';

let gh: ActionsEmulator;
let identity: FakeIdentity;
let arm: FakeArm;
let azurite: AzuriteBlob;
let certificate: Certificate;
let root: string;
let caFile: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'blob-oidc-'));
  mkdirSync(join(root, 'azurite-cert'));
  certificate = await createCertificate(join(root, 'azurite-cert'));
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  identity = await startFakeIdentity({ tenantId: TENANT, clientId: CLIENT });
  arm = await startFakeArm({ acceptToken: (token) => identity.issued(token) });
  azurite = await startAzuriteBlob({ oauth: certificate });
  caFile = join(root, 'ca.pem');
  writeFileSync(caFile, arm.caCertPem + identity.caCertPem + certificate.certPem);
  expect((await storage('PUT', `/${CONTAINER}?restype=container`)).status).toBe(201);
}, 150_000);

afterAll(async () => {
  await Promise.all([gh.stop(), identity.stop(), arm.stop(), azurite.stop()]);
  rmSync(root, { recursive: true, force: true });
});

/**
 * A request to Azurite as the test's own admin, with a token of its own making (Azurite checks the
 * claims of a token, not its signature; the action under test gets its token from the fake Entra).
 */
function storage(method: string, path: string): Promise<{ status: number; body: string }> {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = [
    part({ alg: 'RS256', typ: 'JWT' }),
    part({
      aud: 'https://storage.azure.com',
      iss: `https://sts.windows.net/${TENANT}/`,
      iat: now,
      nbf: now,
      exp: now + 600,
    }),
    randomBytes(32).toString('base64url'),
  ].join('.');
  return new Promise((resolve, reject) => {
    const req = request(
      `${azurite.origin}/devstoreaccount1${path}`,
      {
        method,
        ca: certificate.certPem,
        timeout: 10_000,
        headers: { authorization: `Bearer ${token}`, 'x-ms-version': '2025-01-05', 'content-length': 0 },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on('error', reject);
    req.end();
  });
}

function job(runId: number): RunnerJob {
  return new RunnerJob({
    gh,
    runId,
    job: 'deploy',
    root,
    env: {
      NODE_EXTRA_CA_CERTS: caFile,
      ACTIONS_ID_TOKEN_REQUEST_URL: identity.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: identity.oidcRequestToken,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_TENANT_ID: TENANT,
      AZURE_AUTHORITY_HOST: identity.authorityHost,
      AZURE_SUBSCRIPTION_ID: arm.subscriptionId,
    },
  });
}

function inputs(j: RunnerJob): Record<string, string> {
  writeFileSync(
    join(j.workspace, 'k0rdent.yaml'),
    dump({
      metadata: { deployment_id: DEPLOYMENT },
      azure: { location: 'westus2', resource_manager_endpoint: arm.endpoint },
      network: { wireguard_port: 51820 },
    }),
  );
  return {
    config: 'k0rdent.yaml',
    'state-key': 'blob oidc test state key 0123456789abcdef',
    'state-backend': 'azure-blob',
    'state-url': `${azurite.origin}/devstoreaccount1/${CONTAINER}/deployments`,
  };
}

test('prepare-deployment keeps its state in blob storage with the runner OIDC login: a storage token from Entra, no key anywhere', async () => {
  const j = job(6001);
  const prepare = await j.run('./actions/prepare-deployment', inputs(j));
  await j.end();
  expect({ code: prepare.code, status: prepare.outputs.status, stderr: prepare.stderr }).toMatchObject({
    code: 0,
    status: 'completed',
  });

  // One login, two resources: storage for the state, ARM for the fresh-start guard.
  const scopes = identity.requests
    .filter((r) => r.service === 'entra' && r.path.endsWith('/oauth2/v2.0/token'))
    .map((r) => `${r.status} ${r.detail ?? ''}`);
  expect(scopes).toContain(`200 ${STORAGE_SCOPE}`);
  expect(scopes).toContain(`200 ${arm.endpoint}/.default`);

  // The state and its sensitive files are in the container, written with that token.
  const listing = await storage('GET', `/${CONTAINER}?restype=container&comp=list`);
  expect(listing.status).toBe(200);
  expect(listing.body).toContain(`<Name>deployments/${DEPLOYMENT}/k0rdent-state.yaml</Name>`);
  expect(listing.body).toContain(`<Name>deployments/${DEPLOYMENT}/files/`);
  const state = await storage('GET', `/${CONTAINER}/deployments/${DEPLOYMENT}/k0rdent-state.yaml`);
  expect(state.status).toBe(200);
  expect(state.body).toContain('format: k0rdent-state-snapshot/1');
  expect(state.body).toMatch(/phases:\n\s+prepare_deployment:\n(?:\s+\w+: .*\n){0,6}\s+status: completed\n/);
}, 120_000);

test('a federated credential Entra does not know: the state is not touched, and the message says what to check', async () => {
  const j = job(6002);
  const given = inputs(j);
  const before = await storage('GET', `/${CONTAINER}/deployments/${DEPLOYMENT}/k0rdent-state.yaml`);
  const prepare = await j.run('./actions/prepare-deployment', given, {
    AZURE_CLIENT_ID: '99999999-9999-4999-8999-999999999999',
  });
  await j.end();
  expect(prepare.code).not.toBe(0);
  expect(prepare.stdout).toContain('AADSTS700016');
  expect(prepare.stdout).toContain(`storage account devstoreaccount1`);
  const after = await storage('GET', `/${CONTAINER}/deployments/${DEPLOYMENT}/k0rdent-state.yaml`);
  expect(after).toEqual(before);
}, 120_000);
