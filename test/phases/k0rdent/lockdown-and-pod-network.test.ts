/**
 * SSH lockdown and the pod-network check, through the engine against the fake ARM server (which
 * evaluates the NSG's inbound rules for every VM) and the shims (whose ssh times out at a public
 * address the NSG closes, and whose pods reach each other only where the CNI carries traffic).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createClients } from '../../support/fake-arm/clients.js';
import { decisions, RG, startHarness, THREE_PLUS_TWO, type Harness } from './harness.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.stop();
});

const NSG = 'k0rdent-scenario-nsg';
const ONE_PLUS_ONE = { controllers: 1, workers: 1 };
const WINDOW = 'AllowSSHWhileCreatingVMs';

function rules(): Record<string, unknown>[] {
  return h.arm
    .resources({ type: 'Microsoft.Network/networkSecurityGroups/securityRules', resourceGroup: RG })
    .map((r) => ({ name: r.name, ...(r.body.properties as Record<string, unknown>) }));
}

const ruleNames = () => rules().map((r) => r.name);

/** Requests for the window rule, as `METHOD status`. */
function windowRequests(): string[] {
  return h.arm.requests
    .filter((r) => r.path.toLowerCase().endsWith(`/securityrules/${WINDOW.toLowerCase()}`))
    .filter((r) => r.method === 'PUT' || r.method === 'DELETE')
    .map((r) => r.method);
}

