/** Types shared by the emulator's modules and its users (tests, benchmarks). */

/** Which emulated endpoint answered: the results service (Twirp), the REST API, or blob storage. */
export type Service = 'twirp' | 'rest' | 'blob';

/** One job of one attempt of one workflow run: what a runtime token stands for. */
export interface JobRef {
  readonly runId: number;
  readonly attempt: number;
  readonly job: string;
}

/** Selects requests, for counting them and for aiming faults. Every given field must match. */
export interface RequestMatcher {
  readonly service?: Service;
  /**
   * Twirp method (`CreateArtifact`, …), REST operation (`listRunArtifacts`, `listRepoArtifacts`,
   * `getArtifact`, `downloadArtifact`, `deleteArtifact`) or blob operation (`PutBlock`,
   * `PutBlockList`, `PutBlob`, `GetBlob`, `GetBlobProperties`, `DeleteBlob`).
   */
  readonly operation?: string;
  readonly method?: string;
  /** Exact path, or a pattern tested against it (query string excluded). */
  readonly path?: string | RegExp;
}

/** A request as the emulator saw it, recorded once its response was finished (or aborted). */
export interface RequestRecord {
  /** Arrival order, from 1. */
  readonly seq: number;
  readonly service: Service;
  readonly operation: string;
  readonly method: string;
  /** Path without the query string, so SAS signatures never land in the log. */
  readonly path: string;
  /** 0 when the connection was reset on purpose or the client went away first. */
  readonly status: number;
  readonly durationMs: number;
  /** Set when an injected fault shaped this response. */
  readonly fault?: 'status' | 'delay' | 'reset';
}

export type ArtifactStatus = 'pending' | 'finalized' | 'deleted';

/** What the emulator knows about one artifact; `artifactBytes(id)` gives its content. */
export interface StoredArtifact {
  readonly id: number;
  readonly name: string;
  readonly runId: number;
  readonly attempt: number;
  readonly job: string;
  /** `pending` = created, not finalized; `deleted` artifacts keep their blob for leak scans. */
  readonly status: ArtifactStatus;
  /** Bytes in blob storage, known from finalize on (0 while pending). */
  readonly size: number;
  /** `sha256:<hex>` of the stored bytes, known from finalize on. */
  readonly digest: string | undefined;
  /** The MIME type the client declared: `application/zip` for archives, the file's type with skipArchive. */
  readonly mimeType: string;
  readonly blobName: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}
