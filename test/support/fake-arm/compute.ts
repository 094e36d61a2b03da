import { randomBytes, randomUUID } from 'node:crypto';
import {
  baseBody,
  propertiesOf,
  provisioningStateOf,
  requireLocation,
  resolveReference,
  sameId,
  type Companion,
  type TypeBehaviour,
} from './behaviour.js';
import { ArmError, badRequest } from './errors.js';
import {
  copy,
  ensureObject,
  isObject,
  numberAt,
  objectAt,
  objectsAt,
  stringAt,
  type JsonObject,
} from './json.js';
import { NETWORK_INTERFACE, PUBLIC_IP_ADDRESS, VIRTUAL_MACHINE } from './network-common.js';
import { buildResourceId } from './resource-id.js';
import type { PowerState, ResourceStore, StoredResource } from './store.js';
import { checkPlacement } from './vm-placement.js';

export const DISK = 'Microsoft.Compute/disks';

/** Azure caps custom data at 64 KiB before base64, i.e. 87380 characters of base64. */
const MAX_CUSTOM_DATA = 87_380;

function checkCustomData(osProfile: JsonObject | undefined): void {
  const customData = stringAt(osProfile, 'customData');
  if (customData === undefined) return;
  if (
    customData.length > MAX_CUSTOM_DATA ||
    customData.length % 4 !== 0 ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(customData)
  ) {
    throw badRequest(
      'InvalidParameter',
      'Custom data in OSProfile must be in Base64 encoding and with a maximum length of 87380 characters.',
    );
  }
}

function checkPriority(properties: JsonObject): void {
  const priority = stringAt(properties, 'priority') ?? 'Regular';
  const eviction = stringAt(properties, 'evictionPolicy');
  const isSpot = priority.toLowerCase() === 'spot' || priority.toLowerCase() === 'low';
  if (eviction !== undefined && !isSpot) {
    throw badRequest(
      'InvalidParameter',
      `Eviction policy can be set only on Azure Spot Virtual Machines (priority is ${priority}).`,
    );
  }
}

/**
 * ARM hands back managed disk ids inside a VM with the resource group upper-cased (a long-standing
 * Compute quirk). Reproducing it keeps code that compares ids case-sensitively from passing by luck.
 */
function computeStyleDiskId(subscription: string, resourceGroup: string, diskName: string): string {
  return buildResourceId(subscription, resourceGroup.toUpperCase(), DISK, [diskName]);
}

function diskBody(id: string, name: string, vm: JsonObject, osDisk: JsonObject): JsonObject {
  const storageAccountType = stringAt(objectAt(osDisk, 'managedDisk'), 'storageAccountType') ?? 'Premium_LRS';
  const body: JsonObject = {
    id,
    name,
    type: DISK,
    location: stringAt(vm, 'location') ?? '',
    sku: {
      name: storageAccountType,
      tier: storageAccountType.startsWith('Premium') ? 'Premium' : 'Standard',
    },
    managedBy: stringAt(vm, 'id') ?? '',
    properties: {
      osType: stringAt(osDisk, 'osType') ?? 'Linux',
      diskSizeGB: numberAt(osDisk, 'diskSizeGB') ?? 30,
      diskState: 'Attached',
      creationData: { createOption: 'FromImage' },
      timeCreated: new Date().toISOString(),
      uniqueId: randomUUID(),
    },
  };
  const zones = vm.zones;
  if (Array.isArray(zones)) body.zones = copy(zones);
  return body;
}

/** The OS disk a VM PUT creates (or keeps), and the `osDisk` section as the VM stores it. */
function planOsDisk(
  store: ResourceStore,
  subscription: string,
  resourceGroup: string,
  vm: JsonObject,
  existing: StoredResource | undefined,
): Companion | undefined {
  const storageProfile = objectAt(vm, 'properties')?.storageProfile;
  if (!isObject(storageProfile)) return undefined;
  const osDisk = ensureObject(storageProfile, 'osDisk');
  const createOption = (stringAt(osDisk, 'createOption') ?? 'FromImage').toLowerCase();
  const managedDisk = ensureObject(osDisk, 'managedDisk');
  osDisk.deleteOption ??= 'Detach';
  osDisk.osType ??= 'Linux';

  if (createOption === 'attach') {
    const disk = resolveReference(store, managedDisk, DISK, `${stringAt(vm, 'id') ?? 'VM'} osDisk`);
    if (disk === undefined)
      throw badRequest('InvalidParameter', 'osDisk.managedDisk.id is required to attach a disk.');
    osDisk.name = disk.name;
    return undefined;
  }

  const previousId = stringAt(
    objectAt(
      objectAt(objectAt(objectAt(existing?.body, 'properties'), 'storageProfile'), 'osDisk'),
      'managedDisk',
    ),
    'id',
  );
  const previous = previousId === undefined ? undefined : store.get(previousId);
  if (previous !== undefined) {
    // A re-PUT of an existing VM keeps its disk.
    osDisk.name = previous.name;
    managedDisk.id = previousId ?? previous.id;
    return undefined;
  }
  const vmName = stringAt(vm, 'name') ?? 'vm';
  const name = stringAt(osDisk, 'name') ?? `${vmName}_OsDisk_1_${randomBytes(16).toString('hex')}`;
  const id = buildResourceId(subscription, resourceGroup, DISK, [name]);
  const clash = store.get(id);
  if (clash !== undefined) {
    throw new ArmError(
      409,
      'ConflictingUserInput',
      `Disk ${name} already exists in resource group ${resourceGroup.toUpperCase()}. Only CreateOption.Attach is supported.`,
    );
  }
  osDisk.name = name;
  managedDisk.id = computeStyleDiskId(subscription, resourceGroup, name);
  managedDisk.storageAccountType ??= 'Premium_LRS';
  osDisk.diskSizeGB ??= 30;
  return { id, type: DISK, name, body: diskBody(id, name, vm, osDisk) };
}

