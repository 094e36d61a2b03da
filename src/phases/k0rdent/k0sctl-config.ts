/**
 * `k0sctl.yaml`: every host reached over the tunnel by its WireGuard address, with its VNet address
 * as the private address k0s talks on. Pure.
 */
import { dump } from 'js-yaml';

export interface K0sctlHost {
  readonly name: string;
  readonly role: 'controller' | 'controller+worker' | 'worker';
  readonly wireguardAddress: string;
  readonly privateAddress?: string;
}

export interface K0sctlInput {
  readonly clusterName: string;
  readonly k0sVersion: string;
  readonly sshUser: string;
  /** sshd's port on the VMs (22). */
  readonly sshPort?: number;
  readonly sshKeyPath: string;
  readonly hosts: readonly K0sctlHost[];
}

export function renderK0sctlConfig(input: K0sctlInput): string {
  const document = {
    apiVersion: 'k0sctl.k0sproject.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: input.clusterName },
    spec: {
      hosts: input.hosts.map((host) => ({
        role: host.role,
        ssh: {
          address: host.wireguardAddress,
          user: input.sshUser,
          port: input.sshPort ?? 22,
          keyPath: input.sshKeyPath,
        },
        ...(host.privateAddress ? { privateAddress: host.privateAddress } : {}),
        hostname: host.name,
      })),
      k0s: {
        version: input.k0sVersion,
        dynamicConfig: false,
        config: {
          spec: {
            network: {
              provider: 'calico',
              // Calico must pick the VNet interface, not the tunnel.
              calico: {
                ipAutodetectionMethod: 'can-reach=8.8.8.8',
                envVars: { FELIX_IGNORELOOSERPF: 'true' },
              },
              nodeLocalLoadBalancing: { enabled: true, type: 'EnvoyProxy' },
            },
          },
        },
      },
    },
  };
  return `# Written by k0rdent-deploy (install_k0s)\n${dump(document, { lineWidth: -1, noRefs: true })}`;
}
