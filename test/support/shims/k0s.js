// k0sctl, kubectl, helm and the k0s commands run over ssh, as strict as k0s, k0sctl v0.30.1 and
// k0rdent are (what each refuses is cited from their source and docs):
// - only hosts that run a kubelet (worker, controller+worker, single) become Nodes; a controller+worker
//   registers with the control-plane NoSchedule taint unless `noTaints: true`, and a taint is only set
//   when a Node registers (k0s cmd/controller/controller.go: startWorker; kubelet registerWithTaints);
// - k0sctl refuses to change the role of a host that runs k0s ("role change is not supported",
//   phase/gather_k0s_facts.go), refuses noTaints on a role other than controller+worker
//   (cluster/host.go), refuses to reset every controller (phase/validate_hosts.go), and refuses a new
//   controller whose private address is still an etcd member ("the host may have been replaced",
//   phase/validate_etcd_members.go); a host with `reset: true` is drained, deleted, leaves etcd and is
//   reset (phase/reset_controllers.go, reset_workers.go); `k0sctl reset` needs --force without a terminal;
// - k0sctl trusts host keys through $SSH_KNOWN_HOSTS, else ~/.ssh/known_hosts (rig ssh.go);
// - etcd needs a quorum of its members alive, else the API server and `k0s etcd` fail;
//   `k0s etcd leave --peer-address` of an address that is no member fails "peer not found";
// - k0rdent's pods need a schedulable Ready node; its objects carry finalizers that only the running kcm
//   controller removes, so they must go before the chart (docs: Uninstall k0rdent);
// - pods, their scheduling and the pod network between nodes: pods.js.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { checkKnownHost, fail, sshReachable } from './net.js';
import { podCommand } from './pods.js';
import {
  forgetDeletedClusterDeployments,
  installChart,
  kubectlApply,
  kubectlDeleteOne,
  kubectlGet,
  mineFirst,
  APPLIES,
  readInput,
  namespaceExists,
  positional,
  pullChart,
  uninstallChart,
} from './kube.js';
import { handlesKubectl, kubeObjects } from './kube-objects.js';
import { isRunning, machineNamed } from './world.js';

const TAINT = 'node-role.kubernetes.io/control-plane:NoSchedule';
const KUBELET_ROLES = new Set(['worker', 'controller+worker', 'single']);
const isController = (role) => role !== 'worker';

/** The etcd members whose machine is the one k0s was installed on, and still running. */
function etcdAlive(cluster) {
  const members = Object.keys(cluster.etcd ?? {});
  const alive = members.filter((name) => installedOn(cluster, name));
  const anyController = Object.keys(cluster.hosts ?? {}).some(
    (name) => isController(cluster.hosts[name].role) && installedOn(cluster, name),
  );
  return {
    members: members.length,
    alive: alive.length,
    quorum: members.length === 0 ? anyController : alive.length > members.length / 2,
  };
}

/** The running machine k0s was installed on for this host (not a replacement), or undefined. */
function installedOn(cluster, name) {
  const host = cluster?.hosts?.[name];
  const machine = machineNamed(name);
  return host && isRunning(machine) && machine.vmId === host.machine ? machine : undefined;
}

function apiAvailable(world) {
  const cluster = world.cluster;
  if (!cluster)
    return 'The connection to the server 192.168.100.11:6443 was refused - did you specify the right host or port?';
  if (!etcdAlive(cluster).quorum) return 'Error from server: etcdserver: request timed out';
  return undefined;
}

function readHosts(configPath) {
  const config = load(readFileSync(configPath, 'utf8'));
  const hosts = (config?.spec?.hosts ?? []).map((h) => ({
    name: h.hostname ?? h.ssh?.address,
    role: h.role,
    address: h.ssh?.address,
    port: h.ssh?.port ?? 22,
    privateAddress: h.privateAddress,
    noTaints: h.noTaints === true,
    reset: h.reset === true,
  }));
  return { hosts, version: config?.spec?.k0s?.version };
}

