/**
 * The Microsoft Graph v1.0 calls setup_azure_children makes: an application registration, its service
 * principal and a password; look-ups by appId and display name; and deleting the application (which
 * deletes its service principal and passwords with it).
 */
import type { TokenCredential } from '@azure/identity';
import { RestClient, RestCallError } from './rest.js';

export const GRAPH_ENDPOINT = 'https://graph.microsoft.com';

export interface GraphApplication {
  /** The object id (what `/applications/{id}` names). */
  readonly id: string;
  /** The application (client) id. */
  readonly appId: string;
  readonly displayName: string;
  readonly tags?: readonly string[];
}

export interface GraphServicePrincipal {
  readonly id: string;
  readonly appId: string;
}

export interface GraphOptions {
  readonly credential: TokenCredential;
  /** Where the requests go (a sovereign cloud's Graph, a test's fake); the public cloud's by default. */
  readonly endpoint?: string;
  /** The token's audience; the endpoint's by default. */
  readonly audience?: string;
  readonly clientOptions?: { readonly tlsOptions?: { readonly ca: string }; readonly retryOptions?: object };
  readonly signal?: AbortSignal;
}

const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

export class GraphClient {
  private constructor(private readonly rest: RestClient) {}

  static async create(options: GraphOptions): Promise<GraphClient> {
    const endpoint = options.endpoint ?? GRAPH_ENDPOINT;
    return new GraphClient(
      await RestClient.create({
        endpoint,
        audience: options.audience ?? endpoint,
        credential: options.credential,
        ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
  }

  async createApplication(displayName: string, tags: readonly string[]): Promise<GraphApplication> {
    const { body } = await this.rest.post<GraphApplication>('/v1.0/applications', {
      displayName,
      signInAudience: 'AzureADMyOrg',
      tags,
    });
    return body;
  }

  /** Applications with this display name (a crash may have left one unrecorded). */
  async applicationsNamed(displayName: string): Promise<GraphApplication[]> {
    const filter = encodeURIComponent(`displayName eq ${quoted(displayName)}`);
    const { body } = await this.rest.get<{ value?: GraphApplication[] }>(
      `/v1.0/applications?$filter=${filter}&$select=id,appId,displayName,tags`,
    );
    return body.value ?? [];
  }

  application(appId: string): Promise<GraphApplication | undefined> {
    return this.rest.find<GraphApplication>(`/v1.0/applications(appId=${quoted(appId)})`);
  }

  servicePrincipal(appId: string): Promise<GraphServicePrincipal | undefined> {
    return this.rest.find<GraphServicePrincipal>(`/v1.0/servicePrincipals(appId=${quoted(appId)})`);
  }

  async createServicePrincipal(appId: string): Promise<GraphServicePrincipal> {
    const { body } = await this.rest.post<GraphServicePrincipal>('/v1.0/servicePrincipals', { appId });
    return body;
  }

  /** A new client secret; Graph shows its text only in this answer. */
  async addPassword(applicationObjectId: string, displayName: string, endDateTime: string): Promise<string> {
    const { body } = await this.rest.post<{ secretText?: string }>(
      `/v1.0/applications/${encodeURIComponent(applicationObjectId)}/addPassword`,
      { passwordCredential: { displayName, endDateTime } },
    );
    if (!body.secretText) throw new Error('Microsoft Graph answered addPassword without a secretText');
    return body.secretText;
  }

  /** Deletes the application registration (its service principal and passwords go with it). */
  async deleteApplication(applicationObjectId: string): Promise<'deleted' | 'absent'> {
    const status = await this.rest.delete(`/v1.0/applications/${encodeURIComponent(applicationObjectId)}`);
    return status === 'absent' ? 'absent' : 'deleted';
  }
}

/** Graph refused because the identity may not do this (no Application.ReadWrite.OwnedBy or similar). */
export function isGraphForbidden(error: unknown): boolean {
  return error instanceof RestCallError && (error.statusCode === 403 || error.statusCode === 401);
}
