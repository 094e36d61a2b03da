/**
 * connect_vpn against a real WireGuard peer. Two network namespaces joined by a veth pair stand in
 * for a runner (the hub) and a VM: the VM runs `wg-quick up` with the wg0.conf that
 * prepare_deployment wrote into its cloud-init, on user-space wireguard-go (the kernel module may be
 * absent); the hub is brought up by connect_vpn itself, its `wg-quick`, `wg` and `ping` run in the
 * hub namespace by wrappers on PATH that change nothing but the namespace. The fake ARM server gives
 * the VM its veth address as public IP, so setup_vpn's Endpoint is the real one.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { wireguardInterface } from '../../../src/phases/k0rdent/topology.js';
import {
  cleanUpAll,
  createNamespacePair,
  missingForNamespaces,
  requireTools,
  which,
  type NamespacePair,
} from '../../support/real-peers/netns.js';
import { SHIMMED } from '../../support/shims/index.js';
import { decisions, DEPLOYMENT_ID, startHarness, statuses, type Harness } from './harness.js';

const ONE_VM = { controllers: 1, workers: 0 };
const HOST = 'k0s-controller';
const HOST_TUNNEL_ADDRESS = '192.168.100.11';
const IFACE = wireguardInterface(DEPLOYMENT_ID);
// A handshake with wireguard-go takes well under a second; a dead peer costs this much per run.
const OVERRIDES = { timeouts: { wireguard_connect_wait: 3 } };
/** What a runner's PATH has for wg-quick (ip, readlink, …); the harness's PATH holds only its tools. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const USERSPACE = { ...process.env, WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go' };

requireTools(
  'The real WireGuard test',
  missingForNamespaces([
    { name: 'ip', pkg: 'iproute2' },
    { name: 'wireguard-go', pkg: 'wireguard-go' },
    { name: 'wg-quick', pkg: 'wireguard-tools' },
    { name: 'ping', pkg: 'iputils-ping' },
  ]),
);

let pair: NamespacePair;
let h: Harness;
let scratch: string;
let vmConfig: string;

/** The wg0.conf cloud-init writes on the VM, taken from the cloud-init file prepare_deployment made. */
function wg0FromCloudInit(path: string): string {
  const doc = load(readFileSync(path, 'utf8')) as { write_files: { path: string; content: string }[] };
  const file = doc.write_files.find((f) => f.path === '/etc/wireguard/wg0.conf');
  if (!file) throw new Error(`${path} writes no /etc/wireguard/wg0.conf`);
  return file.content;
}

async function vm(...args: string[]): Promise<void> {
  const result = await pair.exec(pair.vm, 'wg-quick', args, { env: USERSPACE });
  if (result.code !== 0) throw new Error(`wg-quick ${args.join(' ')} on the VM: ${result.stderr}`);
}

async function hubPing(address: string): Promise<boolean> {
  return (await pair.exec(pair.hub, 'ping', ['-n', '-q', '-c', '1', '-w', '2', address])).code === 0;
}

async function handshakes(namespace: string, iface: string): Promise<Map<string, number>> {
  const shown = await pair.exec(namespace, 'wg', ['show', iface, 'latest-handshakes']);
  return new Map(
    shown.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split('\t') as [string, string])
      .map(([key, at]) => [key, Number(at)]),
  );
}

beforeAll(async () => {
  // User-space interfaces are found by their socket, whichever namespace asks: a wg0 of the machine's
  // own would be the one the VM's wg-quick and wg talk to.
  if (existsSync('/var/run/wireguard/wg0.sock'))
    throw new Error(
      'a user-space wg0 already runs on this machine (/var/run/wireguard/wg0.sock); stop it first',
    );
  pair = await createNamespacePair();
  scratch = mkdtempSync(join(tmpdir(), 'k0rdent-wg-'));
  const wrappers = join(scratch, 'hub-bin');
  mkdirSync(wrappers);
  const ip = which('ip') ?? 'ip';
  for (const tool of ['wg-quick', 'wg', 'ping']) {
    // Only the namespace changes (and wg-quick's fallback to wireguard-go where there is no module).
    writeFileSync(
      join(wrappers, tool),
      `#!/bin/sh\nPATH=${SYSTEM_PATH} WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go exec ${ip} netns exec ${pair.hub} ${which(tool)} "$@"\n`,
    );
    chmodSync(join(wrappers, tool), 0o755);
  }
  h = await startHarness({
    publicIpAddresses: [pair.vmAddress],
    shimmed: SHIMMED.filter((tool) => !['wg-quick', 'wg', 'ping'].includes(tool)),
    path: [wrappers],
    // connect_vpn polls `wg show` every second; a tenth of that keeps the test brisk and the CPU calm.
    maxSleepMs: 100,
  });
  vmConfig = join(scratch, 'vm', 'wg0.conf');
  mkdirSync(join(scratch, 'vm'), { mode: 0o700 });
}, 30_000);

afterAll(async () => {
  // Both tunnels down, the namespaces (and anything left running in them) gone, whatever failed.
  await cleanUpAll([
    () => pair.exec(pair.vm, 'wg-quick', ['down', vmConfig], { env: USERSPACE }),
    () =>
      pair.exec(pair.hub, 'wg-quick', ['down', join(h.stateDir, 'secrets', 'wireguard', `${IFACE}.conf`)], {
        env: USERSPACE,
      }),
    () => pair.remove(),
    () => h.stop(),
    () => rmSync(scratch, { recursive: true, force: true }),
  ]);
});

