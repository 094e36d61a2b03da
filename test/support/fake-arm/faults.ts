/** A request as fault rules see it: the method and the lower-cased path without the query. */
export interface RequestInfo {
  readonly method: string;
  readonly path: string;
}

export type RequestMatcher = (request: RequestInfo) => boolean;

export interface FailNextOptions {
  /** 429 and 503 are what ARM throttling returns; 500 is an RP fault. */
  readonly status: 429 | 500 | 502 | 503;
  /** Seconds for `Retry-After`; omitted means no header (the SDK then does not treat 429 as throttling). */
  readonly retryAfterSeconds?: number;
  /** Which requests to fail; all requests when omitted. */
  readonly match?: RequestMatcher;
  readonly code?: string;
}

export interface InjectedFailure {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | undefined;
}

export interface VmFailureOptions {
  /** How many provisioning attempts of this VM end Failed (default 1). */
  readonly times?: number;
  readonly code?: string;
  readonly message?: string;
}

interface FailureRule {
  remaining: number;
  readonly options: FailNextOptions;
}

interface VmFailure {
  remaining: number;
  readonly code: string;
  readonly message: string;
}

/** Request-level and provisioning-level faults, consumed as requests arrive. */
export class FaultPlan {
  latencyMs: number;
  readonly #rules: FailureRule[] = [];
  readonly #vmFailures = new Map<string, VmFailure>();

  constructor(latencyMs: number) {
    this.latencyMs = latencyMs;
  }

  failNext(count: number, options: FailNextOptions): void {
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`failNext count must be >= 1, got ${count}`);
    this.#rules.push({ remaining: count, options });
  }

  failVmProvisioning(vmName: string, options: VmFailureOptions = {}): void {
    this.#vmFailures.set(vmName.toLowerCase(), {
      remaining: options.times ?? 1,
      code: options.code ?? 'OSProvisioningTimedOut',
      message:
        options.message ??
        `OS Provisioning for VM '${vmName}' did not finish in the allotted time. The VM may still finish provisioning successfully.`,
    });
  }

  /** The failure for this request, if a rule matches; using it counts against the rule. */
  takeRequestFailure(request: RequestInfo): InjectedFailure | undefined {
    const rule = this.#rules.find(
      (candidate) => candidate.remaining > 0 && (candidate.options.match?.(request) ?? true),
    );
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    const { status } = rule.options;
    return {
      status,
      code: rule.options.code ?? (status === 429 ? 'TooManyRequests' : 'InternalServerError'),
      retryAfterSeconds: rule.options.retryAfterSeconds,
    };
  }

  takeVmFailure(vmName: string): { code: string; message: string } | undefined {
    const failure = this.#vmFailures.get(vmName.toLowerCase());
    if (failure === undefined || failure.remaining <= 0) return undefined;
    failure.remaining -= 1;
    return { code: failure.code, message: failure.message };
  }

  /** Request failures not yet served (so a test can assert the SDK used them all). */
  pendingRequestFailures(): number {
    return this.#rules.reduce((sum, rule) => sum + rule.remaining, 0);
  }

  clear(): void {
    this.#rules.length = 0;
    this.#vmFailures.clear();
    this.latencyMs = 0;
  }
}
