/**
 * The Azure operations the k0rdent phases need, over the modular `@azure/arm-*` clients (loaded on
 * first use). Reads that find nothing return undefined; deletes of what is gone succeed; throttling
 * and server faults are retried (the SDK's own retries first, then a few of ours with back-off, which
 * also covers a 429 without Retry-After that the SDK gives up on).
 */
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/identity';
import type { NetworkManagementClient, NetworkSecurityGroup, SecurityRule } from '@azure/arm-network';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { isNotFound, isRetryable } from './errors.js';

export type Tags = Readonly<Record<string, string>>;

export interface AzureGatewayOptions {
  readonly subscriptionId: string;
  readonly credential: TokenCredential;
  /** Resource Manager endpoint; the public cloud's when absent. */
  readonly endpoint?: string;
  /** Extra client options (tests: the fake's certificate and short SDK back-off). */
  readonly clientOptions?: Record<string, unknown>;
  /** Poll interval of long-running operations (SDK default 2 s; tests 0). */
  readonly pollIntervalMs?: number;
  /** Our retries after the SDK's, and the first pause between them (doubling). */
  readonly retries?: number;
  readonly retryDelayMs?: number;
  readonly signal?: AbortSignal;
}

export interface VmSummary {
  readonly name: string;
  readonly provisioningState: string;
  readonly zone: string | undefined;
  readonly size: string | undefined;
  readonly tags: Tags;
  /** Azure's id of this VM, new each time a VM of that name is created. */
  readonly vmId?: string | undefined;
  /** `running`, `deallocated`, `stopped`, ... (the instance view's `PowerState/<x>`); read on request only. */
  readonly powerState?: string | undefined;
}

export interface PublicIpSummary {
  readonly name: string;
  readonly id: string;
  readonly address: string | undefined;
}

export interface NicSummary {
  readonly name: string;
  readonly id: string;
  readonly privateAddress: string | undefined;
  readonly attachedTo: string | undefined;
}

export interface NamedResource {
  readonly name: string;
  readonly id: string;
}

export interface TaggedResource {
  readonly name: string;
  readonly type: string;
  readonly resourceGroup: string;
}

export interface SkuAvailability {
  /** Zones where the size can be used by this subscription. */
  readonly zones: ReadonlySet<string>;
  /** The size's capabilities as Azure lists them (`HyperVGenerations`, `CpuArchitectureType`, ...). */
  readonly capabilities: ReadonlyMap<string, string>;
}

export interface ImageFacts {
  /** The concrete version (`latest` resolved). */
  readonly version: string;
  /** `x64` or `Arm64`. */
  readonly architecture: string | undefined;
  /** `V1` or `V2`. */
  readonly hyperVGeneration: string | undefined;
}

export interface VmSpec {
  readonly name: string;
  readonly location: string;
  readonly zone: string;
  readonly size: string;
  readonly image: { publisher: string; offer: string; sku: string; version: string };
  readonly priority: 'Regular' | 'Spot';
  readonly evictionPolicy: 'Deallocate' | 'Delete';
  readonly adminUser: string;
  readonly sshPublicKey: string;
  readonly customData: string;
  readonly nicId: string;
  readonly osDiskName: string;
  readonly osDiskSizeGb: number;
  readonly tags: Tags;
}

export class AzureGateway {
  private constructor(
    private readonly resources: ResourceManagementClient,
    private readonly network: NetworkManagementClient,
    private readonly compute: ComputeManagementClient,
    readonly subscriptionId: string,
    private readonly options: AzureGatewayOptions,
  ) {}

  static async create(options: AzureGatewayOptions): Promise<AzureGateway> {
    const [{ ResourceManagementClient }, { NetworkManagementClient }, { ComputeManagementClient }] =
      await Promise.all([
        import('@azure/arm-resources'),
        import('@azure/arm-network'),
        import('@azure/arm-compute'),
      ]);
    const clientOptions = {
      userAgentOptions: { userAgentPrefix: 'k0rdent-deploy' },
      // The token's audience is the cloud's Resource Manager (a sovereign cloud's, when configured);
      // the clients would otherwise ask for the public cloud's.
      ...(options.endpoint
        ? {
            endpoint: options.endpoint,
            credentials: { scopes: [`${options.endpoint.replace(/\/+$/, '')}/.default`] },
          }
        : {}),
      ...options.clientOptions,
    };
    return new AzureGateway(
      new ResourceManagementClient(options.credential, options.subscriptionId, clientOptions),
      new NetworkManagementClient(options.credential, options.subscriptionId, clientOptions),
      new ComputeManagementClient(options.credential, options.subscriptionId, clientOptions),
      options.subscriptionId,
      options,
    );
  }

