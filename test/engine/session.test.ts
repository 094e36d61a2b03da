import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session, assertSameDeployment } from '../../src/engine/session.js';
import { UserError } from '../../src/errors.js';
import { redact, resetSecretsForTests } from '../../src/secrets.js';
import { fingerprint, sha256Hex } from '../../src/state/canonical.js';
import { latestStamp } from '../../src/state/document.js';
import { formatHlc, parseHlc } from '../../src/state/hlc.js';
import { markCompleted, recordArtifact } from '../../src/state/transitions.js';
import { LocalStateStore } from '../../src/stores/local-store.js';
import { StateLockedError } from '../../src/errors.js';
import { testDeployment } from '../support/deployments.js';
import { engineBench, TEST_RUN, type EngineBench } from '../support/engine.js';
import { newDoc } from '../support/state-arbitraries.js';

let bench: EngineBench;
beforeEach(() => {
  bench = engineBench();
});
afterEach(() => {
  bench.remove();
  resetSecretsForTests();
});

const deployment = (options: { id?: string; flags?: Record<string, boolean>; config?: unknown } = {}) =>
  testDeployment([{ name: 'a' }, { name: 'b', needs: ['a'] }], options);

describe('a session', () => {
  test('on a store without state: creates the document, records the config, and writes both on commit', async () => {
    const session = await bench.open(deployment({ flags: { kof: true }, config: { size: 3 } }));
    expect(session.existed).toBe(false);
    expect(session.run).toEqual(TEST_RUN);
    expect(session.doc.deployment_id).toBe('demo');
    expect(Object.keys(session.doc.phases)).toEqual(['a', 'b']);
    expect(session.doc.source).toEqual({ kind: 'pipeline', file: 'in-process.yml' });
    expect(session.doc.config).toMatchObject({
      fingerprint: fingerprint({ size: 3 }),
      flags: { kof: true },
      snapshot: { size: 3 },
    });
    expect(await bench.stored()).toBeUndefined();
    await session.commit();
    expect(await bench.stored()).toEqual(session.doc);
    await session.close();
  });

  test('an unchanged config is not recorded again; a changed config or flag is', async () => {
    const first = await bench.open(deployment({ flags: { kof: true }, config: { size: 3 } }));
    await first.commit();
    await first.close();
    const recorded = (await bench.stored())!;
    const modified = statSync(bench.store.file).mtimeMs;

    const same = await bench.open(deployment({ flags: { kof: true }, config: { size: 3 } }));
    expect(same.existed).toBe(true);
    expect(same.doc).toEqual(recorded);
    await same.commit(); // nothing to write
    await same.close();
    expect(statSync(bench.store.file).mtimeMs).toBe(modified);

    const flag = await bench.open(deployment({ flags: { kof: false }, config: { size: 3 } }));
    expect(flag.doc.config?.flags).toEqual({ kof: false });
    await flag.close();
    const config = await bench.open(deployment({ flags: { kof: true }, config: { size: 4 } }));
    expect(config.doc.config?.fingerprint).toBe(fingerprint({ size: 4 }));
    expect(config.doc.events.at(-1)?.message).toMatch(/^configuration recorded/);
    await config.close();
  });

  test('a config with values JSON cannot hold is recorded as JSON would store it', async () => {
    const session = await bench.open(deployment({ config: { when: new Date(0), skip: undefined } }));
    expect(session.doc.config?.snapshot).toEqual({ when: '1970-01-01T00:00:00.000Z' });
    await session.close();
    const none = await bench.open({ ...testDeployment([{ name: 'a' }]), config: undefined });
    expect(none.doc.config?.snapshot).toBeNull();
    await none.close();
  });

  test('stamps every change past the stored state, even when this machine’s clock lags', async () => {
    const future = Date.UTC(2030, 0, 1);
    const stored = markCompleted(
      newDoc(['a', 'b']),
      'a',
      {
        hlc: formatHlc({ wall: future, counter: 5, node: 'other' }),
        at: new Date(future).toISOString(),
        run: TEST_RUN,
      },
      undefined,
    );
    await bench.store.save(stored);
    const session = await bench.open(deployment(), { now: () => Date.UTC(2026, 0, 1) });
    const stamp = session.stamp();
    expect(stamp.run).toEqual(TEST_RUN);
    expect(stamp.at).toBe('2026-01-01T00:00:00.000Z');
    expect(stamp.hlc > latestStamp(stored)!).toBe(true);
    expect(parseHlc(stamp.hlc).wall).toBe(future);
    await session.close();
  });

  test('a change that changes nothing leaves nothing to commit', async () => {
    const first = await bench.open(deployment());
    await first.commit();
    await first.close();
    const modified = statSync(bench.store.file).mtimeMs;
    const session = await bench.open(deployment());
    session.change((doc) => doc);
    await session.commit();
    expect(statSync(bench.store.file).mtimeMs).toBe(modified);
    session.change((doc, stamp) => markCompleted(doc, 'a', stamp, undefined));
    await session.commit();
    expect((await bench.stored())!.phases.a?.status).toBe('completed');
    await session.close();
  });

  test('a commit merges with what another writer saved meanwhile, and moves the clock past it', async () => {
    const session = await bench.open(deployment());
    await session.commit();
    const other = new LocalStateStore(bench.store.dir);
    const theirs = markCompleted(
      (await other.load())!.doc,
      'b',
      {
        hlc: formatHlc({ wall: Date.UTC(2031, 0, 1), counter: 0, node: 'child' }),
        at: '2031-01-01T00:00:00.000Z',
        run: TEST_RUN,
      },
      undefined,
    );
    await other.save(theirs);
    session.change((doc, stamp) => markCompleted(doc, 'a', stamp, undefined));
    await session.commit();
    expect(session.doc.phases.a?.status).toBe('completed');
    expect(session.doc.phases.b?.status).toBe('completed');
    expect(parseHlc(session.stamp().hlc).wall).toBeGreaterThanOrEqual(Date.UTC(2031, 0, 1));
    await session.close();
  });

  test('a sensitive artifact recorded by a child process is masked once the commit reads it', async () => {
    const secret = 'ssh-ed25519 AAAA-very-secret-key-material';
    const session = await bench.open(deployment());
    await session.commit();
    const cwd = process.cwd();
    process.chdir(bench.dir);
    try {
      writeFileSync(join(bench.dir, 'id_key'), secret);
      const other = new LocalStateStore(bench.store.dir);
      const withKey = recordArtifact(
        (await other.load())!.doc,
        'ssh_key',
        {
          hlc: formatHlc({ wall: Date.UTC(2031, 0, 1), counter: 0, node: 'child' }),
          at: '2031-01-01T00:00:00.000Z',
          run: TEST_RUN,
        },
        { path: 'id_key', sha256: sha256Hex(secret), size: secret.length, sensitive: true },
      );
      await other.save(withKey);
      session.change((doc, stamp) => markCompleted(doc, 'a', stamp, undefined));
      expect(redact(secret)).toBe(secret);
      await session.commit();
      expect(redact(`key: ${secret}`)).toBe('key: ***');
    } finally {
      process.chdir(cwd);
      await session.close();
    }
  });

  test('holds the lock until it is closed; the environment for child processes names the store, the lock and the run', async () => {
    const session = await bench.open(deployment());
    expect(session.childEnv()).toEqual({
      K0RDENT_STATE_DIR: bench.store.dir,
      K0RDENT_LOCK_TOKEN: expect.any(String),
      K0RDENT_RUN_ID: 'run-1',
    });
    await expect(bench.open(deployment())).rejects.toThrow(StateLockedError);
    await session.close();
    const again = await bench.open(deployment());
    await again.close();
  });

  test('archives a document through the store', async () => {
    const session = await bench.open(deployment());
    const path = await session.archive(session.doc, 'before-reset');
    expect(path).toMatch(/old_deployments\/demo-.*-before-reset\.yaml$/);
    expect(readFileSync(join(bench.store.dir, 'old_deployments', path.split('/').at(-1)!), 'utf8')).toContain(
      'deployment_id: demo',
    );
    await session.close();
  });

  test('refuses the state of another deployment, and releases the lock when it refuses', async () => {
    await bench.store.save(newDoc(['a'], 'other'));
    const attempt = bench.open(deployment());
    await expect(attempt).rejects.toThrow(UserError);
    await expect(bench.open(deployment())).rejects.toThrow(
      /holds deployment "other", not "demo"\. Use another --state-dir for a second deployment, or rename the deployment back\./,
    );
    expect(() => assertSameDeployment(newDoc(['a'], 'other'), 'other', 'here')).not.toThrow();
  });

  test('attaching without a deployment needs existing state; with it, records no config', async () => {
    const attach = () =>
      Session.open({
        store: bench.store,
        command: 'artifact record',
        reporter: bench.reporter,
        run: TEST_RUN,
      });
    await expect(attach()).rejects.toThrow(
      new UserError(`no deployment state in ${bench.store.description}`),
    );
    await bench.store.save(newDoc(['a']));
    const session = await attach();
    expect(session.doc.config).toBeUndefined();
    expect(session.existed).toBe(true);
    await session.close();
  });

  test('an upstream state file is migrated on open, said so, and written back on the first commit', async () => {
    mkdirSync(bench.store.dir, { recursive: true });
    writeFileSync(bench.store.file, 'deployment_id: demo\nphase: create_vms\nwg_keys_generated: true\n');
    const session = await Session.open({
      store: bench.store,
      command: 'status',
      reporter: bench.reporter,
      run: TEST_RUN,
    });
    expect(bench.reporter.lines).toEqual([
      `notice State migrated: migrated ${bench.store.description} from the upstream phase-string format; the original is kept next to it on the first write`,
    ]);
    expect(session.doc.phases.prepare_deployment?.status).toBe('completed');
    await session.commit();
    await session.close();
    expect(readFileSync(bench.store.file, 'utf8')).toMatch(/^# k0rdent-deploy deployment state/);
  });
});
