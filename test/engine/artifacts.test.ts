import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  protectSensitiveArtifacts,
  recordArtifactFile,
  verifyArtifacts,
} from '../../src/engine/artifacts.js';
import type { Session } from '../../src/engine/session.js';
import { UserError } from '../../src/errors.js';
import { LIMIT_ENV } from '../../src/limits.js';
import { redact, resetSecretsForTests } from '../../src/secrets.js';
import { sha256Hex } from '../../src/state/canonical.js';
import { recordArtifact, removeArtifact } from '../../src/state/transitions.js';
import { testDeployment } from '../support/deployments.js';
import { engineBench, type EngineBench } from '../support/engine.js';
import { stamp } from '../support/state-arbitraries.js';

let bench: EngineBench;
let session: Session;
let cwd: string;
beforeEach(async () => {
  bench = engineBench();
  // Artifact paths are relative to the working directory, as when a user runs the CLI in a checkout.
  cwd = process.cwd();
  process.chdir(bench.dir);
  session = await bench.open(testDeployment([{ name: 'keys' }]));
});
afterEach(async () => {
  await session.close();
  process.chdir(cwd);
  delete process.env.K0RDENT_MAX_ARTIFACT_BYTES; // LIMIT_ENV.maxArtifactBytes
  bench.remove();
  resetSecretsForTests();
});

function write(path: string, content: string | Buffer): void {
  mkdirSync(join(bench.dir, path, '..'), { recursive: true });
  writeFileSync(join(bench.dir, path), content);
}

describe('recording an artifact', () => {
  test('records path, checksum, size, phase and metadata, and commits', async () => {
    write('out/hub.conf', 'Address = 10.0.0.1\n');
    await recordArtifactFile(session, {
      name: 'hub_config',
      path: 'out/hub.conf',
      sensitive: false,
      phase: 'keys',
      metadata: { host: 'hub', peers: 3, ipv6: false },
    });
    const record = (await bench.stored())!.artifacts.hub_config;
    expect(record).toStrictEqual({
      hlc: expect.any(String),
      updated_at: expect.any(String),
      path: 'out/hub.conf',
      sha256: sha256Hex('Address = 10.0.0.1\n'),
      size: 19,
      phase: 'keys',
      sensitive: false,
      metadata: { host: 'hub', peers: 3, ipv6: false },
    });
    // An absolute path inside the working directory is recorded relative to it; no phase, no metadata.
    write('plain.txt', 'x');
    await recordArtifactFile(session, {
      name: 'plain',
      path: join(bench.dir, 'plain.txt'),
      sensitive: false,
    });
    const plain = (await bench.stored())!.artifacts.plain;
    expect(plain?.path).toBe('plain.txt');
    expect(plain).not.toHaveProperty('phase');
    expect(plain).not.toHaveProperty('metadata');
  });

  test('a sensitive file is masked the moment it is recorded; a large one is recorded without reading it', async () => {
    write('id_key', 'very-secret-key-material\n');
    expect(redact('key: very-secret-key-material')).toBe('key: very-secret-key-material');
    await recordArtifactFile(session, { name: 'ssh_key', path: 'id_key', sensitive: true });
    expect(redact('key: very-secret-key-material')).toBe('key: ***');
    expect((await bench.stored())!.artifacts.ssh_key?.sensitive).toBe(true);

    // A non-sensitive file is not masked.
    write('public.txt', 'public-content-here');
    await recordArtifactFile(session, { name: 'public', path: 'public.txt', sensitive: false });
    expect(redact('public-content-here')).toBe('public-content-here');

    const big = Buffer.alloc(1024 * 1024 + 1, 'z');
    write('big.bin', big);
    await recordArtifactFile(session, { name: 'big', path: 'big.bin', sensitive: true });
    expect(redact(big.toString())).toBe(big.toString());
    expect((await bench.stored())!.artifacts.big?.size).toBe(1024 * 1024 + 1);
    // Exactly at the limit it is still read and masked.
    write('edge.bin', Buffer.alloc(1024 * 1024, 'q'));
    await recordArtifactFile(session, { name: 'edge', path: 'edge.bin', sensitive: true });
    expect(redact('q'.repeat(1024 * 1024))).toBe('***');
  });

  test('refuses bad names, paths outside the working directory, missing files and files over the limit', async () => {
    write('f.txt', '12345');
    await expect(
      recordArtifactFile(session, { name: 'Bad-Name', path: 'f.txt', sensitive: false }),
    ).rejects.toThrow(
      new UserError(
        'artifact name "Bad-Name" is not valid: use snake_case (a-z, 0-9, _), starting with a letter',
      ),
    );
    await expect(
      recordArtifactFile(session, { name: 'x1', path: '../outside.txt', sensitive: false }),
    ).rejects.toThrow(
      new UserError(
        'cannot record artifact x1: ../outside.txt is outside the working directory; artifacts must live inside it, so that another runner can restore them to the same place',
      ),
    );
    await expect(
      recordArtifactFile(session, { name: 'x1', path: 'nope.txt', sensitive: false }),
    ).rejects.toThrow(new UserError('cannot record artifact x1: nope.txt does not exist'));
    process.env[LIMIT_ENV.maxArtifactBytes] = '4';
    await expect(
      recordArtifactFile(session, { name: 'x1', path: 'f.txt', sensitive: false }),
    ).rejects.toThrow(
      new UserError(
        `cannot record artifact x1: f.txt is 5 bytes, over the limit of 4 bytes (${LIMIT_ENV.maxArtifactBytes})`,
      ),
    );
    process.env[LIMIT_ENV.maxArtifactBytes] = '5';
    await recordArtifactFile(session, { name: 'x1', path: 'f.txt', sensitive: false });
    expect((await bench.stored())!.artifacts.x1?.size).toBe(5);
  });

  test('refuses a phase the deployment does not have, naming the ones it has; stores nothing', async () => {
    write('f.txt', 'x');
    const id = session.doc.deployment_id;
    await expect(
      recordArtifactFile(session, { name: 'x1', path: 'f.txt', sensitive: false, phase: 'nosuch' }),
    ).rejects.toThrow(
      new UserError(
        `cannot record artifact x1: "nosuch" is not a phase of deployment ${id} (phases: keys); name the phase that produced it`,
      ),
    );
    expect((await bench.stored())?.artifacts.x1).toBeUndefined();
  });
});

