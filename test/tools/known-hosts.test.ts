/**
 * Forgetting a replaced VM's host key in the deployment's known_hosts, in the plain form our ssh calls
 * write and in the hashed form ssh-keygen -H (and Debian's default HashKnownHosts) writes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetHostKeys, knownHostsName, withoutHost } from '../../src/tools/known-hosts.js';

const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0sRVzpNN3ekrMHGB9oSMf0Yu4q8bJkYrgKKhhq1d6';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL2aRR4V6tvmuT53HGNW+ZRVbnfjf7d6BnEOsN9mzf8u';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'k0rdent-known-hosts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('ssh names a host by its address on port 22 and by [address]:port elsewhere', () => {
  expect(knownHostsName('203.0.113.4', 22)).toBe('203.0.113.4');
  expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
});

test('plain entries of the address go, other hosts, ports, comments and markers stay', () => {
  const text = [
    '# the deployment',
    `203.0.113.4 ${KEY_A}`,
    `203.0.113.40 ${KEY_B}`,
    `[203.0.113.4]:2222 ${KEY_B}`,
    `other,203.0.113.4 ${KEY_B}`,
    `@revoked 203.0.113.4 ${KEY_B}`,
    '',
  ].join('\n');
  expect(withoutHost(text, '203.0.113.4')).toBe(
    [
      '# the deployment',
      `203.0.113.40 ${KEY_B}`,
      `[203.0.113.4]:2222 ${KEY_B}`,
      `@revoked 203.0.113.4 ${KEY_B}`,
      '',
    ].join('\n'),
  );
});

test('hashed entries (ssh-keygen -H) are recognised, and the file is only rewritten when needed', async () => {
  const file = join(dir, 'known_hosts');
  writeFileSync(file, `[127.0.0.1]:2222 ${KEY_A}\n198.51.100.7 ${KEY_B}\n`);
  execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  const hashed = readFileSync(file, 'utf8');
  expect(hashed).not.toContain('127.0.0.1');
  expect(await forgetHostKeys(file, ['203.0.113.9'], 2222)).toBe(0);
  expect(readFileSync(file, 'utf8')).toBe(hashed);
  expect(await forgetHostKeys(file, ['127.0.0.1'], 2222)).toBe(1);
  // What is left is what ssh-keygen itself still finds: the other host, and not the forgotten one.
  const find = (name: string) => {
    try {
      return execFileSync('ssh-keygen', ['-F', name, '-f', file], { encoding: 'utf8' });
    } catch {
      return '';
    }
  };
  expect(find('[127.0.0.1]:2222')).toBe('');
  expect(find('198.51.100.7')).toContain(KEY_B.split(' ')[1]);
});

test('no file is nothing to forget', async () => {
  expect(await forgetHostKeys(join(dir, 'absent'), ['127.0.0.1'], 22)).toBe(0);
});
