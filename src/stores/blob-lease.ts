/**
 * The azure-blob backend's writer lock: a lease on the deployment's state blob, as Terraform's azurerm
 * backend does it. The lease is finite and renewed while its holder runs, so a runner that dies lets go
 * by itself within one lease period; the holder (run, job, host, since, command) is written into the
 * blob's metadata, so a second writer can say who it waits for. A writer that finds the lease taken
 * waits a bounded time, then stops with exit code 3 naming the holder. Storage enforces the lease: a
 * write without it is refused, so a holder whose lease was broken cannot write afterwards.
 *
 * A lease needs a blob: a deployment without state gets an empty placeholder blob first, which
 * readers treat as no state.
 */
import { hostname } from 'node:os';
import { LockLostError, StateLockedError, UserError } from '../errors.js';
import type { RunRef } from '../state/schema.js';
import {
  BlobConditionError,
  LeaseHeldError,
  LeaseLostError,
  type BlobContainer,
  type BlobProperties,
  type Metadata,
} from './blob-service.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export const LEASE_SECONDS_ENV = 'K0RDENT_LEASE_SECONDS';
export const LOCK_TIMEOUT_ENV = 'K0RDENT_LOCK_TIMEOUT';

/** Azure's bounds for a finite lease. */
export const MIN_LEASE_SECONDS = 15;
export const MAX_LEASE_SECONDS = 60;

export interface LeaseHolder {
  readonly run: string;
  readonly job: string;
  readonly host: string;
  readonly since: string;
  readonly command: string;
}

export interface LeaseSettings {
  /** Lease period (15–60 s); renewed every third of it. */
  readonly seconds: number;
  /** How long a second writer waits for the lease before it gives up. */
  readonly waitMs: number;
  /** Between two tries while waiting. */
  readonly pollMs?: number;
}

export interface LeaseLog {
  info(message: string): void;
  debug(message: string): void;
}

const HOLDER_KEYS = {
  run: 'k0rdent_lock_run',
  job: 'k0rdent_lock_job',
  host: 'k0rdent_lock_host',
  since: 'k0rdent_lock_since',
  command: 'k0rdent_lock_command',
} as const;

/** Placeholder rounds (a missing blob created, then leased) on top of the waiting polls. */
const EXTRA_ROUNDS = 3;

export function holderOf(run: RunRef, command: string, now = new Date()): LeaseHolder {
  return {
    run: run.job === 'cli' ? run.run_id : `${run.run_id} attempt ${run.attempt}`,
    job: run.job === 'cli' ? `${run.job} (${run.actor})` : run.job,
    host: hostname(),
    since: now.toISOString(),
    command,
  };
}

export function describeHolder(holder: LeaseHolder): string {
  return `run ${holder.run}, job ${holder.job}, host ${holder.host}, since ${holder.since} (${holder.command})`;
}

/** Who holds the lease on a blob, from its properties; undefined when nobody does. */
export function leaseHolder(properties: BlobProperties | undefined): LeaseHolder | 'unknown' | undefined {
  if (!properties || !['leased', 'breaking'].includes(properties.leaseState)) return undefined;
  const m = properties.metadata;
  const run = m[HOLDER_KEYS.run];
  if (run === undefined) return 'unknown';
  return {
    run,
    job: m[HOLDER_KEYS.job] ?? '?',
    host: m[HOLDER_KEYS.host] ?? '?',
    since: m[HOLDER_KEYS.since] ?? '?',
    command: m[HOLDER_KEYS.command] ?? '?',
  };
}

export class BlobLease {
  private timer: NodeJS.Timeout | undefined;
  private renewedAt: number;
  private lostBecause: string | undefined;
  private renewing: Promise<void> | undefined;

  private constructor(
    private readonly container: BlobContainer,
    readonly blob: string,
    readonly leaseId: string,
    private readonly holder: LeaseHolder,
    private readonly settings: LeaseSettings,
    private readonly log: LeaseLog,
    /** The state blob's ETag after the holder was recorded. */
    readonly etag: string,
  ) {
    this.renewedAt = Date.now();
  }

