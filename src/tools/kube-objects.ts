/**
 * kubectl on individual objects: apply a list of manifests (on standard input, so a Secret's data never
 * reaches an argument list), read one or a list as JSON, delete one in a namespace. A kind the API
 * server does not know (its CRD is not installed) is told apart from an object that is not there.
 */
import { runTool, ToolFailedError, type ToolOptions } from './tool.js';

const NO_SUCH_TYPE = /doesn't have a resource type|no matches for kind|resource mapping not found/i;
const NOT_FOUND = /\(NotFound\)|not found/i;

/** The cluster does not know this kind of object (its CRD is missing). */
export class UnknownKindError extends Error {
  override readonly name = 'UnknownKindError';
}

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly deletionTimestamp?: string;
  };
  readonly spec?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
  readonly data?: Record<string, string>;
  /** Other top-level fields (a StorageClass's provisioner, a Secret's stringData). */
  readonly [field: string]: unknown;
}

const base = (kubeconfig: string) => ['--kubeconfig', kubeconfig, '--request-timeout', '30s'];

function failure(what: string, result: { exitCode: number | undefined; stderrTail: readonly string[] }) {
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line))) {
    return new UnknownKindError(`${what}: ${result.stderrTail.join(' ').trim()}`);
  }
  return new ToolFailedError(`${what} failed`, result.exitCode, result.stderrTail);
}

/** `kubectl apply` of the objects as one List on standard input (server-side create or update). */
export async function kubectlApply(
  kubeconfig: string,
  objects: readonly KubeObject[],
  options: ToolOptions = {},
): Promise<void> {
  const list = { apiVersion: 'v1', kind: 'List', items: objects };
  const result = await runTool('kubectl', [...base(kubeconfig), 'apply', '--filename', '-'], {
    ...options,
    stdin: JSON.stringify(list),
  });
  if (result.exitCode !== 0) throw failure('kubectl apply', result);
}

/** One object, or undefined when it does not exist; UnknownKindError when its kind is unknown. */
export async function kubectlGet<T = KubeObject>(
  kubeconfig: string,
  resource: string,
  name: string,
  namespace: string | undefined,
  options: ToolOptions = {},
): Promise<T | undefined> {
  const result = await runTool(
    'kubectl',
    [
      ...base(kubeconfig),
      'get',
      resource,
      name,
      // Cluster-scoped kinds (CRDs, namespaces) take none.
      ...(namespace === '' || namespace === undefined ? [] : ['--namespace', namespace]),
      '--output',
      'json',
    ],
    // The object may be a Secret: its data is not streamed.
    { ...options, secret: true },
  );
  if (result.exitCode === 0) return JSON.parse(result.stdout) as T;
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line)))
    throw failure(`kubectl get ${resource}`, result);
  if (result.stderrTail.some((line) => NOT_FOUND.test(line))) return undefined;
  throw failure(`kubectl get ${resource} ${name}`, result);
}

/** Every object of a kind (in every namespace unless one is given). */
export async function kubectlList<T = KubeObject>(
  kubeconfig: string,
  resource: string,
  options: ToolOptions & { namespace?: string; selector?: string } = {},
): Promise<T[]> {
  const where = options.namespace ? ['--namespace', options.namespace] : ['--all-namespaces'];
  const result = await runTool(
    'kubectl',
    [
      ...base(kubeconfig),
      'get',
      resource,
      ...where,
      ...(options.selector ? ['--selector', options.selector] : []),
      '--output',
      'json',
    ],
    { ...options, secret: true },
  );
  if (result.exitCode !== 0) throw failure(`kubectl get ${resource}`, result);
  return (JSON.parse(result.stdout) as { items?: T[] }).items ?? [];
}

/** Deletes one namespaced object and waits for it to be gone; absent (or its kind unknown) is done. */
export async function kubectlDeleteObject(
  kubeconfig: string,
  resource: string,
  name: string,
  namespace: string,
  timeoutSeconds: number,
  options: ToolOptions = {},
): Promise<'deleted' | 'no-such-type'> {
  const result = await runTool(
    'kubectl',
    [
      ...base(kubeconfig),
      'delete',
      resource,
      name,
      '--namespace',
      namespace,
      '--ignore-not-found',
      '--wait',
      '--timeout',
      `${timeoutSeconds}s`,
    ],
    options,
  );
  if (result.exitCode === 0) return 'deleted';
  if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line))) return 'no-such-type';
  throw new ToolFailedError(`kubectl delete ${resource} ${name} failed`, result.exitCode, result.stderrTail);
}

/**
 * Asks for one object's deletion without waiting (`--wait=false`): the caller polls until it is gone
 * within its own budget. Absent is fine; `no-such-type` when the cluster does not know the kind.
 */
export async function kubectlRequestDelete(
  kubeconfig: string,
  resource: string,
  name: string,
  namespace: string | undefined,
  options: ToolOptions = {},
): Promise<'requested' | 'no-such-type'> {
  const result = await runTool(
    'kubectl',
    [
      ...base(kubeconfig),
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
