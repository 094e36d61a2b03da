import { Authorization } from './authorization.js';
import { propertiesOf, provisioningStateOf, type TypeBehaviour } from './behaviour.js';
import { ArmError, resourceGroupNotFound, resourceNotFound } from './errors.js';
import {
  methodNotAllowed,
  operationUrl,
  page,
  refuseIfGroupDeleting,
  type ArmContext,
  type Reply,
} from './http.js';
import { copy, isObject, objectAt, stringAt, type JsonObject } from './json.js';
import { operationStatusBody, type Operation } from './lro.js';
import { referrers } from './references.js';
import { behaviourFor, isChildType } from './registry.js';
import { handleResourceGroup } from './resource-groups.js';
import { buildResourceId, parseArmPath, resourceGroupId } from './resource-id.js';
import { filterByLocation, skuBody } from './skus.js';
import { getImageVersion, listImageVersions } from './images.js';
import { checkNameLength } from './names.js';
import { listSubscriptionResources } from './tagged-resources.js';
import { RESOURCE_GROUP_TYPE, type StoredResource } from './store.js';

/** Where a resource path points: its group, type behaviour, canonical id and own name. */
interface Located {
  readonly group: StoredResource;
  readonly behaviour: TypeBehaviour;
  readonly id: string;
  readonly name: string;
}

/** Turns one ARM request into a reply, against the resource store and the operation tracker. */
export class ArmRouter {
  constructor(private readonly context: ArmContext) {}

  handle(method: string, url: URL, request: JsonObject | undefined): Reply {
    if (this.context.authorization && Authorization.matches(url.pathname)) {
      return this.context.authorization.handle(method, url, request);
    }
    const path = parseArmPath(url.pathname, isChildType);
    if (path.kind === 'unknown') {
      throw new ArmError(404, 'InvalidResourceType', `The fake ARM server has no route for ${url.pathname}.`);
    }
    if (path.subscription.toLowerCase() !== this.context.subscriptionId.toLowerCase()) {
      throw new ArmError(
        404,
        'SubscriptionNotFound',
        `The subscription '${path.subscription}' could not be found.`,
      );
    }
    const body = request ?? {};
    switch (path.kind) {
      case 'resourceGroups':
        if (method !== 'GET') throw methodNotAllowed(method);
        return page(
          this.context,
          this.context.store.ofType(RESOURCE_GROUP_TYPE).map((group) => copy(group.body)),
          url,
        );
      case 'resourceGroup':
        return handleResourceGroup(this.context, method, path.resourceGroup, body, url);
      case 'resources':
        if (method !== 'GET') throw methodNotAllowed(method);
        return listSubscriptionResources(this.context, url);
      case 'collection':
        if (method !== 'GET') throw methodNotAllowed(method);
        return this.#collection(path.type, path.resourceGroup, url);
      case 'resource':
        return this.#resource(method, this.#locate(path), body, url);
      case 'action':
        return this.#action(method, this.#locate(path), path.action, request, url);
      case 'operation':
        if (method !== 'GET') throw methodNotAllowed(method);
        return this.#poll(path.operationId, path.style, url);
      case 'vmImage': {
        if (method !== 'GET') throw methodNotAllowed(method);
        const ref = { publisher: path.publisher, offer: path.offer, sku: path.sku };
        const images = this.context.images();
        return path.version === undefined
          ? {
              status: 200,
              body: listImageVersions(images, path.subscription, path.location, ref, url.searchParams),
            }
          : {
              status: 200,
              body: getImageVersion(images, path.subscription, path.location, {
                ...ref,
                version: path.version,
              }),
            };
      }
    }
  }

