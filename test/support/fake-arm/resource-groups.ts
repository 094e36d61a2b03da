import { propertiesOf } from './behaviour.js';
import { ArmError, resourceGroupNotFound } from './errors.js';
import {
  methodNotAllowed,
  operationUrl,
  refuseIfGroupDeleting,
  type ArmContext,
  type Reply,
} from './http.js';
import { copy, isObject, stringAt, type JsonObject } from './json.js';
import { checkNameLength } from './names.js';
import { resourceGroupId } from './resource-id.js';
import { RESOURCE_GROUP_TYPE } from './store.js';

/**
 * `/subscriptions/{s}/resourcegroups/{name}`. Unlike most resources a group's PUT is synchronous, and
 * its DELETE is polled through `Location` only, which changes how the SDK reports a failure.
 */
export function handleResourceGroup(
  context: ArmContext,
  method: string,
  name: string,
  request: JsonObject,
  url: URL,
): Reply {
  const existing = context.store.get(resourceGroupId(context.subscriptionId, name));
  switch (method) {
    case 'HEAD':
      return { status: existing === undefined ? 404 : 204 };
    case 'GET':
      if (existing === undefined) throw resourceGroupNotFound(name);
      return { status: 200, body: copy(existing.body) };
    case 'PUT': {
      const location = stringAt(request, 'location');
      if (location === undefined) {
        throw new ArmError(400, 'LocationRequired', 'The location property is required.');
      }
      if (existing === undefined) checkNameLength(RESOURCE_GROUP_TYPE, name);
      if (existing !== undefined) refuseIfGroupDeleting(existing);
      const existingLocation = stringAt(existing?.body, 'location');
      if (existingLocation !== undefined && existingLocation.toLowerCase() !== location.toLowerCase()) {
        throw new ArmError(
          409,
          'InvalidResourceGroupLocation',
          `Invalid resource group location '${location}'. The Resource group already exists in location '${existingLocation}'.`,
        );
      }
      // ARM keeps the casing of the first PUT.
      const canonicalName = existing?.name ?? name;
      const id = existing?.id ?? resourceGroupId(context.subscriptionId, canonicalName);
      const body: JsonObject = {
        id,
        name: canonicalName,
        type: RESOURCE_GROUP_TYPE,
        location,
        properties: { provisioningState: 'Succeeded' },
      };
      if (isObject(request.tags)) body.tags = copy(request.tags);
      const managedBy = stringAt(request, 'managedBy');
      if (managedBy !== undefined) body.managedBy = managedBy;
      context.store.put({
        id,
        type: RESOURCE_GROUP_TYPE,
        name: canonicalName,
        resourceGroup: canonicalName,
        body,
      });
      return { status: existing === undefined ? 201 : 200, body: copy(body) };
    }
    case 'PATCH':
      if (existing === undefined) throw resourceGroupNotFound(name);
      if (isObject(request.tags)) existing.body.tags = copy(request.tags);
      return { status: 200, body: copy(existing.body) };
    case 'DELETE': {
      if (existing === undefined) throw resourceGroupNotFound(name);
      propertiesOf(existing.body).provisioningState = 'Deleting';
      const operation = context.operations.start(() => {
        context.store.deleteTree(existing.id);
      });
      return { status: 202, headers: { location: operationUrl(context, operation, 'result', url) } };
    }
    default:
      throw methodNotAllowed(method);
  }
}
