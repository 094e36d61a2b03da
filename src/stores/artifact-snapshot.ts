/**
 * The file inside a state artifact: the state document's text and the recorded artifact files that
 * later jobs need (WireGuard configs, kubeconfigs), each with its checksum, in one YAML envelope so
 * that a checkpoint is one unzipped upload and a load one download per snapshot.
 *
 * Files pass through a codec. Plain files are stored base64; a sensitive file needs the encrypting
 * codec (AES-256-GCM under the `state-key` secret) and is refused without one: secrets never reach
 * an artifact in plaintext. With a state key, the whole snapshot also carries an HMAC, so a
 * tampered state document (a phase marked completed, a path changed) is refused on load.
 */
import { dump } from 'js-yaml';
import * as z from 'zod/mini';
import { FileError, UserError } from '../errors.js';
import { registerSecret } from '../secrets.js';
import { canonicalJson } from '../state/canonical.js';
import { decodeState, encodeState } from '../state/codec.js';
import { LIMIT_ENV, limits } from '../limits.js';
import type { StateDocument } from '../state/schema.js';
import { parseYaml, validateYaml } from '../state/yaml-validation.js';
import {
  decryptWithKeys,
  DecryptionError,
  describeKeys,
  CREATE_KEY_ADVICE,
  encrypt,
  keyWithId,
  type StateKeys,
} from './encryption.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export const SNAPSHOT_FORMAT = 'k0rdent-state-snapshot/1';

/** Bounds that keep a checkpoint a small upload; larger files belong in a store of their own. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
export const MAX_SNAPSHOT_BYTES = 24 * 1024 * 1024;
/** What a reader accepts as a snapshot's text (files base64-encoded, beside the state). */
export const MAX_SNAPSHOT_TEXT_BYTES = MAX_SNAPSHOT_BYTES * 2;

/** Turns a file's bytes into what the snapshot stores, and back. */
export interface FileCodec {
  /** Recorded next to each file, so a reader picks the right codec. */
  readonly id: string;
  /** Whether the stored form reveals nothing of the content (only such codecs may carry sensitive files). */
  readonly encrypts: boolean;
  encode(plain: Buffer, context: { readonly artifact: string }): string;
  decode(stored: string, context: { readonly artifact: string }): Buffer;
}

export const plainCodec: FileCodec = {
  id: 'base64',
  encrypts: false,
  encode: (plain) => plain.toString('base64'),
  decode: (stored) => Buffer.from(stored, 'base64'),
};

export interface SnapshotCodecs {
  readonly plain: FileCodec;
  /** Absent until an encryption key is configured. */
  readonly sensitive?: FileCodec;
  /** The state key(s): snapshots are authenticated with an HMAC under the current key. */
  readonly keys?: StateKeys;
}

export const DEFAULT_CODECS: SnapshotCodecs = { plain: plainCodec };

export const ENCRYPTED_CODEC_ID = 'aes-256-gcm/1';

/** The codecs of a deployment whose state key is configured. */
export function keyedCodecs(deploymentId: string, keys: StateKeys): SnapshotCodecs {
  const binding = (artifact: string) => ({ deploymentId, name: `artifact:${artifact}` });
  return {
    plain: plainCodec,
    keys,
    sensitive: {
      id: ENCRYPTED_CODEC_ID,
      encrypts: true,
      encode: (plain, { artifact }) => encrypt(plain, keys.current, binding(artifact)).toString('base64'),
      decode: (stored, { artifact }) =>
        decryptWithKeys(Buffer.from(stored, 'base64'), keys, binding(artifact)),
    },
  };
}

