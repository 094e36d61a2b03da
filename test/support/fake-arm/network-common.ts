/** Type names and helpers shared by the network resource types and the VM (which references NICs). */
import { randomUUID } from 'node:crypto';
import { badRequest } from './errors.js';
import { objectAt, objectsAt, stringAt, stringsAt, type JsonObject } from './json.js';
import { referrers } from './references.js';
import type { ResourceStore, StoredResource } from './store.js';

export const VIRTUAL_NETWORK = 'Microsoft.Network/virtualNetworks';
export const SUBNET = 'Microsoft.Network/virtualNetworks/subnets';
export const NETWORK_SECURITY_GROUP = 'Microsoft.Network/networkSecurityGroups';
export const SECURITY_RULE = 'Microsoft.Network/networkSecurityGroups/securityRules';
export const PUBLIC_IP_ADDRESS = 'Microsoft.Network/publicIPAddresses';
export const NETWORK_INTERFACE = 'Microsoft.Network/networkInterfaces';
export const VIRTUAL_MACHINE = 'Microsoft.Compute/virtualMachines';

export function etag(): string {
  return `W/"${randomUUID()}"`;
}

export function addressPrefixesOf(properties: JsonObject | undefined): string[] {
  const single = stringAt(properties, 'addressPrefix');
  return single !== undefined ? [single] : stringsAt(properties, 'addressPrefixes');
}

/** Children a PUT of the parent leaves out are removed, unless something still uses them. */
export function removedChildren(
  store: ResourceStore,
  parentId: string,
  childType: string,
  keptNames: readonly string[],
  inUseCode: string,
): string[] {
  const kept = new Set(keptNames.map((name) => name.toLowerCase()));
  const removed = store
    .children(parentId, childType)
    .filter((child) => !kept.has(child.name.toLowerCase()))
    .map((child) => child.id);
  const users = referrers(store, removed);
  if (users[0] !== undefined) {
    throw badRequest(
      inUseCode,
      `Resource ${removed.join(', ')} is in use by ${users[0].id} and cannot be deleted.`,
    );
  }
  return removed;
}

/** (NIC, IP configuration) pairs: where subnets, public IPs and private addresses are in use. */
export function ipConfigurations(
  store: ResourceStore,
): { nic: StoredResource; ipConfiguration: JsonObject }[] {
  return store.ofType(NETWORK_INTERFACE).flatMap((nic) =>
    objectsAt(objectAt(nic.body, 'properties'), 'ipConfigurations').map((ipConfiguration) => ({
      nic,
      ipConfiguration,
    })),
  );
}
