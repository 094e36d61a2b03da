/**
 * The emulator against the real @actions/artifact 6.2.1 client, in this process and in a child
 * process. The client reads ACTIONS_* and GITHUB_* from process.env at call time, except
 * GITHUB_API_URL, which @actions/github reads once when imported: so the emulator starts first and
 * the client is imported afterwards.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ArtifactClient, FindOptions } from '@actions/artifact';
import { startActionsEmulator, type ActionsEmulator, type JobSpec } from './actions-emulator/index.js';

const OWNER = 'acme';
const REPO = 'infra';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let gh: ActionsEmulator;
let client: ArtifactClient;
let work: string;
const restoreStdout = process.stdout.write.bind(process.stdout);

beforeAll(async () => {
  // @actions/core writes progress lines to stdout; keep the test output readable unless asked.
  if (!process.env['EMULATOR_TEST_VERBOSE']) process.stdout.write = () => true;
  gh = await startActionsEmulator({ owner: OWNER, repo: REPO });
  process.env['GITHUB_API_URL'] = gh.apiUrl;
  const { DefaultArtifactClient } = await import('@actions/artifact');
  client = new DefaultArtifactClient();
  work = await mkdtemp(join(tmpdir(), 'emulator-test-'));
});

afterAll(async () => {
  process.stdout.write = restoreStdout;
  await gh.stop();
  await rm(work, { recursive: true, force: true });
});

afterEach(() => {
  gh.clearFaults();
});

/** Runs `fn` with the runner variables of `job` in process.env, then restores the previous values. */
async function asJob<T>(job: JobSpec, fn: () => Promise<T>): Promise<T> {
  const env = gh.runnerEnv(job);
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

let dirCount = 0;
async function freshDir(): Promise<string> {
  const dir = join(work, `d${++dirCount}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Writes `content` to a new directory as `name`; returns the directory and the file's path. */
async function fileWith(name: string, content: string | Buffer): Promise<{ dir: string; file: string }> {
  const dir = await freshDir();
  const file = join(dir, name);
  await writeFile(file, content);
  return { dir, file };
}

function findBy(workflowRunId: number): NonNullable<FindOptions['findBy']> {
  return { token: gh.githubToken, workflowRunId, repositoryOwner: OWNER, repositoryName: REPO };
}

async function uploadRaw(job: JobSpec, name: string, content: string | Buffer): Promise<number> {
  const { dir, file } = await fileWith(name, content);
  const { id } = await asJob(job, () => client.uploadArtifact(name, [file], dir, { skipArchive: true }));
  if (id === undefined) throw new Error('upload returned no id');
  return id;
}

/** GET on the REST API with `Bearer <token>`; `null` sends no Authorization header. */
async function restGet(path: string, token: string | null = gh.githubToken): Promise<Response> {
  return fetch(`${gh.apiUrl}${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

interface RestArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  digest: string;
  workflow_run: { id: number };
}

async function restList(
  path: string,
): Promise<{ total_count: number; artifacts: RestArtifact[]; link: string | null }> {
  const res = await restGet(path);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { total_count: number; artifacts: RestArtifact[] };
  return { ...body, link: res.headers.get('link') };
}

describe('with the real @actions/artifact client', () => {
  test('skipArchive upload stores the file raw under its own name and downloads byte-identical', async () => {
    const job = { runId: 101, job: 'plan' };
    const bytes = randomBytes(64 * 1024);
    const { dir, file } = await fileWith('state.yaml', bytes);

    // The name argument is ignored with skipArchive: the artifact is named after the file.
    const up = await asJob(job, () =>
      client.uploadArtifact('some-other-name', [file], dir, { skipArchive: true }),
    );
    expect(up.size).toBe(bytes.length);
    expect(up.digest).toBe(createHash('sha256').update(bytes).digest('hex'));
    const [stored] = gh.artifacts({ runId: 101 });
    expect(stored).toMatchObject({
      id: up.id,
      name: 'state.yaml',
      runId: 101,
      attempt: 1,
      job: 'plan',
      status: 'finalized',
      size: bytes.length,
      digest: `sha256:${up.digest ?? ''}`,
      mimeType: 'application/x-yaml',
    });
    expect((await gh.artifactBytes(up.id!))?.equals(bytes)).toBe(true);

    const into = await freshDir();
    const down = await asJob(job, () =>
      client.downloadArtifact(up.id!, { path: into, expectedHash: stored?.digest }),
    );
    expect(down.digestMismatch).toBe(false);
    expect(await readdir(into)).toEqual(['state.yaml']);
    expect((await readFile(join(into, 'state.yaml'))).equals(bytes)).toBe(true);
  });

  test('a skipArchive download is saved under the Content-Disposition name, non-ASCII included', async () => {
    const job = { runId: 101, job: 'names' };
    const id = await uploadRaw(job, 'état-déploiement', 'ünïcode\n');
    expect(gh.artifacts({ runId: 101, name: 'état-déploiement' })[0]?.mimeType).toBe(
      'application/octet-stream',
    );
    const into = await freshDir();
    await asJob(job, () => client.downloadArtifact(id, { path: into }));
    expect(await readdir(into)).toEqual(['état-déploiement']);
    expect(await readFile(join(into, 'état-déploiement'), 'utf8')).toBe('ünïcode\n');
  });

  test('an archive upload is a zip that the client unpacks on download', async () => {
    const job = { runId: 102, job: 'build' };
    const dir = await freshDir();
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'a.txt'), 'A');
    await writeFile(join(dir, 'sub', 'b.txt'), 'B');
    const up = await asJob(job, () =>
      client.uploadArtifact('bundle', [join(dir, 'a.txt'), join(dir, 'sub', 'b.txt')], dir),
    );
    const stored = gh.artifacts({ runId: 102 })[0];
    expect(stored).toMatchObject({ name: 'bundle', mimeType: 'application/zip' });
    expect((await gh.artifactBytes(up.id!))?.subarray(0, 2).toString()).toBe('PK');
    const into = await freshDir();
    await asJob(job, () => client.downloadArtifact(up.id!, { path: into }));
    expect(await readFile(join(into, 'a.txt'), 'utf8')).toBe('A');
    expect(await readFile(join(into, 'sub', 'b.txt'), 'utf8')).toBe('B');
  });

  test('lists and gets the artifacts of the current run only', async () => {
    await uploadRaw({ runId: 103, job: 'a' }, 'one.json', '{}');
    await uploadRaw({ runId: 103, job: 'b' }, 'two.json', '[]');
    await uploadRaw({ runId: 104, job: 'a' }, 'elsewhere.json', '{}');

    const listed = await asJob({ runId: 103, job: 'c' }, () => client.listArtifacts());
    expect(listed.artifacts.map((a) => a.name).sort()).toEqual(['one.json', 'two.json']);
    const got = await asJob({ runId: 103, job: 'c' }, () => client.getArtifact('two.json'));
    expect(got.artifact).toMatchObject({ name: 'two.json', size: 2 });
    await expect(asJob({ runId: 103, job: 'c' }, () => client.getArtifact('elsewhere.json'))).rejects.toThrow(
      /Artifact not found/,
    );
  });

  test('a duplicate name in the same run is a 409 Conflict, also from a later attempt, and not retried', async () => {
    await uploadRaw({ runId: 105, job: 'a' }, 'dup.txt', 'first');
    gh.requests.reset();
    const conflict =
      /Failed to CreateArtifact: Received non-retryable error: Failed request: \(409\) Conflict: an artifact with this name already exists on the workflow run/;
    await expect(uploadRaw({ runId: 105, job: 'b' }, 'dup.txt', 'second')).rejects.toThrow(conflict);
    await expect(uploadRaw({ runId: 105, attempt: 2, job: 'a' }, 'dup.txt', 'third')).rejects.toThrow(
      conflict,
    );
    expect(gh.requests.filter({ service: 'twirp' }).map((r) => `${r.operation} ${r.status}`)).toEqual([
      'CreateArtifact 409',
      'CreateArtifact 409',
    ]);
    expect(gh.artifacts({ runId: 105 }).map((a) => a.status)).toEqual(['finalized']);
  });

  test("attempt 2 lists and downloads attempt 1's artifact through findBy (REST), not through the runtime token", async () => {
    const id = await uploadRaw({ runId: 106, attempt: 1, job: 'deploy' }, 'state.json', '{"attempt":1}');
    const attempt2 = { runId: 106, attempt: 2, job: 'deploy' };

    // The runtime-token path lists it but refuses the download URL, like GitHub since July 2026.
    const internal = await asJob(attempt2, () => client.listArtifacts());
    expect(internal.artifacts.map((a) => a.id)).toEqual([id]);
    await expect(asJob(attempt2, () => client.downloadArtifact(id, { path: work }))).rejects.toThrow(
      /\(404\) Not Found: workflow run not found/,
    );

    gh.requests.reset();
    const listed = await asJob(attempt2, () => client.listArtifacts({ findBy: findBy(106) }));
    expect(listed.artifacts).toEqual([expect.objectContaining({ id, name: 'state.json', size: 13 })]);
    const got = await asJob(attempt2, () => client.getArtifact('state.json', { findBy: findBy(106) }));
    expect(got.artifact.id).toBe(id);
    const into = await freshDir();
    await asJob(attempt2, () => client.downloadArtifact(id, { path: into, findBy: findBy(106) }));
    expect(await readFile(join(into, 'state.json'), 'utf8')).toBe('{"attempt":1}');
    expect(gh.requests.all().map((r) => `${r.service} ${r.method} ${r.path} ${r.status}`)).toEqual([
      `rest GET /repos/${OWNER}/${REPO}/actions/runs/106/artifacts 200`,
      `rest GET /repos/${OWNER}/${REPO}/actions/runs/106/artifacts 200`,
      `rest GET /repos/${OWNER}/${REPO}/actions/artifacts/${id}/zip 302`,
      `blob GET /devstoreaccount1/actions-results/runs/106/artifacts/${id}/state.json 200`,
    ]);
  });

  test('a later run finds the newest artifact of a name through the REST name listing', async () => {
    const older = await uploadRaw({ runId: 107, job: 'deploy' }, 'deploy-state.json', '{"run":107}');
    const newer = await uploadRaw({ runId: 108, job: 'deploy' }, 'deploy-state.json', '{"run":108}');
    await uploadRaw({ runId: 108, job: 'deploy' }, 'other.json', '{}');

    const first = await restList(
      `/repos/${OWNER}/${REPO}/actions/artifacts?name=deploy-state.json&per_page=1`,
    );
    expect(first.total_count).toBe(2);
    expect(first.artifacts.map((a) => [a.id, a.workflow_run.id])).toEqual([[newer, 108]]);
    expect(first.link).toContain('rel="next"');
    const second = await restList(
      `/repos/${OWNER}/${REPO}/actions/artifacts?name=deploy-state.json&per_page=1&page=2`,
    );
    expect(second.artifacts.map((a) => a.id)).toEqual([older]);
    const inRun = await restList(`/repos/${OWNER}/${REPO}/actions/runs/108/artifacts?name=deploy-state.json`);
    expect(inRun.artifacts.map((a) => a.id)).toEqual([newer]);

    const into = await freshDir();
    const runId = first.artifacts[0]?.workflow_run.id ?? 0;
    await asJob({ runId: 109, job: 'rollback' }, () =>
      client.downloadArtifact(newer, { path: into, findBy: findBy(runId) }),
    );
    expect(await readFile(join(into, 'deploy-state.json'), 'utf8')).toBe('{"run":108}');
  });

  test('delete hides an artifact (runtime token and REST), keeps its bytes for scans and frees the name', async () => {
    const job = { runId: 110, job: 'gc' };
    const a = await uploadRaw(job, 'tmp-a.txt', 'secret-a');
    const b = await uploadRaw(job, 'tmp-b.txt', 'secret-b');
    expect((await asJob(job, () => client.deleteArtifact('tmp-a.txt'))).id).toBe(a);
    expect((await asJob(job, () => client.deleteArtifact('tmp-b.txt', { findBy: findBy(110) }))).id).toBe(b);
    expect((await asJob(job, () => client.listArtifacts())).artifacts).toEqual([]);
    expect((await restList(`/repos/${OWNER}/${REPO}/actions/runs/110/artifacts`)).total_count).toBe(0);
    expect(gh.artifacts({ runId: 110 }).map((x) => x.status)).toEqual(['deleted', 'deleted']);
    expect((await gh.artifactBytes(a))?.toString()).toBe('secret-a');
    const again = await uploadRaw(job, 'tmp-a.txt', 'new');
    expect(again).toBeGreaterThan(b);
  });

  test('an injected 500 on the results service and a 502 on REST are retried by the client', async () => {
    gh.requests.reset();
    gh.failNext({ service: 'twirp', operation: 'CreateArtifact', status: 500 });
    gh.failNext({ service: 'rest', operation: 'listRunArtifacts', status: 502 });
    await uploadRaw({ runId: 111, job: 'flaky' }, 'retried.txt', 'ok'); // Twirp backoff: 3 s
    const listed = await asJob({ runId: 111, job: 'flaky' }, () =>
      client.listArtifacts({ findBy: findBy(111) }),
    ); // Octokit: 1 s
    expect(listed.artifacts.map((a) => a.name)).toEqual(['retried.txt']);
    expect(gh.pendingFaults()).toBe(0);
    const seen = (operation: string): string[] =>
      gh.requests.filter({ operation }).map((r) => `${r.status}${r.fault ? ` ${r.fault}` : ''}`);
    expect(seen('CreateArtifact')).toEqual(['500 status', '200']);
    expect(seen('listRunArtifacts')).toEqual(['502 status', '200']);
  });

  test('not retried: a reset connection to the results service, and a 5xx on the REST download redirect', async () => {
    const job = { runId: 114, job: 'fragile' };
    gh.resetNext({ service: 'twirp', operation: 'CreateArtifact' });
    await expect(uploadRaw(job, 'reset.txt', 'x')).rejects.toThrow(/Unable to make request: ECONNRESET/);
    expect(gh.artifacts({ runId: 114 })).toEqual([]); // the faulted request never reached the handler

    const id = await uploadRaw(job, 'redirect.txt', 'x');
    gh.failNext({ service: 'rest', operation: 'downloadArtifact', status: 500 });
    // downloadArtifact's Octokit has no retry plugin, unlike the list/get/delete calls.
    await expect(
      asJob(job, () => client.downloadArtifact(id, { path: work, findBy: findBy(114) })),
    ).rejects.toThrow(/injected fault \(500\)/);
    expect(gh.requests.count({ operation: 'downloadArtifact' })).toBe(1);
  });

  test('counts the requests of one small upload', async () => {
    gh.requests.reset();
    await uploadRaw({ runId: 112, job: 'count' }, 'counted.txt', 'x');
    expect(gh.requests.counts()).toEqual({
      'twirp:CreateArtifact': 1,
      'blob:PutBlock': 1,
      'blob:PutBlockList': 1,
      'twirp:FinalizeArtifact': 1,
    });
    expect(gh.requests.all().every((r) => r.status >= 200 && r.status < 300)).toBe(true);
  });

  test('works from a separate Node process given only the runner environment', async () => {
    const dir = await freshDir();
    const script = `
      import { writeFileSync } from 'node:fs';
      import { DefaultArtifactClient } from '@actions/artifact';
      const dir = process.env.WORK_DIR;
      writeFileSync(dir + '/child.txt', 'from child ' + process.version);
      const client = new DefaultArtifactClient();
      const up = await client.uploadArtifact('ignored', [dir + '/child.txt'], dir, { skipArchive: true });
      const { artifacts } = await client.listArtifacts({ findBy: {
        token: process.env.CHILD_GITHUB_TOKEN, workflowRunId: Number(process.env.GITHUB_RUN_ID),
        repositoryOwner: process.env.GITHUB_REPOSITORY_OWNER, repositoryName: process.env.GITHUB_REPOSITORY.split('/')[1] } });
      console.log('RESULT ' + JSON.stringify({ id: up.id, names: artifacts.map((a) => a.name) }));
    `;
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: dir,
      ...gh.runnerEnv({ runId: 113, attempt: 1, job: 'child' }),
      GITHUB_WORKSPACE: dir,
      WORK_DIR: dir,
      CHILD_GITHUB_TOKEN: gh.githubToken,
    };
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: repoRoot,
      env,
      timeout: 30_000,
    });
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    const result = JSON.parse(line?.slice('RESULT '.length) ?? 'null') as { id: number; names: string[] };
    expect(result.names).toEqual(['child.txt']);
    expect(gh.artifacts({ runId: 113 })).toEqual([
      expect.objectContaining({ id: result.id, job: 'child', attempt: 1 }),
    ]);
    expect((await gh.artifactBytes(result.id))?.toString()).toMatch(/^from child v2[4-9]\./);
  });
});

