/**
 * Reading workflow artifacts through GitHub's REST API with a token that has `actions: read`: the
 * same endpoints `@actions/artifact` uses with `findBy` (a run's artifacts across attempts, the
 * `/zip` redirect to a signed blob URL), plus the repository-wide listing by exact name that finds
 * other runs. Plain node:http(s), so a state-only action starts without loading the artifact client
 * (or even Node's fetch, whose first use loads undici: measured ~50 ms of a ~400 ms step).
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A response read whole (artifact listings and snapshots are small). */
interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The body a reply may carry is bounded: a listing page or one snapshot. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

async function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Reply> {
  const target = new URL(url);
  // Loaded on first use: https brings TLS, which a loopback emulator never needs.
  const { request } = target.protocol === 'http:' ? await import('node:http') : await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error(`response from ${target.host} is larger than ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${target.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface RestTarget {
  readonly apiUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
}

export interface RestArtifact {
  readonly id: number;
  readonly name: string;
  readonly runId: number;
  readonly createdAt: string;
  readonly expired: boolean;
  /** False for artifacts of runs from a fork (pull requests): never trusted as state. */
  readonly sameRepository: boolean;
}

/** The artifact a download asked for is gone (deleted by the lane that superseded it, or expired). */
export class ArtifactGoneError extends Error {
  override readonly name = 'ArtifactGoneError';
}

export class ArtifactApiError extends Error {
  override readonly name = 'ArtifactApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const PER_PAGE = 100;

function sleep(ms: number | undefined): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
/** A run lists a few snapshots per job; more pages than this means something else fills the run. */
const MAX_PAGES = 10;
const RETRY_DELAYS_MS = [500, 1500, 3000];
const REQUEST_TIMEOUT_MS = 30_000;

interface ArtifactJson {
  id: number;
  name: string;
  created_at?: string;
  expired?: boolean;
  workflow_run?: { id?: number; repository_id?: number; head_repository_id?: number };
}

export class ArtifactRestReader {
  constructor(private readonly target: RestTarget) {}

  /** Every artifact of one run (all attempts), optionally only those named `name`. */
  async listRun(runId: number, name?: string): Promise<RestArtifact[]> {
    const path = `/actions/runs/${runId}/artifacts`;
    const out: RestArtifact[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const query = new URLSearchParams({ per_page: String(PER_PAGE), page: String(page) });
      if (name !== undefined) query.set('name', name);
      const body = await this.getJson(`${path}?${query.toString()}`);
      out.push(...body.artifacts.map(toArtifact));
      if (page * PER_PAGE >= body.total_count || body.artifacts.length === 0) break;
    }
    return out;
  }

  /** The newest artifacts named exactly `name` in the whole repository, newest first. */
  async listByName(name: string, limit: number): Promise<RestArtifact[]> {
    const query = new URLSearchParams({ name, per_page: String(Math.min(limit, PER_PAGE)), page: '1' });
    const body = await this.getJson(`/actions/artifacts?${query.toString()}`);
    return body.artifacts.map(toArtifact).sort((a, b) => b.id - a.id);
  }

  /** An artifact's content: the REST `/zip` endpoint answers 302 to a signed URL of the raw file. */
  async download(id: number): Promise<Buffer> {
    const response = await this.request(`/actions/artifacts/${id}/zip`);
    if (response.status === 404 || response.status === 410) {
      throw new ArtifactGoneError(`artifact ${id} is gone`);
    }
    const location = response.headers.location;
    if (response.status !== 302 || !location) {
      throw new ArtifactApiError(
        `downloading artifact ${id}: expected a redirect, got HTTP ${response.status}`,
        response.status,
      );
    }
    for (let attempt = 0; ; attempt++) {
      const blob = await get(location, {}, REQUEST_TIMEOUT_MS);
      if (blob.status >= 200 && blob.status < 300) return blob.body;
      if (blob.status === 404) throw new ArtifactGoneError(`artifact ${id} is gone from storage`);
      if (attempt >= RETRY_DELAYS_MS.length || !retryable(blob.status)) {
        throw new ArtifactApiError(
          `downloading artifact ${id} from storage: HTTP ${blob.status}`,
          blob.status,
        );
      }
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }

  private async getJson(path: string): Promise<{ total_count: number; artifacts: ArtifactJson[] }> {
    const response = await this.request(path);
    if (response.status < 200 || response.status >= 300) {
      const hint =
        response.status === 401 || response.status === 403 || response.status === 404
          ? ' (the github-token input needs `actions: read`: add `permissions: actions: read` to the workflow)'
          : '';
      throw new ArtifactApiError(
        `GitHub API ${path.split('?')[0] ?? path}: HTTP ${response.status}${hint}`,
        response.status,
      );
    }
    const body = JSON.parse(response.body.toString('utf8')) as {
      total_count?: number;
      artifacts?: ArtifactJson[];
    };
    return { total_count: body.total_count ?? 0, artifacts: body.artifacts ?? [] };
  }

  /** One API call (redirects not followed), retried on 429/5xx and network errors a bounded number of times. */
  private async request(path: string): Promise<Reply> {
    const { apiUrl, owner, repo, token } = this.target;
    const url = `${apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}${path}`;
    const headers = {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'k0rdent-deploy',
    };
    for (let attempt = 0; ; attempt++) {
      let response: Reply | undefined;
      let failure: unknown;
      try {
        response = await get(url, headers, REQUEST_TIMEOUT_MS);
      } catch (error) {
        failure = error;
      }
      if (response && !retryable(response.status)) return response;
      if (attempt >= RETRY_DELAYS_MS.length) {
        if (response) return response;
        throw new ArtifactApiError(
          `GitHub API ${path.split('?')[0] ?? path}: ${failure instanceof Error ? failure.message : String(failure)}`,
          0,
        );
      }
      await sleep(RETRY_DELAYS_MS[attempt]);
    }
  }
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

function toArtifact(json: ArtifactJson): RestArtifact {
  const run = json.workflow_run ?? {};
  return {
    id: json.id,
    name: json.name,
    runId: run.id ?? 0,
    createdAt: json.created_at ?? '',
    expired: json.expired ?? false,
    // Fails closed: an artifact whose run does not say where its head came from may be a fork's.
    sameRepository:
      run.head_repository_id !== undefined &&
      run.repository_id !== undefined &&
      run.head_repository_id === run.repository_id,
  };
}
