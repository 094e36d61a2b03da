/**
 * The built-in phases against stand-ins as strict as the systems they stand for (issue 10): Azure's
 * SKU capabilities, image generations, power states and name limits (the fake ARM server), and k0s,
 * k0sctl, WireGuard and k0rdent as they behave (the shims: controllers are not nodes, roles do not
 * change, a replaced controller's etcd member blocks its return, handshakes take their time, k0rdent's
 * finalizers need its controller). Each scenario failed before the change that made it pass.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { decisions, RG, startHarness, VM_TYPE, type Harness } from './harness.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.stop();
});

const ONE_PLUS_ONE = { controllers: 1, workers: 1 };

function writes(): string[] {
  return h.arm.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
}

function k0sctlHosts(): { hostname: string; role: string; noTaints?: boolean }[] {
  const text = readFileSync(join(h.stateDir, 'k0sctl', 'k0sctl.yaml'), 'utf8');
  return (load(text) as { spec: { hosts: { hostname: string; role: string; noTaints?: boolean }[] } }).spec
    .hosts;
}

function privateIp(host: string): string | undefined {
  return h.arm.machines().find((m) => m.name === host)?.privateIp;
}

describe('what Azure refuses, refused before anything is created', () => {
  test('Spot on a B-series size, an Arm64 size with an x64 image, a Gen1-only size with a Gen2 image', async () => {
    const cases = [
      {
        overrides: { azure: { vm_priority: 'Spot' } },
        message: /vm_sizing\.(controller|worker)\.size: Standard_B2s does not support Azure Spot/,
      },
      {
        overrides: { vm_sizing: { worker: { size: 'Standard_D2ps_v5' } } },
        message:
          /vm_sizing\.worker\.size: Standard_D2ps_v5 is an Arm64 size, but azure\.vm_image Debian:debian-12:12-gen2:latest is an x64 image/,
      },
      {
        overrides: { vm_sizing: { controller: { size: 'Standard_A2_v2' } } },
        message:
          /vm_sizing\.controller\.size: Standard_A2_v2 boots Hyper-V generation V1 images only.*generation V2 image/,
      },
    ];
    for (const { overrides, message } of cases) {
      const summary = await h.run({ topology: ONE_PLUS_ONE, overrides });
      expect(summary.failed?.phase).toBe('setup_network');
      expect(summary.failed?.error.class).toBe('config');
      expect(summary.failed?.error.message).toMatch(message);
      expect(h.arm.resources()).toEqual([]);
    }

    // A deployment that exists: a size changed to one the image cannot boot creates no VM either.
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();
    h.arm.clearRequests();
    const changed = await h.run({
      topology: { controllers: 1, workers: 2 },
      overrides: { vm_sizing: { worker: { size: 'Standard_D2ps_v5' } } },
    });
    expect(changed.failed?.error.class).toBe('config');
    expect(changed.failed?.error.message).toMatch(/Standard_D2ps_v5 is an Arm64 size/);
    expect(h.vmPuts().size).toBe(0);
    expect(h.arm.resources({ type: 'Microsoft.Network/publicIPAddresses' })).toHaveLength(2);
    expect(h.arm.resources({ type: VM_TYPE }).map((r) => r.name)).toEqual(['k0s-controller', 'k0s-worker-1']);
  });

  test('a pinned id whose derived names exceed Azure limits is refused before any request', async () => {
    const long = `k0rdent-${'a'.repeat(52)}`; // 60 characters: <id>-vnet would be 65
    await expect((async () => h.run({ topology: ONE_PLUS_ONE, id: long }))()).rejects.toThrow(
      /virtual network name .*-vnet is 65 characters; Azure allows 64.*at most 59 characters/,
    );
    expect(h.arm.requests).toEqual([]);
    // 59 characters fit every name.
    const fits = `k0rdent-${'a'.repeat(51)}`;
    await h.run({ topology: ONE_PLUS_ONE, id: fits, only: 'prepare_deployment' });
    const summary = await h.run({ topology: ONE_PLUS_ONE, id: fits, only: 'setup_network' });
    expect(summary.failed).toBeUndefined();
    expect(h.arm.resources({ type: 'Microsoft.Network/virtualNetworks' }).map((r) => r.name)).toEqual([
      `${fits}-vnet`,
    ]);
  });
});

describe('power state', () => {
  test('an evicted Spot VM (deallocated) fails create_vms validation, and the run starts it again', async () => {
    const spot = {
      azure: { vm_priority: 'Spot', eviction_policy: 'Deallocate' },
      vm_sizing: { controller: { size: 'Standard_D2s_v5' }, worker: { size: 'Standard_D2s_v5' } },
    };
    expect((await h.run({ topology: ONE_PLUS_ONE, overrides: spot })).failed).toBeUndefined();
    h.arm.faults.evictVm('k0s-worker-1', RG);
    expect(h.arm.machines().find((m) => m.name === 'k0s-worker-1')?.powerState).toBe('deallocated');
    h.arm.clearRequests();

    const summary = await h.run({ topology: ONE_PLUS_ONE, overrides: spot });
    expect(summary.failed).toBeUndefined();
    expect(decisions(summary)).toMatchObject({ create_vms: 'run', connect_vpn: 'run', install_k0s: 'run' });
    expect(writes()).toContainEqual(expect.stringMatching(/^POST .*\/virtualmachines\/k0s-worker-1\/start$/));
    expect(h.vmPuts().size).toBe(0);
    expect(h.arm.machines().map((m) => m.powerState)).toEqual(['running', 'running']);
    expect(h.infos.join('\n')).toMatch(
      /k0s-worker-1 is deallocated \(a Spot eviction, or stopped in the portal\): starting it/,
    );
  });
});

describe('k0s topology', () => {
  test('3 controllers and no workers: controller+worker with noTaints, so k0rdent has nodes to run on', async () => {
    const summary = await h.run({ topology: { controllers: 3, workers: 0 } });
    expect(summary.failed).toBeUndefined();
    expect(k0sctlHosts().map((x) => [x.hostname, x.role, x.noTaints])).toEqual([
      ['k0s-controller', 'controller+worker', true],
      ['k0s-controller-2', 'controller+worker', true],
      ['k0s-controller-3', 'controller+worker', true],
    ]);
    const cluster = h.shims.world().cluster;
    expect(cluster?.nodes).toEqual(['k0s-controller', 'k0s-controller-2', 'k0s-controller-3']);
    expect(Object.values(cluster?.taints ?? {}).flat()).toEqual([]);
    expect(h.shims.world().releases).toHaveProperty('kcm');
  });

  test('a controller VM created again: its old etcd member leaves before k0sctl joins it, with its new host key', async () => {
    const topology = { controllers: 3, workers: 1 };
    expect((await h.run({ topology })).failed).toBeUndefined();
    const oldIp = privateIp('k0s-controller-2');
    const oldMachine = h.shims.world().cluster?.hosts['k0s-controller-2']?.machine;
    expect(h.arm.faults.deleteOutsideByName(VM_TYPE, 'k0s-controller-2', RG)).toBe(1);
    h.shims.clearCalls();

    const summary = await h.run({ topology });
    expect(summary.failed).toBeUndefined();
    const ssh = h.shims.calls('ssh').map((c) => c.args.join(' '));
    expect(ssh).toContainEqual(
      expect.stringMatching(
        new RegExp(`@192\\.168\\.100\\.11 sudo -n k0s etcd leave --peer-address ${oldIp}$`),
      ),
    );
    const cluster = h.shims.world().cluster;
    expect(cluster?.hosts['k0s-controller-2']?.machine).not.toBe(oldMachine);
    expect(Object.keys(cluster?.etcd ?? {}).sort()).toEqual([
      'k0s-controller',
      'k0s-controller-2',
      'k0s-controller-3',
    ]);
    expect(h.infos.join('\n')).toMatch(/k0s-controller-2 was created again: removing its old etcd member/);
    // k0sctl trusted the deployment's own known_hosts file, where the new key replaced the old one.
    expect(existsSync(join(h.dir, '.ssh', 'known_hosts'))).toBe(false);
    const known = readFileSync(join(h.stateDir, 'ssh', 'known_hosts'), 'utf8')
      .trim()
      .split('\n');
    const names = known.map((line) => line.split(' ')[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('192.168.100.12');
  });

  // Five runs of up to four hosts each: more than the default budget on a busy machine.
  test('1 → 3 controllers keeps the first host a controller+worker; workers to 0 is refused; 3 → 1 leaves etcd first', async () => {
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();

    // Growing: k0s cannot turn the running controller+worker into a controller, so it stays one.
    const grown = await h.run({ topology: { controllers: 3, workers: 1 } });
    expect(grown.failed).toBeUndefined();
    expect(k0sctlHosts().map((x) => [x.hostname, x.role])).toEqual([
      ['k0s-controller', 'controller+worker'],
      ['k0s-controller-2', 'controller'],
      ['k0s-controller-3', 'controller'],
      ['k0s-worker-1', 'worker'],
    ]);
    expect(h.infos.join('\n')).toMatch(
      /k0s-controller keeps running as controller\+worker \(a new cluster would make it controller\)/,
    );
    expect(Object.keys(h.shims.world().cluster?.etcd ?? {})).toHaveLength(3);

    // No workers left: nothing could run workloads without a role change, so nothing is touched.
    h.arm.clearRequests();
    h.shims.clearCalls();
    const refused = await h.run({ topology: { controllers: 3, workers: 0 } });
    expect(refused.failed?.phase).toBe('create_vms');
    expect(refused.failed?.error.class).toBe('config');
    expect(refused.failed?.error.message).toMatch(
      /cluster\.workers\.count 0 leaves no host that can run workloads: k0s-controller registered with the control-plane NoSchedule taint.*k0s-controller-2 runs k0s as controller \(no kubelet\).*Keep at least one worker, or rebuild the cluster .*rollback --to install_k0s/,
    );
    expect(writes()).toEqual([]);
    expect(h.shims.calls()).toEqual([]);

    // Shrinking: the two controllers leave the cluster (k0sctl reset) before their VMs go, so etcd keeps
    // its quorum.
    const shrunk = await h.run({ topology: ONE_PLUS_ONE });
    expect(shrunk.failed).toBeUndefined();
    const removal = h.shims.calls('k0sctl').find((c) => c.args.some((a) => a.endsWith('k0sctl-remove.yaml')));
    expect(removal?.args[0]).toBe('apply');
    const cluster = h.shims.world().cluster;
    expect(Object.keys(cluster?.etcd ?? {})).toEqual(['k0s-controller']);
    expect(Object.keys(cluster?.hosts ?? {}).sort()).toEqual(['k0s-controller', 'k0s-worker-1']);
    expect(h.arm.resources({ type: VM_TYPE }).map((r) => r.name)).toEqual(['k0s-controller', 'k0s-worker-1']);
    expect(decisions(shrunk)).toMatchObject({ install_k0s: 'run', install_k0rdent: 'run' });
  }, 180_000);
});

describe('WireGuard', () => {
  test('two lost handshake initiations (the third gets through after 10 s) still connect within the default wait', async () => {
    h.shims.updateWorld((world) => {
      world.lostInitiations = 2;
    });
    const summary = await h.run({ topology: ONE_PLUS_ONE });
    expect(summary.failed).toBeUndefined();
    expect(decisions(summary)).toMatchObject({ connect_vpn: 'run' });
    // Polled until the handshakes came (virtual time), not satisfied by the first look.
    expect(h.shims.calls('wg').length).toBeGreaterThanOrEqual(3);
  });
});

describe('k0rdent uninstall', () => {
  test('ClusterDeployments, then the Management object, then the chart and its namespace: nothing is left stuck', async () => {
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();
    h.shims.updateWorld((world) => {
      if (world.k0rdent) world.k0rdent.clusterDeployments['kcm-system/azure-child'] = 'present';
    });
    h.shims.clearCalls();
    await h.rollback('install_k0rdent', { topology: ONE_PLUS_ONE });
    const calls = h.shims
      .calls()
      .filter((c) => c.tool === 'kubectl' || c.tool === 'helm')
      .map(
        (c) =>
          `${c.tool} ${c.args.filter((a) => !a.startsWith('-') && !a.includes('/') && !/^\d+s$/.test(a)).join(' ')}`,
      );
    expect(calls).toEqual([
      'kubectl delete clusterdeployments.k0rdent.mirantis.com',
      'kubectl delete managements.k0rdent.mirantis.com kcm',
      'helm uninstall kcm kcm-system',
      'kubectl delete namespace kcm-system',
    ]);
    expect(h.shims.world().k0rdent).toBeNull();
    expect(h.shims.world().releases).toEqual({});
    // And it installs again cleanly.
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();
    expect(h.shims.world().k0rdent).toEqual({ management: 'present', clusterDeployments: {} });
  });
});
