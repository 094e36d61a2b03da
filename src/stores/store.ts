/** The port every state backend implements (local directory, workflow artifacts, Azure blob). */
import type { StateDocument } from '../state/schema.js';

export interface LoadedState {
  readonly doc: StateDocument;
  /** Set when the stored file was in an upstream format and was migrated in memory. */
  readonly migration?: { readonly format: string; readonly notes: readonly string[] };
}

export interface SaveOptions {
  /**
   * The write may stay unsynced until the store's next save or its release, which sync it. It is
   * still what every reader sees, and it survives this process's death; only a crash of the
   * machine itself in between can lose it. For a commit nothing acts on before the next one (see
   * finishPhase). A store that cannot tell the difference syncs every save.
   */
  readonly deferSync?: boolean;
}

export interface LockOwner {
  readonly command: string;
  /** Reported when the lock is found stale and taken over. */
  readonly onWarning: (message: string) => void;
}

/**
 * A writer's hold on a store's state, as granted by `StateStore.lock`. Its identity is the grant
 * itself (a token, a lease id), never just the presence of a lock: a lock that was removed and
 * taken again by another writer is not this one.
 */
export interface StoreLock {
  /**
   * Throws LockLostError when this lock is no longer held as granted: removed, broken, expired or
   * taken by another writer. The engine calls it before every commit, so a writer that lost its
   * lock stops with that error instead of writing over another writer's state.
   */
  verify(): Promise<void>;
  /** Gives the lock up (a no-op when it is no longer held); a store may finish its writes first. */
  release(): Promise<void>;
}

export interface StateStore {
  /** For messages: where the state lives, e.g. `local directory ./state`. */
  readonly description: string;
  /** Variables that let a phase's child process reach the same state (`k0rdent-deploy artifact record`). */
  childEnv(): Record<string, string>;
  load(): Promise<LoadedState | undefined>;
  /**
   * Persists `doc` merged with whatever the store holds now, so that a concurrent writer's changes
   * (a parallel job, a child process) survive; returns the merged document.
   */
  save(doc: StateDocument, options?: SaveOptions): Promise<StateDocument>;
  /** Exclusive writer access; throws StateLockedError naming the holder. */
  lock(owner: LockOwner): Promise<StoreLock>;
  /** Keeps a copy of a deployment's state before a full reset (upstream's old_deployments). */
  archive(doc: StateDocument, label: string): Promise<string>;
}
