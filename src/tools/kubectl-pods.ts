/**
 * kubectl for short-lived pods: applying a manifest from standard input, waiting for pods to be Ready,
 * reading them, and running a command in one. Every call is bounded: the API requests by
 * `--request-timeout`, the waits by their own timeout.
 */
import { runTool, runToolOrThrow, type ToolOptions } from './tool.js';

const REQUEST_TIMEOUT = '20s';

export interface PodState {
  readonly name: string;
  readonly node: string | undefined;
  readonly ip: string | undefined;
  readonly phase: string;
  readonly ready: boolean;
  /** Why it is not running, in Kubernetes' words (ImagePullBackOff, Unschedulable: …), when known. */
  readonly waiting: string | undefined;
}

interface PodList {
  items?: {
    metadata?: { name?: string };
    spec?: { nodeName?: string };
    status?: {
      phase?: string;
      podIP?: string;
      conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
      containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
    };
  }[];
}

const quietStdout = (options: ToolOptions): ToolOptions => ({
  ...options,
  onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream),
});

/** `kubectl apply -f -` with the manifest (JSON is YAML) on standard input. */
export async function kubectlApply(
  kubeconfig: string,
  manifest: unknown,
  options: ToolOptions = {},
): Promise<void> {
  await runToolOrThrow(
    'kubectl apply',
    'kubectl',
    ['--kubeconfig', kubeconfig, '--request-timeout', REQUEST_TIMEOUT, 'apply', '--filename', '-'],
    { ...options, stdin: JSON.stringify(manifest) },
  );
}

/** Waits until every pod of the namespace is Ready; false (with kubectl's words) when the time ran out. */
export async function kubectlWaitPodsReady(
  kubeconfig: string,
  namespace: string,
  timeoutSeconds: number,
  options: ToolOptions = {},
): Promise<{ ready: boolean; detail: string }> {
  const result = await runTool(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      'wait',
      '--for',
      'condition=Ready',
      'pod',
      '--all',
      '--namespace',
      namespace,
      '--timeout',
      `${timeoutSeconds}s`,
    ],
    quietStdout(options),
  );
  return { ready: result.exitCode === 0, detail: result.stderrTail.at(-1)?.trim() ?? '' };
}

export async function kubectlPods(
  kubeconfig: string,
  namespace: string,
  options: ToolOptions = {},
): Promise<PodState[]> {
  const result = await runToolOrThrow(
    'kubectl get pods',
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--request-timeout',
      REQUEST_TIMEOUT,
      'get',
      'pods',
      '--namespace',
      namespace,
      '--output',
      'json',
    ],
    quietStdout(options),
  );
  const list = JSON.parse(result.stdout) as PodList;
  return (list.items ?? []).map((pod) => {
    const conditions = pod.status?.conditions ?? [];
    const unscheduled = conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    return {
      name: pod.metadata?.name ?? '',
      node: pod.spec?.nodeName,
      ip: pod.status?.podIP,
      phase: pod.status?.phase ?? 'Unknown',
      ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      waiting: unscheduled
        ? `${unscheduled.reason ?? 'Unschedulable'}: ${unscheduled.message ?? ''}`.trim()
        : waiting
          ? `${waiting.reason ?? 'Waiting'}${waiting.message ? `: ${waiting.message}` : ''}`
          : undefined,
    };
  });
}

/** Runs `argv` in the pod's first container; the command's exit code and its last words. */
export async function kubectlExec(
  kubeconfig: string,
  namespace: string,
  pod: string,
  argv: readonly string[],
  options: ToolOptions = {},
): Promise<{ ok: boolean; detail: string }> {
  const result = await runTool(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--request-timeout',
      REQUEST_TIMEOUT,
      'exec',
      '--namespace',
      namespace,
      pod,
      '--',
      ...argv,
    ],
    quietStdout(options),
  );
  const words = [...result.stdout.trim().split('\n'), ...result.stderrTail]
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { ok: result.exitCode === 0, detail: words.at(-1) ?? `exit ${result.exitCode ?? 'signal'}` };
}
