import { randomUUID } from 'node:crypto';
import { ArmError, badRequest } from './errors.js';
import type { FaultPlan } from './faults.js';
import { copy, ensureObject, objectAt, stringAt, type JsonObject } from './json.js';
import type { OperationFailure } from './lro.js';
import { idKey } from './resource-id.js';
import type { VmSkuOffer } from './skus.js';
import type { ResourceStore, StoredResource } from './store.js';

/** Everything a resource type needs to turn a PUT body into what it stores. */
export interface PutContext {
  readonly store: ResourceStore;
  readonly faults: FaultPlan;
  readonly subscription: string;
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly existing: StoredResource | undefined;
  readonly request: JsonObject;
  /** The VM sizes on offer, for the checks ARM makes when a VM is placed. */
  readonly skus: readonly VmSkuOffer[];
  /** Addresses new public IPs get, in order; undefined: the documentation ranges. */
  readonly publicIpAddresses?: readonly string[] | undefined;
}

/** A resource written by the same operation as the one requested (a VM's OS disk, a VNet's subnets). */
export interface Companion {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly body: JsonObject;
}

export interface PutPlan {
  readonly body: JsonObject;
  readonly companions?: readonly Companion[];
  /** Ids the write removes, e.g. subnets left out of a VNet PUT (ARM replaces the whole list). */
  readonly removes?: readonly string[];
  /** Set when provisioning is to end Failed (the resource stays, in state Failed). */
  readonly failure?: OperationFailure;
}

export interface ActionContext {
  readonly store: ResourceStore;
  readonly method: string;
  readonly request: JsonObject | undefined;
  readonly query: URLSearchParams;
}

export interface ActionReply {
  readonly status: number;
  readonly body?: JsonObject;
}

export interface TypeBehaviour {
  /** Canonical casing, e.g. `Microsoft.Network/virtualNetworks/subnets`. */
  readonly type: string;
  /** Whether PUT and DELETE are long-running operations (201/202 plus status URLs). */
  readonly longRunning: boolean;
  /** Tracked (top-level) resources need a location; child resources inherit their parent's. */
  readonly tracked: boolean;
  /** Status and code ARM answers when something still refers to the resource being deleted. */
  readonly inUse?: { readonly status: number; readonly code: string };
  plan(context: PutContext): PutPlan;
  /** Adds what ARM computes on read (back-references, inline children, hidden write-only fields). */
  render?(resource: StoredResource, store: ResourceStore, query: URLSearchParams): JsonObject;
  /** Runs after the resource is gone: e.g. a VM deletes its NICs and disks per `deleteOption`. */
  afterDelete?(resource: StoredResource, store: ResourceStore): void;
  action?(name: string, resource: StoredResource, context: ActionContext): ActionReply | undefined;
}

/** The common envelope: the request's top-level fields plus id, name, type and a properties object. */
export function baseBody(context: PutContext, extra: { etag?: boolean } = {}): JsonObject {
  const body = copy(context.request);
  body.id = context.id;
  body.name = context.name;
  body.type = context.type;
  ensureObject(body, 'properties');
  if (extra.etag === true) body.etag = `W/"${randomUUID()}"`;
  return body;
}

export function requireLocation(context: PutContext): void {
  if (stringAt(context.request, 'location') === undefined) {
    throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  }
}

/** The stored resource a reference points at, or a 400 naming the missing reference. */
export function resolveReference(
  store: ResourceStore,
  reference: JsonObject | undefined,
  expectedType: string,
  what: string,
): StoredResource | undefined {
  const id = stringAt(reference, 'id');
  if (id === undefined) return undefined;
  const target = store.get(id);
  if (target?.type.toLowerCase() !== expectedType.toLowerCase()) {
    throw badRequest('InvalidResourceReference', `Resource ${id} referenced by ${what} was not found.`);
  }
  return target;
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && idKey(a) === idKey(b);
}

export function propertiesOf(body: JsonObject): JsonObject {
  return ensureObject(body, 'properties');
}

export function provisioningStateOf(resource: StoredResource): string | undefined {
  return stringAt(objectAt(resource.body, 'properties'), 'provisioningState');
}

/** Any type without special behaviour: stored as sent, provisioned through a long-running operation. */
export function genericBehaviour(type: string): TypeBehaviour {
  return {
    type,
    longRunning: true,
    tracked: type.split('/').length === 2,
    plan: (context) => ({ body: baseBody(context) }),
  };
}
