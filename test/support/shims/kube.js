// The Kubernetes objects the phases after k0rdent read and write, and the charts that bring them, as
// strict as the API server, helm and the controllers behind them:
// - a kind is known only once what brings its CRD is installed (kcm: k0rdent's kinds and Sveltos'
//   ClusterProfile; the CSI chart: nothing new, CSIDriver is built in); an unknown kind fails as kubectl
//   does ("the server doesn't have a resource type", "no matches for kind ... ensure CRDs are installed
//   first"), a namespaced object needs its namespace ("namespaces ... not found");
// - helm pulls only charts and versions the fake registry holds (`failed to fetch ... not found`,
//   `chart ... version ... not found in ... repository`), `upgrade` without `--install` of a release
//   that does not exist fails ("has no deployed releases"), and --wait fails ("context deadline
//   exceeded") when what the chart runs cannot become ready: the CSI driver without its cloud config
//   Secret, or with the kubelet directory of a non-k0s node (/var/lib/kubelet, the chart's default);
//   kof-mothership's volumes without the storage class it names (or a default one);
// - kof-istio needs Sveltos' CRD (k0rdent), kof-mothership the CRDs kof-operators brings;
// - kof-mothership's VictoriaMetrics webhook refuses the objects of the release while its Service has no
//   ready endpoint (`kof.endpointsPendingPolls`: reads of the Endpoints before the operator's pod is
//   Ready), as the API server does ("no endpoints available for service");
// - a ClusterDeployment is admitted only when its ClusterTemplate and Credential exist (kcm's webhook);
//   its Ready condition follows `regional.readyAfterPolls` (null: never), and a deleted one is gone after
//   `regional.deletePolls` reads while kcm runs (CAPZ releasing the Azure resources), never without it;
//   once Ready, its cluster's admin kubeconfig is the Secret `<name>-kubeconfig` beside it (key `value`,
//   as Cluster API writes it), gone with the ClusterDeployment.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { fail } from './net.js';

export const REGISTRY = {
  'oci://ghcr.io/k0rdent/kcm/charts/kcm': ['1.0.0', '1.1.0', '1.1.1', '1.2.0', '1.3.0', '1.4.0', '1.5.0'],
  'oci://ghcr.io/k0rdent/kof/charts/kof-istio': ['1.1.0', '1.2.0', '1.3.0', '1.4.0'],
  'oci://ghcr.io/k0rdent/kof/charts/kof-operators': ['1.1.0', '1.2.0', '1.3.0', '1.4.0'],
  'oci://ghcr.io/k0rdent/kof/charts/kof-mothership': ['1.1.0', '1.2.0', '1.3.0', '1.4.0'],
  'https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts#azuredisk-csi-driver':
    ['v1.29.0', 'v1.30.0', 'v1.30.1', '1.31.0', '1.32.0'],
};

/** k0rdent's templates as kcm 1.x ships them (the ones the KOF configs name among them). */
const CLUSTER_TEMPLATES = [
  'azure-standalone-cp-1-0-8',
  'azure-standalone-cp-1-0-10',
  'azure-hosted-cp-1-0-8',
];

// Resource names kubectl accepts → the canonical resource, its kind, whether namespaced, what brings it.
const RESOURCES = [
  ['namespaces', 'Namespace', false, null, ['namespace', 'ns']],
  ['secrets', 'Secret', true, null, ['secret']],
  ['configmaps', 'ConfigMap', true, null, ['configmap', 'cm']],
  ['storageclasses', 'StorageClass', false, null, ['storageclass', 'sc', 'storageclasses.storage.k8s.io']],
  ['csidrivers', 'CSIDriver', false, null, ['csidriver', 'csidrivers.storage.k8s.io']],
  ['deployments', 'Deployment', true, null, ['deployment', 'deploy', 'deployments.apps']],
  ['daemonsets', 'DaemonSet', true, null, ['daemonset', 'ds', 'daemonsets.apps']],
  ['endpoints', 'Endpoints', true, null, ['ep']],
  ['customresourcedefinitions', 'CustomResourceDefinition', false, null, ['crd', 'crds']],
  [
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
    null,
    ['validatingwebhookconfiguration'],
  ],
  [
    'clusterdeployments.k0rdent.mirantis.com',
    'ClusterDeployment',
    true,
    'kcm',
    ['clusterdeployment', 'clusterdeployments'],
  ],
  ['credentials.k0rdent.mirantis.com', 'Credential', true, 'kcm', ['credential', 'credentials']],
  [
    'clustertemplates.k0rdent.mirantis.com',
    'ClusterTemplate',
    true,
    'kcm',
    ['clustertemplate', 'clustertemplates'],
  ],
].map(([resource, kind, namespaced, brings, aliases]) => ({ resource, kind, namespaced, brings, aliases }));

