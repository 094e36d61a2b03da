/**
 * Injected faults: the next N requests matching a selector get a chosen status (optionally with
 * Retry-After), an added delay, or a reset connection. Checked before the request is handled, so a
 * faulted request changes no state, like a failure in front of GitHub's service.
 */
import { matches } from './request-log.js';
import type { RequestMatcher, RequestRecord } from './types.js';

export interface FailSpec extends RequestMatcher {
  /** HTTP status to answer with, e.g. 500, 503 or 429. */
  readonly status: number;
  /** How many matching requests fail; default 1. */
  readonly times?: number;
  /** Sent as the Retry-After header (seconds). */
  readonly retryAfterSeconds?: number;
  readonly message?: string;
}

export interface DelaySpec extends RequestMatcher {
  readonly ms: number;
  readonly times?: number;
}

export interface ResetSpec extends RequestMatcher {
  readonly times?: number;
}

export type FaultAction =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly retryAfterSeconds?: number;
      readonly message: string;
    }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'reset' };

interface Armed {
  readonly matcher: RequestMatcher;
  readonly action: FaultAction;
  remaining: number;
}

/** What to do to one request: an optional delay first, then an optional failure. */
export interface FaultPlan {
  readonly delayMs: number;
  readonly failure: Extract<FaultAction, { kind: 'status' | 'reset' }> | undefined;
}

const MAX_DELAY_MS = 120_000;

function times(n: number | undefined): number {
  const t = n ?? 1;
  if (!Number.isSafeInteger(t) || t < 1) throw new Error(`times must be a positive integer, got ${t}`);
  return t;
}

function matcherOf(spec: RequestMatcher): RequestMatcher {
  const { service, operation, method, path } = spec;
  return { service, operation, method, path };
}

export class FaultInjector {
  #armed: Armed[] = [];

  failNext(spec: FailSpec): void {
    if (!Number.isInteger(spec.status) || spec.status < 400 || spec.status > 599) {
      throw new Error(`fault status must be 4xx or 5xx, got ${spec.status}`);
    }
    const action: FaultAction = {
      kind: 'status',
      status: spec.status,
      message: spec.message ?? `injected fault (${spec.status})`,
      ...(spec.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: spec.retryAfterSeconds }),
    };
    this.#armed.push({ matcher: matcherOf(spec), action, remaining: times(spec.times) });
  }

  delayNext(spec: DelaySpec): void {
    if (!(spec.ms >= 0 && spec.ms <= MAX_DELAY_MS)) throw new Error(`delay must be 0..${MAX_DELAY_MS} ms`);
    this.#armed.push({
      matcher: matcherOf(spec),
      action: { kind: 'delay', ms: spec.ms },
      remaining: times(spec.times),
    });
  }

  resetNext(spec: ResetSpec): void {
    this.#armed.push({ matcher: matcherOf(spec), action: { kind: 'reset' }, remaining: times(spec.times) });
  }

  clear(): void {
    this.#armed = [];
  }

  /** Faults still armed (for a test to check that all it armed was used). */
  pending(): number {
    return this.#armed.reduce((n, a) => n + a.remaining, 0);
  }

  /** Consumes the first armed delay and the first armed failure that match this request. */
  take(request: Pick<RequestRecord, 'service' | 'operation' | 'method' | 'path'>): FaultPlan {
    let delayMs = 0;
    let failure: FaultPlan['failure'];
    let delayTaken = false;
    for (const armed of this.#armed) {
      if (armed.remaining < 1 || !matches(armed.matcher, request)) continue;
      const { action } = armed;
      if (action.kind === 'delay') {
        if (delayTaken) continue;
        delayTaken = true;
        delayMs = action.ms;
      } else {
        if (failure) continue;
        failure = action;
      }
      armed.remaining--;
    }
    this.#armed = this.#armed.filter((a) => a.remaining > 0);
    return { delayMs, failure };
  }
}
