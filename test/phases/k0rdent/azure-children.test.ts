/**
 * setup_azure_children through the engine against the fake ARM (role assignments), the fake Microsoft
 * Graph (applications, service principals, passwords) and the kubectl shim (the objects and CAPZ).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FACT, readAzureChildren } from '../../../src/phases/k0rdent/facts.js';
import { DEPLOYMENT_ID, RG, startHarness, type Harness, type Topology } from './harness.js';

const SMALL: Topology = { controllers: 1, workers: 1 };
const CHILDREN_ON = { azure_children: { enabled: true } };
const SECRET_FILE = 'state/secrets/azure/children-client-secret';
const IDENTITY = 'AzureClusterIdentity/kcm-system/azure-cluster-identity';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.stop();
});

function apps() {
  return [...h.arm.directory.applications.values()];
}

/** Every byte the deployment left on disk or in its state, to look for a secret in. */
function everythingWritten(doc: unknown): string {
  return JSON.stringify(doc) + readFileSync(join(h.stateDir, 'deployment-state.yaml'), 'utf8');
}

describe('a principal created through Microsoft Graph', () => {
  test('created, granted Contributor on the subscription, handed to CAPZ; its secret only in the sensitive file', async () => {
    const summary = await h.run({ topology: SMALL, overrides: CHILDREN_ON });
    expect(summary.failed).toBeUndefined();
    const doc = await h.state();
    expect(doc.phases.setup_azure_children?.status).toBe('completed');
    const [app] = apps();
    expect(apps()).toHaveLength(1);
    expect(app?.displayName).toBe(`${DEPLOYMENT_ID}-cluster-deployment-sp`);
    expect(app?.passwords).toHaveLength(1);
    const secret = app?.passwords[0]?.secretText ?? '';
    const fact = readAzureChildren(doc);
    expect(fact).toMatchObject({ client_id: app?.appId, created_by_deployment: true, role: 'Contributor' });
    expect(fact?.scope).toBe(`/subscriptions/${h.arm.subscriptionId}`);
    const [assignment] = h.arm.roleAssignments();
    expect(h.arm.roleAssignments()).toHaveLength(1);
    expect(assignment?.principalId).toBe(fact?.principal_object_id);
    expect(assignment?.roleDefinitionId).toMatch(/b24988ac-6180-42a0-ab88-20f7382dd24c$/);
    const objects = h.shims.world().objects ?? {};
    // What this phase applies (k0rdent's own objects, its templates and CRDs, live beside them).
    const applied = Object.keys(objects).filter((key) =>
      /^(AzureClusterIdentity|ConfigMap|Credential|Secret)\//.test(key),
    );
    expect(applied.sort()).toEqual([
      IDENTITY,
      'ConfigMap/kcm-system/azure-cluster-identity-resource-template',
      'Credential/kcm-system/azure-cluster-credential',
      'Secret/kcm-system/azure-cluster-identity-secret',
    ]);
    expect(objects[IDENTITY]).toMatchObject({
      spec: { clientID: app?.appId, tenantID: h.arm.directory.tenantId },
    });
    expect(readFileSync(join(h.dir, SECRET_FILE), 'utf8')).toBe(secret);
    expect(doc.artifacts.azure_children_client_secret).toMatchObject({ sensitive: true });
    expect(everythingWritten(doc)).not.toContain(secret);
    expect([...h.infos, ...h.warnings].join('\n')).not.toContain(secret);
    expect(doc.facts[FACT.azureChildren]).toBeDefined();

    // The cluster is gone (its resource group deleted outside): the uninstall cannot reach the objects,
    // and still deletes the role assignment and the application (the bash project leaked them here).
    h.arm.faults.deleteResourceGroupOutside(RG);
    const uninstall = await h.rollback('prepare_deployment', { topology: SMALL, force: true });
    expect(uninstall.steps.find((s) => s.phase === 'setup_azure_children')?.result).toBe('undone');
    expect(h.infos.join('\n')).toContain('the cluster is gone: its child-cluster objects went with it');
    expect(apps()).toEqual([]);
    expect(h.arm.roleAssignments()).toEqual([]);
  });
});

describe('re-runs, drift and undo of a created principal', () => {
  test('a re-run neither creates a second principal nor rotates the secret; a principal deleted outside is noticed and repaired; rollback leaves nothing', async () => {
    expect((await h.run({ topology: SMALL, overrides: CHILDREN_ON })).failed).toBeUndefined();
    const [app] = apps();
    const secret = app?.passwords[0]?.secretText;

    const again = await h.run({ topology: SMALL, overrides: CHILDREN_ON, only: 'setup_azure_children' });
    expect(again.outcomes.find((o) => o.phase === 'setup_azure_children')?.decision).toBe('skip');
    expect(apps()).toHaveLength(1);
    expect(apps()[0]?.passwords.map((p) => p.secretText)).toEqual([secret]);
    expect(h.arm.roleAssignments()).toHaveLength(1);

    // Someone deletes the service principal: validate says so, and the re-run makes a new one for the
    // same application, moves the role to it, and keeps the secret (it belongs to the application).
    h.arm.directory.deleteServicePrincipalOutside(app?.appId ?? '');
    const repaired = await h.run({ topology: SMALL, overrides: CHILDREN_ON, only: 'setup_azure_children' });
    expect(repaired.failed).toBeUndefined();
    const doc = await h.state();
    expect(JSON.stringify(doc.events)).toContain(`service principal ${app?.appId ?? ''} no longer exists`);
    expect(apps()).toHaveLength(1);
    expect(apps()[0]?.passwords).toHaveLength(1);
    expect(h.arm.directory.servicePrincipals.size).toBe(1);
    const assignments = h.arm.roleAssignments();
    expect(assignments).toHaveLength(1);
    expect(assignments[0]?.principalId).toBe(readAzureChildren(doc)?.principal_object_id);

    // The rollback runs without the children's config: a phase switched off after it ran is still undone.
    const rollback = await h.rollback('install_k0rdent', { topology: SMALL });
    expect(rollback.steps.map((s) => `${s.phase}:${s.result}`)).toContain('setup_azure_children:undone');
    expect(rollback.steps.filter((s) => s.result === 'failed')).toEqual([]);
    expect(apps()).toEqual([]);
    expect(h.arm.directory.servicePrincipals.size).toBe(0);
    expect(h.arm.roleAssignments()).toEqual([]);
    expect(Object.keys(h.shims.world().objects ?? {})).toEqual([]);
    const after = await h.state();
    expect(readAzureChildren(after)).toBeUndefined();
    expect(after.artifacts.azure_children_client_secret?.removed).toBeDefined();
    expect(() => readFileSync(join(h.dir, SECRET_FILE))).toThrow(/ENOENT/);
  });
});

