/**
 * The azure-blob state store against a real Azurite (started here), in this process, through a proxy
 * that counts requests by Storage operation and injects faults: what each operation costs, files
 * travelling encrypted in blobs of their own, writers in parallel, and every fault leaving the last
 * good state readable.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateLockedError, UserError } from '../../src/errors.js';
import { createDocument, type Stamp } from '../../src/state/document.js';
import { HybridClock } from '../../src/state/hlc.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted, markInProgress, recordArtifact } from '../../src/state/transitions.js';
import { keyedCodecs, plainCodec } from '../../src/stores/artifact-snapshot.js';
import { parseBlobLocation } from '../../src/stores/blob-location.js';
import { BlobStateStore } from '../../src/stores/blob-store.js';
import { StateKey } from '../../src/stores/encryption.js';
import { BlobStorage } from '../support/azure-blob/storage.js';

const KEY = 'blob-store-test-key-0123456789abcdef';
const OTHER_KEY = 'another-state-key-fedcba9876543210';
const SECRET = 'PRIVATE KEY of the hub: 6c1f9d0e7a2b';

let storage: BlobStorage;
let root: string;

beforeAll(async () => {
  storage = await BlobStorage.start();
  root = mkdtempSync(join(tmpdir(), 'blob-store-'));
}, 60_000);

afterAll(async () => {
  await storage.stop();
  rmSync(root, { recursive: true, force: true });
});

afterEach(() => storage.clearFaults());

/** scrypt makes a key slow on purpose: one per secret for the whole file. */
const keyCache = new Map<string, StateKey>();
function stateKey(secret: string): StateKey {
  let key = keyCache.get(secret);
  if (!key) keyCache.set(secret, (key = StateKey.fromSecret(secret)));
  return key;
}

let counter = 0;
interface Opened {
  readonly store: BlobStateStore;
  readonly workspace: string;
  readonly logged: string[];
}

function openStore(
  container: string,
  options: {
    id?: string;
    key?: string | undefined;
    previousKey?: string;
    env?: NodeJS.ProcessEnv;
    waitMs?: number;
    workspace?: string;
    tries?: number;
  } = {},
): Opened {
  const id = options.id ?? 'demo';
  const dir = join(root, `s${++counter}`);
  const workspace = options.workspace ?? join(dir, 'ws');
  mkdirSync(workspace, { recursive: true });
  const logged: string[] = [];
  const key = options.key === undefined && !('key' in options) ? KEY : options.key;
  const store = new BlobStateStore({
    location: parseBlobLocation(storage.url(container), 'test'),
    deploymentId: id,
    workDir: join(dir, 'work'),
    workspace,
    codecs: key
      ? keyedCodecs(id, {
          current: stateKey(key),
          ...(options.previousKey ? { previous: stateKey(options.previousKey) } : {}),
        })
      : { plain: plainCodec },
    writer: { run_id: `run-${counter}`, attempt: 1, job: 'test', lane: `lane${counter}`, actor: 'tester' },
    lease: { seconds: 15, waitMs: options.waitMs ?? 0, pollMs: 200 },
    log: {
      info: (m) => logged.push(`info: ${m}`),
      warn: (m) => logged.push(`warn: ${m}`),
      debug: (m) => logged.push(`debug: ${m}`),
    },
    unlockHint: 'k0rdent-deploy state unlock',
    env: options.env ?? { AZURE_STORAGE_CONNECTION_STRING: storage.connectionString() },
    retry: { tries: options.tries ?? 4, baseDelayMs: 20, attemptTimeoutMs: 5_000 },
  });
  return { store, workspace, logged };
}

const owner = { command: 'test', onWarning: () => undefined };

let wall = Date.UTC(2026, 0, 1);
const clock = new HybridClock('t', () => (wall += 1000));
const run = { run_id: '1', attempt: 1, job: 'test', actor: 'test' };
const stamp = (): Stamp => ({ hlc: clock.tick(), at: new Date(wall).toISOString(), run });

