/**
 * State in Azure Blob Storage (DESIGN.md section 4), for deployments that live longer than workflow
 * artifacts: one state blob per deployment, leased by its writer, every write conditional on the ETag
 * last seen (blob-location.ts has the layout).
 *
 * The state blob is the artifact store's snapshot envelope (state document, HMAC under the state key)
 * with the plain recorded files inline; each sensitive file lives encrypted in a blob of its own under
 * a name used once, written before the state that names it, so a reader never meets a state naming a
 * blob that is not there yet, and a checkpoint rewrites only the state. Superseded file blobs are
 * deleted after the state that replaced them is in place; a reader that loses that race reads again.
 *
 * A working copy in a local directory is what phase scripts (`k0rdent-deploy artifact record`) write
 * while the engine runs, as with the artifact store; every save merges it in and writes through.
 *
 * Requests per operation (with a state key, a deployment with S sensitive files):
 *   load        1 (the state blob) + 1 per sensitive file that is missing on this machine
 *   checkpoint  1 conditional put (+ 1 lease renewal when due; + 1 put per sensitive file that changed)
 *   lock        1 acquire + 1 metadata write (the holder); + 2 when the deployment has no blob yet
 *   unlock      1 release
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { StateLockedError } from '../errors.js';
import { latestStamp, liveArtifacts } from '../state/document.js';
import { mergeAll, mergeDocuments } from '../state/merge.js';
import type { StateDocument } from '../state/schema.js';
import { digestIfExists } from '../tools/file-digest.js';
import {
  decodeSnapshot,
  decodeStoredFile,
  encodeSnapshot,
  sensitiveCodec,
  type CarriedFile,
  type ExternalFile,
  type SnapshotCodecs,
  type StoredFile,
  type WriterRef,
} from './artifact-snapshot.js';
import { writeFileAtomic } from './atomic-file.js';
import { BlobLayout, type BlobLocation } from './blob-location.js';
import { BlobLease, describeHolder, holderOf, leaseHolder, type LeaseSettings } from './blob-lease.js';
import {
  BlobConditionError,
  LeaseLostError,
  openBlobContainer,
  type BlobContainer,
  type RetryPolicy,
} from './blob-service.js';
import { LocalStateStore, STATE_DIR_ENV } from './local-store.js';
import type { LoadedState, LockOwner, StateStore, StoreLock } from './store.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export const STATE_BACKEND_ENV = 'K0RDENT_STATE_BACKEND';

export interface BlobStoreLog {
  info(message: string): void;
  warn(message: string, title: string): void;
  debug(message: string): void;
}

export interface BlobStoreOptions {
  readonly location: BlobLocation;
  readonly deploymentId: string;
  /** The working copy's directory (phase scripts record artifacts there). */
  readonly workDir: string;
  /** Where recorded relative paths live; files are restored under it or `extraRoots` only. */
  readonly workspace: string;
  readonly extraRoots?: readonly string[];
  readonly codecs: SnapshotCodecs;
  /** Who writes, for the envelope and the lease holder. */
  readonly writer: WriterRef & { readonly actor: string };
  readonly lease: LeaseSettings;
  readonly log: BlobStoreLog;
  /** The command that unlocks, for messages (`k0rdent-deploy state unlock …`). */
  readonly unlockHint: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly retry?: Partial<RetryPolicy>;
  /** Instead of connecting (tests hand in one with a short retry policy). */
  readonly container?: BlobContainer;
}

/** What the store last saw of the state blob. */
interface Remote {
  /** Undefined when there is no blob at all; a placeholder has an ETag but no document. */
  readonly etag: string | undefined;
  readonly doc: StateDocument | undefined;
  /** Plain files carried inline, decoded. */
  readonly inline: ReadonlyMap<string, CarriedFile>;
  /** Sensitive files by artifact name, as stored (with their blob names). */
  readonly external: ReadonlyMap<string, StoredFile>;
  /** The id of the state key whose HMAC the state carries. */
  readonly signedWith?: string;
}

/** Rounds of reading again when a file blob named by the state vanished under a concurrent writer. */
const MAX_LOAD_ROUNDS = 3;
/** Rounds of re-reading and merging when a conditional write finds the state changed. */
const MAX_WRITE_ROUNDS = 4;

