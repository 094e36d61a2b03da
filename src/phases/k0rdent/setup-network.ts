/**
 * setup_network: the resource group, the NSG (WireGuard UDP port; SSH from the internet only when
 * `ssh.lockdown` is false, see ssh-access.ts), the VNet with its subnet bound to the NSG, and the Azure
 * SSH public key resource — once Azure has confirmed it can run the configured VMs (vm-offer.ts), so a
 * bad size or image creates nothing. Every PUT is idempotent, and the NSG's PUT replaces its rules: a
 * re-run keeps the lockdown, and removes a window an interrupted create_vms left open.
 */
import { ownershipTags } from '../../azure/tags.js';
import type { PhaseContext, ValidationResult } from '../phase.js';
import { PhaseConfigurationError } from '../phase.js';
import { K0rdentPhase } from './base.js';
import { readWireguardPort } from './facts.js';
import { readIfExists } from './files.js';
import { plannedHosts } from './topology.js';
import { internetSshRules, securityRules, WIREGUARD_RULE } from './ssh-access.js';
import { checkVmOffer } from './vm-offer.js';

export class SetupNetwork extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const azure = await this.runtime.azure(context.signal);
    const { names } = this.deployment;
    const location = this.config.azure.location;
    const tags = ownershipTags(this.deployment.id, this.config.metadata.owner, this.runtime.env);
    const publicKey = await this.sshPublicKey();
    const port = this.port(context);
    // Sizes, zones, Spot and the image are settled before the first resource exists (create_vms asks
    // again, as sizes may change later without this phase running).
    await checkVmOffer(azure, this.config, plannedHosts(this.config));

    await azure.ensureResourceGroup(names.resourceGroup, location, tags);
    context.output.info(`resource group ${names.resourceGroup} in ${location}`);
    const [nsgId] = await Promise.all([
      azure.ensureNsg(
        names.resourceGroup,
        names.nsg,
        location,
        securityRules(port, this.config.ssh.lockdown),
        tags,
      ),
      azure.ensureSshKey(names.resourceGroup, names.sshKey, location, publicKey, tags),
    ]);
    await azure.ensureVnet(
      names.resourceGroup,
      {
        name: names.vnet,
        location,
        prefix: this.config.network.vnet_prefix,
        subnet: names.subnet,
        subnetPrefix: this.config.network.subnet_prefix,
        nsgId,
      },
      tags,
    );
    context.output.info(
      `network ${names.vnet}/${names.subnet}, NSG ${names.nsg} (UDP ${port}${this.config.ssh.lockdown ? '; no SSH from the internet' : ', TCP 22 from anywhere'}), SSH key ${names.sshKey}`,
    );
  }

  /** One request per resource type, all at once. */
  async validate(context: PhaseContext): Promise<ValidationResult> {
    const azure = await this.runtime.azure(context.signal);
    const { names } = this.deployment;
    const [group, vnet, nsg, key] = await Promise.all([
      azure.getResourceGroup(names.resourceGroup),
      azure.getVnet(names.resourceGroup, names.vnet),
      azure.getNsg(names.resourceGroup, names.nsg),
      azure.getSshKey(names.resourceGroup, names.sshKey),
    ]);
    if (!group) return { ok: false, evidence: `resource group ${names.resourceGroup} does not exist` };
    const problems: string[] = [];
    const subnet = vnet?.subnets.find((s) => s.name.toLowerCase() === names.subnet.toLowerCase());
    if (!vnet) problems.push(`VNet ${names.vnet} missing`);
    else if (!subnet) problems.push(`subnet ${names.subnet} missing`);
    else if (!subnet.nsgId?.toLowerCase().endsWith(`/${names.nsg.toLowerCase()}`))
      problems.push(`subnet ${names.subnet} is not bound to ${names.nsg}`);
    const port = String(this.port(context));
    if (!nsg) problems.push(`NSG ${names.nsg} missing`);
    else {
      const rules = nsg.securityRules ?? [];
      if (!rules.some((r) => r.name === WIREGUARD_RULE && r.destinationPortRange === port))
        problems.push(`NSG ${names.nsg} does not allow WireGuard on UDP ${port}`);
      // Locked down, an open SSH rule is drift (added outside, or a window an interrupted create_vms
      // left); not locked down, the NSG is not asked about SSH, as before the lockdown existed.
      const open = this.config.ssh.lockdown ? internetSshRules(rules) : [];
      if (open.length > 0)
        problems.push(
          `NSG ${names.nsg} lets the internet reach SSH (rule ${open.join(', ')}) although ssh.lockdown is true`,
        );
    }
    if (!key) problems.push(`SSH key ${names.sshKey} missing`);
    return problems.length === 0
      ? {
          ok: true,
          evidence: `resource group, VNet with subnet, NSG with WireGuard rule (UDP ${port})${this.config.ssh.lockdown ? ' and no SSH from the internet' : ''} and SSH key exist`,
        }
      : { ok: false, evidence: problems.join('; ') };
  }

  /** Deleting the group takes everything in it; a group already gone is fine. */
  async rollback(context: PhaseContext): Promise<void> {
    const azure = await this.runtime.azure(context.signal);
    const result = await azure.deleteResourceGroup(this.deployment.names.resourceGroup);
    context.output.info(
      result === 'deleted'
        ? `deleted resource group ${this.deployment.names.resourceGroup} and everything in it`
        : `resource group ${this.deployment.names.resourceGroup} was already gone`,
    );
  }

  private port(context: PhaseContext): number {
    const port = this.config.network.wireguard_port ?? readWireguardPort(context.state.read());
    if (port === undefined)
      throw new PhaseConfigurationError('no WireGuard port recorded: run prepare_deployment first');
    return port;
  }

  private async sshPublicKey(): Promise<string> {
    const text = await readIfExists(this.layout.sshPublicKey().path);
    if (!text)
      throw new PhaseConfigurationError(
        `SSH public key ${this.layout.sshPublicKey().path} is missing: run prepare_deployment again`,
      );
    return text.trim();
  }
}
