/**
 * The bash project's production example (config/examples/production.yaml: three controllers, three
 * workers, `kof.enabled: true`) deployed as it is through the engine, with every phase real: the fake
 * ARM server (VMs, network, role assignments), the fake Microsoft Graph (the child-cluster principal)
 * and the helm/kubectl shims (k0rdent, CAPZ, CSI, KOF, the ClusterDeployment). One deployment serves
 * the steps below in order, as a user's would: deploy, roll back to install_k0rdent, deploy again,
 * uninstall. The `--fast` uninstall with KOF is in kof.test.ts.
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { K0RDENT_CATALOGUE } from '../../../src/graph/k0rdent-catalogue.js';
import { readAzureChildren } from '../../../src/phases/k0rdent/facts.js';
import { decisions, DEPLOYMENT_ID, startHarness, statuses, type Harness } from './harness.js';

jest.setTimeout(240_000);

const EXAMPLE = join(import.meta.dirname, '../../fixtures/k0rdent/upstream-production.yaml');
const OPTIONAL = [
  'setup_azure_children',
  'install_azure_csi',
  'install_kof_mothership',
  'install_kof_regional',
];
// cluster_name "" in the example: the default, kof-regional-<suffix>-<kof.regional.location>.
const REGIONAL = 'kof-regional-scenario-southeastasia';
const CD_KEY = `ClusterDeployment/kcm-system/${REGIONAL}`;
const PRINCIPAL_NAME = `${DEPLOYMENT_ID}-cluster-deployment-sp`;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ configFile: EXAMPLE });
  h.shims.updateWorld((w) => {
    // Ready on the second read; deleted (CAPZ releasing its Azure resources) after three.
    w.regional = { readyAfterPolls: 1, deletePolls: 3 };
  });
});

afterAll(async () => {
  await h.stop();
});

function applications() {
  return [...h.arm.directory.applications.values()];
}

function roleAssignmentDeletes() {
  return h.arm.requests.filter((r) => r.method === 'DELETE' && r.path.includes('/roleassignments/'));
}

function applicationDeletes() {
  return h.arm.graph.requests.filter(
    (r) => r.method === 'DELETE' && r.path.startsWith('/v1.0/applications/'),
  );
}

test('deploys unchanged: all eleven phases complete, setup_azure_children switched on by kof.enabled and said so', async () => {
  const summary = await h.run();
  expect(summary.failed).toBeUndefined();
  expect(h.notices.join('\n')).toContain('kof.enabled is true, so setup_azure_children runs too');
  const doc = await h.state();
  expect(Object.keys(doc.phases).sort()).toEqual(K0RDENT_CATALOGUE.map((e) => e.name).sort());
  expect(Object.values(statuses(doc))).toEqual(Array(11).fill('completed'));
  expect(decisions(summary)).toMatchObject(Object.fromEntries(OPTIONAL.map((p) => [p, 'run'])));
  expect(doc.config?.flags).toEqual({ azure_children: true, kof: true });
  expect(h.arm.machines()).toHaveLength(6);

  // The principal the deployment made, granted its role, handed to CAPZ, used by the regional cluster.
  const [app] = applications();
  expect(applications()).toHaveLength(1);
  expect(app?.displayName).toBe(PRINCIPAL_NAME);
  const children = readAzureChildren(doc);
  expect(children).toMatchObject({ client_id: app?.appId, created_by_deployment: true });
  expect(h.arm.roleAssignments().map((a) => a.principalId)).toEqual([children?.principal_object_id]);
  const objects = h.shims.world().objects ?? {};
  expect(objects['AzureClusterIdentity/kcm-system/azure-cluster-identity']).toMatchObject({
    spec: { clientID: app?.appId },
  });
  expect(objects[CD_KEY]).toMatchObject({
    spec: {
      template: 'azure-standalone-cp-1-0-8',
      credential: 'azure-cluster-credential',
      config: { location: 'southeastasia', worker: { vmSize: 'Standard_A4_v2', rootVolumeSize: 32 } },
    },
  });
  const secret = app?.passwords[0]?.secretText ?? '';
  expect(secret).not.toBe('');
  expect(readFileSync(join(h.stateDir, 'deployment-state.yaml'), 'utf8')).not.toContain(secret);
  expect(JSON.stringify(h.shims.calls())).not.toContain(secret);
});

test('a rollback to install_k0rdent undoes regional (until gone), mothership, CSI, then the credentials, and deletes the principal', async () => {
  h.shims.clearCalls();
  const [app] = applications();
  const summary = await h.rollback('install_k0rdent');
  expect(summary.steps.map((s) => [s.phase, s.result])).toEqual([
    ['install_kof_regional', 'undone'],
    ['install_kof_mothership', 'undone'],
    ['install_azure_csi', 'undone'],
    ['setup_azure_children', 'undone'],
    ['install_k0rdent', 'undone'],
  ]);

  // One timeline: the tools' calls and the fakes' requests, by the time each started.
  const calls = h.shims.calls().map((c) => ({ at: c.at, what: `${c.tool} ${c.args.join(' ')}` }));
  const first = (pattern: RegExp) => calls.find((c) => pattern.test(c.what))?.at ?? NaN;
  const last = (pattern: RegExp) => calls.findLast((c) => pattern.test(c.what))?.at ?? NaN;
  const cdGone = last(new RegExp(`get clusterdeployments.k0rdent.mirantis.com ${REGIONAL}`));
  const mothership = first(/^helm uninstall kof-mothership/);
  const lastKof = last(/^helm uninstall kof-istio/);
  const csi = first(/^helm uninstall azuredisk-csi-driver/);
  const credential = first(/^kubectl .*delete credentials?\S* azure-cluster-credential/);
  const childrenObjectsGone = last(/^kubectl .*delete configmaps? azure-cluster-identity-resource-template/);
  const [roleDelete] = roleAssignmentDeletes();
  const [appDelete] = applicationDeletes();
  const kcm = first(/^helm uninstall kcm/);
  expect(first(new RegExp(`delete clusterdeployments.k0rdent.mirantis.com ${REGIONAL}`))).toBeLessThan(
    cdGone,
  );
  // The ClusterDeployment was read until gone (three reads while deleting) before anything else went.
  expect(
    calls.filter((c) => c.what.includes(`get clusterdeployments.k0rdent.mirantis.com ${REGIONAL}`)).length,
  ).toBeGreaterThanOrEqual(3);
  const steps: Record<string, number | undefined> = {
    'ClusterDeployment gone': cdGone,
    'kof-mothership uninstalled': mothership,
    'kof-istio uninstalled': lastKof,
    'CSI uninstalled': csi,
    'Credential deleted': credential,
    'child-cluster objects deleted': childrenObjectsGone,
    'role assignment deleted': roleDelete?.startedAt,
    'application deleted': appDelete?.at,
    'k0rdent uninstalled': kcm,
  };
  for (const [step, at] of Object.entries(steps)) expect([step, Number.isFinite(at)]).toEqual([step, true]);
  const byTime = Object.entries(steps).sort(([, a], [, b]) => (a ?? NaN) - (b ?? NaN));
  expect(byTime.map(([step]) => step)).toEqual(Object.keys(steps));

  // Nothing left in the fakes: no principal, no role assignment, no child-cluster object.
  expect(applications()).toEqual([]);
  expect(h.arm.directory.servicePrincipals.size).toBe(0);
  expect(h.arm.roleAssignments()).toEqual([]);
  expect(appDelete?.path).toBe(`/v1.0/applications/${app?.id ?? ''}`);
  expect(roleDelete?.status).toBe(200);
  const objects = h.shims.world().objects ?? {};
  expect(objects[CD_KEY]).toBeUndefined();
  expect(objects['Credential/kcm-system/azure-cluster-credential']).toBeUndefined();
  expect(h.shims.world().releases).toEqual({});
  const doc = await h.state();
  for (const phase of [...OPTIONAL, 'install_k0rdent']) expect(doc.phases[phase]?.status).toBe('pending');
  expect(readAzureChildren(doc)).toBeUndefined();
});

test('deployed again, then uninstalled in full: no principal, no role assignment, no resource group', async () => {
  const again = await h.run();
  expect(again.failed).toBeUndefined();
  expect(decisions(again)).toMatchObject(
    Object.fromEntries([...OPTIONAL, 'install_k0rdent'].map((p) => [p, 'run'])),
  );
  expect(decisions(again).create_vms).toBe('skip');
  expect(applications()).toHaveLength(1);
  expect(h.arm.roleAssignments()).toHaveLength(1);

  const before = roleAssignmentDeletes().length;
  const uninstall = await h.rollback('prepare_deployment');
  expect(uninstall.steps.filter((s) => s.result === 'failed')).toEqual([]);
  expect(uninstall.steps.find((s) => s.phase === 'setup_azure_children')?.result).toBe('undone');
  expect(applications()).toEqual([]);
  expect(h.arm.directory.servicePrincipals.size).toBe(0);
  expect(h.arm.roleAssignments()).toEqual([]);
  expect(roleAssignmentDeletes().length).toBe(before + 1);
  expect(h.arm.resources()).toEqual([]);
  const doc = await h.state();
  expect(Object.values(statuses(doc)).filter((s) => s !== 'pending')).toEqual([]);
});
