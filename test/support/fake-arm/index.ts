/**
 * A fake Azure Resource Manager over HTTPS on 127.0.0.1 that the real `@azure/arm-*` clients talk to.
 * See README.md in this folder for what it models and what the SDK does with it.
 */
import type { TokenCredential } from '@azure/identity';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate } from './certificate.js';
import { Authorization, type RoleAssignmentRecord } from './authorization.js';
import { Directory } from '../fake-graph/directory.js';
import { startFakeGraph, type FakeGraph } from '../fake-graph/index.js';
import { FaultPlan, type FailNextOptions, type VmFailureOptions } from './faults.js';
import { OperationTracker } from './lro.js';
import type { RequestRecord } from './request-log.js';
import { resourceGroupId } from './resource-id.js';
import { ArmRouter } from './router.js';
import { startServer } from './server.js';
import { DEFAULT_VM_SKUS, type VmSkuOffer } from './skus.js';
import { DEFAULT_VM_IMAGES, type VmImageOffer } from './images.js';
import { machines, type MachineSnapshot } from './machines.js';
import { evict } from './compute.js';
import { VIRTUAL_MACHINE } from './network-common.js';
import { ResourceStore, type PowerState, type ResourceSnapshot } from './store.js';

export type { FailNextOptions, RequestInfo, RequestMatcher, VmFailureOptions } from './faults.js';
export { peakConcurrency, sequentialRoundTrips, type RequestRecord } from './request-log.js';
export { DEFAULT_VM_SKUS, type VmSkuOffer } from './skus.js';
export { DEFAULT_VM_IMAGES, type VmImageOffer } from './images.js';
export type { MachineSnapshot } from './machines.js';
export type { PowerState } from './store.js';
export { RESERVED_ADMIN_USERNAMES } from './vm-placement.js';
export type { ResourceSnapshot } from './store.js';

export interface FakeArmOptions {
  readonly subscriptionId?: string;
  /** How many polls of a long-running operation answer InProgress before it ends (default 1). */
  readonly pollsBeforeDone?: number;
  /** Delay added to every request, so round trips show up in wall-clock time (default 0). */
  readonly latencyMs?: number;
  /** Items per page of a list; small values exercise `nextLink` paging (default 100). */
  readonly pageSize?: number;
  /** What `resourceSkus.list()` reports and VM placement checks (default: three sizes in westus2 zones 1-3). */
  readonly vmSkus?: readonly VmSkuOffer[];
  /** Platform images `virtualMachineImages` serves and VM PUTs may name (default: Debian 12 and Ubuntu 24.04 images). */
  readonly vmImages?: readonly VmImageOffer[];
  /**
   * Addresses new public IPs get, in order, instead of the documentation ranges: a test that stands
   * in for a VM (an sshd on 127.0.0.1, a WireGuard peer in a network namespace) hands out its own.
   */
  readonly publicIpAddresses?: readonly string[];
  /** Which bearer tokens are valid (e.g. those a fake Entra ID issued); default any. */
  readonly acceptToken?: (token: string) => boolean;
}

/** Structurally compatible with the options of every modular `@azure/arm-*` client. */
export interface FakeArmClientOptions {
  readonly endpoint: string;
  /** Trust for the self-signed certificate, in this process only (children need NODE_EXTRA_CA_CERTS). */
  readonly tlsOptions: { readonly ca: string };
  /** Short back-off so tests of 5xx retries stay fast; production keeps the SDK defaults. */
  readonly retryOptions: { readonly retryDelayInMs: number; readonly maxRetryDelayInMs: number };
}