  // ---- ids ------------------------------------------------------------------------------------

  resourceId(resourceGroup: string, type: string, ...names: string[]): string {
    const [provider, ...types] = type.split('/');
    let id = `/subscriptions/${this.subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider ?? ''}`;
    types.forEach((segment, i) => {
      id += `/${segment}/${names[i] ?? ''}`;
    });
    return id;
  }

  // ---- resource groups ------------------------------------------------------------------------

  async ensureResourceGroup(name: string, location: string, tags: Tags): Promise<void> {
    await this.retry(() =>
      this.resources.resourceGroups.createOrUpdate(name, { location, tags: { ...tags } }, this.call()),
    );
  }

  async getResourceGroup(name: string): Promise<{ location: string; tags: Tags } | undefined> {
    const group = await this.read(() => this.resources.resourceGroups.get(name, this.call()));
    return group ? { location: group.location, tags: group.tags ?? {} } : undefined;
  }

  /** Deletes the group and everything in it; `absent` when it was not there. */
  async deleteResourceGroup(name: string): Promise<'deleted' | 'absent'> {
    try {
      await this.retry(() => this.resources.resourceGroups.delete(name, this.lro()));
      return 'deleted';
    } catch (error) {
      if (isNotFound(error)) return 'absent';
      throw error;
    }
  }

  /**
   * Resources of the subscription that carry `tag` with `value`: the first page only, one request,
   * which is enough to tell whether anything of a deployment is alive and to name some of it.
   * (ARM's tag filter leaves the tags out of the answer, and resource groups are not resources.)
   */
  async findTagged(tag: string, value: string, max = 25): Promise<TaggedResource[]> {
    const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;
    const filter = `tagName eq ${quoted(tag)} and tagValue eq ${quoted(value)}`;
    return this.retry(async () => {
      const pages = this.resources.resources.list({ filter, top: max, ...this.call() }).byPage();
      const first = await pages.next();
      const items = first.done === true ? [] : first.value;
      return items.map((item) => ({
        name: item.name ?? '',
        type: item.type ?? '',
        resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(item.id ?? '')?.[1] ?? '',
      }));
    });
  }

  // ---- network --------------------------------------------------------------------------------

  async ensureNsg(
    resourceGroup: string,
    name: string,
    location: string,
    rules: readonly SecurityRule[],
    tags: Tags,
  ): Promise<string> {
    const nsg = await this.retry(() =>
      this.network.networkSecurityGroups.createOrUpdate(
        resourceGroup,
        name,
        { location, tags: { ...tags }, securityRules: [...rules] },
        this.lro(),
      ),
    );
    return nsg.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/networkSecurityGroups', name);
  }

  getNsg(resourceGroup: string, name: string): Promise<NetworkSecurityGroup | undefined> {
    return this.read(() => this.network.networkSecurityGroups.get(resourceGroup, name, this.call()));
  }

  /** One rule of an NSG, created or replaced, the others left as they are. */
  async ensureSecurityRule(resourceGroup: string, nsg: string, rule: SecurityRule): Promise<void> {
    const { name, ...body } = rule;
    if (!name) throw new Error('a security rule needs a name');
    await this.retry(() =>
      this.network.securityRules.createOrUpdate(resourceGroup, nsg, name, body, this.lro()),
    );
  }

  /** Removes one rule of an NSG; a rule (or NSG) already gone is fine. */
  async deleteSecurityRule(resourceGroup: string, nsg: string, name: string): Promise<void> {
    await this.deleting(() => this.network.securityRules.delete(resourceGroup, nsg, name, this.lro()));
  }

