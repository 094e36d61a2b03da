/**
 * A loopback emulator of GitHub's artifact backend, good enough for the real @actions/artifact
 * 6.2.1 and @actions/cache 6.3 clients: the results service (Twirp: artifacts and cache v2), the
 * REST artifact endpoints (`findBy`, cross-run lookup) and blob storage (a real Azurite behind a logging proxy). Each part listens on its own
 * 127.0.0.1 port, as they are separate hosts on GitHub.
 *
 *   const gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
 *   Object.assign(process.env, gh.runnerEnv({ runId: 7, attempt: 1, job: 'deploy' }));
 *   … use @actions/artifact (import it after GITHUB_API_URL is set: it reads that on import) …
 *   gh.requests.count({ service: 'twirp', operation: 'CreateArtifact' });
 *   await gh.stop();
 */
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ArtifactRegistry, type DuplicateNameScope } from './artifact-registry.js';
import { startAzuriteBlob, type AzuriteBlob } from './azurite-process.js';
import { startBlobProxy } from './blob-proxy.js';
import { BlobStorage } from './blob-storage.js';
import { FaultInjector, type DelaySpec, type FailSpec, type ResetSpec } from './faults.js';
import { closeServer, listenOnLoopback, LOOPBACK } from './http-io.js';
import { instrumentedListener } from './instrumented-listener.js';
import { RequestLog } from './request-log.js';
import { matchRestRoute, RestApi, sendRestError } from './rest-api.js';
import { mintRuntimeToken } from './runtime-token.js';
import { CacheService, type CacheEntry } from './cache-service.js';
import { handleTwirp, sendTwirpError, twirpRoute, TwirpService } from './twirp-service.js';
import type { ArtifactStatus, JobRef, StoredArtifact } from './types.js';

export type { DelaySpec, FailSpec, ResetSpec } from './faults.js';
export type { DuplicateNameScope } from './artifact-registry.js';
export type { RequestLog } from './request-log.js';
export type { CacheEntry } from './cache-service.js';
export { mintRuntimeToken, checkRuntimeToken, backendIdsFor } from './runtime-token.js';
export type * from './types.js';

export interface ActionsEmulatorOptions {
  readonly owner?: string;
  readonly repo?: string;
  /** Where artifact names must be unique; default `run` (every attempt of a run shares the names). */
  readonly duplicateNames?: DuplicateNameScope;
  /** Let runtime tokens download/delete earlier attempts' artifacts; default false, like GitHub now. */
  readonly crossAttemptRuntimeAccess?: boolean;
  /** Node binary for Azurite (needs >= 22); default `process.execPath`. */
  readonly nodePath?: string;
  readonly azuriteStartTimeoutMs?: number;
}

/** A job to act as; `attempt` defaults to 1. */
export interface JobSpec {
  readonly runId: number;
  readonly attempt?: number;
  readonly job: string;
}

export interface ArtifactFilter {
  readonly runId?: number;
  readonly name?: string;
  /** Default: every status, so a leak scan also sees unfinished and deleted uploads. */
  readonly statuses?: readonly ArtifactStatus[];
}

export interface ActionsEmulator {
  readonly owner: string;
  readonly repo: string;
  /** Origin of the results service (ACTIONS_RESULTS_URL). */
  readonly resultsUrl: string;
  /** Origin of the REST API (GITHUB_API_URL). */
  readonly apiUrl: string;
  /** Origin of the blob proxy that signed URLs point at. */
  readonly blobUrl: string;
  /** A token the REST API accepts (stands for a GITHUB_TOKEN with `actions: read`). */
  readonly githubToken: string;
  runtimeToken(job: JobSpec): string;
  /** The variables a runner gives a JavaScript action for this job (no GHES server URL). */
  runnerEnv(job: JobSpec): Record<string, string>;
  readonly requests: RequestLog;
  failNext(spec: FailSpec): void;
  delayNext(spec: DelaySpec): void;
  resetNext(spec: ResetSpec): void;
  clearFaults(): void;
  /** Armed faults not used yet. */
  pendingFaults(): number;
  /** Everything uploaded so far, newest first. */
  artifacts(filter?: ArtifactFilter): StoredArtifact[];
  /** Makes a run one of a pull request from a fork (what REST shows as its head repository). */
  markRunFromFork(runId: number): void;
  /** Makes REST answers about a run's artifacts leave out its repository ids. */
  hideRunRepository(runId: number): void;
  /** Actions cache entries (reserved and finalized), oldest first. */
  cacheEntries(): CacheEntry[];
  /** The stored bytes of an artifact (zip or raw file), or undefined if no blob was committed. */
  artifactBytes(id: number): Promise<Buffer | undefined>;
  stop(): Promise<void>;
}

const SIGNED_URL_TTL_MS = 60 * 60 * 1000;
const REDIRECT_TTL_MS = 60 * 1000;

function jobRef(spec: JobSpec): JobRef {
  return { runId: spec.runId, attempt: spec.attempt ?? 1, job: spec.job };
}

