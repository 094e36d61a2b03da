/**
 * The admin kubeconfig k0s writes on a controller, made usable from the hub: its API server is the
 * controller's WireGuard address (the one address the hub routes to), and its cluster, context and
 * user are named after the deployment, as `k0sctl kubeconfig` names them. Pure. Parse errors never
 * quote the input: it holds the cluster's admin key.
 */
import { dump, load } from 'js-yaml';

export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function single(doc: Record<string, unknown>, key: string): Record<string, unknown> {
  const list = doc[key];
  if (!Array.isArray(list) || list.length !== 1 || !isRecord(list[0]))
    throw new KubeconfigError(`the admin kubeconfig does not have exactly one entry in ${key}`);
  return list[0];
}

export function kubeconfigForHub(raw: string, target: { name: string; server: string }): string {
  let doc: unknown;
  try {
    doc = load(raw);
  } catch {
    throw new KubeconfigError('the admin kubeconfig is not valid YAML');
  }
  if (!isRecord(doc) || doc.kind !== 'Config' || typeof doc.apiVersion !== 'string')
    throw new KubeconfigError('the file is not a kubeconfig (no kind: Config)');
  const cluster = single(doc, 'clusters');
  const context = single(doc, 'contexts');
  const user = single(doc, 'users');
  if (!isRecord(cluster.cluster) || typeof cluster.cluster.server !== 'string')
    throw new KubeconfigError('the admin kubeconfig names no API server');
  if (!isRecord(user.user)) throw new KubeconfigError('the admin kubeconfig has no user credentials');
  const userName = 'admin';
  const out = {
    ...doc,
    clusters: [{ ...cluster, name: target.name, cluster: { ...cluster.cluster, server: target.server } }],
    contexts: [
      {
        ...context,
        name: target.name,
        context: {
          ...(isRecord(context.context) ? context.context : {}),
          cluster: target.name,
          user: userName,
        },
      },
    ],
    'current-context': target.name,
    users: [{ ...user, name: userName }],
  };
  return dump(out, { lineWidth: -1, noRefs: true });
}
