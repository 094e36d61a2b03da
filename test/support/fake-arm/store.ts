import { copy, type JsonObject } from './json.js';
import { idKey } from './resource-id.js';

/** One live resource. `body` is what GET returns before per-type rendering adds computed fields. */
export interface StoredResource {
  /** Canonical id, in the casing the resource was created with. */
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly resourceGroup: string;
  body: JsonObject;
  /** Bumped on every write, so a stale long-running operation cannot overwrite a newer one. */
  generation: number;
}

/** What tests see: a snapshot, safe to keep after the store changes. */
export interface ResourceSnapshot {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly resourceGroup: string;
  readonly provisioningState: string | undefined;
  /** As stored, including write-only fields ARM never returns (e.g. `osProfile.customData`). */
  readonly body: JsonObject;
}

/**
 * All live resources of the subscription, keyed by lower-cased id. A resource's children and a group's
 * resources are exactly the keys below its own key, so cascades are prefix scans.
 */
export class ResourceStore {
  readonly #byKey = new Map<string, StoredResource>();
  /** A VM's power state lives beside its model, as in ARM: PUTs do not touch it, instance views show it. */
  readonly #powerStates = new Map<string, PowerState>();

  powerState(id: string): PowerState | undefined {
    return this.#powerStates.get(idKey(id));
  }

  setPowerState(id: string, state: PowerState): void {
    this.#powerStates.set(idKey(id), state);
  }

  get(id: string): StoredResource | undefined {
    return this.#byKey.get(idKey(id));
  }

  put(resource: Omit<StoredResource, 'generation'>): StoredResource {
    const existing = this.get(resource.id);
    const stored: StoredResource = { ...resource, generation: (existing?.generation ?? 0) + 1 };
    this.#byKey.set(idKey(resource.id), stored);
    return stored;
  }

  /** Removes a resource and everything under it (children, or a group's resources); returns what went. */
  deleteTree(id: string): StoredResource[] {
    const removed = this.tree(id);
    for (const resource of removed) {
      this.#byKey.delete(idKey(resource.id));
      this.#powerStates.delete(idKey(resource.id));
    }
    return removed;
  }

  /** The resource itself (if present) and every resource whose id lies under it. */
  tree(id: string): StoredResource[] {
    const key = idKey(id);
    const prefix = `${key}/`;
    return [...this.#byKey.entries()]
      .filter(([candidate]) => candidate === key || candidate.startsWith(prefix))
      .map(([, resource]) => resource);
  }

  /** Direct children of one type, e.g. the subnets of a virtual network. */
  children(parentId: string, type: string): StoredResource[] {
    const prefix = `${idKey(parentId)}/`;
    const wantedType = type.toLowerCase();
    return this.all().filter(
      (resource) => idKey(resource.id).startsWith(prefix) && resource.type.toLowerCase() === wantedType,
    );
  }

  ofType(type: string, resourceGroup?: string): StoredResource[] {
    const wantedType = type.toLowerCase();
    const wantedGroup = resourceGroup?.toLowerCase();
    return this.all().filter(
      (resource) =>
        resource.type.toLowerCase() === wantedType &&
        (wantedGroup === undefined || resource.resourceGroup.toLowerCase() === wantedGroup),
    );
  }

  all(): StoredResource[] {
    return [...this.#byKey.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  snapshot(resource: StoredResource): ResourceSnapshot {
    const properties = resource.body.properties;
    const state =
      typeof properties === 'object' && properties !== null && !Array.isArray(properties)
        ? properties.provisioningState
        : undefined;
    return {
      id: resource.id,
      type: resource.type,
      name: resource.name,
      resourceGroup: resource.resourceGroup,
      provisioningState: typeof state === 'string' ? state : undefined,
      body: copy(resource.body),
    };
  }
}

/** The `PowerState/<x>` codes of a VM's instance view. */
export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export const RESOURCE_GROUP_TYPE = 'Microsoft.Resources/resourceGroups';
