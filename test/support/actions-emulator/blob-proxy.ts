/**
 * A pass-through proxy in front of Azurite. Signed URLs point here, so every blob request the
 * client makes is logged (service `blob`) and can be faulted, while Azurite does the real storage
 * work. SAS signatures cover the account/container/blob path, not the host, so they stay valid.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FaultInjector } from './faults.js';
import { listenOnLoopback, LOOPBACK } from './http-io.js';
import { instrumentedListener, type Classified } from './instrumented-listener.js';
import type { RequestLog } from './request-log.js';

/** Names blob requests after the Azure Storage operations, so counts read like the service's docs. */
export function blobOperation(method: string, url: URL): string {
  const comp = url.searchParams.get('comp');
  switch (method) {
    case 'PUT':
      if (comp === 'block') return 'PutBlock';
      if (comp === 'blocklist') return 'PutBlockList';
      return comp ? `Put:${comp}` : 'PutBlob';
    case 'GET':
      return comp ? `Get:${comp}` : 'GetBlob';
    case 'HEAD':
      return 'GetBlobProperties';
    case 'DELETE':
      return 'DeleteBlob';
    default:
      return method;
  }
}

function sendStorageError(
  res: ServerResponse,
  _c: Classified,
  status: number,
  message: string,
  headers: Record<string, string>,
): void {
  const code = status === 503 ? 'ServerBusy' : status >= 500 ? 'InternalError' : 'InjectedFault';
  const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message.replace(/[<&>]/g, '_')}</Message></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(xml),
    'x-ms-error-code': code,
    ...headers,
  });
  res.end(xml);
}

function forward(azurite: URL, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const upstream = request(
      {
        hostname: azurite.hostname,
        port: azurite.port,
        method: req.method,
        path: url.pathname + url.search,
        headers: { ...req.headers, host: azurite.host },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.once('end', resolve);
        up.once('error', reject);
      },
    );
    upstream.once('error', reject);
    req.pipe(upstream);
  });
}

export async function startBlobProxy(
  azuriteOrigin: string,
  log: RequestLog,
  faults: FaultInjector,
): Promise<{ server: Server; origin: string }> {
  const azurite = new URL(azuriteOrigin);
  const server = createServer(
    instrumentedListener({
      log,
      faults,
      classify: (req, url) => ({
        service: 'blob',
        operation: blobOperation((req.method ?? 'GET').toUpperCase(), url),
      }),
      handle: (req, res, url) => forward(azurite, req, res, url),
      sendError: sendStorageError,
    }),
  );
  const port = await listenOnLoopback(server);
  return { server, origin: `http://${LOOPBACK}:${port}` };
}
