/**
 * Puts `k0rdent-deploy` on PATH for phase scripts, pointing at this very installation and Node, so
 * a script can call `k0rdent-deploy artifact record …` however the CLI itself was started.
 *
 * The shim lives in a temporary directory named after this process (`k0rdent-deploy-bin-<pid>-…`):
 * it is removed when the command is done or the process exits however it ends, and one left by a
 * process that was killed is removed by the next command that makes one.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { sweepLeftovers } from '../tools/leftovers.js';

export interface SelfCommand {
  readonly env: Record<string, string>;
  dispose(): void;
}

const PREFIX = 'k0rdent-deploy-bin-';
/** `<PREFIX><pid>-<random>`; names from before the pid was in them are `<PREFIX><random>`. */
const SHIM_NAME = /^k0rdent-deploy-bin-(?:(\d+)-)?/;
/** Directories from before they carried a pid: removed once nothing can still be using them. */
const UNNAMED_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function provideSelfCommand(cliPath: string | undefined): SelfCommand {
  if (cliPath === undefined) return { env: {}, dispose: () => undefined };
  sweepLeftovers(tmpdir(), { pattern: SHIM_NAME, directory: true, unnamedMaxAgeMs: UNNAMED_MAX_AGE_MS });
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

/** Single-quoted for sh: the only character that needs care inside single quotes is the quote itself. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
