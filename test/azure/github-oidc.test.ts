/**
 * The login a platform team relies on, end to end with the built actions: in a GitHub job with
 * `id-token: write`, the setup-network action asks the runner's OIDC service for a token, trades it
 * at Entra ID for an ARM access token (ClientAssertionCredential, real MSAL), and builds the network
 * in a fake ARM that accepts only tokens that fake Entra issued. No Azure secret exists anywhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { startFakeArm, type FakeArm } from '../support/fake-arm/index.js';
import { startFakeIdentity, type FakeIdentity } from '../support/fake-identity.js';
import { RunnerJob } from '../actions/support/runner.js';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-000000000000';
const DEPLOYMENT = 'k0rdent-oidc';

let gh: ActionsEmulator;
let identity: FakeIdentity;
let arm: FakeArm;
let root: string;
let caFile: string;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  identity = await startFakeIdentity({ tenantId: TENANT, clientId: CLIENT });
  arm = await startFakeArm({ acceptToken: (token) => identity.issued(token) });
  root = mkdtempSync(join(tmpdir(), 'github-oidc-'));
  caFile = join(root, 'ca.pem');
  writeFileSync(caFile, arm.caCertPem + identity.caCertPem);
});

afterAll(async () => {
  await Promise.all([gh.stop(), identity.stop(), arm.stop()]);
  rmSync(root, { recursive: true, force: true });
});

function job(runId: number, env: Record<string, string> = {}): RunnerJob {
  return new RunnerJob({
    gh,
    runId,
    job: 'infrastructure',
    root,
    env: {
      NODE_EXTRA_CA_CERTS: caFile,
      ACTIONS_ID_TOKEN_REQUEST_URL: identity.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: identity.oidcRequestToken,
      AZURE_CLIENT_ID: CLIENT,
      AZURE_TENANT_ID: TENANT,
      AZURE_AUTHORITY_HOST: identity.authorityHost,
      AZURE_SUBSCRIPTION_ID: arm.subscriptionId,
      ...env,
    },
  });
}

function writeConfig(j: RunnerJob): string {
  const file = join(j.workspace, 'k0rdent.yaml');
  writeFileSync(
    file,
    dump({
      metadata: { deployment_id: DEPLOYMENT },
      azure: { location: 'westus2', resource_manager_endpoint: arm.endpoint },
      network: { wireguard_port: 51820 },
    }),
  );
  return 'k0rdent.yaml';
}

const inputs = (config: string) => ({ config, 'state-key': 'oidc test state key 0123456789abcdef' });

test('setup-network logs in with the runner OIDC token and builds the network; nothing else is trusted', async () => {
  const j = job(5001);
  const config = writeConfig(j);
  const prepare = await j.run('./actions/prepare-deployment', inputs(config));
  expect(prepare.outputs.status).toBe('completed');
  // Without state, prepare_deployment first asks Azure whether the deployment already runs: one ARM
  // request, with the same login.
  expect(arm.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
    `GET /subscriptions/${arm.subscriptionId}/resources`,
  ]);

  const network = await j.run('./actions/setup-network', inputs(config));
  expect({ code: network.code, status: network.outputs.status, stderr: network.stderr }).toMatchObject({
    code: 0,
    status: 'completed',
  });
  await j.end();

  // Per step (a process of its own), one OIDC token for Azure's audience, traded once at the
  // tenant's token endpoint for ARM's scope.
  const oidc = identity.requests.filter((r) => r.service === 'oidc');
  expect(oidc).toEqual(
    Array(2).fill({
      service: 'oidc',
      path: '/oidc/token',
      status: 200,
      detail: 'api://AzureADTokenExchange',
    }),
  );
  const token = identity.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
  expect(token).toEqual(
    Array(2).fill({
      service: 'entra',
      path: `/${TENANT}/oauth2/v2.0/token`,
      status: 200,
      detail: `${arm.endpoint}/.default`,
    }),
  );
  // Every ARM request carried that token (the fake refuses any other with 401).
  expect(arm.requests.length).toBeGreaterThan(0);
  expect(arm.requests.filter((r) => r.status === 401)).toEqual([]);
  const group = arm.resource(`/subscriptions/${arm.subscriptionId}/resourceGroups/${DEPLOYMENT}-resgrp`);
  expect(group?.body.tags).toMatchObject({
    'k0rdent-deployment': DEPLOYMENT,
    'run-url': 'https://github.com/acme/infra/actions/runs/5001',
  });
  // The OIDC token is a secret of the job: the runner was told to mask it.
  expect(network.stdout).toMatch(/^::add-mask::[\w-]+\.[\w-]+\.[\w-]+$/m);
}, 120_000);

test('a federated credential that does not exist is a clear failure of the phase, recorded', async () => {
  const j = job(5002);
  const config = writeConfig(j);
  expect((await j.run('./actions/prepare-deployment', inputs(config))).ok).toBe(true);
  const network = await j.run(
    './actions/setup-network',
    { ...inputs(config), force: 'true' },
    { AZURE_CLIENT_ID: '99999999-9999-4999-8999-999999999999' },
  );
  await j.end();
  expect(network.code).toBe(1);
  expect(network.outputs.status).toBe('failed');
  // What Entra said, what to change, and that a plain re-run will not help. The duration reads
  // in seconds once the login took a second or more, as it can on a loaded runner.
  expect(network.stdout).toMatch(
    /setup_network: failed after (\d+ ms|\d+\.\d s) \(config\): Azure login with the runner's OIDC token failed/,
  );
  expect(network.stdout).toContain('AADSTS700016');
  expect(network.stdout).toContain('Check that AZURE_CLIENT_ID and AZURE_TENANT_ID name an app registration');
  expect(network.stdout).toContain('subject repo:acme/infra:');
  expect(arm.requests.filter((r) => r.status === 401)).toEqual([]); // nothing reached ARM without a token
}, 120_000);
