// What the shims agree on, kept as JSON files in $SHIM_STATE:
//   world.json     the cluster k0sctl built, helm releases, k0rdent objects, WireGuard tunnels (on a
//                  runner, its tunnels are in $RUNNER_TEMP/shim-wg.json instead);
//   machines.json  the VMs as machines (identity, power state, addresses), written by the test from the
//                  fake ARM server (createShims().setMachines); absent, every host is a running machine
//                  that never changes;
//   tools.json     the tools that are shims (the test may run real ones for the others);
//   clock.json     the test's virtual clock (an offset added to Date.now()), which the code under test
//                  advances when it sleeps, so that waits of seconds take no time.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const stateDir = process.env.SHIM_STATE;

const file = (name) => join(stateDir, name);

export function readJson(name, fallback) {
  return existsSync(file(name)) ? JSON.parse(readFileSync(file(name), 'utf8')) : fallback;
}

/** Written whole or not at all: another shim may be reading it at the same moment. */
export function writeJson(name, value) {
  const temporary = `${file(name)}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(value, null, 2));
  renameSync(temporary, file(name));
}

export const EMPTY_WORLD = { cluster: null, releases: {}, tunnels: {}, wg: {}, k0rdent: null };

/**
 * A tunnel lives on one machine: on a runner ($RUNNER_TEMP set) the tunnels up (`tunnels`, `wg`) are
 * that runner's own, kept in its temporary folder; everything else is shared by every job.
 */
const runnerNet = () => (process.env.RUNNER_TEMP ? join(process.env.RUNNER_TEMP, 'shim-wg.json') : undefined);

export function loadWorld() {
  const world = { ...EMPTY_WORLD, ...readJson('world.json', {}) };
  const net = runnerNet();
  if (net) {
    const own = existsSync(net) ? JSON.parse(readFileSync(net, 'utf8')) : {};
    world.tunnels = own.tunnels ?? {};
    world.wg = own.wg ?? {};
  }
  return world;
}

export function saveWorld(world) {
  const net = runnerNet();
  if (!net) return writeJson('world.json', world);
  writeFileSync(net, JSON.stringify({ tunnels: world.tunnels, wg: world.wg }));
  const shared = readJson('world.json', {});
  writeJson('world.json', { ...world, tunnels: shared.tunnels ?? {}, wg: shared.wg ?? {} });
}

/** Virtual time in milliseconds. */
export function now() {
  return Date.now() + (readJson('clock.json', { offsetMs: 0 }).offsetMs ?? 0);
}

/** Lets virtual time pass (a command that takes this long). */
export function advance(ms) {
  const clock = readJson('clock.json', { offsetMs: 0 });
  writeJson('clock.json', { offsetMs: (clock.offsetMs ?? 0) + ms });
}

const linked = () => readJson('machines.json', undefined);

/** Whether a tool is one of the shims (tools.json, written by createShims); the others are real. */
export function shimmed(tool) {
  return readJson('tools.json', [tool]).includes(tool);
}

/** The running machines (a real tunnel's peer is one of them). */
export function runningMachines() {
  const machines = linked();
  return machines === undefined ? [] : Object.values(machines.vms).filter(isRunning);
}

/** The machine a VM name stands for; undefined when no such VM exists. */
export function machineNamed(name) {
  const machines = linked();
  if (machines === undefined) return staticMachine(name);
  return machines.vms[name.toLowerCase()];
}

/** The machine answering at an address: a VM's public IP, or a host's WireGuard address. */
export function machineAt(address, world) {
  const machines = linked();
  if (machines === undefined) return staticMachine(address);
  const byPublicIp = Object.values(machines.vms).find((m) => m.publicIp === address);
  if (byPublicIp) return byPublicIp;
  const peer = tunnelPeerFor(address, world);
  return peer ? Object.values(machines.vms).find((m) => m.publicIp === peer.endpoint) : undefined;
}

/** The peer of an up tunnel whose AllowedIPs route `address`. */
export function tunnelPeerFor(address, world) {
  for (const tunnel of Object.values(world.wg ?? {})) {
    const peer = tunnel.peers.find((p) => p.allowedIp === address);
    if (peer) return peer;
  }
  return undefined;
}

function staticMachine(name) {
  return { name, vmId: `static-${name}`, powerState: 'running', provisioningState: 'Succeeded' };
}

export const isRunning = (machine) =>
  machine !== undefined && machine.powerState === 'running' && machine.provisioningState === 'Succeeded';

/** A machine's SSH host key: new with every VM (its vmId), as a re-created VM generates its own. */
export function hostKey(machine) {
  return `ssh-ed25519 ${createHash('sha256').update(`hostkey:${machine.vmId}`).digest('base64')}`;
}
