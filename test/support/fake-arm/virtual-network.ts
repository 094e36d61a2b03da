import {
  baseBody,
  propertiesOf,
  requireLocation,
  resolveReference,
  sameId,
  type Companion,
  type PutContext,
  type TypeBehaviour,
} from './behaviour.js';
import { badRequest } from './errors.js';
import { cidrContains, parseCidr, type Cidr } from './ipv4.js';
import { copy, objectAt, objectsAt, stringAt, stringsAt, type Json, type JsonObject } from './json.js';
import {
  NETWORK_SECURITY_GROUP,
  SUBNET,
  VIRTUAL_NETWORK,
  addressPrefixesOf,
  etag,
  ipConfigurations,
  removedChildren,
} from './network-common.js';
import type { ResourceStore } from './store.js';

/** Builds one subnet body, checking its range lies in the VNet and overlaps no sibling, as ARM does. */
function subnetBody(
  store: ResourceStore,
  vnetId: string,
  vnetSpaces: readonly Cidr[],
  siblings: readonly Cidr[],
  request: JsonObject,
  name: string,
): JsonObject {
  const body = copy(request);
  body.id = `${vnetId}/subnets/${name}`;
  body.name = name;
  body.type = SUBNET;
  body.etag = etag();
  const properties = propertiesOf(body);
  const prefixes = addressPrefixesOf(properties);
  if (prefixes.length === 0) {
    throw badRequest('InvalidRequestFormat', `Subnet ${name} must have an addressPrefix.`);
  }
  for (const prefix of prefixes.map(parseCidr)) {
    if (!vnetSpaces.some((space) => cidrContains(space, prefix))) {
      throw badRequest(
        'NetcfgSubnetRangeOutsideVnet',
        `Subnet '${name}' is not valid because its IP address range is outside the IP address range of virtual network.`,
      );
    }
    if (siblings.some((sibling) => cidrContains(sibling, prefix) || cidrContains(prefix, sibling))) {
      throw badRequest(
        'NetcfgSubnetRangesOverlap',
        `Subnet '${name}' overlaps another subnet of the virtual network.`,
      );
    }
  }
  resolveReference(
    store,
    objectAt(properties, 'networkSecurityGroup'),
    NETWORK_SECURITY_GROUP,
    `subnet ${name}`,
  );
  return body;
}

function vnetSpaces(vnet: JsonObject): Cidr[] {
  return stringsAt(objectAt(objectAt(vnet, 'properties'), 'addressSpace'), 'addressPrefixes').map(parseCidr);
}

export const virtualNetworkBehaviour: TypeBehaviour = {
  type: VIRTUAL_NETWORK,
  longRunning: true,
  tracked: true,
  inUse: { status: 400, code: 'InUseSubnetCannotBeDeleted' },
  plan(context) {
    requireLocation(context);
    const body = baseBody(context, { etag: true });
    const properties = propertiesOf(body);
    const spaces = vnetSpaces(body);
    if (spaces.length === 0) {
      throw badRequest('InvalidRequestFormat', 'addressSpace.addressPrefixes must not be empty.');
    }
    // Subnets live as child resources; a VNet PUT replaces the whole set, as in ARM.
    const requested = objectsAt(properties, 'subnets');
    delete properties.subnets;
    const companions: Companion[] = [];
    const placed: Cidr[] = [];
    for (const subnet of requested) {
      const name = stringAt(subnet, 'name');
      if (name === undefined) throw badRequest('InvalidRequestFormat', 'Every subnet needs a name.');
      const subnetBodyValue = subnetBody(context.store, context.id, spaces, placed, subnet, name);
      placed.push(...addressPrefixesOf(objectAt(subnetBodyValue, 'properties')).map(parseCidr));
      companions.push({
        id: stringAt(subnetBodyValue, 'id') ?? '',
        type: SUBNET,
        name,
        body: subnetBodyValue,
      });
    }
    const removes = removedChildren(
      context.store,
      context.id,
      SUBNET,
      companions.map((companion) => companion.name),
      'InUseSubnetCannotBeDeleted',
    );
    return { body, companions, removes };
  },
  render(resource, store, query) {
    const body = copy(resource.body);
    propertiesOf(body).subnets = store
      .children(resource.id, SUBNET)
      .map((subnet) => subnetBehaviour.render?.(subnet, store, query) ?? subnet.body);
    return body;
  },
};

export const subnetBehaviour: TypeBehaviour = {
  type: SUBNET,
  longRunning: true,
  tracked: false,
  inUse: { status: 400, code: 'InUseSubnetCannotBeDeleted' },
  plan(context: PutContext) {
    const vnetId = context.id.slice(0, context.id.toLowerCase().lastIndexOf('/subnets/'));
    const vnet = context.store.get(vnetId);
    if (vnet === undefined)
      throw badRequest('InvalidResourceReference', `Virtual network ${vnetId} not found.`);
    const siblings = context.store
      .children(vnet.id, SUBNET)
      .filter((sibling) => !sameId(sibling.id, context.id))
      .flatMap((sibling) => addressPrefixesOf(objectAt(sibling.body, 'properties')).map(parseCidr));
    return {
      body: subnetBody(
        context.store,
        vnet.id,
        vnetSpaces(vnet.body),
        siblings,
        context.request,
        context.name,
      ),
    };
  },
  render(resource, store) {
    const body = copy(resource.body);
    const users = ipConfigurations(store)
      .filter(({ ipConfiguration }) =>
        sameId(stringAt(objectAt(objectAt(ipConfiguration, 'properties'), 'subnet'), 'id'), resource.id),
      )
      .map(({ ipConfiguration }): Json => ({ id: stringAt(ipConfiguration, 'id') ?? '' }));
    if (users.length > 0) propertiesOf(body).ipConfigurations = users;
    return body;
  },
};
