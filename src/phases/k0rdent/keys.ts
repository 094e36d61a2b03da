/**
 * Key material made in Node: WireGuard x25519 key pairs (the same base64 encoding `wg genkey` and
 * `wg pubkey` use) and the SSH key pair for the VMs' admin user. Nothing here writes or prints keys.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

export interface WireguardKeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

export function generateWireguardKeyPair(): WireguardKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  const d = privateKey.export({ format: 'jwk' }).d;
  const x = publicKey.export({ format: 'jwk' }).x;
  if (d === undefined || x === undefined) throw new Error('x25519 key export returned no key material');
  return { privateKey: base64UrlToBase64(d), publicKey: base64UrlToBase64(x) };
}

/** PKCS#8 header of an X25519 private key: the 32 key bytes follow it. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The public key of a WireGuard private key (what `wg pubkey` prints). */
export function wireguardPublicKey(privateKey: string): string {
  const raw = Buffer.from(privateKey.trim(), 'base64');
  if (raw.length !== 32) throw new Error('a WireGuard private key is 32 bytes in base64');
  const key = createPrivateKey({
    key: Buffer.concat([X25519_PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
  const x = createPublicKey(key).export({ format: 'jwk' }).x;
  if (x === undefined) throw new Error('x25519 public key export returned no key material');
  return base64UrlToBase64(x);
}

export function isWireguardKey(text: string): boolean {
  return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text.trim());
}

export interface SshKeyPair {
  /** PEM (PKCS#1), readable by OpenSSH and by k0sctl. */
  readonly privateKeyPem: string;
  /** One line in OpenSSH `authorized_keys` form. */
  readonly publicKey: string;
}

/** RSA 3072: accepted by every Azure image and SSH client (Azure's SSH key resource takes RSA). */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 3072,
    publicExponent: 0x10001,
  });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.n === undefined || jwk.e === undefined)
    throw new Error('RSA public key export returned no key material');
  return { privateKeyPem: pem, publicKey: opensshRsaPublicKey(jwk.e, jwk.n, comment) };
}

/** The OpenSSH public key line of the RSA key in a PEM file. */
export function sshPublicKeyOf(privateKeyPem: string, comment: string): string {
  const jwk = createPublicKey(privateKeyPem).export({ format: 'jwk' });
  if (jwk.n === undefined || jwk.e === undefined) throw new Error('not an RSA key');
  return opensshRsaPublicKey(jwk.e, jwk.n, comment);
}

function opensshRsaPublicKey(e: string, n: string, comment: string): string {
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  // mpint: big-endian, with a leading zero byte when the high bit is set.
  const mpint = (b64url: string) => {
    const bytes = Buffer.from(b64url, 'base64url');
    return field((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(e), mpint(n)]);
  const suffix = comment.trim() === '' ? '' : ` ${comment.trim().replace(/\s+/g, '-')}`;
  return `ssh-rsa ${blob.toString('base64')}${suffix}`;
}

function base64UrlToBase64(text: string): string {
  return Buffer.from(text, 'base64url').toString('base64');
}
