/**
 * The phases' SSH paths against a real OpenSSH server: create_vms waiting for cloud-init and
 * install_k0s fetching the admin kubeconfig run the production code with the real `ssh` client, the
 * key prepare_deployment made, and the deployment's known_hosts. The fake ARM server gives the VM
 * 127.0.0.1 as public IP and the runtime points SSH at the server's port; nothing else differs from a
 * run against Azure. Waits pass on a virtual clock, so budgets of minutes run out in their real
 * number of checks without taking minutes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { generateSshKeyPair } from '../../../src/phases/k0rdent/keys.js';
import { redact } from '../../../src/secrets.js';
import { forgetHostKeys } from '../../../src/tools/known-hosts.js';
import { cleanUpAll, requireTools, which } from '../../support/real-peers/netns.js';
import { missingForSshd, startVmSshd, type VmSshd } from '../../support/real-peers/sshd.js';
import { SHIMMED } from '../../support/shims/index.js';
import { decisions, DEPLOYMENT_ID, RG, startHarness, VM_TYPE, type Harness } from './harness.js';

requireTools('The real OpenSSH test', missingForSshd());

const ONE_VM = { controllers: 1, workers: 0 };
const HOST = 'k0s-controller';
/** Two minutes of VM creation budget: with the default 30 s interval, 5 checks. */
const SHORT_BUDGET = { timeouts: { vm_creation_minutes: 2 } };

const b64 = (bytes: number) => randomBytes(bytes).toString('base64');
/** The shape k0s writes to /var/lib/k0s/pki/admin.conf (random material, no real key). */
const CLIENT_KEY = b64(1200);
const ADMIN_CONF = `apiVersion: v1
clusters:
- cluster:
    server: https://localhost:6443
    certificate-authority-data: ${b64(800)}
  name: local
contexts:
- context:
    cluster: local
    namespace: default
    user: user
  name: Default
current-context: Default
kind: Config
preferences: {}
users:
- name: user
  user:
    client-certificate-data: ${b64(900)}
    client-key-data: ${CLIENT_KEY}
`;

let vm: VmSshd;
let h: Harness;
let tools: string;

const knownHosts = () => join(h.stateDir, 'ssh', 'known_hosts');
const hostKeyLine = () => readFileSync(join(vm.root, 'etc', 'ssh_host_ed25519_key.pub'), 'utf8').split(' ');
/**
 * The WireGuard network on loopback: the controller's WireGuard address is 127.0.0.11. Nothing
 * listens there (tests bind only 127.0.0.1); the `ssh` on the phases' PATH routes it, see tunnelSsh.
 */
const TUNNEL_ADDRESS = '127.0.0.11';
/**
 * The real OpenSSH client, with the route into the WireGuard tunnel standing in front of it: a
 * connection to the controller's tunnel address goes to the VM's sshd on 127.0.0.1, as the tunnel
 * would carry it there, and nothing else changes. HostKeyAlias keeps ssh checking and recording the
 * host key under the address the phase asked for (`[127.0.0.11]:port`, as without the route), not
 * under the public address's entry; every other destination gets ssh untouched.
 */
const tunnelSsh = (ssh: string, port: number) => `#!/bin/sh
for arg in "$@"; do
  case "$arg" in
    *@${TUNNEL_ADDRESS})
      exec '${ssh}' -o Hostname=127.0.0.1 -o 'HostKeyAlias=[${TUNNEL_ADDRESS}]:${port}' "$@" ;;
  esac
done
exec '${ssh}' "$@"
`;
const LOOPBACK_TUNNEL = { network: { wireguard_port: 51820, wireguard_network: '127.0.0.0/24' } };
const run = (overrides: Record<string, unknown> = {}, until?: string) =>
  h.run({ topology: ONE_VM, overrides: { ...LOOPBACK_TUNNEL, ...overrides }, ...(until ? { until } : {}) });