  #collection(type: string, resourceGroup: string | undefined, url: URL): Reply {
    if (resourceGroup === undefined && type.toLowerCase() === 'microsoft.compute/skus') {
      return page(
        this.context,
        filterByLocation(this.context.skus(), url.searchParams.get('$filter')).map(skuBody),
        url,
      );
    }
    const behaviour = behaviourFor(type);
    let items: StoredResource[];
    if (resourceGroup === undefined) {
      items = this.context.store.ofType(behaviour.type);
    } else if (behaviour.type.split('/').length > 2) {
      // A child collection (`.../virtualNetworks/v/subnets`): the path without its last segment is the parent.
      const group = this.#group(resourceGroup);
      const parentId = decodeURIComponent(url.pathname.slice(0, url.pathname.lastIndexOf('/')));
      const parent = this.context.store.get(parentId);
      if (parent === undefined) {
        const parentType = behaviour.type.split('/').slice(0, -1).join('/');
        throw resourceNotFound(parentType, parentId.split('/').pop() ?? '', group.name);
      }
      items = this.context.store.children(parent.id, behaviour.type);
    } else {
      items = this.context.store.ofType(behaviour.type, this.#group(resourceGroup).name);
    }
    return page(
      this.context,
      items.map((item) => this.#render(behaviour, item, url.searchParams)),
      url,
    );
  }

  #resource(method: string, located: Located, request: JsonObject, url: URL): Reply {
    const { behaviour, group, name } = located;
    const existing = this.context.store.get(located.id);
    switch (method) {
      case 'HEAD':
        return { status: existing === undefined ? 404 : 204 };
      case 'GET':
        if (existing === undefined) throw resourceNotFound(behaviour.type, name, group.name);
        return { status: 200, body: this.#render(behaviour, existing, url.searchParams) };
      case 'PUT':
        return this.#put(located, existing, request, url);
      case 'PATCH': {
        if (existing === undefined) throw resourceNotFound(behaviour.type, name, group.name);
        if (isObject(request.tags)) existing.body.tags = copy(request.tags);
        const properties = objectAt(request, 'properties');
        if (properties !== undefined) Object.assign(propertiesOf(existing.body), copy(properties));
        return { status: 200, body: this.#render(behaviour, existing, url.searchParams) };
      }
      case 'DELETE':
        return this.#delete(behaviour, existing, url);
      default:
        throw methodNotAllowed(method);
    }
  }

  #put(located: Located, existing: StoredResource | undefined, request: JsonObject, url: URL): Reply {
    const { behaviour, group } = located;
    refuseIfGroupDeleting(group);
    if (existing !== undefined && provisioningStateOf(existing) === 'Deleting') {
      throw new ArmError(409, 'AnotherOperationInProgress', `Resource ${existing.id} is being deleted.`);
    }
    const name = existing?.name ?? located.name;
    checkNameLength(behaviour.type, name);
    const plan = behaviour.plan({
      store: this.context.store,
      faults: this.context.faults,
      subscription: this.context.subscriptionId,
      id: existing?.id ?? located.id,
      type: behaviour.type,
      name,
      resourceGroup: group.name,
      existing,
      request,
      skus: this.context.skus(),
      images: this.context.images(),
      publicIpAddresses: this.context.publicIpAddresses,
    });
    const interim = existing === undefined ? 'Creating' : 'Updating';
    const write = (id: string, type: string, resourceName: string, body: JsonObject): StoredResource => {
      propertiesOf(body).provisioningState = behaviour.longRunning ? interim : 'Succeeded';
      return this.context.store.put({ id, type, name: resourceName, resourceGroup: group.name, body });
    };
    for (const removed of plan.removes ?? []) this.context.store.deleteTree(removed);
    const stored = write(stringAt(plan.body, 'id') ?? located.id, behaviour.type, name, plan.body);
    const companions = (plan.companions ?? []).map((companion) =>
      write(companion.id, companion.type, companion.name, companion.body),
    );
    const status = existing === undefined ? 201 : 200;
    const body = this.#render(behaviour, stored, url.searchParams);
    if (!behaviour.longRunning) return { status, body };

    const operation = this.context.operations.start(() => {
      const settle = (resource: StoredResource, state: string): void => {
        // A later write of the same resource owns its state now; this operation must not overwrite it.
        const current = this.context.store.get(resource.id);
        if (current?.generation === resource.generation) propertiesOf(current.body).provisioningState = state;
      };
      settle(stored, plan.failure === undefined ? 'Succeeded' : 'Failed');
      for (const companion of companions) settle(companion, 'Succeeded');
    }, plan.failure);
    return {
      status,
      body,
      headers: { 'azure-asyncoperation': operationUrl(this.context, operation, 'status', url) },
    };
  }

  #delete(behaviour: TypeBehaviour, existing: StoredResource | undefined, url: URL): Reply {
    // Deleting what is not there succeeds: ARM answers 204, so retried deletes are idempotent.
    if (existing === undefined) return { status: 204 };
    if (provisioningStateOf(existing) === 'Deleting') {
      return {
        status: 202,
        headers: this.#operationHeaders(
          this.context.operations.start(() => undefined),
          url,
        ),
      };
    }
    const user = referrers(this.context.store, [existing.id])[0];
    if (user !== undefined) {
      const { status, code } = behaviour.inUse ?? { status: 409, code: 'Conflict' };
      throw new ArmError(
        status,
        code,
        `Resource ${existing.id} is in use by ${user.id} and cannot be deleted.`,
      );
    }
    const remove = (): void => {
      this.context.store.deleteTree(existing.id);
      behaviour.afterDelete?.(existing, this.context.store);
    };
    if (!behaviour.longRunning) {
      remove();
      return { status: 200 };
    }
    propertiesOf(existing.body).provisioningState = 'Deleting';
    return { status: 202, headers: this.#operationHeaders(this.context.operations.start(remove), url) };
  }

