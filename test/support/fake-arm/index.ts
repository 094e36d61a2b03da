/**
 * A fake Azure Resource Manager over HTTPS on 127.0.0.1 that the real `@azure/arm-*` clients talk to.
 * See README.md in this folder for what it models and what the SDK does with it.
 */
import type { TokenCredential } from '@azure/identity';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate } from './certificate.js';
import { FaultPlan, type FailNextOptions, type VmFailureOptions } from './faults.js';
import { OperationTracker } from './lro.js';
import type { RequestRecord } from './request-log.js';
import { resourceGroupId } from './resource-id.js';
import { ArmRouter } from './router.js';
import { startServer } from './server.js';
import { DEFAULT_VM_SKUS, type VmSkuOffer } from './skus.js';
import { ResourceStore, type ResourceSnapshot } from './store.js';

export type { FailNextOptions, RequestInfo, RequestMatcher, VmFailureOptions } from './faults.js';
export { peakConcurrency, sequentialRoundTrips, type RequestRecord } from './request-log.js';
export { DEFAULT_VM_SKUS, type VmSkuOffer } from './skus.js';
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
  /** Long-running operations nobody has polled to the end. */
  pendingOperations(): number;
  /** Finishes every pending operation, as Azure would while no client is polling (e.g. after a crash). */
  settle(): number;
  clearRequests(): void;
  stop(): Promise<void>;
}

export const DEFAULT_SUBSCRIPTION_ID = '00000000-0000-4000-8000-000000000000';

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
    let endpoint = '';
    const router = new ArmRouter({
      store,
      operations,
      faults,
      subscriptionId,
      endpoint: () => endpoint,
      pageSize: options.pageSize ?? 100,
      skus: () => skus,
      ...(options.publicIpAddresses ? { publicIpAddresses: options.publicIpAddresses } : {}),
    });
    const server = await startServer({
      router,
      faults,
      log: (record) => requests.push(record),
      tls: { key: certificate.keyPem, cert: certificate.certPem },
      ...(options.acceptToken ? { acceptToken: options.acceptToken } : {}),
    });
    endpoint = `https://127.0.0.1:${server.port}`;

    const deleteOutside = (id: string): boolean => store.deleteTree(id).length > 0;
    return {
      endpoint,
      subscriptionId,
      caCertPem: certificate.certPem,
      caCertPath: certificate.certPath,
      credential: {
        getToken: () =>
          Promise.resolve({ token: 'fake-arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
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
      pendingOperations: () => operations.pending(),
      settle: () => operations.settleAll(),
      clearRequests: () => {
        requests.length = 0;
      },
      stop: async () => {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}