function knownHostsFile() {
  // rig: SSH_KNOWN_HOSTS names the file; set but empty, host keys are not checked.
  if (process.env.SSH_KNOWN_HOSTS !== undefined) return process.env.SSH_KNOWN_HOSTS || undefined;
  return join(process.env.HOME ?? '/nonexistent', '.ssh', 'known_hosts');
}

function connect(hosts, world) {
  const file = knownHostsFile();
  for (const host of hosts) {
    const where = `${host.address}:${host.port}`;
    const machine = sshReachable(host.address, world, host.name);
    if (!machine) fail(`level=error msg="[ssh] ${where}: dial tcp ${where}: i/o timeout"`);
    const verdict = file && checkKnownHost(file, host.address, machine, { acceptNew: true, port: host.port });
    if (verdict === 'mismatch') {
      fail(
        `level=error msg="[ssh] ${where}: ssh: handshake failed: host key mismatch: knownhosts: key mismatch"`,
      );
    }
  }
}

export function k0sctl(args, world, save) {
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const configPath = option('--config');
  const { hosts, version } = readHosts(configPath);
  if (args[0] === 'apply') return apply(hosts, version, world, save);
  if (args[0] === 'kubeconfig') {
    const unavailable = apiAvailable(world);
    if (unavailable) fail(unavailable);
    connect(hosts.filter((h) => isController(h.role)).slice(0, 1), world);
    process.stdout.write(
      'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: SHIM-SECRET-TOKEN-0123456789abcdef\n',
    );
    return;
  }
  if (args[0] === 'reset') {
    if (!args.includes('--force')) fail('level=fatal msg="reset requires --force"');
    connect(hosts, world);
    world.cluster = null;
    world.releases = {};
    world.k0rdent = null;
    world.objects = {};
    save();
    return;
  }
  fail(`k0sctl shim: unknown command ${args[0]}`, 70);
}

function apply(hosts, version, world, save) {
  for (const host of hosts) {
    if (!['controller', 'worker', 'controller+worker', 'single'].includes(host.role))
      fail(`level=fatal msg="${host.address}: unknown role ${host.role}"`);
    if (host.noTaints && host.role !== 'controller+worker')
      fail(`level=fatal msg="${host.address}: noTaints can only be true for controller+worker role"`);
  }
  connect(hosts, world);
  const cluster = world.cluster;
  const installed = (host) => (installedOn(cluster, host.name) ? cluster.hosts[host.name] : undefined);

  for (const host of hosts) {
    const running = installed(host);
    if (running && running.role !== host.role) {
      fail(
        `level=fatal msg="${host.address}: is configured as k0s ${host.role} but is already running as ${running.role} - role change is not supported${host.reset ? ', use --force to ignore the mismatch during reset' : ''}"`,
      );
    }
  }
  const controllers = hosts.filter((h) => isController(h.role));
  if (controllers.length > 0 && controllers.every((h) => h.reset))
    fail(
      'level=fatal msg="all controllers are marked to be reset - this will break the cluster. use `k0sctl reset` instead if that is intentional"',
    );
  const leader = controllers.find((h) => !h.reset && installed(h));
  if (leader && !etcdAlive(cluster).quorum)
    fail(
      `level=fatal msg="${leader.address}: failed to run etcd member-list command: context deadline exceeded"`,
    );
  if (leader) {
    for (const host of controllers.filter((h) => !h.reset && !installed(h))) {
      if (Object.values(cluster.etcd).includes(host.privateAddress)) {
        fail(
          `level=fatal msg="controller ${host.address} is listed as an existing etcd member but k0s is not found installed on it, the host may have been replaced. check the host and use \`k0s etcd leave --peer-address ${host.privateAddress} on a controller or re-run apply with --force"`,
        );
      }
    }
  } else if (cluster && hosts.some((h) => !h.reset && installed(h))) {
    const orphan = hosts.find((h) => installed(h));
    fail(
      `level=fatal msg="${orphan.address}: k0s is running, but no controller of its cluster is: reset it first"`,
    );
  }

  const next = cluster && leader ? cluster : { nodes: [], hosts: {}, etcd: {}, taints: {}, reinstalls: [] };
  for (const host of hosts.filter((h) => h.reset)) {
    if (!installed(host)) continue;
    delete next.hosts[host.name];
    delete next.etcd[host.name];
    next.nodes = next.nodes.filter((n) => n !== host.name);
    delete next.taints[host.name];
  }
  for (const host of hosts.filter((h) => !h.reset)) {
    const before = installed(host);
    if (before && before.noTaints !== host.noTaints) next.reinstalls.push(host.name);
    next.hosts[host.name] = {
      role: host.role,
      noTaints: host.noTaints,
      address: host.address,
      privateAddress: host.privateAddress,
      machine: machineNamed(host.name).vmId,
    };
    if (isController(host.role) && host.role !== 'single') next.etcd[host.name] = host.privateAddress;
    if (KUBELET_ROLES.has(host.role) && !next.nodes.includes(host.name)) {
      next.nodes.push(host.name);
      next.taints[host.name] = host.role === 'controller+worker' && !host.noTaints ? [TAINT] : [];
    }
  }
  next.version = version;
  world.cluster = next;
  save();
  process.stdout.write(`==> Finished: ${hosts.length} hosts\n`);
}

