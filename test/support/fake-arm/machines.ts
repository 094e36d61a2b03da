/**
 * The VMs as the machines they stand for: identity (`vmId`, new on every creation), power state and
 * addresses. Test stand-ins for what runs on the VMs (test/support/shims) read this, so that a re-created
 * VM has a new host key and no k0s, and a deallocated one answers nothing.
 */
import { provisioningStateOf } from './behaviour.js';
import { objectAt, objectsAt, stringAt } from './json.js';
import { NETWORK_INTERFACE, PUBLIC_IP_ADDRESS, VIRTUAL_MACHINE } from './network-common.js';
import { allowsFromInternet } from './security-group.js';
import type { PowerState, ResourceStore } from './store.js';

export interface MachineSnapshot {
  readonly name: string;
  readonly resourceGroup: string;
  readonly vmId: string;
  readonly provisioningState: string;
  readonly powerState: PowerState;
  readonly privateIp: string | undefined;
  readonly publicIp: string | undefined;
  /**
   * Whether SSH (TCP 22) at the public address gets through from the internet: every NSG on the way
   * (the subnet's, the NIC's) allows it, and with none a Standard public IP lets nothing in.
   */
  readonly sshFromInternet: boolean;
}

export function machines(store: ResourceStore): MachineSnapshot[] {
  return store.ofType(VIRTUAL_MACHINE).map((vm) => {
    const properties = objectAt(vm.body, 'properties');
    const state = provisioningStateOf(vm) ?? 'Succeeded';
    const settled = state === 'Succeeded' || state === 'Failed';
    let privateIp: string | undefined;
    let publicIp: string | undefined;
    let sshFromInternet = false;
    for (const reference of objectsAt(objectAt(properties, 'networkProfile'), 'networkInterfaces')) {
      const nic = store.get(stringAt(reference, 'id') ?? '');
      if (nic?.type.toLowerCase() !== NETWORK_INTERFACE.toLowerCase()) continue;
      const configuration = objectsAt(objectAt(nic.body, 'properties'), 'ipConfigurations')[0];
      const ipProperties = objectAt(configuration, 'properties');
      privateIp ??= stringAt(ipProperties, 'privateIPAddress');
      const ip = store.get(stringAt(objectAt(ipProperties, 'publicIPAddress'), 'id') ?? '');
      if (ip?.type.toLowerCase() !== PUBLIC_IP_ADDRESS.toLowerCase() || publicIp !== undefined) continue;
      publicIp = stringAt(objectAt(ip.body, 'properties'), 'ipAddress');
      const subnet = store.get(stringAt(objectAt(ipProperties, 'subnet'), 'id') ?? '');
      const nsgIds = [subnet?.body, nic.body]
        .map((body) => stringAt(objectAt(objectAt(body, 'properties'), 'networkSecurityGroup'), 'id'))
        .filter((id): id is string => id !== undefined && store.get(id) !== undefined);
      const standard = stringAt(objectAt(ip.body, 'sku'), 'name')?.toLowerCase() !== 'basic';
      sshFromInternet =
        privateIp !== undefined &&
        (nsgIds.length === 0
          ? !standard
          : nsgIds.every((id) => allowsFromInternet(store, id, privateIp ?? '', 'Tcp', 22)));
    }
    return {
      name: vm.name,
      resourceGroup: vm.resourceGroup,
      vmId: stringAt(properties, 'vmId') ?? '',
      provisioningState: state,
      powerState: store.powerState(vm.id) ?? (settled ? 'running' : 'starting'),
      privateIp,
      publicIp,
      sshFromInternet,
    };
  });
}
