/**
 * The built-in deployment through the engine against the fake ARM server and recording shims: the
 * scenarios of issue 4, each with what it must and must not touch.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  decisions,
  DEPLOYMENT_ID,
  RG,
  startHarness,
  statuses,
  THREE_PLUS_TWO,
  VM_TYPE,
  type Harness,
} from './harness.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.stop();
});

const CORE = [
  'prepare_deployment',
  'setup_network',
  'create_vms',
  'setup_vpn',
  'connect_vpn',
  'install_k0s',
  'install_k0rdent',
];
const HOSTS = ['k0s-controller', 'k0s-controller-2', 'k0s-controller-3', 'k0s-worker-1', 'k0s-worker-2'];

function names(type: string): string[] {
  return h.arm
    .resources({ type, resourceGroup: RG })
    .map((r) => r.name)
    .sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('full deploy of 3 controllers + 2 workers', () => {
  test('every core phase completes, the optional ones are skipped with a reason, Azure holds exactly the deployment', async () => {
    const summary = await h.run();
    expect(summary.failed).toBeUndefined();
    const doc = await h.state();
    for (const phase of CORE) expect(doc.phases[phase]?.status).toBe('completed');
    for (const phase of [
      'setup_azure_children',
      'install_azure_csi',
      'install_kof_mothership',
      'install_kof_regional',
    ]) {
      expect(doc.phases[phase]?.status).toBe('skipped');
      expect(doc.phases[phase]?.reason).toMatch(/deployment flag (azure_children|kof) is off/);
    }
    expect(names(VM_TYPE)).toEqual(HOSTS);
    expect(names('Microsoft.Network/networkInterfaces')).toEqual(HOSTS.map((n) => `${n}-nic`).sort());
    expect(names('Microsoft.Network/publicIPAddresses')).toEqual(HOSTS.map((n) => `${n}-pip`).sort());
    expect(names('Microsoft.Compute/disks')).toEqual(HOSTS.map((n) => `${n}-osdisk`).sort());
    const vm = h.arm.resources({ type: VM_TYPE }).find((r) => r.name === 'k0s-controller-2');
    expect(vm?.body).toMatchObject({
      zones: ['2'],
      tags: { 'k0rdent-deployment': DEPLOYMENT_ID, 'created-by': 'k0rdent-deploy', 'run-url': 'local' },
    });
    const worker2 = h.arm.resources({ type: VM_TYPE }).find((r) => r.name === 'k0s-worker-2');
    expect(worker2?.body).toMatchObject({ zones: ['2'] });
    const group = h.arm.resources({ type: 'Microsoft.Resources/resourceGroups' })[0];
    expect(group?.body).toMatchObject({ tags: { 'k0rdent-deployment': DEPLOYMENT_ID } });

    // Tools: one apply, one install (upgrade --install), one tunnel, and all by argument arrays.
    expect(h.shims.calls('k0sctl').map((c) => c.args[0])).toEqual(['apply']);
    const helm = h.shims.calls('helm');
    expect(helm).toHaveLength(1);
    expect(helm[0]?.args.slice(0, 5)).toEqual([
      'upgrade',
      '--install',
      'kcm',
      'oci://ghcr.io/k0rdent/kcm/charts/kcm',
      '--version',
    ]);
    expect(h.shims.calls('wg-quick').map((c) => c.args[0])).toEqual(['up']);
    // cloud-init on each of the 5 VMs, then the kubeconfig from the first controller.
    expect(h.shims.calls('ssh').map((c) => c.args.at(-1))).toEqual([
      ...Array<string>(5).fill('cloud-init status'),
      'sudo -n cat /var/lib/k0s/pki/admin.conf',
    ]);

    // k0s: the controllers run no kubelet, so only the workers are nodes; etcd has three members.
    const cluster = h.shims.world().cluster;
    expect(cluster?.nodes).toEqual(['k0s-worker-1', 'k0s-worker-2']);
    expect(Object.keys(cluster?.etcd ?? {})).toEqual([
      'k0s-controller',
      'k0s-controller-2',
      'k0s-controller-3',
    ]);
    // k0sctl trusted host keys through the deployment's own known_hosts file, not the user's.
    expect(existsSync(join(h.dir, '.ssh', 'known_hosts'))).toBe(false);
    const known = readFileSync(join(h.stateDir, 'ssh', 'known_hosts'), 'utf8');
    for (const address of ['192.168.100.11', '192.168.100.15'])
      expect(known).toContain(`${address} ssh-ed25519`);
  });

  test('secrets are 600 files recorded as sensitive artifacts, and never in the state document', async () => {
    await h.run();
    const doc = await h.state();
    const sensitive = Object.entries(doc.artifacts)
      .filter(([, a]) => a.sensitive)
      .map(([n]) => n)
      .sort();
    expect(sensitive).toEqual(
      expect.arrayContaining([
        'kubeconfig',
        'ssh_private_key',
        'wireguard_hub_config',
        'wireguard_private_key_hub',
        'wireguard_private_key_k0s_worker_2',
        'cloud_init_k0s_controller',
      ]),
    );
    for (const [, artifact] of Object.entries(doc.artifacts).filter(([, a]) => a.sensitive)) {
      expect(statSync(artifact.path).mode & 0o777).toBe(0o600);
    }
    // Every line of key material in every sensitive file, wherever it is kept: none is in the state.
    const stateText = readFileSync(join(h.stateDir, 'deployment-state.yaml'), 'utf8');
    const secretLines = Object.values(doc.artifacts)
      .filter((a) => a.sensitive)
      .flatMap((a) => readFileSync(a.path, 'utf8').split('\n'))
      .map((line) => line.trim())
      .filter((line) => line.length > 30);
    // Five hosts and the hub each have a WireGuard key, in its own file and in a config or cloud-init.
    expect(secretLines.length).toBeGreaterThanOrEqual(12);
    for (const line of secretLines) expect(stateText).not.toContain(line);
    expect(stateText).not.toContain('SHIM-SECRET-TOKEN');
    expect(stateText).not.toMatch(/PRIVATE KEY|PrivateKey/);
  });

  test('a second run changes nothing: every phase is validated against reality and skipped', async () => {
    await h.run();
    h.arm.clearRequests();
    h.shims.clearCalls();
    const summary = await h.run();
    for (const phase of CORE) expect(decisions(summary)[phase]).toBe('skip');
    expect(h.arm.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(h.shims.calls().map((c) => `${c.tool} ${c.args[0] ?? ''}`)).not.toContain('k0sctl apply');
    const doc = await h.state();
    expect(doc.phases.create_vms?.evidence?.summary).toMatch(/5\/5 VMs exist and Succeeded, run/);
    expect(doc.phases.install_k0s?.evidence?.summary).toMatch(
      /all 2 node\(s\) Ready; 3 controller\(s\) run no kubelet and are not nodes/,
    );
  });
});

describe('resuming and drift', () => {
  test('interrupted inside create_vms, the resumed run creates no VM twice', async () => {
    await h.run({ only: 'prepare_deployment' });
    await h.run({ only: 'setup_network' });
    h.arm.setPollsBeforeDone(50);
    const controller = new AbortController();
    const watcher = setInterval(() => {
      if ([...h.vmPuts().values()].flat().length >= 2) controller.abort();
    }, 2);
    const interrupted = await h.run({ signal: controller.signal }).finally(() => clearInterval(watcher));
    expect(interrupted.failed?.phase).toBe('create_vms');
    expect((await h.state()).phases.create_vms?.status).toBe('failed');
    // Azure carries on with what it was asked while nobody polls.
    h.arm.setPollsBeforeDone(1);
    h.arm.settle();

    const resumed = await h.run();
    expect(resumed.failed).toBeUndefined();
    expect(names(VM_TYPE)).toEqual(HOSTS);
    for (const [vm, statuses] of h.vmPuts()) {
      expect([vm, statuses.filter((s) => s === 201).length]).toEqual([vm, 1]);
      expect([vm, statuses.length]).toEqual([vm, 1]);
    }
  });

  test('a VM deleted between runs: only create_vms and its dependents re-run, and only that VM is re-created', async () => {
    await h.run();
    expect(h.arm.faults.deleteOutsideByName(VM_TYPE, 'k0s-worker-2', RG)).toBe(1);
    h.arm.clearRequests();
    h.shims.clearCalls();
    const summary = await h.run();
    expect(decisions(summary)).toMatchObject({
      prepare_deployment: 'skip',
      setup_network: 'skip',
      create_vms: 'run',
      setup_vpn: 'run',
      connect_vpn: 'run',
      install_k0s: 'run',
      install_k0rdent: 'run',
    });
    expect([...h.vmPuts().keys()]).toEqual(['k0s-worker-2']);
    expect(names(VM_TYPE)).toEqual(HOSTS);
    // The disk the deleted VM left behind was removed before its name was reused: nothing leaks.
    expect(names('Microsoft.Compute/disks')).toEqual(HOSTS.map((n) => `${n}-osdisk`).sort());
    // The new VM's host key replaced the old one at its public and WireGuard addresses.
    const known = readFileSync(join(h.stateDir, 'ssh', 'known_hosts'), 'utf8')
      .trim()
      .split('\n');
    const hosts = known.map((line) => line.split(' ')[0]);
    expect(hosts.length).toBe(new Set(hosts).size);
    expect(h.infos.join('\n')).toMatch(/forgot the old host keys of re-created VMs/);
  });

  test('worker count 2 → 3: create_vms creates one VM, install_k0s re-runs, no key is regenerated', async () => {
    await h.run();
    const before = (await h.state()).facts.wireguard_peers?.value as Record<
      string,
      { public_key: string; ip: string }
    >;
    h.arm.clearRequests();
    h.shims.clearCalls();
    const summary = await h.run({ topology: { controllers: 3, workers: 3 } });
    expect(summary.failed).toBeUndefined();
    expect(decisions(summary)).toMatchObject({ create_vms: 'run', install_k0s: 'run' });
    expect([...h.vmPuts().keys()]).toEqual(['k0s-worker-3']);
    // One apply brings the new worker in (k0sctl apply is idempotent, but a second one is work and risk).
    expect(h.shims.calls('k0sctl').filter((c) => c.args[0] === 'apply')).toHaveLength(1);
    expect(h.shims.world().cluster?.nodes).toContain('k0s-worker-3');
    const after = (await h.state()).facts.wireguard_peers?.value as Record<
      string,
      { public_key: string; ip: string }
    >;
    for (const host of [...HOSTS, 'hub']) expect(after[host]).toEqual(before[host]);
    expect(after['k0s-worker-3']?.ip).toBe('192.168.100.16');
  });

  test('a changed worker size is not applied to existing VMs, and the run says so', async () => {
    await h.run();
    h.arm.clearRequests();
    const summary = await h.run({ overrides: { vm_sizing: { worker: { size: 'Standard_D2s_v5' } } } });
    expect(summary.failed).toBeUndefined();
    // Keys, cloud-init and the network do not depend on sizes: they stay as they are.
    expect(decisions(summary)).toMatchObject({
      prepare_deployment: 'skip',
      setup_network: 'skip',
      create_vms: 'run',
    });
    expect(h.vmPuts().size).toBe(0);
    const resized = h.warnings.filter((w) => w.includes('existing VMs are not resized'));
    expect(resized.map((w) => w.split(' ')[0]).sort()).toEqual(['k0s-worker-1', 'k0s-worker-2']);
    expect(resized[0]).toContain('is Standard_B2s but vm_sizing.worker.size is Standard_D2s_v5');
  });

  test('a resource group deleted outside: setup_network and everything after it run again', async () => {
    await h.run();
    h.arm.faults.deleteResourceGroupOutside(RG);
    const summary = await h.run();
    expect(summary.failed).toBeUndefined();
    expect(decisions(summary)).toMatchObject({
      prepare_deployment: 'skip',
      setup_network: 'run',
      create_vms: 'run',
    });
    expect(names(VM_TYPE)).toEqual(HOSTS);
  });

  test('a VM that ends Failed once is deleted and created again; 429 with Retry-After and 500 are retried', async () => {
    h.arm.faults.failVmProvisioning('k0s-worker-1');
    h.arm.faults.failNext(1, {
      status: 429,
      retryAfterSeconds: 0,
      match: (r) => r.method === 'PUT' && r.path.includes('/networkinterfaces/'),
    });
    h.arm.faults.failNext(1, {
      status: 500,
      match: (r) => r.method === 'PUT' && r.path.includes('/publicipaddresses/'),
    });
    const summary = await h.run();
    expect(summary.failed).toBeUndefined();
    expect(h.vmPuts().get('k0s-worker-1')).toEqual([201, 201]);
    expect(h.arm.faults.pendingRequestFailures()).toBe(0);
    expect(names(VM_TYPE)).toEqual(HOSTS);
    expect(h.warnings.join('\n')).toMatch(/k0s-worker-1 failed to provision \(try 1 of 3\)/);
  });

  test('a VM that keeps failing stops create_vms after 3 tries', async () => {
    h.arm.faults.failVmProvisioning('k0s-worker-1', { times: 5 });
    const summary = await h.run({ topology: { controllers: 1, workers: 1 } });
    expect(summary.failed?.phase).toBe('create_vms');
    expect(summary.failed?.error.message).toMatch(/failed to provision 3 times/);
    expect(h.vmPuts().get('k0s-worker-1')).toHaveLength(3);
  });

  test('cloud-init is awaited over SSH, and the kubeconfig fetch is retried', async () => {
    h.shims.failNext('ssh', 'k0rdent@', {
      exit: 255,
      stderr: 'ssh: connect to host port 22: Connection refused\n',
      times: 2,
    });
    h.shims.failNext('ssh', 'admin.conf', {
      exit: 255,
      stderr: 'ssh: connect to host 203.0.113.4 port 22: Connection refused\n',
    });
    const summary = await h.run({ topology: { controllers: 1, workers: 1 } });
    expect(summary.failed).toBeUndefined();
    expect(
      h.shims.calls('ssh').filter((c) => c.args.at(-1) === 'cloud-init status').length,
    ).toBeGreaterThanOrEqual(4);
    expect(h.shims.calls('ssh').filter((c) => c.args.at(-1)?.includes('admin.conf'))).toHaveLength(2);
    expect(h.warnings.join('\n')).toMatch(
      /fetching the kubeconfig from k0s-controller \(203\.0\.113\.\d+\) failed \(try 1 of 3\): ssh to 203\.0\.113\.\d+:22: ssh: connect to host .* Connection refused/,
    );
  });

  test('connect_vpn is runner-scoped: a tunnel missing on a new machine re-runs only it, installing wireguard-tools', async () => {
    await h.run();
    h.shims.dropTunnels();
    h.shims.remove('wg-quick');
    h.shims.remove('wg');
    h.shims.clearCalls();
    const summary = await h.run();
    expect(decisions(summary)).toMatchObject({
      setup_vpn: 'skip',
      connect_vpn: 'run',
      install_k0s: 'skip',
      install_k0rdent: 'skip',
    });
    expect(h.shims.calls('apt-get').map((c) => c.args.at(-1))).toEqual(['-qq', 'wireguard-tools']);
    expect(Object.keys(h.shims.world().tunnels)).toHaveLength(1);
  });
});

describe('rollback and uninstall', () => {
  test('rollback to setup_vpn with destroy: k0rdent uninstalled and k0s reset, VMs kept', async () => {
    await h.run();
    h.shims.clearCalls();
    await h.rollback('setup_vpn');
    const calls = h.shims.calls().map((c) => `${c.tool} ${c.args[0] ?? ''}`);
    expect(calls).toEqual(expect.arrayContaining(['helm uninstall', 'k0sctl reset', 'wg-quick down']));
    expect(calls.indexOf('helm uninstall')).toBeLessThan(calls.indexOf('k0sctl reset'));
    expect(h.shims.calls('k0sctl').find((c) => c.args[0] === 'reset')?.args).toContain('--force');
    expect(names(VM_TYPE)).toEqual(HOSTS);
    const doc = await h.state();
    expect(statuses(doc)).toMatchObject({
      create_vms: 'completed',
      setup_vpn: 'pending',
      connect_vpn: 'pending',
      install_k0s: 'pending',
      install_k0rdent: 'pending',
    });
    expect(doc.artifacts.kubeconfig?.removed).toBe(true);
  });

  test('full uninstall (rollback --to prepare_deployment --destroy) leaves no resource in the fake', async () => {
    await h.run();
    await h.rollback('prepare_deployment');
    expect(h.arm.resources()).toEqual([]);
    const doc = await h.state();
    for (const phase of CORE) expect(doc.phases[phase]?.status).toBe('pending');
    expect(filesUnder(join(h.stateDir, 'secrets'))).toEqual([]);
  });

  test('rollback to create_vms deletes VMs with their NICs, public IPs and OS disks, and keeps the network', async () => {
    await h.run();
    await h.rollback('create_vms');
    const left = h.arm
      .resources({ resourceGroup: RG })
      .map((r) => r.type)
      .sort();
    expect(left).toEqual(
      [
        'Microsoft.Compute/sshPublicKeys',
        'Microsoft.Network/networkSecurityGroups',
        'Microsoft.Network/networkSecurityGroups/securityRules',
        'Microsoft.Network/networkSecurityGroups/securityRules',
        'Microsoft.Network/virtualNetworks',
        'Microsoft.Network/virtualNetworks/subnets',
        'Microsoft.Resources/resourceGroups',
      ].sort(),
    );
    // Run again: new VMs (new host keys) at the addresses known_hosts still names, and a new cluster.
    const again = await h.run();
    expect(again.failed).toBeUndefined();
    expect(names(VM_TYPE)).toEqual(HOSTS);
    expect(h.shims.world().cluster?.nodes).toEqual(['k0s-worker-1', 'k0s-worker-2']);
  });

  test('an undo step that fails leaves the state consistent, with --force and without', async () => {
    await h.run();
    h.shims.failNext('helm', 'uninstall', { stderr: 'Error: cluster unreachable\n' });
    await expect(h.rollback('prepare_deployment')).rejects.toThrow(/undo of install_k0rdent failed/);
    let doc = await h.state();
    expect(doc.phases.install_k0rdent?.status).toBe('completed');
    expect(h.arm.resources({ type: VM_TYPE })).toHaveLength(5);

    h.shims.failNext('helm', 'uninstall', { stderr: 'Error: cluster unreachable\n' });
    const summary = await h.rollback('prepare_deployment', { force: true });
    expect(summary.steps.find((s) => s.phase === 'install_k0rdent')?.result).toBe('failed');
    doc = await h.state();
    for (const phase of CORE) expect(doc.phases[phase]?.status).toBe('pending');
    expect(h.arm.resources()).toEqual([]);
  });

  test('fast path: the resource group is deleted at once and every phase is pending', async () => {
    await h.run();
    h.shims.clearCalls();
    const result = await h.fast('prepare_deployment');
    expect(result.resourceGroup).toBe('deleted');
    expect(h.arm.resources()).toEqual([]);
    expect(h.shims.calls().map((c) => c.tool)).toEqual(['wg-quick']);
    const doc = await h.state();
    for (const phase of CORE) expect(doc.phases[phase]?.status).toBe('pending');
    expect(filesUnder(h.stateDir).filter((f) => !f.endsWith('.yaml') && !f.includes('known_hosts'))).toEqual(
      [],
    );
  });

  test('fast path when the group delete fails: nothing is reset', async () => {
    await h.run();
    h.arm.faults.failNext(100, { status: 500, match: (r) => r.method === 'DELETE' });
    const failure = await h.fast('setup_network').then(
      () => undefined,
      (error: unknown) => error,
    );
    // The delete itself failed, after the client's retries; nothing before it did.
    expect(failure).toMatchObject({ statusCode: 500, message: 'Injected fault InternalServerError.' });
    expect(h.arm.requests.filter((r) => r.method === 'DELETE').length).toBeGreaterThan(0);
    const doc = await h.state();
    for (const phase of CORE) expect(doc.phases[phase]?.status).toBe('completed');
    expect(h.arm.resources({ type: VM_TYPE })).toHaveLength(
      THREE_PLUS_TWO.controllers + THREE_PLUS_TWO.workers,
    );
  });
});