describe('verifying artifacts', () => {
  test('each recorded file, in name order: unchanged, changed, missing; a removed one by name', async () => {
    write('b.txt', 'bee');
    write('a.txt', 'ay');
    write('c.txt', 'see');
    for (const name of ['b', 'a', 'c'])
      await recordArtifactFile(session, { name, path: `${name}.txt`, sensitive: false });
    write('b.txt', 'changed');
    write('c.txt', '');
    const { rmSync } = await import('node:fs');
    rmSync(join(bench.dir, 'c.txt'));
    const results = await verifyArtifacts(session.doc);
    expect(results.map((r) => [r.name, r.path, r.check.ok ? 'ok' : r.check.problem])).toEqual([
      ['a', 'a.txt', 'ok'],
      ['b', 'b.txt', 'changed'],
      ['c', 'c.txt', 'missing'],
    ]);
    expect(await verifyArtifacts(session.doc, 'a')).toEqual([
      { name: 'a', path: 'a.txt', check: { ok: true } },
    ]);
    const removed = removeArtifact(session.doc, 'a', stamp(), 'rolled back');
    expect(await verifyArtifacts(removed)).toHaveLength(2);
    expect((await verifyArtifacts(removed, 'a'))[0]?.check).toEqual({
      ok: false,
      problem: 'removed',
      detail: 'it was removed by a rollback',
    });
  });

  test('an unknown name is refused, listing what is recorded', async () => {
    await expect(verifyArtifacts(session.doc, 'ghost')).rejects.toThrow(
      new UserError('no artifact named ghost is recorded (none are recorded yet)'),
    );
    write('a.txt', 'ay');
    write('b.txt', 'bee');
    await recordArtifactFile(session, { name: 'b', path: 'b.txt', sensitive: false });
    await recordArtifactFile(session, { name: 'a', path: 'a.txt', sensitive: false });
    await expect(verifyArtifacts(session.doc, 'ghost')).rejects.toThrow(
      new UserError('no artifact named ghost is recorded (recorded: a, b)'),
    );
  });
});

describe('protecting sensitive artifacts', () => {
  test('masks the content of every sensitive artifact present on this machine, and skips the rest', async () => {
    const content = { k1: 'first-secret-value', k2: 'second-secret-value', pub: 'public-value-here' };
    // Recorded by another job: this process has not read these files yet.
    let doc = session.doc;
    for (const [name, text] of Object.entries(content)) {
      doc = recordArtifact(doc, name, stamp(), {
        path: name,
        sha256: sha256Hex(text),
        size: text.length,
        sensitive: name !== 'pub',
      });
    }
    doc = removeArtifact(doc, 'k2', stamp(), 'gone');
    write('k2', content.k2);
    write('pub', content.pub);
    // k1 is not on this machine yet (a later step restores it): no error, and it is read once it is.
    await protectSensitiveArtifacts(doc);
    const all = Object.values(content).join(' ');
    expect(redact(all)).toBe(all);
    write('k1', content.k1);
    await protectSensitiveArtifacts(doc);
    expect(redact(all)).toBe('*** second-secret-value public-value-here');
  });
});