beforeAll(async () => {
  vm = await startVmSshd({ user: 'k0rdent', authorizedKey: '' });
  tools = mkdtempSync(join(tmpdir(), 'k0rdent-ssh-tools-'));
  writeFileSync(join(tools, 'ssh'), tunnelSsh(which('ssh') ?? 'ssh', vm.port), { mode: 0o755 });
  h = await startHarness({
    publicIpAddresses: ['127.0.0.1'],
    shimmed: SHIMMED.filter((tool) => tool !== 'ssh'),
    path: [tools],
    sshPort: vm.port,
    time: 'virtual',
  });
  const prepared = await run({}, 'prepare_deployment');
  expect(prepared.failed).toBeUndefined();
  vm.setAuthorizedKey(readFileSync(join(h.stateDir, 'ssh', `${DEPLOYMENT_ID}-ssh-key.pub`), 'utf8'));
  vm.writeVarLib('/var/lib/k0s/pki/admin.conf', ADMIN_CONF);
  await vm.start();
}, 30_000);

afterAll(async () => {
  await cleanUpAll([
    () => vm.cleanup(),
    () => h.stop(),
    () => rmSync(tools, { recursive: true, force: true }),
  ]);
});

beforeEach(async () => {
  if (!vm.running) await vm.start();
});

test('create_vms waits while cloud-init runs and goes on when it is done; the host key is pinned', async () => {
  vm.scriptCloudInit(['running', 'running', 'done']);
  const summary = await run({}, 'create_vms');
  expect(summary.failed).toBeUndefined();
  expect(vm.cloudInitCalls()).toBe(3);
  expect(vm.log()).toMatch(/Accepted publickey for k0rdent from 127\.0\.0\.1/);
  const [type, key] = hostKeyLine();
  expect(readFileSync(knownHosts(), 'utf8').trim()).toBe(`[127.0.0.1]:${vm.port} ${type} ${key}`);
}, 60_000);

test('install_k0s reads the admin kubeconfig on the VM and points it at the API over the tunnel', async () => {
  const summary = await run();
  expect(summary.failed).toBeUndefined();
  expect(decisions(summary)).toMatchObject({ install_k0s: 'run', install_k0rdent: 'run' });
  const path = join(h.stateDir, 'secrets', 'kubeconfig');
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const kubeconfig = load(readFileSync(path, 'utf8')) as {
    clusters: { name: string; cluster: { server: string } }[];
    contexts: { name: string; context: { cluster: string; user: string } }[];
    users: { name: string; user: { 'client-key-data': string } }[];
    'current-context': string;
  };
  expect(kubeconfig.clusters).toEqual([
    { name: DEPLOYMENT_ID, cluster: expect.objectContaining({ server: `https://${TUNNEL_ADDRESS}:6443` }) },
  ]);
  expect(kubeconfig['current-context']).toBe(DEPLOYMENT_ID);
  expect(kubeconfig.contexts[0]?.context).toMatchObject({ cluster: DEPLOYMENT_ID, user: 'admin' });
  expect(kubeconfig.users[0]?.user['client-key-data']).toBe(CLIENT_KEY);
  // Fetched through the tunnel: the controller's host key is pinned under its tunnel address too.
  const [type, key] = hostKeyLine();
  expect(readFileSync(knownHosts(), 'utf8')).toContain(`[${TUNNEL_ADDRESS}]:${vm.port} ${type} ${key}\n`);
  // A secret from the moment it arrived: masked in any output, and not in the state.
  expect(redact(`key ${CLIENT_KEY}`)).toBe('key ***');
  expect(readFileSync(join(h.stateDir, 'deployment-state.yaml'), 'utf8')).not.toContain(CLIENT_KEY);
  expect(h.warnings.join('\n')).not.toContain(CLIENT_KEY);
}, 60_000);

test('a VM replaced by create_vms may answer with a new host key at an old address: it is trusted anew', async () => {
  const before = readFileSync(knownHosts(), 'utf8');
  expect(h.arm.faults.deleteOutsideByName(VM_TYPE, HOST, RG)).toBe(1);
  await vm.stop();
  await vm.newHostKey();
  await vm.start();
  vm.scriptCloudInit(['done']);
  const summary = await run({}, 'create_vms');
  expect(summary.failed).toBeUndefined();
  expect(decisions(summary)).toMatchObject({ create_vms: 'run' });
  expect(vm.cloudInitCalls()).toBe(1);
  const [type, key] = hostKeyLine();
  const after = readFileSync(knownHosts(), 'utf8');
  expect(after).not.toBe(before);
  expect(after.trim()).toBe(`[127.0.0.1]:${vm.port} ${type} ${key}`);
}, 60_000);

