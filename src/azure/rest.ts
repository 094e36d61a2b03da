/**
 * JSON over HTTPS with a bearer token for the few Azure calls no installed `@azure/arm-*` client makes
 * (ARM role assignments, Microsoft Graph). Built on `@azure/core-rest-pipeline`, which the ARM clients
 * already ship inside the bundle: the same retry (429 with Retry-After, 5xx), TLS and token handling,
 * without a Graph or Authorization SDK of its own.
 */
import type { TokenCredential } from '@azure/identity';
import type { Pipeline, HttpClient } from '@azure/core-rest-pipeline';

export interface RestClientOptions {
  /** Base URL: `https://management.azure.com`, `https://graph.microsoft.com`. */
  readonly endpoint: string;
  /** The token's audience: the scope is `<audience>/.default`. */
  readonly audience: string;
  readonly credential: TokenCredential;
  /** Extra pipeline options (tests: the fake's certificate and short back-off). */
  readonly clientOptions?: { readonly tlsOptions?: { readonly ca: string }; readonly retryOptions?: object };
  readonly signal?: AbortSignal;
}

/** A refusal from the service: its HTTP status, its error code and message. */
export class RestCallError extends Error {
  override readonly name = 'RestCallError';
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface RestResponse<T> {
  readonly status: number;
  readonly body: T;
}

export class RestClient {
  private constructor(
    private readonly pipeline: Pipeline,
    private readonly http: HttpClient,
    private readonly make: typeof import('@azure/core-rest-pipeline'),
    private readonly options: RestClientOptions,
  ) {}

  static async create(options: RestClientOptions): Promise<RestClient> {
    const rest = await import('@azure/core-rest-pipeline');
    const pipeline = rest.createPipelineFromOptions({
      userAgentOptions: { userAgentPrefix: 'k0rdent-deploy' },
      ...(options.clientOptions?.tlsOptions ? { tlsOptions: { ...options.clientOptions.tlsOptions } } : {}),
      ...(options.clientOptions?.retryOptions
        ? { retryOptions: { ...options.clientOptions.retryOptions } }
        : {}),
    });
    pipeline.addPolicy(
      rest.bearerTokenAuthenticationPolicy({
        credential: options.credential,
        scopes: `${options.audience.replace(/\/+$/, '')}/.default`,
      }),
    );
    return new RestClient(pipeline, rest.createDefaultHttpClient(), rest, options);
  }

  get<T>(path: string): Promise<RestResponse<T>> {
    return this.send('GET', path);
  }

  /** GET that answers undefined for 404. */
  async find<T>(path: string): Promise<T | undefined> {
    try {
      return (await this.get<T>(path)).body;
    } catch (error) {
      if (error instanceof RestCallError && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  post<T>(path: string, body: unknown): Promise<RestResponse<T>> {
    return this.send<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<RestResponse<T>> {
    return this.send<T>('PUT', path, body);
  }

  /** DELETE; `absent` for 404, else the status (Graph answers 204; ARM 200, or 204 when there was nothing). */
  async delete(path: string): Promise<number | 'absent'> {
    try {
      return (await this.send<unknown>('DELETE', path)).status;
    } catch (error) {
      if (error instanceof RestCallError && error.statusCode === 404) return 'absent';
      throw error;
    }
  }

  private async send<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<RestResponse<T>> {
    const request = this.make.createPipelineRequest({
      url: `${this.options.endpoint.replace(/\/+$/, '')}${path}`,
      method,
      headers: this.make.createHttpHeaders({
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(this.options.signal ? { abortSignal: this.options.signal } : {}),
    });
    const response = await this.pipeline.sendRequest(this.http, request);
    const text = response.bodyAsText ?? '';
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (response.status >= 400) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new RestCallError(
        `${method} ${path.split('?')[0] ?? path}: HTTP ${response.status}${error?.code ? ` ${error.code}` : ''}: ${
          error?.message ?? (text.slice(0, 200) || 'no message')
        }`,
        response.status,
        error?.code,
      );
    }
    return { status: response.status, body: parsed as T };
  }
}