function attachedNics(store: ResourceStore, vm: JsonObject, vmId: string): void {
  const references = objectsAt(objectAt(objectAt(vm, 'properties'), 'networkProfile'), 'networkInterfaces');
  if (references.length === 0) {
    throw badRequest(
      'InvalidParameter',
      'networkProfile.networkInterfaces must name at least one network interface.',
    );
  }
  for (const reference of references) {
    const nic = resolveReference(store, reference, NETWORK_INTERFACE, vmId);
    if (nic === undefined) throw badRequest('InvalidParameter', 'A network interface reference has no id.');
    const holder = store
      .ofType(VIRTUAL_MACHINE)
      .find(
        (other) =>
          !sameId(other.id, vmId) &&
          objectsAt(objectAt(objectAt(other.body, 'properties'), 'networkProfile'), 'networkInterfaces').some(
            (otherReference) => sameId(stringAt(otherReference, 'id'), nic.id),
          ),
      );
    if (holder !== undefined) {
      throw badRequest(
        'NicInUse',
        `Network interface ${nic.id} is attached to virtual machine ${holder.id}.`,
      );
    }
    const properties = ensureObject(reference, 'properties');
    properties.deleteOption ??= 'Detach';
  }
}

/** Provisioned VMs run until something stops them; one still being created is starting. */
function powerStateOf(resource: StoredResource, store: ResourceStore): PowerState {
  const state = provisioningStateOf(resource) ?? 'Succeeded';
  const settled = state === 'Succeeded' || state === 'Failed';
  return store.powerState(resource.id) ?? (settled ? 'running' : 'starting');
}

const POWER_DISPLAY: Record<PowerState, string> = {
  starting: 'VM starting',
  running: 'VM running',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocating: 'VM deallocating',
  deallocated: 'VM deallocated',
};

function instanceView(resource: StoredResource, store: ResourceStore): JsonObject {
  const state = provisioningStateOf(resource) ?? 'Succeeded';
  const power = powerStateOf(resource, store);
  return {
    computerName:
      stringAt(objectAt(objectAt(resource.body, 'properties'), 'osProfile'), 'computerName') ?? resource.name,
    statuses: [
      {
        code: `ProvisioningState/${state.toLowerCase()}`,
        level: state === 'Failed' ? 'Error' : 'Info',
        displayStatus: `Provisioning ${state.toLowerCase()}`,
      },
      { code: `PowerState/${power}`, level: 'Info', displayStatus: POWER_DISPLAY[power] },
    ],
  };
}

/**
 * Power actions (POST, long-running: 202 with an operation to poll). `simulateEviction` is Spot-only and
 * answers 204 at once, evicting as the VM's eviction policy says: `Deallocate` stops and deallocates it,
 * `Delete` deletes it with what its delete options name.
 */
function powerAction(name: string, resource: StoredResource, store: ResourceStore) {
  const transitions: Record<string, [PowerState, PowerState]> = {
    start: ['starting', 'running'],
    deallocate: ['deallocating', 'deallocated'],
    poweroff: ['stopping', 'stopped'],
  };
  const state = provisioningStateOf(resource);
  const busy = state === 'Creating' || state === 'Updating' || state === 'Deleting';
  if (name === 'simulateeviction') {
    const properties = objectAt(resource.body, 'properties');
    if ((stringAt(properties, 'priority') ?? 'Regular').toLowerCase() !== 'spot') {
      throw new ArmError(409, 'OperationNotAllowed', 'Eviction can be simulated only for Azure Spot VMs.');
    }
    evict(resource, store);
    return { status: 204 };
  }
  const transition = transitions[name];
  if (transition === undefined) return undefined;
  if (busy) {
    throw new ArmError(
      409,
      'OperationNotAllowed',
      `Operation '${name}' is not allowed on VM '${resource.name}' since the VM is ${state.toLowerCase()}.`,
    );
  }
  store.setPowerState(resource.id, transition[0]);
  return {
    status: 202,
    operation: () => {
      if (store.get(resource.id) !== undefined) store.setPowerState(resource.id, transition[1]);
    },
  };
}