const ADMIN_KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '- name: local',
  '  cluster:',
  '    server: https://localhost:6443',
  'contexts:',
  '- name: Default',
  '  context: {cluster: local, user: user}',
  'current-context: Default',
  'users:',
  '- name: user',
  '  user:',
  '    token: SHIM-SECRET-TOKEN-0123456789abcdef',
  '',
].join('\n');

/** The cluster host k0s runs as on this machine (reached at `address`), or undefined. */
function hostOn(cluster, machine, address) {
  return Object.keys(cluster?.hosts ?? {}).find((n) => {
    const on = installedOn(cluster, n);
    return (
      on !== undefined &&
      (on.vmId === machine.vmId || (on.vmId.startsWith('static-') && cluster.hosts[n].address === address))
    );
  });
}

/**
 * The commands the phases run on a VM over ssh: `cloud-init status`, the admin kubeconfig k0s writes on
 * a controller, and `k0s etcd` on a controller; anything else is a command a VM would not know.
 */
export function remoteCommand(command, machine, address, world, save) {
  if (command === 'cloud-init status') {
    process.stdout.write('status: done\n');
    return;
  }
  const words = command.trim().split(/\s+/);
  if (words[0] === 'sudo') {
    words.shift();
    while (words[0]?.startsWith('-')) words.shift();
  }
  const cluster = world.cluster;
  // Without machines linked to VMs, an address cannot say which host it is: any controller answers.
  const name =
    hostOn(cluster, machine, address) ??
    (machine.vmId.startsWith('static-')
      ? Object.keys(cluster?.hosts ?? {}).find((n) => isController(cluster.hosts[n].role))
      : undefined);
  if (words[0] === 'cat' && words[1] === '/var/lib/k0s/pki/admin.conf') {
    // k0s writes it on controllers only.
    if (!name || !isController(cluster.hosts[name].role))
      fail('cat: /var/lib/k0s/pki/admin.conf: No such file or directory');
    process.stdout.write(ADMIN_KUBECONFIG);
    return;
  }
  if (words[0] !== 'k0s') fail(`sh: 1: ${words[0]}: not found`, 127);
  if (!name || !isController(cluster.hosts[name].role))
    fail("Error: can't connect to the etcd: no k0s controller runs here");
  if (!etcdAlive(cluster).quorum) fail('Error: etcd member list failed: context deadline exceeded');
  if (words[1] === 'etcd' && words[2] === 'member-list') {
    const members = Object.fromEntries(
      Object.entries(cluster.etcd).map(([member, ip]) => [member, `https://${ip}:2380`]),
    );
    process.stdout.write(JSON.stringify({ members }) + '\n');
    return;
  }
  if (words[1] === 'etcd' && words[2] === 'leave') {
    const peer = words[words.indexOf('--peer-address') + 1];
    const member = Object.entries(cluster.etcd).find(([, ip]) => ip === peer)?.[0];
    if (!member) fail(`Error: peer not found: https://${peer}:2380`);
    delete cluster.etcd[member];
    save();
    return;
  }
  fail(`k0s shim: unknown command ${command}`, 70);
}

