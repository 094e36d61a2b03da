/**
 * ARM role assignments (Microsoft.Authorization, api-version 2022-04-01): find a role definition by
 * name, assign it idempotently under a name derived from what it grants, delete it. A principal made
 * seconds ago may not have replicated to ARM yet (400 PrincipalNotFound): that is retried, bounded.
 */
import { createHash } from 'node:crypto';
import type { TokenCredential } from '@azure/identity';
import { RestCallError, RestClient } from './rest.js';

export const API_VERSION = '2022-04-01';
export const ARM_ENDPOINT = 'https://management.azure.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RoleAssignmentsOptions {
  readonly credential: TokenCredential;
  readonly endpoint?: string;
  readonly clientOptions?: { readonly tlsOptions?: { readonly ca: string }; readonly retryOptions?: object };
  readonly signal?: AbortSignal;
}

export interface RoleAssignment {
  readonly id: string;
  readonly principalId: string;
  readonly roleDefinitionId: string;
  readonly scope: string;
}

interface ArmRoleAssignment {
  id?: string;
  properties?: { principalId?: string; roleDefinitionId?: string; scope?: string };
}

/** A role assignment's name is a GUID; this one is the same for the same grant, so a re-run finds it. */
export function roleAssignmentName(principalId: string, roleDefinitionId: string, scope: string): string {
  const hex = createHash('sha256')
    .update(`${principalId.toLowerCase()}|${roleDefinitionId.toLowerCase()}|${scope.toLowerCase()}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class RoleAssignments {
  private constructor(private readonly rest: RestClient) {}

  static async create(options: RoleAssignmentsOptions): Promise<RoleAssignments> {
    const endpoint = options.endpoint ?? ARM_ENDPOINT;
    return new RoleAssignments(
      await RestClient.create({
        endpoint,
        audience: endpoint,
        credential: options.credential,
        ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }

  /** The role definition id of `role` (a name such as Contributor, or a definition GUID) at `scope`. */
  async roleDefinitionId(scope: string, role: string): Promise<string | undefined> {
    if (GUID.test(role)) {
      const found = await this.rest.find<{ id?: string }>(
        `${scope}/providers/Microsoft.Authorization/roleDefinitions/${role}?api-version=${API_VERSION}`,
      );
      return found?.id;
    }
    const filter = encodeURIComponent(`roleName eq '${role.replace(/'/g, "''")}'`);
    const { body } = await this.rest.get<{ value?: { id?: string; properties?: { roleName?: string } }[] }>(
      `${scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=${filter}&api-version=${API_VERSION}`,
    );
    return body.value?.find((d) => d.properties?.roleName?.toLowerCase() === role.toLowerCase())?.id;
  }

  get(id: string): Promise<RoleAssignment | undefined> {
    return this.rest
      .find<ArmRoleAssignment>(`${id}?api-version=${API_VERSION}`)
      .then((found) => (found ? summarise(found, id) : undefined));
  }

  /**
   * Assigns the role; `existing` when the same grant exists under another name (someone else made
   * it: it is not ours to delete). `retryPrincipal` bounds the wait for a new principal to replicate.
   */
  async assign(
    grant: { principalId: string; roleDefinitionId: string; scope: string },
    retryPrincipal: { readonly attempts: number; readonly pause: (attempt: number) => Promise<void> },
  ): Promise<{ id: string; outcome: 'created' | 'existing' }> {
    const name = roleAssignmentName(grant.principalId, grant.roleDefinitionId, grant.scope);
    const id = `${grant.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const { body } = await this.rest.put<ArmRoleAssignment>(`${id}?api-version=${API_VERSION}`, {
          properties: {
            roleDefinitionId: grant.roleDefinitionId,
            principalId: grant.principalId,
            // Said outright, ARM need not look the principal up in a directory that may lag behind.
            principalType: 'ServicePrincipal',
          },
        });
        return { id: body.id ?? id, outcome: 'created' };
      } catch (error) {
        if (error instanceof RestCallError && error.code === 'RoleAssignmentExists') {
          // Ours when it stands under the name this grant derives (a PUT repeated after a lost answer).
          const ours = await this.get(id);
          return { id, outcome: ours?.principalId === grant.principalId ? 'created' : 'existing' };
        }
        const replicating = error instanceof RestCallError && error.code === 'PrincipalNotFound';
        if (!replicating || attempt >= retryPrincipal.attempts) throw error;
        await retryPrincipal.pause(attempt);
      }
    }
  }

  async delete(id: string): Promise<'deleted' | 'absent'> {
    const status = await this.rest.delete(`${id}?api-version=${API_VERSION}`);
    return status === 'absent' || status === 204 ? 'absent' : 'deleted';
  }
}

function summarise(found: ArmRoleAssignment, id: string): RoleAssignment {
  return {
    id: found.id ?? id,
    principalId: found.properties?.principalId ?? '',
    roleDefinitionId: found.properties?.roleDefinitionId ?? '',
    scope: found.properties?.scope ?? '',
  };
}
