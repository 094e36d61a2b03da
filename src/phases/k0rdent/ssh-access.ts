/**
 * Who may reach the VMs' SSH port from the internet, as network security group rules. Pure.
 *
 * With `ssh.lockdown` (the default) the NSG holds no SSH rule: every phase after create_vms reaches the
 * VMs over WireGuard (k0sctl, the kubeconfig, etcd), and the only SSH that needs the public addresses is
 * create_vms asking cloud-init whether it is done, before any tunnel can exist. For that wait create_vms
 * opens a window — TCP 22 to the private addresses of the VMs it checks, nothing else — and closes it
 * when the wait ends, however it ends. Azure evaluates inbound rules against the VM's private address
 * (after the public IP is translated), so the window reaches exactly those VMs.
 */
import type { SecurityRule } from '@azure/arm-network';

export const WIREGUARD_RULE = 'AllowWireGuard';
/** The rule setup_network makes when `ssh.lockdown` is false (and always made before it existed). */
export const SSH_RULE = 'AllowSSH';
/** The window create_vms opens while it waits for cloud-init, and removes after. */
export const SSH_WINDOW_RULE = 'AllowSSHWhileCreatingVMs';
export const SSH_RULE_PRIORITY = 1010;
const WIREGUARD_RULE_PRIORITY = 1000;
const MAX_PRIORITY = 4096;

function inbound(
  name: string,
  protocol: 'Udp' | 'Tcp',
  port: string,
  priority: number,
  destination: { destinationAddressPrefix: string } | { destinationAddressPrefixes: string[] },
): SecurityRule {
  return {
    name,
    protocol,
    sourcePortRange: '*',
    destinationPortRange: port,
    sourceAddressPrefix: '*',
    ...destination,
    access: 'Allow',
    priority,
    direction: 'Inbound',
  };
}

/** The NSG's whole rule list as setup_network writes it (a PUT of the NSG replaces its rules). */
export function securityRules(wireguardPort: number, lockdown: boolean): SecurityRule[] {
  const any = { destinationAddressPrefix: '*' };
  const rules = [inbound(WIREGUARD_RULE, 'Udp', String(wireguardPort), WIREGUARD_RULE_PRIORITY, any)];
  if (!lockdown) rules.push(inbound(SSH_RULE, 'Tcp', '22', SSH_RULE_PRIORITY, any));
  return rules;
}

/**
 * The window for `privateAddresses`, at the priority it already has (a window left by an interrupted
 * run is replaced in place) or the first free inbound priority from 1010 in steps of 10.
 */
export function sshWindowRule(
  existing: readonly SecurityRule[],
  privateAddresses: readonly string[],
): SecurityRule {
  const left = existing.find((r) => r.name === SSH_WINDOW_RULE);
  const taken = new Set(
    existing.filter((r) => r.direction === 'Inbound' && r !== left).map((r) => r.priority),
  );
  let priority = left?.priority ?? SSH_RULE_PRIORITY;
  if (taken.has(priority)) {
    priority = SSH_RULE_PRIORITY;
    while (taken.has(priority) && priority <= MAX_PRIORITY) priority += 10;
  }
  if (priority > MAX_PRIORITY)
    throw new Error(`no free inbound priority up to ${MAX_PRIORITY} for the SSH window rule`);
  return inbound(SSH_WINDOW_RULE, 'Tcp', '22', priority, {
    destinationAddressPrefixes: [...privateAddresses].sort(),
  });
}

const INTERNET_SOURCES = new Set(['*', 'internet', '0.0.0.0/0', 'any']);

function portsInclude(rule: SecurityRule, port: number): boolean {
  const ranges = [rule.destinationPortRange, ...(rule.destinationPortRanges ?? [])].filter(
    (r): r is string => r !== undefined && r !== '',
  );
  return ranges.some((range) => {
    if (range === '*') return true;
    const [low, high] = range.split('-').map((p) => Number(p.trim()));
    return low !== undefined && port >= low && port <= (high ?? low);
  });
}

/**
 * The inbound Allow rules that let anyone on the internet reach TCP 22: source `*`, `Internet` or
 * `0.0.0.0/0` (alone or in a list), protocol TCP or any, a port range that holds 22. The window rule is
 * one of them; a rule for named sources (an office range) is not.
 */
export function internetSshRules(rules: readonly SecurityRule[]): string[] {
  return rules
    .filter(
      (r) =>
        r.direction === 'Inbound' &&
        r.access === 'Allow' &&
        (r.protocol === 'Tcp' || r.protocol === '*') &&
        portsInclude(r, 22) &&
        [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].some(
          (s) => s !== undefined && INTERNET_SOURCES.has(s.toLowerCase()),
        ),
    )
    .map((r) => r.name ?? '(unnamed)');
}
