/**
 * The fake ARM server's network security groups as ARM has them ("Security Rules - Create Or Update":
 * access, direction, priority 100–4096 and protocol required, the priority unique per direction), a PUT
 * of the NSG replacing its rules, rules as child resources, and which VMs the rules let SSH reach from
 * the internet (what the tool shims read), driven by the real @azure/arm-network client.
 */
import type { SecurityRule } from '@azure/arm-network';
import { createClients, type ArmClients } from './fake-arm/clients.js';
import { startFakeArm, type FakeArm } from './fake-arm/index.js';

const LOCATION = 'westus2';
const RG = 'nsg-test-resgrp';
const NSG = 'nsg-test-nsg';

let arm: FakeArm;
let clients: ArmClients;

beforeEach(async () => {
  arm = await startFakeArm();
  clients = createClients(arm);
  await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
});

afterEach(async () => {
  await arm.stop();
});

const rule = (overrides: Partial<SecurityRule> = {}): SecurityRule => ({
  protocol: 'Tcp',
  sourcePortRange: '*',
  destinationPortRange: '22',
  sourceAddressPrefix: '*',
  destinationAddressPrefix: '*',
  access: 'Allow',
  priority: 1010,
  direction: 'Inbound',
  ...overrides,
});

const putNsg = (rules: SecurityRule[]) =>
  clients.network.networkSecurityGroups.createOrUpdate(
    RG,
    NSG,
    { location: LOCATION, securityRules: rules },
    arm.pollOptions,
  );

const putRule = (name: string, body: SecurityRule) =>
  clients.network.securityRules.createOrUpdate(RG, NSG, name, body, arm.pollOptions);

async function codeOf(promise: PromiseLike<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'accepted';
}

const names = async () =>
  ((await clients.network.networkSecurityGroups.get(RG, NSG)).securityRules ?? []).map((r) => r.name).sort();

test('rules: priority 100–4096 unique per direction, required fields, one form of each end', async () => {
  await putNsg([
    { name: 'WireGuard', ...rule({ protocol: 'Udp', priority: 1000, destinationPortRange: '51820' }) },
  ]);
  expect(await codeOf(putRule('Low', rule({ priority: 99 })))).toBe('SecurityRuleInvalidPriority');
  expect(await codeOf(putRule('High', rule({ priority: 4097 })))).toBe('SecurityRuleInvalidPriority');
  expect(await codeOf(putRule('Clash', rule({ priority: 1000 })))).toBe('SecurityRuleConflict');
  // The same priority in the other direction is another collection.
  expect(await codeOf(putRule('Out', rule({ priority: 1000, direction: 'Outbound' })))).toBe('accepted');
  expect(await codeOf(putRule('NoAccess', rule({ access: undefined })))).toBe('SecurityRuleInvalidAccess');
  expect(await codeOf(putRule('NoPort', rule({ destinationPortRange: undefined })))).toBe(
    'SecurityRuleInvalidParameter',
  );
  expect(
    await codeOf(putRule('Both', rule({ destinationAddressPrefixes: ['10.0.1.4'], priority: 1200 }))),
  ).toBe('SecurityRuleParameterContainsUnsupportedValue');
  // A rule PUT again under its own name keeps its priority without clashing with itself.
  expect(
    await codeOf(putRule('Out', rule({ priority: 1000, direction: 'Outbound', destinationPortRange: '23' }))),
  ).toBe('accepted');
});

test('a PUT of the NSG replaces its rules: a rule added as a child resource goes; a child DELETE removes one', async () => {
  await putNsg([
    { name: 'AllowWireGuard', ...rule({ protocol: 'Udp', priority: 1000, destinationPortRange: '51820' }) },
  ]);
  await putRule('AllowSSH', rule());
  expect(await names()).toEqual(['AllowSSH', 'AllowWireGuard']);
  await putNsg([
    { name: 'AllowWireGuard', ...rule({ protocol: 'Udp', priority: 1000, destinationPortRange: '51820' }) },
  ]);
  expect(await names()).toEqual(['AllowWireGuard']);
  await putRule('AllowSSH', rule());
  await clients.network.securityRules.delete(RG, NSG, 'AllowSSH', arm.pollOptions);
  expect(await names()).toEqual(['AllowWireGuard']);
  // Deleting what is gone is fine, as in ARM.
  await clients.network.securityRules.delete(RG, NSG, 'AllowSSH', arm.pollOptions);
});

test('machines(): SSH from the internet reaches a VM only where the first matching inbound rule allows it', async () => {
  const poll = arm.pollOptions;
  const nsg = await putNsg([]);
  await clients.network.virtualNetworks.createOrUpdate(
    RG,
    'vnet',
    { location: LOCATION, addressSpace: { addressPrefixes: ['10.0.0.0/16'] } },
    poll,
  );
  const subnet = await clients.network.subnets.createOrUpdate(
    RG,
    'vnet',
    'subnet',
    { addressPrefix: '10.0.1.0/24', networkSecurityGroup: { id: nsg.id! } },
    poll,
  );
  for (const name of ['vm-a', 'vm-b']) {
    const ip = await clients.network.publicIPAddresses.createOrUpdate(
      RG,
      `${name}-pip`,
      { location: LOCATION, sku: { name: 'Standard' }, publicIPAllocationMethod: 'Static' },
      poll,
    );
    const nic = await clients.network.networkInterfaces.createOrUpdate(
      RG,
      `${name}-nic`,
      {
        location: LOCATION,
        ipConfigurations: [
          { name: 'ipconfig1', subnet: { id: subnet.id! }, publicIPAddress: { id: ip.id! } },
        ],
      },
      poll,
    );
    await clients.compute.virtualMachines.createOrUpdate(
      RG,
      name,
      {
        location: LOCATION,
        hardwareProfile: { vmSize: 'Standard_B2s' },
        storageProfile: {
          imageReference: { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', version: 'latest' },
          osDisk: { createOption: 'FromImage' },
        },
        osProfile: {
          computerName: name,
          adminUsername: 'k0rdent',
          linuxConfiguration: { disablePasswordAuthentication: true },
        },
        networkProfile: { networkInterfaces: [{ id: nic.id!, primary: true }] },
      },
      poll,
    );
  }
  const open = () => Object.fromEntries(arm.machines().map((m) => [m.name, m.sshFromInternet]));
  // Azure's defaults alone: AllowVnetInBound takes only the VNet, DenyAllInBound the rest.
  expect(open()).toEqual({ 'vm-a': false, 'vm-b': false });
  const [a] = arm.machines().filter((m) => m.name === 'vm-a');
  await putRule(
    'Window',
    rule({ destinationAddressPrefix: undefined, destinationAddressPrefixes: [a!.privateIp!] }),
  );
  expect(open()).toEqual({ 'vm-a': true, 'vm-b': false });
  // A Deny at a lower number wins; a rule for one office range is not "the internet".
  await putRule('Deny', rule({ access: 'Deny', priority: 500 }));
  expect(open()).toEqual({ 'vm-a': false, 'vm-b': false });
  await clients.network.securityRules.delete(RG, NSG, 'Deny', poll);
  await putRule(
    'Office',
    rule({
      sourceAddressPrefix: '198.51.100.0/24',
      priority: 400,
      destinationPortRanges: ['20-30'],
      destinationPortRange: undefined,
    }),
  );
  expect(open()).toEqual({ 'vm-a': true, 'vm-b': false });
  await putRule(
    'Everyone',
    rule({ sourceAddressPrefix: 'Internet', priority: 300, destinationPortRange: '20-30' }),
  );
  expect(open()).toEqual({ 'vm-a': true, 'vm-b': true });
});
