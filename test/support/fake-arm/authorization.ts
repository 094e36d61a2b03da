/**
 * Microsoft.Authorization at subscription and resource-group scope: the built-in role definitions
 * (GET one, list with `$filter=roleName eq '…'`) and role assignments (PUT, GET, DELETE), refusing as
 * ARM does: a name that is not a GUID (400 InvalidRoleAssignmentId), an unknown role definition (400
 * RoleDefinitionDoesNotExist), a principal the directory does not have — or has not replicated yet —
 * (400 PrincipalNotFound), the same grant under another name (409 RoleAssignmentExists), a PUT that
 * changes an assignment (400 RoleAssignmentUpdateNotPermitted), a scope whose group is missing.
 */
import type { Directory } from '../fake-graph/directory.js';
import { ArmError, resourceGroupNotFound } from './errors.js';
import type { Reply } from './http.js';
import type { JsonObject } from './json.js';
import { resourceGroupId } from './resource-id.js';
import type { ResourceStore } from './store.js';

/** Built-in roles with their well-known definition GUIDs. */
export const BUILT_IN_ROLES: Readonly<Record<string, string>> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  'User Access Administrator': '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATH =
  /^(\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?)\/providers\/microsoft\.authorization\/(roleassignments|roledefinitions)(?:\/([^/]+))?$/i;

export interface RoleAssignmentRecord {
  readonly id: string;
  readonly name: string;
  readonly scope: string;
  readonly roleDefinitionId: string;
  readonly principalId: string;
  readonly principalType: string;
}

export class Authorization {
  readonly assignments = new Map<string, RoleAssignmentRecord>();

  constructor(
    private readonly subscriptionId: string,
    private readonly store: ResourceStore,
    private readonly directory: Directory,
  ) {}

  static matches(pathname: string): boolean {
    return PATH.test(decodeURIComponent(pathname));
  }

  handle(method: string, url: URL, request: JsonObject | undefined): Reply {
    const match = PATH.exec(decodeURIComponent(url.pathname));
    if (!match) throw new ArmError(404, 'InvalidResourceType', `No route for ${url.pathname}.`);
    const [, scope = '', subscription = '', group, collection = '', name] = match;
    if (subscription.toLowerCase() !== this.subscriptionId.toLowerCase())
      throw new ArmError(
        404,
        'SubscriptionNotFound',
        `The subscription '${subscription}' could not be found.`,
      );
    if (group !== undefined && this.store.get(resourceGroupId(subscription, group)) === undefined)
      throw resourceGroupNotFound(group);
    if (collection.toLowerCase() === 'roledefinitions') return this.definitions(method, scope, name, url);
    if (name === undefined)
      throw new ArmError(405, 'MethodNotAllowed', 'List role assignments is not modelled.');
    const id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    const key = id.toLowerCase();
    switch (method) {
      case 'GET': {
        const found = this.assignments.get(key);
        if (!found)
          throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
        return { status: 200, body: render(found) };
      }
      case 'DELETE': {
        const found = this.assignments.get(key);
        if (!found) return { status: 204 };
        this.assignments.delete(key);
        return { status: 200, body: render(found) };
      }
      case 'PUT':
        return this.put(id, name, scope, request ?? {});
      default:
        throw new ArmError(405, 'MethodNotAllowed', `${method} is not allowed here.`);
    }
  }

  private put(id: string, name: string, scope: string, request: JsonObject): Reply {
    if (!GUID.test(name)) {
      throw new ArmError(
        400,
        'InvalidRoleAssignmentId',
        `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`,
      );
    }
    const properties = (request.properties ?? {}) as Record<string, unknown>;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const roleDefinitionId = text(properties.roleDefinitionId);
    const principalId = text(properties.principalId);
    const definition = roleDefinitionId.split('/').pop() ?? '';
    if (!Object.values(BUILT_IN_ROLES).includes(definition.toLowerCase())) {
      throw new ArmError(
        400,
        'RoleDefinitionDoesNotExist',
        `The specified role definition with ID '${definition}' does not exist.`,
      );
    }
    const lag = this.directory.replicationLag.get(principalId) ?? 0;
    if (!this.directory.servicePrincipals.has(principalId) || lag > 0) {
      if (lag > 0) this.directory.replicationLag.set(principalId, lag - 1);
      throw new ArmError(
        400,
        'PrincipalNotFound',
        `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${this.directory.tenantId}. ` +
          'Check that you have the correct principal ID. If you are creating this principal and then immediately ' +
          'assigning a role, this error might be related to a replication delay.',
      );
    }
    const record: RoleAssignmentRecord = {
      id,
      name,
      scope,
      roleDefinitionId: `/subscriptions/${this.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${definition.toLowerCase()}`,
      principalId,
      principalType: text(properties.principalType) || 'ServicePrincipal',
    };
    const existing = this.assignments.get(id.toLowerCase());
    if (existing) {
      if (existing.principalId !== principalId || !sameDefinition(existing.roleDefinitionId, definition)) {
        throw new ArmError(
          400,
          'RoleAssignmentUpdateNotPermitted',
          'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.',
        );
      }
      return { status: 201, body: render(existing) };
    }
    const duplicate = [...this.assignments.values()].find(
      (a) =>
        a.principalId === principalId &&
        a.scope.toLowerCase() === scope.toLowerCase() &&
        sameDefinition(a.roleDefinitionId, definition),
    );
    if (duplicate) throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    this.assignments.set(id.toLowerCase(), record);
    return { status: 201, body: render(record) };
  }

  private definitions(method: string, scope: string, name: string | undefined, url: URL): Reply {
    if (method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', 'Role definitions are read-only here.');
    const all = Object.entries(BUILT_IN_ROLES).map(([roleName, guid]) => ({
      id: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      name: guid,
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: { roleName, type: 'BuiltInRole', assignableScopes: ['/'] },
    }));
    if (name !== undefined) {
      const found = all.find((d) => d.name === name.toLowerCase());
      if (!found)
        throw new ArmError(
          404,
          'RoleDefinitionDoesNotExist',
          `The role definition '${name}' could not be found.`,
        );
      return { status: 200, body: found };
    }
    const filter = url.searchParams.get('$filter');
    const wanted = filter === null ? undefined : /^roleName eq '((?:[^']|'')*)'$/.exec(filter)?.[1];
    if (filter !== null && wanted === undefined)
      throw new ArmError(400, 'InvalidFilter', `The filter '${filter}' is not supported.`);
    // roleName matches exactly, as ARM's filter does.
    return {
      status: 200,
      body: { value: all.filter((d) => wanted === undefined || d.properties.roleName === wanted) },
    };
  }
}

function sameDefinition(id: string, guid: string): boolean {
  return (id.split('/').pop() ?? '').toLowerCase() === guid.toLowerCase();
}

function render(record: RoleAssignmentRecord): JsonObject {
  return {
    id: record.id,
    name: record.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      roleDefinitionId: record.roleDefinitionId,
      principalId: record.principalId,
      principalType: record.principalType,
      scope: record.scope,
    },
  };
}