  /** The VNet with exactly one subnet bound to the NSG (a VNet PUT sets exactly the subnets it lists). */
  async ensureVnet(
    resourceGroup: string,
    spec: {
      name: string;
      location: string;
      prefix: string;
      subnet: string;
      subnetPrefix: string;
      nsgId: string;
    },
    tags: Tags,
  ): Promise<string> {
    const vnet = await this.retry(() =>
      this.network.virtualNetworks.createOrUpdate(
        resourceGroup,
        spec.name,
        {
          location: spec.location,
          tags: { ...tags },
          addressSpace: { addressPrefixes: [spec.prefix] },
          subnets: [
            { name: spec.subnet, addressPrefix: spec.subnetPrefix, networkSecurityGroup: { id: spec.nsgId } },
          ],
        },
        this.lro(),
      ),
    );
    const subnet = vnet.subnets?.find((s) => s.name?.toLowerCase() === spec.subnet.toLowerCase());
    return (
      subnet?.id ??
      this.resourceId(resourceGroup, 'Microsoft.Network/virtualNetworks/subnets', spec.name, spec.subnet)
    );
  }

  async getVnet(
    resourceGroup: string,
    name: string,
  ): Promise<
    | {
        prefixes: string[];
        subnets: { name: string; prefix: string | undefined; nsgId: string | undefined }[];
      }
    | undefined
  > {
    const vnet = await this.read(() => this.network.virtualNetworks.get(resourceGroup, name, this.call()));
    if (!vnet) return undefined;
    return {
      prefixes: vnet.addressSpace?.addressPrefixes ?? [],
      subnets: (vnet.subnets ?? []).map((s) => ({
        name: s.name ?? '',
        prefix: s.addressPrefix,
        nsgId: s.networkSecurityGroup?.id,
      })),
    };
  }

  async ensureSshKey(
    resourceGroup: string,
    name: string,
    location: string,
    publicKey: string,
    tags: Tags,
  ): Promise<void> {
    await this.retry(() =>
      this.compute.sshPublicKeys.create(
        resourceGroup,
        name,
        { location, publicKey, tags: { ...tags } },
        this.call(),
      ),
    );
  }

  async getSshKey(
    resourceGroup: string,
    name: string,
  ): Promise<{ publicKey: string | undefined } | undefined> {
    const key = await this.read(() => this.compute.sshPublicKeys.get(resourceGroup, name, this.call()));
    return key ? { publicKey: key.publicKey } : undefined;
  }

  async createPublicIp(
    resourceGroup: string,
    name: string,
    location: string,
    zone: string,
    tags: Tags,
  ): Promise<PublicIpSummary> {
    const ip = await this.retry(() =>
      this.network.publicIPAddresses.createOrUpdate(
        resourceGroup,
        name,
        {
          location,
          tags: { ...tags },
          sku: { name: 'Standard' },
          publicIPAllocationMethod: 'Static',
          zones: [zone],
        },
        this.lro(),
      ),
    );
    return {
      name,
      id: ip.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/publicIPAddresses', name),
      address: ip.ipAddress,
    };
  }

  /** A NIC whose public IP goes with it when the VM is deleted. */
  async createNic(
    resourceGroup: string,
    spec: { name: string; location: string; subnetId: string; publicIpId: string },
    tags: Tags,
  ): Promise<NicSummary> {
    const nic = await this.retry(() =>
      this.network.networkInterfaces.createOrUpdate(
        resourceGroup,
        spec.name,
        {
          location: spec.location,
          tags: { ...tags },
          ipConfigurations: [
            {
              name: 'ipconfig1',
              subnet: { id: spec.subnetId },
              publicIPAddress: { id: spec.publicIpId, deleteOption: 'Delete' },
              privateIPAllocationMethod: 'Dynamic',
            },
          ],
        },
        this.lro(),
      ),
    );
    return {
      name: spec.name,
      id: nic.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/networkInterfaces', spec.name),
      privateAddress: nic.ipConfigurations?.[0]?.privateIPAddress,
      attachedTo: nic.virtualMachine?.id,
    };
  }

  async listPublicIps(resourceGroup: string): Promise<PublicIpSummary[]> {
    return this.list(
      () => this.network.publicIPAddresses.list(resourceGroup, this.call()),
      (ip) => ({
        name: ip.name ?? '',
        id: ip.id ?? '',
        address: ip.ipAddress,
      }),
    );
  }

  async listNics(resourceGroup: string): Promise<NicSummary[]> {
    return this.list(
      () => this.network.networkInterfaces.list(resourceGroup, this.call()),
      (nic) => ({
        name: nic.name ?? '',
        id: nic.id ?? '',
        privateAddress: nic.ipConfigurations?.[0]?.privateIPAddress,
        attachedTo: nic.virtualMachine?.id,
      }),
    );
  }

