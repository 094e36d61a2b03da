/**
 * The artifact state store against the emulator with the real @actions/artifact client, in this
 * process: what each operation costs in requests, attempts and runs finding each other, parallel
 * lanes merging, files travelling with the state, and the refusals.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { waitFor } from '../support/wait.js';
import { createDocument, type Stamp } from '../../src/state/document.js';
import { HybridClock } from '../../src/state/hlc.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted, markInProgress, recordArtifact } from '../../src/state/transitions.js';
import { ArtifactStateStore, type RunnerJob, type StoreLog } from '../../src/stores/artifact-store.js';
import { UnencryptedSecretError } from '../../src/stores/artifact-snapshot.js';

const OWNER = 'acme';
const REPO = 'infra';
let gh: ActionsEmulator;
let root: string;
const restoreStdout = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  // The client reports progress on stdout; keep the test output readable.
  process.stdout.write = () => true;
  gh = await startActionsEmulator({ owner: OWNER, repo: REPO });
  process.env.GITHUB_API_URL = gh.apiUrl; // read once, when the client is first imported
  root = mkdtempSync(join(tmpdir(), 'artifact-store-'));
});

afterAll(async () => {
  process.stdout.write = restoreStdout;
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

interface Logged {
  readonly level: string;
  readonly message: string;
}

let counter = 0;
function openStore(
  job: RunnerJob,
  lane = 'aaaaaaaa',
  mode: 'remote' | 'working-copy' = 'remote',
  deploymentId = 'demo',
) {
  const dir = join(root, `j${++counter}`);
  mkdirSync(join(dir, 'ws'), { recursive: true });
  const logged: Logged[] = [];
  const log: StoreLog = {
    info: (message) => logged.push({ level: 'info', message }),
    notice: (message) => logged.push({ level: 'notice', message }),
    warn: (message) => logged.push({ level: 'warn', message }),
    debug: (message) => logged.push({ level: 'debug', message }),
  };
  const store = new ArtifactStateStore({
    deploymentId,
    job,
    lane,
    rest: { apiUrl: gh.apiUrl, owner: OWNER, repo: REPO, token: gh.githubToken },
    workDir: join(dir, 'work'),
    workspace: join(dir, 'ws'),
    mode,
    log,
    tempDir: dir,
  });
  return { store, logged, workspace: join(dir, 'ws') };
}

/** The runner's variables for `job` in process.env while `fn` runs (the client reads them per call). */
async function asJob<T>(job: RunnerJob, fn: () => Promise<T>): Promise<T> {
  const env = gh.runnerEnv({ runId: job.runId, attempt: job.attempt, job: job.job });
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = v;
    }
  }
}

const clock = new HybridClock('test');
function stamp(job: RunnerJob): Stamp {
  return {
    hlc: clock.tick(),
    at: clock.isoNow(),
    run: { run_id: String(job.runId), attempt: job.attempt, job: job.job, actor: 't' },
  };
}

function fresh(job: RunnerJob, id = 'demo'): StateDocument {
  return createDocument({ deploymentId: id, phases: ['one', 'two', 'three'] }, stamp(job));
}

/** Requests to the results service and the REST API made by `fn` (blob storage not counted). */
async function counted<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; requests: Record<string, number>; total: number }> {
  const before = gh.requests.all().length;
  const value = await fn();
  const made = gh.requests
    .all()
    .slice(before)
    .filter((r) => r.service !== 'blob');
  const requests: Record<string, number> = {};
  for (const r of made)
    requests[`${r.service}:${r.operation}`] = (requests[`${r.service}:${r.operation}`] ?? 0) + 1;
  return { value, requests, total: made.length };
}

test('a deployment without state starts fresh and says which run it searched', async () => {
  const job = { runId: 100, attempt: 1, job: 'deploy' };
  const { store, logged } = openStore(job);
  const { value, requests } = await counted(() => asJob(job, () => store.load()));
  expect(value).toBeUndefined();
  expect(requests).toEqual({ 'rest:listRepoArtifacts': 1, 'rest:listRunArtifacts': 1 });
  const notice = logged.find((l) => l.level === 'notice')?.message ?? '';
  expect(notice).toMatch(
    /no saved state of deployment demo: searched this run \(100, every attempt\).*starting fresh/,
  );
});

