/**
 * Wraps a request handler with what every emulated endpoint shares: classifying the request,
 * applying injected faults, recording it in the request log once answered, and turning thrown
 * errors into an HTTP error instead of a hung client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultAction, FaultInjector } from './faults.js';
import { HttpError, sleep } from './http-io.js';
import type { RequestLog } from './request-log.js';
import type { RequestRecord, Service } from './types.js';

export interface Classified {
  readonly service: Service;
  readonly operation: string;
}

export interface ListenerOptions {
  readonly log: RequestLog;
  readonly faults: FaultInjector;
  readonly classify: (req: IncomingMessage, url: URL) => Classified;
  readonly handle: (req: IncomingMessage, res: ServerResponse, url: URL, c: Classified) => Promise<void>;
  /** Writes an error in the endpoint's own format (Twirp JSON, REST JSON, storage XML). */
  readonly sendError: (
    res: ServerResponse,
    c: Classified,
    status: number,
    message: string,
    headers: Record<string, string>,
  ) => void;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export function instrumentedListener(opts: ListenerOptions): Listener {
  return (req, res) => {
    void serve(opts, req, res);
  };
}

async function serve(opts: ListenerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const seq = opts.log.nextSeq();
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const c = opts.classify(req, url);
  const base = { seq, service: c.service, operation: c.operation, method, path: url.pathname };
  const plan = opts.faults.take(base);
  let fault: RequestRecord['fault'] = plan.delayMs > 0 ? 'delay' : undefined;

  res.once('close', () => {
    const status = res.writableFinished ? res.statusCode : 0;
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    opts.log.add({ ...base, status, durationMs, ...(fault ? { fault } : {}) });
  });

  try {
    if (plan.delayMs > 0) await sleep(plan.delayMs);
    if (plan.failure) {
      fault = plan.failure.kind;
      injectFailure(opts, req, res, c, plan.failure);
      return;
    }
    await opts.handle(req, res, url, c);
  } catch (error: unknown) {
    const status = error instanceof HttpError ? error.status : 500;
    const message = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) opts.sendError(res, c, status, message, {});
    else res.destroy();
  }
}

function injectFailure(
  opts: ListenerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  c: Classified,
  failure: Extract<FaultAction, { kind: 'status' | 'reset' }>,
): void {
  if (failure.kind === 'reset') {
    // Drain nothing, answer nothing: the client sees ECONNRESET, like a dropped connection.
    req.socket.destroy();
    return;
  }
  req.resume(); // discard the body so the connection stays usable for the client's retry
  const headers: Record<string, string> =
    failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
  opts.sendError(res, c, failure.status, failure.message, headers);
}
