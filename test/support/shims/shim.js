// A recording stand-in for k0sctl, helm, kubectl, wg-quick, wg, ping, ssh, apt-get and sudo. Every call is
// appended to $SHIM_STATE/calls.jsonl; rules in $SHIM_STATE/rules.json make a call fail on cue; a
// little state ($SHIM_STATE/world.json) makes the tools agree with each other (a cluster exists after
// `k0sctl apply`, a release after `helm upgrade --install`, a tunnel after `wg-quick up`). A tunnel
// lives on one machine: with $RUNNER_TEMP set (a runner), tunnels are that runner's own.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [tool, ...args] = process.argv.slice(2);
const stateDir = process.env.SHIM_STATE;
if (!stateDir) {
  process.stderr.write('shim: SHIM_STATE is not set\n');
  process.exit(70);
}
appendFileSync(join(stateDir, 'calls.jsonl'), JSON.stringify({ tool, args }) + '\n');

const readJson = (file, fallback) =>
  existsSync(join(stateDir, file)) ? JSON.parse(readFileSync(join(stateDir, file), 'utf8')) : fallback;
const writeJson = (file, value) => writeFileSync(join(stateDir, file), JSON.stringify(value, null, 2));

// Failures on cue: the first rule whose tool matches and whose `match` is in the joined arguments.
const rules = readJson('rules.json', []);
const joined = args.join(' ');
const rule = rules.find((r) => r.tool === tool && r.times > 0 && joined.includes(r.match ?? ''));
if (rule) {
  rule.times -= 1;
  writeJson('rules.json', rules);
  if (rule.stdout) process.stdout.write(rule.stdout);
  process.stderr.write(rule.stderr ?? `${tool}: failing on cue\n`);
  process.exit(rule.exit ?? 1);
}

const world = readJson('world.json', { cluster: null, releases: {}, tunnels: {} });
const save = () => writeJson('world.json', world);
// The tunnels up on this machine and the addresses they route (a peer's AllowedIPs).
const runnerNet = process.env.RUNNER_TEMP ? join(process.env.RUNNER_TEMP, 'shim-wg.json') : undefined;
const net = runnerNet
  ? existsSync(runnerNet)
    ? JSON.parse(readFileSync(runnerNet, 'utf8'))
    : { tunnels: {}, routes: {} }
  : world;
net.tunnels ??= {};
net.routes ??= {};
const saveNet = () =>
  runnerNet ? writeFileSync(runnerNet, JSON.stringify({ tunnels: net.tunnels, routes: net.routes })) : save();
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const fail = (message, code = 1) => {
  process.stderr.write(message + '\n');
  process.exit(code);
};