test('checkpoints: the first writes the run head (3 requests), later ones replace the lane snapshot (4)', async () => {
  const job = { runId: 110, attempt: 1, job: 'deploy' };
  const { store } = openStore(job);
  await asJob(job, () => store.load());
  let doc = markInProgress(fresh(job), 'one', stamp(job), 'test');
  const first = await counted(() => asJob(job, () => store.save(doc)));
  expect(first.requests).toEqual({
    'rest:listRunArtifacts': 1,
    'twirp:CreateArtifact': 1,
    'twirp:FinalizeArtifact': 1,
  });
  doc = markCompleted(first.value, 'one', stamp(job), undefined);
  const second = await counted(() => asJob(job, () => store.save(doc)));
  expect(second.requests).toEqual({ 'twirp:CreateArtifact': 1, 'twirp:FinalizeArtifact': 1 });
  doc = markInProgress(second.value, 'two', stamp(job), 'test');
  const third = await counted(() => asJob(job, () => store.save(doc)));
  expect(third.requests).toEqual({
    'twirp:CreateArtifact': 1,
    'twirp:FinalizeArtifact': 1,
    'twirp:ListArtifacts': 1,
    'twirp:DeleteArtifact': 1,
  });
  expect(third.total).toBeLessThanOrEqual(4);
  const alive = gh.artifacts({ runId: 110, statuses: ['finalized'] }).map((a) => a.name);
  expect(alive).toHaveLength(2); // the head and the lane's newest snapshot
});

test('attempt 2 loads what attempt 1 wrote (REST across attempts), in at most 3 requests plus downloads', async () => {
  const a1 = { runId: 120, attempt: 1, job: 'deploy' };
  const { store } = openStore(a1);
  await asJob(a1, () => store.load());
  let doc = await asJob(a1, () => store.save(markInProgress(fresh(a1), 'one', stamp(a1), 'test')));
  doc = await asJob(a1, () => store.save(markCompleted(doc, 'one', stamp(a1), undefined)));

  const a2 = { runId: 120, attempt: 2, job: 'deploy' };
  const later = openStore(a2, 'bbbbbbbb');
  const { value, requests } = await counted(() => asJob(a2, () => later.store.load()));
  expect(value?.doc.phases.one?.status).toBe('completed');
  // Heads, this run's listing, and one download per snapshot merged (the head and the lane's newest).
  expect(requests).toEqual({
    'rest:listRepoArtifacts': 1,
    'rest:listRunArtifacts': 1,
    'rest:downloadArtifact': 2,
  });
});

test('parallel jobs of one run: both updates survive the merge', async () => {
  const setup = { runId: 130, attempt: 1, job: 'setup' };
  const s = openStore(setup);
  await asJob(setup, () => s.store.load());
  const base = await asJob(setup, () =>
    s.store.save(markCompleted(fresh(setup), 'one', stamp(setup), undefined)),
  );
  expect(base.phases.one?.status).toBe('completed');

  const left = { runId: 130, attempt: 1, job: 'left' };
  const right = { runId: 130, attempt: 1, job: 'right' };
  const l = openStore(left, 'cccccccc');
  const r = openStore(right, 'dddddddd');
  const [ld, rd] = await Promise.all([asJob(left, () => l.store.load()), asJob(right, () => r.store.load())]);
  await Promise.all([
    asJob(left, () => l.store.save(markCompleted(ld!.doc, 'two', stamp(left), undefined))),
    asJob(right, () => r.store.save(markCompleted(rd!.doc, 'three', stamp(right), undefined))),
  ]);
  const check = { runId: 130, attempt: 1, job: 'check' };
  const c = openStore(check, 'eeeeeeee');
  const merged = await asJob(check, () => c.store.load());
  expect(['one', 'two', 'three'].map((p) => merged?.doc.phases[p]?.status)).toEqual([
    'completed',
    'completed',
    'completed',
  ]);
});

test('a later run finds the newest run that wrote the deployment, by the name of its head', async () => {
  const r1 = { runId: 140, attempt: 1, job: 'deploy' };
  const one = openStore(r1, 'aaaaaaaa', 'remote', 'later');
  await asJob(r1, () => one.store.load());
  await asJob(r1, () => one.store.save(markCompleted(fresh(r1, 'later'), 'one', stamp(r1), undefined)));
  const r2 = { runId: 141, attempt: 1, job: 'rollback' };
  const two = openStore(r2, 'bbbbbbbb', 'remote', 'later');
  const loaded = await asJob(r2, () => two.store.load());
  await asJob(r2, () => two.store.save(markCompleted(loaded!.doc, 'two', stamp(r2), undefined)));

  const r3 = { runId: 142, attempt: 1, job: 'deploy' };
  const three = openStore(r3, 'cccccccc', 'remote', 'later');
  const { value, requests } = await counted(() => asJob(r3, () => three.store.load()));
  expect(value?.doc.phases.two?.status).toBe('completed');
  expect(value?.doc.phases.one?.status).toBe('completed');
  expect((requests['rest:listRepoArtifacts'] ?? 0) + (requests['rest:listRunArtifacts'] ?? 0)).toBe(3);
  expect(requests['rest:downloadArtifact']).toBe(1); // run 141 wrote only its head

  // Re-running run 140 now would write where later runs do not look: refused, with the reason.
  const rerun = { runId: 140, attempt: 2, job: 'deploy' };
  const old = openStore(rerun, 'dddddddd', 'remote', 'later');
  await expect(asJob(rerun, () => old.store.load())).rejects.toThrow(
    /changed by a newer workflow run \(run 141\).*Start a new run/,
  );
});