function fresh(id = 'demo'): StateDocument {
  return createDocument({ deploymentId: id, phases: ['keys', 'network', 'vms'] }, stamp());
}

/** Records a file in the workspace as an artifact of `doc`. */
function withFile(doc: StateDocument, workspace: string, name: string, content: string, sensitive: boolean) {
  const rel = `state/${name}.txt`;
  mkdirSync(join(workspace, 'state'), { recursive: true });
  writeFileSync(join(workspace, rel), content, { mode: 0o600 });
  return recordArtifact(doc, name, stamp(), {
    path: rel,
    sha256: createHash('sha256').update(content).digest('hex'),
    size: Buffer.byteLength(content),
    sensitive,
    phase: 'keys',
  });
}

let containers = 0;
async function newContainer(): Promise<string> {
  const name = `state${++containers}`;
  await storage.createContainer(name);
  return name;
}

/** What a reader that starts now finds (a fresh store, no cache, files restored elsewhere). */
async function readFresh(container: string, key = KEY): Promise<StateDocument | undefined> {
  return (await openStore(container, { key }).store.load())?.doc;
}

describe('state and files', () => {
  test('a sensitive file travels encrypted in a blob of its own; a reader elsewhere gets it back, mode 600', async () => {
    const container = await newContainer();
    const writer = openStore(container);
    const lock = await writer.store.lock(owner);
    let doc = withFile(fresh(), writer.workspace, 'hub_key', SECRET, true);
    doc = withFile(doc, writer.workspace, 'cloud_init', 'plain cloud-init', false);
    doc = markCompleted(markInProgress(doc, 'keys', stamp(), 'run'), 'keys', stamp(), undefined);
    await writer.store.save(doc);
    await lock.release();

    const blobs = await storage.contents(container);
    expect([...blobs.keys()].sort()).toEqual([
      expect.stringMatching(/^demo\/files\/hub_key\.[0-9a-f]{16}\.[0-9a-f]{8}$/),
      'demo/k0rdent-state.yaml',
    ]);
    for (const [name, bytes] of blobs)
      expect([name, bytes.toString().includes(SECRET)]).toEqual([name, false]);
    expect(blobs.get('demo/k0rdent-state.yaml')?.toString()).toContain('plain cloud-init'.length.toString());

    const reader = openStore(container);
    const loaded = await reader.store.load();
    expect(loaded?.doc.phases.keys?.status).toBe('completed');
    const restored = join(reader.workspace, 'state/hub_key.txt');
    expect(readFileSync(restored, 'utf8')).toBe(SECRET);
    expect(statSync(restored).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(reader.workspace, 'state/cloud_init.txt'), 'utf8')).toBe('plain cloud-init');
  });

  test('requests: a load is 1 + 1 per sensitive file restored, a checkpoint 1, a lock 2 and its release 1', async () => {
    const container = await newContainer();
    const writer = openStore(container);
    let at = storage.log.length;
    const lock = await writer.store.lock(owner);
    // A deployment without a blob: the placeholder is created, then leased.
    expect(storage.counts(at)).toEqual({
      'Lease:acquire': 2,
      PutBlob: 1,
      'Put:metadata': 1,
    });
    let doc = withFile(fresh(), writer.workspace, 'hub_key', SECRET, true);
    await writer.store.load();
    at = storage.log.length;
    doc = await writer.store.save(doc);
    expect(storage.counts(at)).toEqual({ PutBlob: 2 }); // the new file's blob, then the state
    at = storage.log.length;
    await writer.store.save(markInProgress(doc, 'network', stamp(), 'run'));
    expect(storage.counts(at)).toEqual({ PutBlob: 1 });
    at = storage.log.length;
    await lock.release();
    expect(storage.counts(at)).toEqual({ 'Lease:release': 1 });

    const reader = openStore(container);
    at = storage.log.length;
    await reader.store.load();
    expect(storage.counts(at)).toEqual({ GetBlob: 2 });
    at = storage.log.length;
    const again = await reader.store.lock(owner);
    expect(storage.counts(at)).toEqual({ 'Lease:acquire': 1, 'Put:metadata': 1 });
    await again.release();
  });

  test('without a state key a sensitive file is refused, and nothing is written', async () => {
    const container = await newContainer();
    const writer = openStore(container, { key: undefined });
    const lock = await writer.store.lock(owner);
    const doc = withFile(fresh(), writer.workspace, 'hub_key', SECRET, true);
    await expect(writer.store.save(doc)).rejects.toThrow(/recorded as sensitive.*no state-key is configured/);
    await lock.release();
    expect((await storage.contents(container)).get('demo/k0rdent-state.yaml')?.length).toBe(0);
  });

  test('a wrong key is refused by name, and the state stays readable with the right one', async () => {
    const container = await newContainer();
    const writer = openStore(container);
    const lock = await writer.store.lock(owner);
    await writer.store.save(withFile(fresh(), writer.workspace, 'hub_key', SECRET, true));
    await lock.release();
    const wrong = openStore(container, { key: OTHER_KEY });
    const error = await wrong.store.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(String(error)).toMatch(
      /written with state-key id [0-9a-f]{16}, but the configured keys are id [0-9a-f]{16}/,
    );
    expect((await readFresh(container))?.artifacts.hub_key?.sensitive).toBe(true);
  });
});

