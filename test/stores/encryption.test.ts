import fc from 'fast-check';
import {
  decrypt,
  DecryptionError,
  encrypt,
  isEncrypted,
  keyIdOf,
  StateKey,
} from '../../src/stores/encryption.js';

const key = StateKey.fromSecret('correct horse battery staple 42');
const other = StateKey.fromSecret('another repository secret, rotated');
const binding = { deploymentId: 'k0rdent-ab12cd34', name: 'artifact:kubeconfig' };
const secret = Buffer.from('apiVersion: v1\nclient-key-data: c2VjcmV0\n');

test('round-trips, with a fresh salt and iv each time', () => {
  const one = encrypt(secret, key, binding);
  const two = encrypt(secret, key, binding);
  expect(isEncrypted(one)).toBe(true);
  expect(one.equals(two)).toBe(false);
  expect(one.includes(secret)).toBe(false);
  expect(decrypt(one, key, binding)).toEqual(secret);
  expect(keyIdOf(one)).toBe(key.id);
});

test('any content round-trips (property)', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2048 }),
      fc.string({ minLength: 1, maxLength: 20 }),
      (bytes, name) => {
        const b = { deploymentId: 'd', name };
        expect(decrypt(encrypt(Buffer.from(bytes), key, b), key, b)).toEqual(Buffer.from(bytes));
      },
    ),
    { numRuns: 50 },
  );
});

test('a wrong key is named by its id, with what to do', () => {
  expect(() => decrypt(encrypt(secret, key, binding), other, binding)).toThrow(
    `artifact:kubeconfig of deployment k0rdent-ab12cd34 was encrypted with state-key id ${key.id}, but the configured state-key has id ${other.id}`,
  );
});

test('a flipped bit anywhere after the key id fails authentication', () => {
  const sealed = encrypt(secret, key, binding);
  for (let byte = 20; byte < sealed.length; byte += 7) {
    const tampered = Buffer.from(sealed);
    tampered[byte] = tampered[byte]! ^ 0x01;
    expect(() => decrypt(tampered, key, binding)).toThrow(DecryptionError);
  }
});

test('truncated ciphertext fails, however short', () => {
  const sealed = encrypt(secret, key, binding);
  for (const length of [0, 5, 40, sealed.length - 1]) {
    expect(() => decrypt(sealed.subarray(0, length), key, binding)).toThrow(DecryptionError);
  }
});

test('an artifact swapped for another (or another deployment’s) fails authentication', () => {
  const sealed = encrypt(secret, key, binding);
  expect(() => decrypt(sealed, key, { ...binding, name: 'artifact:ssh_private_key' })).toThrow(
    /failed authentication/,
  );
  expect(() => decrypt(sealed, key, { ...binding, deploymentId: 'k0rdent-other' })).toThrow(
    /failed authentication/,
  );
});

test('plaintext is refused where a ciphertext is expected', () => {
  expect(() => decrypt(secret, key, binding)).toThrow(/is not encrypted by k0rdent-deploy/);
});

test('a short state-key is refused with how to make a good one', () => {
  expect(() => StateKey.fromSecret('hunter2')).toThrow(
    /at least 16\. Create one with `openssl rand -base64 32`/,
  );
});

test('the key id identifies the secret without revealing it', () => {
  expect(StateKey.fromSecret('correct horse battery staple 42').id).toBe(key.id);
  expect(key.id).toMatch(/^[0-9a-f]{16}$/);
  expect(key.id).not.toBe(other.id);
});
