/**
 * install_kof_regional through the engine: the ClusterDeployment never Ready (bounded, classified,
 * resumable), its deletion awaited on rollback and on the fast uninstall, which also deletes the
 * child-cluster principal setup_azure_children (the real phase) created.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decisions, statuses } from './harness.js';
import { CD_KEY, KOF_CONFIG, kofScenarios, LONE, REGIONAL } from './kof-scenarios.js';

const scenario = kofScenarios();
const { run, helmCalls } = scenario;

test('a regional cluster that never becomes Ready fails within its bound naming the condition, and a re-run resumes it', async () => {
  scenario.h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: null, notReadyMessage: 'AzureMachine quota exceeded' };
  });
  const failed = await run();
  expect(failed.failed?.phase).toBe('install_kof_regional');
  const doc = await scenario.h.state();
  const error = doc.phases.install_kof_regional?.error;
  expect(error?.class).toBe('transient');
  expect(error?.message).toMatch(
    /was not Ready within kof.regional.ready_timeout_minutes \(2 min\): Ready=False \(Provisioning: AzureMachine quota exceeded\); also InfrastructureReady=False/,
  );
  // 2 minutes at one read per 30 s: five reads, not more.
  const reads = scenario.h.shims
    .calls('kubectl')
    .filter((c) => c.args.includes('get') && c.args.includes(REGIONAL));
  expect(reads.length).toBeLessThanOrEqual(5);

  scenario.h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1 };
  });
  scenario.h.shims.clearCalls();
  const resumed = await run();
  expect(resumed.failed).toBeUndefined();
  expect(decisions(resumed)).toMatchObject({
    install_azure_csi: 'skip',
    install_kof_mothership: 'skip',
    install_kof_regional: 'run',
  });
  expect(helmCalls('upgrade')).toEqual([]);
  expect(statuses(await scenario.h.state()).install_kof_regional).toBe('completed');
});

test('a ClusterDeployment still being deleted stops the rollback within its bound; a second rollback finishes it', async () => {
  scenario.h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1, deletePolls: 100 };
  });
  await run();
  await expect(
    scenario.h.rollback('install_kof_mothership', { topology: LONE, overrides: KOF_CONFIG }),
  ).rejects.toThrow(
    /undo of install_kof_regional failed: ClusterDeployment kcm-system\/kof-regional-scenario-eastus is still being deleted/,
  );
  // Nothing it needs was removed while it stood.
  expect(scenario.h.shims.world().releases).toHaveProperty('kof-mothership');
  expect((await scenario.h.state()).phases.install_kof_mothership?.status).toBe('completed');
  scenario.h.shims.updateWorld((w) => {
    w.regional = { ...w.regional, deletePolls: 1 };
    const cd = w.objects?.[CD_KEY] as { _deleting?: number } | undefined;
    if (cd) cd._deleting = 1;
  });
  const summary = await scenario.h.rollback('install_kof_mothership', {
    topology: LONE,
    overrides: KOF_CONFIG,
  });
  expect(summary.steps.map((s) => s.phase)).toEqual(['install_kof_regional', 'install_kof_mothership']);
  expect(scenario.h.shims.world().objects?.[CD_KEY]).toBeUndefined();
  // Its kubeconfig went with it: the file and (tombstoned) the artifact.
  expect(scenario.h.shims.world().objects?.[`Secret/kcm-system/${REGIONAL}-kubeconfig`]).toBeUndefined();
  const artifact = (await scenario.h.state()).artifacts.kof_regional_kubeconfig;
  expect(artifact?.removed).toBeDefined();
  expect(existsSync(join(scenario.h.stateDir, 'secrets/kof-regional-kubeconfig'))).toBe(false);
});

test('--fast deletes the regional ClusterDeployment (until it is gone) before the resource group, and the principal', async () => {
  scenario.h.shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1, deletePolls: 2 };
  });
  await run();
  expect(scenario.h.arm.directory.applications.size).toBe(1);
  expect(scenario.h.arm.roleAssignments()).toHaveLength(1);
  scenario.h.shims.clearCalls();
  const result = await scenario.h.fast('setup_network');
  expect(result.resourceGroup).toBe('deleted');
  expect(scenario.h.shims.world().objects?.[CD_KEY]).toBeUndefined();
  const deletes = scenario.h.shims.calls('kubectl').filter((c) => c.args.includes('delete'));
  expect(deletes.map((c) => c.args.find((a) => a.startsWith('clusterdeployments')))).toContain(
    'clusterdeployments.k0rdent.mirantis.com',
  );
  const doc = await scenario.h.state();
  expect(doc.phases.install_kof_regional?.status).toBe('pending');
  // The child-cluster principal goes too: no application, no service principal, no role assignment.
  expect(doc.phases.setup_azure_children?.status).toBe('pending');
  expect(scenario.h.arm.directory.applications.size).toBe(0);
  expect(scenario.h.arm.directory.servicePrincipals.size).toBe(0);
  expect(scenario.h.arm.roleAssignments()).toEqual([]);
});