describe('a supplied principal', () => {
  test('its secret comes from the environment, no application is created, a changed identity is repaired, undo keeps the principal', async () => {
    const supplied = `Ci8Q~${randomBytes(27).toString('base64url')}`;
    await h.stop();
    h = await startHarness({ env: { CI_CHILDREN_SECRET: supplied } });
    const app = h.arm.directory.createApplication('ci-children', []);
    h.arm.directory.createServicePrincipal(app);
    const overrides = {
      azure_children: { enabled: true, client_id: app.appId, client_secret_env: 'CI_CHILDREN_SECRET' },
    };
    expect((await h.run({ topology: SMALL, overrides })).failed).toBeUndefined();
    expect(apps()).toHaveLength(1);
    expect(h.arm.roleAssignments()).toEqual([]);
    const doc = await h.state();
    expect(readAzureChildren(doc)).toMatchObject({ client_id: app.appId, created_by_deployment: false });
    expect(readFileSync(join(h.dir, SECRET_FILE), 'utf8')).toBe(supplied);
    expect(everythingWritten(doc)).not.toContain(supplied);

    // The identity edited to name another client: validate notices, the re-run applies it again.
    h.shims.updateWorld((world) => {
      const identity = world.objects?.[IDENTITY] as { spec: { clientID: string } } | undefined;
      if (identity) identity.spec.clientID = '99999999-9999-4999-8999-999999999999';
    });
    const repaired = await h.run({ topology: SMALL, overrides, only: 'setup_azure_children' });
    expect(repaired.outcomes.find((o) => o.phase === 'setup_azure_children')?.decision).toBe('run');
    expect(JSON.stringify((await h.state()).events)).toContain(
      'names client 99999999-9999-4999-8999-999999999999',
    );
    expect(h.shims.world().objects?.[IDENTITY]).toMatchObject({ spec: { clientID: app.appId } });

    const rollback = await h.rollback('install_k0rdent', { topology: SMALL });
    expect(rollback.steps.filter((s) => s.result === 'failed')).toEqual([]);
    expect(apps().map((a) => a.appId)).toEqual([app.appId]);
    expect(Object.keys(h.shims.world().objects ?? {})).toEqual([]);
  });

  test('without its secret in the environment: a configuration error that names the variable', async () => {
    const overrides = {
      azure_children: { enabled: true, client_id: '22222222-2222-4222-8222-222222222222' },
    };
    const summary = await h.run({ topology: SMALL, overrides });
    expect(summary.failed?.phase).toBe('setup_azure_children');
    expect(summary.failed?.error.class).toBe('config');
    expect(summary.failed?.error.message).toContain('AZURE_CHILDREN_CLIENT_SECRET is empty');
  });
});

describe('waits and refusals', () => {
  test('CAPZ never ready: a bounded transient failure and no principal; a refused Graph says what to do; the resumed run completes; --fast leaves nothing', async () => {
    h.shims.updateWorld((world) => {
      world.capz = 'not-ready';
    });
    const briefWait = { azure_children: { enabled: true, capz_wait: 20 } };
    const stuck = await h.run({ topology: SMALL, overrides: briefWait });
    expect(stuck.failed?.phase).toBe('setup_azure_children');
    expect(stuck.failed?.error.class).toBe('transient');
    expect(stuck.failed?.error.message).toMatch(
      /CAPZ .* was not ready within 20 s: CAPZ pod\(s\) capz-controller-manager-\S+ not Ready/,
    );
    expect(apps()).toEqual([]);

    h.shims.updateWorld((world) => {
      world.capz = 'ready';
    });
    h.arm.graph.forbid('POST', '/v1.0/applications');
    const refused = await h.run({ topology: SMALL, overrides: CHILDREN_ON, only: 'setup_azure_children' });
    expect(refused.failed?.error.class).toBe('config');
    expect(refused.failed?.error.message).toMatch(/Microsoft Graph refused .*set azure_children.client_id/);

    h.arm.directory.replicationDelay = 2;
    const resumed = await h.run({ topology: SMALL, overrides: CHILDREN_ON, only: 'setup_azure_children' });
    expect(resumed.failed).toBeUndefined();
    expect(apps()).toHaveLength(1);
    expect(h.arm.roleAssignments()).toHaveLength(1);

    const fast = await h.fast('setup_network');
    expect(fast.resourceGroup).toBe('deleted');
    expect(apps()).toEqual([]);
    expect(h.arm.roleAssignments()).toEqual([]);
    const doc = await h.state();
    expect(readAzureChildren(doc)).toBeUndefined();
    expect(doc.phases.setup_azure_children?.status).toBe('pending');
  });
});
