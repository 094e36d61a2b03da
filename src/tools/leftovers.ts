/**
 * Files and directories named after the process that made them, removed once that process is gone:
 * a process killed before its own clean-up leaves them behind, and the next one to make such a
 * thing removes them.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Whether `pid` is alive; a process of another user (EPERM) counts as alive. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LeftoverKind {
  /** Matches the entries' names; its first group that took part in the match is the maker's pid. */
  readonly pattern: RegExp;
  readonly directory: boolean;
  /** A matching entry with no pid (made before names had one) is removed once older than this. */
  readonly unnamedMaxAgeMs?: number;
}

/** Removes this user's entries of `kind` in `dir` whose process is gone. */
export function sweepLeftovers(dir: string, kind: LeftoverKind): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const match = kind.pattern.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const info = statSync(path);
      if (info.isDirectory() !== kind.directory || (uid !== undefined && info.uid !== uid)) continue;
      // Groups that took no part in the match are undefined at run time, whatever the types say.
      const pid = match.slice(1).find(Boolean);
      const gone =
        pid === undefined
          ? kind.unnamedMaxAgeMs !== undefined && Date.now() - info.mtimeMs > kind.unnamedMaxAgeMs
          : !processAlive(Number(pid));
      if (gone) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another process, or not ours to remove.
    }
  }
}