export class BlobStateStore implements StateStore {
  readonly description: string;
  /** The working copy's state file (the actions' `state-file` output). */
  readonly stateFile: string;
  readonly layout: BlobLayout;
  private readonly local: LocalStateStore;
  private connection: Promise<BlobContainer> | undefined;
  private remote: Remote | undefined;
  private lease: BlobLease | undefined;
  /** Sensitive files fetched and decrypted in this process, by artifact name. */
  private readonly fetched = new Map<string, CarriedFile>();
  /** Set while rekeying: every sensitive file is written again, none kept. */
  private reencrypt = false;
  /** Set while replacing (`state push --force`): the stored state is overwritten, not merged with. */
  private replacing = false;
  /** Files handed in by the caller (`state push`), by artifact name, used when not on disk as recorded. */
  private readonly provided = new Map<string, CarriedFile>();

  constructor(private readonly options: BlobStoreOptions) {
    this.layout = new BlobLayout(options.location, options.deploymentId);
    this.description = `Azure blob ${this.layout.describe()}`;
    this.local = new LocalStateStore(options.workDir);
    this.stateFile = this.local.file;
  }

  childEnv(): Record<string, string> {
    // Phase scripts write the working copy; they must not reach for the lease this process holds.
    return { ...this.local.childEnv(), [STATE_BACKEND_ENV]: 'local', [STATE_DIR_ENV]: this.local.dir };
  }

  async lock(owner: LockOwner): Promise<StoreLock> {
    const container = await this.container();
    const lease = await BlobLease.acquire(
      container,
      this.layout.state,
      holderOf(
        {
          run_id: this.options.writer.run_id,
          attempt: this.options.writer.attempt,
          job: this.options.writer.job,
          actor: this.options.writer.actor,
        },
        owner.command,
      ),
      this.options.lease,
      this.options.log,
      this.description,
      this.options.unlockHint,
    );
    let local: StoreLock;
    try {
      local = await this.local.lock(owner);
    } catch (error) {
      await lease.release();
      throw error;
    }
    this.lease = lease;
    // Whatever was read before the lock may be stale: the next load or save reads again.
    this.remote = undefined;
    return {
      // Checked before every commit: the working copy's lock, and the lease (lost when it could not
      // be renewed or was broken by `state unlock`).
      verify: async () => {
        await local.verify();
        lease.assertHeld(this.description);
        await lease.renewIfDue();
      },
      release: async () => {
        this.lease = undefined;
        await local.release();
        await lease.release();
      },
    };
  }

  async load(): Promise<LoadedState | undefined> {
    const remote = await this.readRemote();
    const working = (await this.local.load())?.doc;
    const merged = mergeAll([remote.doc, working].filter((d): d is StateDocument => d !== undefined));
    if (!merged) return undefined;
    if (remote.doc) await this.restoreFiles(merged);
    if (merged !== working) await this.local.save(merged);
    return { doc: merged };
  }

  /** The stored state alone (1 request): no files restored, no working copy written. */
  async readState(): Promise<StateDocument | undefined> {
    return (await this.readRemote()).doc;
  }

