/**
 * Changing a running k0s cluster's membership, as k0s and k0sctl require:
 * - hosts leave through k0sctl before their VMs go: `reset: true` on the host in an apply drains it,
 *   deletes its node, makes it leave etcd and resets k0s (k0sctl v0.30.1 phase/reset_controllers.go,
 *   reset_workers.go); deleting a controller's VM without that leaves a dead etcd member, and two of
 *   three gone loses quorum;
 * - a controller whose VM was re-created is a new machine at the old addresses: its old etcd member
 *   must leave (asked of a healthy controller) before k0sctl will join it again (k0sctl refuses: "the
 *   host may have been replaced", phase/validate_etcd_members.go);
 * - k0sctl trusts host keys from the deployment's own known_hosts file (rig reads `SSH_KNOWN_HOSTS`,
 *   else ~/.ssh/known_hosts), the file from which a re-created VM's old key is dropped.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { etcdLeave, etcdPeerAddresses } from '../../tools/k0s-etcd.js';
import { k0sctlApply } from '../../tools/k0sctl.js';
import { kubectlDelete } from '../../tools/kubectl.js';
import { PhaseConfigurationError, type PhaseContext } from '../phase.js';
import { sshTargetOf, type DeploymentParts } from './base.js';
import { FACT, writeFact, type K0sCluster, type VmState } from './facts.js';
import { REBUILD_ADVICE } from './k0s-roles.js';
import { renderK0sctlConfig } from './k0sctl-config.js';
import { tool } from './phase-errors.js';
import { writeFileAtomic } from '../../stores/atomic-file.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ClusterToolOptions {
  readonly env: Env;
  readonly signal: AbortSignal;
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** The environment k0sctl runs in: host keys from (and into) the deployment's known_hosts file. */
export function k0sctlEnv(parts: DeploymentParts, env: Env): Env {
  return { ...env, SSH_KNOWN_HOSTS: parts.layout.knownHosts() };
}

/** Hosts of the cluster whose VM is not the one k0s was installed on (re-created since). */
export function replacedHosts(cluster: K0sCluster, vms: Readonly<Record<string, VmState>>): string[] {
  return Object.entries(cluster.hosts)
    .filter(([name, host]) => {
      const now = vms[name]?.vm_id;
      return host.vm_id !== undefined && now !== undefined && now !== host.vm_id;
    })
    .map(([name]) => name);
}

/**
 * Whether none of the cluster's VMs is left (every one deleted or created again, as when the resource
 * group was deleted): then no host runs the old k0s, and a new cluster is simply installed.
 */
export function clusterGone(cluster: K0sCluster, vms: Readonly<Record<string, VmState>>): boolean {
  const replaced = new Set(replacedHosts(cluster, vms));
  // A host whose VM ids were never recorded (an older state) is not known to be gone.
  return Object.keys(cluster.hosts).every((name) => replaced.has(name) || vms[name] === undefined);
}

/** A controller that still runs on the VM k0s was installed on, and is not going away. */
function healthyController(
  cluster: K0sCluster,
  exclude: ReadonlySet<string>,
  replaced: ReadonlySet<string>,
): [string, K0sCluster['hosts'][string]] | undefined {
  return Object.entries(cluster.hosts).find(
    ([name, host]) => host.role !== 'worker' && !exclude.has(name) && !replaced.has(name),
  );
}

/**
 * Removes hosts from the cluster before their VMs are deleted. Those still running on the VM k0s was
 * installed on leave through k0sctl (`reset: true`): the apply names a healthy controller (the leader,
 * which drains and deletes their nodes) and the leaving hosts only, at the version the cluster runs, so
 * nothing else is touched. Those that cannot be reached (deallocated, or re-created) are removed from
 * the outside: a controller's etcd member leaves through the leader, a node object is deleted.
 */
