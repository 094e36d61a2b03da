/**
 * The REST endpoints GitHub serves for artifacts, as far as @actions/artifact's `findBy` path and a
 * cross-run state lookup need them:
 *   GET    /repos/{o}/{r}/actions/runs/{run_id}/artifacts[?name=&per_page=&page=]  (every attempt)
 *   GET    /repos/{o}/{r}/actions/artifacts[?name=&per_page=&page=]                (all runs, newest first)
 *   GET    /repos/{o}/{r}/actions/artifacts/{id}
 *   GET    /repos/{o}/{r}/actions/artifacts/{id}/zip   → 302, Location: short-lived signed blob URL
 *   DELETE /repos/{o}/{r}/actions/artifacts/{id}       → 204
 * Auth is `Authorization: Bearer|token <token>`; a runtime token is not an API credential (401).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ArtifactRegistry } from './artifact-registry.js';
import type { BlobStorage } from './blob-storage.js';
import { HttpError, sendJson } from './http-io.js';
import { isRuntimeToken } from './runtime-token.js';
import type { StoredArtifact } from './types.js';

export interface RestOptions {
  readonly owner: string;
  readonly repo: string;
  /** Lifetime of the signed URL behind a download redirect (GitHub documents one minute). */
  readonly redirectTtlMs: number;
}

export function sendRestError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(
    res,
    status,
    { message, documentation_url: 'https://docs.github.com/rest', status: String(status) },
    headers,
  );
}

interface Route {
  readonly operation: string;
  readonly owner: string;
  readonly repo: string;
  readonly runId?: number;
  readonly artifactId?: number;
  readonly archiveFormat?: string;
}

const SEGMENT = '([^/]+)';
const ROUTES: readonly {
  method: string;
  operation: string;
  pattern: RegExp;
  keys: readonly (keyof Route)[];
}[] = [
  {
    method: 'GET',
    operation: 'listRunArtifacts',
    pattern: new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/actions/runs/([0-9]+)/artifacts$`),
    keys: ['owner', 'repo', 'runId'],
  },
  {
    method: 'GET',
    operation: 'listRepoArtifacts',
    pattern: new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/actions/artifacts$`),
    keys: ['owner', 'repo'],
  },
  {
    method: 'GET',
    operation: 'getArtifact',
    pattern: new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/actions/artifacts/([0-9]+)$`),
    keys: ['owner', 'repo', 'artifactId'],
  },
  {
    method: 'GET',
    operation: 'downloadArtifact',
    pattern: new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/actions/artifacts/([0-9]+)/${SEGMENT}$`),
    keys: ['owner', 'repo', 'artifactId', 'archiveFormat'],
  },
  {
    method: 'DELETE',
    operation: 'deleteArtifact',
    pattern: new RegExp(`^/repos/${SEGMENT}/${SEGMENT}/actions/artifacts/([0-9]+)$`),
    keys: ['owner', 'repo', 'artifactId'],
  },
];

export function matchRestRoute(method: string, path: string): Route | undefined {
  for (const route of ROUTES) {
    const m = route.method === method ? route.pattern.exec(path) : null;
    if (!m) continue;
    const found: Record<string, string | number> = { operation: route.operation };
    route.keys.forEach((key, i) => {
      const raw = decodeURIComponent(m[i + 1] ?? '');
      found[key] = key === 'runId' || key === 'artifactId' ? Number(raw) : raw;
    });
    return found as unknown as Route;
  }
  return undefined;
}

