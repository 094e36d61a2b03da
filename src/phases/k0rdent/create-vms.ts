/**
 * create_vms: a public IP, a NIC and a VM per host, all hosts in parallel, once Azure has confirmed it
 * can run them (vm-offer.ts). A VM that ends Failed is deleted and created again (at most 3 tries); a VM
 * that exists and Succeeded is left alone — started if it was stopped or deallocated (a Spot eviction) —
 * so a re-run after an interruption or a VM deleted outside creates only what is missing. Hosts leaving
 * the configuration leave the k0s cluster before their VMs are deleted (k0s-cluster.ts). A VM created
 * again has a new host key: its old known_hosts entries go. Then every VM must answer SSH with
 * cloud-init done (at its public address: the only SSH that cannot go through WireGuard, inside a window
 * the lockdown opens for it, see ssh-access.ts): cloud-init runs `wg-quick@wg0` last and reports an error if it failed, and
 * connect_vpn proves the tunnel itself with a handshake.
 */
import type { AzureGateway, VmSummary } from '../../azure/gateway.js';
import { describeAzureError, isFailedOperation } from '../../azure/errors.js';
import { DEPLOYMENT_TAG, ownershipTags } from '../../azure/tags.js';
import { forgetAllHostKeys, forgetHostKeys } from '../../tools/known-hosts.js';
import { cloudInitStatus, type CloudInitCheck } from '../../tools/ssh.js';
import {
  PhaseConfigurationError,
  TransientPhaseError,
  type PhaseContext,
  type ValidationResult,
} from '../phase.js';
import { K0rdentPhase } from './base.js';
import { FACT, readK0sCluster, readPeers, readVmStates, writeFact, type VmState } from './facts.js';
import { readIfExists } from './files.js';
import { ensureHostMaterial } from './host-material.js';
import { removeFromCluster, replacedHosts } from './k0s-cluster.js';
import { topologyProblems } from './k0s-roles.js';
import { tool } from './phase-errors.js';
import { SSH_WINDOW_RULE, sshWindowRule } from './ssh-access.js';
import { plannedHosts, vmResourceNames, type HostPlan } from './topology.js';
import { checkVmOffer, parseImage } from './vm-offer.js';
import { ensureTunnel } from './vpn.js';

export const MAX_PROVISIONING_TRIES = 3;
const OS_DISK_GB = 64;
const IN_PROGRESS = new Set(['creating', 'updating', 'migrating', 'starting']);
/** Power states of a VM that exists but does not run: started again on run. */
const NOT_RUNNING = new Set(['stopped', 'stopping', 'deallocated', 'deallocating']);
const HOST_RESOURCE = /^k0s-(controller|worker)(-\d+)?-(nic|pip|osdisk)$/;

