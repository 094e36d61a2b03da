/**
 * The process groups this process started (every command runs in a group of its own, see
 * run-command.ts) and that may still be running. Two things keep them from outliving the run:
 *
 * - a watchdog: one small `sh` per process, in a session of its own, holding a pipe from this
 *   process. This process keeps a register of its commands (those announced, the groups running)
 *   in a file that only the two of them can reach (see watchdog()); when the pipe closes without
 *   this process having ended them (it was killed, even with SIGKILL, alone or with its process
 *   group), the watchdog reads the register and sends the groups still in it SIGTERM, then SIGKILL
 *   after a grace period. A command is announced before it is spawned, and carries its
 *   announcement in its environment: if this process dies between the spawn and the registration
 *   of its group, the watchdog finds that group by the announcement (Linux: /proc/<pid>/environ)
 *   and ends it too.
 * - the state lock: it records the live groups (listeners here), so that a run taking over the lock
 *   of a run that died ends whatever of it is still alive before starting the same phase again.
 *
 * Groups are identified by their leader's pid and, on Linux, the leader's start time, so that a pid
 * reused by an unrelated process is never signalled.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepLeftovers } from './leftovers.js';

export interface ProcessGroup {
  readonly pgid: number;
  /** The leader's start time in clock ticks since boot (Linux `/proc/<pid>/stat`), when known. */
  readonly leaderStart?: number;
}

/** Live groups; a leader's start time is read when first asked for (see liveGroups). */
const live = new Map<number, { pgid: number; leaderStart?: number | undefined; read: boolean }>();
/** Commands announced whose group is not registered yet (see announceSpawn). */
const announced = new Set<number>();
const listeners = new Set<() => void>();

/**
 * Starts the watchdog, before the first group it must watch exists: a process killed between
 * starting a command and starting its watchdog would leave that command unwatched.
 */
export function prepareTracking(): void {
  watchdog();
}

/** The variable a spawned command carries, naming its announcement (see announceSpawn). */
export const SPAWN_ENV = 'K0RDENT_DEPLOY_SPAWN';

let spawns = 0;