export async function removeFromCluster(
  parts: DeploymentParts,
  context: PhaseContext,
  cluster: K0sCluster,
  leaving: readonly { readonly name: string; readonly reachable: boolean }[],
  replaced: ReadonlySet<string>,
  options: ClusterToolOptions,
): Promise<void> {
  const names = leaving.map((l) => l.name);
  const leader = healthyController(cluster, new Set(names), replaced);
  if (!leader) {
    throw new PhaseConfigurationError(
      `no controller is left to remove ${names.join(', ')} from the k0s cluster; ${REBUILD_ADVICE}`,
    );
  }
  const hostOf = (name: string) => {
    const host = cluster.hosts[name];
    if (!host) throw new Error(`${name} is not in the recorded cluster`);
    return host;
  };
  const reachable = leaving.filter((l) => l.reachable).map((l) => l.name);
  if (reachable.length > 0) {
    const file = parts.layout.k0sctlRemovalConfig();
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(
      file,
      renderK0sctlConfig({
        clusterName: parts.id,
        k0sVersion: cluster.version,
        sshUser: parts.config.ssh.username,
        sshPort: parts.runtime.sshPort ?? 22,
        sshKeyPath: parts.layout.sshPrivateKey().path,
        hosts: [leader[0], ...reachable].map((name) => {
          const host = hostOf(name);
          return {
            name,
            role: host.role,
            wireguardAddress: host.address,
            ...(host.private_ip ? { privateAddress: host.private_ip } : {}),
            noTaints: host.no_taints === true,
            reset: name !== leader[0],
          };
        }),
      }),
      0o644,
    );
    context.output.info(
      `removing ${reachable.join(', ')} from the k0s cluster (k0sctl reset: drain, leave etcd)`,
    );
    await tool(() => k0sctlApply(file, { ...options, env: k0sctlEnv(parts, options.env) }));
    await rm(file, { force: true });
  }
  const unreachable = leaving.filter((l) => !l.reachable).map((l) => l.name);
  if (unreachable.length > 0) {
    const target = sshTargetOf(parts, leader[1].address);
    const members = await tool(() => etcdPeerAddresses(target, options));
    for (const name of unreachable) {
      const host = hostOf(name);
      context.output.info(`${name} cannot be reached: removing it from the cluster through ${leader[0]}`);
      if (host.role !== 'worker' && host.private_ip && members.includes(host.private_ip))
        await tool(() => etcdLeave(target, host.private_ip ?? '', options));
      const kubeconfig = parts.layout.kubeconfig().path;
      if (host.role !== 'controller' && existsSync(kubeconfig))
        await tool(() => kubectlDelete(kubeconfig, 'node', name, 120, options));
    }
  }
  const hostsLeft = Object.fromEntries(
    Object.entries(cluster.hosts).filter(([name]) => !names.includes(name)),
  );
  writeFact(context, FACT.k0sCluster, { ...cluster, hosts: hostsLeft });
}

/**
 * Before k0sctl joins re-created controllers again: their old etcd members leave, asked of a controller
 * that kept its VM. When every controller was re-created the control plane is gone with its etcd data,
 * and only a rebuild helps.
 */
export async function evictReplacedControllers(
  parts: DeploymentParts,
  context: PhaseContext,
  cluster: K0sCluster,
  replaced: ReadonlySet<string>,
  options: ClusterToolOptions,
): Promise<void> {
  const controllers = Object.entries(cluster.hosts).filter(([, host]) => host.role !== 'worker');
  const gone = controllers.filter(([name]) => replaced.has(name));
  if (gone.length === 0) return;
  const leader = healthyController(cluster, new Set(), replaced);
  if (!leader) {
    throw new PhaseConfigurationError(
      `every controller VM (${gone.map(([n]) => n).join(', ')}) was created again, so the k0s control plane ` +
        `and its etcd data are gone; ${REBUILD_ADVICE.replace(/^or /, '')}`,
    );
  }
  const target = sshTargetOf(parts, leader[1].address);
  const members = await tool(() => etcdPeerAddresses(target, options));
  for (const [name, host] of gone) {
    if (!host.private_ip || !members.includes(host.private_ip)) continue;
    context.output.info(
      `${name} was created again: removing its old etcd member ${host.private_ip} (k0s etcd leave on ${leader[0]})`,
    );
    await tool(() => etcdLeave(target, host.private_ip ?? '', options));
  }
}