describe('writers', () => {
  test('the lease is renewed while its holder runs: past one lease period it still holds, and still writes', async () => {
    const container = await newContainer();
    const holder = openStore(container);
    const lock = await holder.store.lock(owner);
    const doc = await holder.store.save(fresh());
    await new Promise((resolve) => setTimeout(resolve, 16_000)); // the lease period is 15 s
    const error = await openStore(container)
      .store.lock(owner)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateLockedError);
    await holder.store.save(markInProgress(doc, 'keys', stamp(), 'still the holder'));
    await lock.release();
    expect(
      storage.log.filter((r) => r.operation === 'Lease:renew' && r.status === 200).length,
    ).toBeGreaterThanOrEqual(2);
    expect((await readFresh(container))?.phases.keys?.status).toBe('in_progress');
  }, 30_000);

  test('a second writer waits for the lease, then finds and keeps the first writer’s changes', async () => {
    const container = await newContainer();
    const first = openStore(container);
    const held = await first.store.lock(owner);
    const base = await first.store.save(markInProgress(fresh(), 'keys', stamp(), 'first'));

    const second = openStore(container, { waitMs: 10_000 });
    const locking = second.store.lock(owner);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await first.store.save(markCompleted(base, 'keys', stamp(), undefined));
    await held.release();
    const lock = await locking;
    expect(
      second.logged.some((m) =>
        /is locked by run run-\d+ attempt 1, job test, host .*; waiting up to 10 s/.test(m),
      ),
    ).toBe(true);
    const loaded = await second.store.load();
    await second.store.save(markInProgress(loaded?.doc ?? fresh(), 'network', stamp(), 'second'));
    await lock.release();
    const final = await readFresh(container);
    expect(final?.phases.keys?.status).toBe('completed');
    expect(final?.phases.network?.status).toBe('in_progress');
  });

  test('a second writer that may not wait stops with the holder: run, job, host, since', async () => {
    const container = await newContainer();
    const first = openStore(container);
    const held = await first.store.lock({ command: 'k0rdent-deploy run', onWarning: () => undefined });
    const error = await openStore(container)
      .store.lock(owner)
      .catch((e: unknown) => e);
    await held.release();
    expect(error).toBeInstanceOf(StateLockedError);
    expect(String(error)).toMatch(
      /is locked by run run-\d+ attempt 1, job test, host .+, since \d{4}-\d\d-\d\dT.*\(k0rdent-deploy run\)\..*lets go by itself within 15 s.*k0rdent-deploy state unlock/,
    );
  });

  test('writers without the lock (conditional writes only) lose no update', async () => {
    const container = await newContainer();
    const seed = openStore(container);
    const lock = await seed.store.lock(owner);
    await seed.store.save(fresh());
    await lock.release();
    const writers = ['keys', 'network', 'vms'].map((phase) => ({ phase, ...openStore(container) }));
    // Each reads, then all write at once: two of the three meet a changed ETag and merge.
    const docs = await Promise.all(writers.map(async (w) => (await w.store.load())?.doc ?? fresh()));
    await Promise.all(
      writers.map((w, i) =>
        w.store.save(
          markCompleted(markInProgress(docs[i]!, w.phase, stamp(), 'go'), w.phase, stamp(), undefined),
        ),
      ),
    );
    const final = await readFresh(container);
    for (const phase of ['keys', 'network', 'vms'])
      expect([phase, final?.phases[phase]?.status]).toEqual([phase, 'completed']);
    expect(storage.log.some((r) => r.operation === 'PutBlob' && r.status === 412)).toBe(true);
  });
});

