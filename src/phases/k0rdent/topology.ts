/**
 * What a configuration asks for: the hosts (names, roles, zones, sizes), the Azure resource names of
 * a deployment, and WireGuard addresses that stay put once given. Pure.
 */
import { DERIVED_NAMES } from './azure-names.js';
import type { K0rdentConfig } from './config.js';
import { hostAddress, parseCidr } from './ipv4.js';

export type HostRole = 'controller' | 'worker';

export interface HostPlan {
  readonly name: string;
  readonly role: HostRole;
  readonly zone: string;
  readonly size: string;
}

/** Controllers `k0s-controller`, `k0s-controller-2`, …; workers `k0s-worker-1`, …; zones cycle. */
export function plannedHosts(config: K0rdentConfig): HostPlan[] {
  const { controllers, workers } = config.cluster;
  const hosts: HostPlan[] = [];
  for (let i = 0; i < controllers.count; i++) {
    hosts.push({
      name: i === 0 ? 'k0s-controller' : `k0s-controller-${i + 1}`,
      role: 'controller',
      zone: controllers.zones[i % controllers.zones.length] ?? '1',
      size: config.vm_sizing.controller.size,
    });
  }
  for (let i = 0; i < workers.count; i++) {
    hosts.push({
      name: `k0s-worker-${i + 1}`,
      role: 'worker',
      zone: workers.zones[i % workers.zones.length] ?? '1',
      size: config.vm_sizing.worker.size,
    });
  }
  return hosts;
}

export interface ResourceNames {
  readonly resourceGroup: string;
  readonly vnet: string;
  readonly subnet: string;
  readonly nsg: string;
  readonly sshKey: string;
}

/** Lengths are checked where the deployment is built (azure-names.ts). */
export function resourceNames(deploymentId: string): ResourceNames {
  const names = Object.fromEntries(DERIVED_NAMES.map((n) => [n.key, `${deploymentId}${n.suffix}`]));
  return names as unknown as ResourceNames;
}

export interface VmResourceNames {
  readonly vm: string;
  readonly nic: string;
  readonly publicIp: string;
  readonly osDisk: string;
}

export function vmResourceNames(host: string): VmResourceNames {
  return { vm: host, nic: `${host}-nic`, publicIp: `${host}-pip`, osDisk: `${host}-osdisk` };
}

/** Host names are `k0s-…`; artifact names are snake_case. */
export function safeName(host: string): string {
  return host.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** wg-quick names the interface after the file: at most 15 characters. */
export function wireguardInterface(deploymentId: string): string {
  return `k0rd-${deploymentId.replace(/[^a-z0-9]/g, '').slice(-10)}`;
}

export const HUB = 'hub';
/** The hub is `.1` of the WireGuard network; hosts get `.11`, `.12`, … */
const HUB_OFFSET = 1;
const FIRST_HOST_OFFSET = 11;

export function hubAddress(wireguardNetwork: string): string {
  const cidr = parseCidr(wireguardNetwork);
  if (!cidr) throw new Error(`not a network: ${wireguardNetwork}`);
  return hostAddress(cidr, HUB_OFFSET);
}

/**
 * WireGuard addresses per host: an address once given is kept (a running VM has it in its
 * cloud-init), new hosts get the lowest free address from `.11`, in host order.
 */
export function assignAddresses(
  hosts: readonly string[],
  existing: Readonly<Record<string, string>>,
  wireguardNetwork: string,
): Record<string, string> {
  const cidr = parseCidr(wireguardNetwork);
  if (!cidr) throw new Error(`not a network: ${wireguardNetwork}`);
  const size = 2 ** (32 - cidr.prefix);
  const inNetwork = (ip: string) => {
    for (let offset = FIRST_HOST_OFFSET; offset < size - 1; offset++)
      if (hostAddress(cidr, offset) === ip) return true;
    return false;
  };
  const result: Record<string, string> = {};
  const used = new Set<string>();
  for (const host of hosts) {
    const ip = existing[host];
    if (ip !== undefined && inNetwork(ip) && !used.has(ip)) {
      result[host] = ip;
      used.add(ip);
    }
  }
  let offset = FIRST_HOST_OFFSET;
  for (const host of hosts) {
    if (result[host] !== undefined) continue;
    while (offset < size - 1 && used.has(hostAddress(cidr, offset))) offset++;
    if (offset >= size - 1) throw new Error(`${wireguardNetwork} has no free address for ${host}`);
    const ip = hostAddress(cidr, offset);
    result[host] = ip;
    used.add(ip);
  }
  return result;
}
