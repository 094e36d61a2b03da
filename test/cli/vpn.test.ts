/**
 * `k0rdent-deploy vpn up|down` with real WireGuard: two network namespaces made here, joined by a
 * veth pair; a "VM" peer on wireguard-go in one, and the CLI bringing the hub's tunnel up with
 * wg-quick (userspace wireguard-go) in the other, from a state directory like the one `state pull`
 * writes. A handshake and a ping cross the tunnel; down removes it. Without the tools or without
 * root it says what to do and changes nothing. Only addresses inside the namespaces are used.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createDocument } from '../../src/state/document.js';
import { encodeState } from '../../src/state/codec.js';
import { recordArtifact, setFact } from '../../src/state/transitions.js';
import { bundleDir, cleanEnv, cliPath, collect, scratchDir, type CliResult } from '../support/cli.js';

const id = randomBytes(3).toString('hex');
const HUB = `k0hub${id}`;
const VM = `k0vm${id}`;
const IFACE = `wgk0${id}`;
const VM_IFACE = `wgvm${id}`;
const PORT = 51820;

let dir: string;
let cleanup: () => void;
let cwd: string;

function sh(args: string[]): void {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) throw new Error(`${args.join(' ')}: ${result.stderr || result.stdout}`);
}

function keyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const b64 = (jwk: string | undefined) => Buffer.from(jwk ?? '', 'base64url').toString('base64');
  return {
    privateKey: b64(privateKey.export({ format: 'jwk' }).d),
    publicKey: b64(publicKey.export({ format: 'jwk' }).x),
  };
}

beforeAll(() => {
  for (const tool of ['ip', 'wg', 'wg-quick', 'wireguard-go']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} is needed by this test (Debian: iproute2, wireguard-tools, wireguard-go)`);
    }
  }
  ({ dir, cleanup } = scratchDir());
  cwd = join(dir, 'laptop');
  const hub = keyPair();
  const vm = keyPair();

  sh(['ip', 'netns', 'add', HUB]);
  sh(['ip', 'netns', 'add', VM]);
  sh(['ip', 'link', 'add', `vh${id}`, 'type', 'veth', 'peer', 'name', `vv${id}`]);
  sh(['ip', 'link', 'set', `vh${id}`, 'netns', HUB]);
  sh(['ip', 'link', 'set', `vv${id}`, 'netns', VM]);
  for (const [ns, dev, address] of [
    [HUB, `vh${id}`, '10.251.0.1/30'],
    [VM, `vv${id}`, '10.251.0.2/30'],
  ] as const) {
    sh(['ip', '-n', ns, 'addr', 'add', address, 'dev', dev]);
    sh(['ip', '-n', ns, 'link', 'set', dev, 'up']);
    sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
  }
  // The "VM": a WireGuard peer that knows only the hub.
  const vmKey = join(dir, 'vm.key');
  writeFileSync(vmKey, `${vm.privateKey}\n`, { mode: 0o600 });
  sh(['ip', 'netns', 'exec', VM, 'wireguard-go', VM_IFACE]);
  sh([
    'ip',
    'netns',
    'exec',
    VM,
    'wg',
    'set',
    VM_IFACE,
    'private-key',
    vmKey,
    'listen-port',
    String(PORT),
    'peer',
    hub.publicKey,
    'allowed-ips',
    '192.168.100.1/32',
  ]);
  sh(['ip', '-n', VM, 'addr', 'add', '192.168.100.11/24', 'dev', VM_IFACE]);
  sh(['ip', '-n', VM, 'link', 'set', VM_IFACE, 'up']);

  // A state directory as `state pull` writes it: the hub config (secret) and the peers.
  const config = `state/secrets/wireguard/${IFACE}.conf`;
  const text = [
    '[Interface]',
    `PrivateKey = ${hub.privateKey}`,
    'Address = 192.168.100.1/24',
    '',
    '[Peer]',
    `PublicKey = ${vm.publicKey}`,
    `Endpoint = 10.251.0.2:${PORT}`,
    'AllowedIPs = 192.168.100.11/32',
    'PersistentKeepalive = 25',
    '',
  ].join('\n');
  mkdirSync(join(cwd, dirname(config)), { recursive: true, mode: 0o700 });
  writeFileSync(join(cwd, config), text, { mode: 0o600 });
  const stamp = {
    hlc: '2026-12-01T00:00:00.000Z#000001@test',
    at: '2026-12-01T00:00:00.000Z',
    run: { run_id: '1', attempt: 1, job: 'deploy', actor: 'ci' },
  };
  let doc = createDocument({ deploymentId: 'vpn-demo', phases: ['setup_vpn'] }, stamp);
  doc = recordArtifact(doc, 'wireguard_hub_config', stamp, {
    path: config,
    sha256: createHash('sha256').update(text).digest('hex'),
    size: Buffer.byteLength(text),
    sensitive: true,
    phase: 'setup_vpn',
  });
  doc = setFact(
    doc,
    'wireguard_peers',
    {
      hub: { ip: '192.168.100.1', role: 'hub', public_key: hub.publicKey },
      'k0s-controller-1': { ip: '192.168.100.11', role: 'controller', public_key: vm.publicKey },
    },
    stamp,
    'prepare_deployment',
  );
  writeFileSync(join(cwd, 'state/deployment-state.yaml'), encodeState(doc), { mode: 0o600 });
});

afterAll(() => {
  for (const args of [
    ['ip', '-n', HUB, 'link', 'del', IFACE],
    ['ip', '-n', VM, 'link', 'del', VM_IFACE],
    ['ip', 'netns', 'del', HUB],
    ['ip', 'netns', 'del', VM],
  ])
    spawnSync(args[0]!, args.slice(1), { timeout: 10_000 });
  cleanup();
});

/** The CLI run inside the hub's namespace, as root (or as another user with `as`). */
function inHub(args: string[], env: Record<string, string> = {}, as?: number): Promise<CliResult> {
  const command = [
    ...(as === undefined ? [] : [which('setpriv'), `--reuid=${as}`, `--regid=${as}`, '--clear-groups', '--']),
    process.execPath,
    cliPath(),
    ...args,
  ];
  // Absolute paths: a test runs the CLI with a PATH that lacks the tools.
  const child = spawn(which('ip'), ['netns', 'exec', HUB, ...command], {
    cwd,
    env: cleanEnv({ WG_QUICK_USERSPACE_IMPLEMENTATION: 'wireguard-go', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return collect(child, 60_000);
}

function which(tool: string): string {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
}

function linkExists(): boolean {
  return spawnSync('ip', ['-n', HUB, 'link', 'show', IFACE]).status === 0;
}

test('vpn up brings the hub tunnel up with a handshake from the VM; a ping crosses it; vpn down removes it', async () => {
  const up = await inHub(['vpn', 'up', '--wait', '20']);
  expect([up.code, up.stderr]).toEqual([0, expect.stringContaining(`wg setconf ${IFACE}`)]);
  expect(up.stdout).toContain(`tunnel ${IFACE} is up (state/secrets/wireguard/${IFACE}.conf)`);
  expect(up.stdout).toContain('handshake with k0s-controller-1 (192.168.100.11)');
  const ping = spawnSync('ip', ['netns', 'exec', HUB, 'ping', '-c', '1', '-W', '3', '192.168.100.11'], {
    timeout: 10_000,
  });
  expect(ping.status).toBe(0);
  expect((await inHub(['vpn', 'up', '--wait', '5'])).stdout).toContain(`tunnel ${IFACE} is already up`);

  const down = await inHub(['vpn', 'down']);
  expect(down.code).toBe(0);
  expect(down.stdout).toContain(`tunnel ${IFACE} is down`);
  expect(linkExists()).toBe(false);
  expect((await inHub(['vpn', 'down'])).stdout).toContain(`tunnel ${IFACE} was not up`);
}, 120_000);

test('without wireguard-tools, or without root, vpn up says what to do and changes nothing', async () => {
  const noTools = await inHub(['vpn', 'up'], { PATH: join(dir, 'empty') });
  expect(noTools.code).toBe(2);
  expect(noTools.stderr).toContain(
    'wg-quick and wg are not on PATH: install wireguard-tools (Debian/Ubuntu: sudo apt-get install wireguard-tools',
  );

  // Another user: the state directory and the built CLI readable to it, nothing else changed.
  for (const path of [dir, cwd]) chmodSync(path, 0o755);
  const chown = (path: string): void => {
    chownSync(path, 65534, 65534);
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chown(join(path, name));
  };
  chown(cwd);
  for (let path = bundleDir(); path.startsWith(`${tmpdir()}/`); path = dirname(path)) {
    chmodSync(path, (statSync(path).mode & 0o7777) | 0o055);
  }
  const user = await inHub(['vpn', 'up'], { HOME: cwd }, 65534);
  expect(user.code).toBe(2);
  expect(user.stderr).toContain('bringing a WireGuard interface up or down needs root');
  expect(linkExists()).toBe(false);
}, 60_000);