test("a fork's pull-request run cannot plant state: its snapshots are never read", async () => {
  const own = { runId: 150, attempt: 1, job: 'deploy' };
  const mine = openStore(own, 'aaaaaaaa', 'remote', 'planted');
  await asJob(own, () => mine.store.load());
  await asJob(own, () => mine.store.save(markCompleted(fresh(own, 'planted'), 'one', stamp(own), undefined)));

  // A pull request from a fork runs in this repository and may upload artifacts of any name.
  const fork = { runId: 151, attempt: 1, job: 'deploy' };
  gh.markRunFromFork(fork.runId);
  const theirs = openStore(fork, 'ffffffff', 'remote', 'planted');
  const seen = await asJob(fork, () => theirs.store.load());
  const planted = markCompleted(
    markCompleted(seen!.doc, 'two', stamp(fork), undefined),
    'three',
    stamp(fork),
    undefined,
  );
  await asJob(fork, () => theirs.store.save(planted));
  expect(gh.artifacts({ runId: fork.runId }).length).toBeGreaterThan(0);

  // A run whose REST answer does not say where its head came from is not trusted either.
  const unknown = { runId: 153, attempt: 1, job: 'deploy' };
  gh.hideRunRepository(unknown.runId);
  const unsure = openStore(unknown, 'dddddddd', 'remote', 'planted');
  const unsureSeen = await asJob(unknown, () => unsure.store.load());
  await asJob(unknown, () =>
    unsure.store.save(markCompleted(unsureSeen!.doc, 'two', stamp(unknown), undefined)),
  );
  expect(gh.artifacts({ runId: unknown.runId }).length).toBeGreaterThan(0);

  const next = { runId: 152, attempt: 1, job: 'deploy' };
  const later = openStore(next, 'cccccccc', 'remote', 'planted');
  const loaded = await asJob(next, () => later.store.load());
  expect(loaded?.doc.phases.one?.status).toBe('completed');
  expect(loaded?.doc.phases.two?.status).toBe('pending');
  expect(loaded?.doc.phases.three?.status).toBe('pending');
});

test('recorded files travel with the state and are restored, checksum verified, in a later job', async () => {
  const producer = { runId: 150, attempt: 1, job: 'infra' };
  const p = openStore(producer, 'aaaaaaaa', 'remote', 'files');
  await asJob(producer, () => p.store.load());
  mkdirSync(join(p.workspace, 'out'), { recursive: true });
  writeFileSync(join(p.workspace, 'out/wg0.conf'), '[Interface]\nAddress = 192.168.100.1/24\n');
  const sha256 = createHash('sha256')
    .update(readFileSync(join(p.workspace, 'out/wg0.conf')))
    .digest('hex');
  let doc = fresh(producer, 'files');
  doc = recordArtifact(doc, 'wg_hub_config', stamp(producer), {
    path: 'out/wg0.conf',
    sha256,
    size: 41,
    sensitive: false,
    phase: 'one',
  });
  await asJob(producer, () => p.store.save(doc));

  const consumer = { runId: 150, attempt: 1, job: 'cluster' };
  const c = openStore(consumer, 'bbbbbbbb', 'remote', 'files');
  await asJob(consumer, () => c.store.load());
  expect(readFileSync(join(c.workspace, 'out/wg0.conf'), 'utf8')).toBe(
    '[Interface]\nAddress = 192.168.100.1/24\n',
  );
  expect(c.logged.map((l) => l.message)).toContainEqual(
    expect.stringMatching(/^restored artifact wg_hub_config to out\/wg0.conf/) as string,
  );
});

