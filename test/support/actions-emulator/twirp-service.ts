/**
 * The results service's Twirp JSON API as @actions/artifact 6.2.1 calls it:
 * `POST /twirp/github.actions.results.api.v1.ArtifactService/<Method>` with a snake_case JSON body
 * (proto field names; int64 as strings; wrapper types as bare values; Timestamps as RFC 3339) and
 * `Authorization: Bearer <runtime token>`. Errors are Twirp JSON `{ code, msg }`; the client puts
 * `msg` into its error message and retries only 429/500/502/503/504.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { ArtifactRegistry } from './artifact-registry.js';
import { sha256Digest, type BlobStorage } from './blob-storage.js';
import { HttpError, readBody, sendJson } from './http-io.js';
import { backendIdsFor, checkRuntimeToken, parseBackendIds } from './runtime-token.js';
import type { JobRef, StoredArtifact } from './types.js';

/** Every results-service Twirp path starts so; then `<Service>/<Method>`. */
export const TWIRP_PACKAGE_PREFIX = '/twirp/github.actions.results.api.v1.';
export const TWIRP_PREFIX = `${TWIRP_PACKAGE_PREFIX}ArtifactService/`;

/** A Twirp service's methods, called with the caller's job (from its runtime token) and the body. */
export type TwirpDispatch = (method: string, caller: JobRef, body: unknown) => Promise<object>;

/** `<Service>/<Method>` of a results-service path, or undefined for any other path. */
export function twirpRoute(pathname: string): { service: string; method: string } | undefined {
  if (!pathname.startsWith(TWIRP_PACKAGE_PREFIX)) return undefined;
  const [service, method, ...rest] = pathname.slice(TWIRP_PACKAGE_PREFIX.length).split('/');
  return service && method && rest.length === 0 ? { service, method } : undefined;
}

/**
 * What every results-service call goes through: POST, a valid runtime token, a JSON body; then the
 * named service's method.
 */
export async function handleTwirp(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  services: Readonly<Record<string, TwirpDispatch>>,
): Promise<void> {
  const route = twirpRoute(url.pathname);
  const dispatch = route ? services[route.service] : undefined;
  if (req.method !== 'POST' || !route || !dispatch) {
    req.resume();
    sendTwirpError(res, 404, `no handler for ${req.method ?? '?'} ${url.pathname}`);
    return;
  }
  const auth = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
  const token = auth?.[1]
    ? checkRuntimeToken(auth[1])
    : { ok: false as const, reason: 'missing bearer token' };
  if (!token.ok) {
    req.resume();
    sendTwirpError(res, 401, token.reason);
    return;
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    req.resume();
    sendTwirpError(res, 404, 'only application/json is supported'); // Twirp: bad_route for other types
    return;
  }
  const text = (await readBody(req)).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
  sendJson(res, 200, await dispatch(route.method, token.job, body));
}

export interface TwirpOptions {
  /**
   * Whether a runtime token may get a download URL for (or delete) an artifact of an earlier attempt
   * of its run. GitHub has answered 404 "workflow run not found" since July 2026
   * (actions/download-artifact#486) although ListArtifacts shows those artifacts; false mimics that.
   */
  readonly crossAttemptRuntimeAccess: boolean;
  readonly signedUrlTtlMs: number;
}

const TWIRP_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  409: 'already_exists',
  412: 'failed_precondition',
  413: 'resource_exhausted',
  429: 'resource_exhausted',
  500: 'internal',
  502: 'unavailable',
  503: 'unavailable',
  504: 'deadline_exceeded',
};

export function sendTwirpError(
  res: ServerResponse,
  status: number,
  msg: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { code: TWIRP_CODES[status] ?? 'unknown', msg }, headers);
}

const int64 = z.union([z.string().regex(/^-?[0-9]+$/), z.number().int()]).transform(Number);
const backendIds = {
  workflow_run_backend_id: z.string().min(1),
  workflow_job_run_backend_id: z.string().min(1),
};
const CreateArtifactRequest = z.object({
  ...backendIds,
  name: z.string().min(1),
  expires_at: z.iso.datetime({ offset: true }).optional(),
  version: z.number().int().optional(),
  mime_type: z.string().optional(),
});
const FinalizeArtifactRequest = z.object({
  ...backendIds,
  name: z.string().min(1),
  size: int64.optional(),
  hash: z.string().optional(),
});
const ListArtifactsRequest = z.object({
  ...backendIds,
  name_filter: z.string().optional(),
  id_filter: int64.optional(),
});
const NamedArtifactRequest = z.object({ ...backendIds, name: z.string().min(1) });

export class TwirpService {
  constructor(
    private readonly registry: ArtifactRegistry,
    private readonly blobs: BlobStorage,
    private readonly options: TwirpOptions,
  ) {}

