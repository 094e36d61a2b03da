import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { baseBody, propertiesOf, requireLocation, type TypeBehaviour } from './behaviour.js';
import { badRequest } from './errors.js';
import { objectAt, stringAt } from './json.js';

export const SSH_PUBLIC_KEY = 'Microsoft.Compute/sshPublicKeys';

/** An OpenSSH `ssh-rsa` / `ssh-ed25519` public key line from a JWK. */
function sshPublicKeyLine(kind: 'rsa' | 'ed25519', jwk: JsonWebKey): string {
  const field = (text: string): Buffer => {
    const value = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    return Buffer.concat([length, value]);
  };
  const bytes = (value: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    return Buffer.concat([length, value]);
  };
  // SSH mpints are big-endian and signed: a leading 0 keeps a high first bit from reading as negative.
  const mpint = (base64url: string | undefined): Buffer => {
    const raw = Buffer.from(base64url ?? '', 'base64url');
    return bytes((raw[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
  };
  const blob =
    kind === 'rsa'
      ? Buffer.concat([field('ssh-rsa'), mpint(jwk.e), mpint(jwk.n)])
      : Buffer.concat([field('ssh-ed25519'), bytes(Buffer.from(jwk.x ?? '', 'base64url'))]);
  return `ssh-${kind} ${blob.toString('base64')} generated-by-fake-arm`;
}

function generateSshKeyPair(encryptionType: string | undefined): { privateKey: string; publicKey: string } {
  if (encryptionType?.toLowerCase() === 'ed25519') {
    const pair = generateKeyPairSync('ed25519');
    return {
      privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKey: sshPublicKeyLine('ed25519', pair.publicKey.export({ format: 'jwk' })),
    };
  }
  // Azure makes 3072-bit keys; 2048 bits keeps the fake fast and is still accepted everywhere.
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: sshPublicKeyLine('rsa', pair.publicKey.export({ format: 'jwk' })),
  };
}

export const sshPublicKeyBehaviour: TypeBehaviour = {
  type: SSH_PUBLIC_KEY,
  longRunning: false,
  tracked: true,
  plan(context) {
    requireLocation(context);
    const body = baseBody(context);
    const publicKey = stringAt(objectAt(body, 'properties'), 'publicKey');
    if (publicKey !== undefined && !/^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/=]+/.test(publicKey)) {
      throw badRequest('InvalidParameter', 'The value of parameter publicKey is invalid.');
    }
    return { body };
  },
  action(name, resource, context) {
    if (name.toLowerCase() !== 'generatekeypair' || context.method !== 'POST') return undefined;
    const pair = generateSshKeyPair(stringAt(context.request, 'encryptionType'));
    propertiesOf(resource.body).publicKey = pair.publicKey;
    return { status: 200, body: { ...pair, id: resource.id } };
  },
};