const SVELTOS_CRD = 'clusterprofiles.config.projectsveltos.io';

function resourceNamed(name) {
  const lower = name.toLowerCase();
  return RESOURCES.find((r) => r.resource === lower || r.aliases.includes(lower));
}

function resourceOfKind(kind) {
  return RESOURCES.find((r) => r.kind === kind);
}

/** Whether the API server knows it now: built in, or its CRD is installed. */
function known(world, spec) {
  return spec !== undefined && (spec.brings === null || Boolean(world.releases[spec.brings]));
}

// Shared with kube-objects.js: `Kind/namespace/name` (no namespace for cluster-scoped kinds).
const kindOfResource = (resource) => RESOURCES.find((r) => r.resource === resource)?.kind ?? resource;
const key = (resource, namespace, name) => `${kindOfResource(resource)}/${namespace ?? ''}/${name}`;

function objects(world) {
  world.objects ??= {};
  return world.objects;
}

function put(world, resource, namespace, name, object, owner) {
  objects(world)[key(resource, namespace, name)] = {
    kind: kindOfResource(resource),
    ...object,
    metadata: { ...object.metadata, name, ...(namespace ? { namespace } : {}) },
    ...(owner ? { _owner: owner } : {}),
  };
}

function get(world, resource, namespace, name) {
  return objects(world)[key(resource, namespace, name)];
}

function remove(world, resource, namespace, name) {
  delete objects(world)[key(resource, namespace, name)];
}

function listOf(world, resource, namespace) {
  return Object.entries(objects(world))
    .filter(([k]) => {
      const [kind, ns] = k.split('/');
      return kind === kindOfResource(resource) && (namespace === undefined || ns === namespace);
    })
    .map(([, o]) => o);
}

export function namespaceExists(world, name) {
  return (
    ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(name) ||
    Boolean(get(world, 'namespaces', '', name))
  );
}

function ensureNamespace(world, name, owner) {
  if (!namespaceExists(world, name))
    put(world, 'namespaces', '', name, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, owner);
}

const strip = (object) => {
  if (!object) return object;
  const { _owner, _polls, _deleting, ...rest } = object;
  return rest;
};

// ---- charts --------------------------------------------------------------------------------------

/** The chart a `helm upgrade` names, as the registry knows it, or a failure as helm prints it. */
export function pullChart(chart, repo, version) {
  const ref = repo ? `${repo}#${chart}` : chart;
  const versions = REGISTRY[ref];
  if (!versions) {
    if (repo) fail(`Error: chart "${chart}" not found in ${repo} repository`);
    fail(`Error: failed to fetch ${chart}: not found`);
  }
  if (!versions.includes(version)) {
    if (repo) fail(`Error: chart "${chart}" version "${version}" not found in ${repo} repository`);
    fail(`Error: failed to fetch ${chart}:${version} : not found`);
  }
  return ref.split('#').pop().split('/').pop();
}

const deadline = (what) => `Error: UPGRADE FAILED: context deadline exceeded (${what})`;

function deployment(world, namespace, name, owner, available = 1) {
  put(
    world,
    'deployments',
    namespace,
    name,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: { replicas: 1 },
      status: { availableReplicas: available },
    },
    owner,
  );
}