export async function startActionsEmulator(options: ActionsEmulatorOptions = {}): Promise<ActionsEmulator> {
  const owner = options.owner ?? 'k0rdent';
  const repo = options.repo ?? 'k0rdent-deploy';
  const log = new RequestLog();
  const faults = new FaultInjector();
  const registry = new ArtifactRegistry(options.duplicateNames ?? 'run');
  const servers: Server[] = [];
  let azurite: AzuriteBlob | undefined;

  const stop = async (): Promise<void> => {
    await Promise.all(servers.splice(0).map((s) => closeServer(s)));
    const a = azurite;
    azurite = undefined;
    await a?.stop();
  };

  try {
    azurite = await startAzuriteBlob({
      ...(options.nodePath === undefined ? {} : { nodePath: options.nodePath }),
      ...(options.azuriteStartTimeoutMs === undefined
        ? {}
        : { startTimeoutMs: options.azuriteStartTimeoutMs }),
    });
    const proxy = await startBlobProxy(azurite.origin, log, faults);
    servers.push(proxy.server);
    const blobs = new BlobStorage(azurite.origin, proxy.origin);
    await blobs.init();

    const twirp = new TwirpService(registry, blobs, {
      crossAttemptRuntimeAccess: options.crossAttemptRuntimeAccess ?? false,
      signedUrlTtlMs: SIGNED_URL_TTL_MS,
    });
    const cache = new CacheService(blobs, SIGNED_URL_TTL_MS);
    const resultsServer = createServer(
      instrumentedListener({
        log,
        faults,
        classify: (_req, url) => ({
          service: 'twirp',
          operation: twirpRoute(url.pathname)?.method ?? 'unknown',
        }),
        handle: (req, res, url) =>
          handleTwirp(req, res, url, {
            ArtifactService: (method, caller, body) => twirp.dispatch(method, caller, body),
            CacheService: (method, caller, body) => cache.dispatch(method, caller, body),
          }),
        sendError: (res, _c, status, message, headers) => {
          sendTwirpError(res, status, message, headers);
        },
      }),
    );
    servers.push(resultsServer);
    const resultsUrl = `http://${LOOPBACK}:${await listenOnLoopback(resultsServer)}`;

    let apiUrl = '';
    const rest = new RestApi(registry, blobs, { owner, repo, redirectTtlMs: REDIRECT_TTL_MS }, () => apiUrl);
    const apiServer = createServer(
      instrumentedListener({
        log,
        faults,
        classify: (req, url) => ({
          service: 'rest',
          operation:
            matchRestRoute((req.method ?? 'GET').toUpperCase(), url.pathname)?.operation ?? 'unknown',
        }),
        handle: (req, res, url) => {
          rest.handle(req, res, url);
          return Promise.resolve();
        },
        sendError: (res, _c, status, message, headers) => {
          sendRestError(res, status, message, headers);
        },
      }),
    );
    servers.push(apiServer);
    apiUrl = `http://${LOOPBACK}:${await listenOnLoopback(apiServer)}`;

    const githubToken = `ghs_emulator${randomBytes(12).toString('hex')}`;
    return {
      owner,
      repo,
      resultsUrl,
      apiUrl,
      blobUrl: proxy.origin,
      githubToken,
      runtimeToken: (spec) => mintRuntimeToken(jobRef(spec)),
      runnerEnv: (spec) => {
        const ref = jobRef(spec);
        return {
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          ACTIONS_RESULTS_URL: `${resultsUrl}/`,
          ACTIONS_RUNTIME_TOKEN: mintRuntimeToken(ref),
          GITHUB_API_URL: apiUrl,
          // github.com (or unset) is what keeps the client from declaring GHES and refusing.
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: `${owner}/${repo}`,
          GITHUB_REPOSITORY_OWNER: owner,
          GITHUB_RUN_ID: String(ref.runId),
          GITHUB_RUN_ATTEMPT: String(ref.attempt),
          GITHUB_RUN_NUMBER: String(ref.runId),
          GITHUB_JOB: ref.job,
          GITHUB_WORKFLOW: 'emulated',
          GITHUB_EVENT_NAME: 'workflow_dispatch',
          GITHUB_REF: 'refs/heads/main',
          GITHUB_SHA: '0'.repeat(40),
          GITHUB_ACTOR: 'emulator',
          GITHUB_RETENTION_DAYS: '90',
          // What hosted runners set: @actions/cache then talks to the results service (CacheService).
          ACTIONS_CACHE_SERVICE_V2: 'True',
        };
      },
      requests: log,
      failNext: (spec) => {
        faults.failNext(spec);
      },
      delayNext: (spec) => {
        faults.delayNext(spec);
      },
      resetNext: (spec) => {
        faults.resetNext(spec);
      },
      clearFaults: () => {
        faults.clear();
      },
      pendingFaults: () => faults.pending(),
      artifacts: (filter = {}) =>
        registry.list({
          statuses: filter.statuses ?? ['pending', 'finalized', 'deleted'],
          ...(filter.runId === undefined ? {} : { runId: filter.runId }),
          ...(filter.name === undefined ? {} : { name: filter.name }),
        }),
      markRunFromFork: (runId) => {
        rest.forkRuns.add(runId);
      },
      hideRunRepository: (runId) => {
        rest.runsWithoutRepositoryIds.add(runId);
      },
      cacheEntries: () => cache.entries().map((entry) => ({ ...entry })),
      artifactBytes: async (id) => {
        const artifact = registry.get(id);
        return artifact && (await blobs.read(artifact.blobName))?.bytes;
      },
      stop,
    };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}
