/**
 * The KOF phases through the engine with the built-in deployment: install_azure_csi and
 * install_kof_mothership against the helm and kubectl shims (kube.js: charts from a fake registry,
 * kinds only once their chart is installed, the webhook race), each with its validate. KOF switches
 * setup_azure_children on: the real phase, against the fake Microsoft Graph and role assignments.
 * The regional cluster's waits and undo are in kof-regional.test.ts; the production example's deploy,
 * rollback order and uninstall in kof-production.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decisions, DEPLOYMENT_ID, statuses } from './harness.js';
import { CD_KEY, KOF, KOF_CONFIG, kofScenarios, REGIONAL } from './kof-scenarios.js';

const scenario = kofScenarios();
const { run, helmCalls } = scenario;

/** The client secret Microsoft Graph issued to the principal setup_azure_children created. */
function childClientSecret(): string {
  const apps = [...scenario.h.arm.directory.applications.values()];
  expect(apps).toHaveLength(1);
  const secret = apps[0]?.passwords[0]?.secretText;
  if (secret === undefined) throw new Error('the child principal has no client secret');
  return secret;
}

test('a KOF deploy: CSI with its cloud config by name, the three KOF charts, the regional cluster Ready; a re-run validates each', async () => {
  const summary = await run();
  expect(summary.failed).toBeUndefined();
  const doc = await scenario.h.state();
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

  const world = scenario.h.shims.world();
  const clientSecret = childClientSecret();
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
    aadClientId: [...scenario.h.arm.directory.applications.values()][0]?.appId,
    aadClientSecret: clientSecret,
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
  // The regional cluster's kubeconfig, from Cluster API's Secret, kept only as a sensitive artifact.
  const kubeconfigSecret = world.objects?.[`Secret/kcm-system/${REGIONAL}-kubeconfig`] as unknown as {
    data: { value: string };
  };
  const regionalKubeconfig = Buffer.from(kubeconfigSecret.data.value, 'base64').toString();
  expect(regionalKubeconfig).toContain('client-key-data: ');
  expect(readFileSync(join(scenario.h.stateDir, 'secrets/kof-regional-kubeconfig'), 'utf8')).toBe(
    regionalKubeconfig,
  );
  expect(doc.artifacts.kof_regional_kubeconfig).toMatchObject({
    sensitive: true,
    phase: 'install_kof_regional',
    path: 'state/secrets/kof-regional-kubeconfig',
  });
  const key = /client-key-data: (\S+)/.exec(regionalKubeconfig)?.[1] ?? '?';
  expect(readFileSync(join(scenario.h.stateDir, 'deployment-state.yaml'), 'utf8')).not.toContain(key);
  expect([...scenario.h.infos, ...scenario.h.warnings].join('\n')).not.toContain(key);

  // The client secret went to kubectl on stdin: not in any argument, the state, or a file outside secrets/.
  expect(JSON.stringify(scenario.h.shims.calls())).not.toContain(clientSecret);
  expect(readFileSync(join(scenario.h.stateDir, 'deployment-state.yaml'), 'utf8')).not.toContain(
    clientSecret,
  );

  const again = await run();
  expect(decisions(again)).toMatchObject(Object.fromEntries(KOF.map((p) => [p, 'skip'])));
  const after = await scenario.h.state();
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
  scenario.h.shims.updateWorld((w) => {
    delete w.objects?.['CSIDriver//disk.csi.azure.com'];
  });
  scenario.h.shims.clearCalls();
  const summary = await run();
  expect(summary.failed).toBeUndefined();
  const outcome = summary.outcomes.find((o) => o.phase === 'install_azure_csi');
  expect(outcome?.decision).toBe('run');
  expect(outcome?.reason).toMatch(/validation failed: CSIDriver disk.csi.azure.com is not registered/);
  expect(scenario.h.shims.world().objects?.['CSIDriver//disk.csi.azure.com']).toBeDefined();
  expect((await scenario.h.state()).phases.install_azure_csi?.status).toBe('completed');
});

test('a CSI driver that never becomes ready fails the phase within its bound, saying what is not ready', async () => {
  scenario.h.shims.updateWorld((w) => {
    w.csi = { nodesNotReady: true };
  });
  const summary = await run();
  expect(summary.failed?.phase).toBe('install_azure_csi');
  expect(summary.failed?.error.message).toMatch(/context deadline exceeded \(csi-azuredisk-node/);
  const csi = helmCalls('upgrade').find((a) => a[2] === 'azuredisk-csi-driver');
  expect(csi).toEqual(expect.arrayContaining(['--wait', '--timeout', '600s']));
  expect(statuses(await scenario.h.state()).install_kof_mothership).toBe('pending');
});

test('the mothership meets the VictoriaMetrics webhook before it serves, waits for its endpoints, and succeeds on the retry', async () => {
  scenario.h.shims.updateWorld((w) => {
    w.kof = { endpointsPendingPolls: 3 };
  });
  const summary = await run({ kof: { ...KOF_CONFIG.kof, mothership: { storage_class: 'managed-csi' } } });
  expect(summary.failed).toBeUndefined();
  const mothership = helmCalls('upgrade').filter((a) => a[2] === 'kof-mothership');
  expect(mothership).toHaveLength(2);
  expect(mothership[1]).toEqual(expect.arrayContaining(['--set', 'global.storageClass=managed-csi']));
  // Between the two: the webhook's endpoints were read until they had an address.
  const calls = scenario.h.shims.calls().map((c) => `${c.tool} ${c.args.join(' ')}`);
  const first = calls.findIndex((c) => c.startsWith('helm upgrade --install kof-mothership'));
  const second = calls.findIndex(
    (c, i) => i > first && c.startsWith('helm upgrade --install kof-mothership'),
  );
  const between = calls.slice(first, second).filter((c) => c.includes(' get endpoints '));
  expect(between.length).toBeGreaterThanOrEqual(3);
  expect(scenario.h.warnings.join('\n')).toMatch(/attempt 1 of 3 met the VictoriaMetrics webhook/);
});

test('the webhook race beyond install_retries fails the phase with what to change', async () => {
  scenario.h.shims.updateWorld((w) => {
    w.kof = { endpointsPendingPolls: 1000 };
  });
  const summary = await run({
    kof: { ...KOF_CONFIG.kof, mothership: { install_retries: 2, retry_delay_seconds: 1 } },
  });
  expect(summary.failed?.phase).toBe('install_kof_mothership');
  const doc = await scenario.h.state();
  expect(doc.phases.install_kof_mothership?.error?.message).toMatch(
    /attempt 2 of 2, the VictoriaMetrics webhook was still not serving.*kof.mothership.install_retries/,
  );
  expect(helmCalls('upgrade').filter((a) => a[2] === 'kof-mothership')).toHaveLength(2);
});