  async save(doc: StateDocument): Promise<StateDocument> {
    // Phase scripts may have recorded artifacts in the working copy meanwhile.
    const working = (await this.local.load())?.doc;
    let merged = working ? mergeDocuments(working, doc) : doc;
    const container = await this.container();
    for (let round = 1; ; round++) {
      this.lease?.assertHeld(this.description);
      await this.lease?.renewIfDue();
      const remote = this.remote ?? (await this.readRemote());
      if (remote.doc && !this.replacing) merged = mergeDocuments(remote.doc, merged);
      const { files, written } = await this.storeFiles(container, merged, remote);
      const text = encodeSnapshot(merged, files, this.writerRef(), this.options.codecs);
      try {
        const { etag } = await container.write(
          this.layout.state,
          Buffer.from(text, 'utf8'),
          {
            ...(remote.etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: remote.etag }),
            ...(this.lease ? { leaseId: this.lease.leaseId } : {}),
          },
          this.lease?.metadata ?? {},
        );
        const superseded = [...remote.external.values()]
          .map((f) => f.blob)
          .filter(
            (name): name is string =>
              name !== undefined && !files.some((f) => 'blob' in f && f.blob === name),
          );
        this.remote = {
          etag,
          doc: merged,
          inline: new Map(files.filter((f): f is CarriedFile => 'bytes' in f).map((f) => [f.name, f])),
          external: new Map(
            files.filter((f): f is ExternalFile => 'blob' in f).map((f) => [f.name, { ...f, data: '' }]),
          ),
        };
        await this.deleteQuietly(container, superseded);
        break;
      } catch (error) {
        // The state does not name the file blobs just written: they go again.
        await this.deleteQuietly(container, written);
        if (error instanceof LeaseLostError) {
          this.lease?.markLost(error.code);
          throw new StateLockedError(
            `the lock on ${this.description} was lost (${error.code}), so this change was not written: ` +
              'another writer may have the deployment now. Check `k0rdent-deploy status` and run again.',
          );
        }
        if (!(error instanceof BlobConditionError) || round >= MAX_WRITE_ROUNDS) throw error;
        // Someone wrote since we read (only possible without the lease): read again and merge.
        this.options.log.debug(`${this.layout.state} changed since it was read; merging and writing again`);
        this.remote = undefined;
      }
    }
    await this.local.save(merged);
    return merged;
  }

  async archive(doc: StateDocument, label: string): Promise<string> {
    const container = await this.container();
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const name = this.layout.archive(stamp, label);
    const text = encodeSnapshot(doc, [], this.writerRef(), this.options.codecs);
    await container.write(name, Buffer.from(text, 'utf8'), { ifNoneMatch: '*' });
    return this.layout.describe(name);
  }

  /**
   * Writes the state and every sensitive file again under the current state key (the end of a key
   * rotation; read with either key). Returns the number of files re-encrypted.
   */
  async rekey(owner: LockOwner): Promise<number> {
    const lock = await this.lock(owner);
    try {
      const loaded = await this.load();
      const remote = this.remote;
      if (!loaded || !remote) return 0;
      for (const name of remote.external.keys()) await this.fetchFile(name, remote);
      this.reencrypt = true;
      await this.save(loaded.doc);
      return this.remote?.external.size ?? 0;
    } finally {
      this.reencrypt = false;
      await lock.release();
    }
  }

  /**
   * Writes `doc` as the state, with `files` (by artifact name) for the recorded files that are not on
   * this machine as recorded (`state push`). With `replace`, the stored state is overwritten instead of
   * merged with. Needs the lock.
   */
  async put(
    doc: StateDocument,
    files: ReadonlyMap<string, CarriedFile>,
    options: { replace: boolean },
  ): Promise<void> {
    for (const [name, file] of files) this.provided.set(name, file);
    this.replacing = options.replace;
    try {
      this.remote = undefined;
      await this.save(doc);
    } finally {
      this.replacing = false;
      this.provided.clear();
    }
  }

  /**
   * The stored state and every live recorded file, decoded and verified (`state pull`, and reading a
   * push back); undefined when there is no state.
   */
  async exportState(): Promise<
    | { doc: StateDocument; files: Map<string, CarriedFile>; signedWith?: string; sensitive: string[] }
    | undefined
  > {
    for (let round = 1; ; round++) {
      const remote = await this.readRemote();
      if (!remote.doc) return undefined;
      try {
        return {
          doc: remote.doc,
          files: await this.files(remote.doc),
          ...(remote.signedWith === undefined ? {} : { signedWith: remote.signedWith }),
          sensitive: [...remote.external.keys()],
        };
      } catch (error) {
        if (!(error instanceof FileBlobGoneError) || round >= MAX_LOAD_ROUNDS) throw error;
      }
    }
  }

  /** Whether the stored state is authenticated, and which of its files are encrypted (1 request). */
  async storedHeader(): Promise<{ exists: boolean; signedWith?: string; sensitive: string[] }> {
    const remote = await this.readRemote();
    return {
      exists: remote.doc !== undefined,
      ...(remote.signedWith === undefined ? {} : { signedWith: remote.signedWith }),
      sensitive: [...remote.external.keys()],
    };
  }

  /** The state blob's current properties and who holds its lease (for `state unlock`). */
  async holder(): Promise<{ leased: boolean; holder?: string }> {
    const container = await this.container();
    const current = leaseHolder(await container.properties(this.layout.state));
    if (current === undefined) return { leased: false };
    return {
      leased: true,
      holder: current === 'unknown' ? 'a writer that did not say who it is' : describeHolder(current),
    };
  }

  /** Breaks the lease whoever holds it (`state unlock`). */
  async breakLock(): Promise<void> {
    await (await this.container()).breakLease(this.layout.state);
  }

  /** Versions of the state blob, newest first; undefined when the account keeps none (versioning off). */
  async versions(): Promise<
    { versionId: string; at: Date | undefined; size: number; current: boolean }[] | undefined
  > {
    const entries = await (await this.container()).list(this.layout.state, { versions: true });
    const mine = entries.filter((e) => e.name === this.layout.state);
    if (!mine.some((e) => e.versionId !== undefined)) return undefined;
    return mine
      .filter((e): e is typeof e & { versionId: string } => e.versionId !== undefined)
      .map((e) => ({
        versionId: e.versionId,
        at: e.lastModified,
        size: e.size,
        current: e.isCurrentVersion === true,
      }))
      .sort((a, b) => (a.versionId < b.versionId ? 1 : -1));
  }

  /** Every live recorded file the stored state carries, decoded and verified, by artifact name. */
  private async files(doc: StateDocument): Promise<Map<string, CarriedFile>> {
    const remote = this.remote ?? (await this.readRemote());
    const out = new Map<string, CarriedFile>();
    for (const [name, record] of liveArtifacts(doc)) {
      const file = remote.inline.get(name) ?? (await this.fetchFile(name, remote));
      if (file?.sha256 === record.sha256) out.set(name, file);
    }
    return out;
  }

  private writerRef(): WriterRef {
    const { run_id, attempt, job, lane } = this.options.writer;
    return { run_id, attempt, job, lane };
  }

  private container(): Promise<BlobContainer> {
    this.connection ??= this.options.container
      ? Promise.resolve(this.options.container)
      : openBlobContainer({
          location: this.options.location,
          ...(this.options.env ? { env: this.options.env } : {}),
          ...(this.options.retry ? { retry: this.options.retry } : {}),
          onRetry: (message) => this.options.log.debug(message),
        });
    return this.connection;
  }

  /** Reads and verifies the state blob (1 request). */
  private async readRemote(): Promise<Remote> {
    const container = await this.container();
    const blob = await container.read(this.layout.state);
    if (blob === undefined || blob.bytes.length === 0) {
      this.remote = { etag: blob?.etag, doc: undefined, inline: new Map(), external: new Map() };
      return this.remote;
    }
    const decoded = decodeSnapshot(
      blob.bytes.toString('utf8'),
      this.description,
      this.options.deploymentId,
      this.options.codecs,
      { external: 'keep' },
    );
    if (this.options.codecs.keys && !decoded.authenticated) {
      this.options.log.warn(
        `${this.description} carries no authentication: it was written before this deployment had a state-key. ` +
          'It holds no secret, so it was accepted; the next write authenticates it.',
        'Unauthenticated state',
      );
    }
    this.remote = {
      etag: blob.etag,
      doc: decoded.doc,
      inline: decoded.files,
      external: decoded.external,
      ...(decoded.signedWith === undefined ? {} : { signedWith: decoded.signedWith }),
    };
    return this.remote;
  }

  /** Fetches and decrypts one sensitive file named by the state (1 request); undefined when not stored. */
  private async fetchFile(name: string, remote: Remote): Promise<CarriedFile | undefined> {
    const stored = remote.external.get(name);
    if (!stored?.blob) return undefined;
    const cached = this.fetched.get(name);
    if (cached?.sha256 === stored.sha256) return cached;
    const blob = await (await this.container()).read(stored.blob);
    if (!blob) throw new FileBlobGoneError(`${stored.blob} named by ${this.description} is gone`);
    const file = decodeStoredFile(
      name,
      stored,
      blob.bytes.toString('utf8'),
      this.options.codecs,
      this.layout.describe(stored.blob),
    );
    this.fetched.set(name, file);
    return file;
  }

  /** Writes recorded files missing here from the state (inline) and their blobs, checksums verified. */
  private async restoreFiles(doc: StateDocument): Promise<void> {
    for (let round = 1; ; round++) {
      try {
        await this.restoreOnce(doc, this.remote ?? (await this.readRemote()));
        return;
      } catch (error) {
        if (!(error instanceof FileBlobGoneError) || round >= MAX_LOAD_ROUNDS) throw error;
        this.options.log.debug(`${error.message}: a concurrent writer replaced it; reading the state again`);
        await this.readRemote();
      }
    }
  }

  private async restoreOnce(doc: StateDocument, remote: Remote): Promise<void> {
    const { log } = this.options;
    for (const [name, record] of liveArtifacts(doc)) {
      const stored = remote.inline.get(name) ?? remote.external.get(name);
      if (stored?.sha256 !== record.sha256) continue;
      const path = this.resolvePath(record.path);
      if (path === undefined) {
        log.warn(
          `artifact ${name} is recorded at ${record.path}, outside the workspace; not restored`,
          'Artifact not restored',
        );
        continue;
      }
      const present = await digestIfExists(path);
      if (present?.sha256 === record.sha256) continue;
      if (present) {
        log.warn(
          `artifact ${name}: ${record.path} exists here with other content than recorded; left as it is`,
          'Artifact differs',
        );
        continue;
      }
      const file = remote.inline.get(name) ?? (await this.fetchFile(name, remote));
      if (!file) continue;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, file.bytes, record.sensitive ? 0o600 : 0o644);
      log.info(`restored artifact ${name} to ${record.path} (sha256 ${record.sha256.slice(0, 12)}…)`);
    }
  }

  /**
   * The files the new state carries: plain ones inline, sensitive ones as references to blobs, each
   * new or changed one written (encrypted) first. Returns them and the blobs written by this call.
   */
  private async storeFiles(
    container: BlobContainer,
    doc: StateDocument,
    remote: Remote,
  ): Promise<{ files: (CarriedFile | ExternalFile)[]; written: string[] }> {
    const { codecs, log } = this.options;
    const files: (CarriedFile | ExternalFile)[] = [];
    const written: string[] = [];
    for (const [name, record] of liveArtifacts(doc)) {
      const kept = remote.external.get(name);
      if (
        !this.reencrypt &&
        record.sensitive &&
        kept?.blob &&
        kept.sha256 === record.sha256 &&
        kept.codec === codecs.sensitive?.id
      ) {
        files.push({ ...kept, name, path: record.path, blob: kept.blob });
        continue;
      }
      const file = await this.localFile(name, record, remote);
      if (!file) {
        log.debug(`artifact ${name} (${record.path}) is not here as recorded; not carried`);
        continue;
      }
      if (!record.sensitive) {
        files.push(file);
        continue;
      }
      const codec = sensitiveCodec(file, codecs);
      const blob = this.layout.file(name, record.sha256, crypto().randomBytes(4).toString('hex'));
      await container.write(blob, Buffer.from(codec.encode(file.bytes, { artifact: name }), 'utf8'), {
        ifNoneMatch: '*',
      });
      written.push(blob);
      files.push({
        name,
        path: record.path,
        sha256: record.sha256,
        size: file.bytes.length,
        sensitive: true,
        codec: codec.id,
        blob,
      });
    }
    return { files, written };
  }

  /** A recorded file's bytes: from this machine when it matches the record, else as last read. */
  private async localFile(
    name: string,
    record: StateDocument['artifacts'][string],
    remote: Remote,
  ): Promise<CarriedFile | undefined> {
    const path = this.resolvePath(record.path);
    if (path !== undefined && (await digestIfExists(path))?.sha256 === record.sha256) {
      return {
        name,
        path: record.path,
        sha256: record.sha256,
        sensitive: record.sensitive,
        bytes: await readFile(path),
      };
    }
    const known = this.provided.get(name) ?? remote.inline.get(name) ?? this.fetched.get(name);
    return known?.sha256 === record.sha256
      ? { ...known, path: record.path, sensitive: record.sensitive }
      : undefined;
  }

  private async deleteQuietly(container: BlobContainer, names: readonly string[]): Promise<void> {
    for (const name of names) {
      try {
        await container.delete(name);
      } catch (error) {
        this.options.log.debug(`could not delete ${name} (left behind, unreferenced): ${String(error)}`);
      }
    }
  }

  /** The absolute path of a recorded artifact, if it lies under the workspace or an allowed root. */
  private resolvePath(recorded: string): string | undefined {
    const { workspace, extraRoots = [] } = this.options;
    const path = isAbsolute(recorded) ? recorded : resolve(workspace, recorded);
    const inside = [workspace, ...extraRoots].some((root) => {
      const rel = relative(resolve(root), path);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    return inside ? path : undefined;
  }
}

/** A file blob the state names is gone: a concurrent writer replaced the state meanwhile. */
class FileBlobGoneError extends Error {
  override readonly name = 'FileBlobGoneError';
}

/** The latest clock stamp of a state, for comparing two copies (`state push|pull`). */
export function stampOf(doc: StateDocument | undefined): string {
  return doc ? (latestStamp(doc) ?? '') : '';
}