test('the VM comes up with the wg0.conf from its cloud-init, and connect_vpn handshakes with it', async () => {
  const created = await h.run({ topology: ONE_VM, overrides: OVERRIDES, until: 'create_vms' });
  expect(created.failed).toBeUndefined();
  writeFileSync(vmConfig, wg0FromCloudInit(join(h.stateDir, 'cloud-init', `${HOST}-cloud-init.yaml`)), {
    mode: 0o600,
  });
  await vm('up', vmConfig);

  const before = Math.floor(Date.now() / 1000);
  const summary = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(summary.failed).toBeUndefined();
  expect(decisions(summary)).toMatchObject({ setup_vpn: 'run', connect_vpn: 'run', install_k0s: 'run' });

  const doc = await h.state();
  const peers = doc.facts.wireguard_peers?.value as Record<string, { public_key: string }>;
  const hubSide = await handshakes(pair.hub, IFACE);
  expect(hubSide.get(peers[HOST]?.public_key ?? '')).toBeGreaterThanOrEqual(before);
  const vmSide = await handshakes(pair.vm, 'wg0');
  expect(vmSide.get(peers.hub?.public_key ?? '')).toBeGreaterThanOrEqual(before);
  // The hub reaches the host's WireGuard address through the tunnel, and only through it.
  expect(await hubPing(HOST_TUNNEL_ADDRESS)).toBe(true);
  const route = await pair.exec(pair.hub, 'ip', ['route', 'get', HOST_TUNNEL_ADDRESS]);
  expect(route.stdout).toContain(`dev ${IFACE}`);
}, 60_000);

test("connect_vpn's validate passes while the tunnel is up", async () => {
  const summary = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(summary.failed).toBeUndefined();
  expect(decisions(summary)).toMatchObject({ connect_vpn: 'skip', install_k0s: 'skip' });
  const doc = await h.state();
  expect(doc.phases.connect_vpn?.evidence?.summary).toMatch(/every VM answers through it/);
}, 60_000);

test('the VM side stopped: validate fails and resets only connect_vpn, whose run fails; the next run brings it back', async () => {
  await vm('down', vmConfig);
  const failed = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(failed.failed?.phase).toBe('connect_vpn');
  expect(failed.failed?.error.message).toMatch(
    /no WireGuard handshake within 3 s: no recent handshake with k0s-controller/,
  );
  const reason = failed.outcomes.find((o) => o.phase === 'connect_vpn')?.reason ?? '';
  expect(reason).toMatch(/k0s-controller \(192\.168\.100\.11\) does not answer through the tunnel/);
  const afterFailure = statuses(await h.state());
  expect(afterFailure).toMatchObject({
    setup_vpn: 'completed',
    connect_vpn: 'failed',
    install_k0s: 'completed',
    install_k0rdent: 'completed',
  });

  await vm('up', vmConfig);
  const back = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(back.failed).toBeUndefined();
  expect(decisions(back)).toMatchObject({ setup_vpn: 'skip', connect_vpn: 'run', install_k0s: 'skip' });
  expect(await hubPing(HOST_TUNNEL_ADDRESS)).toBe(true);
}, 60_000);

test('a key changed on the VM is drift: connect_vpn cannot handshake and says why', async () => {
  const genkey = await pair.exec(pair.vm, 'wg', ['genkey']);
  const otherKey = join(scratch, 'vm', 'other.key');
  writeFileSync(otherKey, genkey.stdout, { mode: 0o600 });
  expect((await pair.exec(pair.vm, 'wg', ['set', 'wg0', 'private-key', otherKey])).code).toBe(0);

  const drifted = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(drifted.failed?.phase).toBe('connect_vpn');
  expect(drifted.failed?.error.message).toMatch(/holding another key than prepare_deployment made for it/);
  expect(statuses(await h.state())).toMatchObject({ install_k0s: 'completed', install_k0rdent: 'completed' });

  // The VM gets its own key back (as a re-created VM would from its cloud-init).
  await vm('down', vmConfig);
  await vm('up', vmConfig);
  const back = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(back.failed).toBeUndefined();
  expect(decisions(back)).toMatchObject({ connect_vpn: 'run', install_k0s: 'skip' });
}, 60_000);

test('a key changed on the hub is drift: connect_vpn brings the tunnel up again from its configuration', async () => {
  const genkey = await pair.exec(pair.hub, 'wg', ['genkey']);
  const otherKey = join(scratch, 'hub-other.key');
  writeFileSync(otherKey, genkey.stdout, { mode: 0o600 });
  expect((await pair.exec(pair.hub, 'wg', ['set', IFACE, 'private-key', otherKey])).code).toBe(0);
  expect(await hubPing(HOST_TUNNEL_ADDRESS)).toBe(false);

  const summary = await h.run({ topology: ONE_VM, overrides: OVERRIDES });
  expect(summary.failed).toBeUndefined();
  const connect = summary.outcomes.find((o) => o.phase === 'connect_vpn');
  expect(connect?.decision).toBe('run');
  expect(connect?.reason).toMatch(/does not answer through the tunnel/);
  expect(decisions(summary)).toMatchObject({ install_k0s: 'skip', install_k0rdent: 'skip' });
  expect(await hubPing(HOST_TUNNEL_ADDRESS)).toBe(true);
}, 60_000);
