/** The state backend an action uses: workflow artifacts inside Actions (auto), or a local directory. */
import * as core from './runner-commands.js';
import { join, resolve } from 'node:path';
import { newLane } from '../stores/artifact-naming.js';
import { ArtifactStateStore, type StoreLog } from '../stores/artifact-store.js';
import { keyedCodecs } from '../stores/artifact-snapshot.js';
import { StateKey, type StateKeys } from '../stores/encryption.js';
import { LocalStateStore, STATE_DIR_ENV } from '../stores/local-store.js';
import type { StateStore } from '../stores/store.js';
import { Inputs, LANE_ENV, WORK_DIR_NAME, type StateBackend } from './constants.js';
import { ActionInputError } from './inputs.js';
import { requireArtifactContext, type RunnerContext } from './runner-context.js';

export interface OpenedStore {
  readonly store: StateStore;
  readonly backend: 'artifact' | 'local';
  /** The file the engine and phase scripts read and write (the `state-file` output). */
  readonly stateFile: string;
  /** Uploads what is not uploaded yet (post steps); a no-op for the local backend. */
  flush(): Promise<boolean>;
  /** Uploads everything again under the current state key; the number of files re-encrypted. */
  rekey(): Promise<number>;
}

export interface StoreRequest {
  readonly backend: StateBackend;
  readonly deploymentId: string;
  readonly githubToken?: string;
  readonly mode: 'remote' | 'working-copy';
  readonly ctx: RunnerContext;
  readonly stateKey?: string;
  readonly previousStateKey?: string;
  readonly retentionDays?: number;
}

export const actionsStoreLog: StoreLog = {
  info: (message) => core.info(message),
  notice: (message, title) => core.notice(message, { title }),
  warn: (message, title) => core.warning(message, { title }),
  debug: (message) => core.debug(message),
};

export function resolveBackend(backend: StateBackend, ctx: RunnerContext): 'artifact' | 'local' {
  if (backend !== 'auto') return backend;
  return ctx.inActions && ctx.hasRuntime ? 'artifact' : 'local';
}

/** The local backend: a directory that holds one deployment (`state/` of the workspace by default). */
export function openLocalStore(ctx: RunnerContext): OpenedStore {
  const store = new LocalStateStore(process.env[STATE_DIR_ENV] ?? join(ctx.workspace, 'state'));
  return {
    store,
    backend: 'local',
    stateFile: store.file,
    flush: () => Promise.resolve(false),
    rekey: () => Promise.resolve(0),
  };
}

export function openStateStore(request: StoreRequest): OpenedStore {
  const { ctx, deploymentId } = request;
  const backend = resolveBackend(request.backend, ctx);
  if (backend === 'local') return openLocalStore(ctx);
  requireArtifactContext(ctx);
  if (request.githubToken === undefined) {
    throw new ActionInputError(
      `input ${Inputs.githubToken} is empty: the artifact state backend reads earlier attempts and runs ` +
        'through the REST API (default: ${{ github.token }}, with permissions: actions: read)',
    );
  }
  core.setSecret(request.githubToken);
  const keys = stateKeys(request);
  const store = new ArtifactStateStore({
    deploymentId,
    job: { runId: ctx.runId, attempt: ctx.attempt, job: ctx.job },
    lane: jobLane(),
    rest: { apiUrl: ctx.apiUrl, owner: ctx.owner, repo: ctx.repo, token: request.githubToken },
    workDir: resolve(ctx.runnerTemp, WORK_DIR_NAME, deploymentId),
    workspace: ctx.workspace,
    extraRoots: [ctx.runnerTemp],
    mode: request.mode,
    log: actionsStoreLog,
    tempDir: ctx.runnerTemp,
    ...(request.retentionDays === undefined ? {} : { retentionDays: request.retentionDays }),
    ...(keys ? { codecs: keyedCodecs(deploymentId, keys) } : {}),
  });
  return {
    store,
    backend,
    stateFile: store.stateFile,
    flush: () => store.flush(),
    rekey: () => store.rekey(),
  };
}

function stateKeys(request: StoreRequest): StateKeys | undefined {
  if (request.stateKey === undefined) return undefined;
  const key = (secret: string, input: string) => {
    try {
      return StateKey.fromSecret(secret);
    } catch (error) {
      throw new ActionInputError(`input ${input}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  return {
    current: key(request.stateKey, Inputs.stateKey),
    ...(request.previousStateKey === undefined
      ? {}
      : { previous: key(request.previousStateKey, Inputs.previousStateKey) }),
  };
}

/** The job's lane: made by its first step, then exported to the later steps and the post steps. */
function jobLane(): string {
  const existing = process.env[LANE_ENV];
  if (existing && /^[0-9a-f]{6,16}$/.test(existing)) return existing;
  const lane = newLane();
  core.exportVariable(LANE_ENV, lane);
  return lane;
}
