/**
 * The fake ARM server driven by the real modular SDK clients (no mocks). Besides proving the fake, these
 * tests pin down SDK behaviour production code relies on; each such finding is stated in the test name.
 */
import { isRestError } from '@azure/arm-resources';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClients, type ArmClients } from './fake-arm/clients.js';
import { peakConcurrency, sequentialRoundTrips, startFakeArm, type FakeArm } from './fake-arm/index.js';
import { objectAt, stringAt } from './fake-arm/json.js';

const run = promisify(execFile);
const LOCATION = 'westus2';
const RG = 'k0rdent-abcd1234-resgrp';
const VM_TYPE = 'Microsoft.Compute/virtualMachines';

let arm: FakeArm;
let clients: ArmClients;

beforeEach(async () => {
  arm = await startFakeArm();
  clients = createClients(arm);
});

afterEach(async () => {
  await arm.stop();
});

/** What a rejected promise rejected with (the SDK's error shapes are the point of several tests). */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

interface Network {
  subnetId: string;
  nsgId: string;
}

async function createNetwork(): Promise<Network> {
  const poll = arm.pollOptions;
  await clients.resources.resourceGroups.createOrUpdate(RG, {
    location: LOCATION,
    tags: { owner: 'ci', 'created-by': 'k0rdent-deploy', 'cluster-id': 'k0rdent-abcd1234' },
  });
  const nsg = await clients.network.networkSecurityGroups.createOrUpdate(
    RG,
    'k0rdent-abcd1234-nsg',
    {
      location: LOCATION,
      securityRules: [
        {
          name: 'AllowWireGuard',
          protocol: 'Udp',
          sourcePortRange: '*',
          destinationPortRange: '51820',
          sourceAddressPrefix: '*',
          destinationAddressPrefix: '*',
          access: 'Allow',
          priority: 1000,
          direction: 'Inbound',
        },
        {
          name: 'AllowSSH',
          protocol: 'Tcp',
          sourcePortRange: '*',
          destinationPortRange: '22',
          sourceAddressPrefix: '*',
          destinationAddressPrefix: '*',
          access: 'Allow',
          priority: 1010,
          direction: 'Inbound',
        },
      ],
    },
    poll,
  );
  await clients.network.virtualNetworks.createOrUpdate(
    RG,
    'k0rdent-abcd1234-vnet',
    { location: LOCATION, addressSpace: { addressPrefixes: ['10.0.0.0/16'] } },
    poll,
  );
  const subnet = await clients.network.subnets.createOrUpdate(
    RG,
    'k0rdent-abcd1234-vnet',
    'k0rdent-abcd1234-subnet',
    { addressPrefix: '10.0.1.0/24', networkSecurityGroup: { id: nsg.id! } },
    poll,
  );
  return { subnetId: subnet.id!, nsgId: nsg.id! };
}

interface VmOptions {
  deleteOption?: 'Delete' | 'Detach';
  zone?: string;
  size?: string;
  /** publisher:offer:sku:version */
  image?: string;
  priority?: 'Regular' | 'Spot';
  evictionPolicy?: 'Deallocate' | 'Delete';
  adminUsername?: string;
}

function imageReference(urn: string) {
  const [publisher, offer, sku, version] = urn.split(':');
  return { publisher, offer, sku, version };
}

async function createVm(network: Network, name: string, options: VmOptions = {}): Promise<void> {
  const deleteOption = options.deleteOption ?? 'Delete';
  const poll = arm.pollOptions;
  const ip = await clients.network.publicIPAddresses.createOrUpdate(
    RG,
    `${name}-pip`,
    {
      location: LOCATION,
      sku: { name: 'Standard' },
      publicIPAllocationMethod: 'Static',
      zones: [options.zone ?? '1'],
    },
    poll,
  );
  const nic = await clients.network.networkInterfaces.createOrUpdate(
    RG,
    `${name}-nic`,
    {
      location: LOCATION,
      ipConfigurations: [
        {
          name: 'ipconfig1',
          subnet: { id: network.subnetId },
          publicIPAddress: { id: ip.id!, deleteOption },
          privateIPAllocationMethod: 'Dynamic',
        },
      ],
    },
    poll,
  );
  await clients.compute.virtualMachines.createOrUpdate(
    RG,
    name,
    {
      location: LOCATION,
      zones: [options.zone ?? '1'],
      hardwareProfile: { vmSize: options.size ?? 'Standard_B2s' },
      priority: options.priority ?? 'Regular',
      ...(options.evictionPolicy ? { evictionPolicy: options.evictionPolicy } : {}),
      storageProfile: {
        imageReference: imageReference(options.image ?? 'Debian:debian-12:12-gen2:latest'),
        osDisk: {
          createOption: 'FromImage',
          diskSizeGB: 64,
          deleteOption,
          managedDisk: { storageAccountType: 'Premium_LRS' },
        },
      },
      osProfile: {
        computerName: name,
        adminUsername: options.adminUsername ?? 'k0rdent',
        customData: Buffer.from('#cloud-config\npackages: [wireguard]\n').toString('base64'),
        linuxConfiguration: { disablePasswordAuthentication: true },
      },
      networkProfile: { networkInterfaces: [{ id: nic.id!, primary: true, deleteOption }] },
    },
    poll,
  );
}

