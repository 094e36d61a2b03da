// kubectl on individual objects, as strict as an API server: `apply --filename -` of a List, `get` of
// one object or a list, `delete` of one object. Core kinds (Secret, ConfigMap, Pod, CRD) always exist;
// CAPZ's AzureClusterIdentity only once its CRD is installed, k0rdent's Credential and ClusterDeployment
// only while kcm's CRDs are; an unknown kind is refused the way kubectl refuses it ("no matches for
// kind … ensure CRDs are installed first", "the server doesn't have a resource type"). Objects go only
// into namespaces that exist; Secret data must be base64.
//
// CAPZ comes with kcm (k0rdent installs the Cluster API providers): `world.capz` is `ready` (default),
// `not-ready` (its controller pod never becomes Ready) or `absent` (no CRD, no pod).
import { readFileSync } from 'node:fs';
import { fail } from './net.js';

const CAPZ_CRD = 'azureclusteridentities.infrastructure.cluster.x-k8s.io';

/** Resource names kubectl accepts for each kind this shim models: plural, singular, qualified. */
const KINDS = [
  { kind: 'Secret', group: '', names: ['secret', 'secrets'], api: 'v1' },
  { kind: 'ConfigMap', group: '', names: ['configmap', 'configmaps', 'cm'], api: 'v1' },
  { kind: 'Pod', group: '', names: ['pod', 'pods', 'po'], api: 'v1', readOnly: true },
  {
    kind: 'CustomResourceDefinition',
    group: 'apiextensions.k8s.io',
    names: ['customresourcedefinition', 'customresourcedefinitions', 'crd', 'crds'],
    api: 'apiextensions.k8s.io/v1',
    readOnly: true,
    clusterScoped: true,
  },
  {
    kind: 'AzureClusterIdentity',
    group: 'infrastructure.cluster.x-k8s.io',
    names: ['azureclusteridentity', 'azureclusteridentities'],
    api: 'infrastructure.cluster.x-k8s.io/v1beta1',
    needs: 'capz',
  },
  {
    kind: 'Credential',
    group: 'k0rdent.mirantis.com',
    names: ['credential', 'credentials'],
    api: 'k0rdent.mirantis.com/v1beta1',
    needs: 'kcm',
  },
  {
    kind: 'ClusterDeployment',
    group: 'k0rdent.mirantis.com',
    names: ['clusterdeployment', 'clusterdeployments'],
    api: 'k0rdent.mirantis.com/v1beta1',
    needs: 'kcm',
    readOnly: true,
  },
];

const VALUED = new Set([
  '--kubeconfig',
  '--request-timeout',
  '--namespace',
  '-n',
  '--output',
  '-o',
  '--timeout',
  '--filename',
  '-f',
  '--for',
]);

function parse(args) {
  const positional = [];
  const options = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (VALUED.has(arg)) options[arg.replace(/^-+/, '')] = args[++i];
    else if (arg.startsWith('-')) options[arg.replace(/^-+/, '')] = true;
    else positional.push(arg);
  }
  return { positional, options, namespace: options.namespace ?? options.n ?? 'default' };
}

function installed(world, needs) {
  const kcm = Boolean(world.releases?.kcm);
  if (needs === 'kcm') return kcm;
  if (needs === 'capz') return kcm && (world.capz ?? 'ready') !== 'absent';
  return true;
}

/** The kind a resource name (`secret`, `credentials.k0rdent.mirantis.com`) stands for, if the server knows it. */
function kindOf(world, resource) {
  const lower = resource.toLowerCase();
  const found = KINDS.find((k) => k.names.some((n) => lower === n || lower === `${n}.${k.group}`));
  return found && installed(world, found.needs) ? found : undefined;
}

/** Whether this shim answers the call (the other kubectl calls are k0s.js's). */
export function handlesKubectl(args) {
  const { positional } = parse(args);
  const [verb, resource] = positional;
  if (verb === 'apply') return true;
  if (verb !== 'get' && verb !== 'delete') return false;
  const lower = (resource ?? '').toLowerCase();
  if (verb === 'delete' && lower.startsWith('clusterdeployments')) return false;
  return KINDS.some((k) => k.names.some((n) => lower === n || lower === `${n}.${k.group}`));
}

const key = (kind, namespace, name) => `${kind.kind}/${kind.clusterScoped ? '' : namespace}/${name}`;

function namespaces(world) {
  const names = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
  for (const release of Object.values(world.releases ?? {}))
    if (release.namespace) names.add(release.namespace);
  return names;
}

