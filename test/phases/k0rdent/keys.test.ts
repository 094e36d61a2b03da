/** Keys made in Node checked against the reference tools: `wg pubkey` (wireguard-tools) and `ssh-keygen -y`. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateSshKeyPair,
  generateWireguardKeyPair,
  isWireguardKey,
  sshPublicKeyOf,
  wireguardPublicKey,
} from '../../../src/phases/k0rdent/keys.js';

function requireTool(name: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) {
    throw new Error(
      `${name} is not installed: install ${pkg} (.ci/run does: apt-get install ${pkg}) to run this test`,
    );
  }
}

test('WireGuard key pairs made in Node match `wg pubkey`, and the public key is derived back from the private one', () => {
  requireTool('wg', 'wireguard-tools');
  for (let i = 0; i < 20; i++) {
    const pair = generateWireguardKeyPair();
    expect(isWireguardKey(pair.privateKey)).toBe(true);
    const fromWg = execFileSync('wg', ['pubkey'], { input: `${pair.privateKey}\n` })
      .toString()
      .trim();
    expect(pair.publicKey).toBe(fromWg);
    expect(wireguardPublicKey(pair.privateKey)).toBe(fromWg);
  }
});

test('`wg genkey` keys are read the same way', () => {
  requireTool('wg', 'wireguard-tools');
  const key = execFileSync('wg', ['genkey']).toString().trim();
  expect(wireguardPublicKey(key)).toBe(execFileSync('wg', ['pubkey'], { input: key }).toString().trim());
});

test('the SSH key pair is an RSA key that ssh-keygen reads, with the same public key', () => {
  requireTool('ssh-keygen', 'openssh-client');
  const dir = mkdtempSync(join(tmpdir(), 'k0rdent-ssh-'));
  try {
    const pair = generateSshKeyPair('k0rdent-azure-key');
    const file = join(dir, 'id');
    writeFileSync(file, pair.privateKeyPem, { mode: 0o600 });
    const derived = execFileSync('ssh-keygen', ['-y', '-f', file]).toString().trim();
    expect(pair.publicKey).toBe(`${derived} k0rdent-azure-key`);
    expect(sshPublicKeyOf(pair.privateKeyPem, 'k0rdent-azure-key')).toBe(pair.publicKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
