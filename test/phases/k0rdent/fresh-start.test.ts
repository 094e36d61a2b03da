/**
 * Never start fresh over a live deployment (issue 13, section 3): a built-in deployment that finds
 * no state asks Azure for resources tagged with its id before prepare_deployment makes any key. With
 * resources there, the CLI stops with exit 2 (the phase action fails) naming what it found and the
 * ways on; `--adopt-fresh` / `adopt-fresh: true` goes ahead knowingly. The fake ARM (HTTPS) answers,
 * with a token from the fake Entra ID: from a federated token file for the CLI (workload identity),
 * from the runner's OIDC service for the action.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { RunnerJob } from '../../actions/support/runner.js';
import { startActionsEmulator, type ActionsEmulator } from '../../support/actions-emulator/index.js';
import { runCli, scratchDir } from '../../support/cli.js';
import { createClients } from '../../support/fake-arm/clients.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm/index.js';
import { startFakeIdentity, type FakeIdentity } from '../../support/fake-identity.js';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-000000000000';
const LIVE = 'k0rdent-live0001';

let arm: FakeArm;
let identity: FakeIdentity;
let gh: ActionsEmulator;
let dir: string;
let cleanup: () => void;
let azureEnv: Record<string, string>;

beforeAll(async () => {
  ({ dir, cleanup } = scratchDir());
  identity = await startFakeIdentity({ tenantId: TENANT, clientId: CLIENT });
  // The fake accepts tokens of the fake Entra ID, and the test's own (which only seeds resources).
  const seeding: { token?: string } = {};
  arm = await startFakeArm({ acceptToken: (token) => identity.issued(token) || token === seeding.token });
  seeding.token = (await arm.credential.getToken('https://management.azure.com/.default'))?.token;
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, arm.caCertPem + identity.caCertPem);
  // A workload-identity token file, as on a machine with a federated credential.
  const answer = await fetch(`${identity.oidcRequestUrl}&audience=api://AzureADTokenExchange`, {
    headers: { authorization: `Bearer ${identity.oidcRequestToken}` },
  });
  const tokenFile = join(dir, 'federated-token');
  writeFileSync(tokenFile, ((await answer.json()) as { value: string }).value);
  azureEnv = {
    NODE_EXTRA_CA_CERTS: caFile,
    AZURE_CLIENT_ID: CLIENT,
    AZURE_TENANT_ID: TENANT,
    AZURE_AUTHORITY_HOST: identity.authorityHost,
    AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    AZURE_SUBSCRIPTION_ID: arm.subscriptionId,
  };

  // What a deployment left running: its group, an NSG and a VM's public IP, tagged with its id.
  const { resources, network } = createClients(arm);
  const tags = { 'k0rdent-deployment': LIVE, 'created-by': 'k0rdent-deploy' };
  const rg = `${LIVE}-resgrp`;
  await resources.resourceGroups.createOrUpdate(rg, { location: 'westus2', tags });
  await network.networkSecurityGroups.createOrUpdate(
    rg,
    `${LIVE}-nsg`,
    { location: 'westus2', tags },
    arm.pollOptions,
  );
  await network.publicIPAddresses.createOrUpdate(
    rg,
    'k0s-controller-pip',
    { location: 'westus2', tags, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' },
    arm.pollOptions,
  );
  // Someone else's, untagged: never named.
  await network.networkSecurityGroups.createOrUpdate(
    rg,
    'unrelated-nsg',
    { location: 'westus2' },
    arm.pollOptions,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([arm.stop(), identity.stop(), gh.stop()]);
  cleanup();
});

function config(cwd: string, id: string): string {
  writeFileSync(
    join(cwd, 'k0rdent.yaml'),
    dump({
      metadata: { deployment_id: id },
      azure: { location: 'westus2', resource_manager_endpoint: arm.endpoint },
    }),
  );
  return 'k0rdent.yaml';
}

let n = 0;
function workdir(): string {
  const path = join(dir, `w${++n}`);
  mkdirSync(path);
  return path;
}

function resourceQueries(): number {
  return arm.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/resources')).length;
}

test('the CLI without state, Azure holding the deployment: exit 2 naming what runs and where the state may be; nothing generated', async () => {
  const cwd = workdir();
  const before = resourceQueries();
  const result = await runCli(['run', '--config', config(cwd, LIVE), '--only', 'prepare_deployment'], {
    cwd,
    env: azureEnv,
  });
  expect(result.code).toBe(2);
  expect(resourceQueries() - before).toBe(1);
  expect(result.stderr).toContain(
    `deployment ${LIVE} has no state in local state directory state, but Azure holds resources tagged k0rdent-deployment=${LIVE}:`,
  );
  expect(result.stderr).toMatch(/networkSecurityGroups k0rdent-live0001-nsg \(k0rdent-live0001-resgrp\)/);
  expect(result.stderr).toMatch(/publicIPAddresses k0s-controller-pip/);
  expect(result.stderr).not.toContain('unrelated-nsg');
  expect(result.stderr).toContain(`k0rdent-deploy state pull --repo OWNER/REPO --deployment ${LIVE}`);
  expect(result.stderr).toContain('--state-backend azure-blob --state-url');
  expect(result.stderr).toContain('--adopt-fresh');
  // Nothing was generated or written.
  expect(readdirSync(cwd)).toEqual(['k0rdent.yaml']);
  expect(identity.requests.filter((r) => r.status !== 200)).toEqual([]);
}, 60_000);

test('--adopt-fresh starts over knowingly, warning what it found; a deployment Azure does not know starts quietly', async () => {
  const cwd = workdir();
  const adopted = await runCli(
    ['run', '--config', config(cwd, LIVE), '--only', 'prepare_deployment', '--adopt-fresh'],
    { cwd, env: azureEnv },
  );
  expect(adopted.code).toBe(0);
  expect(adopted.stderr).toMatch(
    /warning: starting fresh as asked, although: deployment k0rdent-live0001 has no state .* Azure holds resources/,
  );
  expect(existsSync(join(cwd, 'state/secrets/wireguard/hub.key'))).toBe(true);

  const other = workdir();
  const before = resourceQueries();
  const fresh = await runCli(
    ['run', '--config', config(other, 'k0rdent-new00001'), '--only', 'prepare_deployment'],
    {
      cwd: other,
      env: azureEnv,
    },
  );
  expect(fresh.code).toBe(0);
  expect(resourceQueries() - before).toBe(1);
  // With its state in place, the next run does not ask again.
  const again = await runCli(['run', '--config', 'k0rdent.yaml', '--only', 'prepare_deployment'], {
    cwd: other,
    env: azureEnv,
  });
  expect(again.code).toBe(0);
  expect(resourceQueries() - before).toBe(1);
}, 60_000);

test('the prepare-deployment action on a backend without the state fails the same way; adopt-fresh: true goes on', async () => {
  const job = new RunnerJob({
    gh,
    runId: 7001,
    job: 'infrastructure',
    root: dir,
    env: {
      ...azureEnv,
      AZURE_FEDERATED_TOKEN_FILE: '',
      ACTIONS_ID_TOKEN_REQUEST_URL: identity.oidcRequestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: identity.oidcRequestToken,
      AZURE_AUTHORITY_HOST: identity.authorityHost,
    },
  });
  const file = config(job.workspace, LIVE);
  const inputs = { config: file, 'state-key': 'fresh start test state key 0123456789' };
  const refused = await job.run('./actions/prepare-deployment', inputs);
  expect(refused.ok).toBe(false);
  const error = refused.annotations.find((a) => a.level === 'error');
  expect(error?.message).toContain(`Azure holds resources tagged k0rdent-deployment=${LIVE}`);
  expect(error?.message).toContain('set adopt-fresh: true');
  expect(error?.message).toContain('set state-backend (and state-url) to it');
  expect(gh.artifacts({ runId: 7001 }).filter((a) => a.name.startsWith('k0rdent-state.'))).toEqual([]);

  const adopted = await job.run('./actions/prepare-deployment', { ...inputs, 'adopt-fresh': 'true' });
  expect(adopted.outputs.status).toBe('completed');
  expect(adopted.annotations).toContainEqual(
    expect.objectContaining({ level: 'warning', title: 'Starting fresh over live resources' }),
  );
  await job.end();
}, 120_000);