/** A raw HTTPS call, for what the SDK never sends (no token, odd path casing). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${arm.endpoint}${path}`,
      { method, headers, ca: arm.caCertPem, timeout: 5_000 },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end();
  });
}

describe('deployment through the real clients', () => {
  test('creates group, network, NSG rules, public IP, NIC and a zonal VM with custom data', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-controller', { zone: '2' });
    const { resources, network: net, compute } = clients;

    const group = await resources.resourceGroups.get(RG);
    expect(group.tags).toEqual({
      owner: 'ci',
      'created-by': 'k0rdent-deploy',
      'cluster-id': 'k0rdent-abcd1234',
    });
    expect((await resources.resourceGroups.checkExistence(RG)).body).toBe(true);
    expect((await resources.resourceGroups.checkExistence('absent')).body).toBe(false);

    const rules = (await net.networkSecurityGroups.get(RG, 'k0rdent-abcd1234-nsg')).securityRules ?? [];
    expect(rules.map((rule) => [rule.name, rule.protocol, rule.destinationPortRange, rule.priority])).toEqual(
      [
        ['AllowSSH', 'Tcp', '22', 1010],
        ['AllowWireGuard', 'Udp', '51820', 1000],
      ],
    );
    const vnet = await net.virtualNetworks.get(RG, 'k0rdent-abcd1234-vnet');
    expect(vnet.subnets?.map((subnet) => [subnet.name, subnet.networkSecurityGroup?.id])).toEqual([
      ['k0rdent-abcd1234-subnet', network.nsgId],
    ]);

    const ip = await net.publicIPAddresses.get(RG, 'k0s-controller-pip');
    expect(ip.ipAddress).toMatch(/^203\.0\.113\.\d+$/);
    const nic = await net.networkInterfaces.get(RG, 'k0s-controller-nic');
    expect(nic.ipConfigurations?.[0]?.privateIPAddress).toBe('10.0.1.4');

    const vm = await compute.virtualMachines.get(RG, 'k0s-controller');
    expect(vm.provisioningState).toBe('Succeeded');
    expect(vm.zones).toEqual(['2']);
    expect(vm.priority).toBe('Regular');
    expect(nic.virtualMachine?.id).toBe(vm.id);
    // customData is write-only in ARM: GET never returns it, but the fake keeps what was sent.
    expect(vm.osProfile?.customData).toBeUndefined();
    const sent = stringAt(
      objectAt(objectAt(arm.resource(vm.id!)?.body, 'properties'), 'osProfile'),
      'customData',
    );
    expect(Buffer.from(sent ?? '', 'base64').toString()).toContain('packages: [wireguard]');
    // Compute upper-cases the resource group inside disk ids; compare ids case-insensitively.
    const diskId = vm.storageProfile?.osDisk?.managedDisk?.id ?? '';
    expect(diskId).toContain(`/resourceGroups/${RG.toUpperCase()}/`);
    const disk = await compute.disks.get(RG, vm.storageProfile?.osDisk?.name ?? '');
    expect(disk.id?.toLowerCase()).toBe(diskId.toLowerCase());
    expect([disk.diskSizeGB, disk.diskState, disk.zones]).toEqual([64, 'Attached', ['2']]);

    const view = await compute.virtualMachines.instanceView(RG, 'k0s-controller');
    expect(view.statuses?.map((status) => status.code)).toEqual([
      'ProvisioningState/succeeded',
      'PowerState/running',
    ]);
  });

  test('lists VMs of a group with one request, and pages through nextLink', async () => {
    await arm.stop();
    arm = await startFakeArm({ pageSize: 2 });
    clients = createClients(arm);
    const network = await createNetwork();
    await Promise.all(
      ['k0s-controller', 'k0s-worker-1', 'k0s-worker-2'].map((name) => createVm(network, name)),
    );

    arm.clearRequests();
    const names: string[] = [];
    for await (const vm of clients.compute.virtualMachines.list(RG)) names.push(vm.name ?? '');
    expect(names.sort()).toEqual(['k0s-controller', 'k0s-worker-1', 'k0s-worker-2']);
    // Two pages of at most two: the iterator followed nextLink once.
    expect(arm.requests.map((record) => record.method)).toEqual(['GET', 'GET']);

    await arm.stop();
    arm = await startFakeArm();
    clients = createClients(arm);
    await createVm(await createNetwork(), 'k0s-controller');
    arm.clearRequests();
    const all = [];
    for await (const vm of clients.compute.virtualMachines.list(RG)) all.push(vm);
    expect(all).toHaveLength(1);
    expect(arm.requests).toHaveLength(1);
  });

  test('subnets exist inline in the VNet and as child resources; a VNet PUT replaces the set', async () => {
    const network = await createNetwork();
    const { network: net } = clients;
    await net.subnets.createOrUpdate(
      RG,
      'k0rdent-abcd1234-vnet',
      'extra',
      { addressPrefix: '10.0.2.0/24' },
      arm.pollOptions,
    );
    const listed = [];
    for await (const subnet of net.subnets.list(RG, 'k0rdent-abcd1234-vnet')) listed.push(subnet.name);
    expect(listed).toEqual(['extra', 'k0rdent-abcd1234-subnet']);

    await createVm(network, 'k0s-controller');
    // Leaving a subnet with NICs out of a VNet PUT would delete it: ARM refuses, and so does the fake.
    const refused = await rejectionOf(
      net.virtualNetworks.createOrUpdate(
        RG,
        'k0rdent-abcd1234-vnet',
        { location: LOCATION, addressSpace: { addressPrefixes: ['10.0.0.0/16'] }, subnets: [] },
        arm.pollOptions,
      ),
    );
    expect(refused).toMatchObject({ name: 'RestError', statusCode: 400, code: 'InUseSubnetCannotBeDeleted' });
    const overlapping = await rejectionOf(
      net.subnets.createOrUpdate(
        RG,
        'k0rdent-abcd1234-vnet',
        'overlap',
        { addressPrefix: '10.0.1.128/25' },
        arm.pollOptions,
      ),
    );
    expect(overlapping).toMatchObject({ statusCode: 400, code: 'NetcfgSubnetRangesOverlap' });
  });

  test('NICs in one subnet get consecutive private addresses from .4', async () => {
    const network = await createNetwork();
    await createVm(network, 'a');
    await createVm(network, 'b');
    const addresses = await Promise.all(
      ['a-nic', 'b-nic'].map(async (name) => {
        const nic = await clients.network.networkInterfaces.get(RG, name);
        return nic.ipConfigurations?.[0]?.privateIPAddress;
      }),
    );
    expect(addresses).toEqual(['10.0.1.4', '10.0.1.5']);
  });

  test('SSH public key resources are plain promises; generateKeyPair returns a usable pair', async () => {
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    const created = await clients.compute.sshPublicKeys.create(RG, 'k0rdent-abcd1234-admin', {
      location: LOCATION,
    });
    expect(created.name).toBe('k0rdent-abcd1234-admin');
    const pair = await clients.compute.sshPublicKeys.generateKeyPair(RG, 'k0rdent-abcd1234-admin');
    expect(pair.publicKey).toMatch(/^ssh-rsa AAAAB3NzaC1yc2E/);
    expect(pair.privateKey).toContain('BEGIN RSA PRIVATE KEY');
    // ssh-keygen accepts both halves, and they belong together.
    const directory = await mkdtemp(join(tmpdir(), 'fake-arm-ssh-'));
    try {
      await writeFile(join(directory, 'id'), pair.privateKey, { mode: 0o600 });
      const { stdout } = await run('ssh-keygen', ['-y', '-f', join(directory, 'id')], { timeout: 10_000 });
      expect(stdout.trim()).toBe(pair.publicKey.split(' ').slice(0, 2).join(' '));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
    expect((await clients.compute.sshPublicKeys.get(RG, 'k0rdent-abcd1234-admin')).publicKey).toBe(
      pair.publicKey,
    );
    await clients.compute.sshPublicKeys.delete(RG, 'k0rdent-abcd1234-admin');
    expect(arm.resources({ type: 'Microsoft.Compute/sshPublicKeys' })).toEqual([]);
  });
  test('Spot VMs take an evictionPolicy (priority matched case-insensitively); Regular VMs refuse one', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-worker-1', { deleteOption: 'Detach' });
    const nic = await clients.network.networkInterfaces.get(RG, 'k0s-worker-1-nic');
    const spec = (priority: string, vmSize = 'Standard_D2s_v5') => ({
      location: LOCATION,
      hardwareProfile: { vmSize },
      priority,
      evictionPolicy: 'Deallocate',
      storageProfile: { osDisk: { createOption: 'FromImage' } },
      networkProfile: { networkInterfaces: [{ id: nic.id! }] },
    });
    await clients.compute.virtualMachines.delete(RG, 'k0s-worker-1', arm.pollOptions);
    const refused = await rejectionOf(
      clients.compute.virtualMachines.createOrUpdate(RG, 'k0s-worker-1', spec('Regular'), arm.pollOptions),
    );
    expect(refused).toMatchObject({ statusCode: 400, code: 'InvalidParameter' });
    // B-series sizes are not LowPriorityCapable: Azure refuses them as Spot.
    const bSeries = await rejectionOf(
      clients.compute.virtualMachines.createOrUpdate(
        RG,
        'k0s-worker-1',
        spec('Spot', 'Standard_B2s'),
        arm.pollOptions,
      ),
    );
    expect(bSeries).toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
    const spot = await clients.compute.virtualMachines.createOrUpdate(
      RG,
      'k0s-worker-1',
      spec('spot'),
      arm.pollOptions,
    );
    expect([spot.priority, spot.evictionPolicy]).toEqual(['spot', 'Deallocate']);
    const expanded = await clients.compute.virtualMachines.get(RG, 'k0s-worker-1', {
      expand: 'instanceView',
    });
    expect(expanded.instanceView?.statuses?.[1]?.code).toBe('PowerState/running');
  });
  test('resourceSkus.list filters by location; a size unavailable in a zone is refused with 409 SkuNotAvailable', async () => {
    arm.setVmSkus([
      { name: 'Standard_B2s', location: 'westus2', zones: ['1', '2'], restrictedZones: ['3'] },
      { name: 'Standard_B2s', location: 'eastus', zones: ['1'] },
    ]);
    const offered = [];
    for await (const sku of clients.compute.resourceSkus.list({ filter: "location eq 'westus2'" }))
      offered.push(sku);
    expect(
      offered.map((sku) => [
        sku.name,
        sku.locationInfo?.[0]?.zones,
        sku.restrictions?.[0]?.restrictionInfo?.zones,
      ]),
    ).toEqual([['Standard_B2s', ['1', '2', '3'], ['3']]]);
    const network = await createNetwork();
    const error = await rejectionOf(createVm(network, 'k0s-worker-1', { zone: '3' }));
    expect(error).toMatchObject({ name: 'RestError', statusCode: 409, code: 'SkuNotAvailable' });
  });
});

describe('long-running operations', () => {
  test('pollers poll: provisioningState is Creating until the configured polls are answered', async () => {
    arm.setPollsBeforeDone(3);
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    arm.clearRequests();
    const poller = clients.network.publicIPAddresses.createOrUpdate(
      RG,
      'pip',
      { location: LOCATION },
      arm.pollOptions,
    );
    await poller.submitted();
    const id = `/subscriptions/${arm.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/publicIPAddresses/pip`;
    expect(arm.resource(id)?.provisioningState).toBe('Creating');

    const result = await poller;
    expect(result.provisioningState).toBe('Succeeded');
    // PUT, three InProgress polls, the Succeeded poll, then the SDK's final GET of the resource.
    expect(arm.requests.map((record) => [record.method, record.status, record.poll])).toEqual([
      ['PUT', 201, false],
      ['GET', 200, true],
      ['GET', 200, true],
      ['GET', 200, true],
      ['GET', 200, true],
      ['GET', 200, false],
    ]);
  });

  test('settle() finishes operations nobody polls (as Azure would after a crash)', async () => {
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    const poller = clients.network.publicIPAddresses.createOrUpdate(
      RG,
      'pip',
      { location: LOCATION },
      arm.pollOptions,
    );
    await poller.submitted();
    expect(arm.pendingOperations()).toBe(1);
    expect(arm.settle()).toBe(1);
    expect(arm.resources({ type: 'Microsoft.Network/publicIPAddresses' })[0]?.provisioningState).toBe(
      'Succeeded',
    );
  });

  test('a VM failing provisioning: the LRO rejects with a plain Error, the VM stays Failed, delete and re-create work', async () => {
    const network = await createNetwork();
    arm.faults.failVmProvisioning('k0s-worker-1');

    const error = await rejectionOf(createVm(network, 'k0s-worker-1', { deleteOption: 'Detach' }));
    // Not a RestError: no statusCode, no code; the ARM error code only appears inside the message.
    expect(isRestError(error)).toBe(false);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty('statusCode');
    expect(error).not.toHaveProperty('code');
    expect((error as Error).message).toMatch(
      /^The long-running operation has failed\. OSProvisioningTimedOut\. /,
    );

    const failed = await clients.compute.virtualMachines.get(RG, 'k0s-worker-1');
    expect(failed.provisioningState).toBe('Failed');
    const view = await clients.compute.virtualMachines.instanceView(RG, 'k0s-worker-1');
    expect(view.statuses?.[0]?.code).toBe('ProvisioningState/failed');

    await clients.compute.virtualMachines.delete(RG, 'k0s-worker-1', arm.pollOptions);
    // The NIC was attached with deleteOption Detach, so it survives for the second attempt.
    const nic = await clients.network.networkInterfaces.get(RG, 'k0s-worker-1-nic');
    await clients.compute.virtualMachines.createOrUpdate(
      RG,
      'k0s-worker-1',
      {
        location: LOCATION,
        hardwareProfile: { vmSize: 'Standard_B2s' },
        storageProfile: { osDisk: { createOption: 'FromImage', deleteOption: 'Delete' } },
        networkProfile: { networkInterfaces: [{ id: nic.id!, deleteOption: 'Delete' }] },
      },
      arm.pollOptions,
    );
    expect((await clients.compute.virtualMachines.get(RG, 'k0s-worker-1')).provisioningState).toBe(
      'Succeeded',
    );
  });
});

describe('HTTP errors, retries and faults', () => {
  beforeEach(async () => {
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
  });

  const isPipPut = (request: { method: string; path: string }): boolean =>
    request.method === 'PUT' && request.path.includes('/publicipaddresses/');

  test('the SDK retries 429 with Retry-After: 0 (up to 3 retries) and then surfaces a RestError 429', async () => {
    arm.faults.failNext(3, { status: 429, retryAfterSeconds: 0, match: isPipPut });
    const ip = await clients.network.publicIPAddresses.createOrUpdate(
      RG,
      'pip',
      { location: LOCATION },
      arm.pollOptions,
    );
    expect(ip.provisioningState).toBe('Succeeded');
    expect(arm.requests.filter((record) => record.injected)).toHaveLength(3);

    arm.faults.failNext(4, { status: 429, retryAfterSeconds: 0, match: isPipPut });
    const error = await rejectionOf(
      clients.network.publicIPAddresses.createOrUpdate(RG, 'pip2', { location: LOCATION }, arm.pollOptions),
    );
    expect(error).toMatchObject({ name: 'RestError', statusCode: 429, code: 'TooManyRequests' });
    expect(arm.faults.pendingRequestFailures()).toBe(0);
  });

  test('the SDK waits out Retry-After: 1 before retrying a 429', async () => {
    arm.faults.failNext(1, { status: 429, retryAfterSeconds: 1, match: isPipPut });
    const started = Date.now();
    await clients.network.publicIPAddresses.createOrUpdate(
      RG,
      'pip',
      { location: LOCATION },
      arm.pollOptions,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('a 429 without Retry-After is not retried', async () => {
    arm.faults.failNext(1, { status: 429, match: isPipPut });
    const error = await rejectionOf(
      clients.network.publicIPAddresses.createOrUpdate(RG, 'pip', { location: LOCATION }, arm.pollOptions),
    );
    expect(error).toMatchObject({ statusCode: 429 });
    expect(arm.requests.filter((record) => record.injected)).toHaveLength(1);
  });

  test('the SDK retries 500 with exponential back-off, PUTs and polls included, up to 3 retries', async () => {
    arm.faults.failNext(2, { status: 500, match: isPipPut });
    arm.faults.failNext(1, { status: 500, match: (request) => request.path.includes('/operations/') });
    const ip = await clients.network.publicIPAddresses.createOrUpdate(
      RG,
      'pip',
      { location: LOCATION },
      arm.pollOptions,
    );
    expect(ip.provisioningState).toBe('Succeeded');
    expect(arm.requests.filter((record) => record.injected)).toHaveLength(3);

    arm.faults.failNext(4, { status: 500, match: (request) => request.method === 'GET' });
    const error = await rejectionOf(clients.resources.resourceGroups.get(RG));
    expect(error).toMatchObject({ name: 'RestError', statusCode: 500, code: 'InternalServerError' });
  });

  test('missing things are RestErrors with statusCode 404 and ARM codes', async () => {
    const { compute, resources } = clients;
    expect(await rejectionOf(compute.virtualMachines.get(RG, 'nope'))).toMatchObject({
      name: 'RestError',
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    expect(await rejectionOf(compute.virtualMachines.get('no-such-group', 'nope'))).toMatchObject({
      statusCode: 404,
      code: 'ResourceGroupNotFound',
    });
    expect(await rejectionOf(resources.resourceGroups.get('no-such-group'))).toMatchObject({
      statusCode: 404,
      code: 'ResourceGroupNotFound',
    });
    expect(isRestError(await rejectionOf(compute.virtualMachines.get(RG, 'nope')))).toBe(true);
    // Deleting what is already gone succeeds (ARM answers 204), so retried deletes are safe.
    await compute.virtualMachines.delete(RG, 'nope', arm.pollOptions);
  });

  test('resources deleted outside (between runs) are gone for the clients', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-controller');
    const vm = await clients.compute.virtualMachines.get(RG, 'k0s-controller');

    expect(arm.faults.deleteOutside(vm.id!)).toBe(true);
    expect(await rejectionOf(clients.compute.virtualMachines.get(RG, 'k0s-controller'))).toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });
    expect(arm.faults.deleteOutsideByName('Microsoft.Network/publicIPAddresses', 'K0S-CONTROLLER-PIP')).toBe(
      1,
    );
    expect(arm.faults.deleteResourceGroupOutside(RG)).toBe(true);
    expect(await rejectionOf(clients.network.virtualNetworks.get(RG, 'k0rdent-abcd1234-vnet'))).toMatchObject(
      {
        statusCode: 404,
        code: 'ResourceGroupNotFound',
      },
    );
    expect(arm.resources()).toEqual([]);
  });

  test('a request without a bearer token gets 401', async () => {
    const response = await rawRequest(
      'GET',
      `/subscriptions/${arm.subscriptionId}/resourcegroups?api-version=2025-04-01`,
    );
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'AuthenticationFailed' } });
  });

  test('paths match case-insensitively', async () => {
    const auth = { authorization: 'Bearer anything' };
    const lower = await rawRequest(
      'GET',
      `/subscriptions/${arm.subscriptionId}/resourcegroups/${RG.toUpperCase()}?api-version=1`,
      auth,
    );
    const upper = await rawRequest(
      'GET',
      `/SUBSCRIPTIONS/${arm.subscriptionId}/resourceGroups/${RG}?api-version=1`,
      auth,
    );
    expect([lower.status, upper.status]).toEqual([200, 200]);
    expect(JSON.parse(lower.body)).toEqual(JSON.parse(upper.body));
  });

  test('latency and the request log show concurrency and sequential round trips', async () => {
    arm.faults.setLatency(50);
    arm.clearRequests();
    const started = Date.now();
    await Promise.all([1, 2, 3].map(() => clients.resources.resourceGroups.get(RG)));
    await clients.resources.resourceGroups.get(RG);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(peakConcurrency(arm.requests)).toBe(3);
    expect(sequentialRoundTrips(arm.requests)).toBe(2);
  });
});

describe('deletion', () => {
  test('deleting the resource group (a Location-polled LRO) removes everything in it', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-controller');
    expect(arm.resources({ resourceGroup: RG }).length).toBeGreaterThan(5);

    arm.clearRequests();
    await clients.resources.resourceGroups.delete(RG, arm.pollOptions);
    expect(arm.requests.map((record) => [record.method, record.status])).toEqual([
      ['DELETE', 202],
      ['GET', 202],
      ['GET', 200],
    ]);
    expect(arm.resources()).toEqual([]);
  });

  test('VM delete with deleteOption Delete removes its NIC, OS disk and public IP', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-worker-1', { deleteOption: 'Delete' });
    await clients.compute.virtualMachines.delete(RG, 'k0s-worker-1', arm.pollOptions);
    const left = arm.resources({ resourceGroup: RG }).map((resource) => resource.type);
    expect(left).not.toContain(VM_TYPE);
    expect(left).not.toContain('Microsoft.Network/networkInterfaces');
    expect(left).not.toContain('Microsoft.Network/publicIPAddresses');
    expect(left).not.toContain('Microsoft.Compute/disks');
  });

  test('VM delete with deleteOption Detach leaves NIC, disk (unattached) and public IP behind', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-worker-1', { deleteOption: 'Detach' });
    await clients.compute.virtualMachines.delete(RG, 'k0s-worker-1', arm.pollOptions);
    const disks = arm.resources({ type: 'Microsoft.Compute/disks' });
    expect(disks.map((disk) => disk.body.properties)).toEqual([
      expect.objectContaining({ diskState: 'Unattached' }),
    ]);
    expect(arm.resources({ type: 'Microsoft.Network/networkInterfaces' })).toHaveLength(1);
    expect(arm.resources({ type: 'Microsoft.Network/publicIPAddresses' })).toHaveLength(1);
  });

  test('resources still in use cannot be deleted (the order production must follow)', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-controller');
    const { network: net } = clients;
    expect(
      await rejectionOf(net.networkInterfaces.delete(RG, 'k0s-controller-nic', arm.pollOptions)),
    ).toMatchObject({
      statusCode: 400,
      code: 'NicInUse',
    });
    expect(
      await rejectionOf(net.publicIPAddresses.delete(RG, 'k0s-controller-pip', arm.pollOptions)),
    ).toMatchObject({
      statusCode: 400,
      code: 'PublicIPAddressCannotBeDeleted',
    });
    expect(
      await rejectionOf(
        net.subnets.delete(RG, 'k0rdent-abcd1234-vnet', 'k0rdent-abcd1234-subnet', arm.pollOptions),
      ),
    ).toMatchObject({ statusCode: 400, code: 'InUseSubnetCannotBeDeleted' });
  });
});

describe('what a VM placement needs, as ARM checks it', () => {
  test('resourceSkus.list carries capabilities: LowPriorityCapable, CpuArchitectureType, HyperVGenerations', async () => {
    const capabilities = new Map<string, Record<string, string>>();
    for await (const sku of clients.compute.resourceSkus.list({ filter: "location eq 'westus2'" }))
      capabilities.set(
        sku.name ?? '',
        Object.fromEntries(
          (sku.capabilities ?? []).map((c): [string, string] => [c.name ?? '', c.value ?? '']),
        ),
      );
    expect(capabilities.get('Standard_B2s')).toMatchObject({
      LowPriorityCapable: 'False',
      CpuArchitectureType: 'x64',
    });
    expect(capabilities.get('Standard_D2ps_v5')).toMatchObject({
      CpuArchitectureType: 'Arm64',
      HyperVGenerations: 'V2',
      LowPriorityCapable: 'True',
    });
    expect(capabilities.get('Standard_A2_v2')).toMatchObject({ HyperVGenerations: 'V1' });
  });

  test('virtualMachineImages: the newest version with $top=1&$orderby=name desc, and its generation and architecture', async () => {
    const images = clients.compute.virtualMachineImages;
    const newest = await images.list(LOCATION, 'Debian', 'debian-12', '12-arm64', {
      top: 1,
      orderby: 'name desc',
    });
    expect(newest.map((v) => v.name)).toEqual(['0.20250601.2']);
    const image = await images.get(LOCATION, 'Debian', 'debian-12', '12-arm64', '0.20250601.2');
    expect([image.architecture, image.hyperVGeneration]).toEqual(['Arm64', 'V2']);
    const gen1 = await images.get(LOCATION, 'Debian', 'debian-12', '12', '0.20250101.1');
    expect([gen1.architecture, gen1.hyperVGeneration]).toEqual(['x64', 'V1']);
    expect(await rejectionOf(images.get(LOCATION, 'Debian', 'debian-12', 'nope', '1.0.0'))).toMatchObject({
      statusCode: 404,
      code: 'NotFound',
    });
  });

  test('a VM is refused when its size cannot boot its image, its image does not exist, or its admin user is reserved', async () => {
    const network = await createNetwork();
    const cases: [string, VmOptions, { statusCode: number; code: string }][] = [
      ['arm-on-x64', { size: 'Standard_D2ps_v5' }, { statusCode: 400, code: 'InvalidParameter' }],
      ['gen2-on-gen1', { size: 'Standard_A2_v2' }, { statusCode: 400, code: 'BadRequest' }],
      [
        'no-image',
        { image: 'Debian:debian-12:13-gen2:latest' },
        { statusCode: 400, code: 'PlatformImageNotFound' },
      ],
      ['reserved', { adminUsername: 'Admin' }, { statusCode: 400, code: 'InvalidParameter' }],
    ];
    for (const [name, options, expected] of cases)
      expect([name, await rejectionOf(createVm(network, name, options))]).toMatchObject([name, expected]);
    await createVm(network, 'arm', { size: 'Standard_D2ps_v5', image: 'Debian:debian-12:12-arm64:latest' });
    await createVm(network, 'gen1', { size: 'Standard_A2_v2', image: 'Debian:debian-12:12:0.20250101.1' });
    expect(arm.resources({ type: VM_TYPE }).map((r) => r.name)).toEqual(['arm', 'gen1']);
  });

  test('names longer than Azure allows are refused with InvalidResourceName (a VNet: 64)', async () => {
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
    const error = await rejectionOf(
      clients.network.virtualNetworks.createOrUpdate(
        RG,
        `${'v'.repeat(60)}-vnet`,
        { location: LOCATION, addressSpace: { addressPrefixes: ['10.0.0.0/16'] } },
        arm.pollOptions,
      ),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'InvalidResourceName' });
    expect(arm.resources({ type: 'Microsoft.Network/virtualNetworks' })).toEqual([]);
  });
});

describe('power state and machines', () => {
  test('deallocate and start are long-running POSTs; the instance view and machines() follow the power state', async () => {
    const network = await createNetwork();
    await createVm(network, 'k0s-worker-1');
    const power = async () =>
      (await clients.compute.virtualMachines.instanceView(RG, 'k0s-worker-1')).statuses?.find((s) =>
        s.code?.startsWith('PowerState/'),
      )?.code;
    expect(await power()).toBe('PowerState/running');
    await clients.compute.virtualMachines.deallocate(RG, 'k0s-worker-1', arm.pollOptions);
    expect(await power()).toBe('PowerState/deallocated');
    expect(arm.machines().map((m) => [m.name, m.powerState])).toEqual([['k0s-worker-1', 'deallocated']]);
    await clients.compute.virtualMachines.start(RG, 'k0s-worker-1', arm.pollOptions);
    expect(await power()).toBe('PowerState/running');
  });

  test('evicting a Spot VM: Deallocate keeps it deallocated, Delete removes it; a Regular VM cannot be evicted', async () => {
    const network = await createNetwork();
    const spot = { size: 'Standard_D2s_v5', priority: 'Spot' } as const;
    await createVm(network, 'kept', { ...spot, evictionPolicy: 'Deallocate' });
    await createVm(network, 'gone', { ...spot, evictionPolicy: 'Delete' });
    await createVm(network, 'regular');
    await clients.compute.virtualMachines.simulateEviction(RG, 'kept');
    arm.faults.evictVm('gone', RG);
    expect(await rejectionOf(clients.compute.virtualMachines.simulateEviction(RG, 'regular'))).toMatchObject({
      statusCode: 409,
      code: 'OperationNotAllowed',
    });
    expect(arm.machines().map((m) => [m.name, m.powerState])).toEqual([
      ['kept', 'deallocated'],
      ['regular', 'running'],
    ]);
  });

  test('machines(): a VM created again is a new machine (new vmId) at its addresses; onChange tells every change', async () => {
    let changes = 0;
    const stop = arm.onChange(() => (changes += 1));
    const network = await createNetwork();
    await createVm(network, 'k0s-worker-1', { deleteOption: 'Detach' });
    const [first] = arm.machines();
    expect(first).toMatchObject({ name: 'k0s-worker-1', powerState: 'running', privateIp: '10.0.1.4' });
    expect(first?.publicIp).toMatch(/^203\.0\.113\./);
    expect(changes).toBeGreaterThan(5);
    arm.faults.deleteOutsideByName(VM_TYPE, 'k0s-worker-1', RG);
    expect(arm.machines()).toEqual([]);
    const nic = await clients.network.networkInterfaces.get(RG, 'k0s-worker-1-nic');
    await clients.compute.virtualMachines.createOrUpdate(
      RG,
      'k0s-worker-1',
      {
        location: LOCATION,
        zones: ['1'],
        hardwareProfile: { vmSize: 'Standard_B2s' },
        storageProfile: {
          imageReference: imageReference('Debian:debian-12:12-gen2:latest'),
          osDisk: { createOption: 'FromImage' },
        },
        osProfile: { computerName: 'k0s-worker-1', adminUsername: 'k0rdent' },
        networkProfile: { networkInterfaces: [{ id: nic.id! }] },
      },
      arm.pollOptions,
    );
    const [second] = arm.machines();
    expect(second?.vmId).not.toBe(first?.vmId);
    expect([second?.privateIp, second?.publicIp]).toEqual([first?.privateIp, first?.publicIp]);
    stop();
  });
});

describe('the subscription resource list', () => {
  test('a tag filter lists top-level resources carrying the tag (not groups, not subnets), without their tags; others are refused', async () => {
    const tags = { 'k0rdent-deployment': 'k0rdent-abcd1234' };
    await clients.resources.resourceGroups.createOrUpdate(RG, { location: LOCATION, tags });
    await clients.network.networkSecurityGroups.createOrUpdate(
      RG,
      'k0rdent-abcd1234-nsg',
      { location: LOCATION, tags },
      arm.pollOptions,
    );
    await clients.network.virtualNetworks.createOrUpdate(
      RG,
      'k0rdent-abcd1234-vnet',
      {
        location: LOCATION,
        tags,
        addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
        subnets: [{ name: 'k0rdent-abcd1234-subnet', addressPrefix: '10.0.1.0/24' }],
      },
      arm.pollOptions,
    );
    await clients.network.networkSecurityGroups.createOrUpdate(
      RG,
      'other-nsg',
      { location: LOCATION, tags: { 'k0rdent-deployment': 'someone-else' } },
      arm.pollOptions,
    );
    const tagged: { name?: string; type?: string; tags?: unknown }[] = [];
    for await (const item of clients.resources.resources.list({
      filter: "tagName eq 'K0RDENT-deployment' and tagValue eq 'k0rdent-abcd1234'",
    }))
      tagged.push(item);
    expect(tagged.map((r) => `${r.type ?? ''} ${r.name ?? ''}`).sort()).toEqual([
      'Microsoft.Network/networkSecurityGroups k0rdent-abcd1234-nsg',
      'Microsoft.Network/virtualNetworks k0rdent-abcd1234-vnet',
    ]);
    expect(tagged.every((r) => r.tags === undefined)).toBe(true);
    const error = await rejectionOf(
      clients.resources.resources.list({ filter: "substringof('x', name)" }).byPage().next(),
    );
    expect(
      isRestError(error) && error.statusCode === 400 && error.code === 'InvalidFilterInQueryString',
    ).toBe(true);
  });
});