const StoredFileSchema = z.strictObject({
  path: z.string().check(z.minLength(1)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  size: z.int().check(z.nonnegative()),
  sensitive: z.boolean(),
  codec: z.string().check(z.minLength(1)),
  data: z.string(),
  /**
   * Set when the stored form lives in a blob of its own (the azure-blob backend keeps each sensitive
   * file apart, so that a checkpoint rewrites only the state); `data` is then empty.
   */
  blob: z.optional(z.string().check(z.minLength(1))),
});

const EnvelopeSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  deployment_id: z.string().check(z.minLength(1)),
  written_at: z.string(),
  written_by: z.strictObject({
    run_id: z.string(),
    attempt: z.int(),
    job: z.string(),
    lane: z.string(),
  }),
  state: z.string(),
  files: z.record(z.string(), StoredFileSchema),
  /** HMAC-SHA256 of the canonical envelope without this field, under the state key `key_id`. */
  mac: z.optional(z.strictObject({ key_id: z.string(), hmac: z.string() })),
});
type Envelope = z.infer<typeof EnvelopeSchema>;

export type StoredFile = z.infer<typeof StoredFileSchema>;
export type WriterRef = z.infer<typeof EnvelopeSchema>['written_by'];

/** A file to carry: the recorded artifact's bytes, already checked against its record. */
export interface CarriedFile {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly sensitive: boolean;
  readonly bytes: Buffer;
}

export interface DecodedSnapshot {
  readonly doc: StateDocument;
  readonly writtenBy: WriterRef;
  /** Files by artifact name, decoded and verified against their checksums. */
  readonly files: ReadonlyMap<string, CarriedFile>;
  /** Whether a state key authenticated it (false: written before the deployment had one). */
  readonly authenticated: boolean;
  /** The id of the state key whose HMAC it carries, if any (checked only when keys are configured). */
  readonly signedWith?: string;
}

/** A file whose stored form lives elsewhere (a blob of its own), already encoded with `codec`. */
export interface ExternalFile {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  readonly sensitive: boolean;
  readonly codec: string;
  readonly blob: string;
}

/** Raised when a sensitive file would have to be uploaded without encryption. */
export class UnencryptedSecretError extends UserError {
  override readonly name = 'UnencryptedSecretError';
}

export function encodeSnapshot(
  doc: StateDocument,
  files: readonly (CarriedFile | ExternalFile)[],
  writer: WriterRef,
  codecs: SnapshotCodecs = DEFAULT_CODECS,
  now: Date = new Date(),
): string {
  const stored: Record<string, StoredFile> = {};
  let total = 0;
  const maxFileBytes = Math.min(MAX_FILE_BYTES, limits().maxArtifactBytes);
  for (const file of files) {
    if ('blob' in file) {
      if (file.sensitive && file.codec !== (codecs.sensitive?.encrypts ? codecs.sensitive.id : undefined)) {
        throw new UnencryptedSecretError(
          `artifact ${file.name} (${file.path}) is sensitive, but its stored form (codec ${file.codec}) is not one this run encrypts with`,
        );
      }
      const { name: _name, ...rest } = file;
      stored[file.name] = { ...rest, data: '' };
      continue;
    }
    const codec = sensitiveCodec(file, codecs);
    if (file.bytes.length > maxFileBytes) {
      throw new UserError(
        `artifact ${file.name} (${file.path}) is ${file.bytes.length} bytes; the artifact state backend ` +
          `carries files of at most ${maxFileBytes} bytes (the smaller of ${MAX_FILE_BYTES} and ` +
          `${LIMIT_ENV.maxArtifactBytes}). Keep large files out of the recorded artifacts.`,
      );
    }
    total += file.bytes.length;
    stored[file.name] = {
      path: file.path,
      sha256: file.sha256,
      size: file.bytes.length,
      sensitive: file.sensitive,
      codec: codec.id,
      data: codec.encode(file.bytes, { artifact: file.name }),
    };
  }
  if (total > MAX_SNAPSHOT_BYTES) {
    throw new UserError(
      `the recorded artifact files add up to ${total} bytes; a state snapshot carries at most ${MAX_SNAPSHOT_BYTES}.`,
    );
  }
  const unsigned: Envelope = {
    format: SNAPSHOT_FORMAT,
    deployment_id: doc.deployment_id,
    written_at: now.toISOString(),
    written_by: writer,
    state: encodeState(doc),
    files: stored,
  };
  const envelope: Envelope = codecs.keys
    ? {
        ...unsigned,
        mac: { key_id: codecs.keys.current.id, hmac: codecs.keys.current.mac(canonicalJson(unsigned)) },
      }
    : unsigned;
  const text =
    '# k0rdent-deploy state snapshot: the deployment state and the files later jobs need.\n' +
    '# Written by the k0rdent-deploy actions; merged with the other snapshots on every load.\n' +
    dump(envelope, { lineWidth: -1, noRefs: true });
  // Never upload what every later load would refuse: the deployment's state would be stuck behind it.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SNAPSHOT_TEXT_BYTES) {
    throw new UserError(
      `refusing to upload a state snapshot of ${bytes} bytes: readers accept at most ${MAX_SNAPSHOT_TEXT_BYTES}. ` +
        'Nothing was uploaded; keep fewer or smaller files in the recorded artifacts.',
    );
  }
  return text;
}

