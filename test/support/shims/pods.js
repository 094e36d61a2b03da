// Pods for kubectl, as strict as the scheduler, the kubelet and the CNI are towards a probe:
// - a pod runs only on a Node (a k0s `controller` runs no kubelet and is none), whose machine runs, and
//   whose taints it tolerates; otherwise it stays Pending and `kubectl wait` times out;
// - each Node hands out pod addresses from its own range (calico's per-node blocks of 10.244.0.0/16);
// - a pod reaches another on its own node always, on another node only when the CNI carries traffic
//   between the two (world.cniBroken lists the nodes whose pod traffic does not leave or reach them);
// - a namespace that is not the one a helm release lives in is deleted with its pods at once;
// - a pod whose image comes from a registry the nodes cannot reach (world.unreachableRegistries; an
//   image without a registry host is Docker Hub's, docker.io) never runs: its container waits in
//   ImagePullBackOff, as a kubelet's does.
import { fail } from './net.js';
import { advance, isRunning, machineNamed } from './world.js';

const option = (args, ...names) => {
  const i = args.findIndex((a) => names.includes(a));
  return i >= 0 ? args[i + 1] : undefined;
};

function tolerates(tolerations, taint) {
  const [key, effect] = taint.split(':');
  return (tolerations ?? []).some(
    (t) =>
      (t.operator === 'Exists' && (t.key === undefined || t.key === key)) ||
      (t.key === key && (t.effect === undefined || t.effect === effect)),
  );
}

/** Where the scheduler and kubelet would run the pod, or why it stays Pending. */
function place(pod, world) {
  const cluster = world.cluster;
  const node = pod.nodeSelector?.['kubernetes.io/hostname'];
  const nodes = cluster?.nodes ?? [];
  const fits = nodes.filter((name) => {
    const host = cluster.hosts[name];
    const machine = machineNamed(name);
    return (
      (node === undefined || node === name) &&
      host !== undefined &&
      isRunning(machine) &&
      machine.vmId === host.machine &&
      (cluster.taints[name] ?? []).every((taint) => tolerates(pod.tolerations, taint))
    );
  });
  if (fits.length === 0)
    return {
      pending: `0/${nodes.length} nodes are available: ${nodes.length} node(s) didn't match Pod's node affinity/selector, had untolerated taint or are not ready.`,
    };
  return { node: fits[0] };
}

