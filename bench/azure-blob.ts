/**
 * Issue 13 benchmarks, against a real Azurite on loopback (through the counting proxy of the tests):
 * requests and wall time of a load (a machine with none of the files, and one with them), a
 * checkpoint, and a lock acquire/release of the azure-blob store, for a deployment with three
 * sensitive files; and a cold `k0rdent-deploy status` on azure-blob against `node -e 0`.
 * Targets: a checkpoint at most 2 requests, a load at most 1 + one per sensitive file restored.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDocument, type Stamp } from '../src/state/document.js';
import { HybridClock } from '../src/state/hlc.js';
import type { StateDocument } from '../src/state/schema.js';
import { markCompleted, markInProgress, recordArtifact } from '../src/state/transitions.js';
import { keyedCodecs } from '../src/stores/artifact-snapshot.js';
import { parseBlobLocation } from '../src/stores/blob-location.js';
import { BlobStateStore } from '../src/stores/blob-store.js';
import { StateKey } from '../src/stores/encryption.js';
import { BlobStorage } from '../test/support/azure-blob/storage.js';
import { median, type Measurement } from './measure.js';

const ROUNDS = 7;
const SENSITIVE = 3;
const SECRET = 'bench state key for the azure-blob store, 48 chars';
const CLI = join(resolve(import.meta.dirname, '..'), 'dist/cli.js');

export async function benchAzureBlob(): Promise<Measurement[]> {
  const storage = await BlobStorage.start();
  const root = mkdtempSync(join(tmpdir(), 'bench-blob-'));
  try {
    await storage.createContainer('bench');
    const location = parseBlobLocation(storage.url('bench'), 'bench');
    const key = StateKey.fromSecret(SECRET);
    const env = { AZURE_STORAGE_CONNECTION_STRING: storage.connectionString() };
    let n = 0;
    const open = (workspace = join(root, `ws${++n}`)) => {
      mkdirSync(workspace, { recursive: true });
      return {
        workspace,
        store: new BlobStateStore({
          location,
          deploymentId: 'bench',
          workDir: join(root, `work${n}`),
          workspace,
          codecs: keyedCodecs('bench', { current: key }),
          writer: { run_id: 'bench', attempt: 1, job: 'bench', lane: 'bench', actor: 'bench' },
          lease: { seconds: 60, waitMs: 0 },
          log: { info: () => undefined, warn: () => undefined, debug: () => undefined },
          unlockHint: 'k0rdent-deploy state unlock',
          env,
        }),
      };
    };
    const owner = { command: 'bench', onWarning: () => undefined };
    const measure = async <T>(fn: () => Promise<T>) => {
      const at = storage.log.length;
      const started = performance.now();
      const value = await fn();
      return {
        value,
        ms: performance.now() - started,
        requests: storage.log.length - at,
        ops: storage.counts(at),
      };
    };

    // A deployment with three sensitive files and one plain, written once.
    const seed = open();
    const held = await seed.store.lock(owner);
    let doc = fixture(seed.workspace);
    doc = await seed.store.save(doc);
    await held.release();

    const loadCold: number[] = [];
    const loadWarm: number[] = [];
    const lock: number[] = [];
    const checkpoint: number[] = [];
    const release: number[] = [];
    let coldRequests = 0;
    let warmRequests = 0;
    let lockRequests = 0;
    let releaseRequests = 0;
    let checkpointRequests = 0;
    let checkpointOps = {};
    for (let round = 0; round < ROUNDS; round++) {
      const machine = open();
      const cold = await measure(() => machine.store.load());
      loadCold.push(cold.ms);
      coldRequests = Math.max(coldRequests, cold.requests);
      const warm = await measure(() => open(machine.workspace).store.load());
      loadWarm.push(warm.ms);
      warmRequests = Math.max(warmRequests, warm.requests);
      const locked = await measure(() => machine.store.lock(owner));
      lock.push(locked.ms);
      lockRequests = Math.max(lockRequests, locked.requests);
      const current = (await machine.store.load())?.doc ?? doc;
      const saved = await measure(() =>
        machine.store.save(markInProgress(current, 'network', stamp(), `bench round ${round}`)),
      );
      checkpoint.push(saved.ms);
      if (saved.requests >= checkpointRequests) {
        checkpointRequests = saved.requests;
        checkpointOps = saved.ops;
      }
      const released = await measure(() => locked.value.release());
      release.push(released.ms);
      releaseRequests = Math.max(releaseRequests, released.requests);
    }

    // A cold CLI process reading the state from blob storage, against a bare node.
    const cwd = join(root, 'cli');
    mkdirSync(cwd);
    // Asynchronously: the proxy answering the CLI lives in this process's event loop.
    const time = async (args: string[]): Promise<number> => {
      const started = process.hrtime.bigint();
      const child = spawn(process.execPath, args, {
        cwd,
        env: { ...process.env, ...env, NO_COLOR: '1' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((done) => child.once('close', done));
      if (code !== 0) throw new Error(`${args.join(' ')}: ${stderr}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const node: number[] = [];
    const status: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      node.push(await time(['-e', '0']));
      status.push(await time([CLI, 'status', '--state-backend', 'azure-blob', '--state-url', location.url]));
    }

    return [
      {
        name: `load on a machine without the files (${SENSITIVE} sensitive restored)`,
        value: coldRequests,
        unit: 'requests',
        target: `≤ ${1 + SENSITIVE}`,
        ok: coldRequests <= 1 + SENSITIVE,
        note: `median ${median(loadCold).toFixed(1)} ms`,
      },
      {
        name: 'load on a machine with the files',
        value: warmRequests,
        unit: 'requests',
        target: '≤ 1',
        ok: warmRequests <= 1,
        note: `median ${median(loadWarm).toFixed(1)} ms`,
      },
      {
        name: 'checkpoint (a phase boundary, lock held)',
        value: checkpointRequests,
        unit: 'requests',
        target: '≤ 2',
        ok: checkpointRequests <= 2,
        note: `median ${median(checkpoint).toFixed(1)} ms; ${JSON.stringify(checkpointOps)}`,
      },
      {
        name: 'lock acquire (lease + holder metadata)',
        value: lockRequests,
        unit: 'requests',
        note: `median ${median(lock).toFixed(1)} ms`,
      },
      {
        name: 'lock release',
        value: releaseRequests,
        unit: 'requests',
        note: `median ${median(release).toFixed(1)} ms`,
      },
      {
        name: 'k0rdent-deploy status on azure-blob, cold process / node -e 0',
        value: median(status) / median(node),
        unit: 'x',
        note: `${median(status).toFixed(1)} ms against ${median(node).toFixed(1)} ms (${ROUNDS} rounds)`,
      },
    ];
  } finally {
    await storage.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

let wall = Date.UTC(2026, 0, 1);
const clock = new HybridClock('bench', () => (wall += 1000));
const run = { run_id: 'bench', attempt: 1, job: 'bench', actor: 'bench' };
function stamp(): Stamp {
  return { hlc: clock.tick(), at: new Date(wall).toISOString(), run };
}

function fixture(workspace: string): StateDocument {
  let doc = createDocument({ deploymentId: 'bench', phases: ['keys', 'network', 'vms'] }, stamp());
  doc = markCompleted(markInProgress(doc, 'keys', stamp(), 'bench'), 'keys', stamp(), undefined);
  mkdirSync(join(workspace, 'state/secrets'), { recursive: true });
  const files = [
    ...Array.from({ length: SENSITIVE }, (_, i) => ({ name: `key_${i}`, sensitive: true })),
    { name: 'cloud_init', sensitive: false },
  ];
  for (const file of files) {
    const content = `${file.name}: ${'x'.repeat(2048)}\n`;
    const path = `state/secrets/${file.name}`;
    writeFileSync(join(workspace, path), content, { mode: 0o600 });
    doc = recordArtifact(doc, file.name, stamp(), {
      path,
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length,
      sensitive: file.sensitive,
      phase: 'keys',
    });
  }
  return doc;
}