function schedulable(world) {
  const cluster = world.cluster;
  return (cluster?.nodes ?? []).some(
    (node) => installedOn(cluster, node) && (cluster.taints[node] ?? []).length === 0,
  );
}

export function helm(args, world, save) {
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const words = positional(args);
  const release = words[1];
  const namespace = option('--namespace') ?? 'default';
  if (args[0] === 'upgrade') {
    const chart = words[2];
    const version = option('--version');
    const existing = world.releases[release];
    if (!args.includes('--install') && !existing)
      fail(`Error: UPGRADE FAILED: "${release}" has no deployed releases`);
    const chartName = pullChart(chart, option('--repo'), version);
    const unavailable = apiAvailable(world);
    if (unavailable) fail('Error: Kubernetes cluster unreachable');
    if (!args.includes('--create-namespace') && !namespaceExists(world, namespace))
      fail(`Error: create: failed to create: namespaces "${namespace}" not found`);
    // --wait: the chart's pods must be scheduled somewhere; tainted nodes take none of them.
    if (!schedulable(world)) {
      fail(
        `Error: ${existing ? 'UPGRADE' : 'INSTALLATION'} FAILED: context deadline exceeded (pods Pending: 0/${world.cluster.nodes.length} nodes are available: untolerated taint or not ready)`,
      );
    }
    const values = Object.fromEntries(
      args.flatMap((a, i) => (args[i - 1] === '--set' ? [a.split('=', 2)] : [])).map(([k, v]) => [k, v]),
    );
    // --reset-values starts from the chart's values; without it, helm reuses the release's last ones.
    const effective =
      args.includes('--reset-values') || !existing ? values : { ...existing.values, ...values };
    const nodes = (world.cluster?.nodes ?? []).filter((n) => installedOn(world.cluster, n)).length;
    const failure = installChart(world, release, chartName, namespace, effective, nodes);
    world.releases[release] = {
      version,
      status: failure ? 'failed' : 'deployed',
      namespace,
      chart: chartName,
      values: effective,
      revision: (existing?.revision ?? 0) + 1,
    };
    if (chartName === 'kcm') world.k0rdent ??= { management: 'present', clusterDeployments: {} };
    save();
    if (failure) fail(failure);
  } else if (args[0] === 'status') {
    const found = world.releases[release];
    if (!found || (found.namespace ?? namespace) !== namespace) fail('Error: release: not found');
    process.stdout.write(
      JSON.stringify({ info: { status: found.status }, chart: { metadata: { version: found.version } } }),
    );
  } else if (args[0] === 'uninstall') {
    const found = world.releases[release];
    if (!found || (found.namespace ?? namespace) !== namespace)
      fail(`Error: uninstall: Release not loaded: ${release}: release: not found`);
    delete world.releases[release];
    uninstallChart(world, release);
    // The controller that would have removed their finalizers is gone: what is left stays, stuck.
    const k0rdent = world.k0rdent;
    if (release === 'kcm' && k0rdent) {
      if (k0rdent.management === 'present') k0rdent.management = 'stuck';
      for (const name of Object.keys(k0rdent.clusterDeployments)) k0rdent.clusterDeployments[name] = 'stuck';
    }
    save();
  }
}

