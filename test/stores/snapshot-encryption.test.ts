/** Snapshots with a state key: sensitive files encrypted, the whole snapshot authenticated. */
import { createHash } from 'node:crypto';
import { dump, load } from 'js-yaml';
import { createDocument } from '../../src/state/document.js';
import { encodeState } from '../../src/state/codec.js';
import { markCompleted } from '../../src/state/transitions.js';
import {
  decodeSnapshot,
  encodeSnapshot,
  keyedCodecs,
  type CarriedFile,
} from '../../src/stores/artifact-snapshot.js';
import { DecryptionError, StateKey } from '../../src/stores/encryption.js';
import { redact, resetSecretsForTests } from '../../src/secrets.js';

const run = { run_id: '1', attempt: 1, job: 'j', actor: 'a' };
const stamp = (s: number) => ({
  hlc: `2026-01-01T00:00:0${s}.000Z#000000@n`,
  at: '2026-01-01T00:00:00.000Z',
  run,
});
const doc = createDocument({ deploymentId: 'demo', phases: ['one', 'two'] }, stamp(0));
const writer = { run_id: '1', attempt: 1, job: 'j', lane: 'abcdef12' };
const oldKey = StateKey.fromSecret('the old repository secret 1234');
const newKey = StateKey.fromSecret('the new repository secret 5678');
const SECRET = 'wg-private-key: kZ0x8Qf3+secretvalue/AbCdEf=';