export interface FakeArmFaults {
  /** The next `times` (default 1) provisionings of this VM end Failed, leaving the VM in state Failed. */
  failVmProvisioning(vmName: string, options?: VmFailureOptions): void;
  /** The next `count` requests matching `options.match` get `options.status` instead of an answer. */
  failNext(count: number, options: FailNextOptions): void;
  /** Request failures not served yet. */
  pendingRequestFailures(): number;
  /** Added delay per request in milliseconds. */
  setLatency(ms: number): void;
  /** Removes a resource (and its child resources) as a person might between runs: no in-use checks, no LRO. */
  deleteOutside(id: string): boolean;
  /** Same, by type (e.g. `Microsoft.Compute/virtualMachines`) and name; returns how many went. */
  deleteOutsideByName(type: string, name: string, resourceGroup?: string): number;
  /** Removes a resource group and everything in it at once. */
  deleteResourceGroupOutside(name: string): boolean;
  /** Azure evicts a Spot VM (as `simulateEviction` does): deallocated or deleted, per its eviction policy. */
  evictVm(name: string, resourceGroup?: string): void;
  /** Sets a VM's power state as someone in the portal might (e.g. `deallocated`, `stopped`). */
  setPowerState(name: string, state: PowerState, resourceGroup?: string): void;
  /** Forgets every injected fault and the latency. */
  clear(): void;
}

export interface ResourceFilter {
  readonly type?: string;
  readonly resourceGroup?: string;
}

export interface FakeArm {
  /** `https://127.0.0.1:<port>`: pass as the clients' `endpoint`. */
  readonly endpoint: string;
  readonly subscriptionId: string;
  readonly caCertPem: string;
  /** For `NODE_EXTRA_CA_CERTS` of child processes. */
  readonly caCertPath: string;
  /** Returns a static bearer token, which the fake accepts unless `acceptToken` says otherwise. */
  readonly credential: TokenCredential;
  readonly clientOptions: FakeArmClientOptions;
  /** Spread into the options of a long-running call: the SDK's poll interval is per operation only. */
  readonly pollOptions: { readonly updateIntervalInMs: number };
  /** Every answered request, oldest first (live: it grows as requests arrive). */
  readonly requests: readonly RequestRecord[];
  readonly faults: FakeArmFaults;
  /** Live resources including resource groups, sorted by id. */
  resources(filter?: ResourceFilter): ResourceSnapshot[];
  resource(id: string): ResourceSnapshot | undefined;
  setPollsBeforeDone(polls: number): void;
  /** Replaces the VM size catalogue, e.g. to make a size unavailable in a zone. */
  setVmSkus(offers: readonly VmSkuOffer[]): void;
  setVmImages(images: readonly VmImageOffer[]): void;
  /** Every VM as the machine it stands for: identity, power state, addresses. */
  machines(): MachineSnapshot[];
  /**
   * Calls `listener` after every request the fake answered and every change made from the test side,
   * before the answer leaves; returns a function that removes it.
   */
  onChange(listener: () => void): () => void;
  /** Long-running operations nobody has polled to the end. */
  pendingOperations(): number;
  /** Finishes every pending operation, as Azure would while no client is polling (e.g. after a crash). */
  settle(): number;
  clearRequests(): void;
  /** The Entra directory behind the fake Graph and the role assignments: applications, principals. */
  readonly directory: Directory;
  /** Microsoft Graph over HTTPS with the same certificate (`graph.endpoint`). */
  readonly graph: FakeGraph;
  /** Live role assignments (Microsoft.Authorization) at every scope. */
  roleAssignments(): RoleAssignmentRecord[];
  stop(): Promise<void>;
}

export const DEFAULT_SUBSCRIPTION_ID = '00000000-0000-4000-8000-000000000000';
export const DEFAULT_TENANT_ID = '11111111-1111-4111-8111-111111111111';

