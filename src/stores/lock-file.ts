/**
 * An exclusive lock on a state directory: a file holding the owner's pid, host, start time and a
 * token. A second writer stops with exit code 3 and the holder's details. A lock whose pid is dead
 * on this same host is stale (a killed run) and is taken over with a warning. Child processes of
 * the holder (a phase command recording an artifact) present the token and share the lock.
 *
 * The token is the lock's identity: before each commit the holder checks that the file still holds
 * it (`verify`), so a run whose lock was removed (its state directory deleted) or taken stops
 * instead of writing. The file also lists the process groups of the commands the holder is running
 * (process-groups.ts): whoever takes over a stale lock ends those first, so a phase never runs
 * while an earlier attempt of it is still alive on this host.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { LockLostError, StateLockedError } from '../errors.js';
import { endGroups, onGroupsChanged, type ProcessGroup } from '../tools/process-groups.js';
import { naming } from './atomic-file.js';
import type { LockOwner, StoreLock } from './store.js';

export const LOCK_TOKEN_ENV = 'K0RDENT_LOCK_TOKEN';

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
  readonly command: string;
  readonly token: string;
  /** Process groups of the commands the holder runs (a phase's script and what it started). */
  readonly processes?: readonly { readonly pgid: number; readonly leader_start?: number }[];
}

/** A granted lock; `shared` when it is the lock of a parent process, presented by its token. */
export interface LockHandle extends StoreLock {
  readonly shared: boolean;
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

  async acquire(owner: LockOwner): Promise<LockHandle> {
    const inherited = process.env[LOCK_TOKEN_ENV];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const info: LockInfo = {
        pid: process.pid,
        host: hostname(),
        started_at: new Date().toISOString(),
        command: owner.command,
        token: randomBytes(16).toString('hex'),
      };
      if (await this.create(info)) {
        this.token = info.token;
        return this.held(info);
      }
      const holder = await this.read();
      if (holder === undefined) continue;
      if (inherited !== undefined && holder.token === inherited) {
        this.token = inherited;
        return { shared: true, verify: () => this.verify(inherited), release: () => Promise.resolve() };
      }
      if (!isStale(holder)) throw new StateLockedError(lockedMessage(this.describe, this.path, holder));
      const ended = await this.endProcessesOf(holder);
      if (await this.takeOver(holder)) {
        owner.onWarning(
          `took over a stale lock on ${this.describe}: pid ${holder.pid} on ${holder.host} ` +
            `(${holder.command}, since ${holder.started_at}) is no longer running` +
            (ended > 0 ? `; ended ${ended} process group(s) it had left running` : ''),
        );
      }
    }
    throw new StateLockedError(`could not lock ${this.describe}: other writers keep taking it; try again`);
  }

  /** The owner's handle: it keeps the lock file's list of running process groups up to date. */
  private held(info: LockInfo): LockHandle {
    let current = info;
    let writes = Promise.resolve();
    const stop = onGroupsChanged((groups) => {
      current = { ...current, processes: groups.map(recorded) };
      const next = current;
      writes = writes.then(() => this.rewrite(next)).catch(() => undefined);
    });
    return {
      shared: false,
      verify: () => this.verify(info.token),
      release: async () => {
        stop();
        await writes;
        await this.release(info.token);
      },
    };
  }

  /** Throws LockLostError unless the lock file still holds `token`. */
  async verify(token: string): Promise<void> {
    let holder: LockInfo | undefined;
    try {
      holder = await this.read();
    } catch (error) {
      if (!(error instanceof StateLockedError)) throw error;
      throw new LockLostError(
        lostMessage(this.describe, `${this.path} was replaced by a file that is not a lock`),
      );
    }
    if (holder?.token === token) return;
    throw new LockLostError(
      lostMessage(
        this.describe,
        holder === undefined
          ? `${this.path} was removed (was the state directory deleted or moved?)`
          : `it is now held by pid ${holder.pid} on host ${holder.host} (${holder.command}, since ${holder.started_at})`,
      ),
    );
  }

  /** Replaces the lock file with `info` (same token), if it is still ours; never fsynced: it is host-local. */
  private async rewrite(info: LockInfo): Promise<void> {
    const holder = await this.read().catch(() => undefined);
    if (holder?.token !== info.token) return;
    const temp = `${this.path}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(info) + '\n', { mode: 0o600 });
      await rename(temp, this.path);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /**
   * Ends the process groups a stale holder recorded (its phase, still running after the run that
   * started it died). A group that survives SIGKILL stops this run: it must not start that phase
   * again beside it.
   */
  private async endProcessesOf(holder: LockInfo): Promise<number> {
    const groups: ProcessGroup[] = (holder.processes ?? []).map((p) => ({
      pgid: p.pgid,
      ...(p.leader_start === undefined ? {} : { leaderStart: p.leader_start }),
    }));
    if (groups.length === 0) return 0;
    const survivors = await endGroups(groups);
    if (survivors.length > 0) {
      throw new StateLockedError(
        `${this.describe} was locked by pid ${holder.pid} (${holder.command}), which is gone, but process group(s) ` +
          `${survivors.map((g) => g.pgid).join(', ')} it started are still alive after SIGKILL. ` +
          `Find them with \`ps -o pid,pgid,stat,args -g ${survivors.map((g) => g.pgid).join(',')}\`, end them, then run again.`,
      );
    }
    return groups.length;
  }

  /** Creates the lock file with its content in one step: link() fails if the name exists. */
  private async create(info: LockInfo): Promise<boolean> {
    const temp = `${this.path}.${process.pid}.${info.token}.tmp`;
    await writeFile(temp, JSON.stringify(info) + '\n', { mode: 0o600 }).catch(async (error: unknown) => {
      await rm(temp, { force: true }).catch(() => undefined);
      throw naming(error, this.path);
    });
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
        const listed: unknown[] = Array.isArray(parsed.processes) ? parsed.processes : [];
        const processes = listed.filter(isRecordedGroup);
        return {
          pid: parsed.pid,
          host: parsed.host,
          started_at: String(parsed.started_at),
          command: String(parsed.command),
          token: parsed.token,
          ...(processes.length > 0 ? { processes } : {}),
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
    const aside = `${this.path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
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

function isRecordedGroup(value: unknown): value is { pgid: number; leader_start?: number } {
  if (value === null || typeof value !== 'object') return false;
  const { pgid, leader_start } = value as Record<string, unknown>;
  return (
    typeof pgid === 'number' &&
    Number.isInteger(pgid) &&
    pgid > 1 &&
    (leader_start === undefined || typeof leader_start === 'number')
  );
}

function recorded(group: ProcessGroup): { pgid: number; leader_start?: number } {
  return {
    pgid: group.pgid,
    ...(group.leaderStart === undefined ? {} : { leader_start: group.leaderStart }),
  };
}

function lostMessage(describe: string, why: string): string {
  return (
    `lost the lock on ${describe} while running: ${why}. This run stopped without writing anything more; ` +
    'the state keeps what it committed before. Make sure no other k0rdent-deploy works on this state, then run again.'
  );
}

function lockedMessage(describe: string, path: string, holder: LockInfo): string {
  return (
    `${describe} is locked by pid ${holder.pid} on host ${holder.host} (${holder.command}, since ${holder.started_at}). ` +
    `Wait for it to finish. If that process is gone` +
    (holder.host === hostname() ? '' : ' (it ran on another host, so this one cannot check)') +
    `, remove ${path} and run again.`
  );
}