  async deleteNic(resourceGroup: string, name: string): Promise<void> {
    await this.deleting(() => this.network.networkInterfaces.delete(resourceGroup, name, this.lro()));
  }

  async deletePublicIp(resourceGroup: string, name: string): Promise<void> {
    await this.deleting(() => this.network.publicIPAddresses.delete(resourceGroup, name, this.lro()));
  }

  // ---- compute --------------------------------------------------------------------------------

  /** Sizes offered in a location, with the zones this subscription may use them in. */
  async vmSkus(location: string): Promise<Map<string, SkuAvailability>> {
    const skus = await this.list(
      () => this.compute.resourceSkus.list({ ...this.call(), filter: `location eq '${location}'` }),
      (sku) => sku,
    );
    const result = new Map<string, SkuAvailability>();
    for (const sku of skus) {
      if (sku.resourceType !== 'virtualMachines' || !sku.name) continue;
      const info = sku.locationInfo?.find((l) => l.location?.toLowerCase() === location.toLowerCase());
      const restricted = new Set<string>();
      let unavailable = false;
      for (const restriction of sku.restrictions ?? []) {
        if (restriction.type === 'Zone')
          for (const z of restriction.restrictionInfo?.zones ?? []) restricted.add(z);
        if (restriction.type === 'Location') unavailable = true;
      }
      if (unavailable) continue;
      result.set(sku.name.toLowerCase(), {
        zones: new Set((info?.zones ?? []).filter((z) => !restricted.has(z))),
        capabilities: new Map(
          (sku.capabilities ?? []).flatMap((c) =>
            c.name && c.value !== undefined ? [[c.name, c.value]] : [],
          ),
        ),
      });
    }
    return result;
  }