export async function startFakeArm(options: FakeArmOptions = {}): Promise<FakeArm> {
  const subscriptionId = options.subscriptionId ?? DEFAULT_SUBSCRIPTION_ID;
  const directory = await mkdtemp(join(tmpdir(), 'fake-arm-'));
  try {
    const certificate = await createCertificate(directory);
    const store = new ResourceStore();
    const operations = new OperationTracker(options.pollsBeforeDone ?? 1);
    const faults = new FaultPlan(options.latencyMs ?? 0);
    const requests: RequestRecord[] = [];
    let skus = options.vmSkus ?? DEFAULT_VM_SKUS;
    let images = options.vmImages ?? DEFAULT_VM_IMAGES;
    const listeners = new Set<() => void>();
    const changed = (): void => {
      for (const listener of listeners) listener();
    };
    let endpoint = '';
    const entra = new Directory(DEFAULT_TENANT_ID);
    const authorization = new Authorization(subscriptionId, store, entra);
    const router = new ArmRouter({
      authorization,
      store,
      operations,
      faults,
      subscriptionId,
      endpoint: () => endpoint,
      pageSize: options.pageSize ?? 100,
      skus: () => skus,
      images: () => images,
      ...(options.publicIpAddresses ? { publicIpAddresses: options.publicIpAddresses } : {}),
    });
    const server = await startServer({
      router,
      faults,
      log: (record) => requests.push(record),
      changed,
      tls: { key: certificate.keyPem, cert: certificate.certPem },
      ...(options.acceptToken ? { acceptToken: options.acceptToken } : {}),
    });
    endpoint = `https://127.0.0.1:${server.port}`;
    const graph = await startFakeGraph(
      entra,
      { key: certificate.keyPem, cert: certificate.certPem },
      options.acceptToken,
    );

    const deleteOutside = (id: string): boolean => {
      const gone = store.deleteTree(id).length > 0;
      changed();
      return gone;
    };
    const vm = (name: string, resourceGroup?: string) => {
      const found = store
        .ofType(VIRTUAL_MACHINE, resourceGroup)
        .find((resource) => resource.name.toLowerCase() === name.toLowerCase());
      if (found === undefined) throw new Error(`fake ARM: no VM ${name}`);
      return found;
    };
    return {
      endpoint,
      subscriptionId,
      caCertPem: certificate.certPem,
      caCertPath: certificate.certPath,
      // The token names the audience it was asked for (`<audience>/.default`), which the fake Graph checks.
      credential: {
        getToken: (scopes) =>
          Promise.resolve({
            token: `fake-token:${[scopes].flat()[0]?.replace(/\/\.default$/, '') ?? ''}`,
            expiresOnTimestamp: Date.now() + 3_600_000,
          }),
      },
      clientOptions: {
        endpoint,
        tlsOptions: { ca: certificate.certPem },
        retryOptions: { retryDelayInMs: 5, maxRetryDelayInMs: 50 },
      },
      pollOptions: { updateIntervalInMs: 0 },
      requests,
      faults: {
        failVmProvisioning: (vmName, vmOptions) => {
          faults.failVmProvisioning(vmName, vmOptions);
        },
        failNext: (count, failOptions) => {
          faults.failNext(count, failOptions);
        },
        pendingRequestFailures: () => faults.pendingRequestFailures(),
        setLatency: (ms) => {
          faults.latencyMs = ms;
        },
        deleteOutside,
        deleteOutsideByName: (type, name, resourceGroup) =>
          store
            .ofType(type, resourceGroup)
            .filter((resource) => resource.name.toLowerCase() === name.toLowerCase())
            .filter((resource) => deleteOutside(resource.id)).length,
        deleteResourceGroupOutside: (name) => deleteOutside(resourceGroupId(subscriptionId, name)),
        evictVm: (name, resourceGroup) => {
          evict(vm(name, resourceGroup), store);
          changed();
        },
        setPowerState: (name, state, resourceGroup) => {
          store.setPowerState(vm(name, resourceGroup).id, state);
          changed();
        },
        clear: () => {
          faults.clear();
        },
      },
      resources: (filter = {}) =>
        store
          .all()
          .filter(
            (resource) =>
              filter.type === undefined || resource.type.toLowerCase() === filter.type.toLowerCase(),
          )
          .filter(
            (resource) =>
              filter.resourceGroup === undefined ||
              resource.resourceGroup.toLowerCase() === filter.resourceGroup.toLowerCase(),
          )
          .map((resource) => store.snapshot(resource)),
      resource: (id) => {
        const found = store.get(id);
        return found === undefined ? undefined : store.snapshot(found);
      },
      setPollsBeforeDone: (polls) => {
        operations.pollsBeforeDone = polls;
      },
      setVmSkus: (offers) => {
        skus = offers;
      },
      setVmImages: (offers) => {
        images = offers;
      },
      machines: () => machines(store),
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      pendingOperations: () => operations.pending(),
      settle: () => {
        const settled = operations.settleAll();
        changed();
        return settled;
      },
      clearRequests: () => {
        requests.length = 0;
      },
      directory: entra,
      graph,
      roleAssignments: () => [...authorization.assignments.values()],
      stop: async () => {
        await graph.stop();
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
