import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  readlinkSync,
  rmSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileError, LockLostError, StateLockedError, UserError } from '../../src/errors.js';
import { encodeState } from '../../src/state/codec.js';
import { addNote, markCompleted, markInProgress } from '../../src/state/transitions.js';
import { LocalStateStore, STATE_FILE } from '../../src/stores/local-store.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';
import { scratchDir } from '../support/cli.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

const owner = (warnings: string[] = []) => ({ command: 'test', onWarning: (m: string) => warnings.push(m) });

describe('local state store', () => {
  test('has no state until the first save, then writes a private file', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    expect(await store.load()).toBeUndefined();
    const doc = newDoc(['a']);
    expect(await store.save(doc)).toEqual(doc);
    expect((await store.load())?.doc).toEqual(doc);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
  });

  test('a save merges with what another writer saved in between', async () => {
    const base = newDoc(['a', 'b']);
    const one = new LocalStateStore(join(dir, 'state'));
    const two = new LocalStateStore(join(dir, 'state'));
    await one.save(base);
    await one.save(markCompleted(base, 'a', stamp(Date.UTC(2026, 0, 2)), undefined));
    const merged = await two.save(markCompleted(base, 'b', stamp(Date.UTC(2026, 0, 3)), undefined));
    expect(merged.phases.a?.status).toBe('completed');
    expect(merged.phases.b?.status).toBe('completed');
    expect((await one.load())?.doc).toEqual(merged);
  });

  test('never overwrites a state file that fails validation', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    mkdirSync(store.dir, { recursive: true });
    const invalid = 'schema_version: 2\ndeployment_id: demo\n# end of k0rdent-deploy state\n';
    writeFileSync(store.file, invalid);
    await expect(store.save(newDoc(['a']))).rejects.toThrow(/created_at: is required/);
    expect(readFileSync(store.file, 'utf8')).toBe(invalid);
    expect(readdirSync(store.dir)).toEqual([STATE_FILE]);
  });

  test('a second writer is refused with the holder named; the holder’s children share the lock', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const lock = await store.lock(owner());
    const error = await new LocalStateStore(join(dir, 'state')).lock(owner()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateLockedError);
    expect((error as Error).message).toContain(
      `locked by pid ${process.pid} on host ${hostname()} (test, since`,
    );
    const token = store.childEnv().K0RDENT_LOCK_TOKEN;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    process.env.K0RDENT_LOCK_TOKEN = token;
    try {
      const shared = await new LocalStateStore(join(dir, 'state')).lock(owner());
      await shared.release();
      expect(existsSync(join(store.dir, '.lock'))).toBe(true);
    } finally {
      delete process.env.K0RDENT_LOCK_TOKEN;
    }
    await lock.release();
    expect(existsSync(join(store.dir, '.lock'))).toBe(false);
  });

  test('a stale lock (dead pid on this host) is taken over with a warning', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    mkdirSync(store.dir, { recursive: true });
    const dead = {
      pid: 2 ** 22 + 12345,
      host: hostname(),
      started_at: '2026-01-01T00:00:00Z',
      command: 'k0rdent-deploy run',
      token: 'ab'.repeat(16),
    };
    writeFileSync(join(store.dir, '.lock'), JSON.stringify(dead));
    const warnings: string[] = [];
    const lock = await store.lock(owner(warnings));
    expect(warnings).toEqual([expect.stringContaining(`took over a stale lock`)]);
    expect(warnings[0]).toContain(`pid ${dead.pid}`);
    await lock.release();
  });

  test('a lock held on another host is never taken over', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    mkdirSync(store.dir, { recursive: true });
    const remote = {
      pid: 1,
      host: 'runner-elsewhere',
      started_at: '2026-01-01T00:00:00Z',
      command: 'run',
      token: 'cd'.repeat(16),
    };
    writeFileSync(join(store.dir, '.lock'), JSON.stringify(remote));
    await expect(store.lock(owner())).rejects.toThrow(/on host runner-elsewhere .*cannot check/);
  });

  test('archives a copy before a full reset', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const doc = newDoc(['a']);
    const path = await store.archive(doc, 'before-reset');
    expect(path).toMatch(/old_deployments\/demo-.*-before-reset\.yaml$/);
    expect(readFileSync(join(dir, 'state', 'old_deployments', path.split('/').at(-1)!), 'utf8')).toBe(
      encodeState(doc),
    );
  });

  test('a commit appends what it changed to the journal; the owner folds it into the file on release', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const lock = await store.lock(owner());
    let doc = await store.save(newDoc(['a', 'b']));
    const folded = readFileSync(store.file, 'utf8');
    doc = await store.save(markInProgress(doc, 'a', stamp(Date.UTC(2026, 0, 2)), 'go'));
    doc = await store.save(markCompleted(doc, 'a', stamp(Date.UTC(2026, 0, 3)), undefined));
    // The file is as it was; the two commits are two lines after the journal's header.
    expect(readFileSync(store.file, 'utf8')).toBe(folded);
    const lines = readFileSync(store.journalFile, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^# k0rdent-deploy state journal of deployment demo:/);
    expect(lines[2]).toMatch(/^[0-9a-f]{16} \{"phases":\{"a":\{"hlc":"[^"]+",.*"status":"completed"/);
    // A reader sees every commit, without waiting and without writing.
    expect((await new LocalStateStore(join(dir, 'state')).load())?.doc).toEqual(doc);
    await lock.release();
    expect(existsSync(store.journalFile)).toBe(false);
    expect(readFileSync(store.file, 'utf8')).toBe(encodeState(doc));
  });

  test('a commit with deferSync is written at once and synced by the next save, an empty one included', async () => {
    // What each journal sync made durable: the journal's size at that moment.
    const synced: number[] = [];
    const syncFile = (fd: number) => {
      expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe(store.journalFile);
      synced.push(fstatSync(fd).size);
      fdatasyncSync(fd);
    };
    const store = new LocalStateStore(join(dir, 'state'), { syncFile });
    const lock = await store.lock(owner());
    let doc = await store.save(newDoc(['a', 'b']));
    doc = await store.save(markInProgress(doc, 'a', stamp(Date.UTC(2026, 0, 2)), 'go'));
    expect(synced).toEqual([statSync(store.journalFile).size]);
    doc = await store.save(markCompleted(doc, 'a', stamp(Date.UTC(2026, 0, 3)), undefined), {
      deferSync: true,
    });
    expect(synced).toHaveLength(1);
    // Not synced, yet what every reader sees.
    expect((await new LocalStateStore(join(dir, 'state')).load())?.doc.phases.a?.status).toBe('completed');
    doc = await store.save(markInProgress(doc, 'b', stamp(Date.UTC(2026, 0, 4)), 'go'));
    expect(synced).toEqual([expect.any(Number), statSync(store.journalFile).size]);
    doc = await store.save(markCompleted(doc, 'b', stamp(Date.UTC(2026, 0, 5)), undefined), {
      deferSync: true,
    });
    expect(synced).toHaveLength(2);
    // A save with nothing new still syncs what an earlier one deferred, once.
    await store.save(doc);
    await store.save(doc);
    expect(synced).toEqual([expect.any(Number), expect.any(Number), statSync(store.journalFile).size]);
    await lock.release();
    expect(readFileSync(store.file, 'utf8')).toBe(encodeState(doc));
  });

  test('a deferred commit under a shared lock is synced when that lock is released', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const lock = await store.lock(owner());
    const doc = await store.save(newDoc(['a', 'b']));
    await store.save(markInProgress(doc, 'a', stamp(Date.UTC(2026, 0, 2)), 'go'));
    const synced: number[] = [];
    process.env.K0RDENT_LOCK_TOKEN = store.childEnv().K0RDENT_LOCK_TOKEN;
    try {
      const child = new LocalStateStore(join(dir, 'state'), {
        syncFile: (fd) => synced.push(fstatSync(fd).size),
      });
      const shared = await child.lock(owner());
      const loaded = (await child.load())?.doc;
      await child.save(markCompleted(loaded!, 'b', stamp(Date.UTC(2026, 0, 3)), undefined), {
        deferSync: true,
      });
      expect(synced).toEqual([]);
      await shared.release();
      expect(synced).toEqual([statSync(store.journalFile).size]);
    } finally {
      delete process.env.K0RDENT_LOCK_TOKEN;
    }
    await lock.release();
  });

  test('a line torn by a crash is ignored, and the next write folds the journal without it', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const doc = await store.save(newDoc(['a']));
    const done = await store.save(markCompleted(doc, 'a', stamp(Date.UTC(2026, 0, 2)), undefined));
    appendFileSync(store.journalFile, '0123456789abcdef {"phases":{"a":{"sta');
    const reader = new LocalStateStore(join(dir, 'state'));
    expect((await reader.load())?.doc).toEqual(done);
    const noted = addNote(done, stamp(Date.UTC(2026, 0, 3)), 'note', 'after the crash');
    expect(await reader.save(noted)).toEqual(noted);
    expect(existsSync(store.journalFile)).toBe(false);
    expect((await new LocalStateStore(join(dir, 'state')).load())?.doc).toEqual(noted);
  });

  test('a damaged journal line is reported with its line, and nothing is written', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const doc = await store.save(newDoc(['a']));
    await store.save(markCompleted(doc, 'a', stamp(Date.UTC(2026, 0, 2)), undefined));
    await store.save(addNote(doc, stamp(Date.UTC(2026, 0, 3)), 'note', 'third'));
    const text = readFileSync(store.journalFile, 'utf8');
    writeFileSync(store.journalFile, text.replace('"completed"', '"complete"'));
    const before = readFileSync(store.journalFile, 'utf8');
    const fresh = new LocalStateStore(join(dir, 'state'));
    const error = await fresh.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileError);
    expect((error as Error).message).toMatch(
      /deployment-state\.journal:2: the commit on this line does not match its checksum/,
    );
    await expect(fresh.save(doc)).rejects.toThrow(FileError);
    expect(readFileSync(store.journalFile, 'utf8')).toBe(before);
  });

  test('a state that would be refused when read is not written: over the size limit, the files stay', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const doc = await store.save(newDoc(['a']));
    const file = readFileSync(store.file, 'utf8');
    const limit = statSync(store.file).size + 600;
    process.env.K0RDENT_MAX_STATE_BYTES = String(limit);
    try {
      const small = await store.save(addNote(doc, stamp(Date.UTC(2026, 0, 2)), 'note', 'fits'));
      const journal = readFileSync(store.journalFile, 'utf8');
      const big = addNote(small, stamp(Date.UTC(2026, 0, 3)), 'note', 'x'.repeat(2000));
      const error = await store.save(big).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `refusing to write .*deployment-state\\.yaml: it would be \\d+ bytes, over the limit of ${limit} bytes`,
        ),
      );
      expect(readFileSync(store.file, 'utf8')).toBe(file);
      expect(readFileSync(store.journalFile, 'utf8')).toBe(journal);
      expect((await new LocalStateStore(join(dir, 'state')).load())?.doc).toEqual(small);
    } finally {
      delete process.env.K0RDENT_MAX_STATE_BYTES;
    }
  });

  test("what a phase process commits under the shared lock is kept by the owner's next commit", async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const lock = await store.lock(owner());
    const doc = await store.save(newDoc(['a', 'b']));
    process.env.K0RDENT_LOCK_TOKEN = store.childEnv().K0RDENT_LOCK_TOKEN;
    try {
      const child = new LocalStateStore(join(dir, 'state'));
      const shared = await child.lock(owner());
      const loaded = (await child.load())?.doc;
      await child.save(markCompleted(loaded!, 'b', stamp(Date.UTC(2026, 0, 2)), undefined));
      await shared.release();
    } finally {
      delete process.env.K0RDENT_LOCK_TOKEN;
    }
    const mine = await store.save(markCompleted(doc, 'a', stamp(Date.UTC(2026, 0, 3)), undefined));
    expect(mine.phases.b?.status).toBe('completed');
    await lock.release();
    expect((await new LocalStateStore(join(dir, 'state')).load())?.doc).toEqual(mine);
  });

  test('a lock that was removed or taken is noticed by verify, with who holds it now', async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    const lock = await store.lock(owner());
    await lock.verify();
    const path = join(store.dir, '.lock');
    const mine = readFileSync(path, 'utf8');
    // Another writer's lock under the same name: a new file, even one with this lock's very content.
    rmSync(path);
    writeFileSync(
      path,
      mine.replace(/"token":"[0-9a-f]+"/, `"token":"${'ef'.repeat(16)}"`).replace(/"pid":\d+/, '"pid":4242'),
    );
    await expect(lock.verify()).rejects.toThrow(LockLostError);
    await expect(lock.verify()).rejects.toThrow(/lost the lock on .* it is now held by pid 4242 on host/);
    rmSync(path);
    writeFileSync(path, mine);
    await expect(lock.verify()).rejects.toThrow(LockLostError);
    rmSync(store.dir, { recursive: true });
    await expect(lock.verify()).rejects.toThrow(
      /\.lock was removed \(was the state directory deleted or moved\?\)/,
    );
    await lock.release();
  });

  test("temp files and locks left by killed writers are removed by the next writer, a live one's are not", async () => {
    const store = new LocalStateStore(join(dir, 'state'));
    mkdirSync(store.dir, { recursive: true });
    const dead = spawnSync('true').pid;
    const leftovers = [
      `.deployment-state.yaml.${dead}.0a1b2c3d.tmp`,
      `.lock.${dead}.${'ab'.repeat(16)}.tmp`,
      `.lock.stale.${dead}.0a1b2c3d`,
    ];
    const live = `.deployment-state.yaml.${process.pid}.0a1b2c3d.tmp`;
    for (const name of [...leftovers, live]) writeFileSync(join(store.dir, name), 'x');
    const lock = await store.lock(owner());
    expect(readdirSync(store.dir).sort()).toEqual(['.lock', live].sort());
    await lock.release();
  });
});
