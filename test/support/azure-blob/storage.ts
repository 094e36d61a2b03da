/**
 * Azure Blob Storage on loopback for the azure-blob backend's tests: a real Azurite child process,
 * and a proxy in front of it that logs each request by its Storage operation and injects the faults
 * the store must survive: an error status (503 ServerBusy with Retry-After, 403, …), a connection cut
 * in the middle of an upload (the request never completes, so Azurite stores nothing), and a response
 * lost after Azurite applied the request. The store is pointed at the proxy; tests read and seed
 * through Azurite directly, which the log does not count.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { startAzuriteBlob, type AzuriteBlob } from '../actions-emulator/azurite-process.js';
import { blobOperation } from '../actions-emulator/blob-proxy.js';
import { closeServer, listenOnLoopback, LOOPBACK } from '../actions-emulator/http-io.js';

/** Azurite's documented development account and key (public, not a secret). */
export const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface LoggedRequest {
  readonly method: string;
  readonly operation: string;
  /** Blob path without the account and container, or `(container)`. */
  readonly blob: string;
  readonly status: number;
  readonly fault?: string;
}

export type Fault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly code: string;
      readonly retryAfterSeconds?: number;
    }
  /** Forwards the headers and this many body bytes, then cuts both connections. */
  | { readonly kind: 'cut'; readonly afterBytes: number }
  /** Forwards the whole request, lets Azurite answer, then cuts the client's connection unanswered. */
  | { readonly kind: 'drop-response' };

interface Armed {
  readonly operation: string;
  readonly blob?: RegExp;
  readonly fault: Fault;
  remaining: number;
}

export class BlobStorage {
  readonly log: LoggedRequest[] = [];
  private armed: Armed[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly azurite: AzuriteBlob,
    private readonly proxy: Server,
    /** `http://127.0.0.1:<proxy port>` */
    readonly origin: string,
  ) {}

  static async start(): Promise<BlobStorage> {
    const azurite = await startAzuriteBlob();
    const holder: { self?: BlobStorage } = {};
    const proxy = createServer((req, res) => {
      if (holder.self) void holder.self.handle(req, res);
    });
    proxy.on('connection', (socket) => {
      holder.self?.sockets.add(socket);
      socket.once('close', () => holder.self?.sockets.delete(socket));
    });
    const port = await listenOnLoopback(proxy);
    holder.self = new BlobStorage(azurite, proxy, `http://${LOOPBACK}:${port}`);
    return holder.self;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await closeServer(this.proxy);
    await this.azurite.stop();
  }

  /** The state URL of a container (path-style, through the proxy). */
  url(container: string, prefix = ''): string {
    return `${this.origin}/${ACCOUNT}/${container}${prefix ? `/${prefix}` : ''}`;
  }

  /** A connection string with the account key, through the proxy. */
  connectionString(): string {
    return `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${this.origin}/${ACCOUNT};`;
  }

  /** A connection string with an account SAS of only these permissions (e.g. `rl`: read and list). */
  sasConnectionString(permissions: string): string {
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3600_000),
        permissions: AccountSASPermissions.parse(permissions),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY),
    ).toString();
    return `BlobEndpoint=${this.origin}/${ACCOUNT};SharedAccessSignature=${sas}`;
  }

  /** Azurite itself, not through the proxy (setup and inspection are not counted). */
  container(name: string): ContainerClient {
    const service = new BlobServiceClient(
      `${this.azuriteOrigin}/${ACCOUNT}`,
      new StorageSharedKeyCredential(ACCOUNT, ACCOUNT_KEY),
    );
    return service.getContainerClient(name);
  }

  get azuriteOrigin(): string {
    return this.azurite.origin;
  }

  async createContainer(name: string): Promise<ContainerClient> {
    const container = this.container(name);
    await container.create();
    return container;
  }

  /** Every blob in a container with its content, for scans. */
  async contents(container: string): Promise<Map<string, Buffer>> {
    const client = this.container(container);
    const out = new Map<string, Buffer>();
    for await (const item of client.listBlobsFlat()) {
      out.set(item.name, await client.getBlobClient(item.name).downloadToBuffer());
    }
    return out;
  }

  /** Arms a fault for the next `times` requests of an operation (e.g. `PutBlob`), optionally on matching blobs. */
  failNext(operation: string, fault: Fault, options: { times?: number; blob?: RegExp } = {}): void {
    this.armed.push({
      operation,
      fault,
      remaining: options.times ?? 1,
      ...(options.blob ? { blob: options.blob } : {}),
    });
  }

  pendingFaults(): number {
    return this.armed.reduce((n, a) => n + a.remaining, 0);
  }

  clearFaults(): void {
    this.armed = [];
  }

  /** Requests by operation since `from` (an index into `log`). */
  counts(from = 0): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.log.slice(from)) out[r.operation] = (out[r.operation] ?? 0) + 1;
    return out;
  }

  private take(operation: string, blob: string): Fault | undefined {
    const armed = this.armed.find(
      (a) => a.remaining > 0 && a.operation === operation && (!a.blob || a.blob.test(blob)),
    );
    if (!armed) return undefined;
    armed.remaining--;
    this.armed = this.armed.filter((a) => a.remaining > 0);
    return armed.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const operation = operationOf(method, url, req.headers['x-ms-lease-action']);
    const blob = url.pathname.split('/').slice(3).map(decodeURIComponent).join('/') || '(container)';
    const fault = this.take(operation, blob);
    const record = (status: number) =>
      this.log.push({ method, operation, blob, status, ...(fault ? { fault: fault.kind } : {}) });
    if (fault?.kind === 'status') {
      req.resume();
      const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`;
      res.writeHead(fault.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(xml),
        'x-ms-error-code': fault.code,
        ...(fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) }),
      });
      res.end(xml);
      record(fault.status);
      return;
    }
    const target = new URL(this.azurite.origin);
    await new Promise<void>((resolve) => {
      const upstream = request(
        {
          hostname: target.hostname,
          port: target.port,
          method,
          path: url.pathname + url.search,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          if (fault?.kind === 'drop-response') {
            up.resume();
            up.once('end', () => {
              req.socket.destroy();
              record(0);
              resolve();
            });
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.once('end', () => {
            record(up.statusCode ?? 0);
            resolve();
          });
          up.once('error', () => resolve());
        },
      );
      upstream.once('error', () => {
        if (!res.headersSent) res.destroy();
        resolve();
      });
      if (fault?.kind === 'cut') {
        let sent = 0;
        req.on('data', (chunk: Buffer) => {
          const room = fault.afterBytes - sent;
          if (room > 0) upstream.write(chunk.subarray(0, room));
          sent += chunk.length;
          if (sent >= fault.afterBytes) {
            upstream.destroy();
            req.socket.destroy();
            record(0);
            resolve();
          }
        });
        req.once('end', () => {
          // The whole body was shorter than the cut: cut at its end all the same.
          upstream.destroy();
          req.socket.destroy();
          record(0);
          resolve();
        });
        return;
      }
      req.pipe(upstream);
    });
  }
}

/** Storage operation names, with lease actions spelled out (`Lease:acquire`). */
function operationOf(method: string, url: URL, leaseAction: string | string[] | undefined): string {
  if (url.searchParams.get('comp') === 'lease') return `Lease:${String(leaseAction ?? 'lease')}`;
  return blobOperation(method, url);
}
