/**
 * The artifact records (the part GitHub keeps in its database; bytes live in blob storage), with the
 * rules that matter to a state store: ids grow, names are unique per workflow run, an artifact is
 * immutable once finalized, and deleting hides it (the blob is kept so leak scans still see it).
 */
import type { ArtifactStatus, JobRef, StoredArtifact } from './types.js';

/**
 * `run`: a name may exist once per workflow run, whatever the attempt (what the emulator defaults
 * to, the strict reading). `attempt`: once per run attempt, so a re-run may reuse a name.
 */
export type DuplicateNameScope = 'run' | 'attempt';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type CreateResult =
  | { readonly ok: true; readonly artifact: StoredArtifact }
  | { readonly ok: false; readonly existing: StoredArtifact };

const DEFAULT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/** Newest first: ids only grow, so they order creation even within one millisecond. */
const newestFirst = (a: StoredArtifact, b: StoredArtifact): number => b.id - a.id;

export class ArtifactRegistry {
  readonly #byId = new Map<number, Mutable<StoredArtifact>>();
  #nextId = 1;

  constructor(private readonly duplicateNames: DuplicateNameScope) {}

  create(job: JobRef, name: string, mimeType: string, expiresAt: Date | undefined): CreateResult {
    const existing = [...this.#byId.values()].find(
      (a) =>
        a.status !== 'deleted' &&
        a.runId === job.runId &&
        a.name === name &&
        (this.duplicateNames === 'run' || a.attempt === job.attempt),
    );
    if (existing) return { ok: false, existing: { ...existing } };
    const id = this.#nextId++;
    // Archives get a .zip name; a skipArchive file keeps its own, so the client never mistakes it
    // for a zip (it unzips when the type is zip *or* the URL path ends in .zip).
    const fileName = mimeType === 'application/zip' ? `${name}.zip` : name;
    const now = new Date();
    const artifact: Mutable<StoredArtifact> = {
      id,
      name,
      runId: job.runId,
      attempt: job.attempt,
      job: job.job,
      status: 'pending',
      size: 0,
      digest: undefined,
      mimeType,
      blobName: `runs/${job.runId}/artifacts/${id}/${fileName}`,
      createdAt: now,
      expiresAt: expiresAt ?? new Date(now.getTime() + DEFAULT_RETENTION_MS),
    };
    this.#byId.set(id, artifact);
    return { ok: true, artifact: { ...artifact } };
  }

  /** The artifact `job` created under `name` and has not finalized yet. */
  findPending(job: JobRef, name: string): StoredArtifact | undefined {
    const a = [...this.#byId.values()].find(
      (x) =>
        x.status === 'pending' &&
        x.name === name &&
        x.runId === job.runId &&
        x.attempt === job.attempt &&
        x.job === job.job,
    );
    return a && { ...a };
  }

  /** The artifact `job` created under `name`, whatever its state except deleted. */
  findOwn(job: JobRef, name: string): StoredArtifact | undefined {
    return this.list({ runId: job.runId, name, statuses: ['pending', 'finalized'] }).find(
      (a) => a.attempt === job.attempt && a.job === job.job,
    );
  }

  finalize(id: number, size: number, digest: string): StoredArtifact {
    const a = this.#byId.get(id);
    if (a?.status !== 'pending') throw new Error(`artifact ${id} is not pending`);
    a.status = 'finalized';
    a.size = size;
    a.digest = digest;
    return { ...a };
  }

  markDeleted(id: number): void {
    const a = this.#byId.get(id);
    if (a) a.status = 'deleted';
  }

  get(id: number): StoredArtifact | undefined {
    const a = this.#byId.get(id);
    return a && { ...a };
  }

  /** Artifacts newest first; by default only finalized ones (what GitHub lists). */
  list(
    filter: {
      readonly runId?: number;
      readonly name?: string;
      readonly id?: number;
      readonly statuses?: readonly ArtifactStatus[];
    } = {},
  ): StoredArtifact[] {
    const statuses = filter.statuses ?? ['finalized'];
    return [...this.#byId.values()]
      .filter(
        (a) =>
          statuses.includes(a.status) &&
          (filter.runId === undefined || a.runId === filter.runId) &&
          (filter.name === undefined || a.name === filter.name) &&
          (filter.id === undefined || a.id === filter.id),
      )
      .map((a) => ({ ...a }))
      .sort(newestFirst);
  }
}
