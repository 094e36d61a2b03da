/**
 * The KOF phases through the engine with the built-in deployment: install_azure_csi,
 * install_kof_mothership and install_kof_regional against the helm and kubectl shims (kube.js: charts
 * from a fake registry, kinds only once their chart is installed, the webhook race, a
 * ClusterDeployment's conditions), each with its validate, its undo, and the order of the undo.
 */
import { jest } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Phase } from '../../../src/phases/phase.js';
import { decisions, DEPLOYMENT_ID, startHarness, statuses, type Harness } from './harness.js';
import { childrenStandIn, CHILD_CLIENT_SECRET } from './children-stand-in.js';

// A lone controller that runs workloads: one VM, one node (one CSI controller replica).
const LONE = { controllers: 1, workers: 0 };

// Each test deploys the core phases first (seconds alone, longer on a busy machine).
jest.setTimeout(180_000);
const KOF = ['install_azure_csi', 'install_kof_mothership', 'install_kof_regional'];
const KOF_CONFIG = {
  kof: {
    enabled: true,
    regional: { domain: 'regional.example.com', admin_email: 'admin@example.com', ready_timeout_minutes: 2 },
  },
};
const REGIONAL = `kof-regional-scenario-eastus`;
const CD_KEY = `ClusterDeployment/kcm-system/${REGIONAL}`;

let h: Harness;

beforeEach(async () => {
  h = await startHarness({
    adjustPhases: (phases: readonly Phase[]) =>
      phases.map((p) => (p.name === 'setup_azure_children' ? childrenStandIn(p, () => h) : p)),
  });
  h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1 };
  });
});

afterEach(async () => {
  await h.stop();
});

const run = (overrides: Record<string, unknown> = {}) =>
  h.run({ topology: LONE, overrides: { ...KOF_CONFIG, ...overrides } });

function helmCalls(verb: string): string[][] {
  return h.shims
    .calls('helm')
    .filter((c) => c.args[0] === verb)
    .map((c) => [...c.args]);
}

test('a KOF deploy: CSI with its cloud config by name, the three KOF charts, the regional cluster Ready; a re-run validates each', async () => {
  const summary = await run();
  expect(summary.failed).toBeUndefined();
  const doc = await h.state();
  for (const phase of KOF) expect(doc.phases[phase]?.status).toBe('completed');

  const installs = helmCalls('upgrade');
  const csi = installs.find((a) => a[2] === 'azuredisk-csi-driver');
  expect(csi?.join(' ')).toContain(
    'azuredisk-csi-driver --repo https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts --version v1.30.0 --namespace kube-system',
  );
  for (const value of [
    'linux.kubelet=/var/lib/k0s/kubelet',
    'windows.enabled=false',
    'controller.replicas=1',
  ])
    expect(csi?.join(' ')).toContain(`--set ${value}`);
  expect(installs.map((a) => a[2])).toEqual([
    'kcm',
    'azuredisk-csi-driver',
    'kof-istio',
    'kof-operators',
    'kof-mothership',
  ]);
  // storage_class "default": no value, the default class serves the volumes.
  expect(installs.find((a) => a[2] === 'kof-mothership')?.join(' ')).not.toContain('storageClass');

  const world = h.shims.world();
  const secret = world.objects?.['Secret/kube-system/azure-cloud-provider'] as unknown as {
    data: Record<string, string>;
  };
  const cloud = JSON.parse(Buffer.from(secret.data['azure.json'] ?? '', 'base64').toString()) as Record<
    string,
    unknown
  >;
  expect(cloud).toMatchObject({
    vnetName: `${DEPLOYMENT_ID}-vnet`,
    subnetName: `${DEPLOYMENT_ID}-subnet`,
    securityGroupName: `${DEPLOYMENT_ID}-nsg`,
    resourceGroup: `${DEPLOYMENT_ID}-resgrp`,
    aadClientSecret: CHILD_CLIENT_SECRET,
  });
  const sc = world.objects?.['StorageClass//managed-csi'] as unknown as {
    metadata: { annotations: Record<string, string> };
  };
  expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
  const cd = world.objects?.[CD_KEY] as unknown as {
    metadata: { labels: Record<string, string> };
    spec: Record<string, unknown>;
  };
  expect(cd.metadata.labels).toMatchObject({
    'k0rdent.mirantis.com/istio-role': 'child',
    'k0rdent.mirantis.com/kof-cluster-role': 'regional',
  });
  expect(cd.spec).toMatchObject({
    template: 'azure-standalone-cp-1-0-8',
    credential: 'azure-cluster-credential',
    config: {
      location: 'eastus',
      controlPlaneNumber: 1,
      workersNumber: 3,
      worker: { vmSize: 'Standard_A4_v2', rootVolumeSize: 32 },
    },
  });
  // The client secret went to kubectl on stdin: not in any argument, the state, or a file outside secrets/.
  expect(JSON.stringify(h.shims.calls())).not.toContain(CHILD_CLIENT_SECRET);
  expect(readFileSync(join(h.stateDir, 'deployment-state.yaml'), 'utf8')).not.toContain(CHILD_CLIENT_SECRET);

  const again = await run();
  expect(decisions(again)).toMatchObject(Object.fromEntries(KOF.map((p) => [p, 'skip'])));
  const after = await h.state();
  expect(after.phases.install_azure_csi?.evidence?.summary).toMatch(
    /CSIDriver disk.csi.azure.com registered/,
  );
  expect(after.phases.install_kof_mothership?.evidence?.summary).toMatch(
    /kof-istio, kof-operators, kof-mothership deployed/,
  );
  expect(after.phases.install_kof_regional?.evidence?.summary).toMatch(/is Ready/);
});