test('a sensitive file is never uploaded without encryption: the checkpoint fails and uploads nothing', async () => {
  const job = { runId: 160, attempt: 1, job: 'infra' };
  const { store, workspace } = openStore(job, 'aaaaaaaa', 'remote', 'secret');
  await asJob(job, () => store.load());
  const key = 'wg-private-key-of-the-hub-0123456789';
  writeFileSync(join(workspace, 'hub.key'), key);
  const doc = recordArtifact(fresh(job, 'secret'), 'hub_key', stamp(job), {
    path: 'hub.key',
    sha256: createHash('sha256').update(key).digest('hex'),
    size: key.length,
    sensitive: true,
  });
  const outcome = await asJob(job, () => store.save(doc)).then(
    () => 'saved',
    (error: unknown) => error,
  );
  // No artifact holds the key in any form a snapshot could carry it in: as it is, or base64 as the
  // snapshot stores plain files.
  for (const a of gh.artifacts()) {
    const stored = (await gh.artifactBytes(a.id))!.toString();
    for (const form of [key, Buffer.from(key).toString('base64')]) expect(stored).not.toContain(form);
  }
  expect(outcome).toBeInstanceOf(UnencryptedSecretError);
  expect(gh.artifacts({ runId: 160 })).toEqual([]);
});

test('two first writers of a run racing for its head: the loser writes a snapshot instead, and nothing is lost', async () => {
  // The deployment exists from an earlier run; both jobs are the first of run 170 to write it.
  const earlier = { runId: 169, attempt: 1, job: 'deploy' };
  const e = openStore(earlier, 'ffffffff', 'remote', 'race');
  await asJob(earlier, () => e.store.load());
  await asJob(earlier, () =>
    e.store.save(markInProgress(fresh(earlier, 'race'), 'one', stamp(earlier), 'x')),
  );

  const a = { runId: 170, attempt: 1, job: 'a' };
  const b = { runId: 170, attempt: 1, job: 'b' };
  const sa = openStore(a, 'aaaaaaaa', 'remote', 'race');
  const sb = openStore(b, 'bbbbbbbb', 'remote', 'race');
  const baseA = (await asJob(a, () => sa.store.load()))!.doc;
  const baseB = (await asJob(b, () => sb.store.load()))!.doc;
  // A's head stays unfinalized for a while, so B looks for a head, finds none, and tries the name too.
  gh.delayNext({ service: 'twirp', operation: 'FinalizeArtifact', ms: 1500 });
  const aEnv = gh.runnerEnv({ runId: 170, attempt: 1, job: 'a' });
  const bEnv = gh.runnerEnv({ runId: 170, attempt: 1, job: 'b' });
  Object.assign(process.env, aEnv);
  const aDone = sa.store.save(markCompleted(baseA, 'one', stamp(a), undefined));
  // B must start while A's head exists but is not finalized yet: the race this test is about.
  await waitFor(
    () => gh.artifacts({ runId: 170, statuses: ['pending'] }).length > 0,
    "job a's head artifact, created and not yet finalized",
    10_000,
    10,
  );
  Object.assign(process.env, bEnv); // the client reads the runtime token per call
  const bSaved = await sb.store.save(markCompleted(baseB, 'two', stamp(b), undefined));
  Object.assign(process.env, aEnv);
  await aDone;
  expect(bSaved.phases.two?.status).toBe('completed');
  const names = gh.artifacts({ runId: 170, statuses: ['finalized'] }).map((x) => x.name);
  expect(names).toContain('k0rdent-state.race.yaml');
  expect(names.some((n) => n.startsWith('k0rdent-state.race.a1.b.'))).toBe(true);
  // The one 409 of the whole suite: the documented race, answered by writing under a unique name.
  expect(
    gh.requests.filter({ service: 'twirp', operation: 'CreateArtifact' }).filter((r) => r.status === 409),
  ).toHaveLength(1);
  const check = { runId: 170, attempt: 1, job: 'c' };
  const sc = openStore(check, 'cccccccc', 'remote', 'race');
  const merged = await asJob(check, () => sc.store.load());
  expect([merged?.doc.phases.one?.status, merged?.doc.phases.two?.status]).toEqual([
    'completed',
    'completed',
  ]);
});

test('a snapshot deleted between listing and download (its lane moved on) makes the load list again', async () => {
  const job = { runId: 180, attempt: 1, job: 'deploy' };
  const { store } = openStore(job, 'aaaaaaaa', 'remote', 'gone');
  await asJob(job, () => store.load());
  await asJob(job, () => store.save(markCompleted(fresh(job, 'gone'), 'one', stamp(job), undefined)));
  const reader = { runId: 180, attempt: 1, job: 'reader' };
  const r = openStore(reader, 'bbbbbbbb', 'remote', 'gone');
  gh.failNext({ service: 'rest', operation: 'downloadArtifact', status: 404 });
  const { value, requests } = await counted(() => asJob(reader, () => r.store.load()));
  expect(value?.doc.phases.one?.status).toBe('completed');
  expect(requests['rest:listRunArtifacts']).toBe(2);
  expect(r.logged.map((l) => l.message)).toContainEqual(
    expect.stringMatching(/replaced while loading.*listing again/) as string,
  );
});