/** Objects the cluster runs by itself: CRDs and controller pods of what is installed. */
function builtIn(world) {
  const objects = [];
  if (installed(world, 'capz')) {
    objects.push({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: CAPZ_CRD },
    });
    const ready = (world.capz ?? 'ready') === 'ready';
    objects.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'capz-controller-manager-6b9f7c6d8-x2x4q',
        namespace: world.releases.kcm.namespace ?? 'kcm-system',
      },
      status: {
        phase: ready ? 'Running' : 'Pending',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      },
    });
  }
  if (world.k0rdent) {
    for (const [name, state] of Object.entries(world.k0rdent.clusterDeployments ?? {})) {
      objects.push({
        apiVersion: 'k0rdent.mirantis.com/v1beta1',
        kind: 'ClusterDeployment',
        metadata: {
          name,
          namespace: 'kcm-system',
          ...(state === 'deleting' || state === 'stuck' ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
        },
        spec: { credential: world.k0rdent.credentials?.[name] ?? 'azure-cluster-credential' },
      });
    }
  }
  return objects;
}

function all(world) {
  return [...builtIn(world), ...Object.values(world.objects ?? {})];
}

export function kubeObjects(args, world, save, input) {
  const { positional, options, namespace } = parse(args);
  const [verb, resource, name] = positional;
  if (verb === 'apply') return apply(options, namespace, world, save, input);
  const kind = kindOf(world, resource);
  if (!kind) fail(`error: the server doesn't have a resource type "${resource.split('.')[0]}"`);
  if (verb === 'get') {
    const everywhere = options['all-namespaces'] === true || options.A === true;
    const matching = all(world).filter(
      (o) =>
        o.kind === kind.kind &&
        (kind.clusterScoped || everywhere || o.metadata.namespace === namespace) &&
        (name === undefined || o.metadata.name === name),
    );
    if (name !== undefined) {
      if (matching.length === 0)
        fail(
          `Error from server (NotFound): ${kind.names[1]}.${kind.group || ''} "${name}" not found`.replace(
            '. "',
            ' "',
          ),
        );
      process.stdout.write(JSON.stringify(matching[0]));
      return;
    }
    process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: matching }));
    return;
  }
  // delete
  if (kind.readOnly) fail(`kubectl shim: deleting ${kind.kind} is not modelled`, 70);
  const id = key(kind, namespace, name);
  if (!world.objects?.[id]) {
    if (options['ignore-not-found']) return;
    fail(`Error from server (NotFound): ${kind.names[1]} "${name}" not found`);
  }
  delete world.objects[id];
  save();
  process.stdout.write(
    `${kind.kind.toLowerCase()}.${kind.group || ''} "${name}" deleted\n`.replace('. "', ' "'),
  );
}

function apply(options, namespace, world, save, input) {
  if (options.filename !== '-' && options.f !== '-')
    fail('kubectl shim: apply reads from standard input only', 70);
  let document;
  try {
    document = input ?? JSON.parse(readFileSync(0, 'utf8'));
  } catch (error) {
    fail(`error: error parsing STDIN: ${error.message}`);
  }
  const items = document.kind === 'List' ? document.items : [document];
  const known = namespaces(world);
  const results = [];
  // kubectl checks every object's kind before it writes any.
  for (const object of items) {
    const kind = KINDS.find((k) => k.kind === object.kind && k.api === object.apiVersion);
    if (!kind || !installed(world, kind.needs)) {
      fail(
        `error: resource mapping not found for name: "${object.metadata?.name}" namespace: "${object.metadata?.namespace ?? ''}" from "STDIN": ` +
          `no matches for kind "${object.kind}" in version "${object.apiVersion}"\nensure CRDs are installed first`,
      );
    }
    if (kind.readOnly) fail(`kubectl shim: applying ${kind.kind} is not modelled`, 70);
    if (!object.metadata?.name) fail('error: error validating "STDIN": metadata.name is required');
  }
  world.objects ??= {};
  for (const object of items) {
    const kind = KINDS.find((k) => k.kind === object.kind);
    const ns = object.metadata.namespace ?? namespace;
    if (!known.has(ns)) {
      fail(`Error from server (NotFound): error when creating "STDIN": namespaces "${ns}" not found`);
    }
    if (kind.kind === 'Secret') {
      for (const [field, value] of Object.entries(object.data ?? {})) {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
          fail(
            `Error from server (BadRequest): error when creating "STDIN": Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data.${field})`,
          );
        }
      }
    }
    const id = key(kind, ns, object.metadata.name);
    // The API server keeps a Secret's stringData as base64 data.
    const { stringData, ...rest } = object;
    const data = stringData
      ? {
          ...(object.data ?? {}),
          ...Object.fromEntries(
            Object.entries(stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString('base64')]),
          ),
        }
      : object.data;
    const stored = {
      ...rest,
      ...(data ? { data } : {}),
      metadata: { ...object.metadata, namespace: kind.clusterScoped ? undefined : ns },
    };
    const before = world.objects[id];
    const same = before && JSON.stringify(before) === JSON.stringify(stored);
    world.objects[id] = stored;
    results.push(
      `${kind.kind.toLowerCase()}/${object.metadata.name} ${before ? (same ? 'unchanged' : 'configured') : 'created'}`,
    );
  }
  save();
  process.stdout.write(results.join('\n') + '\n');
}