/** What installing `chart` into `namespace` as `release` creates; the error helm --wait prints, if any. */
export function installChart(world, release, chart, namespace, values, nodes) {
  ensureNamespace(world, namespace, release);
  switch (chart) {
    case 'kcm':
      put(world, 'customresourcedefinitions', '', SVELTOS_CRD, { metadata: { name: SVELTOS_CRD } }, release);
      for (const name of CLUSTER_TEMPLATES) {
        put(
          world,
          'clustertemplates.k0rdent.mirantis.com',
          namespace,
          name,
          {
            apiVersion: 'k0rdent.mirantis.com/v1beta1',
            kind: 'ClusterTemplate',
            metadata: { name, namespace },
          },
          release,
        );
      }
      return undefined;
    case 'azuredisk-csi-driver': {
      const secretName = values['controller.cloudConfigSecretName'] ?? 'azure-cloud-provider';
      const secretNamespace = values['controller.cloudConfigSecretNamespace'] ?? 'kube-system';
      const cloudConfig = get(world, 'secrets', secretNamespace, secretName);
      // allowEmptyCloudConfig is false for the controller: without the Secret it crash-loops.
      if (!cloudConfig) return deadline(`csi-azuredisk-controller: secret "${secretName}" not found`);
      const replicas = Number(values['controller.replicas'] ?? 2);
      // hostNetwork: each replica needs a node of its own.
      const available = Math.min(replicas, nodes);
      // On k0s the kubelet's plugin directory is under /var/lib/k0s/kubelet; `csi.nodesNotReady` breaks it.
      const kubeletOk = values['linux.kubelet'] === '/var/lib/k0s/kubelet' && !world.csi?.nodesNotReady;
      put(
        world,
        'csidrivers',
        '',
        'disk.csi.azure.com',
        { metadata: { name: 'disk.csi.azure.com' } },
        release,
      );
      put(
        world,
        'deployments',
        namespace,
        'csi-azuredisk-controller',
        {
          metadata: { name: 'csi-azuredisk-controller', namespace },
          spec: { replicas },
          status: { availableReplicas: available },
        },
        release,
      );
      put(
        world,
        'daemonsets',
        namespace,
        'csi-azuredisk-node',
        {
          metadata: { name: 'csi-azuredisk-node', namespace },
          status: { desiredNumberScheduled: nodes, numberReady: kubeletOk ? nodes : 0 },
        },
        release,
      );
      if (available < replicas)
        return deadline(`csi-azuredisk-controller: ${available}/${replicas} replicas available`);
      if (!kubeletOk)
        return deadline('csi-azuredisk-node: the node driver registrar found no kubelet plugin directory');
      return undefined;
    }
    case 'kof-istio':
      if (!get(world, 'customresourcedefinitions', '', SVELTOS_CRD))
        return 'Error: UPGRADE FAILED: unable to build kubernetes objects from release manifest: resource mapping not found for name: "kof-istio-network" namespace: "" from "": no matches for kind "ClusterProfile" in version "config.projectsveltos.io/v1beta1"\nensure CRDs are installed first';
      deployment(world, namespace, 'istiod', release);
      return undefined;
    case 'kof-operators':
      deployment(world, namespace, 'kof-operators-opentelemetry-operator', release);
      deployment(world, namespace, 'kof-operators-prometheus-operator', release);
      return undefined;
    case 'kof-mothership': {
      if (!world.releases['kof-operators'])
        return 'Error: UPGRADE FAILED: unable to build kubernetes objects from release manifest: resource mapping not found for name: "kof-mothership-promxy" namespace: "kof" from "": no matches for kind "ServiceMonitor" in version "monitoring.coreos.com/v1"\nensure CRDs are installed first';
      // The operator, its Service and webhook come first; then the objects the webhook validates.
      const service = 'kof-mothership-victoria-metrics-operator';
      deployment(world, namespace, service, release);
      put(
        world,
        'validatingwebhookconfigurations',
        '',
        `${service}-admission`,
        {
          metadata: {
            name: `${service}-admission`,
            labels: { 'app.kubernetes.io/name': 'victoria-metrics-operator' },
          },
          webhooks: [
            {
              name: 'vmcluster.victoriametrics.com',
              clientConfig: { service: { name: service, namespace } },
            },
          ],
        },
        release,
      );
      world.kof ??= {};
      const pending = world.kof.endpointsPendingPolls ?? 0;
      const ready = pending <= 0;
      put(
        world,
        'endpoints',
        namespace,
        service,
        {
          metadata: { name: service, namespace },
          subsets: ready ? [{ addresses: [{ ip: '10.244.0.9' }] }] : [],
        },
        release,
      );
      if (!ready)
        return `Error: UPGRADE FAILED: failed to create resource: Internal error occurred: failed calling webhook "vmcluster.victoriametrics.com": failed to call webhook: Post "https://${service}.${namespace}.svc:9443/validate-operator-victoriametrics-com-v1beta1-vmcluster?timeout=10s": no endpoints available for service "${service}"`;
      const storageClass = values['global.storageClass'];
      const classes = listOf(world, 'storageclasses');
      const usable = storageClass
        ? classes.some((c) => c.metadata.name === storageClass)
        : classes.some(
            (c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true',
          );
      if (!usable)
        return deadline(
          `PersistentVolumeClaim vmstorage-db-vmstorage-cluster-0 is Pending: ${storageClass ? `storageclass.storage.k8s.io "${storageClass}" not found` : 'no storage class is set and there is no default one'}`,
        );
      for (const name of [
        'kof-mothership-grafana-operator',
        'kof-mothership-promxy',
        'kof-mothership-kof-operator',
      ])
        deployment(world, namespace, name, release);
      return undefined;
    }
  }
  return undefined;
}

/** What `helm uninstall` removes: the objects the release created (not CRDs' custom objects). */
export function uninstallChart(world, release) {
  for (const [k, o] of Object.entries(objects(world))) {
    if (o._owner === release && !k.startsWith('Namespace/')) delete objects(world)[k];
  }
}

// ---- kubectl -------------------------------------------------------------------------------------

function flag(args, ...names) {
  for (const name of names) {
    const i = args.indexOf(name);
    if (i >= 0) return args[i + 1];
    const inline = args.find((a) => a.startsWith(`${name}=`));
    if (inline) return inline.slice(name.length + 1);
  }
  return undefined;
}

// Options that take the next argument as their value (kubectl's and helm's).
const VALUED =
  /^--(kubeconfig|timeout|namespace|request-timeout|output|selector|filename|for|version|repo|set|set-string)$|^-[nolf]$/;

function positional(args) {
  return args.filter((a, i) => !a.startsWith('-') && !VALUED.test(args[i - 1] ?? ''));
}

/** The kinds whose apply this module answers (the others are kube-objects.js's). */
export const APPLIES = new Set(['Namespace', 'StorageClass', 'ClusterDeployment']);

/** An apply's standard input: JSON, or YAML as kubectl also takes it. */
export function readInput() {
  return load(readFileSync(0, 'utf8'));
}

export function kubectlApply(world, save, input = readInput()) {
  const items = input.kind === 'List' ? input.items : [input];
  // What was applied before a refused item stays applied, as with kubectl.
  const refuse = (message) => {
    save();
    fail(message);
  };
  for (const item of items) {
    const spec = resourceOfKind(item.kind);
    const { name, namespace } = item.metadata ?? {};
    if (!known(world, spec)) {
      refuse(
        `error: resource mapping not found for name: "${name}" namespace: "${namespace ?? ''}" from "STDIN": no matches for kind "${item.kind}" in version "${item.apiVersion}"\nensure CRDs are installed first`,
      );
    }
    if (spec.namespaced && !namespace) refuse(`error: the namespace of ${item.kind} ${name} is required`);
    if (spec.namespaced && !namespaceExists(world, namespace))
      refuse(
        `Error from server (NotFound): error when creating "STDIN": namespaces "${namespace}" not found`,
      );
    let object = { ...item };
    if (item.kind === 'Secret' && item.stringData) {
      // The API server keeps stringData as base64 data.
      const data = Object.fromEntries(
        Object.entries(item.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      );
      const { stringData: _s, ...rest } = item;
      object = { ...rest, data };
    }
    if (item.kind === 'ClusterDeployment') object = admitClusterDeployment(world, object, namespace, refuse);
    const before = get(world, spec.resource, spec.namespaced ? namespace : '', name);
    put(world, spec.resource, spec.namespaced ? namespace : '', name, {
      ...(before ?? {}),
      ...object,
      ...(before?._owner ? { _owner: before._owner } : {}),
    });
    process.stdout.write(`${item.kind.toLowerCase()}/${name} ${before ? 'configured' : 'created'}\n`);
  }
  save();
}

function admitClusterDeployment(world, object, namespace, refuse) {
  const { template, credential } = object.spec ?? {};
  const denied = (why) =>
    refuse(
      `Error from server (Forbidden): error when creating "STDIN": admission webhook "validation.clusterdeployment.k0rdent.mirantis.com" denied the request: ${why}`,
    );
  if (!get(world, 'clustertemplates.k0rdent.mirantis.com', namespace, template))
    denied(`the ClusterTemplate ${namespace}/${template} is not found`);
  if (!get(world, 'credentials.k0rdent.mirantis.com', namespace, credential))
    denied(`the Credential ${namespace}/${credential} is not found`);
  const before = get(world, 'clusterdeployments.k0rdent.mirantis.com', namespace, object.metadata.name);
  world.k0rdent ??= { management: 'present', clusterDeployments: {} };
  world.k0rdent.clusterDeployments[`${namespace}/${object.metadata.name}`] = 'present';
  return { ...object, status: before?.status ?? { conditions: [] }, _polls: before?._polls ?? 0 };
}

/** A read of a ClusterDeployment: one poll of its controller's progress. */
function observeClusterDeployment(world, cd) {
  const regional = world.regional ?? {};
  const namespace = cd.metadata.namespace;
  const name = cd.metadata.name;
  const controller = Boolean(world.releases.kcm);
  if (cd._deleting !== undefined) {
    if (controller) cd._deleting -= 1;
    if (cd._deleting <= 0) {
      remove(world, 'clusterdeployments.k0rdent.mirantis.com', namespace, name);
      remove(world, 'secrets', namespace, `${name}-kubeconfig`);
      delete world.k0rdent?.clusterDeployments[`${namespace}/${name}`];
      return undefined;
    }
    return cd;
  }
  cd._polls = (cd._polls ?? 0) + 1;
  const readyAfter = regional.readyAfterPolls;
  const ready = readyAfter !== null && readyAfter !== undefined && cd._polls >= readyAfter;
  cd.status = {
    conditions: [
      ready
        ? { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'Object is ready' }
        : {
            type: 'Ready',
            status: 'False',
            reason: 'Provisioning',
            message: regional.notReadyMessage ?? 'AzureCluster is provisioning: waiting for control plane',
          },
      {
        type: 'InfrastructureReady',
        status: ready ? 'True' : 'False',
        reason: ready ? 'Succeeded' : 'VNetReconcileFailed',
        ...(ready ? {} : { message: regional.infrastructureMessage ?? 'creating virtual network' }),
      },
    ],
  };
  if (ready && !get(world, 'secrets', namespace, `${name}-kubeconfig`)) {
    put(world, 'secrets', namespace, `${name}-kubeconfig`, {
      apiVersion: 'v1',
      type: 'cluster.x-k8s.io/secret',
      metadata: { labels: { 'cluster.x-k8s.io/cluster-name': name } },
      data: { value: Buffer.from(childKubeconfig(name)).toString('base64') },
    });
  }
  return cd;
}

/** An admin kubeconfig as Cluster API writes one for a workload cluster, with a key of its own. */
function childKubeconfig(name) {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: https://${name}.eastus.cloudapp.azure.com:6443`,
    `    certificate-authority-data: ${randomBytes(48).toString('base64')}`,
    'contexts:',
    `- name: ${name}-admin@${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: ${name}-admin`,
    `current-context: ${name}-admin@${name}`,
    'users:',
    `- name: ${name}-admin`,
    '  user:',
    `    client-certificate-data: ${randomBytes(48).toString('base64')}`,
    `    client-key-data: ${randomBytes(48).toString('base64')}`,
    '',
  ].join('\n');
}

export function kubectlGet(args, world, save) {
  const [, resourceName, name] = positional(args).slice(positional(args).indexOf('get'));
  const spec = resourceNamed(resourceName);
  if (!known(world, spec)) fail(`error: the server doesn't have a resource type "${resourceName}"`);
  const namespace = spec.namespaced ? (flag(args, '--namespace', '-n') ?? 'default') : '';
  if (name === undefined) {
    const selector = flag(args, '--selector', '-l');
    const items = listOf(world, spec.resource, spec.namespaced ? namespace : undefined)
      .filter((o) => {
        if (!selector) return true;
        const [k, v] = selector.split('=');
        return o.metadata?.labels?.[k] === v;
      })
      .map(strip);
    process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    return;
  }
  let object = get(world, spec.resource, namespace, name);
  if (object && spec.kind === 'ClusterDeployment') {
    object = observeClusterDeployment(world, object);
    save();
  }
  if (object && spec.kind === 'Endpoints' && (object.subsets ?? []).length === 0) {
    // The operator's pod becomes Ready after so many looks.
    world.kof ??= {};
    world.kof.endpointsPendingPolls = (world.kof.endpointsPendingPolls ?? 0) - 1;
    if (world.kof.endpointsPendingPolls <= 0) object.subsets = [{ addresses: [{ ip: '10.244.0.9' }] }];
    save();
  }
  if (!object) fail(`Error from server (NotFound): ${spec.resource.split('.')[0]} "${name}" not found`);
  process.stdout.write(JSON.stringify(strip(object)));
}

/** Deletes one object; a ClusterDeployment is marked for deletion and goes as its controller lets it. */
export function kubectlDeleteOne(args, world, save, resourceName, name) {
  const spec = resourceNamed(resourceName);
  if (!known(world, spec)) fail(`error: the server doesn't have a resource type "${resourceName}"`);
  const namespace = spec.namespaced ? (flag(args, '--namespace', '-n') ?? 'default') : '';
  const object = get(world, spec.resource, namespace, name);
  if (!object) {
    if (args.includes('--ignore-not-found')) return;
    fail(`Error from server (NotFound): ${spec.resource.split('.')[0]} "${name}" not found`);
  }
  if (spec.kind === 'ClusterDeployment') {
    object._deleting ??= world.regional?.deletePolls ?? 2;
    object.metadata = { ...object.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' };
  } else if (spec.kind === 'Namespace') {
    for (const [k] of Object.entries(objects(world))) if (k.split('/')[1] === name) delete objects(world)[k];
    remove(world, 'namespaces', '', name);
  } else {
    remove(world, spec.resource, namespace, name);
  }
  save();
  process.stdout.write(`${spec.kind.toLowerCase()} "${name}" deleted\n`);
}

/** `delete clusterdeployments --all`: what kcm removed goes from the store too. */
export function forgetDeletedClusterDeployments(world) {
  for (const [k, o] of Object.entries(objects(world))) {
    if (!k.startsWith('ClusterDeployment/')) continue;
    const present = world.k0rdent?.clusterDeployments[`${o.metadata.namespace}/${o.metadata.name}`];
    if (!present) delete objects(world)[k];
  }
}

/** Calls this module answers before kube-objects.js: KOF's kinds, and a ClusterDeployment by name. */
export function mineFirst(args) {
  const words = positional(args);
  const verb = words.find((w) => ['apply', 'get', 'delete'].includes(w));
  if (verb === 'apply') return false;
  const resource = words[words.indexOf(verb) + 1] ?? '';
  const spec = resourceNamed(resource);
  if (!spec) return false;
  if (spec.kind === 'ClusterDeployment')
    return words.length > words.indexOf(verb) + 2 && !args.includes('--all');
  return !['Secret', 'Credential', 'CustomResourceDefinition', 'ConfigMap'].includes(spec.kind);
}

export { resourceNamed, known, positional, flag };