/** What Azure does to a Spot VM it evicts, per its `evictionPolicy`. */
export function evict(resource: StoredResource, store: ResourceStore): void {
  const policy = stringAt(objectAt(resource.body, 'properties'), 'evictionPolicy') ?? 'Deallocate';
  if (policy.toLowerCase() === 'delete') {
    store.deleteTree(resource.id);
    releaseOwned(resource, store);
  } else {
    store.setPowerState(resource.id, 'deallocated');
  }
}

/** Deletes what a deleted VM owned, as its `deleteOption`s say; `Detach` leaves the resource behind. */
function releaseOwned(vm: StoredResource, store: ResourceStore): void {
  const properties = objectAt(vm.body, 'properties');
  const osDisk = objectAt(objectAt(properties, 'storageProfile'), 'osDisk');
  const diskId = stringAt(objectAt(osDisk, 'managedDisk'), 'id');
  const disk = diskId === undefined ? undefined : store.get(diskId);
  if (disk !== undefined) {
    if (stringAt(osDisk, 'deleteOption') === 'Delete') {
      store.deleteTree(disk.id);
    } else {
      delete disk.body.managedBy;
      propertiesOf(disk.body).diskState = 'Unattached';
    }
  }
  for (const reference of objectsAt(objectAt(properties, 'networkProfile'), 'networkInterfaces')) {
    const nicId = stringAt(reference, 'id');
    const nic = nicId === undefined ? undefined : store.get(nicId);
    if (nic === undefined || stringAt(objectAt(reference, 'properties'), 'deleteOption') !== 'Delete')
      continue;
    store.deleteTree(nic.id);
    for (const ipConfiguration of objectsAt(objectAt(nic.body, 'properties'), 'ipConfigurations')) {
      const publicIpReference = objectAt(objectAt(ipConfiguration, 'properties'), 'publicIPAddress');
      const publicIpId = stringAt(publicIpReference, 'id');
      const publicIp = publicIpId === undefined ? undefined : store.get(publicIpId);
      if (publicIp?.type !== PUBLIC_IP_ADDRESS) continue;
      // The option may sit on the NIC's reference or on the public IP resource itself.
      const option =
        stringAt(objectAt(publicIpReference, 'properties'), 'deleteOption') ??
        stringAt(objectAt(publicIp.body, 'properties'), 'deleteOption');
      if (option === 'Delete') store.deleteTree(publicIp.id);
    }
  }
}

export const virtualMachineBehaviour: TypeBehaviour = {
  type: VIRTUAL_MACHINE,
  longRunning: true,
  tracked: true,
  plan(context) {
    requireLocation(context);
    const body = baseBody(context);
    const properties = propertiesOf(body);
    checkPlacement(body, context, context.existing === undefined);
    checkPriority(properties);
    checkCustomData(objectAt(properties, 'osProfile'));
    attachedNics(context.store, body, context.id);
    const disk = planOsDisk(
      context.store,
      context.subscription,
      context.resourceGroup,
      body,
      context.existing,
    );
    const previous = objectAt(context.existing?.body, 'properties');
    properties.vmId = stringAt(previous, 'vmId') ?? randomUUID();
    properties.timeCreated = stringAt(previous, 'timeCreated') ?? new Date().toISOString();
    const failure = context.faults.takeVmFailure(context.name);
    return {
      body,
      companions: disk === undefined ? [] : [disk],
      ...(failure === undefined ? {} : { failure }),
    };
  },
  render(resource, store, query) {
    const body = copy(resource.body);
    // customData and adminPassword are write-only in ARM: GET never returns them.
    const osProfile = objectAt(objectAt(body, 'properties'), 'osProfile');
    if (osProfile !== undefined) {
      delete osProfile.customData;
      delete osProfile.adminPassword;
    }
    if (query.get('$expand')?.toLowerCase() === 'instanceview')
      propertiesOf(body).instanceView = instanceView(resource, store);
    return body;
  },
  afterDelete: releaseOwned,
  action(name, resource, context) {
    if (name.toLowerCase() === 'instanceview' && context.method === 'GET') {
      return { status: 200, body: instanceView(resource, context.store) };
    }
    if (context.method === 'POST') return powerAction(name.toLowerCase(), resource, context.store);
    return undefined;
  },
};

export const diskBehaviour: TypeBehaviour = {
  type: DISK,
  longRunning: true,
  tracked: true,
  inUse: { status: 409, code: 'OperationNotAllowed' },
  plan(context) {
    requireLocation(context);
    const body = baseBody(context);
    const properties = propertiesOf(body);
    properties.diskState ??= 'Unattached';
    properties.diskSizeGB ??= 30;
    properties.timeCreated ??= new Date().toISOString();
    return { body };
  },
};
