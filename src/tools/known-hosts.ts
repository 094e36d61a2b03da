/**
 * The deployment's own OpenSSH known_hosts file: the first connection to a VM records its host key
 * (ssh `StrictHostKeyChecking=accept-new`; k0sctl through `SSH_KNOWN_HOSTS`), and a VM that is created
 * again at an address we knew comes with a new key, so its old entries must go first or every later
 * connection fails with "REMOTE HOST IDENTIFICATION HAS CHANGED". Entries may be hashed
 * (`HashKnownHosts yes`, Debian's and Ubuntu's default): `|1|salt|HMAC-SHA1(salt, host)`.
 */
import { createHmac } from 'node:crypto';
import { writeFileAtomic } from '../stores/atomic-file.js';
import { readFile } from 'node:fs/promises';

/** How OpenSSH names a host in known_hosts: bare for port 22, `[host]:port` otherwise. */
function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesPattern(pattern: string, token: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt = '', hash = ''] = pattern.split('|');
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64');
    return digest === hash;
  }
  return pattern === token;
}

/** Whether a known_hosts line names one of the hosts (markers like @revoked are left alone). */
export function knownHostsLineNames(line: string, hosts: readonly string[], port = 22): boolean {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('@')) return false;
  const patterns = (trimmed.split(/\s+/)[0] ?? '').split(',');
  const tokens = hosts.map((host) => hostToken(host, port));
  return patterns.some((pattern) => tokens.some((token) => matchesPattern(pattern, token)));
}

/** Drops every entry for these hosts; returns how many lines went. A missing file has none. */
export async function forgetKnownHosts(file: string, hosts: readonly string[]): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const lines = text.split('\n');
  const kept = lines.filter((line) => !knownHostsLineNames(line, hosts));
  if (kept.length === lines.length) return 0;
  await writeFileAtomic(file, kept.join('\n'), 0o600);
  return lines.length - kept.length;
}