  async dispatch(method: string, caller: JobRef, body: unknown): Promise<object> {
    switch (method) {
      case 'CreateArtifact':
        return this.#create(caller, parseRequest(CreateArtifactRequest, body));
      case 'FinalizeArtifact':
        return this.#finalize(caller, parseRequest(FinalizeArtifactRequest, body));
      case 'ListArtifacts':
        return this.#list(caller, parseRequest(ListArtifactsRequest, body));
      case 'GetSignedArtifactURL':
        return this.#signedUrl(caller, parseRequest(NamedArtifactRequest, body));
      case 'DeleteArtifact':
        return this.#delete(caller, parseRequest(NamedArtifactRequest, body));
      default:
        throw new HttpError(404, `no such method: ${method}`);
    }
  }

  #create(caller: JobRef, req: z.infer<typeof CreateArtifactRequest>): object {
    requireOwnIds(caller, req);
    const expiresAt = req.expires_at === undefined ? undefined : new Date(req.expires_at);
    const created = this.registry.create(caller, req.name, req.mime_type ?? 'application/zip', expiresAt);
    if (!created.ok) {
      // GitHub's wording; the client surfaces it as "(409) Conflict: an artifact with this name …".
      throw new HttpError(409, 'an artifact with this name already exists on the workflow run');
    }
    return {
      ok: true,
      signed_upload_url: this.blobs.uploadUrl(created.artifact.blobName, this.options.signedUrlTtlMs),
    };
  }

  async #finalize(caller: JobRef, req: z.infer<typeof FinalizeArtifactRequest>): Promise<object> {
    requireOwnIds(caller, req);
    const pending = this.registry.findPending(caller, req.name);
    if (!pending) {
      if (this.registry.findOwn(caller, req.name)) throw new HttpError(409, 'artifact is already finalized');
      throw new HttpError(404, 'artifact not found');
    }
    const blob = await this.blobs.read(pending.blobName);
    if (!blob) throw new HttpError(412, 'no blob was uploaded for this artifact');
    const digest = sha256Digest(blob.bytes);
    if (req.hash !== undefined && req.hash !== digest) {
      throw new HttpError(400, `hash mismatch: client says ${req.hash}, storage has ${digest}`);
    }
    const done = this.registry.finalize(pending.id, blob.bytes.length, digest);
    return { ok: true, artifact_id: String(done.id) };
  }

  /** Finalized artifacts of the caller's run, every attempt (as GitHub's ListArtifacts shows them). */
  #list(caller: JobRef, req: z.infer<typeof ListArtifactsRequest>): object {
    requireOwnIds(caller, req);
    const artifacts = this.registry.list({
      runId: caller.runId,
      ...(req.name_filter === undefined ? {} : { name: req.name_filter }),
      ...(req.id_filter === undefined ? {} : { id: req.id_filter }),
    });
    return { artifacts: artifacts.map(monolithArtifact) };
  }

  #signedUrl(caller: JobRef, req: z.infer<typeof NamedArtifactRequest>): object {
    const artifact = this.#accessible(caller, req);
    const fileName = artifact.blobName.slice(artifact.blobName.lastIndexOf('/') + 1);
    return { signed_url: this.blobs.downloadUrl(artifact.blobName, fileName, this.options.signedUrlTtlMs) };
  }

  #delete(caller: JobRef, req: z.infer<typeof NamedArtifactRequest>): object {
    const artifact = this.#accessible(caller, req);
    this.registry.markDeleted(artifact.id);
    return { ok: true, artifact_id: String(artifact.id) };
  }

  /** The finalized artifact the request names, if the caller's token may reach it. */
  #accessible(caller: JobRef, req: z.infer<typeof NamedArtifactRequest>): StoredArtifact {
    const owner = parseBackendIds({
      workflowRunBackendId: req.workflow_run_backend_id,
      workflowJobRunBackendId: req.workflow_job_run_backend_id,
    });
    const sameRun = owner?.runId === caller.runId;
    const reachable = sameRun && (owner.attempt === caller.attempt || this.options.crossAttemptRuntimeAccess);
    if (!reachable) throw new HttpError(404, 'workflow run not found');
    const artifact = this.registry
      .list({ runId: owner.runId, name: req.name })
      .find((a) => a.attempt === owner.attempt && a.job === owner.job);
    if (!artifact) throw new HttpError(404, 'artifact not found');
    return artifact;
  }
}

export function parseRequest<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, `invalid request: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Uploads and listings act for the token's own job: the body must carry the token's backend ids. */
function requireOwnIds(
  caller: JobRef,
  req: { workflow_run_backend_id: string; workflow_job_run_backend_id: string },
): void {
  const own = backendIdsFor(caller);
  if (
    req.workflow_run_backend_id !== own.workflowRunBackendId ||
    req.workflow_job_run_backend_id !== own.workflowJobRunBackendId
  ) {
    throw new HttpError(403, 'backend ids in the request do not match the runtime token');
  }
}

function monolithArtifact(a: StoredArtifact): object {
  const ids = backendIdsFor(a);
  return {
    workflow_run_backend_id: ids.workflowRunBackendId,
    workflow_job_run_backend_id: ids.workflowJobRunBackendId,
    database_id: String(a.id),
    name: a.name,
    size: String(a.size),
    created_at: a.createdAt.toISOString(),
    ...(a.digest === undefined ? {} : { digest: a.digest }),
  };
}
