/**
 * Where a deployment's files live (under the work directory, by default the state directory) and the
 * artifact names they are recorded under. Secrets sit under `secrets/` (700), each file 600; the
 * WireGuard key paths match those a migrated upstream state uses.
 */
import { join } from 'node:path';
import { HUB, safeName, wireguardInterface } from './topology.js';

export class Layout {
  constructor(
    readonly workDir: string,
    readonly deploymentId: string,
  ) {}

  get interfaceName(): string {
    return wireguardInterface(this.deploymentId);
  }

  wireguardKey(host: string): { name: string; path: string } {
    return {
      name: `wireguard_private_key_${safeName(host)}`,
      path: join(this.workDir, 'secrets', 'wireguard', `${safeName(host)}.key`),
    };
  }

  hubKey(): { name: string; path: string } {
    return this.wireguardKey(HUB);
  }

  sshPrivateKey(): { name: string; path: string } {
    return {
      name: 'ssh_private_key',
      path: join(this.workDir, 'secrets', 'ssh', `${this.deploymentId}-ssh-key`),
    };
  }

  sshPublicKey(): { name: string; path: string } {
    return { name: 'ssh_public_key', path: join(this.workDir, 'ssh', `${this.deploymentId}-ssh-key.pub`) };
  }

  knownHosts(): string {
    return join(this.workDir, 'ssh', 'known_hosts');
  }

  cloudInit(host: string): { name: string; path: string } {
    return {
      name: `cloud_init_${safeName(host)}`,
      path: join(this.workDir, 'cloud-init', `${host}-cloud-init.yaml`),
    };
  }

  hubConfig(): { name: string; path: string } {
    return {
      name: 'wireguard_hub_config',
      path: join(this.workDir, 'secrets', 'wireguard', `${this.interfaceName}.conf`),
    };
  }

  k0sctlConfig(): { name: string; path: string } {
    return { name: 'k0sctl_config', path: join(this.workDir, 'k0sctl', 'k0sctl.yaml') };
  }

  /** A transient k0sctl.yaml that removes hosts from the cluster (hosts with `reset: true`). */
  k0sctlRemovalConfig(): string {
    return join(this.workDir, 'k0sctl', 'k0sctl-remove.yaml');
  }

  kubeconfig(): { name: string; path: string } {
    return { name: 'kubeconfig', path: join(this.workDir, 'secrets', 'kubeconfig') };
  }

  /** The KOF regional cluster's admin kubeconfig (install_kof_regional copies it from its Secret). */
  regionalKubeconfig(): { name: string; path: string } {
    return {
      name: 'kof_regional_kubeconfig',
      path: join(this.workDir, 'secrets', 'kof-regional-kubeconfig'),
    };
  }

  /**
   * The client secret of the service principal child clusters use (setup_azure_children writes it;
   * install_azure_csi and the KOF phases read it). Never stored anywhere else in plaintext.
   */
  azureChildrenClientSecret(): { name: string; path: string } {
    return {
      name: 'azure_children_client_secret',
      path: join(this.workDir, 'secrets', 'azure', 'children-client-secret'),
    };
  }
}