  /** Every VM of the group in one list call; undefined when the group does not exist. */
  async listVms(resourceGroup: string): Promise<VmSummary[] | undefined> {
    try {
      return await this.list(
        () => this.compute.virtualMachines.list(resourceGroup, this.call()),
        summariseVm,
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async getVm(resourceGroup: string, name: string): Promise<VmSummary | undefined> {
    const vm = await this.read(() => this.compute.virtualMachines.get(resourceGroup, name, this.call()));
    return vm ? summariseVm(vm) : undefined;
  }

  /**
   * One VM with its power state (a GET with the instance view). The group-wide list cannot carry it:
   * its `$expand=instanceView` needs a scale-set `$filter`.
   */
  async getVmStatus(resourceGroup: string, name: string): Promise<VmSummary | undefined> {
    const vm = await this.read(() =>
      this.compute.virtualMachines.get(resourceGroup, name, { ...this.call(), expand: 'instanceView' }),
    );
    if (!vm) return undefined;
    const power = vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
    return { ...summariseVm(vm), powerState: power?.slice('PowerState/'.length) };
  }

  /** Starts a stopped or deallocated VM (and waits until it runs). */
  async startVm(resourceGroup: string, name: string): Promise<void> {
    await this.retry(() => this.compute.virtualMachines.start(resourceGroup, name, this.lro()));
  }

  /**
   * The platform image's architecture and Hyper-V generation, asked of Azure rather than guessed from
   * its name; `latest` is the newest version. Undefined when the location has no such image.
   */
  async vmImage(
    location: string,
    image: { publisher: string; offer: string; sku: string; version: string },
  ): Promise<ImageFacts | undefined> {
    const images = this.compute.virtualMachineImages;
    let version = image.version;
    if (version.toLowerCase() === 'latest') {
      const newest = await this.read(() =>
        images.list(location, image.publisher, image.offer, image.sku, {
          ...this.call(),
          top: 1,
          orderby: 'name desc',
        }),
      );
      const name = newest?.[0]?.name;
      if (name === undefined) return undefined;
      version = name;
    }
    const found = await this.read(() =>
      images.get(location, image.publisher, image.offer, image.sku, version, this.call()),
    );
    return found
      ? { version, architecture: found.architecture, hyperVGeneration: found.hyperVGeneration }
      : undefined;
  }

  /**
   * Creates a VM whose OS disk, NIC and (through the NIC) public IP are deleted with it. Resolves
   * with the provisioning state; a provisioning failure rejects with the SDK's operation error.
   */
  async createVm(resourceGroup: string, spec: VmSpec): Promise<string> {
    const vm = await this.retry(() =>
      this.compute.virtualMachines.createOrUpdate(
        resourceGroup,
        spec.name,
        {
          location: spec.location,
          tags: { ...spec.tags },
          zones: [spec.zone],
          hardwareProfile: { vmSize: spec.size },
          priority: spec.priority,
          ...(spec.priority === 'Spot'
            ? { evictionPolicy: spec.evictionPolicy, billingProfile: { maxPrice: -1 } }
            : {}),
          storageProfile: {
            imageReference: { ...spec.image },
            osDisk: {
              name: spec.osDiskName,
              createOption: 'FromImage',
              diskSizeGB: spec.osDiskSizeGb,
              deleteOption: 'Delete',
              managedDisk: { storageAccountType: 'StandardSSD_LRS' },
            },
          },
          osProfile: {
            computerName: spec.name,
            adminUsername: spec.adminUser,
            customData: Buffer.from(spec.customData, 'utf8').toString('base64'),
            linuxConfiguration: {
              disablePasswordAuthentication: true,
              ssh: {
                publicKeys: [
                  { path: `/home/${spec.adminUser}/.ssh/authorized_keys`, keyData: spec.sshPublicKey },
                ],
              },
            },
          },
          networkProfile: { networkInterfaces: [{ id: spec.nicId, primary: true, deleteOption: 'Delete' }] },
        },
        this.lro(),
      ),
    );
    return vm.provisioningState ?? 'Succeeded';
  }

  async deleteVm(resourceGroup: string, name: string): Promise<void> {
    await this.deleting(() => this.compute.virtualMachines.delete(resourceGroup, name, this.lro()));
  }

  async listDisks(resourceGroup: string): Promise<(NamedResource & { attached: boolean })[]> {
    return this.list(
      () => this.compute.disks.listByResourceGroup(resourceGroup, this.call()),
      (disk) => ({
        name: disk.name ?? '',
        id: disk.id ?? '',
        attached: disk.managedBy !== undefined && disk.managedBy !== '',
      }),
    );
  }

  async getDisk(resourceGroup: string, name: string): Promise<{ attached: boolean } | undefined> {
    const disk = await this.read(() => this.compute.disks.get(resourceGroup, name, this.call()));
    return disk ? { attached: disk.managedBy !== undefined && disk.managedBy !== '' } : undefined;
  }

  async deleteDisk(resourceGroup: string, name: string): Promise<void> {
    await this.deleting(() => this.compute.disks.delete(resourceGroup, name, this.lro()));
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private call(): { abortSignal?: AbortSignal } {
    return this.options.signal ? { abortSignal: this.options.signal } : {};
  }

  private lro(): { abortSignal?: AbortSignal; updateIntervalInMs?: number } {
    return {
      ...this.call(),
      ...(this.options.pollIntervalMs === undefined
        ? {}
        : { updateIntervalInMs: this.options.pollIntervalMs }),
    };
  }

  private async read<T>(get: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.retry(get);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  private async deleting(remove: () => PromiseLike<unknown>): Promise<void> {
    try {
      await this.retry(() => remove());
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  private async list<I, O>(iterate: () => AsyncIterable<I>, map: (item: I) => O): Promise<O[]> {
    return this.retry(async () => {
      const out: O[] = [];
      for await (const item of iterate()) out.push(map(item));
      return out;
    });
  }

  private async retry<T>(attempt: () => PromiseLike<T>): Promise<T> {
    const retries = this.options.retries ?? 3;
    let delay = this.options.retryDelayMs ?? 2_000;
    for (let tried = 0; ; tried++) {
      try {
        return await attempt();
      } catch (error) {
        if (tried >= retries || !isRetryable(error) || this.options.signal?.aborted) throw error;
        await pause(delay, this.options.signal);
        delay *= 2;
      }
    }
  }
}

function summariseVm(vm: VirtualMachine): VmSummary {
  return {
    name: vm.name ?? '',
    provisioningState: vm.provisioningState ?? 'Unknown',
    zone: vm.zones?.[0],
    size: vm.hardwareProfile?.vmSize,
    tags: vm.tags ?? {},
    vmId: vm.vmId,
  };
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
