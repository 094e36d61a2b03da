/**
 * A fake Microsoft Graph v1.0 over HTTPS on 127.0.0.1 (the fake ARM's certificate), for the calls
 * setup_azure_children makes: applications (create, filter by displayName, get by id or appId,
 * addPassword, delete), service principals (create, get by appId). It refuses like Graph does: a
 * token for another audience (401 InvalidAuthenticationToken), an identity without the permission
 * (403 Authorization_RequestDenied, on cue), a missing object (404 Request_ResourceNotFound), a
 * second service principal for one application (409), a filter it does not support (400).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Application, Directory } from './directory.js';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';

export interface GraphRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** When it was answered: performance.timeOrigin + performance.now(), as the shims record their calls. */
  readonly at: number;
}

export interface FakeGraph {
  readonly endpoint: string;
  readonly requests: readonly GraphRequest[];
  /** The next `count` requests matching method and path prefix get 403 Authorization_RequestDenied. */
  forbid(method: string, pathPrefix: string, count?: number): void;
  stop(): Promise<void>;
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const notFound = (what: string) =>
  new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
  );

function render(app: Application) {
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    tags: [...app.tags],
    signInAudience: 'AzureADMyOrg',
    // Graph never returns a password's secretText after addPassword; only its hint.
    passwordCredentials: app.passwords.map((p) => ({
      keyId: p.keyId,
      displayName: p.displayName,
      endDateTime: p.endDateTime,
      hint: p.secretText.slice(0, 3),
      secretText: null,
    })),
  };
}

/**
 * The audience of the bearer token: `fake-token:<audience>`, as the fake credential issues; or, when
 * `acceptToken` is given (a fake Entra ID issues the tokens), the `aud` of a JWT it accepts.
 */
function audienceOf(
  request: IncomingMessage,
  acceptToken: ((token: string) => boolean) | undefined,
): string | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (token === undefined) return undefined;
  if (acceptToken === undefined)
    return token.startsWith('fake-token:') ? token.slice('fake-token:'.length) : token;
  if (!acceptToken(token)) return '';
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      aud?: unknown;
    };
    return typeof payload.aud === 'string' ? payload.aud : '';
  } catch {
    return '';
  }
}