export function kubectl(args, world, save) {
  const unavailable = apiAvailable(world);
  if (unavailable) fail(unavailable);
  // Standard input can be read once: every shim that may take an apply gets it parsed.
  const input = args.includes('apply') && args.includes('-') ? readInput() : undefined;
  if (podCommand(args, world, save, input)) return;
  // KOF's kinds, and the ClusterDeployment's lifecycle, are kube.js's; the rest of the objects kube-objects.js's.
  if (input !== undefined) {
    const items = input.kind === 'List' ? input.items : [input];
    if (items.some((item) => APPLIES.has(item.kind))) return kubectlApply(world, save, input);
    return kubeObjects(args, world, save, input);
  }
  if (!mineFirst(args) && handlesKubectl(args)) return kubeObjects(args, world, save);
  const verb = args.find((a) => ['get', 'wait', 'delete', 'apply'].includes(a));
  if (verb === 'wait') return;
  if (verb === 'apply') return kubectlApply(world, save);
  if (verb === 'delete') return kubectlDelete(args, world, save);
  const [, resource] = positional(args).slice(positional(args).indexOf('get'));
  if (resource === 'nodes') {
    const cluster = world.cluster;
    const items = cluster.nodes.map((name) => ({
      metadata: { name },
      spec: {
        taints: (cluster.taints[name] ?? []).map((t) => ({ key: t.split(':')[0], effect: t.split(':')[1] })),
      },
      status: { conditions: [{ type: 'Ready', status: installedOn(cluster, name) ? 'True' : 'Unknown' }] },
    }));
    process.stdout.write(JSON.stringify({ items }));
  } else if (resource === 'deployments' && positional(args).length === positional(args).indexOf('get') + 2) {
    const namespace = args[args.indexOf('--namespace') + 1];
    const kcm = world.releases.kcm;
    const items = [
      ...(kcm && (kcm.namespace ?? namespace) === namespace
        ? [
            {
              metadata: { name: 'kcm-controller-manager' },
              spec: { replicas: 1 },
              status: { availableReplicas: 1 },
            },
          ]
        : []),
      ...Object.entries(world.objects ?? {})
        .filter(([k]) => k.startsWith(`Deployment/${namespace}/`))
        .map(([, o]) => ({ metadata: o.metadata, spec: o.spec, status: o.status })),
    ];
    process.stdout.write(JSON.stringify({ items }));
  } else {
    kubectlGet(args, world, save);
  }
}

function kubectlDelete(args, world, save) {
  const words = positional(args);
  const [, kind, name] = words.slice(words.indexOf('delete'));
  const k0rdent = world.k0rdent;
  const controller = Boolean(world.releases.kcm);
  const timedOut = (what) => fail(`error: timed out waiting for the condition on ${what}`);
  if (kind.startsWith('clusterdeployments.k0rdent.mirantis.com') && args.includes('--all')) {
    if (!k0rdent) fail('error: the server doesn\'t have a resource type "clusterdeployments"');
    for (const cd of Object.keys(k0rdent.clusterDeployments)) {
      if (!controller) k0rdent.clusterDeployments[cd] = 'stuck';
      else delete k0rdent.clusterDeployments[cd];
    }
    forgetDeletedClusterDeployments(world);
    save();
    if (!controller && Object.keys(k0rdent.clusterDeployments).length > 0) timedOut('clusterdeployments');
    return;
  }
  if (kind.startsWith('managements.k0rdent.mirantis.com')) {
    if (!k0rdent) fail('error: the server doesn\'t have a resource type "managements"');
    if (k0rdent.management === null) return;
    // kcm keeps the Management until no ClusterDeployment is left.
    if (!controller || Object.keys(k0rdent.clusterDeployments).length > 0) {
      k0rdent.management = 'stuck';
      save();
      timedOut(`managements/${name}`);
    }
    k0rdent.management = null;
    save();
    return;
  }
  if (kind === 'node') {
    const cluster = world.cluster;
    cluster.nodes = cluster.nodes.filter((n) => n !== name);
    delete cluster.taints[name];
    save();
    return;
  }
  if (kind === 'namespace') {
    const kcmNamespace = k0rdent && (world.releases.kcm?.namespace ?? 'kcm-system') === name;
    const stuck =
      kcmNamespace && (k0rdent.management !== null || Object.keys(k0rdent.clusterDeployments).length > 0);
    if (stuck) timedOut(`namespaces/${name}`);
    if (kcmNamespace && !world.releases.kcm) {
      world.k0rdent = null;
      save();
    }
    return kubectlDeleteOne([...args, '--ignore-not-found'], world, save, 'namespaces', name);
  }
  return kubectlDeleteOne(args, world, save, kind, name);
}
