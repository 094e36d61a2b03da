/**
 * kubectl on single objects: apply manifests given as JSON on standard input (never a file, so a
 * manifest holding a secret touches no disk), read one object, delete a namespaced one. A kind the
 * cluster does not know (its CRD is not installed) is told apart from an absent object.
 */
import { runTool, runToolOrThrow, ToolFailedError, type ToolOptions } from './tool.js';

/** The kind is unknown to the API server: the chart or operator that brings its CRD is not installed. */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
  constructor(readonly resource: string) {
    super(`the cluster does not know ${resource} (its CustomResourceDefinition is not installed)`);
  }
}

const NO_SUCH_TYPE = /doesn't have a resource type|no matches for kind/i;
const NOT_FOUND = /\(NotFound\)|not found/i;

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [key: string]: unknown;
}

/** `kubectl apply` of the objects as one List read from standard input. */
export async function kubectlApply(
  kubeconfig: string,
  objects: readonly KubeObject[],
  options: ToolOptions = {},
): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  const result = await runTool(
    'kubectl',
    ['--kubeconfig', kubeconfig, '--request-timeout', '30s', 'apply', '--filename', '-'],
    { ...options, stdin: JSON.stringify(list) },
  );
  if (result.exitCode === 0) return;
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line)))
    throw new UnknownKindError(objects.map((o) => o.kind).join(', '));
  const names = objects.map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`).join(', ');
  throw new ToolFailedError(`kubectl apply ${names} failed`, result.exitCode, result.stderrTail);
}

/** One object as JSON, or undefined when it does not exist; UnknownKindError when the kind is unknown. */
export async function kubectlGet<T = Record<string, unknown>>(
  kubeconfig: string,
  resource: string,
  name: string,
  namespace?: string,
  options: ToolOptions = {},
): Promise<T | undefined> {
  const result = await runTool(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--request-timeout',
      '20s',
      'get',
      resource,
      name,
      ...(namespace ? ['--namespace', namespace] : []),
      '--output',
      'json',
    ],
    { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) },
  );
  if (result.exitCode === 0) return JSON.parse(result.stdout) as T;
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line))) throw new UnknownKindError(resource);
  if (result.stderrTail.some((line) => NOT_FOUND.test(line))) return undefined;
  throw new ToolFailedError(`kubectl get ${resource} ${name} failed`, result.exitCode, result.stderrTail);
}

/** Every object of a kind in a namespace (or cluster-wide), optionally by label selector. */
export async function kubectlList<T = Record<string, unknown>>(
  kubeconfig: string,
  resource: string,
  namespace: string | undefined,
  options: ToolOptions & { readonly selector?: string } = {},
): Promise<T[]> {
  const result = await runToolOrThrow(
    `kubectl get ${resource}`,
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--request-timeout',
      '20s',
      'get',
      resource,
      ...(namespace ? ['--namespace', namespace] : []),
      ...(options.selector ? ['--selector', options.selector] : []),
      '--output',
      'json',
    ],
    { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) },
  );
  return ((JSON.parse(result.stdout) as { items?: T[] }).items ?? []).slice();
}

/**
 * Deletes one object without waiting (`--wait=false`): the caller polls for it to be gone within its
 * own budget. Absent is fine; `no-such-type` when the cluster does not know the kind.
 */
export async function kubectlDeleteObject(
  kubeconfig: string,
  resource: string,
  name: string,
  namespace: string | undefined,
  options: ToolOptions = {},
): Promise<'requested' | 'no-such-type'> {
  const result = await runTool(
    'kubectl',
    [
      '--kubeconfig',
      kubeconfig,
      '--request-timeout',
      '30s',
      'delete',
      resource,
      name,
      ...(namespace ? ['--namespace', namespace] : []),
      '--ignore-not-found',
      '--wait=false',
    ],
    options,
  );
  if (result.exitCode === 0) return 'requested';
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line))) return 'no-such-type';
  throw new ToolFailedError(`kubectl delete ${resource} ${name} failed`, result.exitCode, result.stderrTail);
}