/**
 * The codec a file is stored with: the encrypting one for a sensitive file (refused without a state
 * key: secrets never leave the machine in plaintext), the plain one otherwise.
 */
export function sensitiveCodec(
  file: Pick<CarriedFile, 'name' | 'path' | 'sensitive'>,
  codecs: SnapshotCodecs,
): FileCodec {
  const codec = file.sensitive ? codecs.sensitive : codecs.plain;
  if (!codec || (file.sensitive && !codec.encrypts)) {
    throw new UnencryptedSecretError(
      `artifact ${file.name} (${file.path}) is recorded as sensitive, and the state backend keeps ` +
        'recorded files for later jobs only encrypted: no state-key is configured. ' +
        CREATE_KEY_ADVICE,
    );
  }
  return codec;
}

export interface DecodeOptions {
  /**
   * Files stored in blobs of their own: `refuse` (workflow artifacts never have them) or `keep` them
   * undecoded in `external`, for the caller to fetch and pass to decodeStoredFile.
   */
  readonly external?: 'refuse' | 'keep';
}

export function decodeSnapshot(
  text: string,
  where: string,
  expectedDeployment: string,
  codecs: SnapshotCodecs = DEFAULT_CODECS,
  options: DecodeOptions = {},
): DecodedSnapshot & { readonly external: ReadonlyMap<string, StoredFile> } {
  const parsed = parseYaml(text, where, { maxBytes: MAX_SNAPSHOT_TEXT_BYTES });
  const envelope = validateYaml(EnvelopeSchema, parsed, where);
  if (envelope.deployment_id !== expectedDeployment) {
    throw new FileError(where, [
      {
        path: 'deployment_id',
        message: `is "${envelope.deployment_id}", expected "${expectedDeployment}"`,
      },
    ]);
  }
  const authenticated = authenticate(envelope, where, codecs.keys);
  const decoded = decodeState(envelope.state, `${where} (state)`, limits().maxStateBytes);
  if (decoded.kind !== 'current') {
    throw new FileError(where, [
      { path: 'state', message: 'holds an upstream-format state; expected schema 2' },
    ]);
  }
  const files = new Map<string, CarriedFile>();
  const external = new Map<string, StoredFile>();
  for (const [name, file] of Object.entries(envelope.files)) {
    if (file.blob !== undefined) {
      if (options.external !== 'keep') {
        throw new FileError(where, [
          {
            path: `files.${name}`,
            message: 'refers to a blob of its own, which a workflow artifact never does',
          },
        ]);
      }
      external.set(name, file);
      continue;
    }
    files.set(name, decodeStoredFile(name, file, file.data, codecs, where));
  }
  return {
    doc: decoded.doc,
    writtenBy: envelope.written_by,
    files,
    external,
    authenticated,
    ...(envelope.mac ? { signedWith: envelope.mac.key_id } : {}),
  };
}

