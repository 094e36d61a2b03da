/**
 * Puts `k0rdent-deploy` on PATH for phase scripts, pointing at this very installation and Node, so
 * a script can call `k0rdent-deploy artifact record …` however the CLI itself was started.
 *
 * The shim lives in a temporary directory named after this process (`k0rdent-deploy-bin-<pid>-…`):
 * it is removed when the command is done or the process exits however it ends, and one left by a
 * process that was killed is removed by the next command that makes one.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface SelfCommand {
  readonly env: Record<string, string>;
  dispose(): void;
}

const PREFIX = 'k0rdent-deploy-bin-';
/** Directories from before they carried a pid: removed once nothing can still be using them. */
const UNNAMED_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function provideSelfCommand(cliPath: string | undefined): SelfCommand {
  if (cliPath === undefined) return { env: {}, dispose: () => undefined };
  sweepLeftovers(tmpdir());
  const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  const shim = join(dir, 'k0rdent-deploy');
  writeFileSync(shim, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} "$@"\n`);
  chmodSync(shim, 0o755);
  return {
    env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    dispose: () => {
      process.off('exit', remove);
      remove();
    },
  };
}

/** Removes this user's shim directories whose process is gone. */
function sweepLeftovers(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const path = join(parent, name);
    try {
      const info = statSync(path);
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
      const pid = /^k0rdent-deploy-bin-(\d+)-/.exec(name)?.[1];
      const gone =
        pid === undefined ? Date.now() - info.mtimeMs > UNNAMED_MAX_AGE_MS : !processAlive(Number(pid));
      if (gone) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed meanwhile by another command, or not ours to remove.
    }
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Single-quoted for sh: the only character that needs care inside single quotes is the quote itself. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
