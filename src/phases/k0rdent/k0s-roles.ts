/**
 * The k0s role of every host, and which topology edits k0s can follow. Pure.
 *
 * A new cluster: workers are `worker`; controllers are `controller` (no kubelet: they are not
 * Kubernetes nodes) when there are at least two of them and workers to run the workloads, otherwise
 * `controller+worker`. A controller+worker registers with the control-plane NoSchedule taint unless
 * `noTaints: true` (k0s cmd/controller/controller.go), which a cluster without workers needs, or
 * nothing could run k0rdent.
 *
 * A running cluster: a host keeps the role and taint setting it was installed with. k0sctl refuses to
 * change a running host's role ("role change is not supported", k0sctl v0.30.1
 * phase/gather_k0s_facts.go), and kubelet applies taints only when a node first registers, so neither
 * can follow an edit in place. That is why growing from one controller to three works: the first keeps
 * `controller+worker`, the new ones are `controller`. The one edit refused is one that would leave no
 * host able to run workloads (workers scaled to 0 where the controllers run no kubelet, or registered
 * tainted): it would need a role change.
 */
import type { K0sCluster } from './facts.js';
import type { HostPlan } from './topology.js';

export type K0sRole = 'controller' | 'controller+worker' | 'worker';

export interface K0sPlacement {
  readonly role: K0sRole;
  /** Only for controller+worker: run workloads without the control-plane taint. */
  readonly noTaints: boolean;
  /** The role was kept from the running cluster (it may differ from what a new cluster would get). */
  readonly kept: boolean;
}

/** The role a host gets when k0s is first installed on it, in a cluster of `hosts`. */
export function freshPlacement(host: HostPlan, hosts: readonly HostPlan[]): Omit<K0sPlacement, 'kept'> {
  if (host.role === 'worker') return { role: 'worker', noTaints: false };
  const controllers = hosts.filter((h) => h.role === 'controller').length;
  const workers = hosts.length - controllers;
  if (controllers === 1 || workers === 0) return { role: 'controller+worker', noTaints: workers === 0 };
  return { role: 'controller', noTaints: false };
}

export function placements(
  hosts: readonly HostPlan[],
  cluster: K0sCluster | undefined,
): Map<string, K0sPlacement> {
  return new Map(
    hosts.map((host) => {
      const running = cluster?.hosts[host.name];
      const placement: K0sPlacement = running
        ? { role: running.role, noTaints: running.no_taints === true, kept: true }
        : { ...freshPlacement(host, hosts), kept: false };
      return [host.name, placement];
    }),
  );
}

/** Roles that run a kubelet: their hosts are Kubernetes nodes, the others are not. */
export function runsKubelet(role: K0sRole): boolean {
  return role !== 'controller';
}

/** Kept hosts whose role a new cluster of this topology would set differently (worth telling). */
export function keptRoles(hosts: readonly HostPlan[], cluster: K0sCluster | undefined): string[] {
  const planned = placements(hosts, cluster);
  return hosts.flatMap((host) => {
    const placement = planned.get(host.name);
    const fresh = freshPlacement(host, hosts);
    if (!placement?.kept || (placement.role === fresh.role && placement.noTaints === fresh.noTaints))
      return [];
    return [
      `${host.name} keeps running as ${describe(placement)} (a new cluster would make it ${describe(fresh)})`,
    ];
  });
}

function describe(placement: Omit<K0sPlacement, 'kept'>): string {
  return placement.role === 'controller+worker' && placement.noTaints
    ? 'controller+worker without taints'
    : placement.role;
}

export const REBUILD_ADVICE =
  'or rebuild the cluster with this topology: roll back to install_k0s with its undo ' +
  '(k0rdent-deploy rollback --to install_k0s; in Actions, the rollback action with to: install_k0s and ' +
  'destroy: true), which resets k0s on every host and deletes everything in the cluster, then run again';

/**
 * What an edit asks that k0s cannot do to the running cluster: empty when it can follow. Each problem
 * says what to change.
 */
export function topologyProblems(hosts: readonly HostPlan[], cluster: K0sCluster | undefined): string[] {
  if (!cluster) return [];
  const planned = placements(hosts, cluster);
  const schedulable = hosts.some((host) => {
    const p = planned.get(host.name);
    return p?.role === 'worker' || (p?.role === 'controller+worker' && p.noTaints);
  });
  if (schedulable) return [];
  const why = hosts
    .map((host) => {
      const p = planned.get(host.name);
      return p?.role === 'controller'
        ? `${host.name} runs k0s as controller (no kubelet)`
        : `${host.name} registered with the control-plane NoSchedule taint, which k0s does not lift`;
    })
    .join(', ');
  return [
    `cluster.workers.count ${hosts.filter((h) => h.role === 'worker').length} leaves no host that can run ` +
      `workloads: ${why}, and k0s cannot change the role of a running host (k0sctl: "role change is not ` +
      `supported"). Keep at least one worker, ${REBUILD_ADVICE}`,
  ];
}