function file(name: string, content: string, sensitive: boolean): CarriedFile {
  const bytes = Buffer.from(content);
  return {
    name,
    path: `state/${name}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sensitive,
    bytes,
  };
}

const files = [file('hub_key', SECRET, true), file('hub_config', '[Interface]\n', false)];
const keyed = keyedCodecs('demo', { current: oldKey });
const sealed = encodeSnapshot(doc, files, writer, keyed);

type Envelope = { state: string; files: Record<string, { data: string }>; mac?: unknown };
const edit = (text: string, change: (e: Envelope) => void): string => {
  const envelope = load(text) as Envelope;
  change(envelope);
  return dump(envelope, { lineWidth: -1 });
};

afterEach(() => resetSecretsForTests());

test('a sensitive file leaves only as ciphertext, and comes back whole', () => {
  expect(sealed).not.toContain(SECRET);
  expect(sealed).not.toContain(Buffer.from(SECRET).toString('base64'));
  const back = decodeSnapshot(sealed, 'snapshot', 'demo', keyed);
  expect(back.authenticated).toBe(true);
  expect(back.files.get('hub_key')?.bytes.toString()).toBe(SECRET);
  // Decrypted, it is masked before anything can print it.
  expect(redact(`key is ${SECRET}`)).toBe('key is ***');
});

test('a wrong key is refused, naming the key ids and what to do', () => {
  expect(() =>
    decodeSnapshot(
      sealed,
      'artifact k0rdent-state.demo.yaml',
      'demo',
      keyedCodecs('demo', { current: newKey }),
    ),
  ).toThrow(
    `artifact k0rdent-state.demo.yaml was written with state-key id ${oldKey.id}, but the configured keys are id ${newKey.id}. Pass the state-key that wrote it`,
  );
});

test('a flipped bit in the ciphertext is refused', () => {
  const flipped = edit(sealed, (e) => {
    const data = Buffer.from(e.files.hub_key!.data, 'base64');
    data[data.length - 3] = data[data.length - 3]! ^ 0x10;
    e.files.hub_key!.data = data.toString('base64');
  });
  expect(() => decodeSnapshot(flipped, 'snapshot', 'demo', keyed)).toThrow(
    /snapshot failed authentication: its state or files were changed/,
  );
});

test('truncated ciphertext is refused', () => {
  const cut = edit(sealed, (e) => {
    e.files.hub_key!.data = e.files.hub_key!.data.slice(0, 40);
  });
  expect(() => decodeSnapshot(cut, 'snapshot', 'demo', keyed)).toThrow(DecryptionError);
});

test('an artifact swapped for another fails even with a valid authentication', () => {
  // Re-authenticate after the swap (as someone holding the key could): the associated data still catches it.
  const otherSecret = encodeSnapshot(doc, [file('ssh_key', SECRET, true)], writer, keyed);
  const swapped = edit(sealed, (e) => {
    e.files.hub_key!.data = (load(otherSecret) as Envelope).files.ssh_key!.data;
  });
  const resigned = edit(swapped, (e) => {
    delete e.mac;
  });
  expect(() => decodeSnapshot(resigned, 'snapshot', 'demo', keyed)).toThrow(
    /carries sensitive files but no authentication/,
  );
  const codec = keyed.sensitive!;
  const sealedOther = (load(otherSecret) as Envelope).files.ssh_key!.data;
  expect(() => codec.decode(sealedOther, { artifact: 'hub_key' })).toThrow(
    /artifact:hub_key of deployment demo failed authentication/,
  );
});

test('a tampered state document is refused', () => {
  const tampered = edit(sealed, (e) => {
    e.state = encodeState(markCompleted(doc, 'two', stamp(5), undefined));
  });
  expect(() => decodeSnapshot(tampered, 'snapshot', 'demo', keyed)).toThrow(/failed authentication/);
});

test('a snapshot from before the key, without secrets, is accepted but reported as unauthenticated', () => {
  const plain = encodeSnapshot(doc, [files[1]!], writer);
  expect(decodeSnapshot(plain, 'snapshot', 'demo', keyed).authenticated).toBe(false);
});

test('rotation: the old key reads as previous, and a re-upload needs only the new key', () => {
  const rotating = keyedCodecs('demo', { current: newKey, previous: oldKey });
  const read = decodeSnapshot(sealed, 'snapshot', 'demo', rotating);
  expect(read.files.get('hub_key')?.bytes.toString()).toBe(SECRET);
  const rekeyed = encodeSnapshot(read.doc, [...read.files.values()], writer, rotating);
  expect(
    decodeSnapshot(rekeyed, 'snapshot', 'demo', keyedCodecs('demo', { current: newKey }))
      .files.get('hub_key')
      ?.bytes.toString(),
  ).toBe(SECRET);
});

test('an older snapshot presented again never undoes newer progress', async () => {
  const { mergeAll } = await import('../../src/state/merge.js');
  const newer = encodeSnapshot(markCompleted(doc, 'one', stamp(3), undefined), files, writer, keyed);
  const docs = [sealed, newer, sealed].map((text) => decodeSnapshot(text, 'snapshot', 'demo', keyed).doc);
  expect(mergeAll(docs)?.phases.one?.status).toBe('completed');
  expect(mergeAll([...docs].reverse())?.phases.one?.status).toBe('completed');
});

test('a snapshot whose state points a file outside the workspace is refused before anything is restored', () => {
  const escaping = edit(sealed, (e) => {
    e.state = e.state
      .replace('phases:', 'phases:')
      .replace(
        /artifacts: \{\}/,
        "artifacts:\n  hub_key: { hlc: '2026-01-01T00:00:09.000Z#000000@n', updated_at: '2026-01-01T00:00:00.000Z', path: ../../.ssh/authorized_keys, sha256: " +
          '0'.repeat(64) +
          ', size: 1, sensitive: true }',
      );
    delete e.mac;
  });
  expect(() => decodeSnapshot(escaping, 'snapshot', 'demo')).toThrow(
    /artifacts\.hub_key\.path: expected a relative path inside the working directory/,
  );
});

describe('configured size limits', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('a file over K0RDENT_MAX_ARTIFACT_BYTES is not put into a snapshot', () => {
    process.env.K0RDENT_MAX_ARTIFACT_BYTES = '16';
    expect(() => encodeSnapshot(doc, files, writer, keyed)).toThrow(
      /artifact hub_key \(state\/hub_key\) is \d+ bytes; .* at most 16 bytes .*K0RDENT_MAX_ARTIFACT_BYTES/,
    );
  });

  test('a downloaded snapshot whose state is over K0RDENT_MAX_STATE_BYTES is refused unread', () => {
    process.env.K0RDENT_MAX_STATE_BYTES = '200';
    expect(() => decodeSnapshot(sealed, 'snapshot k0rdent-state-demo', 'demo', keyed)).toThrow(
      /snapshot k0rdent-state-demo \(state\).*over the limit of 200 bytes/,
    );
  });
});
