import { createHash } from 'node:crypto';
import { createDocument } from '../../src/state/document.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  plainCodec,
  UnencryptedSecretError,
  type CarriedFile,
  type FileCodec,
} from '../../src/stores/artifact-snapshot.js';

const run = { run_id: '1', attempt: 1, job: 'j', actor: 'a' };
const doc = createDocument(
  { deploymentId: 'demo', phases: ['one'] },
  { hlc: '2026-01-01T00:00:00.000Z#000000@n', at: '2026-01-01T00:00:00.000Z', run },
);
const writer = { run_id: '1', attempt: 1, job: 'j', lane: 'abcdef12' };

function file(name: string, content: string, sensitive = false): CarriedFile {
  const bytes = Buffer.from(content);
  return {
    name,
    path: `out/${name}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sensitive,
    bytes,
  };
}

test('state and files round-trip, checksums verified', () => {
  const text = encodeSnapshot(doc, [file('wg_config', '[Interface]\n')], writer);
  const back = decodeSnapshot(text, 'snapshot', 'demo');
  expect(back.doc).toEqual(doc);
  expect(back.files.get('wg_config')?.bytes.toString()).toBe('[Interface]\n');
  expect(back.writtenBy).toEqual(writer);
});

test('a sensitive file is refused without an encrypting codec, and the error says what is missing', () => {
  expect(() => encodeSnapshot(doc, [file('hub_key', 'secret')], writer)).not.toThrow();
  let error: unknown;
  try {
    encodeSnapshot(doc, [file('hub_key', 'super secret', true)], writer);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UnencryptedSecretError);
  expect((error as Error).message).toMatch(
    /hub_key .*sensitive.*no state-key is configured. Create one with `openssl rand -base64 32`/,
  );
  // A codec that does not encrypt is not accepted for secrets either.
  expect(() =>
    encodeSnapshot(doc, [file('hub_key', 's', true)], writer, { plain: plainCodec, sensitive: plainCodec }),
  ).toThrow(UnencryptedSecretError);
});

test('the codec seam: an encrypting codec carries sensitive files, never in plaintext', () => {
  const reversing: FileCodec = {
    id: 'test-reverse',
    encrypts: true,
    encode: (plain) => Buffer.from(plain).reverse().toString('base64'),
    decode: (stored) => Buffer.from(stored, 'base64').reverse(),
  };
  const codecs = { plain: plainCodec, sensitive: reversing };
  const text = encodeSnapshot(doc, [file('hub_key', 'super secret', true)], writer, codecs);
  expect(text).not.toContain(Buffer.from('super secret').toString('base64'));
  expect(decodeSnapshot(text, 'snapshot', 'demo', codecs).files.get('hub_key')?.bytes.toString()).toBe(
    'super secret',
  );
  expect(() => decodeSnapshot(text, 'snapshot', 'demo')).toThrow(/codec "test-reverse".*same state key/);
});

test('a tampered file or another deployment is reported, not merged', () => {
  const text = encodeSnapshot(doc, [file('wg_config', 'abc')], writer);
  const tampered = text.replace(Buffer.from('abc').toString('base64'), Buffer.from('abd').toString('base64'));
  expect(() => decodeSnapshot(tampered, 'snapshot', 'demo')).toThrow(
    /files\.wg_config: content does not match/,
  );
  expect(() => decodeSnapshot(text, 'snapshot', 'other')).toThrow(
    /deployment_id: is "demo", expected "other"/,
  );
});
