/**
 * The product's main use, end to end: the shipped deploy.yml and rollback.yml run job by job with
 * the built-in k0rdent phases and a user's config of 3 controllers and 2 workers, against the fake
 * ARM (HTTPS, OIDC login through Entra), the real tool installer and recording shims for the tools.
 * One deployment's life, in order: a failed attempt and its re-run, a change of worker count, a
 * dry-run rollback, a destroying rollback and the rebuild after it, and the fast uninstall.
 */
import type { AttemptRun, JobRun } from './support/harness.js';
import { startBuiltInWorld, type BuiltInWorld } from './support/built-in.js';

let world: BuiltInWorld;

beforeAll(async () => {
  world = await startBuiltInWorld();
});

afterAll(async () => {
  await world.stop();
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

function job(run: AttemptRun, id: string): JobRun {
  const found = run.jobs.get(id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

interface PhaseStep {
  readonly outcome: string;
  readonly ran?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly log: string;
}

/** What the step that ran `phase` in a job did: its outcome, outputs and log. */
function step(run: JobRun, phase: string): PhaseStep {
  const found = run.steps.find((s) => s.id === phase);
  if (!found) throw new Error(`job ${run.id} has no step ${phase}`);
  return {
    outcome: found.outcome,
    ...found.outputs,
    log: `${found.result?.stdout ?? ''}${found.result?.stderr ?? ''}`,
  };
}

interface StatusJson {
  deployment_id: string;
  phases: Record<string, { status: string; attempts: number }>;
}

function status(run: JobRun): StatusJson {
  const found = run.steps.find((s) => s.uses === './actions/status');
  return JSON.parse(found?.outputs.state ?? '{}') as StatusJson;
}

const SCENARIO_MS = 300_000;

test(
  'attempt 1 fails inside install_k0s; "Re-run failed jobs" on a fresh runner skips what is done after checking it, reconnects the VPN and resumes',
  async () => {
    world.shims.failNext('k0sctl', 'apply', {
      stderr: 'level=fatal msg="apply failed: ssh: handshake failed"',
    });
    const first = await world.deploy(1001);
    const deploy = job(first, 'deploy');
    expect(deploy.result).toBe('failure');
    for (const phase of CORE.slice(0, 5)) {
      const s = step(deploy, phase);
      expect([phase, s.status, s.status === 'completed' ? '' : s.log]).toEqual([phase, 'completed', '']);
    }
    expect(step(deploy, 'install_k0s')).toMatchObject({ outcome: 'failure', status: 'failed' });
    expect(step(deploy, 'install_k0rdent').outcome).toBe('skipped');
    expect(job(first, 'addons').result).toBe('skipped');
    const id = deploy.steps.find((s) => s.id === 'prepare_deployment')?.outputs['deployment-id'] ?? '';
    expect(id).toMatch(/^k0rdent-[a-z0-9]{8}$/);
    // Every VM was created once, in its zone, through the federated login.
    expect(world.vmPuts()).toEqual(Object.fromEntries(HOSTS.map((h) => [h, 1])));
    expect(world.arm.requests.filter((r) => r.status === 401)).toEqual([]);
    const keysBefore = status(deploy);

    const second = await world.deploy(1001, { rerun: { previous: first, mode: 'failed' } });
    const again = job(second, 'deploy');
    expect(again).toMatchObject({ ran: true, result: 'success' });
    for (const phase of CORE.slice(0, 4)) {
      const s = step(again, phase);
      expect([phase, s.ran]).toEqual([phase, 'false']);
      expect(s.reason).toMatch(/^completed and still true: /);
    }
    // The tunnel lived on attempt 1's runner: here it is checked, found down, and brought up.
    expect(step(again, 'connect_vpn')).toMatchObject({ ran: 'true', status: 'completed' });
    expect(step(again, 'connect_vpn').reason).toMatch(/^validation failed/);
    expect(step(again, 'install_k0s')).toMatchObject({ ran: 'true', status: 'completed' });
    expect(step(again, 'install_k0s').reason).toMatch(/^failed before in run 1001 attempt 1/);
    expect(step(again, 'install_k0rdent')).toMatchObject({ ran: 'true', status: 'completed' });
    expect(job(second, 'addons').result).toBe('success');

    // No VM created twice, no key made again.
    expect(world.vmPuts()).toEqual(Object.fromEntries(HOSTS.map((h) => [h, 1])));
    // SSH locked down (ssh.lockdown's default): no VM answers SSH from the internet.
    expect(world.arm.machines().filter((m) => m.sshFromInternet)).toEqual([]);
    const final = status(job(second, 'addons'));
    expect(final.deployment_id).toBe(id);
    for (const phase of CORE) expect([phase, final.phases[phase]?.status]).toEqual([phase, 'completed']);
    expect(final.phases.install_k0s?.attempts).toBe(2);
    expect(final.phases.create_vms?.attempts).toBe(1);
    expect(keysBefore.deployment_id).toBe(id);

    // The job summary of the deploy job has the table and the graph of the phases.
    const summary = again.steps.find((s) => s.uses === './actions/status')?.result?.summary ?? '';
    expect(summary).toContain('| Phase | Status | Decision | Reason |');
    expect(summary).toContain('```mermaid');
    expect(summary).toContain('✅ install_k0rdent');
    // The tools came from their release server once per runner; the Actions cache served the rest.
    expect(world.downloads.filter((d) => d.includes('k0sctl')).length).toBeGreaterThanOrEqual(1);
  },
  SCENARIO_MS,
);

/** The cloud-init each VM booted with, as ARM holds it: the host's WireGuard key is inside. */
function customData(): Record<string, string> {
  return Object.fromEntries(
    world.arm
      .resources({ type: 'Microsoft.Compute/virtualMachines' })
      .map((vm) => [
        vm.name,
        String(
          (vm.body as { properties?: { osProfile?: { customData?: string } } }).properties?.osProfile
            ?.customData,
        ),
      ]),
  );
}

function mutations(since: number): string[] {
  return world.arm.requests
    .slice(since)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}`);
}

test(
  'a later run with the worker count 2 → 3 runs create_vms and what depends on it, nothing else',
  async () => {
    const before = customData();
    const run = await world.deploy(1002, { topology: { controllers: 3, workers: 3 } });
    const deploy = job(run, 'deploy');
    expect(deploy.result).toBe('success');
    for (const phase of ['prepare_deployment', 'setup_network']) {
      expect([phase, step(deploy, phase).ran]).toEqual([phase, 'false']);
      expect(step(deploy, phase).reason).toMatch(/^completed and still true/);
    }
    expect(step(deploy, 'create_vms').reason).toBe(
      'inputs changed since it completed: cluster.workers.count',
    );
    for (const phase of ['create_vms', 'setup_vpn', 'connect_vpn', 'install_k0s', 'install_k0rdent'])
      expect([phase, step(deploy, phase).ran]).toEqual([phase, 'true']);
    // Only the new worker's VM is created; the others boot with what they had.
    expect(world.vmPuts()).toEqual({ ...Object.fromEntries(HOSTS.map((h) => [h, 1])), 'k0s-worker-3': 1 });
    const after = customData();
    for (const host of HOSTS) expect([host, after[host]]).toEqual([host, before[host]]);
    expect(after['k0s-worker-3']).toBeDefined();
    expect(job(run, 'addons').result).toBe('success');
  },
  SCENARIO_MS,
);

test(
  'a dispatch with kof: true runs the optional phases in the add-ons job without a change to the config: a principal is created, KOF installed, the regional cluster Ready',
  async () => {
    const topology = { controllers: 3, workers: 3 };
    const run = await world.deploy(1010, { topology, inputs: { kof: true } });
    const deploy = job(run, 'deploy');
    expect(deploy.result).toBe('success');
    // The core phases are checked and skipped (the tunnel, on this new runner, is brought up again).
    for (const phase of CORE.filter((p) => p !== 'connect_vpn'))
      expect([phase, step(deploy, phase).ran]).toEqual([phase, 'false']);
    const addons = job(run, 'addons');
    const failed = addons.steps
      .filter((s) => s.outcome === 'failure')
      .map((s) => `${s.name}: ${`${s.result?.stdout ?? ''}${s.result?.stderr ?? ''}`.slice(-3000)}`);
    expect(failed).toEqual([]);
    expect(addons.result).toBe('success');
    for (const phase of [
      'setup_azure_children',
      'install_azure_csi',
      'install_kof_mothership',
      'install_kof_regional',
    ]) {
      const s = step(addons, phase);
      expect([phase, s.ran, s.status, s.status === 'completed' ? '' : s.log]).toEqual([
        phase,
        'true',
        'completed',
        '',
      ]);
    }
    // KOF brought the child-cluster credentials along, and the step said so.
    expect(step(addons, 'setup_azure_children').log).toMatch(
      /notice: setup_azure_children is switched on because install_kof_\w+, which needs it, is on/,
    );
    // The principal through Microsoft Graph with the federated login, its role through ARM.
    const apps = [...world.arm.directory.applications.values()];
    expect(apps).toHaveLength(1);
    expect(world.arm.roleAssignments()).toHaveLength(1);
    expect(world.arm.graph.requests.filter((r) => r.status === 401)).toEqual([]);
    const suffix = status(addons).deployment_id.replace(/^k0rdent-/, '');
    expect(
      world.shims.world().objects?.[`ClusterDeployment/kcm-system/kof-regional-${suffix}-eastus`],
    ).toMatchObject({
      status: {
        conditions: expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]),
      },
    });
    // The client secret reached the log only as the runner's mask command, never in the clear.
    const secret = apps[0]?.passwords[0]?.secretText ?? '';
    expect(secret).not.toBe('');
    const logs = [...deploy.steps, ...addons.steps].map(
      (s) => `${s.result?.stdout ?? ''}${s.result?.stderr ?? ''}`,
    );
    expect(logs.join('\n')).toContain(`::add-mask::${secret}`);
    for (const log of logs)
      expect(
        log
          .split('\n')
          .filter((line) => !line.startsWith('::add-mask::'))
          .join('\n'),
      ).not.toContain(secret);
  },
  SCENARIO_MS,
);

test(
  'a rollback dispatch with dry-run: true changes nothing, in the state or in Azure; so does one with every default',
  async () => {
    const topology = { controllers: 3, workers: 3 };
    const resources = JSON.stringify(world.arm.resources());
    const requestsBefore = world.arm.requests.length;
    const artifactsBefore = world.gh.artifacts({ statuses: ['finalized'] }).map((a) => a.id);
    // What a newcomer's first dispatch does: to install_k0rdent, no destroy, dry run.
    const defaults = await world.rollback(1103, {}, topology);
    const plan = job(defaults, 'rollback');
    expect(plan.result).toBe('success');
    expect(JSON.parse(plan.steps.find((s) => s.id === 'rollback')?.outputs['rolled-back'] ?? '[]')).toEqual([
      'install_kof_regional',
      'install_kof_mothership',
      'install_azure_csi',
      'setup_azure_children',
      'install_k0rdent',
    ]);
    expect(world.gh.artifacts({ runId: 1103 })).toEqual([]);
    const run = await world.rollback(1003, { to: 'create_vms', destroy: true, 'dry-run': true }, topology);
    const rb = job(run, 'rollback');
    expect(rb.result).toBe('success');
    // The optional phases need what is rolled back too: skipped here, they are only reset.
    expect(JSON.parse(rb.steps.find((s) => s.id === 'rollback')?.outputs['rolled-back'] ?? '[]')).toEqual([
      'install_kof_regional',
      'install_kof_mothership',
      'install_azure_csi',
      'setup_azure_children',
      'install_k0rdent',
      'install_k0s',
      'connect_vpn',
      'setup_vpn',
      'create_vms',
    ]);
    expect(mutations(requestsBefore)).toEqual([]);
    expect(JSON.stringify(world.arm.resources())).toBe(resources);
    // No state was written: the same snapshots, none added.
    expect(world.gh.artifacts({ statuses: ['finalized'] }).map((a) => a.id)).toEqual(artifactsBefore);
    expect(world.gh.artifacts({ runId: 1003 })).toEqual([]);
  },
  SCENARIO_MS,
);

test(
  'a rollback dispatch to create_vms with destroy: true removes the VMs and resets only the later phases; the next deploy rebuilds from create_vms with the same keys',
  async () => {
    const topology = { controllers: 3, workers: 3 };
    const before = customData();
    const run = await world.rollback(1004, { to: 'create_vms', destroy: true, 'dry-run': false }, topology);
    const rb = job(run, 'rollback');
    expect(rb.result).toBe('success');
    expect(world.arm.resources({ type: 'Microsoft.Compute/virtualMachines' })).toEqual([]);
    expect(world.arm.resources({ type: 'Microsoft.Network/networkInterfaces' })).toEqual([]);
    expect(world.arm.resources({ type: 'Microsoft.Network/virtualNetworks' })).toHaveLength(1);
    const after = status(rb);
    expect(after.phases.prepare_deployment?.status).toBe('completed');
    expect(after.phases.setup_network?.status).toBe('completed');
    for (const phase of CORE.slice(2))
      expect([phase, after.phases[phase]?.status]).toEqual([phase, 'pending']);
    // KOF and the child-cluster credentials were undone too: no principal, no role assignment.
    expect(world.arm.directory.applications.size).toBe(0);
    expect(world.arm.roleAssignments()).toEqual([]);
    // The undo steps ran against the cluster over the tunnel, newest first.
    const calls = world.shims.calls().map((c) => `${c.tool} ${c.args[0] ?? ''}`);
    expect(calls.lastIndexOf('k0sctl reset')).toBeGreaterThan(calls.lastIndexOf('helm uninstall'));

    const rebuilt = await world.deploy(1005, { topology });
    const deploy = job(rebuilt, 'deploy');
    expect(deploy.result).toBe('success');
    for (const phase of ['prepare_deployment', 'setup_network'])
      expect([phase, step(deploy, phase).ran]).toEqual([phase, 'false']);
    expect(step(deploy, 'create_vms').ran).toBe('true');
    // The same keys: every VM boots with the cloud-init it had before.
    expect(customData()).toEqual(before);
  },
  SCENARIO_MS,
);

test(
  'a full uninstall with fast: true deletes the resource group and resets every phase',
  async () => {
    const topology = { controllers: 3, workers: 3 };
    const run = await world.rollback(
      1006,
      { to: 'prepare_deployment', fast: true, 'dry-run': false },
      topology,
    );
    const rb = job(run, 'rollback');
    expect(rb.result).toBe('success');
    // No tunnel is needed to delete a resource group.
    expect(rb.steps.filter((s) => s.outcome === 'skipped').map((s) => s.name)).toEqual([
      'Install WireGuard',
      'Connect the VPN for the undo steps',
    ]);
    expect(world.arm.resources()).toEqual([]);
    const after = status(rb);
    for (const phase of CORE) expect([phase, after.phases[phase]?.status]).toEqual([phase, 'pending']);
  },
  SCENARIO_MS,
);