test('a host key that changed while the VM stayed is refused at once, with what to do', async () => {
  await vm.stop();
  await vm.newHostKey();
  await vm.start();
  vm.scriptCloudInit(['done']);
  await h.rollback('create_vms', { destroy: false, topology: ONE_VM });
  const summary = await run();
  expect(summary.failed?.phase).toBe('create_vms');
  expect(summary.failed?.error.class).toBe('config');
  expect(summary.failed?.error.message).toContain(
    `k0s-controller: the host key of 127.0.0.1:${vm.port} is not the one recorded in ${knownHosts()}, so it was not trusted`,
  );
  expect(summary.failed?.error.message).toContain(
    `ssh-keygen -R '[127.0.0.1]:${vm.port}' -f ${knownHosts()}`,
  );
  // One attempt, no waiting: the VM never got to say anything.
  expect(vm.cloudInitCalls()).toBe(0);
  expect(vm.log()).not.toMatch(/Accepted publickey/);
}, 60_000);

test('cloud-init reporting an error stops the wait at once, pointing at its log', async () => {
  // The advice the refused host key gave, taken: the recorded key goes, the next answer is trusted.
  await forgetHostKeys(knownHosts(), ['127.0.0.1'], vm.port);
  vm.scriptCloudInit(['running', 'error']);
  const summary = await run();
  expect(summary.failed?.phase).toBe('create_vms');
  expect(summary.failed?.error.message).toMatch(
    /k0s-controller: cloud-init reported an error; see \/var\/log\/cloud-init-output\.log on the VM \(ssh -i \S+ -p \d+ k0rdent@127\.0\.0\.1\)/,
  );
  expect(vm.cloudInitCalls()).toBe(2);
}, 60_000);

test('a refused key is waited for within the budget, then named', async () => {
  vm.setAuthorizedKey(generateSshKeyPair('someone-else').publicKey);
  vm.scriptCloudInit(['done']);
  const summary = await run(SHORT_BUDGET);
  expect(summary.failed?.phase).toBe('create_vms');
  expect(summary.failed?.error.class).toBe('transient');
  expect(summary.failed?.error.message).toBe(
    `cloud-init did not finish within 2 minutes (5 checks) on k0s-controller (127.0.0.1:${vm.port} refused the key ${join(h.stateDir, 'secrets', 'ssh', `${DEPLOYMENT_ID}-ssh-key`)} for user k0rdent)`,
  );
  expect(vm.cloudInitCalls()).toBe(0);
  expect(vm.log()).toMatch(/Connection closed by authenticating user k0rdent 127\.0\.0\.1|Failed publickey/);
  vm.setAuthorizedKey(readFileSync(join(h.stateDir, 'ssh', `${DEPLOYMENT_ID}-ssh-key.pub`), 'utf8'));
}, 60_000);

test('a server that is down: create_vms spends its budget, install_k0s its tries, and both say so', async () => {
  await vm.stop();
  await h.rollback('create_vms', { destroy: false, topology: ONE_VM });
  const waited = await run(SHORT_BUDGET);
  expect(waited.failed?.phase).toBe('create_vms');
  expect(waited.failed?.error.message).toBe(
    `cloud-init did not finish within 2 minutes (5 checks) on k0s-controller (ssh to 127.0.0.1:${vm.port}: ssh: connect to host 127.0.0.1 port ${vm.port}: Connection refused)`,
  );

  await vm.start();
  expect((await run({}, 'create_vms')).failed).toBeUndefined();
  await vm.stop();
  h.warnings.length = 0;
  const fetched = await run();
  expect(fetched.failed?.phase).toBe('install_k0s');
  // ssh's own last words name the address the route in tunnelSsh sent it to.
  expect(fetched.failed?.error.message).toBe(
    `fetching the kubeconfig from k0s-controller (${TUNNEL_ADDRESS}) failed 3 time(s): ssh to ${TUNNEL_ADDRESS}:${vm.port}: ssh: connect to host 127.0.0.1 port ${vm.port}: Connection refused`,
  );
  expect(h.warnings.filter((w) => w.includes('fetching the kubeconfig'))).toHaveLength(2);
}, 60_000);
