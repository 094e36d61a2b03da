import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StateLockedError } from '../../src/errors.js';
import { encodeState } from '../../src/state/codec.js';
import { markCompleted } from '../../src/state/transitions.js';
import { LocalStateStore } from '../../src/stores/local-store.js';
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
    writeFileSync(store.file, 'schema_version: 2\ndeployment_id: demo\n');
    await expect(store.save(newDoc(['a']))).rejects.toThrow(/created_at: is required/);
    expect(readFileSync(store.file, 'utf8')).toBe('schema_version: 2\ndeployment_id: demo\n');
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
});