test('CSI drift: the driver deleted makes validate fail and the re-run installs it again', async () => {
  await run();
  h.shims.updateWorld((w) => {
    delete w.objects?.['CSIDriver//disk.csi.azure.com'];
  });
  h.shims.clearCalls();
  const summary = await run();
  expect(summary.failed).toBeUndefined();
  const outcome = summary.outcomes.find((o) => o.phase === 'install_azure_csi');
  expect(outcome?.decision).toBe('run');
  expect(outcome?.reason).toMatch(/validation failed: CSIDriver disk.csi.azure.com is not registered/);
  expect(h.shims.world().objects?.['CSIDriver//disk.csi.azure.com']).toBeDefined();
  expect((await h.state()).phases.install_azure_csi?.status).toBe('completed');
});

test('a CSI driver that never becomes ready fails the phase within its bound, saying what is not ready', async () => {
  h.shims.updateWorld((w) => {
    w.csi = { nodesNotReady: true };
  });
  const summary = await run();
  expect(summary.failed?.phase).toBe('install_azure_csi');
  expect(summary.failed?.error.message).toMatch(/context deadline exceeded \(csi-azuredisk-node/);
  const csi = helmCalls('upgrade').find((a) => a[2] === 'azuredisk-csi-driver');
  expect(csi).toEqual(expect.arrayContaining(['--wait', '--timeout', '600s']));
  expect(statuses(await h.state()).install_kof_mothership).toBe('pending');
});

test('the mothership meets the VictoriaMetrics webhook before it serves, waits for its endpoints, and succeeds on the retry', async () => {
  h.shims.updateWorld((w) => {
    w.kof = { endpointsPendingPolls: 3 };
  });
  const summary = await run({ kof: { ...KOF_CONFIG.kof, mothership: { storage_class: 'managed-csi' } } });
  expect(summary.failed).toBeUndefined();
  const mothership = helmCalls('upgrade').filter((a) => a[2] === 'kof-mothership');
  expect(mothership).toHaveLength(2);
  expect(mothership[1]).toEqual(expect.arrayContaining(['--set', 'global.storageClass=managed-csi']));
  // Between the two: the webhook's endpoints were read until they had an address.
  const calls = h.shims.calls().map((c) => `${c.tool} ${c.args.join(' ')}`);
  const first = calls.findIndex((c) => c.startsWith('helm upgrade --install kof-mothership'));
  const second = calls.findIndex(
    (c, i) => i > first && c.startsWith('helm upgrade --install kof-mothership'),
  );
  const between = calls.slice(first, second).filter((c) => c.includes(' get endpoints '));
  expect(between.length).toBeGreaterThanOrEqual(3);
  expect(h.warnings.join('\n')).toMatch(/attempt 1 of 3 met the VictoriaMetrics webhook/);
});

test('the webhook race beyond install_retries fails the phase with what to change', async () => {
  h.shims.updateWorld((w) => {
    w.kof = { endpointsPendingPolls: 1000 };
  });
  const summary = await run({
    kof: { ...KOF_CONFIG.kof, mothership: { install_retries: 2, retry_delay_seconds: 1 } },
  });
  expect(summary.failed?.phase).toBe('install_kof_mothership');
  const doc = await h.state();
  expect(doc.phases.install_kof_mothership?.error?.message).toMatch(
    /attempt 2 of 2, the VictoriaMetrics webhook was still not serving.*kof.mothership.install_retries/,
  );
  expect(helmCalls('upgrade').filter((a) => a[2] === 'kof-mothership')).toHaveLength(2);
});

test('a regional cluster that never becomes Ready fails within its bound naming the condition, and a re-run resumes it', async () => {
  h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: null, notReadyMessage: 'AzureMachine quota exceeded' };
  });
  const failed = await run();
  expect(failed.failed?.phase).toBe('install_kof_regional');
  const doc = await h.state();
  const error = doc.phases.install_kof_regional?.error;
  expect(error?.class).toBe('transient');
  expect(error?.message).toMatch(
    /was not Ready within kof.regional.ready_timeout_minutes \(2 min\): Ready=False \(Provisioning: AzureMachine quota exceeded\); also InfrastructureReady=False/,
  );
  // 2 minutes at one read per 30 s: five reads, not more.
  const reads = h.shims.calls('kubectl').filter((c) => c.args.includes('get') && c.args.includes(REGIONAL));
  expect(reads.length).toBeLessThanOrEqual(5);

  h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1 };
  });
  h.shims.clearCalls();
  const resumed = await run();
  expect(resumed.failed).toBeUndefined();
  expect(decisions(resumed)).toMatchObject({
    install_azure_csi: 'skip',
    install_kof_mothership: 'skip',
    install_kof_regional: 'run',
  });
  expect(helmCalls('upgrade')).toEqual([]);
  expect(statuses(await h.state()).install_kof_regional).toBe('completed');
});