describe('protocol edges (raw HTTP)', () => {
  const twirp = (method: string): string =>
    `${gh.resultsUrl}/twirp/github.actions.results.api.v1.ArtifactService/${method}`;
  const post = (url: string, headers: Record<string, string>, body: unknown): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  test('the results service answers 401 without a token or with a malformed one', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-jwt' },
      { authorization: 'Bearer a.b.c' },
      { authorization: `token ${gh.runtimeToken({ runId: 120, job: 'a' })}` },
    ];
    for (const headers of attempts) {
      const res = await post(twirp('ListArtifacts'), headers, {});
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
    }
  });

  test('the results service refuses backend ids that are not the token’s', async () => {
    const token = gh.runtimeToken({ runId: 120, job: 'a' });
    const res = await post(
      twirp('ListArtifacts'),
      { authorization: `Bearer ${token}` },
      {
        workflow_run_backend_id: 'run-121-attempt-1',
        workflow_job_run_backend_id: 'run-121-attempt-1-job-61',
      },
    );
    expect(res.status).toBe(403);
  });

  test('REST answers 401 without a token and for a runtime token, 404 for another repository', async () => {
    expect((await restGet(`/repos/${OWNER}/${REPO}/actions/artifacts`, null)).status).toBe(401);
    const runtime = gh.runtimeToken({ runId: 120, job: 'a' });
    expect((await restGet(`/repos/${OWNER}/${REPO}/actions/artifacts`, runtime)).status).toBe(401);
    expect((await restGet(`/repos/${OWNER}/other/actions/artifacts`)).status).toBe(404);
    const ok = await fetch(`${gh.apiUrl}/repos/${OWNER}/${REPO}/actions/artifacts`, {
      headers: { authorization: `token ${gh.githubToken}` },
    });
    expect(ok.status).toBe(200);
  });

  test('fault shapes: 429 with Retry-After, added latency, reset connection', async () => {
    gh.failNext({ service: 'rest', status: 429, retryAfterSeconds: 7, times: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await restGet(`/repos/${OWNER}/${REPO}/actions/artifacts`);
      expect([res.status, res.headers.get('retry-after')]).toEqual([429, '7']);
    }
    expect((await restGet(`/repos/${OWNER}/${REPO}/actions/artifacts`)).status).toBe(200);

    gh.delayNext({ service: 'rest', ms: 300 });
    const t0 = performance.now();
    expect((await restGet(`/repos/${OWNER}/${REPO}/actions/artifacts`)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);

    gh.resetNext({ service: 'rest', path: /\/actions\/artifacts$/ });
    await expect(restGet(`/repos/${OWNER}/${REPO}/actions/artifacts`)).rejects.toThrow();
    expect(gh.requests.filter({ service: 'rest' }).at(-1)).toMatchObject({ status: 0, fault: 'reset' });
  });
});