/** One stored file back to its bytes (`data`: its stored form), checksum verified, secrets masked. */
export function decodeStoredFile(
  name: string,
  file: StoredFile,
  data: string,
  codecs: SnapshotCodecs,
  where: string,
): CarriedFile {
  const codec = [codecs.plain, codecs.sensitive].find((c) => c?.id === file.codec);
  if (!codec) {
    throw new UserError(
      `${where}: file ${name} is stored with codec "${file.codec}", which this run cannot read` +
        (file.sensitive ? ' (it is encrypted: configure the same state key as the run that wrote it)' : ''),
    );
  }
  const bytes = codec.decode(data, { artifact: name });
  // A decrypted secret is masked before anything can print it.
  if (file.sensitive) registerSecret(bytes.toString('utf8'));
  const sha256 = crypto().createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== file.sha256) {
    throw new FileError(where, [
      { path: `files.${name}`, message: `content does not match its sha256 ${file.sha256}` },
    ]);
  }
  return { name, path: file.path, sha256, sensitive: file.sensitive, bytes };
}

/** What a snapshot says about itself, before anything in it is decoded or trusted. */
export function snapshotHeader(
  text: string,
  where: string,
): { readonly deploymentId: string; readonly signedWith?: string; readonly sensitive: readonly string[] } {
  const envelope = validateYaml(
    EnvelopeSchema,
    parseYaml(text, where, { maxBytes: MAX_SNAPSHOT_BYTES * 2 }),
    where,
  );
  return {
    deploymentId: envelope.deployment_id,
    ...(envelope.mac ? { signedWith: envelope.mac.key_id } : {}),
    sensitive: Object.entries(envelope.files)
      .filter(([, file]) => file.sensitive)
      .map(([name]) => name),
  };
}

/**
 * With a state key configured, a snapshot must carry a valid HMAC; one without may only be accepted
 * when it carries no sensitive file (written before the deployment had a key), and is reported.
 */
function authenticate(envelope: Envelope, where: string, keys: StateKeys | undefined): boolean {
  if (!keys) return false;
  const { mac, ...unsigned } = envelope;
  if (!mac) {
    if (Object.values(envelope.files).some((file) => file.sensitive)) {
      throw new DecryptionError(
        `${where} carries sensitive files but no authentication: it was tampered with. Nothing was restored; ` +
          'use the state of an earlier run, or re-run the phases that produced those files.',
      );
    }
    return false;
  }
  const key = keyWithId(keys, mac.key_id);
  if (!key) {
    throw new DecryptionError(
      `${where} was written with state-key id ${mac.key_id}, but the configured keys are ${describeKeys(keys)}. ` +
        'Pass the state-key that wrote it (during a rotation, the old one as previous-state-key).',
    );
  }
  if (!key.verifies(canonicalJson(unsigned), mac.hmac)) {
    throw new DecryptionError(
      `${where} failed authentication: its state or files were changed after it was written. Nothing was ` +
        'merged or restored; use the state of an earlier run, or investigate who can write workflow artifacts.',
    );
  }
  return true;
}

/**
 * The same snapshot, re-encrypted and re-authenticated under `keys.current` (read with either key);
 * its writer and time are kept. Returns the new text and the number of sensitive files.
 */
export function rekeySnapshot(
  text: string,
  where: string,
  keys: StateKeys,
): { text: string; sensitive: number } {
  const parsed = parseYaml(text, where, { maxBytes: MAX_SNAPSHOT_TEXT_BYTES });
  const envelope = validateYaml(EnvelopeSchema, parsed, where);
  const codecs = keyedCodecs(envelope.deployment_id, keys);
  const decoded = decodeSnapshot(text, where, envelope.deployment_id, codecs);
  const files = [...decoded.files.values()];
  return {
    text: encodeSnapshot(decoded.doc, files, decoded.writtenBy, codecs, new Date(envelope.written_at)),
    sensitive: files.filter((file) => file.sensitive).length,
  };
}
