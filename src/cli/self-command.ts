/**
 * Puts `k0rdent-deploy` on PATH for phase scripts, pointing at this very installation and Node, so
 * a script can call `k0rdent-deploy artifact record …` however the CLI itself was started.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface SelfCommand {
  readonly env: Record<string, string>;
  dispose(): void;
}

export function provideSelfCommand(cliPath: string | undefined): SelfCommand {
  if (cliPath === undefined) return { env: {}, dispose: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'k0rdent-deploy-bin-'));
  const shim = join(dir, 'k0rdent-deploy');
  writeFileSync(shim, `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(cliPath)} "$@"\n`);
  chmodSync(shim, 0o755);
  return {
    env: { PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Single-quoted for sh: the only character that needs care inside single quotes is the quote itself. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