export class CreateVms extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const azure = await this.runtime.azure(context.signal);
    const rg = this.deployment.names.resourceGroup;
    const hosts = plannedHosts(this.config);
    const doc = context.state.read();
    const cluster = readK0sCluster(doc);
    // The first phase a topology edit runs: an edit k0s cannot follow stops here, before anything changes.
    const problems = topologyProblems(hosts, cluster);
    if (problems.length > 0) throw new PhaseConfigurationError(problems.join('; '));
    await checkVmOffer(azure, this.config, hosts);
    // Hosts a later config adds: their keys and cloud-init are made here (prepare_deployment made
    // those of the first run and keeps them).
    const added = await ensureHostMaterial(context, this.deployment, hosts);
    if (added.length > 0) context.output.info(`made WireGuard keys and cloud-init for ${added.join(', ')}`);
    const existing = await azure.listVms(rg);
    if (!existing)
      throw new PhaseConfigurationError(`resource group ${rg} does not exist: setup_network must run first`);
    const byName = new Map(existing.map((vm) => [vm.name.toLowerCase(), vm]));
    const sshPublicKey = (await readIfExists(this.layout.sshPublicKey().path))?.trim();
    if (!sshPublicKey)
      throw new PhaseConfigurationError('the SSH public key is missing: run prepare_deployment again');

    const outcomes = await Promise.all(
      hosts.map((host) =>
        this.ensureVm(context, azure, host, byName.get(host.name.toLowerCase()), sshPublicKey),
      ),
    );
    const created = hosts.filter((_, i) => outcomes[i] === 'created').map((h) => h.name);
    const started = hosts.filter((_, i) => outcomes[i] === 'started').map((h) => h.name);
    context.output.info(
      created.length === 0 && started.length === 0
        ? `all ${hosts.length} VM(s) exist, Succeeded and run`
        : [
            created.length > 0 ? `created ${created.join(', ')}` : '',
            started.length > 0 ? `started ${started.join(', ')}` : '',
            `${hosts.length - created.length - started.length} VM(s) kept`,
          ]
            .filter(Boolean)
            .join('; '),
    );

    const planned = new Set(hosts.map((h) => h.name.toLowerCase()));
    const extra = existing.filter(
      (vm) => !planned.has(vm.name.toLowerCase()) && vm.tags[DEPLOYMENT_TAG] === this.deployment.id,
    );
    if (extra.length > 0) {
      await this.leaveCluster(
        context,
        azure,
        extra.map((vm) => vm.name),
      );
      context.output.info(
        `removing VM(s) no longer in the configuration: ${extra.map((vm) => vm.name).join(', ')}`,
      );
      await Promise.all(extra.map((vm) => azure.deleteVm(rg, vm.name)));
      await this.sweep(azure, new Set(extra.map((vm) => vm.name.toLowerCase())));
    }

    const states = await this.observe(azure, hosts);
    await this.forgetRecreated(context, states, new Set(created));
    writeFact(context, FACT.vmStates, states);
    await this.withSshWindow(context, azure, states, () => this.awaitCloudInit(context, hosts, states));
  }

  /**
   * With `ssh.lockdown`, the one time SSH is open from the internet (ssh-access.ts): to the VMs being
   * checked, while cloud-init is awaited, and closed however the wait ends. A run killed inside the
   * window leaves it to the next create_vms, which replaces and closes it, and to setup_network's
   * validation, which calls it drift.
   */
  private async withSshWindow(
    context: PhaseContext,
    azure: AzureGateway,
    states: Readonly<Record<string, VmState>>,
    wait: () => Promise<void>,
  ): Promise<void> {
    const addresses = Object.values(states)
      .map((state) => state.private_ip)
      .filter((ip): ip is string => ip !== undefined);
    if (!this.config.ssh.lockdown || addresses.length === 0) return wait();
    const { resourceGroup, nsg } = this.deployment.names;
    const existing = (await azure.getNsg(resourceGroup, nsg))?.securityRules ?? [];
    await azure.ensureSecurityRule(resourceGroup, nsg, sshWindowRule(existing, addresses));
    context.output.info(
      `SSH open to ${addresses.length} VM(s) (rule ${SSH_WINDOW_RULE}) while cloud-init is awaited (ssh.lockdown)`,
    );
    let failure: Error | undefined;
    try {
      await wait();
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
    }
    try {
      await azure.deleteSecurityRule(resourceGroup, nsg, SSH_WINDOW_RULE);
      context.output.info(`SSH from the internet closed again (rule ${SSH_WINDOW_RULE} removed)`);
    } catch (error) {
      const message = `could not remove the SSH window rule ${SSH_WINDOW_RULE} from ${nsg}: ${(error as Error).message}`;
      // The wait's own failure says more; the next create_vms or setup_network closes the window.
      if (failure === undefined) throw new TransientPhaseError(`${message}; run again to close it`);
      context.output.warn(`${message}; the next run closes it`);
    }
    if (failure !== undefined) throw failure;
  }

  /**
   * Hosts of the k0s cluster among the VMs about to be deleted leave it first, or their etcd members
   * stay behind (two of three controllers gone loses quorum) and their nodes linger NotReady.
   */
  private async leaveCluster(context: PhaseContext, azure: AzureGateway, vmNames: readonly string[]) {
    const doc = context.state.read();
    const cluster = readK0sCluster(doc);
    if (!cluster) return;
    const leaving = vmNames.filter((name) => cluster.hosts[name] !== undefined);
    if (leaving.length === 0) return;
    const replaced = new Set(replacedHosts(cluster, readVmStates(doc)));
    const rg = this.deployment.names.resourceGroup;
    const status = await Promise.all(leaving.map((name) => azure.getVmStatus(rg, name)));
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    await ensureTunnel(this.deployment, options);
    await removeFromCluster(
      this.deployment,
      context,
      cluster,
      leaving.map((name, i) => {
        const vm = status[i];
        const same = vm?.vmId !== undefined && vm.vmId === cluster.hosts[name]?.vm_id;
        return { name, reachable: same && vm.powerState === 'running' && !replaced.has(name) };
      }),
      replaced,
      options,
    );
  }

  /**
   * A VM created in this run, or created again outside it (its id changed), is a new machine with a new
   * host key at addresses we may have trusted before (the same WireGuard address, a public IP Azure
   * hands out again): its entries leave the known_hosts file, or SSH and k0sctl refuse it ("REMOTE HOST
   * IDENTIFICATION HAS CHANGED").
   */
  private async forgetRecreated(
    context: PhaseContext,
    states: Readonly<Record<string, VmState>>,
    created: ReadonlySet<string>,
  ) {
    const doc = context.state.read();
    const recorded = readVmStates(doc);
    const peers = readPeers(doc);
    const addresses: string[] = [];
    for (const [host, state] of Object.entries(states)) {
      const before = recorded[host];
      const changed = before?.vm_id !== undefined && before.vm_id !== state.vm_id;
      if (!created.has(host) && !changed) continue;
      for (const address of [before?.public_ip, state.public_ip, peers[host]?.ip])
        if (address) addresses.push(address);
    }
    if (addresses.length === 0) return;
    const unique = [...new Set(addresses)];
    const removed = await forgetHostKeys(this.layout.knownHosts(), unique, this.runtime.sshPort ?? 22);
    if (removed > 0) context.output.info(`forgot the old host keys of re-created VMs (${unique.join(', ')})`);
  }

  /**
   * One request per VM (its power state needs the instance view, which the group-wide list cannot
   * expand) and one for the public IPs, all sent at once.
   */
  async validate(context: PhaseContext): Promise<ValidationResult> {
    const azure = await this.runtime.azure(context.signal);
    const rg = this.deployment.names.resourceGroup;
    const hosts = plannedHosts(this.config);
    const [vms, ips] = await Promise.all([
      Promise.all(hosts.map((host) => azure.getVmStatus(rg, host.name))),
      azure.listPublicIps(rg).catch(() => undefined),
    ]);
    const recorded = readVmStates(context.state.read());
    const problems: string[] = [];
    for (const [i, host] of hosts.entries()) {
      const vm = vms[i];
      if (!vm) problems.push(`${host.name} missing`);
      else if (vm.provisioningState !== 'Succeeded') problems.push(`${host.name} is ${vm.provisioningState}`);
      else if (vm.powerState !== 'running')
        problems.push(
          `${host.name} is ${vm.powerState ?? 'in an unknown power state'}${vm.powerState === 'deallocated' ? ' (a Spot eviction, or stopped in the portal)' : ''}`,
        );
      else if (recorded[host.name]?.vm_id !== undefined && vm.vmId !== recorded[host.name]?.vm_id)
        problems.push(`${host.name} was created again outside this deployment (its VM id changed)`);
      const address = ips?.find((ip) => ip.name === vmResourceNames(host.name).publicIp)?.address;
      if (vm && ips && address !== recorded[host.name]?.public_ip) {
        problems.push(
          `${host.name} public IP is ${address ?? 'gone'}, recorded ${recorded[host.name]?.public_ip ?? 'none'}`,
        );
      }
    }
    return problems.length === 0
      ? {
          ok: true,
          evidence: `${hosts.length}/${hosts.length} VMs exist and Succeeded, run, and have their recorded public IPs`,
        }
      : { ok: false, evidence: problems.join('; ') };
  }

  /** Deletes the VMs (their OS disks, NICs and public IPs go with them), then anything left behind. */
  async rollback(context: PhaseContext): Promise<void> {
    const azure = await this.runtime.azure(context.signal);
    const rg = this.deployment.names.resourceGroup;
    const vms = await azure.listVms(rg);
    if (vms) {
      const planned = new Set(plannedHosts(this.config).map((h) => h.name.toLowerCase()));
      const ours = vms.filter(
        (vm) => planned.has(vm.name.toLowerCase()) || vm.tags[DEPLOYMENT_TAG] === this.deployment.id,
      );
      await Promise.all(ours.map((vm) => azure.deleteVm(rg, vm.name)));
      await this.sweep(azure);
      context.output.info(`deleted ${ours.length} VM(s) with their disks, NICs and public IPs`);
    }
    await forgetAllHostKeys(this.layout.knownHosts());
    writeFact(context, FACT.vmStates, {});
    // Whatever k0s ran on them went with them.
    writeFact(context, FACT.k0sCluster, null);
  }

  private async ensureVm(
    context: PhaseContext,
    azure: AzureGateway,
    host: HostPlan,
    found: VmSummary | undefined,
    sshPublicKey: string,
  ): Promise<'kept' | 'created' | 'started'> {
    const rg = this.deployment.names.resourceGroup;
    let vm = found;
    let lastError = '';
    for (let tries = 0; ;) {
      if (vm && IN_PROGRESS.has(vm.provisioningState.toLowerCase())) {
        vm = await this.awaitSettled(context, azure, host.name);
        continue;
      }
      if (vm?.provisioningState === 'Succeeded') {
        if (tries > 0) return 'created';
        this.warnIfResized(context, host, vm);
        const power = (await azure.getVmStatus(rg, host.name))?.powerState;
        if (power === undefined || !NOT_RUNNING.has(power)) return 'kept';
        context.output.info(
          `${host.name} is ${power} (a Spot eviction, or stopped in the portal): starting it`,
        );
        await azure.startVm(rg, host.name);
        return 'started';
      }
      if (tries >= MAX_PROVISIONING_TRIES) {
        throw new TransientPhaseError(
          `${host.name} failed to provision ${MAX_PROVISIONING_TRIES} times; last: ${lastError}`,
        );
      }
      if (vm) {
        context.output.warn(`${host.name} is ${vm.provisioningState}: deleting it to create it again`);
        await azure.deleteVm(rg, host.name);
      }
      tries++;
      try {
        const state = await this.createVm(context, azure, host, sshPublicKey);
        vm = { name: host.name, provisioningState: state, zone: host.zone, size: host.size, tags: {} };
      } catch (error) {
        if (!isFailedOperation(error)) throw error;
        lastError = describeAzureError(error);
        context.output.warn(
          `${host.name} failed to provision (try ${tries} of ${MAX_PROVISIONING_TRIES}): ${lastError}`,
        );
        vm = { name: host.name, provisioningState: 'Failed', zone: host.zone, size: host.size, tags: {} };
      }
    }
  }

  /**
   * A size change is not applied to a VM that exists: a resize deallocates and restarts the node, which
   * a re-run should not do to a live cluster unasked. Saying so beats a silent mismatch.
   */
  private warnIfResized(context: PhaseContext, host: HostPlan, vm: VmSummary): void {
    if (vm.size === undefined || vm.size.toLowerCase() === host.size.toLowerCase()) return;
    const key = host.role === 'controller' ? 'vm_sizing.controller.size' : 'vm_sizing.worker.size';
    context.output.warn(
      `${host.name} is ${vm.size} but ${key} is ${host.size}: existing VMs are not resized (a resize ` +
        `restarts the node). Resize it in Azure, or replace the VMs: roll back to create_vms with its undo ` +
        `(rollback --to create_vms; in Actions, destroy: true), then run again.`,
    );
  }

  private async createVm(
    context: PhaseContext,
    azure: AzureGateway,
    host: HostPlan,
    sshPublicKey: string,
  ): Promise<string> {
    const rg = this.deployment.names.resourceGroup;
    const names = vmResourceNames(host.name);
    const location = this.config.azure.location;
    const tags = ownershipTags(this.deployment.id, this.config.metadata.owner, this.runtime.env);
    const customData = await readIfExists(this.layout.cloudInit(host.name).path);
    if (customData === undefined)
      throw new PhaseConfigurationError(
        `cloud-init of ${host.name} is missing: run prepare_deployment again`,
      );
    // The VM is absent here, so a disk with its OS disk name is a leftover (a VM deleted outside
    // leaves its disk): it would block the name, so it goes.
    if (await azure.getDisk(rg, names.osDisk)) await azure.deleteDisk(rg, names.osDisk);
    const subnetId = azure.resourceId(
      rg,
      'Microsoft.Network/virtualNetworks/subnets',
      this.deployment.names.vnet,
      this.deployment.names.subnet,
    );
    const ip = await azure.createPublicIp(rg, names.publicIp, location, host.zone, tags);
    const nic = await azure.createNic(rg, { name: names.nic, location, subnetId, publicIpId: ip.id }, tags);
    const image = parseImage(this.config.azure.vm_image);
    context.output.info(
      `creating ${host.name} (${host.size}, zone ${host.zone}, ${this.config.azure.vm_priority})`,
    );
    return azure.createVm(rg, {
      name: names.vm,
      location,
      zone: host.zone,
      size: host.size,
      image,
      priority: this.config.azure.vm_priority,
      evictionPolicy: this.config.azure.eviction_policy,
      adminUser: this.config.ssh.username,
      sshPublicKey,
      customData,
      nicId: nic.id,
      osDiskName: names.osDisk,
      osDiskSizeGb: OS_DISK_GB,
      tags,
    });
  }

  /** A VM still being created by an earlier, interrupted run: wait for Azure to finish it. */
  private async awaitSettled(
    context: PhaseContext,
    azure: AzureGateway,
    name: string,
  ): Promise<VmSummary | undefined> {
    const deadline = this.runtime.now() + this.config.timeouts.vm_creation_minutes * 60_000;
    for (;;) {
      const vm = await azure.getVm(this.deployment.names.resourceGroup, name);
      if (!vm || !IN_PROGRESS.has(vm.provisioningState.toLowerCase())) return vm;
      if (this.runtime.now() >= deadline || context.signal.aborted) {
        throw new TransientPhaseError(
          `${name} is still ${vm.provisioningState} after ${this.config.timeouts.vm_creation_minutes} minutes`,
        );
      }
      await this.runtime.sleep(this.runtime.timing?.checkIntervalMs ?? 10_000, context.signal);
    }
  }

  /** Addresses of every VM: one list of public IPs and one of NICs. */
  private async observe(azure: AzureGateway, hosts: readonly HostPlan[]): Promise<Record<string, VmState>> {
    const rg = this.deployment.names.resourceGroup;
    const [ips, nics, vms] = await Promise.all([
      azure.listPublicIps(rg),
      azure.listNics(rg),
      azure.listVms(rg),
    ]);
    const now = new Date(this.runtime.now()).toISOString();
    const states: Record<string, VmState> = {};
    for (const host of hosts) {
      const names = vmResourceNames(host.name);
      const publicIp = ips.find((ip) => ip.name === names.publicIp)?.address;
      const privateIp = nics.find((nic) => nic.name === names.nic)?.privateAddress;
      const vmId = vms?.find((vm) => vm.name.toLowerCase() === host.name.toLowerCase())?.vmId;
      states[host.name] = {
        ...(vmId ? { vm_id: vmId } : {}),
        state: 'Succeeded',
        zone: host.zone,
        size: host.size,
        last_checked: now,
        ...(publicIp ? { public_ip: publicIp } : {}),
        ...(privateIp ? { private_ip: privateIp } : {}),
      };
    }
    return states;
  }

  /**
   * SSH answers and cloud-init is done on every VM, within the VM creation budget. A VM still booting
   * (refused connection, refused key while cloud-init creates the admin user, cloud-init running) is
   * waited for; cloud-init reporting an error, or a host key that is not the one recorded, stop the
   * wait at once: waiting would not change either.
   */
  private async awaitCloudInit(
    context: PhaseContext,
    hosts: readonly HostPlan[],
    states: Record<string, VmState>,
  ): Promise<void> {
    const deadline = this.runtime.now() + this.config.timeouts.vm_creation_minutes * 60_000;
    const interval =
      this.runtime.timing?.checkIntervalMs ?? this.config.timeouts.vm_wait_check_interval * 1000;
    const pending = new Map(hosts.map((h) => [h.name, 'not checked yet']));
    await tool(async () => {
      for (let round = 1; ; round++) {
        const stopped: string[] = [];
        await Promise.all(
          [...pending.keys()].map(async (name) => {
            const address = states[name]?.public_ip;
            if (!address) {
              pending.set(name, 'no public IP recorded');
              return;
            }
            const check = await cloudInitStatus(this.sshTarget(address), {
              env: this.runtime.env,
              signal: context.signal,
            });
            if (check.ok) pending.delete(name);
            else pending.set(name, check.detail);
            const fatal = this.fatalCheck(name, address, check);
            if (fatal) stopped.push(fatal);
          }),
        );
        if (stopped.length > 0) throw new PhaseConfigurationError(stopped.sort().join('; '));
        if (pending.size === 0) return;
        if (this.runtime.now() >= deadline || context.signal.aborted) {
          throw new TransientPhaseError(
            `cloud-init did not finish within ${this.config.timeouts.vm_creation_minutes} minutes (${round} checks) on ${[...pending].map(([n, d]) => `${n} (${d})`).join(', ')}`,
          );
        }
        await this.runtime.sleep(interval, context.signal);
      }
    });
    context.output.info(`all ${hosts.length} VM(s) answer SSH with cloud-init done`);
  }

  /** Why waiting for this VM is pointless, with what to do; undefined while waiting may help. */
  private fatalCheck(name: string, address: string, check: CloudInitCheck): string | undefined {
    const keyPath = this.layout.sshPrivateKey().path;
    const port = this.runtime.sshPort ?? 22;
    const login = `ssh -i ${keyPath}${port === 22 ? '' : ` -p ${port}`} ${this.config.ssh.username}@${address}`;
    if (check.failure === 'host-key-changed') {
      const file = this.layout.knownHosts();
      return (
        `${name}: ${check.detail}, so it was not trusted. If the VM was replaced outside k0rdent-deploy, ` +
        `remove its old key (ssh-keygen -R '${port === 22 ? address : `[${address}]:${port}`}' -f ${file}) ` +
        `and run again; otherwise find out who answers at ${address}`
      );
    }
    if (check.status === 'error')
      return (
        `${name}: cloud-init reported an error; see /var/log/cloud-init-output.log on the VM (${login}), ` +
        `then replace the VM: rollback --to create_vms, and run again`
      );
    if (check.status === 'disabled')
      return `${name}: cloud-init is disabled in the image ${this.config.azure.vm_image}, so the VM never configures WireGuard; choose an image with cloud-init (azure.vm_image)`;
    return undefined;
  }

  /** NICs, then public IPs, then OS disks of hosts that no VM holds any more (names of this deployment). */
  private async sweep(azure: AzureGateway, only?: ReadonlySet<string>): Promise<void> {
    const rg = this.deployment.names.resourceGroup;
    const mine = (name: string) =>
      HOST_RESOURCE.test(name) && (!only || only.has(name.replace(/-(nic|pip|osdisk)$/, '').toLowerCase()));
    const nics = (await azure.listNics(rg)).filter((nic) => mine(nic.name) && !nic.attachedTo);
    await Promise.all(nics.map((nic) => azure.deleteNic(rg, nic.name)));
    const ips = (await azure.listPublicIps(rg)).filter((ip) => mine(ip.name));
    await Promise.all(ips.map((ip) => azure.deletePublicIp(rg, ip.name)));
    const disks = (await azure.listDisks(rg)).filter((disk) => mine(disk.name) && !disk.attached);
    await Promise.all(disks.map((disk) => azure.deleteDisk(rg, disk.name)));
  }
}
