/**
 * The fast uninstall: delete the resource group (it holds every VM, disk, NIC, IP and the network)
 * instead of undoing each phase, take the tunnel down, remove the local files of the phases that
 * lived in it. The state changes only once the group is gone, so it never claims less than stands:
 * a failed delete leaves every phase as it was; a failing local step is reported and does not stop it.
 */
import { resetFrom, addNote, markPending, removeArtifact, setFact } from '../../state/transitions.js';
import { mayHaveBuilt, statusOf } from '../../state/document.js';
import type { Deployment, PhaseContext } from '../phase.js';
import { partsOf } from './parts.js';
import { disconnectTunnel } from './vpn.js';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FACT, readAzureChildren } from './facts.js';
import { releaseChildrenPrincipal } from './azure-children.js';

export interface FastDestroyResult {
  readonly resourceGroup: 'deleted' | 'absent';
  readonly reset: readonly string[];
  readonly warnings: readonly string[];
}

export const FAST_TARGETS = ['prepare_deployment', 'setup_network'] as const;

export async function fastDestroy(
  deployment: Deployment,
  context: PhaseContext,
  options: { readonly to: (typeof FAST_TARGETS)[number]; readonly commit: () => Promise<void> },
): Promise<FastDestroyResult> {
  const parts = partsOf(deployment);
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    context.output.warn(message);
  };
  const rg = parts.names.resourceGroup;
  context.state.update((doc, stamp) =>
    addNote(doc, stamp, 'rollback_started', `fast destroy: deleting resource group ${rg}`, options.to),
  );
  await options.commit();

  // KOF's regional cluster keeps its Azure resources in a group of its own that CAPZ manages: delete
  // its ClusterDeployment through the cluster, and wait until it is gone, while the cluster still runs.
  // A failure stops here, with the state still naming it.
  const regional = deployment.phases.find((p) => p.name === 'install_kof_regional');
  if (regional?.rollback && mayHaveBuilt(context.state.read().phases.install_kof_regional)) {
    await regional.rollback({ ...context, phase: regional.name });
    context.state.update((d, stamp) =>
      markPending(
        d,
        regional.name,
        stamp,
        'regional cluster deleted before the resource group (fast destroy)',
      ),
    );
    await options.commit();
  }

  try {
    await disconnectTunnel(parts, { env: parts.runtime.env, signal: context.signal });
  } catch (error) {
    warn(`taking the tunnel down failed: ${(error as Error).message}`);
  }
  // The child clusters' service principal lives outside the group (in Entra ID, with a role on the
  // subscription): released first, so a failure stops here with the state still naming it.
  const before = context.state.read();
  if (readAzureChildren(before) !== undefined || mayHaveBuilt(before.phases.setup_azure_children)) {
    await releaseChildrenPrincipal(parts, context);
  }
  const azure = await parts.runtime.azure(context.signal);
  const resourceGroup = await azure.deleteResourceGroup(rg);
  context.output.info(
    resourceGroup === 'deleted' ? `deleted resource group ${rg}` : `resource group ${rg} was already gone`,
  );

  // Everything from setup_network on lived in the group: their local files go, their phases reset.
  const gone = new Set(['setup_network', ...deployment.graph.dependentsOf('setup_network')]);
  const doc = context.state.read();
  for (const [name, record] of Object.entries(doc.artifacts)) {
    if (record.removed || !record.phase || !gone.has(record.phase)) continue;
    try {
      await rm(resolve(record.path), { force: true });
    } catch (error) {
      warn(`removing ${record.path} failed: ${(error as Error).message}`);
    }
    context.state.update((d, stamp) => removeArtifact(d, name, stamp, 'resource group deleted'));
  }
  let reset: string[] = [];
  context.state.update((d, stamp) => setFact(d, FACT.k0sCluster, null, stamp, 'install_k0s'));
  context.state.update((d, stamp) => {
    const result = resetFrom(
      setFact(d, FACT.vmStates, {}, stamp, 'create_vms'),
      deployment.graph,
      'setup_network',
      stamp,
      `resource group ${rg} deleted (fast destroy)`,
    );
    reset = result.reset;
    return result.doc;
  });
  await options.commit();

  if (
    options.to === 'prepare_deployment' &&
    statusOf(context.state.read(), 'prepare_deployment') !== 'pending'
  ) {
    const prepare = deployment.phases.find((p) => p.name === 'prepare_deployment');
    try {
      await prepare?.rollback?.({ ...context, phase: 'prepare_deployment' });
      context.state.update((d, stamp) =>
        markPending(d, 'prepare_deployment', stamp, 'keys and cloud-init removed (fast destroy)'),
      );
      reset = [...reset, 'prepare_deployment'];
    } catch (error) {
      warn(`removing the keys and cloud-init failed: ${(error as Error).message}`);
    }
  }
  context.state.update((d, stamp) =>
    addNote(
      d,
      stamp,
      'rollback_finished',
      `fast destroy finished: resource group ${resourceGroup}`,
      options.to,
      {
        reset,
        warnings,
      },
    ),
  );
  await options.commit();
  return { resourceGroup, reset, warnings };
}