/** What `ssh` answers from this machine at a VM's address (the deployment's options, a fixed command). */
function sshTo(address: string): string {
  try {
    execFileSync(
      'ssh',
      [
        '-o',
        'StrictHostKeyChecking=accept-new',
        '-o',
        `UserKnownHostsFile=${join(h.stateDir, 'ssh', 'known_hosts')}`,
        `k0rdent@${address}`,
        'cloud-init status',
      ],
      { env: { ...process.env, ...h.shims.env }, stdio: 'pipe' },
    );
    return 'answered';
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

describe('SSH lockdown', () => {
  test('on by default: SSH is open only while create_vms awaits cloud-init; a second run calls it true, not drift', async () => {
    const opened: unknown[] = [];
    h.arm.onChange(() => {
      const window = rules().find((r) => r.name === WINDOW);
      if (window && opened.length === 0) opened.push(window);
    });
    const summary = await h.run({ topology: ONE_PLUS_ONE });
    expect(summary.failed).toBeUndefined();
    expect(ruleNames()).toEqual(['AllowWireGuard']);
    expect(h.arm.machines().map((m) => m.sshFromInternet)).toEqual([false, false]);
    // The window opened to exactly the VMs' private addresses, and closed.
    expect(windowRequests()).toEqual(['PUT', 'DELETE']);
    // While open, it reached exactly the two VMs' private addresses, from anywhere.
    expect(opened).toEqual([
      expect.objectContaining({
        protocol: 'Tcp',
        destinationPortRange: '22',
        sourceAddressPrefix: '*',
        destinationAddressPrefixes: h.arm
          .machines()
          .map((m) => m.privateIp)
          .sort(),
      }),
    ]);
    expect(h.infos.join('\n')).toContain(`SSH open to 2 VM(s) (rule ${WINDOW})`);
    // Locked down for real: SSH at a public address goes nowhere, through the tunnel it answers.
    const [machine] = h.arm.machines();
    expect(sshTo(machine?.publicIp ?? '')).toMatch(/Connection timed out/);
    expect(sshTo('192.168.100.11')).toBe('answered');
    // The kubeconfig came through the tunnel.
    const fetches = h.shims.calls('ssh').filter((c) => c.args.at(-1)?.includes('admin.conf'));
    expect(fetches.map((c) => c.args.at(-2))).toEqual(['k0rdent@192.168.100.11']);

    const again = await h.run({ topology: ONE_PLUS_ONE });
    expect(again.failed).toBeUndefined();
    expect(decisions(again).setup_network).toBe('skip');
    expect(again.outcomes.find((o) => o.phase === 'setup_network')?.reason).toMatch(
      /no SSH from the internet/,
    );
    expect(windowRequests()).toEqual(['PUT', 'DELETE']);
  });

  test('an SSH rule added outside is drift: setup_network runs again and its PUT removes it', async () => {
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();
    const { network } = createClients(h.arm);
    await network.securityRules.createOrUpdate(
      RG,
      NSG,
      'OpenSSHFromPortal',
      {
        protocol: 'Tcp',
        sourcePortRange: '*',
        destinationPortRanges: ['22', '443'],
        sourceAddressPrefix: 'Internet',
        destinationAddressPrefix: '*',
        access: 'Allow',
        priority: 300,
        direction: 'Inbound',
      },
      h.arm.pollOptions,
    );
    expect(h.arm.machines().every((m) => m.sshFromInternet)).toBe(true);

    const summary = await h.run({ topology: ONE_PLUS_ONE });
    expect(summary.failed).toBeUndefined();
    expect(summary.outcomes.find((o) => o.phase === 'setup_network')?.reason).toMatch(
      /lets the internet reach SSH \(rule OpenSSHFromPortal\) although ssh.lockdown is true/,
    );
    expect(ruleNames()).toEqual(['AllowWireGuard']);
    expect(h.arm.machines().map((m) => m.sshFromInternet)).toEqual([false, false]);
  });

  test('ssh.lockdown: false keeps AllowSSH from anywhere, as before, and opens no window', async () => {
    const summary = await h.run({ topology: ONE_PLUS_ONE, overrides: { ssh: { lockdown: false } } });
    expect(summary.failed).toBeUndefined();
    expect(rules()).toEqual([
      expect.objectContaining({ name: 'AllowSSH', destinationPortRange: '22', sourceAddressPrefix: '*' }),
      expect.objectContaining({ name: 'AllowWireGuard', protocol: 'Udp' }),
    ]);
    expect(h.arm.machines().map((m) => m.sshFromInternet)).toEqual([true, true]);
    expect(windowRequests()).toEqual([]);

    // Turning it on later re-runs setup_network (an input of it), which closes SSH.
    const locked = await h.run({ topology: ONE_PLUS_ONE });
    expect(locked.failed).toBeUndefined();
    expect(locked.outcomes.find((o) => o.phase === 'setup_network')?.reason).toMatch(/ssh\.lockdown/);
    expect(ruleNames()).toEqual(['AllowWireGuard']);
  });

  test('a worker added later: create_vms opens the window to the new VM too, and closes it', async () => {
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();
    h.shims.clearCalls();
    const grown = await h.run({ topology: { controllers: 1, workers: 2 } });
    expect(grown.failed).toBeUndefined();
    const added = h.arm.machines().find((m) => m.name === 'k0s-worker-2');
    expect(added?.sshFromInternet).toBe(false);
    const checked = h.shims
      .calls('ssh')
      .filter((c) => c.args.at(-1) === 'cloud-init status')
      .map((c) => c.args.at(-2));
    expect(checked).toContain(`k0rdent@${added?.publicIp ?? '?'}`);
    expect(windowRequests()).toEqual(['PUT', 'DELETE', 'PUT', 'DELETE']);
    expect(ruleNames()).toEqual(['AllowWireGuard']);
    expect(h.shims.world().cluster?.nodes).toEqual(['k0s-controller', 'k0s-worker-1', 'k0s-worker-2']);
  });
});

describe('pod network', () => {
  test('healthy: pods on the workers only (controllers run no kubelet) reach each other, and are cleaned up', async () => {
    const summary = await h.run({ topology: THREE_PLUS_TWO });
    expect(summary.failed).toBeUndefined();
    const pinged = h.shims
      .calls('kubectl')
      .filter((c) => c.args.includes('exec'))
      .map((c) => c.args[c.args.indexOf('--') - 1]);
    expect(pinged.sort()).toEqual(['netcheck-k0s-worker-1', 'netcheck-k0s-worker-2']);
    expect(h.infos.join('\n')).toContain(
      'pods reach each other across all 2 nodes (k0s-worker-1→k0s-worker-2, k0s-worker-2→k0s-worker-1)',
    );
    expect(Object.keys(h.shims.world().pods ?? {})).toEqual([]);

    const again = await h.run({ topology: THREE_PLUS_TWO });
    expect(decisions(again).install_k0s).toBe('skip');
    expect(again.outcomes.find((o) => o.phase === 'install_k0s')?.reason).toMatch(
      /pods reach each other across all 2 nodes/,
    );
  });

  test('broken between nodes: validate fails naming it, the re-run fails classified; repaired, the next run passes', async () => {
    expect((await h.run({ topology: ONE_PLUS_ONE })).failed).toBeUndefined();
    h.shims.updateWorld((world) => {
      world.cniBroken = ['k0s-worker-1'];
    });
    const broken = await h.run({ topology: ONE_PLUS_ONE });
    const outcome = broken.outcomes.find((o) => o.phase === 'install_k0s');
    expect(outcome?.reason).toMatch(
      /validation failed: pod network broken across nodes: the pod on k0s-controller cannot reach the pod on k0s-worker-1 \(10\.244\.\d+\.\d+\): 2 packets transmitted, 0 packets received, 100% packet loss/,
    );
    expect(broken.failed?.phase).toBe('install_k0s');
    expect(broken.failed?.error.message).toMatch(
      /^pod network broken across nodes: the pod on k0s-controller/,
    );
    expect(broken.failed?.error.class).toBe('transient');
    expect(Object.keys(h.shims.world().pods ?? {})).toEqual([]);

    h.shims.updateWorld((world) => {
      world.cniBroken = [];
    });
    const repaired = await h.run({ topology: ONE_PLUS_ONE });
    expect(repaired.failed).toBeUndefined();
    expect(decisions(repaired).install_k0s).toBe('run');
  });

  test('the probe image is configurable: with Docker Hub out of reach the check fails naming the image; a mirror passes; a change is not an input', async () => {
    h.shims.updateWorld((world) => {
      world.unreachableRegistries = ['docker.io'];
    });
    const blocked = await h.run({ topology: ONE_PLUS_ONE });
    expect(blocked.failed?.phase).toBe('install_k0s');
    expect(blocked.failed?.error.message).toMatch(
      /pods not Ready within \d+ s \(k0s-controller: ImagePullBackOff: Back-off pulling image "busybox:1\.36\.1"; .*a node that cannot pull busybox:1\.36\.1 \(software\.pod_network_probe\.image\)/,
    );

    const mirror = (image: string) => ({ software: { pod_network_probe: { image } } });
    const mirrored = await h.run({
      topology: ONE_PLUS_ONE,
      overrides: mirror('mirror.example.com/library/busybox:1.36.1'),
    });
    expect(mirrored.failed).toBeUndefined();
    expect(decisions(mirrored).install_k0s).toBe('run');

    // Another image is not an input of install_k0s (nothing it builds changes): the next validate
    // simply probes with it, and here finds it cannot be pulled either.
    h.shims.updateWorld((world) => {
      world.unreachableRegistries = ['docker.io', 'other.example.com'];
    });
    const other = await h.run({
      topology: ONE_PLUS_ONE,
      overrides: mirror('other.example.com/busybox@sha256:' + 'a'.repeat(64)),
    });
    const outcome = other.outcomes.find((o) => o.phase === 'install_k0s');
    expect(outcome?.reason).toMatch(
      /^validation failed: .*cannot pull other\.example\.com\/busybox@sha256:a+/,
    );
    expect(outcome?.reason).not.toMatch(/inputs changed/);
  });
});
