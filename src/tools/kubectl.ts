/** kubectl: reading nodes and deployments as JSON, and waiting for deployments to be available. */
import { runToolOrThrow, type ToolOptions } from './tool.js';

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
