/** The emulator's pure parts: runtime tokens, the artifact registry's name rules, fault bookkeeping. */
import { ArtifactRegistry } from './actions-emulator/artifact-registry.js';
import { contentDisposition } from './actions-emulator/content-disposition.js';
import { FaultInjector } from './actions-emulator/faults.js';
import {
  backendIdsFor,
  checkRuntimeToken,
  isRuntimeToken,
  mintRuntimeToken,
  parseBackendIds,
} from './actions-emulator/runtime-token.js';

describe('runtime tokens', () => {
  test('carry run, attempt and job through the scp claim the client reads', () => {
    const job = { runId: 9_007_199_254, attempt: 3, job: 'deploy: east/1 ✓' };
    const token = mintRuntimeToken(job);
    expect(checkRuntimeToken(token)).toEqual({ ok: true, job });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      scp: string;
    };
    const results = payload.scp.split(' ').find((s) => s.startsWith('Actions.Results:'));
    // The client splits the scope on ':' and wants exactly three parts, so ids must not contain ':'.
    expect(results?.split(':')).toHaveLength(3);
    expect(parseBackendIds(backendIdsFor(job))).toEqual(job);
    expect(isRuntimeToken(token)).toBe(true);
    expect(isRuntimeToken('ghs_plain')).toBe(false);
  });

  test('are refused when expired, malformed, or when the ids do not belong together', () => {
    const job = { runId: 1, attempt: 1, job: 'a' };
    expect(checkRuntimeToken(mintRuntimeToken(job, new Date(Date.now() - 7 * 3600_000)))).toMatchObject({
      ok: false,
    });
    expect(checkRuntimeToken('x.y')).toMatchObject({ ok: false });
    const other = backendIdsFor({ runId: 2, attempt: 1, job: 'a' });
    const own = backendIdsFor(job);
    expect(
      parseBackendIds({
        workflowRunBackendId: own.workflowRunBackendId,
        workflowJobRunBackendId: other.workflowJobRunBackendId,
      }),
    ).toBeUndefined();
    expect(() => mintRuntimeToken({ runId: 0, attempt: 1, job: 'a' })).toThrow();
  });
});

describe('artifact registry', () => {
  const first = { runId: 5, attempt: 1, job: 'a' };
  const retry = { runId: 5, attempt: 2, job: 'a' };

  test("scope 'run': a name is taken for every attempt of the run until deleted", () => {
    const r = new ArtifactRegistry('run');
    const made = r.create(first, 'state', 'application/zip', undefined);
    expect(made.ok).toBe(true);
    expect(r.create(retry, 'state', 'application/zip', undefined).ok).toBe(false);
    expect(r.create({ runId: 6, attempt: 1, job: 'a' }, 'state', 'application/zip', undefined).ok).toBe(true);
    if (made.ok) r.markDeleted(made.artifact.id);
    expect(r.create(retry, 'state', 'application/zip', undefined).ok).toBe(true);
  });

  test("scope 'attempt': a re-run may reuse a name; both stay listed, newest first", () => {
    const r = new ArtifactRegistry('attempt');
    const a = r.create(first, 's.json', 'application/json', undefined);
    const b = r.create(retry, 's.json', 'application/json', undefined);
    expect(r.create(retry, 's.json', 'application/json', undefined).ok).toBe(false);
    if (!a.ok || !b.ok) throw new Error('unexpected conflict');
    r.finalize(a.artifact.id, 1, 'sha256:a');
    r.finalize(b.artifact.id, 1, 'sha256:b');
    expect(r.list({ runId: 5 }).map((x) => x.attempt)).toEqual([2, 1]);
    expect(() => r.finalize(a.artifact.id, 1, 'sha256:a')).toThrow(/not pending/);
  });

  test('archives get a .zip blob name, raw files keep theirs', () => {
    const r = new ArtifactRegistry('run');
    const zip = r.create(first, 'bundle', 'application/zip', undefined);
    const raw = r.create(first, 'state.yaml', 'application/x-yaml', undefined);
    expect(zip.ok && zip.artifact.blobName).toMatch(/\/bundle\.zip$/);
    expect(raw.ok && raw.artifact.blobName).toMatch(/\/state\.yaml$/);
  });
});

describe('fault injector', () => {
  const req = { service: 'twirp' as const, operation: 'CreateArtifact', method: 'POST', path: '/twirp/x' };

  test('applies a delay and a failure to the same request and counts them down', () => {
    const f = new FaultInjector();
    f.delayNext({ service: 'twirp', ms: 10 });
    f.failNext({ operation: 'CreateArtifact', status: 503, times: 2, retryAfterSeconds: 1 });
    f.failNext({ service: 'rest', status: 500 });
    expect(f.take(req)).toEqual({
      delayMs: 10,
      failure: { kind: 'status', status: 503, retryAfterSeconds: 1, message: 'injected fault (503)' },
    });
    expect(f.take(req)).toMatchObject({ delayMs: 0, failure: { status: 503 } });
    expect(f.take(req)).toEqual({ delayMs: 0, failure: undefined });
    expect(f.pending()).toBe(1);
  });

  test('rejects statuses that are not errors', () => {
    expect(() => {
      new FaultInjector().failNext({ status: 302 });
    }).toThrow();
  });
});

test('Content-Disposition keeps headers ASCII and the real name in filename*', () => {
  expect(contentDisposition('état "x".txt')).toBe(
    `attachment; filename="_tat _x_.txt"; filename*=UTF-8''%C3%A9tat%20%22x%22.txt`,
  );
});
