/**
 * Encryption of sensitive material before it leaves the machine (workflow artifacts can be
 * downloaded by anyone who can read the repository). AES-256-GCM; the key comes from the
 * `state-key` secret: scrypt turns the secret into a master key once per process (slow on purpose,
 * in case the secret is a passphrase), and HKDF derives one key per document from it with the
 * document's own random salt. A key id derived from the master key is stored beside the ciphertext,
 * so the right key can be named (and rotated) without revealing it. The associated data binds each
 * ciphertext to its deployment and name: an artifact swapped for another fails authentication.
 *
 * Layout: MAGIC | version (1) | kid (8) | salt (16) | iv (12) | tag (16) | ciphertext. Documents that
 * are not secret (a state snapshot) are authenticated instead, with an HMAC under a key of its own.
 */
import { UserError } from '../errors.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

const MAGIC = Buffer.from('K0RDENT-ENC', 'ascii');
const VERSION = 1;
const KID_BYTES = 8;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + KID_BYTES + SALT_BYTES + IV_BYTES + TAG_BYTES;
/** A secret shorter than this is refused: `openssl rand -base64 32` gives 44 characters. */
export const MIN_STATE_KEY_LENGTH = 16;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** Where the CLI finds the keys (the actions take them as inputs). */
export const STATE_KEY_ENV = 'K0RDENT_STATE_KEY';
export const PREVIOUS_STATE_KEY_ENV = 'K0RDENT_PREVIOUS_STATE_KEY';

export const CREATE_KEY_ADVICE =
  'Create one with `openssl rand -base64 32`, store it as a repository secret (e.g. K0RDENT_STATE_KEY) ' +
  'and pass it as the `state-key` input (or the K0RDENT_STATE_KEY environment variable for the CLI).';

/** The state-key secret, ready to use; holds derived material only. */
export class StateKey {
  private constructor(
    private readonly master: Buffer,
    /** Hex id of the key; safe to log and to store. */
    readonly id: string,
  ) {}

  static fromSecret(secret: string): StateKey {
    if (secret.length < MIN_STATE_KEY_LENGTH) {
      throw new UserError(
        `the state-key is ${secret.length} characters; it needs at least ${MIN_STATE_KEY_LENGTH}. ${CREATE_KEY_ADVICE}`,
      );
    }
    const master = crypto().scryptSync(secret.normalize('NFC'), 'k0rdent-deploy/state-key/v1', 32, SCRYPT);
    const id = Buffer.from(
      crypto().hkdfSync('sha256', master, Buffer.alloc(0), 'k0rdent-deploy key id', KID_BYTES),
    ).toString('hex');
    return new StateKey(master, id);
  }

  /** The key of one document, from its salt. */
  documentKey(salt: Buffer): Buffer {
    return Buffer.from(crypto().hkdfSync('sha256', this.master, salt, 'k0rdent-deploy document key v1', 32));
  }

  /** HMAC-SHA256 (hex) of a text, with a key of its own: authenticates documents that are not secret. */
  mac(text: string): string {
    const key = Buffer.from(
      crypto().hkdfSync('sha256', this.master, Buffer.alloc(0), 'k0rdent-deploy mac key v1', 32),
    );
    return crypto().createHmac('sha256', key).update(text, 'utf8').digest('hex');
  }

  /** Whether `mac` is this key's HMAC of `text`, compared in constant time. */
  verifies(text: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(text), 'hex');
    const given = Buffer.from(mac, 'hex');
    return given.length === expected.length && crypto().timingSafeEqual(given, expected);
  }
}

/** The configured key, and the one it replaced while a rotation is under way. */
export interface StateKeys {
  readonly current: StateKey;
  readonly previous?: StateKey;
}

/** The key of `keys` with this id, or undefined. */
export function keyWithId(keys: StateKeys, id: string): StateKey | undefined {
  return [keys.current, keys.previous].find((key) => key?.id === id);
}

