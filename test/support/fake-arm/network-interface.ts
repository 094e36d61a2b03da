import {
  baseBody,
  propertiesOf,
  requireLocation,
  resolveReference,
  sameId,
  type TypeBehaviour,
} from './behaviour.js';
import { ArmError, badRequest } from './errors.js';
import { firstFreeAddress, firstFreePublicAddress, parseCidr } from './ipv4.js';
import { copy, objectAt, objectsAt, stringAt } from './json.js';
import {
  NETWORK_INTERFACE,
  NETWORK_SECURITY_GROUP,
  PUBLIC_IP_ADDRESS,
  SUBNET,
  VIRTUAL_MACHINE,
  addressPrefixesOf,
  ipConfigurations,
} from './network-common.js';

export const publicIpAddressBehaviour: TypeBehaviour = {
  type: PUBLIC_IP_ADDRESS,
  longRunning: true,
  tracked: true,
  inUse: { status: 400, code: 'PublicIPAddressCannotBeDeleted' },
  plan(context) {
    requireLocation(context);
    const body = baseBody(context, { etag: true });
    const properties = propertiesOf(body);
    body.sku ??= { name: 'Standard', tier: 'Regional' };
    properties.publicIPAllocationMethod ??=
      stringAt(objectAt(body, 'sku'), 'name') === 'Basic' ? 'Dynamic' : 'Static';
    properties.publicIPAddressVersion ??= 'IPv4';
    const kept = stringAt(objectAt(context.existing?.body, 'properties'), 'ipAddress');
    const used = new Set(
      context.store
        .ofType(PUBLIC_IP_ADDRESS)
        .filter((other) => !sameId(other.id, context.id))
        .map((other) => stringAt(objectAt(other.body, 'properties'), 'ipAddress'))
        .filter((address): address is string => address !== undefined),
    );
    const address =
      kept ??
      (context.publicIpAddresses
        ? context.publicIpAddresses.find((candidate) => !used.has(candidate))
        : firstFreePublicAddress(used));
    if (address === undefined)
      throw new ArmError(409, 'PublicIPCountLimitReached', 'No public IP addresses left.');
    properties.ipAddress = address;
    return { body };
  },
  render(resource, store) {
    const body = copy(resource.body);
    const user = ipConfigurations(store).find(({ ipConfiguration }) =>
      sameId(
        stringAt(objectAt(objectAt(ipConfiguration, 'properties'), 'publicIPAddress'), 'id'),
        resource.id,
      ),
    );
    if (user !== undefined)
      propertiesOf(body).ipConfiguration = { id: stringAt(user.ipConfiguration, 'id') ?? '' };
    return body;
  },
};

export const networkInterfaceBehaviour: TypeBehaviour = {
  type: NETWORK_INTERFACE,
  longRunning: true,
  tracked: true,
  inUse: { status: 400, code: 'NicInUse' },
  plan(context) {
    requireLocation(context);
    const body = baseBody(context, { etag: true });
    const properties = propertiesOf(body);
    const requested = objectsAt(properties, 'ipConfigurations');
    if (requested.length === 0) {
      throw badRequest('InvalidRequestFormat', 'A network interface needs at least one IP configuration.');
    }
    resolveReference(
      context.store,
      objectAt(properties, 'networkSecurityGroup'),
      NETWORK_SECURITY_GROUP,
      context.id,
    );
    const previous = objectsAt(objectAt(context.existing?.body, 'properties'), 'ipConfigurations');
    const others = ipConfigurations(context.store).filter(({ nic }) => !sameId(nic.id, context.id));
    const claimed = new Set<string>();
    properties.ipConfigurations = requested.map((requestedConfiguration, index) => {
      const ipConfiguration = copy(requestedConfiguration);
      const name = stringAt(ipConfiguration, 'name') ?? `ipconfig${index + 1}`;
      ipConfiguration.name = name;
      ipConfiguration.id = `${context.id}/ipConfigurations/${name}`;
      ipConfiguration.type = `${NETWORK_INTERFACE}/ipConfigurations`;
      const ipProperties = propertiesOf(ipConfiguration);
      const subnet = resolveReference(context.store, objectAt(ipProperties, 'subnet'), SUBNET, context.id);
      if (subnet === undefined)
        throw badRequest('InvalidRequestFormat', `IP configuration ${name} needs a subnet.`);
      const publicIp = resolveReference(
        context.store,
        objectAt(ipProperties, 'publicIPAddress'),
        PUBLIC_IP_ADDRESS,
        context.id,
      );
      if (publicIp !== undefined) {
        const holder = others.find(({ ipConfiguration: other }) =>
          sameId(stringAt(objectAt(objectAt(other, 'properties'), 'publicIPAddress'), 'id'), publicIp.id),
        );
        if (holder !== undefined) {
          throw badRequest(
            'PublicIPAddressInUse',
            `Public IP ${publicIp.id} is already used by ${stringAt(holder.ipConfiguration, 'id') ?? '?'}.`,
          );
        }
      }
      ipProperties.primary ??= index === 0;
      ipProperties.privateIPAddressVersion ??= 'IPv4';
      ipProperties.privateIPAllocationMethod ??= 'Dynamic';
      ipProperties.provisioningState = 'Succeeded';
      if (ipProperties.privateIPAllocationMethod === 'Dynamic') {
        const before = previous.find((old) => stringAt(old, 'name') === name);
        const beforeProperties = objectAt(before, 'properties');
        const keep = sameId(stringAt(objectAt(beforeProperties, 'subnet'), 'id'), subnet.id)
          ? stringAt(beforeProperties, 'privateIPAddress')
          : undefined;
        const used = new Set([
          ...claimed,
          ...others
            .filter(({ ipConfiguration: other }) =>
              sameId(stringAt(objectAt(objectAt(other, 'properties'), 'subnet'), 'id'), subnet.id),
            )
            .map(
              ({ ipConfiguration: other }) =>
                stringAt(objectAt(other, 'properties'), 'privateIPAddress') ?? '',
            ),
        ]);
        const prefix = addressPrefixesOf(objectAt(subnet.body, 'properties'))[0];
        const address =
          keep ?? (prefix === undefined ? undefined : firstFreeAddress(parseCidr(prefix), used));
        if (address === undefined)
          throw badRequest('SubnetIsFull', `Subnet ${subnet.id} has no free address.`);
        ipProperties.privateIPAddress = address;
      }
      const address = stringAt(ipProperties, 'privateIPAddress');
      if (address !== undefined) claimed.add(address);
      return ipConfiguration;
    });
    return { body };
  },
  render(resource, store) {
    const body = copy(resource.body);
    const vm = store
      .ofType(VIRTUAL_MACHINE)
      .find((candidate) =>
        objectsAt(
          objectAt(objectAt(candidate.body, 'properties'), 'networkProfile'),
          'networkInterfaces',
        ).some((reference) => sameId(stringAt(reference, 'id'), resource.id)),
      );
    if (vm !== undefined) propertiesOf(body).virtualMachine = { id: vm.id };
    return body;
  },
};
