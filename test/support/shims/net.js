// ssh, wg-quick, wg and ping as the real ones behave towards machines that may be stopped or re-created
// or behind an NSG that drops SSH from the internet:
// OpenSSH's known_hosts check (accept-new adds a key it has not seen, and a changed key fails with
// "REMOTE HOST IDENTIFICATION HAS CHANGED"), no answer from a deallocated VM, and WireGuard's handshake
// timing (a handshake while `wg-quick up` runs, a retry every 5 s after a lost initiation, a new
// handshake every 120 s on a live tunnel).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  advance,
  hostKey,
  isRunning,
  machineAt,
  machineNamed,
  now,
  runningMachines,
  shimmed,
  tunnelPeerFor,
} from './world.js';

const REKEY_TIMEOUT_MS = 5_000;
const REKEY_AFTER_TIME_MS = 120_000;

export function fail(message, code = 1) {
  process.stderr.write(message + '\n');
  process.exit(code);
}

/**
 * Checks (and with accept-new records) the machine's host key, under the name OpenSSH gives the host:
 * the bare address on port 22, `[address]:port` elsewhere. Returns an error text or undefined.
 */
export function checkKnownHost(file, address, machine, { acceptNew, port = 22 }) {
  const name = port === 22 ? address : `[${address}]:${port}`;
  const key = hostKey(machine);
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const entries = lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([hosts]) => hosts !== undefined && hosts.split(',').includes(name));
  if (entries.some(([, type, value]) => `${type} ${value}` === key)) return undefined;
  if (entries.length > 0) return 'mismatch';
  if (!acceptNew) return 'unknown';
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${name} ${key}\n`);
  return undefined;
}

/**
 * Whether `address` can be reached from here: a public IP directly, a WireGuard address through an up
 * tunnel. When the test runs real WireGuard (wg-quick is no shim), the tunnel is the test's business:
 * a host's WireGuard address reaches its machine, named by `host`.
 */
export function reachable(address, world, host) {
  if (!shimmed('wg-quick') && host !== undefined) {
    const machine = machineNamed(host);
    return isRunning(machine) ? machine : undefined;
  }
  const machine = machineAt(address, world);
  if (!isRunning(machine)) return undefined;
  if (machine.publicIp === address || machine.vmId.startsWith('static-')) return machine;
  return tunnelPeerFor(address, world) ? machine : undefined;
}

/**
 * `reachable`, for SSH: at a public address the network security group decides too (the fake ARM
 * server's `sshFromInternet`; a rule that drops the packet looks like a dead host, a timeout).
 */
export function sshReachable(address, world, host) {
  const machine = reachable(address, world, host) ?? throughRealTunnel(address);
  if (machine && machine.publicIp === address && machine.sshFromInternet === false) return undefined;
  return machine;
}

/**
 * With real WireGuard (wg-quick not shimmed) the kernel's tunnel decides: an address that answers a
 * real ping through it is the one running machine's (tests with a real tunnel have one VM).
 */
function throughRealTunnel(address) {
  if (shimmed('wg-quick')) return undefined;
  const machines = runningMachines();
  if (machines.length !== 1) return undefined;
  const ping = spawnSync('ping', ['-c', '1', '-W', '2', address], { stdio: 'ignore', timeout: 5_000 });
  return ping.status === 0 ? machines[0] : undefined;
}

function sshOptions(args) {
  const options = {};
  let index = 0;
  for (; index < args.length; index++) {
    const arg = args[index];
    if (arg === '-o') {
      const [key, ...value] = args[++index].split('=');
      options[key.toLowerCase()] = value.join('=');
    } else if (arg === '-p') options.port = args[++index];
    else if (arg === '-i' || arg === '-l') index++;
    else if (!arg.startsWith('-')) break;
  }
  return { options, target: args[index], command: args.slice(index + 1).join(' ') };
}

/** `ssh [options] user@host command`: the remote commands the phases send, answered from the world. */
export function ssh(args, world, remote) {
  const { options, target, command } = sshOptions(args);
  const address = target.split('@').pop();
  const port = Number(options.port ?? 22);
  const machine = sshReachable(address, world);
  if (!machine) fail(`ssh: connect to host ${address} port ${port}: Connection timed out`, 255);
  const file = options.userknownhostsfile ?? join(process.env.HOME ?? '/nonexistent', '.ssh', 'known_hosts');
  const strict = (options.stricthostkeychecking ?? 'ask').toLowerCase();
  const verdict = checkKnownHost(file, address, machine, {
    port,
    acceptNew: strict === 'accept-new' || strict === 'no',
  });
  if (verdict === 'mismatch') {
    fail(
      [
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
        '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
        `Offending key for ${address} in ${file}`,
        'Host key verification failed.',
      ].join('\n'),
      255,
    );
  }
  if (verdict === 'unknown') fail('Host key verification failed.', 255);
  remote(command, machine, address);
}

function parseHubConfig(text) {
  return text
    .split('[Peer]')
    .slice(1)
    .map((section) => ({
      key: /PublicKey\s*=\s*(\S+)/.exec(section)?.[1],
      endpoint: /Endpoint\s*=\s*([^:\s]+)/.exec(section)?.[1],
      allowedIp: /AllowedIPs\s*=\s*([^/\s,]+)/.exec(section)?.[1],
    }));
}

export function wgQuick(args, world, save) {
  const file = args[1];
  const iface = basename(file, '.conf');
  if (args[0] === 'up') {
    if (world.tunnels[iface]) fail(`wg-quick: \`${iface}' already exists`);
    const peers = parseHubConfig(readFileSync(file, 'utf8'));
    world.tunnels[iface] = peers.map((p) => p.key);
    world.wg[iface] = { upAt: now(), peers };
    save();
    // Bringing an interface up (addresses, routes, sudo) takes a moment; the handshakes start within it.
    advance(world.wgQuickUpMs ?? 1_100);
  } else {
    if (!world.tunnels[iface]) fail(`wg-quick: \`${iface}' is not a WireGuard interface`);
    delete world.tunnels[iface];
    delete world.wg[iface];
    save();
  }
}

/** `wg show IFACE latest-handshakes`: epoch seconds per peer, 0 while none has completed. */
export function wg(args, world) {
  const tunnel = world.wg[args[1]];
  if (!tunnel) fail('Unable to access interface: No such device');
  const at = now();
  const lost = world.lostInitiations ?? 0;
  const lines = tunnel.peers.map((peer) => {
    const machine = peer.endpoint === undefined ? undefined : machineAt(peer.endpoint, world);
    const first = tunnel.upAt + lost * REKEY_TIMEOUT_MS;
    if (!isRunning(machine) || at < first) return `${peer.key}\t0`;
    const latest = first + Math.floor((at - first) / REKEY_AFTER_TIME_MS) * REKEY_AFTER_TIME_MS;
    return `${peer.key}\t${Math.floor(latest / 1000)}`;
  });
  process.stdout.write(lines.map((line) => `${line}\n`).join(''));
}

/** `ping -c 1 -W s ADDRESS`: an answer only from a running machine the address reaches (through an up tunnel). */
export function ping(args, world) {
  const address = args.at(-1);
  if (!reachable(address, world)) fail('1 packets transmitted, 0 received, 100% packet loss');
  process.stdout.write(`64 bytes from ${address}: icmp_seq=1 ttl=64 time=1.0 ms\n`);
}
