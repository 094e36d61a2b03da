/**
 * The deployment's own known_hosts file: when create_vms makes a VM anew, the host key its address
 * had before belongs to a VM that is gone and must be forgotten, or ssh (rightly) refuses the new one.
 * Entries in both the plain and the hashed (`|1|salt|hash`) form are recognised.
 */
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../stores/atomic-file.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

/** How ssh names a host in known_hosts: the bare address on port 22, `[address]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matches(pattern: string, name: string): boolean {
  const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(pattern);
  if (hashed?.[1] !== undefined && hashed[2] !== undefined) {
    const digest = crypto()
      .createHmac('sha1', Buffer.from(hashed[1], 'base64'))
      .update(name)
      .digest('base64');
    return digest === hashed[2];
  }
  return pattern.split(',').includes(name);
}

/** The file's text without the entries for `name`; markers (`@revoked`, `@cert-authority`) are kept. */
export function withoutHost(text: string, name: string): string {
  return text
    .split('\n')
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      const pattern = fields[0];
      if (pattern === undefined || pattern === '' || pattern.startsWith('#') || pattern.startsWith('@'))
        return true;
      return !matches(pattern, name);
    })
    .join('\n');
}

/** Forgets the host keys of these addresses; returns how many entries went. */
export async function forgetHostKeys(
  knownHostsPath: string,
  hosts: readonly string[],
  port: number,
): Promise<number> {
  let text: string;
  try {
    text = await readFile(knownHostsPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let kept = text;
  for (const host of hosts) kept = withoutHost(kept, knownHostsName(host, port));
  if (kept === text) return 0;
  await writeFileAtomic(knownHostsPath, kept, 0o644);
  const count = (s: string) => s.split('\n').filter((l) => l.trim() !== '').length;
  return count(text) - count(kept);
}

/** Every VM of the deployment is gone: so are the keys they had. */
export async function forgetAllHostKeys(knownHostsPath: string): Promise<void> {
  await rm(knownHostsPath, { force: true });
}