/** The registry host of an image reference: the first part when it looks like a host, else docker.io. */
function registryOf(image) {
  const first = image.split('/')[0];
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

const pullable = (pod, world) =>
  pod.image === undefined || !(world.unreachableRegistries ?? []).includes(registryOf(pod.image));

function addressOn(node, world) {
  const index = world.cluster.nodes.indexOf(node);
  const used = new Set(Object.values(world.pods ?? {}).map((p) => p.ip));
  for (let host = 2; host < 255; host++) {
    const ip = `10.244.${index}.${host}`;
    if (!used.has(ip)) return ip;
  }
  return fail('pods shim: no pod address left', 70);
}

function apply(args, world, save, document) {
  if (option(args, '--filename', '-f') !== '-') return false;
  const items = document?.kind === 'List' ? (document.items ?? []) : [document];
  // The probe's manifests (pods and their namespace); any other apply is another shim's.
  if (!items.some((item) => item?.kind === 'Pod')) return false;
  if (!items.every((item) => item?.kind === 'Namespace' || item?.kind === 'Pod')) return false;
  world.namespaces ??= {};
  world.pods ??= {};
  for (const item of items.filter((i) => i.kind === 'Namespace')) {
    world.namespaces[item.metadata.name] = true;
    process.stdout.write(`namespace/${item.metadata.name} created\n`);
  }
  for (const item of items.filter((i) => i.kind === 'Pod')) {
    const namespace = item.metadata.namespace ?? 'default';
    if (!world.namespaces[namespace])
      fail(`Error from server (NotFound): namespaces "${namespace}" not found`);
    const key = `${namespace}/${item.metadata.name}`;
    if (world.pods[key]) continue;
    const spec = item.spec ?? {};
    const placed = place(spec, world);
    world.pods[key] = {
      namespace,
      name: item.metadata.name,
      node: placed.node,
      pending: placed.pending,
      ip: placed.node ? addressOn(placed.node, world) : undefined,
      image: spec.containers?.[0]?.image,
    };
    process.stdout.write(`pod/${item.metadata.name} created\n`);
  }
  save();
  return true;
}

const podsIn = (world, namespace) =>
  Object.values(world.pods ?? {}).filter((pod) => pod.namespace === namespace);

/** Running: placed on a node whose machine still runs, its image pulled. */
const running = (pod, world) =>
  pod.node !== undefined &&
  world.cluster?.nodes.includes(pod.node) &&
  isRunning(machineNamed(pod.node)) &&
  pullable(pod, world);

function podJson(pod, world) {
  const up = running(pod, world);
  return {
    metadata: { name: pod.name, namespace: pod.namespace },
    spec: pod.node ? { nodeName: pod.node } : {},
    status: {
      phase: up ? 'Running' : 'Pending',
      ...(up ? { podIP: pod.ip } : {}),
      conditions: [
        pod.node
          ? { type: 'PodScheduled', status: 'True' }
          : { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: pod.pending },
        { type: 'Ready', status: up ? 'True' : 'False' },
      ],
      ...(pod.node && !pullable(pod, world)
        ? {
            containerStatuses: [
              {
                name: 'probe',
                ready: false,
                state: {
                  waiting: {
                    reason: 'ImagePullBackOff',
                    message: `Back-off pulling image "${pod.image}"`,
                  },
                },
              },
            ],
          }
        : {}),
    },
  };
}

function wait(args, world) {
  const namespace = option(args, '--namespace', '-n');
  const timeout = Number.parseInt(option(args, '--timeout') ?? '30', 10);
  const pods = podsIn(world, namespace);
  if (pods.length === 0) fail('error: no matching resources found');
  const stuck = pods.find((pod) => !running(pod, world));
  if (stuck) {
    advance(timeout * 1000);
    fail(`error: timed out waiting for the condition on pods/${stuck.name}`);
  }
  for (const pod of pods) process.stdout.write(`pod/${pod.name} condition met\n`);
}

/** `kubectl exec POD -- ping -c N -W S IP` from a probe pod, through the CNI. */
function exec(args, world) {
  const namespace = option(args, '--namespace', '-n');
  const dash = args.indexOf('--');
  const before = args.slice(0, dash);
  const name =
    before[before.indexOf('exec') + 1] === '--namespace' ? before.at(-1) : before[before.indexOf('exec') + 1];
  const command = args.slice(dash + 1);
  const pod = (world.pods ?? {})[`${namespace}/${name}`];
  if (!pod) fail(`Error from server (NotFound): pods "${name}" not found`);
  if (!running(pod, world)) fail(`error: unable to upgrade connection: container not found ("probe")`);
  if (command[0] !== 'ping')
    fail(`OCI runtime exec failed: exec: "${command[0]}": executable file not found in $PATH`, 126);
  const target = command.at(-1);
  const count = Number(command[command.indexOf('-c') + 1] ?? 1);
  const to = Object.values(world.pods ?? {}).find((p) => p.ip === target && running(p, world));
  const broken = new Set(world.cniBroken ?? []);
  const crosses = to !== undefined && to.node !== pod.node;
  const through = to !== undefined && (!crosses || (!broken.has(pod.node) && !broken.has(to.node)));
  process.stdout.write(`PING ${target} (${target}): 56 data bytes\n`);
  if (!through) {
    advance(count * 1000);
    process.stdout.write(
      `\n--- ${target} ping statistics ---\n${count} packets transmitted, 0 packets received, 100% packet loss\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `\n--- ${target} ping statistics ---\n${count} packets transmitted, ${count} packets received, 0% packet loss\n`,
  );
}

function deleteNamespace(args, world, save) {
  const positional = args.filter(
    (a, i) => !a.startsWith('-') && !args[i - 1]?.match(/^--(kubeconfig|timeout|namespace|request-timeout)$/),
  );
  const [, kind, name] = positional.slice(positional.indexOf('delete'));
  if (kind !== 'namespace') return false;
  // Only a namespace a probe created goes here, with its pods; any other (a release's, KOF's) is the
  // business of the other shims, which know whether it exists.
  if (!world.namespaces?.[name]) return false;
  delete world.namespaces[name];
  for (const pod of podsIn(world, name)) delete world.pods[`${pod.namespace}/${pod.name}`];
  save();
  return true;
}

/**
 * The pod commands in a probe's namespace; false for any other kubectl command, which the other
 * shims answer. `input`: an apply's standard input, parsed once by the caller.
 */
export function podCommand(args, world, save, input) {
  if (args.includes('apply')) return apply(args, world, save, input);
  const namespace = option(args, '--namespace', '-n');
  if (!args.includes('delete') && !(namespace !== undefined && world.namespaces?.[namespace])) return false;
  if (args.includes('exec')) {
    exec(args, world);
    return true;
  }
  if (args.includes('delete')) return deleteNamespace(args, world, save);
  if (args.includes('wait') && args.includes('pod')) {
    wait(args, world);
    return true;
  }
  if (args.includes('get') && args.includes('pods')) {
    const namespace = option(args, '--namespace', '-n');
    process.stdout.write(
      JSON.stringify({ items: podsIn(world, namespace).map((pod) => podJson(pod, world)) }),
    );
    return true;
  }
  return false;
}
