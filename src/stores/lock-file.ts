/**
 * An exclusive lock on a state directory: a file holding the owner's pid, host, start time and a
 * token. A second writer stops with exit code 3 and the holder's details. A lock whose pid is dead
 * on this same host is stale (a killed run) and is taken over with a warning. Child processes of
 * the holder (a phase command recording an artifact) present the token and share the lock.
 */
import { link, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StateLockedError } from '../errors.js';
import type { LockOwner, StoreLock } from './store.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export const LOCK_TOKEN_ENV = 'K0RDENT_LOCK_TOKEN';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
  readonly command: string;
  readonly token: string;
}

/** Takeover attempts; each needs a stale holder, so more than two means writers are racing. */
const MAX_ATTEMPTS = 3;

export class LockFile {
  private token: string | undefined;

  constructor(
    private readonly path: string,
    private readonly describe: string,
  ) {}

  /** The token of the lock this process holds or shares, for its children. */
  get heldToken(): string | undefined {
    return this.token;
  }

  async acquire(owner: LockOwner): Promise<StoreLock> {
    const inherited = process.env[LOCK_TOKEN_ENV];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const info: LockInfo = {
        pid: process.pid,
        host: hostname(),
        started_at: new Date().toISOString(),
        command: owner.command,
        token: crypto().randomBytes(16).toString('hex'),
      };
      if (await this.create(info)) {
        this.token = info.token;
        return { release: () => this.release(info.token) };
      }
      const holder = await this.read();
      if (holder === undefined) continue;
      if (inherited !== undefined && holder.token === inherited) {
        this.token = inherited;
        return { release: () => Promise.resolve() };
      }
      if (!isStale(holder)) throw new StateLockedError(lockedMessage(this.describe, this.path, holder));
      if (await this.takeOver(holder)) {
        owner.onWarning(
          `took over a stale lock on ${this.describe}: pid ${holder.pid} on ${holder.host} ` +
            `(${holder.command}, since ${holder.started_at}) is no longer running`,
        );
      }
    }
    throw new StateLockedError(`could not lock ${this.describe}: other writers keep taking it; try again`);
  }

  /** Creates the lock file with its content in one step: link() fails if the name exists. */
  private async create(info: LockInfo): Promise<boolean> {
    const temp = `${this.path}.${info.token}.tmp`;
    await writeFile(temp, JSON.stringify(info) + '\n', { mode: 0o600 });
    try {
      await link(temp, this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async read(): Promise<LockInfo | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<LockInfo>;
      if (
        typeof parsed.pid === 'number' &&
        typeof parsed.host === 'string' &&
        typeof parsed.token === 'string'
      ) {
        return {
          pid: parsed.pid,
          host: parsed.host,
          started_at: String(parsed.started_at),
          command: String(parsed.command),
          token: parsed.token,
        };
      }
    } catch {
      // Fall through: the lock file exists but is not ours to understand.
    }
    throw new StateLockedError(
      `${this.path} exists but is not a k0rdent-deploy lock; if no k0rdent-deploy is running, remove it`,
    );
  }

  /**
   * Moves the stale lock aside, then checks that what was moved is the stale lock that was judged:
   * if another writer replaced it in between, its fresh lock is put back.
   */
  private async takeOver(stale: LockInfo): Promise<boolean> {
    const aside = `${this.path}.stale.${process.pid}.${crypto().randomBytes(4).toString('hex')}`;
    try {
      await rename(this.path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
    const moved = await readFile(aside, 'utf8').catch(() => '');
    if (moved.includes(stale.token)) {
      await rm(aside, { force: true });
      return true;
    }
    await link(aside, this.path).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }

  private async release(token: string): Promise<void> {
    const holder = await this.read().catch(() => undefined);
    if (holder?.token === token) await unlink(this.path).catch(() => undefined);
    this.token = undefined;
  }
}

function isStale(holder: LockInfo): boolean {
  if (holder.host !== hostname()) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function lockedMessage(describe: string, path: string, holder: LockInfo): string {
  return (
    `${describe} is locked by pid ${holder.pid} on host ${holder.host} (${holder.command}, since ${holder.started_at}). ` +
    `Wait for it to finish. If that process is gone` +
    (holder.host === hostname() ? '' : ' (it ran on another host, so this one cannot check)') +
    `, remove ${path} and run again.`
  );
}