describe('key rotation', () => {
  test('rekey writes every secret again under the new key: afterwards the old key is not needed', async () => {
    const container = await newContainer();
    const writer = openStore(container, { key: OTHER_KEY });
    const lock = await writer.store.lock(owner);
    await writer.store.save(withFile(fresh(), writer.workspace, 'hub_key', SECRET, true));
    await lock.release();
    const before = [...(await storage.contents(container)).keys()];

    const rotating = openStore(container, { key: KEY, previousKey: OTHER_KEY });
    expect(await rotating.store.rekey(owner)).toBe(1);
    const after = [...(await storage.contents(container)).keys()];
    expect(after.filter((n) => n.includes('/files/'))).toHaveLength(1);
    expect(after.filter((n) => before.includes(n) && n.includes('/files/'))).toEqual([]);

    const reader = openStore(container, { key: KEY });
    await reader.store.load();
    expect(readFileSync(join(reader.workspace, 'state/hub_key.txt'), 'utf8')).toBe(SECRET);
  });
});

describe('faults leave the last good state readable', () => {
  async function seeded() {
    const container = await newContainer();
    const writer = openStore(container);
    const lock = await writer.store.lock(owner);
    const good = await writer.store.save(
      withFile(markInProgress(fresh(), 'keys', stamp(), 'go'), writer.workspace, 'hub_key', SECRET, true),
    );
    return { container, writer, lock, good };
  }

  test('throttling: 503 ServerBusy with Retry-After is waited out, then the write lands', async () => {
    const { container, writer, lock, good } = await seeded();
    storage.failNext(
      'PutBlob',
      { kind: 'status', status: 503, code: 'ServerBusy', retryAfterSeconds: 1 },
      { times: 2 },
    );
    const started = Date.now();
    await writer.store.save(markCompleted(good, 'keys', stamp(), undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(storage.pendingFaults()).toBe(0);
    expect(
      writer.logged.filter((m) => /HTTP 503 ServerBusy; attempt \d of 4 in 1000 ms/.test(m)),
    ).toHaveLength(2);
    await lock.release();
    expect((await readFresh(container))?.phases.keys?.status).toBe('completed');
  });

  test('throttling that does not end: the write fails with what happened; the last good state stays', async () => {
    const { container, writer, lock, good } = await seeded();
    storage.failNext(
      'PutBlob',
      { kind: 'status', status: 503, code: 'ServerBusy', retryAfterSeconds: 0 },
      { times: 10 },
    );
    await expect(writer.store.save(markCompleted(good, 'keys', stamp(), undefined))).rejects.toThrow(
      /writing demo\/k0rdent-state.yaml .* failed after 4 attempt\(s\).*HTTP 503 ServerBusy.*last good state is still there/,
    );
    await lock.release();
    const last = await readFresh(container);
    expect(last?.phases.keys?.status).toBe('in_progress');
    expect(last?.artifacts.hub_key?.sensitive).toBe(true);
  });

  test('a connection cut in the middle of the upload is retried; the reader never sees half a state', async () => {
    const { container, writer, lock, good } = await seeded();
    storage.failNext('PutBlob', { kind: 'cut', afterBytes: 200 }, { blob: /k0rdent-state\.yaml$/ });
    const during = readFresh(container);
    await writer.store.save(markCompleted(good, 'keys', stamp(), undefined));
    expect(storage.log.some((r) => r.fault === 'cut')).toBe(true);
    expect(['in_progress', 'completed']).toContain((await during)?.phases.keys?.status);
    await lock.release();
    expect((await readFresh(container))?.phases.keys?.status).toBe('completed');
  });

  test('a response lost after the write landed: the retry recognises its own write', async () => {
    const { container, writer, lock, good } = await seeded();
    storage.failNext('PutBlob', { kind: 'drop-response' }, { blob: /k0rdent-state\.yaml$/ });
    const at = storage.log.length;
    await writer.store.save(markCompleted(good, 'keys', stamp(), undefined));
    // The retry met the ETag its own first attempt had changed, and looked.
    expect(storage.log.slice(at).map((r) => `${r.operation} ${r.status}`)).toEqual([
      'PutBlob 0',
      'PutBlob 412',
      'GetBlobProperties 200',
    ]);
    await writer.store.save(markInProgress((await readFresh(container)) ?? good, 'network', stamp(), 'next'));
    await lock.release();
    expect((await readFresh(container))?.phases.network?.status).toBe('in_progress');
  });

  test('every attempt cut: the write fails, the last good state and its files stay readable', async () => {
    const { container, writer, lock, good } = await seeded();
    const changed = withFile(good, writer.workspace, 'hub_key', `${SECRET} rotated`, true);
    storage.failNext(
      'PutBlob',
      { kind: 'cut', afterBytes: 100 },
      { times: 20, blob: /k0rdent-state\.yaml$/ },
    );
    await expect(writer.store.save(changed)).rejects.toThrow(/failed after 4 attempt/);
    storage.clearFaults();
    await lock.release();
    const reader = openStore(container);
    await reader.store.load();
    expect(readFileSync(join(reader.workspace, 'state/hub_key.txt'), 'utf8')).toBe(SECRET);
    // The new file's blob, written first, was removed again: no orphan left behind.
    expect([...(await storage.contents(container)).keys()].filter((n) => n.includes('/files/'))).toHaveLength(
      1,
    );
  });

  test('a missing container is named, with how to create it; nothing is created', async () => {
    const error = await openStore('nosuchcontainer')
      .store.lock(owner)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(String(error)).toMatch(
      /container nosuchcontainer of storage account devstoreaccount1 does not exist .*does not create containers: create it \(az storage container create --name nosuchcontainer/,
    );
    expect(await storage.container('nosuchcontainer').exists()).toBe(false);
  });

  test('403: a credential that may only read is told which role to grant; the state stays', async () => {
    const { container, lock, good } = await seeded();
    await lock.release();
    const readOnly = openStore(container, {
      env: { AZURE_STORAGE_CONNECTION_STRING: storage.sasConnectionString('rl') },
    });
    expect((await readOnly.store.load())?.doc.phases.keys?.status).toBe('in_progress');
    const error = await readOnly.store.lock(owner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(String(error)).toMatch(
      /refused \(403 AuthorizationPermissionMismatch\).*role "Storage Blob Data Contributor"/,
    );
    expect(String(error)).not.toMatch(/sig=/);
    expect((await readFresh(container))?.phases.keys?.status).toBe(good.phases.keys?.status);
  });
});
