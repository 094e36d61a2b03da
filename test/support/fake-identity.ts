/**
 * The two identity services of a GitHub-to-Azure login, on loopback, for the real @actions/core and
 * @azure/identity (MSAL) clients:
 *
 * - the runner's OIDC token service (`ACTIONS_ID_TOKEN_REQUEST_URL`, plain HTTP): a bearer request
 *   token in, `{ value: <JWT> }` out, with the requested audience in the token;
 * - Microsoft Entra ID (`AZURE_AUTHORITY_HOST`, HTTPS with a self-signed certificate): the tenant's
 *   OpenID configuration, and a token endpoint that trades a federated client assertion (one of the
 *   OIDC tokens above, for the expected audience and client) for an access token.
 *
 * `issued(token)` tells a resource server (the fake ARM) whether a bearer token came from here.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificate } from './fake-arm/certificate.js';

export interface FakeIdentityOptions {
  readonly tenantId: string;
  readonly clientId: string;
  /** The audience a federated credential accepts (Azure's for GitHub: api://AzureADTokenExchange). */
  readonly audience?: string;
}

export interface TokenRequest {
  readonly service: 'oidc' | 'entra';
  readonly path: string;
  readonly status: number;
  /** OIDC: the requested audience; Entra: the requested scope. */
  readonly detail?: string;
}

export interface FakeIdentity {
  /** For ACTIONS_ID_TOKEN_REQUEST_URL (already carries a query, as the runner's does). */
  readonly oidcRequestUrl: string;
  /** For ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly oidcRequestToken: string;
  /** For AZURE_AUTHORITY_HOST. */
  readonly authorityHost: string;
  /** The Entra server's certificate, for NODE_EXTRA_CA_CERTS. */
  readonly caCertPem: string;
  readonly requests: readonly TokenRequest[];
  issued(accessToken: string): boolean;
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: object): number {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return status;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startFakeIdentity(options: FakeIdentityOptions): Promise<FakeIdentity> {
  const audience = options.audience ?? 'api://AzureADTokenExchange';
  const requestToken = `oidc-request-${randomBytes(8).toString('hex')}`;
  const oidcTokens = new Map<string, string>(); // JWT → audience
  const accessTokens = new Set<string>();
  const requests: TokenRequest[] = [];
  const directory = await mkdtemp(join(tmpdir(), 'fake-identity-'));
  const certificate = await createCertificate(directory);
  let authorityHost = '';

  const oidc = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const requested = url.searchParams.get('audience') ?? '';
    const record = (status: number) =>
      requests.push({ service: 'oidc', path: url.pathname, status, detail: requested });
    if (req.method !== 'GET' || url.pathname !== '/oidc/token')
      return void record(json(res, 404, { message: 'not found' }));
    if (req.headers.authorization !== `Bearer ${requestToken}`)
      return void record(json(res, 401, { message: 'bad request token' }));
    const now = Math.floor(Date.now() / 1000);
    const jwt = [
      base64url({ alg: 'RS256', typ: 'JWT' }),
      base64url({
        iss: 'https://token.actions.githubusercontent.com',
        sub: 'repo:acme/infra:environment:production',
        aud: requested,
        iat: now,
        exp: now + 300,
        jti: randomBytes(8).toString('hex'),
      }),
      randomBytes(32).toString('base64url'), // unsigned: nothing here checks signatures
    ].join('.');
    oidcTokens.set(jwt, requested);
    record(json(res, 200, { value: jwt }));
  });

  const entra = createHttpsServer({ key: certificate.keyPem, cert: certificate.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const tenantBase = `/${options.tenantId}`;
    void (async () => {
      const body = await readBody(req);
      const form = new URLSearchParams(body);
      const record = (status: number) =>
        requests.push({ service: 'entra', path: url.pathname, status, detail: form.get('scope') ?? '' });
      if (req.method === 'GET' && url.pathname === `${tenantBase}/v2.0/.well-known/openid-configuration`) {
        const issuer = `${authorityHost}/${options.tenantId}/v2.0`;
        return void record(
          json(res, 200, {
            issuer,
            token_endpoint: `${authorityHost}${tenantBase}/oauth2/v2.0/token`,
            authorization_endpoint: `${authorityHost}${tenantBase}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${authorityHost}${tenantBase}/oauth2/v2.0/logout`,
            jwks_uri: `${authorityHost}${tenantBase}/discovery/v2.0/keys`,
            response_types_supported: ['code', 'id_token', 'token'],
          }),
        );
      }
      if (req.method !== 'POST' || url.pathname !== `${tenantBase}/oauth2/v2.0/token`) {
        return void record(
          json(res, 404, { error: 'invalid_request', error_description: `no route ${url.pathname}` }),
        );
      }
      const assertion = form.get('client_assertion') ?? '';
      const problems = [
        form.get('grant_type') !== 'client_credentials' && 'grant_type must be client_credentials',
        form.get('client_id') !== options.clientId &&
          `AADSTS700016: application ${form.get('client_id')} not found`,
        form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
          'client_assertion_type must be jwt-bearer',
        !oidcTokens.has(assertion) && 'AADSTS700024: client assertion is not a token the issuer gave out',
        oidcTokens.get(assertion) !== audience &&
          `AADSTS700212: no federated credential for audience ${oidcTokens.get(assertion)}`,
        !(form.get('scope') ?? '').endsWith('/.default') && 'scope must end in /.default',
      ].filter((problem): problem is string => typeof problem === 'string');
      if (problems.length > 0) {
        return void record(
          json(res, 400, { error: 'invalid_client', error_description: problems.join('; ') }),
        );
      }
      // Shaped as Entra's (v1) access tokens are: resource servers such as Azurite (`--oauth basic`)
      // check the issuer, the audience (the scope's resource) and the lifetime.
      const now = Math.floor(Date.now() / 1000);
      const accessToken = [
        base64url({ alg: 'RS256', typ: 'JWT' }),
        base64url({
          aud: (form.get('scope') ?? '').replace(/\/\.default$/, ''),
          iss: `https://sts.windows.net/${options.tenantId}/`,
          iat: now,
          nbf: now,
          exp: now + 3599,
          appid: options.clientId,
          tid: options.tenantId,
          oid: options.clientId,
          uti: randomBytes(8).toString('base64url'),
        }),
        randomBytes(32).toString('base64url'),
      ].join('.');
      accessTokens.add(accessToken);
      record(
        json(res, 200, {
          token_type: 'Bearer',
          expires_in: 3599,
          ext_expires_in: 3599,
          access_token: accessToken,
        }),
      );
    })().catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'server_error' });
    });
  });

  const oidcPort = await listen(oidc);
  authorityHost = `https://127.0.0.1:${await listen(entra)}`;
  return {
    oidcRequestUrl: `http://127.0.0.1:${oidcPort}/oidc/token?api-version=2.0`,
    oidcRequestToken: requestToken,
    authorityHost,
    caCertPem: certificate.certPem,
    requests,
    issued: (token) => accessTokens.has(token),
    stop: async () => {
      await Promise.all([close(oidc), close(entra)]);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
