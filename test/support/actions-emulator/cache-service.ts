/**
 * The results service's `CacheService` (cache service v2) as @actions/cache 6.3 calls it when the
 * runner sets `ACTIONS_CACHE_SERVICE_V2`: reserve an entry (`CreateCacheEntry` → signed upload URL),
 * upload the archive to blob storage with the Azure SDK, `FinalizeCacheEntryUpload`, and on restore
 * `GetCacheEntryDownloadURL` (exact key first, then restore-key prefixes, newest first; same version
 * only). Entries are immutable: a second reservation of a key and version answers `ok: false`, which
 * the client reports as "another job may be creating this cache" and does not retry. Answers are
 * `ok: false` rather than Twirp errors where GitHub's are.
 */
import { z } from 'zod';
import type { BlobStorage } from './blob-storage.js';
import { HttpError } from './http-io.js';
import { parseRequest as parse } from './twirp-service.js';
import type { JobRef } from './types.js';

export interface CacheEntry {
  readonly id: number;
  readonly key: string;
  readonly version: string;
  readonly blobName: string;
  readonly createdBy: JobRef;
  readonly createdAt: Date;
  sizeBytes: number | undefined;
  finalized: boolean;
}

const int64 = z.union([z.string().regex(/^[0-9]+$/), z.number().int().nonnegative()]).transform(Number);
// The client validates keys (at most 512 characters, no commas) before it calls; so does GitHub.
const key = z
  .string()
  .min(1)
  .max(512)
  .refine((value) => !value.includes(','), 'a cache key may not contain a comma');
const version = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'version is the client-computed sha256 of paths and method');

const CreateRequest = z.object({ key, version });
const FinalizeRequest = z.object({ key, version, size_bytes: int64 });
const DownloadRequest = z.object({ key, version, restore_keys: z.array(key).max(10).optional() });

export class CacheService {
  readonly #entries: CacheEntry[] = [];
  #nextId = 1;

  constructor(
    private readonly blobs: BlobStorage,
    private readonly signedUrlTtlMs: number,
  ) {}

  /** Every entry, reserved or finalized, oldest first. */
  entries(): readonly CacheEntry[] {
    return this.#entries;
  }

  async dispatch(method: string, caller: JobRef, body: unknown): Promise<object> {
    switch (method) {
      case 'CreateCacheEntry':
        return this.#create(caller, parse(CreateRequest, body));
      case 'FinalizeCacheEntryUpload':
        return this.#finalize(parse(FinalizeRequest, body));
      case 'GetCacheEntryDownloadURL':
        return this.#download(parse(DownloadRequest, body));
      default:
        throw new HttpError(404, `no such method: ${method}`);
    }
  }

  #create(caller: JobRef, req: z.infer<typeof CreateRequest>): object {
    if (this.#find(req.key, req.version, { includeReserved: true })) {
      return { ok: false, message: 'cache entry with the same key, version, and scope already exists' };
    }
    const id = this.#nextId++;
    const entry: CacheEntry = {
      id,
      key: req.key,
      version: req.version,
      blobName: `caches/${id}/cache.tzst`,
      createdBy: caller,
      createdAt: new Date(),
      sizeBytes: undefined,
      finalized: false,
    };
    this.#entries.push(entry);
    return { ok: true, signed_upload_url: this.blobs.uploadUrl(entry.blobName, this.signedUrlTtlMs) };
  }

  async #finalize(req: z.infer<typeof FinalizeRequest>): Promise<object> {
    const entry = this.#entries.find((e) => e.key === req.key && e.version === req.version && !e.finalized);
    if (!entry) return { ok: false, message: 'no reserved cache entry with this key and version' };
    const blob = await this.blobs.read(entry.blobName);
    if (!blob) return { ok: false, message: 'no archive was uploaded for this cache entry' };
    if (blob.bytes.length !== req.size_bytes) {
      return {
        ok: false,
        message: `size mismatch: client says ${req.size_bytes}, storage has ${blob.bytes.length}`,
      };
    }
    entry.sizeBytes = req.size_bytes;
    entry.finalized = true;
    return { ok: true, entry_id: String(entry.id) };
  }

  #download(req: z.infer<typeof DownloadRequest>): object {
    const exact = this.#find(req.key, req.version, { includeReserved: false });
    const entry =
      exact ??
      (req.restore_keys ?? [])
        .map((prefix) =>
          this.#entries
            .filter((e) => e.finalized && e.version === req.version && e.key.startsWith(prefix))
            .at(-1),
        )
        .find((found) => found !== undefined);
    if (!entry) return { ok: false };
    return {
      ok: true,
      signed_download_url: this.blobs.downloadUrl(entry.blobName, 'cache.tzst', this.signedUrlTtlMs),
      matched_key: entry.key,
    };
  }

  /** The newest entry with this key and version. */
  #find(key: string, version: string, options: { includeReserved: boolean }): CacheEntry | undefined {
    return this.#entries
      .filter((e) => e.key === key && e.version === version && (options.includeReserved || e.finalized))
      .at(-1);
  }
}
