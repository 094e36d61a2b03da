/** What the request handlers share: their dependencies, the reply shape, paging and operation URLs. */
import type { Authorization } from './authorization.js';
import { provisioningStateOf } from './behaviour.js';
import { ArmError } from './errors.js';
import type { FaultPlan } from './faults.js';
import type { Json, JsonObject } from './json.js';
import type { Operation, OperationTracker } from './lro.js';
import { OPERATIONS_NAMESPACE } from './resource-id.js';
import type { VmImageOffer } from './images.js';
import type { VmSkuOffer } from './skus.js';
import type { ResourceStore, StoredResource } from './store.js';

export interface Reply {
  readonly status: number;
  readonly body?: Json;
  readonly headers?: Readonly<Record<string, string>>;
  /** The request polled a long-running operation. */
  readonly poll?: boolean;
}

export interface ArmContext {
  readonly store: ResourceStore;
  readonly operations: OperationTracker;
  readonly faults: FaultPlan;
  readonly subscriptionId: string;
  /** A function because the port is only known once the server listens. */
  readonly endpoint: () => string;
  readonly pageSize: number;
  readonly skus: () => readonly VmSkuOffer[];
  readonly images: () => readonly VmImageOffer[];
  /** Addresses new public IPs get, in order; undefined: the documentation ranges. */
  readonly publicIpAddresses?: readonly string[];
  /** Role definitions and assignments (Microsoft.Authorization). */
  readonly authorization?: Authorization;
}

export const methodNotAllowed = (method: string): ArmError =>
  new ArmError(405, 'MethodNotAllowed', `The fake ARM server does not support ${method} here.`);

export function refuseIfGroupDeleting(group: StoredResource): void {
  if (provisioningStateOf(group) === 'Deleting') {
    throw new ArmError(
      409,
      'ResourceGroupBeingDeleted',
      `The resource group '${group.name}' is in deprovisioning state.`,
    );
  }
}

/** A `{ value, nextLink }` page; `$skiptoken` carries the offset of the next page. */
export function page(context: ArmContext, items: readonly JsonObject[], url: URL): Reply {
  const offset = Number(url.searchParams.get('$skiptoken') ?? '0');
  const start = Number.isInteger(offset) && offset > 0 ? offset : 0;
  const body: JsonObject = { value: items.slice(start, start + context.pageSize) };
  if (start + context.pageSize < items.length) {
    const next = new URL(url.pathname, context.endpoint());
    url.searchParams.forEach((value, key) => {
      if (key !== '$skiptoken') next.searchParams.set(key, value);
    });
    next.searchParams.set('$skiptoken', String(start + context.pageSize));
    body.nextLink = next.toString();
  }
  return { status: 200, body };
}

/**
 * `status` is the Azure-AsyncOperation URL (200 with `{ status }`), `result` the Location URL (202
 * until done). Both carry the request's api-version, as ARM's do.
 */
export function operationUrl(
  context: ArmContext,
  operation: Operation,
  style: 'status' | 'result',
  request: URL,
): string {
  const segment = style === 'status' ? 'operations' : 'operationResults';
  const target = new URL(
    `/subscriptions/${context.subscriptionId}/providers/${OPERATIONS_NAMESPACE}/${segment}/${operation.id}`,
    context.endpoint(),
  );
  target.searchParams.set('api-version', request.searchParams.get('api-version') ?? '2024-01-01');
  return target.toString();
}