test('rollback to install_k0rdent undoes regional (until it is gone), then the mothership, then CSI, then k0rdent', async () => {
  h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1, deletePolls: 3 };
  });
  await run();
  h.shims.clearCalls();
  const summary = await h.rollback('install_k0rdent', { topology: LONE });
  expect(summary.steps.map((s) => [s.phase, s.result])).toEqual([
    ['install_kof_regional', 'undone'],
    ['install_kof_mothership', 'undone'],
    ['install_azure_csi', 'undone'],
    ['setup_azure_children', 'undone'],
    ['install_k0rdent', 'undone'],
  ]);
  const calls = h.shims.calls().map((c) => `${c.tool} ${c.args.filter((a) => !a.startsWith('/')).join(' ')}`);
  const at = (pattern: RegExp) => calls.findIndex((c) => pattern.test(c));
  const lastCdRead = calls
    .map((c, i) => (c.includes(`get clusterdeployments.k0rdent.mirantis.com ${REGIONAL}`) ? i : -1))
    .reduce((a, b) => Math.max(a, b));
  expect(at(/delete clusterdeployments.k0rdent.mirantis.com kof-regional/)).toBeGreaterThanOrEqual(0);
  // The ClusterDeployment was awaited until gone before anything else was removed.
  expect(lastCdRead).toBeLessThan(at(/helm uninstall kof-mothership/));
  expect(helmCalls('uninstall').map((a) => a[1])).toEqual([
    'kof-mothership',
    'kof-operators',
    'kof-istio',
    'azuredisk-csi-driver',
    'kcm',
  ]);
  expect(at(/delete storageclass managed-csi/)).toBeLessThan(at(/helm uninstall azuredisk-csi-driver/));
  const world = h.shims.world();
  expect(world.objects?.[CD_KEY]).toBeUndefined();
  expect(world.objects?.['Secret/kube-system/azure-cloud-provider']).toBeUndefined();
  expect(world.releases).toEqual({});
  const doc = await h.state();
  for (const phase of KOF) expect(doc.phases[phase]?.status).toBe('pending');
});

test('a ClusterDeployment still being deleted stops the rollback within its bound; a second rollback finishes it', async () => {
  h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1, deletePolls: 100 };
  });
  await run();
  await expect(
    h.rollback('install_kof_mothership', { topology: LONE, overrides: KOF_CONFIG }),
  ).rejects.toThrow(
    /undo of install_kof_regional failed: ClusterDeployment kcm-system\/kof-regional-scenario-eastus is still being deleted/,
  );
  // Nothing it needs was removed while it stood.
  expect(h.shims.world().releases).toHaveProperty('kof-mothership');
  expect((await h.state()).phases.install_kof_mothership?.status).toBe('completed');
  h.shims.updateWorld((w) => {
    w.regional = { ...w.regional, deletePolls: 1 };
    const cd = w.objects?.[CD_KEY] as { _deleting?: number } | undefined;
    if (cd) cd._deleting = 1;
  });
  const summary = await h.rollback('install_kof_mothership', {
    topology: LONE,
    overrides: KOF_CONFIG,
  });
  expect(summary.steps.map((s) => s.phase)).toEqual(['install_kof_regional', 'install_kof_mothership']);
  expect(h.shims.world().objects?.[CD_KEY]).toBeUndefined();
});

test('--fast deletes the regional ClusterDeployment (until it is gone) before the resource group', async () => {
  h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1, deletePolls: 2 };
  });
  await run();
  h.shims.clearCalls();
  const result = await h.fast('setup_network');
  expect(result.resourceGroup).toBe('deleted');
  expect(h.shims.world().objects?.[CD_KEY]).toBeUndefined();
  const deletes = h.shims.calls('kubectl').filter((c) => c.args.includes('delete'));
  expect(deletes.map((c) => c.args.find((a) => a.startsWith('clusterdeployments')))).toContain(
    'clusterdeployments.k0rdent.mirantis.com',
  );
  const doc = await h.state();
  expect(doc.phases.install_kof_regional?.status).toBe('pending');
});
