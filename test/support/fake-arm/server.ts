import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArmError } from './errors.js';
import type { FaultPlan } from './faults.js';
import { isObject, type JsonObject } from './json.js';
import { now, type RequestRecord } from './request-log.js';
import type { Reply } from './http.js';
import type { ArmRouter } from './router.js';

/** ARM bodies are small; anything bigger is a bug in the caller, not something to buffer. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface ServerDependencies {
  readonly router: ArmRouter;
  readonly faults: FaultPlan;
  readonly log: (record: RequestRecord) => void;
  /** Told after every answered request, before the answer is sent. */
  readonly changed?: () => void;
  readonly tls: { readonly key: string; readonly cert: string };
  /** Whether a bearer token is valid; absent: any bearer token is. */
  readonly acceptToken?: (token: string) => boolean;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): JsonObject | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ArmError(
      400,
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized.',
    );
  }
  if (!isObject(parsed)) {
    throw new ArmError(400, 'InvalidRequestContent', 'The request content must be a JSON object.');
  }
  return parsed;
}

function bearerToken(request: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
}

export async function startServer(deps: ServerDependencies): Promise<RunningServer> {
  let seq = 0;
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const startedAt = now();
    const method = (request.method ?? 'GET').toUpperCase();
    // The Host header is irrelevant: the fake only ever listens on 127.0.0.1.
    const url = new URL(request.url ?? '/', 'https://127.0.0.1');
    const path = url.pathname.toLowerCase();
    let injected = false;
    let reply: Reply;
    try {
      const text = await readBody(request);
      if (deps.faults.latencyMs > 0) await sleep(deps.faults.latencyMs);
      const token = bearerToken(request);
      const authorized = token !== undefined && (deps.acceptToken?.(token) ?? true);
      // Faults apply to requests that got past authentication, as throttling does in ARM.
      const failure = authorized ? deps.faults.takeRequestFailure({ method, path }) : undefined;
      if (!authorized) {
        reply = {
          status: 401,
          body:
            token === undefined
              ? new ArmError(
                  401,
                  'AuthenticationFailed',
                  'Authentication failed. The Authorization header is missing.',
                ).body()
              : new ArmError(
                  401,
                  'InvalidAuthenticationToken',
                  'The access token is invalid: it was not issued by the expected authority.',
                ).body(),
        };
      } else if (failure !== undefined) {
        injected = true;
        reply = {
          status: failure.status,
          body: new ArmError(failure.status, failure.code, `Injected fault ${failure.code}.`).body(),
          headers:
            failure.retryAfterSeconds === undefined
              ? {}
              : { 'retry-after': String(failure.retryAfterSeconds) },
        };
      } else {
        reply = deps.router.handle(method, url, parseJson(text));
      }
    } catch (error) {
      if (error instanceof ArmError) {
        reply = { status: error.status, body: error.body() };
      } else if (error instanceof BodyTooLarge) {
        reply = {
          status: 413,
          body: new ArmError(413, 'RequestTooLarge', 'The request body is too large.').body(),
        };
      } else {
        // A bug in the fake: answer in ARM's shape, with a code no real service uses, so tests see it.
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        reply = { status: 500, body: new ArmError(500, 'FakeArmInternalError', message).body() };
      }
    }

    deps.changed?.();
    const headers: Record<string, string> = {
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': request.headers['x-ms-client-request-id']?.toString() ?? randomUUID(),
      ...reply.headers,
    };
    const payload = reply.body === undefined || method === 'HEAD' ? undefined : JSON.stringify(reply.body);
    if (payload !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
    response.writeHead(reply.status, headers);
    response.end(payload);
    // Logged when the answer is handed over, not on 'finish': a client in this process may already hold
    // the response before 'finish' fires, and a test reading the log then must see this request.
    seq += 1;
    deps.log({
      seq,
      method,
      path,
      apiVersion: url.searchParams.get('api-version') ?? undefined,
      status: reply.status,
      startedAt,
      endedAt: now(),
      injected,
      poll: reply.poll === true,
    });
  };

  const server: Server = createServer({ key: deps.tls.key, cert: deps.tls.cert }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  // Bounded waits: a stuck client cannot hold the test process open.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Keep-alive sockets of SDK clients would otherwise hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}
