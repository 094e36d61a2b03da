/**
 * An exclusive lock on a state directory: a file holding the owner's pid, host, start time and a
 * token. A second writer stops with exit code 3 and the holder's details. A lock whose pid is dead
 * on this same host is stale (a killed run) and is taken over with a warning. Child processes of
 * the holder (a phase command recording an artifact) present the token and share the lock.
 *
 * A lock's identity is the file the holder created, not its name: the holder keeps it open and,
 * before each commit, checks that the name still leads to that very file (`verify`: one stat; an
 * open file's inode number cannot be reused), so a run whose lock was removed (its state directory
 * deleted) or taken stops instead of writing. Beside the lock, `.lock.processes` lists the process
 * groups of the commands the holder runs (process-groups.ts), under the lock's token: whoever takes
 * over a stale lock ends those first, so a phase never runs while an earlier attempt of it is still
 * alive on this host.
 */
import { link, open, readFile, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { LockLostError, StateLockedError } from '../errors.js';
import { endGroups, liveGroups, onGroupsChanged, type ProcessGroup } from '../tools/process-groups.js';
import { naming } from './atomic-file.js';
import type { LockOwner, StoreLock } from './store.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export const LOCK_TOKEN_ENV = 'K0RDENT_LOCK_TOKEN';

/** How long a command runs before the lock records its group (see held). */
const RECORD_AFTER_MS = 100;

export interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
  readonly command: string;
  readonly token: string;
}

/** `.lock.processes`: the groups of the commands the holder with `token` runs. */
interface ProcessList {
  readonly token: string;
  readonly processes: readonly { readonly pgid: number; readonly leader_start?: number }[];
}

/** The lock file as its holder opened it: while it is open, its inode number is its own. */
interface Opened {
  readonly handle: FileHandle;
  readonly dev: number;
  readonly ino: number;
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
        token: crypto().randomBytes(16).toString('hex'),
      };
      const created = await this.create(info);
      if (created) {
        this.token = info.token;
        return this.held(info, created);
      }
      const holder = await this.read();
      if (holder === undefined) continue;
      if (inherited !== undefined && holder.token === inherited) {
        const opened = await this.openHeld(inherited);
        if (!opened) continue;
        this.token = inherited;
        return {
          shared: true,
          verify: () => this.verify(opened),
          release: () => opened.handle.close(),
        };
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

  /**
   * The owner's handle: it keeps `.lock.processes` up to date while it holds the lock. A group is
   * recorded once it has lived RECORD_AFTER_MS, not at its spawn: most commands end sooner, and
   * writing the list for each of them was a file replaced per command. The record is for a takeover
   * after this process and its watchdog both died; the watchdog (process-groups.ts) hears of every
   * group at its spawn and ends it when this process dies alone.
   */
  private held(info: LockInfo, opened: Opened): LockHandle {
    let writes = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let written = '[]';
    // One name for the life of the handle: its writes are chained, so they never share it.
    const temp = `${this.path}.${process.pid}.${crypto().randomBytes(8).toString('hex')}.tmp`;
    const record = () => {
      timer = undefined;
      const processes = liveGroups().map(recorded);
      const text = JSON.stringify(processes);
      // Ended groups may stay listed (see untrackGroup): a takeover checks each before it signals.
      if (processes.length === 0 || text === written) return;
      written = text;
      const list: ProcessList = { token: info.token, processes };
      writes = writes.then(() => this.writeProcesses(list, temp)).catch(() => undefined);
    };
    const stop = onGroupsChanged(() => {
      timer ??= setTimeout(record, RECORD_AFTER_MS);
    });
    return {
      shared: false,
      verify: () => this.verify(opened),
      release: async () => {
        stop();
        clearTimeout(timer);
        await writes;
        await this.release(info.token, opened);
      },
    };
  }

  /** Opens the lock file a parent process holds, checking it is still the one with `token`. */
  private async openHeld(token: string): Promise<Opened | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const [info, text] = await Promise.all([handle.stat(), handle.readFile('utf8')]);
    if (!text.includes(token)) {
      await handle.close();
      return undefined;
    }
    return { handle, dev: info.dev, ino: info.ino };
  }

  /**
   * Throws LockLostError unless the lock's name still leads to the file this process opened: one
   * stat while all is well, made synchronously as the commit it guards (local-store.ts); the holder
   * is read only to say who took it.
   */
  private async verify(opened: Opened): Promise<void> {
    let now: { dev: number; ino: number } | undefined;
    try {
      now = statSync(this.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    }
    if (now?.dev === opened.dev && now.ino === opened.ino) return;
    const holder = now === undefined ? undefined : await this.read().catch(() => undefined);
    throw new LockLostError(
      lostMessage(
        this.describe,
        now === undefined
          ? `${this.path} was removed (was the state directory deleted or moved?)`
          : holder === undefined
            ? `${this.path} was replaced by a file that is not a lock`
            : `it is now held by pid ${holder.pid} on host ${holder.host} (${holder.command}, since ${holder.started_at})`,
      ),
    );
  }

  /** Replaces `.lock.processes` in one rename; never fsynced: it only matters on this host. */
  private async writeProcesses(list: ProcessList, temp: string): Promise<void> {
    try {
      await writeFile(temp, JSON.stringify(list) + '\n', { mode: 0o600 });
      await rename(temp, this.processesPath);
    } catch {
      await rm(temp, { force: true });
    }
  }

  private get processesPath(): string {
    return `${this.path}.processes`;
  }

  /**
   * Ends the process groups a stale holder recorded (its phase, still running after the run that
   * started it died). A group that survives SIGKILL stops this run: it must not start that phase
   * again beside it.
   */
  private async endProcessesOf(holder: LockInfo): Promise<number> {
    const groups: ProcessGroup[] = (await this.readProcesses(holder.token)).map((p) => ({
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

  /** The groups `.lock.processes` lists for the holder with `token` (none when it is another's). */
  private async readProcesses(token: string): Promise<ProcessList['processes']> {
    try {
      const parsed = JSON.parse(await readFile(this.processesPath, 'utf8')) as Partial<ProcessList>;
      if (parsed.token !== token || !Array.isArray(parsed.processes)) return [];
      return (parsed.processes as unknown[]).filter(isRecordedGroup);
    } catch {
      return [];
    }
  }

  /**
   * Creates the lock file with its content in one step (link() fails if the name exists), and
   * keeps it open: that open file is the lock's identity.
   */
  private async create(info: LockInfo): Promise<Opened | undefined> {
    const temp = `${this.path}.${process.pid}.${info.token}.tmp`;
    await writeFile(temp, JSON.stringify(info) + '\n', { mode: 0o600 }).catch(async (error: unknown) => {
      await rm(temp, { force: true }).catch(() => undefined);
      throw naming(error, this.path);
    });
    try {
      const handle = await open(temp, 'r');
      try {
        await link(temp, this.path);
      } catch (error) {
        await handle.close();
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
        throw error;
      }
      const info = await handle.stat();
      return { handle, dev: info.dev, ino: info.ino };
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
      await rm(this.processesPath, { force: true });
      return true;
    }
    await link(aside, this.path).catch(() => undefined);
    await rm(aside, { force: true });
    return false;
  }

  private async release(token: string, opened: Opened): Promise<void> {
    const holder = await this.read().catch(() => undefined);
    if (holder?.token === token) {
      await rm(this.processesPath, { force: true }).catch(() => undefined);
      await unlink(this.path).catch(() => undefined);
    }
    await opened.handle.close();
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