switch (tool) {
  case 'k0sctl': {
    const config = option('--config');
    if (args[0] === 'apply') {
      const text = readFileSync(config, 'utf8');
      const nodes = [...text.matchAll(/hostname: (\S+)/g)].map((m) => m[1]);
      world.cluster = { nodes, version: /version: (v\S+)/.exec(text)?.[1] };
      save();
      process.stdout.write(`==> Finished: ${nodes.length} hosts\n`);
    } else if (args[0] === 'kubeconfig') {
      if (!world.cluster) fail('no cluster');
      process.stdout.write(
        'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: SHIM-SECRET-TOKEN-0123456789abcdef\n',
      );
    } else if (args[0] === 'reset') {
      world.cluster = null;
      world.releases = {};
      save();
    }
    break;
  }
  case 'helm': {
    const release = args[args[0] === 'upgrade' ? 2 : 1];
    if (args[0] === 'upgrade') {
      if (!world.cluster) fail('Error: Kubernetes cluster unreachable');
      world.releases[release] = {
        version: option('--version'),
        status: 'deployed',
        namespace: option('--namespace'),
      };
      save();
    } else if (args[0] === 'status') {
      const found = world.releases[release];
      if (!found) fail('Error: release: not found');
      process.stdout.write(
        JSON.stringify({ info: { status: found.status }, chart: { metadata: { version: found.version } } }),
      );
    } else if (args[0] === 'uninstall') {
      if (!world.releases[release]) fail('Error: uninstall: Release not loaded: kcm: release: not found');
      delete world.releases[release];
      save();
    }
    break;
  }
  case 'kubectl': {
    if (!world.cluster) fail('The connection to the server 192.168.100.11:6443 was refused');
    const verb = args.find((a) => ['get', 'wait'].includes(a));
    if (verb === 'wait') break;
    if (args.includes('nodes')) {
      const items = world.cluster.nodes.map((name) => ({
        metadata: { name },
        status: { conditions: [{ type: 'Ready', status: 'True' }] },
      }));
      process.stdout.write(JSON.stringify({ items }));
    } else {
      const items = Object.keys(world.releases).length
        ? [
            {
              metadata: { name: 'kcm-controller-manager' },
              spec: { replicas: 1 },
              status: { availableReplicas: 1 },
            },
          ]
        : [];
      process.stdout.write(JSON.stringify({ items }));
    }
    break;
  }
  case 'wg-quick': {
    const file = args[1];
    const iface = basename(file, '.conf');
    if (args[0] === 'up') {
      if (net.tunnels[iface]) fail(`wg-quick: \`${iface}' already exists`);
      const text = readFileSync(file, 'utf8');
      net.tunnels[iface] = [...text.matchAll(/\[Peer\][^[]*?PublicKey = (\S+)/g)].map((m) => m[1]);
      net.routes[iface] = [...text.matchAll(/AllowedIPs = ([\d.]+)/g)].map((m) => m[1]);
      saveNet();
    } else {
      if (!net.tunnels[iface]) fail(`wg-quick: \`${iface}' is not a WireGuard interface`);
      delete net.tunnels[iface];
      delete net.routes[iface];
      saveNet();
    }
    break;
  }
  case 'wg': {
    const peers = net.tunnels[args[1]];
    if (!peers) fail(`Unable to access interface: No such device`);
    // The test's clock, when it runs on virtual time (test/phases/k0rdent/harness.ts).
    const offset = existsSync(join(stateDir, 'clock-offset'))
      ? Number(readFileSync(join(stateDir, 'clock-offset'), 'utf8'))
      : 0;
    const now = Math.floor((Date.now() + offset) / 1000);
    process.stdout.write(peers.map((key) => `${key}\t${now}\n`).join(''));
    break;
  }
  case 'ssh': {
    // The two commands the phases run on a VM; anything else is a command a VM would not know.
    const command = args.at(-1);
    if (command === 'cloud-init status') process.stdout.write('status: done\n');
    else if (command === 'sudo -n cat /var/lib/k0s/pki/admin.conf') {
      if (!world.cluster) fail('cat: /var/lib/k0s/pki/admin.conf: No such file or directory');
      process.stdout.write(
        [
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
        ].join('\n'),
      );
    } else fail(`sh: 1: ${command}: not found`, 127);
    break;
  }
  case 'ping': {
    // Answers for an address some tunnel routes (a peer's AllowedIPs).
    const address = args.at(-1);
    const routed = Object.values(net.routes).some((list) => list.includes(address));
    if (!routed) fail(`1 packets transmitted, 0 received, 100% packet loss`);
    break;
  }
  case 'apt-get': {
    // Installing wireguard-tools puts wg and wg-quick shims next to this one.
    if (args.includes('wireguard-tools')) {
      const dir = process.env.SHIM_INSTALL_DIR;
      for (const name of ['wg', 'wg-quick']) {
        const path = join(dir, name);
        writeFileSync(
          path,
          `#!/bin/sh\nexec "${process.execPath}" "${process.env.SHIM_SCRIPT}" ${name} "$@"\n`,
        );
        chmodSync(path, 0o755);
      }
    }
    break;
  }
  case 'sudo': {
    // The runner's passwordless sudo: run the command as it is.
    const result = spawnSync(args[0], args.slice(1), { stdio: 'inherit' });
    process.exit(result.status ?? 1);
    break;
  }
  default:
    fail(`shim: unknown tool ${tool}`, 70);
}