export function describeKeys(keys: StateKeys): string {
  return `id ${keys.current.id}${keys.previous ? `, previous ${keys.previous.id}` : ''}`;
}

/** What a ciphertext belongs to; it must match on decryption. */
export interface Binding {
  readonly deploymentId: string;
  /** e.g. `artifact:kubeconfig` or `state`. */
  readonly name: string;
}

export function isEncrypted(data: Buffer): boolean {
  return data.length >= MAGIC.length && data.subarray(0, MAGIC.length).equals(MAGIC);
}

export function encrypt(plaintext: Buffer, key: StateKey, binding: Binding): Buffer {
  const salt = crypto().randomBytes(SALT_BYTES);
  const iv = crypto().randomBytes(IV_BYTES);
  const cipher = crypto().createCipheriv('aes-256-gcm', key.documentKey(salt), iv);
  cipher.setAAD(associatedData(binding));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([
    MAGIC,
    Buffer.from([VERSION]),
    Buffer.from(key.id, 'hex'),
    salt,
    iv,
    cipher.getAuthTag(),
    ciphertext,
  ]);
}

/** A ciphertext that cannot be opened: wrong key, changed, cut short, or meant for something else. */
export class DecryptionError extends UserError {
  override readonly name = 'DecryptionError';
}

/** Decrypts with whichever of the configured keys wrote the envelope (rotation reads old and new). */
export function decryptWithKeys(data: Buffer, keys: StateKeys, binding: Binding): Buffer {
  const id = keyIdOf(data);
  return decrypt(data, (id === undefined ? undefined : keyWithId(keys, id)) ?? keys.current, binding);
}

export function decrypt(data: Buffer, key: StateKey, binding: Binding): Buffer {
  const what = `${binding.name} of deployment ${binding.deploymentId}`;
  if (!isEncrypted(data))
    throw new DecryptionError(
      `${what} is not encrypted by k0rdent-deploy (no envelope header); refusing to use it`,
    );
  if (data.length < HEADER_BYTES)
    throw new DecryptionError(`${what} is cut short: ${data.length} bytes, less than an envelope header`);
  let at = MAGIC.length;
  const version = data[at];
  at += 1;
  if (version !== VERSION) {
    throw new DecryptionError(
      `${what} uses envelope version ${version ?? '?'}; this k0rdent-deploy reads version ${VERSION}`,
    );
  }
  const kid = data.subarray(at, (at += KID_BYTES));
  const salt = data.subarray(at, (at += SALT_BYTES));
  const iv = data.subarray(at, (at += IV_BYTES));
  const tag = data.subarray(at, (at += TAG_BYTES));
  const ciphertext = data.subarray(at);
  if (!crypto().timingSafeEqual(kid, Buffer.from(key.id, 'hex'))) {
    throw new DecryptionError(
      `${what} was encrypted with state-key id ${kid.toString('hex')}, but the configured state-key has id ${key.id}. ` +
        'Pass the state-key that wrote it; after a rotation, run `k0rdent-deploy state rekey` with both keys.',
    );
  }
  const decipher = crypto().createDecipheriv('aes-256-gcm', key.documentKey(salt), iv);
  decipher.setAAD(associatedData(binding));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError(
      `${what} failed authentication: it was changed, cut short, or belongs to another artifact or deployment. ` +
        'Nothing was written. Re-run the phase that produced it, or restore the state of an earlier run.',
    );
  }
}

/** The key id written in an envelope, without decrypting it. */
export function keyIdOf(data: Buffer): string | undefined {
  if (!isEncrypted(data) || data.length < HEADER_BYTES) return undefined;
  return data.subarray(MAGIC.length + 1, MAGIC.length + 1 + KID_BYTES).toString('hex');
}

function associatedData(binding: Binding): Buffer {
  return Buffer.from(`k0rdent-deploy/v${VERSION}\0${binding.deploymentId}\0${binding.name}`, 'utf8');
}
