/**
 * Proof that pods on different nodes reach each other (the CNI works across the VMs), not only that
 * the nodes are Ready: one short-lived pod pinned to every node that runs a kubelet, each pinging the
 * pod on the next node (a ring, so every node sends and receives across a node boundary), then the
 * namespace goes. Every step is bounded: the pods have a deadline of their own, the wait for them a
 * timeout, each ping two packets of two seconds. A controller runs no kubelet and gets no pod.
 */
import { kubectlDelete } from '../../tools/kubectl.js';
import {
  kubectlApply,
  kubectlExec,
  kubectlPods,
  kubectlWaitPodsReady,
  type PodState,
} from '../../tools/kubectl-pods.js';
import type { ToolOptions } from '../../tools/tool.js';

export const NETCHECK_NAMESPACE = 'k0rdent-deploy-netcheck';
/** How long the probe pods may take to be Ready (image pull included). */
export const NETCHECK_READY_SECONDS = 120;
/** A probe pod ends by itself after this long, should the clean-up not run (a killed job). */
const POD_DEADLINE_SECONDS = 600;
const DELETE_TIMEOUT_SECONDS = 60;
const LABEL = { 'app.kubernetes.io/name': 'k0rdent-deploy-netcheck' };

export interface PodNetworkResult {
  readonly ok: boolean;
  readonly evidence: string;
}

/** The probe pod of a node (node names are DNS labels, as Kubernetes requires of pod names). */
export function probePodName(node: string): string {
  return `netcheck-${node}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * The namespace and one pod per node, as a List for one `kubectl apply`. Pure. `image` has `ping` and
 * `sleep` (software.pod_network_probe.image).
 */
export function netcheckManifest(nodes: readonly string[], image: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NETCHECK_NAMESPACE, labels: LABEL } },
      ...nodes.map((node) => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: probePodName(node), namespace: NETCHECK_NAMESPACE, labels: LABEL },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': node },
          // Also on a controller+worker that keeps its control-plane taint.
          tolerations: [{ operator: 'Exists' }],
          restartPolicy: 'Never',
          activeDeadlineSeconds: POD_DEADLINE_SECONDS,
          terminationGracePeriodSeconds: 0,
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'probe',
              image,
              command: ['sleep', String(POD_DEADLINE_SECONDS)],
              resources: {
                requests: { cpu: '10m', memory: '16Mi' },
                limits: { cpu: '50m', memory: '64Mi' },
              },
            },
          ],
        },
      })),
    ],
  };
}

/** Each node's pod to the next node's: every node sends and receives across a node boundary. Pure. */
export function ringPairs<T>(items: readonly T[]): [T, T][] {
  if (items.length < 2) return [];
  return items.map((item, i) => [item, items[(i + 1) % items.length] as T]);
}

/**
 * Runs the probe on `nodes` (the Ready nodes that run a kubelet). Fewer than two: nothing crosses a
 * node, so there is nothing to prove. A failure of the network is a finding (ok: false, naming the
 * nodes and what failed); a failure to talk to the API at all throws.
 */
export async function probePodNetwork(
  kubeconfig: string,
  nodes: readonly string[],
  options: ToolOptions & {
    image: string;
    readySeconds?: number;
    onCleanupFailure?: (message: string) => void;
  },
): Promise<PodNetworkResult> {
  if (nodes.length < 2)
    return {
      ok: true,
      evidence: `pod network not probed: ${nodes.length} node(s) run workloads, so no traffic crosses nodes`,
    };
  // A namespace left by a killed job (or still terminating) would refuse the new pods.
  await kubectlDelete(kubeconfig, 'namespace', NETCHECK_NAMESPACE, DELETE_TIMEOUT_SECONDS, options);
  try {
    await kubectlApply(kubeconfig, netcheckManifest(nodes, options.image), options);
    const readySeconds = options.readySeconds ?? NETCHECK_READY_SECONDS;
    const wait = await kubectlWaitPodsReady(kubeconfig, NETCHECK_NAMESPACE, readySeconds, options);
    const pods = await kubectlPods(kubeconfig, NETCHECK_NAMESPACE, options);
    if (!wait.ready)
      return { ok: false, evidence: notReady(pods, nodes, readySeconds, wait.detail, options.image) };
    const byNode = new Map(pods.map((pod) => [pod.node, pod]));
    const placed = nodes.map((node) => byNode.get(node));
    const missing = nodes.filter((_, i) => !placed[i]?.ip);
    if (missing.length > 0)
      return {
        ok: false,
        evidence: `pod network probe: no pod with an address on ${missing.join(', ')} although the pods are Ready`,
      };
    const pairs = ringPairs(nodes.map((node, i) => ({ node, pod: placed[i] as PodState })));
    const results = await Promise.all(
      pairs.map(([from, to]) =>
        kubectlExec(
          kubeconfig,
          NETCHECK_NAMESPACE,
          from.pod.name,
          ['ping', '-c', '2', '-W', '2', to.pod.ip ?? ''],
          options,
        ),
      ),
    );
    const broken = pairs
      .map(([from, to], i) => ({ from, to, result: results[i] }))
      .filter(({ result }) => !result?.ok)
      .map(
        ({ from, to, result }) =>
          `the pod on ${from.node} cannot reach the pod on ${to.node} (${to.pod.ip ?? '?'}): ${result?.detail ?? ''}`,
      );
    if (broken.length > 0)
      return {
        ok: false,
        evidence: `pod network broken across nodes: ${broken.join('; ')} (the CNI, calico, does not carry traffic between these VMs: check its pods in kube-system and that the VMs reach each other on the subnet)`,
      };
    return {
      ok: true,
      evidence: `pods reach each other across all ${nodes.length} nodes (${pairs.map(([a, b]) => `${a.node}→${b.node}`).join(', ')})`,
    };
  } finally {
    try {
      await kubectlDelete(kubeconfig, 'namespace', NETCHECK_NAMESPACE, DELETE_TIMEOUT_SECONDS, options);
    } catch (error) {
      // The pods end by their own deadline; the next probe deletes the namespace first.
      options.onCleanupFailure?.(
        `could not delete the namespace ${NETCHECK_NAMESPACE} of the pod network probe: ${(error as Error).message}`,
      );
    }
  }
}

function notReady(
  pods: readonly PodState[],
  nodes: readonly string[],
  seconds: number,
  detail: string,
  image: string,
): string {
  const byName = new Map(pods.map((pod) => [pod.name, pod]));
  const stuck = nodes
    .map((node) => ({ node, pod: byName.get(probePodName(node)) }))
    .filter(({ pod }) => !pod?.ready)
    .map(({ node, pod }) => `${node}: ${pod ? (pod.waiting ?? pod.phase) : 'no pod'}`);
  return (
    `pod network probe: pods not Ready within ${seconds} s (${stuck.join('; ') || detail}); ` +
    `a node that cannot pull ${image} (software.pod_network_probe.image) or start a pod (its CNI not ready) cannot be probed`
  );
}