  /**
   * Takes the lease on `blob` (creating an empty placeholder when it does not exist), waiting up to
   * `settings.waitMs` for another holder; then records this holder in the blob's metadata.
   */
  static async acquire(
    container: BlobContainer,
    blob: string,
    holder: LeaseHolder,
    settings: LeaseSettings,
    log: LeaseLog,
    where: string,
    unlockHint: string,
  ): Promise<BlobLease> {
    const pollMs = settings.pollMs ?? Math.min(5_000, Math.max(1_000, settings.seconds * 100));
    const deadline = Date.now() + settings.waitMs;
    const rounds = Math.ceil(settings.waitMs / pollMs) + EXTRA_ROUNDS;
    let told = false;
    for (let round = 0; round < rounds; round++) {
      const leaseId = crypto().randomUUID();
      let acquired: { etag: string } | undefined;
      try {
        acquired = await container.acquireLease(blob, leaseId, settings.seconds);
      } catch (error) {
        if (!(error instanceof LeaseHeldError)) throw error;
        const current = leaseHolder(await container.properties(blob));
        if (Date.now() >= deadline) {
          throw new StateLockedError(lockedMessage(where, current, settings, unlockHint));
        }
        if (!told) {
          log.info(
            `${where} is locked by ${current && current !== 'unknown' ? describeHolder(current) : 'another writer'}; ` +
              `waiting up to ${Math.round(settings.waitMs / 1000)} s for it`,
          );
          told = true;
        }
        await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
        continue;
      }
      if (acquired === undefined) {
        // No blob to lease yet: an empty placeholder, created only if still absent (a parallel writer may win).
        try {
          await container.write(blob, Buffer.alloc(0), { ifNoneMatch: '*' });
          log.debug(`created the placeholder ${blob} to hold the lease on`);
        } catch (error) {
          if (!(error instanceof BlobConditionError)) throw error;
        }
        continue;
      }
      let etag: string;
      try {
        ({ etag } = await container.setMetadata(blob, holderMetadata(holder), leaseId));
      } catch (error) {
        // Not left held for a whole period by a writer that never got going.
        await container.releaseLease(blob, leaseId).catch(() => undefined);
        throw error;
      }
      const lease = new BlobLease(container, blob, leaseId, holder, settings, log, etag);
      lease.startRenewing();
      log.debug(`leased ${blob} for ${settings.seconds} s (renewed while this runs)`);
      return lease;
    }
    throw new StateLockedError(`could not lock ${where}: other writers kept taking the lease; try again`);
  }

  /** What every write of the state blob carries in its metadata, so the holder stays visible. */
  get metadata(): Metadata {
    return holderMetadata(this.holder);
  }

  /** Throws when the lease is known to be lost (broken, or expired while renewals failed). */
  assertHeld(where: string): void {
    if (this.lostBecause !== undefined) {
      throw new LockLostError(
        `the lock on ${where} was lost (${this.lostBecause}), so nothing more was written: another writer ` +
          'may have the deployment now. Check `k0rdent-deploy status` and run again.',
      );
    }
  }

  /** Renews now when more than half the period passed since the last renewal (a starved timer). */
  async renewIfDue(): Promise<void> {
    if (Date.now() - this.renewedAt > (this.settings.seconds * 1000) / 2) await this.renew();
  }

  /** Marks the lease lost (a write was refused for it) and stops renewing. */
  markLost(reason: string): void {
    this.lostBecause ??= reason;
    this.stopRenewing();
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.renewing?.catch(() => undefined);
    if (this.lostBecause !== undefined) return;
    try {
      await this.container.releaseLease(this.blob, this.leaseId);
    } catch (error) {
      // It expires by itself; a release that fails only delays the next writer by one period.
      this.log.debug(`could not release the lease on ${this.blob}: ${String(error)}`);
    }
  }

  private startRenewing(): void {
    const every = (this.settings.seconds * 1000) / 3;
    this.timer = setInterval(() => {
      this.renewing ??= this.renew()
        .catch((error: unknown) => {
          this.log.debug(`renewing the lease on ${this.blob} failed: ${String(error)}`);
        })
        .finally(() => (this.renewing = undefined));
    }, every);
    // The lease must not keep a finished process alive.
    this.timer.unref();
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    if (this.lostBecause !== undefined) return;
    try {
      await this.container.renewLease(this.blob, this.leaseId);
      this.renewedAt = Date.now();
    } catch (error) {
      if (error instanceof LeaseLostError) {
        this.markLost(`${error.code}: broken with \`state unlock\`, or expired and taken by another writer`);
        return;
      }
      if (Date.now() - this.renewedAt > this.settings.seconds * 1000) {
        this.markLost(`not renewed for more than ${this.settings.seconds} s: ${String(error)}`);
        return;
      }
      throw error;
    }
  }
}

function holderMetadata(holder: LeaseHolder): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of Object.entries(HOLDER_KEYS)) {
    out[key] = headerSafe(holder[field as keyof LeaseHolder]);
  }
  return out;
}

/** Metadata travels in HTTP headers: printable ASCII only, bounded. */
function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}

function lockedMessage(
  where: string,
  holder: LeaseHolder | 'unknown' | undefined,
  settings: LeaseSettings,
  unlockHint: string,
): string {
  const who =
    holder === undefined || holder === 'unknown'
      ? 'a writer that did not say who it is'
      : describeHolder(holder);
  return (
    `${where} is locked by ${who}` +
    (settings.waitMs > 0 ? `; waited ${Math.round(settings.waitMs / 1000)} s` : '') +
    `. Wait for it to finish and run again. A holder that died lets go by itself within ${settings.seconds} s ` +
    `(its lease expires); if you are sure no writer runs, break the lease: ${unlockHint}.`
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lease settings from the environment (tests shorten the period; CI waits longer than a terminal). */
export function leaseSettings(env: NodeJS.ProcessEnv, defaultWaitSeconds: number): LeaseSettings {
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new UserError(`${name} must be a whole number of seconds from ${min} to ${max}, not "${text}"`);
    }
    return value;
  };
  return {
    seconds: number(LEASE_SECONDS_ENV, MAX_LEASE_SECONDS, MIN_LEASE_SECONDS, MAX_LEASE_SECONDS),
    waitMs: number(LOCK_TIMEOUT_ENV, defaultWaitSeconds, 0, 6 * 3600) * 1000,
  };
}
