/**
 * kubectl: reading nodes and deployments as JSON, waiting for deployments to be available, and deleting
 * objects (waiting for their finalizers).
 */
import { runTool, runToolOrThrow, ToolFailedError, type ToolOptions } from './tool.js';

export interface NodeState {
  readonly name: string;
  readonly ready: boolean;
}

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { conditions?: { type?: string; status?: string }[] } }[];
}

export async function kubectlNodes(kubeconfig: string, options: ToolOptions = {}): Promise<NodeState[]> {
  const result = await runToolOrThrow(
    'kubectl get nodes',
    'kubectl',
    ['--kubeconfig', kubeconfig, '--request-timeout', '20s', 'get', 'nodes', '--output', 'json'],
    { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) },
  );
  const list = JSON.parse(result.stdout) as NodeList;
  return (list.items ?? []).map((node) => ({
    name: node.metadata?.name ?? '',
    ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
  }));
}

export interface DeploymentState {
  readonly name: string;
  readonly desired: number;
  readonly available: number;
}

interface DeploymentList {
  items?: {
    metadata?: { name?: string };
    spec?: { replicas?: number };
    status?: { availableReplicas?: number };
  }[];
}

export async function kubectlDeployments(
  kubeconfig: string,
  namespace: string,
  options: ToolOptions = {},
): Promise<DeploymentState[]> {
  const result = await runToolOrThrow(
    'kubectl get deployments',
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--request-timeout',
      '20s',
      'get',
      'deployments',
      '--namespace',
      namespace,
      '--output',
      'json',
    ],
    { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) },
  );
  const list = JSON.parse(result.stdout) as DeploymentList;
  return (list.items ?? []).map((d) => ({
    name: d.metadata?.name ?? '',
    desired: d.spec?.replicas ?? 1,
    available: d.status?.availableReplicas ?? 0,
  }));
}

export async function kubectlWaitDeployments(
  kubeconfig: string,
  namespace: string,
  timeoutSeconds: number,
  options: ToolOptions = {},
): Promise<void> {
  await runToolOrThrow(
    'kubectl wait for deployments',
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      'wait',
      '--for',
      'condition=Available',
      'deployment',
      '--all',
      '--namespace',
      namespace,
      '--timeout',
      `${timeoutSeconds}s`,
    ],
    options,
  );
}

const NO_SUCH_TYPE = /doesn't have a resource type/i;

/**
 * Deletes every object of a kind in every namespace and waits for them to be gone (their finalizers
 * run); `no-such-type` when the cluster does not know the kind (its CRD was never installed).
 */
export async function kubectlDeleteAll(
  kubeconfig: string,
  resource: string,
  timeoutSeconds: number,
  options: ToolOptions = {},
): Promise<'deleted' | 'no-such-type'> {
  return deleting(
    `kubectl delete ${resource} --all`,
    [resource, '--all', '--all-namespaces'],
    kubeconfig,
    timeoutSeconds,
    options,
  );
}

/** Deletes one object (cluster-scoped, or a namespace) and waits for it to be gone; absent is fine. */
export async function kubectlDelete(
  kubeconfig: string,
  resource: string,
  name: string,
  timeoutSeconds: number,
  options: ToolOptions = {},
): Promise<'deleted' | 'no-such-type'> {
  return deleting(
    `kubectl delete ${resource} ${name}`,
    [resource, name],
    kubeconfig,
    timeoutSeconds,
    options,
  );
}

async function deleting(
  what: string,
  target: readonly string[],
  kubeconfig: string,
  timeoutSeconds: number,
  options: ToolOptions,
): Promise<'deleted' | 'no-such-type'> {
  const result = await runTool(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      'delete',
      ...target,
      '--ignore-not-found',
      '--wait',
      '--timeout',
      `${timeoutSeconds}s`,
    ],
    options,
  );
  if (result.exitCode === 0) return 'deleted';
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line))) return 'no-such-type';
  throw new ToolFailedError(`${what} failed`, result.exitCode, result.stderrTail);
}