export async function startFakeGraph(
  directory: Directory,
  tls: { key: string; cert: string },
  /** Accept only tokens this says were issued (by a fake Entra ID), for Graph's audience. */
  acceptToken?: (token: string) => boolean,
): Promise<FakeGraph> {
  const requests: GraphRequest[] = [];
  let endpoint = '';
  const forbidden: { method: string; prefix: string; count: number }[] = [];

  const route = (
    method: string,
    url: URL,
    body: Record<string, unknown>,
  ): { status: number; body?: unknown } => {
    const path = decodeURIComponent(url.pathname);
    const rule = forbidden.find((f) => f.count > 0 && f.method === method && path.startsWith(f.prefix));
    if (rule) {
      rule.count -= 1;
      throw new GraphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    let match: RegExpExecArray | null;
    if (path === '/v1.0/applications' && method === 'POST') {
      if (typeof body.displayName !== 'string' || body.displayName === '')
        throw new GraphError(400, 'Request_BadRequest', "Property 'displayName' is required.");
      const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
      return { status: 201, body: render(directory.createApplication(body.displayName, tags)) };
    }
    if (path === '/v1.0/applications' && method === 'GET') {
      const filter = url.searchParams.get('$filter');
      const named = filter === null ? undefined : /^displayName eq '((?:[^']|'')*)'$/.exec(filter);
      if (filter !== null && !named)
        throw new GraphError(
          400,
          'Request_UnsupportedQuery',
          `Unsupported or invalid query filter clause: ${filter}`,
        );
      const name = named?.[1]?.replace(/''/g, "'");
      const value = [...directory.applications.values()]
        .filter((a) => name === undefined || a.displayName === name)
        .map(render);
      return {
        status: 200,
        body: { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#applications', value },
      };
    }
    if ((match = /^\/v1\.0\/applications\(appId='([^']+)'\)$/.exec(path))) {
      const app = directory.applicationByAppId(match[1] ?? '');
      if (!app) throw notFound(match[1] ?? '');
      if (method === 'GET') return { status: 200, body: render(app) };
      if (method === 'DELETE') {
        directory.deleteApplication(app.id);
        return { status: 204 };
      }
    }
    if ((match = /^\/v1\.0\/applications\/([0-9a-f-]+)\/addPassword$/.exec(path)) && method === 'POST') {
      const app = directory.applications.get(match[1] ?? '');
      if (!app) throw notFound(match[1] ?? '');
      const credential = (body.passwordCredential ?? {}) as { displayName?: string; endDateTime?: string };
      const password = directory.addPassword(
        app,
        credential.displayName ?? '',
        credential.endDateTime ?? new Date(Date.now() + 2 * 365 * 86_400_000).toISOString(),
      );
      return {
        status: 200,
        body: {
          customKeyIdentifier: null,
          displayName: password.displayName,
          endDateTime: password.endDateTime,
          hint: password.secretText.slice(0, 3),
          keyId: password.keyId,
          secretText: password.secretText,
          startDateTime: new Date().toISOString(),
        },
      };
    }
    if ((match = /^\/v1\.0\/applications\/([0-9a-f-]+)$/.exec(path))) {
      const app = directory.applications.get(match[1] ?? '');
      if (!app) throw notFound(match[1] ?? '');
      if (method === 'GET') return { status: 200, body: render(app) };
      if (method === 'DELETE') {
        directory.deleteApplication(app.id);
        return { status: 204 };
      }
    }
    if (path === '/v1.0/servicePrincipals' && method === 'POST') {
      const app = directory.applicationByAppId(typeof body.appId === 'string' ? body.appId : '');
      if (!app) {
        throw new GraphError(
          400,
          'Request_BadRequest',
          `The appId '${JSON.stringify(body.appId)}' of the service principal does not reference a valid application object.`,
        );
      }
      if (directory.servicePrincipalByAppId(app.appId)) {
        throw new GraphError(
          409,
          'Request_MultipleObjectsWithSameKeyValue',
          'Another object with the same value for property servicePrincipalNames already exists.',
        );
      }
      const sp = directory.createServicePrincipal(app);
      return { status: 201, body: { ...sp, servicePrincipalType: 'Application' } };
    }
    if ((match = /^\/v1\.0\/servicePrincipals\(appId='([^']+)'\)$/.exec(path)) && method === 'GET') {
      const sp = directory.servicePrincipalByAppId(match[1] ?? '');
      if (!sp) throw notFound(match[1] ?? '');
      return { status: 200, body: { ...sp, servicePrincipalType: 'Application' } };
    }
    throw new GraphError(400, 'BadRequest', `Resource not found for the segment in ${method} ${path}.`);
  };

  const handle = (request: IncomingMessage, response: ServerResponse, text: string) => {
    const method = (request.method ?? 'GET').toUpperCase();
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    let reply: { status: number; body?: unknown };
    try {
      const audience = audienceOf(request, acceptToken);
      if (audience === undefined)
        throw new GraphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      // Graph's own audience; or, like a national cloud's Graph, the URL it is reached at (a client
      // given a Graph endpoint asks for a token for that endpoint).
      if (![GRAPH_AUDIENCE, endpoint].includes(audience.replace(/\/+$/, '')))
        throw new GraphError(
          401,
          'InvalidAuthenticationToken',
          'Access token validation failure. Invalid audience.',
        );
      let body: Record<string, unknown> = {};
      if (text !== '') {
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload.');
        }
      }
      reply = route(method, url, body);
    } catch (error) {
      reply =
        error instanceof GraphError
          ? {
              status: error.status,
              body: {
                error: {
                  code: error.code,
                  message: error.message,
                  innerError: { date: new Date().toISOString(), 'request-id': randomUUID() },
                },
              },
            }
          : { status: 500, body: { error: { code: 'FakeGraphInternalError', message: String(error) } } };
    }
    requests.push({
      method,
      path: url.pathname,
      status: reply.status,
      at: performance.timeOrigin + performance.now(),
    });
    const payload = reply.body === undefined ? undefined : JSON.stringify(reply.body);
    response.writeHead(reply.status, payload === undefined ? {} : { 'content-type': 'application/json' });
    response.end(payload);
  };

  const server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    request.on('end', () => {
      handle(request, response, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  endpoint = `https://127.0.0.1:${port}`;
  return {
    endpoint,
    requests,
    forbid(method, prefix, count = 1) {
      forbidden.push({ method: method.toUpperCase(), prefix, count });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