  #action(
    method: string,
    located: Located,
    action: string,
    request: JsonObject | undefined,
    url: URL,
  ): Reply {
    const { behaviour, group, name } = located;
    const resource = this.context.store.get(located.id);
    if (resource === undefined) throw resourceNotFound(behaviour.type, name, group.name);
    const reply = behaviour.action?.(action, resource, {
      store: this.context.store,
      method,
      request,
      query: url.searchParams,
    });
    if (reply === undefined) {
      throw new ArmError(
        404,
        'InvalidResourceType',
        `The fake ARM server has no action ${action} on ${behaviour.type}.`,
      );
    }
    if (reply.operation !== undefined)
      return {
        status: 202,
        headers: this.#operationHeaders(this.context.operations.start(reply.operation), url),
      };
    return reply.body === undefined ? { status: reply.status } : { status: reply.status, body: reply.body };
  }

  #poll(operationId: string, style: 'status' | 'result', url: URL): Reply {
    const operation = this.context.operations.poll(operationId);
    if (operation === undefined) {
      throw new ArmError(404, 'OperationNotFound', `Operation ${operationId} was not found.`);
    }
    if (style === 'status') return { status: 200, body: operationStatusBody(operation), poll: true };
    // The Location protocol signals progress by status code: 202 while running, then the outcome.
    switch (operation.status) {
      case 'InProgress':
        return {
          status: 202,
          headers: { location: operationUrl(this.context, operation, 'result', url) },
          poll: true,
        };
      case 'Succeeded':
        return { status: 200, poll: true };
      case 'Failed':
        return { status: 400, body: { error: operationStatusBody(operation).error ?? null }, poll: true };
    }
  }

  /** Resolves group, parent and canonical id; a missing group or parent is a 404 whatever the method. */
  #locate(path: { resourceGroup: string; type: string; names: readonly string[] }): Located {
    const group = this.#group(path.resourceGroup);
    const behaviour = behaviourFor(path.type);
    const name = path.names[path.names.length - 1] ?? '';
    const typeParts = behaviour.type.split('/');
    if (typeParts.length <= 2) {
      return {
        group,
        behaviour,
        name,
        id: buildResourceId(this.context.subscriptionId, group.name, behaviour.type, path.names),
      };
    }
    const parentType = typeParts.slice(0, -1).join('/');
    const parentNames = path.names.slice(0, -1);
    const parent = this.context.store.get(
      buildResourceId(this.context.subscriptionId, group.name, parentType, parentNames),
    );
    if (parent === undefined) throw resourceNotFound(parentType, parentNames.join('/'), group.name);
    // Children hang under the parent's canonical id, whatever casing the request used.
    return { group, behaviour, name, id: `${parent.id}/${typeParts[typeParts.length - 1] ?? ''}/${name}` };
  }

  #group(name: string): StoredResource {
    const group = this.context.store.get(resourceGroupId(this.context.subscriptionId, name));
    if (group === undefined) throw resourceGroupNotFound(name);
    return group;
  }

  #render(behaviour: TypeBehaviour, resource: StoredResource, query: URLSearchParams): JsonObject {
    return behaviour.render?.(resource, this.context.store, query) ?? copy(resource.body);
  }

  #operationHeaders(operation: Operation, url: URL): Record<string, string> {
    return {
      'azure-asyncoperation': operationUrl(this.context, operation, 'status', url),
      location: operationUrl(this.context, operation, 'result', url),
    };
  }
}