export interface Announcement {
  readonly seq: number;
  /** Variables the command must be spawned with. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Tells the watchdog a command is about to be spawned, before it exists, so that no moment remains
 * in which it lives unknown to the watchdog. Follow with trackGroup(pgid, seq), or spawnFailed(seq).
 */
export function announceSpawn(): Announcement {
  const seq = ++spawns;
  const dog = watchdog();
  if (!dog) return { seq, env: {} };
  announced.add(seq);
  dog.update();
  return { seq, env: { [SPAWN_ENV]: `${dog.token}-${seq}` } };
}

export function spawnFailed(seq: number): void {
  if (announced.delete(seq)) watchdog()?.update();
}

/**
 * Registers a group the moment its leader is spawned (the watchdog first: it is the one that acts),
 * settling announcement `seq`.
 */
export function trackGroup(pgid: number, seq: number): void {
  announced.delete(seq);
  live.set(pgid, { pgid, read: false });
  watchdog()?.update();
  notify();
}

/**
 * Listeners are not told: a group that ended may stay in what they recorded until the next group
 * starts, which is harmless (a takeover checks each group's leader start time before it signals,
 * see groupAlive) and saves a lock write per command.
 */
export function untrackGroup(pgid: number): void {
  if (!live.delete(pgid)) return;
  watchdog()?.update();
}

/**
 * The groups started and not yet ended. A leader's start time is read here rather than at the
 * spawn, which most commands outlive by less than the read takes. Read late, it is still the
 * leader's: Linux does not give a pid to a new process while a process group of that id has
 * members, and a leader already gone reads as unknown, which groupAlive treats as the group alone.
 */
export function liveGroups(): readonly ProcessGroup[] {
  return [...live.values()].map((group) => {
    if (!group.read) {
      group.leaderStart = leaderStartOf(group.pgid);
      group.read = true;
    }
    return group.leaderStart === undefined
      ? { pgid: group.pgid }
      : { pgid: group.pgid, leaderStart: group.leaderStart };
  });
}

/** Called whenever a group starts (read liveGroups() for them); returns the function that stops it. */
export function onGroupsChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(): void {
  for (const listener of listeners) listener();
}

/** Whether any process of the group still exists (and, for a live leader, it is the recorded one). */
export function groupAlive(group: ProcessGroup): boolean {
  if (!signal(-group.pgid, 0)) return false;
  // The leader alive under its pid: the same process only if it started when the recorded one did.
  // A leader gone while members remain cannot have been replaced: a group id is not reused while
  // the group exists.
  if (group.leaderStart !== undefined && signal(group.pgid, 0)) {
    const started = leaderStartOf(group.pgid);
    return started === undefined || started === group.leaderStart;
  }
  return true;
}

const POLL_MS = 50;

/**
 * Ends groups left by a run that died: SIGTERM, then SIGKILL after `graceMs`; returns the groups
 * still alive `graceMs` after that (a process stuck in the kernel, or one this user may not signal).
 */
export async function endGroups(groups: readonly ProcessGroup[], graceMs = 3_000): Promise<ProcessGroup[]> {
  let alive = groups.filter(groupAlive);
  if (alive.length === 0) return [];
  for (const group of alive) signal(-group.pgid, 'SIGTERM');
  alive = await waitGone(alive, graceMs);
  for (const group of alive) signal(-group.pgid, 'SIGKILL');
  return waitGone(alive, graceMs);
}

async function waitGone(groups: readonly ProcessGroup[], timeoutMs: number): Promise<ProcessGroup[]> {
  let alive = [...groups];
  for (let waited = 0; alive.length > 0 && waited < timeoutMs; waited += POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    alive = alive.filter(groupAlive);
  }
  return alive;
}

/** Sends a signal; false when there is no such process (or group) that this user may signal. */
function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Field 22 of /proc/<pid>/stat (after the command name, which may hold spaces and parentheses). */
function leaderStartOf(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The register: `?SEQ` for a command announced and not yet registered, `+PGID` for a group running,
 * then `.`. Written whole at the start of the file at every change, one write: a process killed at
 * any moment leaves either the register before a change or the one after it, and bytes after the
 * `.` (left by a longer register) are never read.
 */
function register(): string {
  let text = '';
  for (const seq of announced) text += `?${seq}\n`;
  for (const pgid of live.keys()) text += `+${pgid}\n`;
  return `${text}.\n`;
}

/**
 * The watchdog's script. It reads registers written down the pipe until the pipe's end (this
 * process gone, or exited); if none came that way, it reads the register from descriptor 3, the
 * register's file (`$2` is `file`). It ends the groups in the last whole register and, for a
 * command announced but never registered (this process died in between), the groups of the
 * processes whose environment carries that announcement. The script is constant: its only data
 * are the token ($1, checked to be hex) and the digits it checks.
 */
export const WATCHDOG_SCRIPT = `
token=$1
case $token in ''|*[!0-9a-f]*) token= ;; esac
groups=
pending=
piped=
# Reads one register up to its '.', into groups and pending; fails at an end of input before it.
take() {
  g= p=
  while IFS= read -r line; do
    id=\${line#?}
    case $line in
      .) groups=$g pending=$p; return 0 ;;
      '?'*) case $id in ''|*[!0-9]*) ;; *) p="$p $id" ;; esac ;;
      +*) case $id in ''|*[!0-9]*) ;; *) g="$g $id" ;; esac ;;
    esac
  done
  return 1
}
while take; do piped=1; done
[ -z "$piped" ] && [ "$2" = file ] && take <&3
if [ -n "$token" ]; then
  for seq in $pending; do
    for f in $(grep -lzxF "${SPAWN_ENV}=$token-$seq" /proc/[0-9]*/environ 2>/dev/null); do
      pid=\${f#/proc/}; pid=\${pid%/environ}
      stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
      set -- \${stat##*) }
      case $3 in ''|*[!0-9]*) ;; *) groups="$groups $3" ;; esac
    done
  done
fi
set -- $groups
[ $# -eq 0 ] && exit 0
for g do kill -s TERM -- "-$g" 2>/dev/null; done
n=0
while [ $n -lt 30 ]; do
  alive=
  for g do kill -s 0 -- "-$g" 2>/dev/null && alive=1; done
  [ -z "$alive" ] && exit 0
  sleep 0.1
  n=$((n + 1))
done
for g do kill -s KILL -- "-$g" 2>/dev/null; done
`;

interface Watchdog {
  /** Hands the watchdog the register as it is now. */
  update(): void;
  /** Names this process's announcements among those of other runs on the host. */
  readonly token: string;
}

let started: Watchdog | null | undefined;

/** The register's file name: `k0rdent-deploy-watch-<pid>-<token>` in the temporary directory. */
const REGISTER_PREFIX = 'k0rdent-deploy-watch-';
const REGISTER_NAME = /^k0rdent-deploy-watch-(\d+)-/;

/**
 * The watchdog, started on first use; null where there is none (Windows, or it failed to start).
 *
 * The register goes to a file, not down the pipe: a write to a pipe wakes its reader, and waking
 * a shell three times per command (announced, running, ended) cost a phase more than the rest of
 * its bookkeeping. The file is opened twice (this process writes, the watchdog reads through a
 * descriptor of its own) and removed at once, so nothing else can reach it and nothing is left
 * behind. Where it cannot be made, the registers go down the pipe.
 */
function watchdog(): Watchdog | null {
  if (started !== undefined) return started;
  started = null;
  if (process.platform === 'win32') return started;
  let file: { writer: number; reader: number } | undefined;
  try {
    // Synchronously: runCommand starts the watchdog right before it spawns a command.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const token = process.getBuiltinModule('node:crypto').randomBytes(8).toString('hex');
    file = openRegister(token);
    let child: ChildProcess;
    try {
      child = spawn(
        '/bin/sh',
        ['-c', WATCHDOG_SCRIPT, 'k0rdent-deploy-watchdog', token, file ? 'file' : 'pipe'],
        {
          stdio: ['pipe', 'ignore', 'ignore', ...(file ? [file.reader] : [])],
          // A session of its own: killing this process's group (a cancelled CI job, a killed
          // terminal) must leave the watchdog alive to do its work.
          detached: true,
        },
      );
    } finally {
      // The watchdog has its own copy of the reading end.
      if (file) closeSync(file.reader);
    }
    const pipe = child.stdin;
    if (!pipe) throw new Error('the watchdog has no pipe');
    pipe.on('error', () => undefined);
    child.on('error', () => undefined);
    // Neither the watchdog nor its pipe keeps this process alive; exiting closes the pipe.
    child.unref();
    (pipe as unknown as { unref?: () => void }).unref?.();
    let writer = file?.writer;
    started = {
      update: () => {
        const text = register();
        if (writer !== undefined) {
          try {
            // Whole, or not at all: a register cut short would end nothing.
            if (writeSync(writer, text, 0) === text.length) return;
            throw new Error('short write');
          } catch {
            // A full temporary directory: from now on down the pipe, which needs no space (the
            // watchdog then ignores the file).
            closeSync(writer);
            writer = undefined;
          }
        }
        pipe.write(text);
      },
      token,
    };
  } catch {
    started = null;
  }
  if (started === null && file) closeSync(file.writer);
  return started;
}

/** The register's file, opened for this process and for the watchdog, its name already removed. */
function openRegister(token: string): { writer: number; reader: number } | undefined {
  const dir = tmpdir();
  // A register left by a process killed between making it and removing its name.
  sweepLeftovers(dir, { pattern: REGISTER_NAME, directory: false });
  const path = join(dir, `${REGISTER_PREFIX}${process.pid}-${token}`);
  let writer: number | undefined;
  try {
    writer = openSync(path, 'wx', 0o600);
    const reader = openSync(path, 'r');
    unlinkSync(path);
    return { writer, reader };
  } catch {
    if (writer !== undefined) closeSync(writer);
    try {
      unlinkSync(path);
    } catch {
      // Never made, or already removed.
    }
    return undefined;
  }
}
