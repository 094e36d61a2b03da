/**
 * Forgetting a re-created VM's host key in the deployment's known_hosts file, checked against OpenSSH
 * itself: entries hashed by `ssh-keygen -H` (Debian's and Ubuntu's `HashKnownHosts yes`) and plain ones
 * go, other hosts' stay, and `ssh-keygen -F` agrees.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { forgetKnownHosts, knownHostsLineNames } from '../../src/tools/known-hosts.js';
import { sshRun } from '../../src/tools/ssh.js';

const run = promisify(execFile);
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'known-hosts-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function known(file: string, host: string): Promise<boolean> {
  try {
    await run('ssh-keygen', ['-F', host, '-f', file]);
    return true;
  } catch {
    return false;
  }
}

test('hashed and plain entries of the hosts go; other hosts and other ports stay', async () => {
  const file = join(dir, 'known_hosts');
  await writeFile(
    file,
    [
      `203.0.113.4 ${KEY}`,
      `192.168.100.12 ${KEY}`,
      `[192.168.100.12]:2222 ${KEY}`,
      `192.168.100.11 ${KEY}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await run('ssh-keygen', ['-H', '-f', file]);
  await writeFile(file, `${await readFile(file, 'utf8')}10.0.1.5,203.0.113.4 ${KEY}\n`);
  expect(await known(file, '203.0.113.4')).toBe(true);

  expect(await forgetKnownHosts(file, ['203.0.113.4', '192.168.100.12'])).toBe(3);
  expect(await known(file, '203.0.113.4')).toBe(false);
  expect(await known(file, '192.168.100.12')).toBe(false);
  expect(await known(file, '[192.168.100.12]:2222')).toBe(true);
  expect(await known(file, '192.168.100.11')).toBe(true);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect(await forgetKnownHosts(file, ['203.0.113.4'])).toBe(0);
  expect(await forgetKnownHosts(join(dir, 'absent'), ['203.0.113.4'])).toBe(0);
});

test('line matching is exact (a longer address is another host); comments and markers are left alone', () => {
  expect(knownHostsLineNames(`192.168.100.1 ${KEY}`, ['192.168.100.11'])).toBe(false);
  expect(knownHostsLineNames(`# 192.168.100.11 ${KEY}`, ['192.168.100.11'])).toBe(false);
  // A revocation is a decision someone made: it stays.
  expect(knownHostsLineNames(`@revoked 192.168.100.11 ${KEY}`, ['192.168.100.11'])).toBe(false);
  expect(knownHostsLineNames(`a,192.168.100.11 ${KEY}`, ['192.168.100.11'])).toBe(true);
});

test('a remote command is plain words: anything a remote shell would interpret is refused before ssh runs', async () => {
  const target = {
    host: '127.0.0.1',
    user: 'nobody',
    keyPath: join(dir, 'none'),
    knownHostsPath: join(dir, 'known_hosts'),
    connectTimeoutSeconds: 1,
  };
  for (const word of ['$(reboot)', 'a;b', 'x y', '`id`', '>out'])
    await expect(sshRun(target, ['echo', word], { env: { PATH: '' } })).rejects.toThrow(/refusing to send/);
});