/** `per_page` 1..100 (default 30) and `page` from 1, as GitHub reads them; bad values fall back. */
function pagination(url: URL): { perPage: number; page: number } {
  const perPage = Number(url.searchParams.get('per_page') ?? 30);
  const page = Number(url.searchParams.get('page') ?? 1);
  return {
    perPage: Number.isInteger(perPage) && perPage >= 1 ? Math.min(perPage, 100) : 30,
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** The repository's id in REST answers; a fork's head repository gets another. */
const REPOSITORY_ID = 1;
const FORK_REPOSITORY_ID = 2;

export class RestApi {
  /** Runs of pull requests from a fork: their artifacts show the fork as head repository. */
  readonly forkRuns = new Set<number>();
  /** Runs whose REST answers leave out the repository ids (as a partial or older API might). */
  readonly runsWithoutRepositoryIds = new Set<number>();

  constructor(
    private readonly registry: ArtifactRegistry,
    private readonly blobs: BlobStorage,
    private readonly options: RestOptions,
    private readonly apiOrigin: () => string,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    req.resume(); // no endpoint here reads a body
    const route = matchRestRoute(req.method ?? 'GET', url.pathname);
    if (!route) throw new HttpError(404, 'Not Found');
    const auth = /^(?:Bearer|token) +(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!auth?.[1]) throw new HttpError(401, 'Requires authentication');
    if (isRuntimeToken(auth[1])) throw new HttpError(401, 'Bad credentials');
    const { owner, repo } = this.options;
    if (
      route.owner.toLowerCase() !== owner.toLowerCase() ||
      route.repo.toLowerCase() !== repo.toLowerCase()
    ) {
      throw new HttpError(404, 'Not Found');
    }
    switch (route.operation) {
      case 'listRunArtifacts':
      case 'listRepoArtifacts':
        this.#list(res, url, route.runId);
        return;
      case 'getArtifact':
        sendJson(res, 200, this.#artifactJson(this.#artifact(route)));
        return;
      case 'downloadArtifact':
        this.#download(res, route);
        return;
      case 'deleteArtifact':
        this.registry.markDeleted(this.#artifact(route).id);
        res.writeHead(204).end();
        return;
      default:
        throw new HttpError(404, 'Not Found');
    }
  }

  #artifact(route: Route): StoredArtifact {
    const artifact = route.artifactId === undefined ? undefined : this.registry.get(route.artifactId);
    if (artifact?.status !== 'finalized') throw new HttpError(404, 'Not Found');
    return artifact;
  }

  #list(res: ServerResponse, url: URL, runId: number | undefined): void {
    const name = url.searchParams.get('name') ?? undefined;
    const all = this.registry.list({
      ...(runId === undefined ? {} : { runId }),
      ...(name === undefined ? {} : { name }),
    });
    const { perPage, page } = pagination(url);
    const pageItems = all.slice((page - 1) * perPage, page * perPage);
    const headers = linkHeader(this.apiOrigin(), url, page, Math.max(1, Math.ceil(all.length / perPage)));
    sendJson(
      res,
      200,
      { total_count: all.length, artifacts: pageItems.map((a) => this.#artifactJson(a)) },
      headers,
    );
  }

  #download(res: ServerResponse, route: Route): void {
    if (route.archiveFormat !== 'zip') throw new HttpError(404, 'Not Found');
    const artifact = this.#artifact(route);
    const fileName = artifact.blobName.slice(artifact.blobName.lastIndexOf('/') + 1);
    const location = this.blobs.downloadUrl(artifact.blobName, fileName, this.options.redirectTtlMs);
    res.writeHead(302, { location, 'content-length': 0 }).end();
  }

  /** The REST artifact object. It names the run but, like GitHub's, not the attempt or the job. */
  #artifactJson(a: StoredArtifact): object {
    const { owner, repo } = this.options;
    const url = `${this.apiOrigin()}/repos/${owner}/${repo}/actions/artifacts/${a.id}`;
    return {
      id: a.id,
      node_id: Buffer.from(`Artifact:${a.id}`).toString('base64'),
      name: a.name,
      size_in_bytes: a.size,
      url,
      archive_download_url: `${url}/zip`,
      expired: a.expiresAt.getTime() <= Date.now(),
      digest: a.digest ?? null,
      created_at: a.createdAt.toISOString(),
      updated_at: a.createdAt.toISOString(),
      expires_at: a.expiresAt.toISOString(),
      workflow_run: {
        id: a.runId,
        ...(this.runsWithoutRepositoryIds.has(a.runId)
          ? {}
          : {
              repository_id: REPOSITORY_ID,
              head_repository_id: this.forkRuns.has(a.runId) ? FORK_REPOSITORY_ID : REPOSITORY_ID,
            }),
        head_branch: 'main',
        head_sha: '0'.repeat(40),
      },
    };
  }
}

/** RFC 8288 `Link` header as GitHub sends it, so Octokit's paginate() walks the pages. */
function linkHeader(origin: string, url: URL, page: number, lastPage: number): Record<string, string> {
  const at = (p: number): string => {
    const u = new URL(url.pathname + url.search, origin);
    u.searchParams.set('page', String(p));
    return u.href;
  };
  const links: string[] = [];
  if (page < lastPage) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
  return links.length > 0 ? { link: links.join(', ') } : {};
}
