/**
 * setup_azure_children through the engine against the fake ARM (role assignments), the fake Microsoft
 * Graph (applications, service principals, passwords) and the kubectl shim (the objects and CAPZ).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FACT, readAzureChildren } from '../../../src/phases/k0rdent/facts.js';
import { DEPLOYMENT_ID, startHarness, type Harness, type Topology } from './harness.js';

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
    expect(Object.keys(objects).sort()).toEqual([
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
  });
});
