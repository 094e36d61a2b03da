/**
 * Where a CLI command finds the deployment's state: the local state directory (the default), or an
 * Azure Blob Storage container (`--state-backend azure-blob --state-url URL`, or K0RDENT_STATE_URL).
 * A container (or prefix) may hold several deployments: `--deployment-id` picks one; without it the
 * one deployment there is used, and several are listed.
 */
import { join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import { currentRun } from '../engine/run-ref.js';
import { registerSecret } from '../secrets.js';
import type { StateDocument } from '../state/schema.js';
import { keyedCodecs, plainCodec, type SnapshotCodecs } from '../stores/artifact-snapshot.js';
import {
  deploymentsIn,
  parseBlobLocation,
  STATE_URL_ENV,
  type BlobLocation,
} from '../stores/blob-location.js';
import { leaseSettings, LOCK_TIMEOUT_ENV } from '../stores/blob-lease.js';
import { openBlobContainer } from '../stores/blob-service.js';
import { BlobStateStore, STATE_BACKEND_ENV, type BlobStoreLog } from '../stores/blob-store.js';
import { PREVIOUS_STATE_KEY_ENV, STATE_KEY_ENV, StateKey, type StateKeys } from '../stores/encryption.js';
import { LocalStateStore } from '../stores/local-store.js';
import type { StateStore } from '../stores/store.js';

export const CLI_BACKENDS = ['local', 'azure-blob'] as const;
export type CliBackend = (typeof CLI_BACKENDS)[number];

export interface StateSourceOptions {
  readonly stateDir: string;
  readonly stateBackend?: string;
  readonly stateUrl?: string;
  readonly deploymentId?: string;
  /** Seconds to wait for another writer's lease (azure-blob). */
  readonly lockTimeout?: number;
  readonly onNotice?: (message: string) => void;
}

/** A command's state store; `file` is set for the local directory (migrate writes it). */
export type CliStore = StateStore & { readonly file?: string };

export interface StateSource {
  readonly backend: CliBackend;
  /** For messages: the directory, or the container and deployment. */
  readonly description: string;
  /** The deployment this source is about, when the options or the container settle it. */
  readonly deploymentId: string | undefined;
  /** The stored state, read without restoring files (undefined: none yet, or the deployment is new). */
  read(): Promise<StateDocument | undefined>;
  /** The store of a deployment (the id matters for azure-blob only). */
  storeFor(deploymentId: string): CliStore;
  /** The store of the deployment already settled; a UserError when there is none to settle on. */
  store(): CliStore;
  /** The azure-blob store of the settled deployment (state unlock, history --versions). */
  readonly blob?: (deploymentId: string) => BlobStateStore;
}

export function backendOf(options: StateSourceOptions, env: NodeJS.ProcessEnv = process.env): CliBackend {
  const given = options.stateBackend ?? env[STATE_BACKEND_ENV];
  const url = options.stateUrl ?? env[STATE_URL_ENV];
  if (given === undefined || given === '') return url ? 'azure-blob' : 'local';
  if (!(CLI_BACKENDS as readonly string[]).includes(given)) {
    throw new UserError(
      `--state-backend ${given} is not one the command line uses: write local or azure-blob ` +
        '(workflow artifacts are read with `k0rdent-deploy state pull --repo OWNER/REPO --deployment ID`)',
    );
  }
  return given as CliBackend;
}

export function locationOf(options: StateSourceOptions, env: NodeJS.ProcessEnv = process.env): BlobLocation {
  if (options.stateUrl) return parseBlobLocation(options.stateUrl, '--state-url');
  const fromEnv = env[STATE_URL_ENV];
  if (fromEnv) return parseBlobLocation(fromEnv, STATE_URL_ENV);
  throw new UserError(
    `--state-backend azure-blob needs the container: --state-url https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX] (or ${STATE_URL_ENV})`,
  );
}

/** The state keys from the environment, when set (never from arguments: they would show in `ps`). */
export function keysFromEnv(env: NodeJS.ProcessEnv = process.env): StateKeys | undefined {
  const current = env[STATE_KEY_ENV];
  const previous = env[PREVIOUS_STATE_KEY_ENV];
  if (!current) return undefined;
  registerSecret(current);
  if (previous) registerSecret(previous);
  return {
    current: StateKey.fromSecret(current),
    ...(previous ? { previous: StateKey.fromSecret(previous) } : {}),
  };
}

export function codecsFor(deploymentId: string, keys: StateKeys | undefined): SnapshotCodecs {
  return keys ? keyedCodecs(deploymentId, keys) : { plain: plainCodec };
}

export async function openStateSource(
  options: StateSourceOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StateSource> {
  const backend = backendOf(options, env);
  if (backend === 'local') {
    const store = new LocalStateStore(options.stateDir);
    return {
      backend,
      description: store.description,
      deploymentId: options.deploymentId,
      read: async () => (await store.load())?.doc,
      storeFor: () => store,
      store: () => store,
    };
  }
  const location = locationOf(options, env);
  const deploymentId = options.deploymentId ?? (await onlyDeployment(location, env));
  const keys = keysFromEnv(env);
  const stores = new Map<string, BlobStateStore>();
  const blob = (id: string): BlobStateStore => {
    let store = stores.get(id);
    if (!store) {
      store = blobStore(location, id, options, keys, env);
      stores.set(id, store);
    }
    return store;
  };
  return {
    backend,
    description:
      deploymentId === undefined ? `Azure blob container ${location.url}` : blob(deploymentId).description,
    deploymentId,
    read: () => (deploymentId === undefined ? Promise.resolve(undefined) : blob(deploymentId).readState()),
    storeFor: blob,
    store: () => {
      if (deploymentId === undefined) {
        throw new UserError(`no deployment state in ${location.url} yet; run a deployment first`);
      }
      return blob(deploymentId);
    },
    blob,
  };
}

/** The azure-blob store of a deployment (a UserError for a local source). */
export function blobStoreOf(source: StateSource, deploymentId = source.deploymentId): BlobStateStore {
  if (!source.blob) throw new UserError(`${source.description} is not an azure-blob state`);
  if (deploymentId === undefined) {
    throw new UserError(`no deployment state in ${source.description} yet; run a deployment first`);
  }
  return source.blob(deploymentId);
}

/** The one deployment under a location; several are listed for --deployment-id; none is undefined. */
async function onlyDeployment(location: BlobLocation, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const container = await openBlobContainer({ location, env });
  const entries = await container.list(location.prefix === '' ? '' : `${location.prefix}/`);
  const ids = deploymentsIn(
    location,
    entries.filter((e) => e.size > 0).map((e) => e.name),
  );
  if (ids.length <= 1) return ids[0];
  throw new UserError(
    `${location.url} holds ${ids.length} deployments (${ids.join(', ')}): choose one with --deployment-id`,
  );
}

function blobStore(
  location: BlobLocation,
  deploymentId: string,
  options: StateSourceOptions,
  keys: StateKeys | undefined,
  env: NodeJS.ProcessEnv,
): BlobStateStore {
  const run = currentRun(env);
  const settings = leaseSettings(env, 0);
  const debug = Boolean(env.K0RDENT_DEBUG);
  const log: BlobStoreLog = {
    info: (message) => options.onNotice?.(message),
    warn: (message) => options.onNotice?.(message),
    debug: (message) => {
      if (debug) process.stderr.write(`debug: ${message}\n`);
    },
  };
  return new BlobStateStore({
    location,
    deploymentId,
    workDir: join(resolve(options.stateDir), '.azure-blob', deploymentId),
    workspace: process.cwd(),
    codecs: codecsFor(deploymentId, keys),
    writer: { run_id: run.run_id, attempt: run.attempt, job: run.job, lane: hostname(), actor: run.actor },
    lease: {
      ...settings,
      ...(options.lockTimeout === undefined ? {} : { waitMs: options.lockTimeout * 1000 }),
    },
    log,
    unlockHint: `k0rdent-deploy state unlock --state-url ${location.url} --deployment-id ${deploymentId}`,
    env,
  });
}

export { LOCK_TIMEOUT_ENV };
