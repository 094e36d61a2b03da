/**
 * State as workflow artifacts (DESIGN.md section 4): the default backend inside GitHub Actions.
 *
 * Each checkpoint uploads one small snapshot (the state and the recorded files later jobs need) under
 * a name no other upload has used (artifact-naming.ts), so a write never meets a 409. Loading lists
 * this run's artifacts across attempts and finds the newest other run that wrote this deployment by
 * the name of its head, downloads the few snapshots that matter (artifact-selection.ts) and merges
 * them with the engine's merge, so re-run attempts, parallel jobs and later runs all see each other's
 * progress. After an upload, the lane's older snapshots are deleted, so a job keeps one or two alive.
 *
 * A working copy in a local directory (the runner's temp directory) is what the engine and the phase
 * scripts (`k0rdent-deploy artifact record`) read and write in between; it also carries the lane's
 * bookkeeping from a step to the next and to the post step, which persists without loading again.
 *
 * Requests per operation (results service and REST API; blob storage not counted):
 *   load        1 repository listing by head name + 1 listing of this run (+1 listing of the newest
 *               other run, when another run wrote last) + 1 download per snapshot merged
 *   checkpoint  CreateArtifact + FinalizeArtifact + (ListArtifacts + DeleteArtifact for the lane's
 *               previous snapshot); the run's first write lists by head name instead of deleting
 */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { latestStamp, liveArtifacts } from '../state/document.js';
import { mergeAll } from '../state/merge.js';
import type { StateDocument } from '../state/schema.js';
import { digestIfExists } from '../tools/file-digest.js';
import { writeFileAtomic } from './atomic-file.js';
import { archiveName, headName, snapshotName } from './artifact-naming.js';
import {
  ArtifactGoneError,
  ArtifactRestReader,
  type RestArtifact,
  type RestTarget,
} from './artifact-rest.js';
import { selectRun, type RunSelection } from './artifact-selection.js';
import {
  DEFAULT_CODECS,
  decodeSnapshot,
  encodeSnapshot,
  type CarriedFile,
  type SnapshotCodecs,
} from './artifact-snapshot.js';
import { ArtifactWriter, NameTakenError } from './artifact-writer.js';
import { LocalStateStore } from './local-store.js';
import type { LoadedState, LockOwner, StateStore, StoreLock } from './store.js';

export interface StoreLog {
  info(message: string): void;
  notice(message: string, title: string): void;
  warn(message: string, title: string): void;
  debug(message: string): void;
}

export interface RunnerJob {
  readonly runId: number;
  readonly attempt: number;
  readonly job: string;
}

export interface ArtifactStoreOptions {
  readonly deploymentId: string;
  readonly job: RunnerJob;
  /** This job's lane (see artifact-naming.ts); the same for every step of the job. */
  readonly lane: string;
  readonly rest: RestTarget;
  /** The working copy's directory, kept for the job's later steps and its post steps. */
  readonly workDir: string;
  /** Where recorded relative paths live (the workspace); files are restored under it or `extraRoots`. */
  readonly workspace: string;
  readonly extraRoots?: readonly string[];
  /**
   * `remote`: load from artifacts (and the working copy); `working-copy`: only the working copy, for
   * post steps that persist what the job's steps did.
   */
  readonly mode: 'remote' | 'working-copy';
  readonly log: StoreLog;
  readonly codecs?: SnapshotCodecs;
  readonly retentionDays?: number;
  readonly tempDir?: string;
  /** Instead of the real client (benchmarks count requests through the real one; tests do too). */
  readonly writer?: ArtifactWriter;
}

/** The lane's bookkeeping, kept in the working copy's directory between steps. */
interface Manifest {
  run_id: number;
  attempt: number;
  lane: string;
  /** Whether this run has a head (seen in a listing, or written by this lane). */
  run_has_head: boolean;
  /** This lane's live snapshots in this attempt, oldest first. */
  uploads: { name: string; id: number }[];
  /** The newest clock stamp uploaded, and the phase/artifact picture it had. */
  uploaded_stamp?: string;
  uploaded_boundary?: string;
}

const MANIFEST_FILE = 'artifact-store.json';
/** A listed snapshot may be deleted by its lane before we download it; then the listing is redone. */
const MAX_LOAD_ROUNDS = 3;
const HEADS_LISTED = 10;

export class ArtifactStateStore implements StateStore {
  readonly description: string;
  /** The working copy's state file (the `state-file` output). */
  readonly stateFile: string;
  private readonly local: LocalStateStore;
  private readonly rest: ArtifactRestReader;
  private readonly writer: ArtifactWriter;
  private readonly codecs: SnapshotCodecs;
  private remote: Promise<RemoteState> | undefined;
  private manifest: Manifest | undefined;

  constructor(private readonly options: ArtifactStoreOptions) {
    const { owner, repo } = options.rest;
    this.description = `workflow artifacts of ${owner}/${repo} (deployment ${options.deploymentId})`;
    this.local = new LocalStateStore(options.workDir);
    this.stateFile = this.local.file;
    this.rest = new ArtifactRestReader(options.rest);
    this.writer =
      options.writer ??
      new ArtifactWriter({
        ...(options.tempDir === undefined ? {} : { tempDir: options.tempDir }),
        ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
      });
    this.codecs = options.codecs ?? DEFAULT_CODECS;
  }

  childEnv(): Record<string, string> {
    return this.local.childEnv();
  }

  lock(owner: LockOwner): Promise<StoreLock> {
    return this.local.lock(owner);
  }

  /** The merged state of every snapshot that matters and of the working copy; the first call loads. */
  async load(): Promise<LoadedState | undefined> {
    const manifest = await this.readManifest();
    let remoteDoc: StateDocument | undefined;
    if (this.options.mode === 'remote') {
      this.remote ??= this.loadRemote(manifest);
      remoteDoc = (await this.remote).doc;
    }
    const working = await this.readWorking();
    // Whether the working copy holds changes of this lane that no upload has carried yet.
    const pending = working !== undefined && latestStamp(working) !== manifest.uploaded_stamp;
    const merged = mergeAll([remoteDoc, working].filter((d): d is StateDocument => d !== undefined));
    if (!merged) return undefined;
    if (merged !== working) await this.writeWorking(merged);
    if (!pending && manifest.uploaded_stamp !== latestStamp(merged)) {
      // Everything in it came from uploaded snapshots: nothing to upload until something changes.
      manifest.uploaded_stamp = latestStamp(merged);
      manifest.uploaded_boundary = boundaryOf(merged);
      await this.writeManifest(manifest);
    }
    return { doc: merged };
  }

  /**
   * Persists `doc` to the working copy (merged with what phase scripts recorded there) and uploads a
   * snapshot when a phase changed status or an artifact changed since the last upload. Other changes
   * (validation evidence, config notes) ride along with the next upload or the post step's `flush`.
   */
  async save(doc: StateDocument): Promise<StateDocument> {
    // Phase scripts may have recorded artifacts in the working copy meanwhile: the merge keeps them.
    const merged = await this.writeWorking(doc);
    const manifest = await this.readManifest();
    if (boundaryOf(merged) !== manifest.uploaded_boundary) await this.upload(merged, manifest);
    return merged;
  }

  /** Uploads the working copy if it holds anything not uploaded yet; returns whether it did. */
  async flush(): Promise<boolean> {
    const working = await this.readWorking();
    if (!working) return false;
    const manifest = await this.readManifest();
    if (latestStamp(working) === manifest.uploaded_stamp) return false;
    await this.upload(working, manifest);
    return true;
  }

  /**
   * Uploads the current state and files again, encrypted and authenticated with the current state
   * key: after a rotation (new `state-key`, old one as `previous-state-key`), nothing needs the old
   * key any more. Returns the number of files re-encrypted.
   */
  async rekey(): Promise<number> {
    const loaded = await this.load();
    if (!loaded) return 0;
    const manifest = await this.readManifest();
    await this.upload(loaded.doc, manifest);
    return (await this.carriedFiles(loaded.doc)).filter((file) => file.sensitive).length;
  }

  async archive(doc: StateDocument, label: string): Promise<string> {
    const { job, deploymentId, lane } = this.options;
    const name = archiveName(deploymentId, label, { attempt: job.attempt, job: job.job, lane });
    const text = encodeSnapshot(doc, [], this.writerRef(), this.codecs);
    await this.writer.upload(name, text);
    return `artifact ${name}`;
  }

  private writerRef() {
    const { job, lane } = this.options;
    return { run_id: String(job.runId), attempt: job.attempt, job: job.job, lane };
  }

  private async upload(doc: StateDocument, manifest: Manifest): Promise<void> {
    const { deploymentId, job, lane, log } = this.options;
    const files = await this.carriedFiles(doc);
    const text = encodeSnapshot(doc, files, this.writerRef(), this.codecs);
    let uploaded: { id: number; name: string } | undefined;
    if (!manifest.run_has_head) {
      // The run's first write becomes its head, which later runs find by name. A parallel job may
      // have written one since this job loaded: look again right before.
      const name = headName(deploymentId);
      const existing = await this.rest.listRun(job.runId, name);
      if (existing.length === 0) {
        try {
          uploaded = await this.writer.upload(name, text);
        } catch (error) {
          if (!(error instanceof NameTakenError)) throw error;
          log.debug(`${name} was written by a parallel job a moment ago; writing a snapshot instead`);
        }
      }
      manifest.run_has_head = true;
      if (uploaded) log.debug(`wrote ${name}, this run's state head`);
    }
    const previous = manifest.uploads.slice();
    if (!uploaded) {
      uploaded = await this.writer.upload(
        snapshotName(deploymentId, { attempt: job.attempt, job: job.job, lane }),
        text,
      );
      manifest.uploads.push(uploaded);
    }
    manifest.uploaded_stamp = latestStamp(doc);
    manifest.uploaded_boundary = boundaryOf(doc);
    await this.writeManifest(manifest);
    log.debug(`checkpoint: uploaded ${uploaded.name} (id ${uploaded.id})`);

    for (const old of previous) {
      try {
        await this.writer.delete(old.name);
        manifest.uploads = manifest.uploads.filter((u) => u.name !== old.name);
      } catch (error) {
        log.debug(`could not delete ${old.name} (kept; retried at the next checkpoint): ${String(error)}`);
      }
    }
    await this.writeManifest(manifest);
  }

  /** Each live recorded artifact's bytes, from the runner's file when it matches, else as loaded. */
  private async carriedFiles(doc: StateDocument): Promise<CarriedFile[]> {
    const loaded = this.remote ? (await this.remote).files : new Map<string, CarriedFile>();
    const out: CarriedFile[] = [];
    for (const [name, record] of liveArtifacts(doc)) {
      const path = this.resolvePath(record.path);
      if (path === undefined) {
        this.options.log.debug(`artifact ${name} "${record.path}" is outside the workspace; not carried`);
        continue;
      }
      const onDisk = await digestIfExists(path);
      if (onDisk?.sha256 === record.sha256) {
        out.push({
          name,
          path: record.path,
          sha256: record.sha256,
          sensitive: record.sensitive,
          bytes: await readFile(path),
        });
        continue;
      }
      const known = loaded.get(name);
      if (known?.sha256 === record.sha256) {
        out.push({ ...known, name, path: record.path, sensitive: record.sensitive });
        continue;
      }
      this.options.log.debug(
        `artifact ${name} (${record.path}) is not on this runner as recorded; not carried`,
      );
    }
    return out;
  }

  private async loadRemote(manifest: Manifest): Promise<RemoteState> {
    for (let round = 1; ; round++) {
      try {
        return await this.loadRemoteOnce(manifest);
      } catch (error) {
        if (!(error instanceof ArtifactGoneError) || round >= MAX_LOAD_ROUNDS) throw error;
        this.options.log.debug(
          `a listed snapshot was replaced while loading (${error.message}); listing again`,
        );
      }
    }
  }

  private async loadRemoteOnce(manifest: Manifest): Promise<RemoteState> {
    const { deploymentId, job, log } = this.options;
    const head = headName(deploymentId);
    const [listedHeads, ownRun] = await Promise.all([
      this.rest.listByName(head, HEADS_LISTED),
      this.rest.listRun(job.runId),
    ]);
    const heads = listedHeads.filter((a) => !a.expired && a.sameRepository);
    const newestHead = heads[0];
    const own = selectRun(deploymentId, ownRun);
    if (own.head && newestHead && newestHead.runId !== job.runId) {
      throw new UserError(
        `deployment ${deploymentId} was changed by a newer workflow run (run ${newestHead.runId}) after this ` +
          `run (${job.runId}) first wrote its state, so state written by this re-run could not be found by ` +
          'later runs. Start a new run of the workflow instead of re-running this one.',
      );
    }
    const other =
      newestHead && newestHead.runId !== job.runId
        ? selectRun(deploymentId, await this.rest.listRun(newestHead.runId))
        : undefined;

    manifest.run_has_head ||= own.head !== undefined;
    if (manifest.run_id === job.runId && manifest.attempt === job.attempt) {
      // This lane's snapshots written by earlier steps of the job: deleted after the next upload.
      const mine = own.all.filter(
        (a) =>
          a.attempt === job.attempt &&
          a.lane === this.options.lane &&
          !manifest.uploads.some((u) => u.id === a.id),
      );
      manifest.uploads.push(...mine.map((a) => ({ name: a.name, id: a.id })));
      manifest.uploads.sort((a, b) => a.id - b.id);
    }
    await this.writeManifest(manifest);

    const picked = [...pick(own), ...(other ? pick(other) : [])];
    const decoded = await Promise.all(
      picked.map(async (artifact) => {
        const bytes = await this.rest.download(artifact.id);
        const where = `artifact ${artifact.name} (id ${artifact.id}, run ${artifact.runId})`;
        const snapshot = decodeSnapshot(bytes.toString('utf8'), where, deploymentId, this.codecs);
        if (this.codecs.keys && !snapshot.authenticated) {
          log.warn(
            `${where} carries no authentication: it was written before this deployment had a state-key. ` +
              'It holds no secret, so it was accepted; the next checkpoint writes an authenticated one.',
            'Unauthenticated state snapshot',
          );
        }
        return snapshot;
      }),
    );
    const doc = mergeAll(decoded.map((d) => d.doc));
    const files = new Map<string, CarriedFile>();
    for (const snapshot of decoded) for (const [name, file] of snapshot.files) files.set(name, file);

    if (!doc) {
      log.notice(
        `no saved state of deployment ${deploymentId}: searched this run (${job.runId}, every attempt) and the ` +
          `repository's artifacts named ${head}${heads.length ? ` (newest in run ${heads[0]?.runId ?? ''})` : ' (none)'}; starting fresh`,
        'Starting fresh',
      );
      return { files };
    }
    log.info(`loaded deployment ${deploymentId} from ${describeSources(job.runId, own, other)}`);
    await this.restoreFiles(doc, files);
    return { doc, files };
  }

  /** Writes recorded files that are missing on this runner, from the snapshots, checksums verified. */
  private async restoreFiles(doc: StateDocument, files: ReadonlyMap<string, CarriedFile>): Promise<void> {
    const { log } = this.options;
    for (const [name, record] of liveArtifacts(doc)) {
      const file = files.get(name);
      if (file?.sha256 !== record.sha256) continue;
      const path = this.resolvePath(record.path);
      if (path === undefined) {
        log.warn(
          `artifact ${name} is recorded at ${record.path}, outside the workspace and the runner's temp directory; not restored`,
          'Artifact not restored',
        );
        continue;
      }
      const present = await digestIfExists(path);
      if (present?.sha256 === record.sha256) continue;
      if (present) {
        log.warn(
          `artifact ${name}: ${record.path} exists on this runner with other content than recorded; left as it is`,
          'Artifact differs',
        );
        continue;
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, file.bytes, record.sensitive ? 0o600 : 0o644);
      log.info(`restored artifact ${name} to ${record.path} (sha256 ${record.sha256.slice(0, 12)}…)`);
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

  /**
   * The working copy: a local state directory, which phase scripts (`k0rdent-deploy artifact
   * record`) commit to as well; read through the local store, which catches up on their commits.
   */
  private async readWorking(): Promise<StateDocument | undefined> {
    return (await this.local.load())?.doc;
  }

  /**
   * Commits `doc` to the working copy, merged with what is there. Readers never see half a commit;
   * what must survive the runner is in the uploaded snapshots.
   */
  private writeWorking(doc: StateDocument): Promise<StateDocument> {
    return this.local.save(doc);
  }

  private async readManifest(): Promise<Manifest> {
    if (this.manifest) return this.manifest;
    const { job, lane } = this.options;
    const fresh: Manifest = {
      run_id: job.runId,
      attempt: job.attempt,
      lane,
      run_has_head: false,
      uploads: [],
    };
    let stored: Partial<Manifest> | undefined;
    try {
      stored = JSON.parse(
        await readFile(join(this.options.workDir, MANIFEST_FILE), 'utf8'),
      ) as Partial<Manifest>;
    } catch {
      stored = undefined;
    }
    this.manifest =
      stored && stored.run_id === job.runId && stored.attempt === job.attempt && stored.lane === lane
        ? { ...fresh, ...stored, uploads: Array.isArray(stored.uploads) ? stored.uploads : [] }
        : fresh;
    return this.manifest;
  }

  private async writeManifest(manifest: Manifest): Promise<void> {
    await mkdir(this.options.workDir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.options.workDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', {
      mode: 0o600,
    });
  }
}

interface RemoteState {
  readonly doc?: StateDocument;
  readonly files: ReadonlyMap<string, CarriedFile>;
}

function pick(selection: RunSelection): RestArtifact[] {
  return [...(selection.head ? [selection.head] : []), ...selection.snapshots];
}

function describeSources(runId: number, own: RunSelection, other: RunSelection | undefined): string {
  const describe = (id: number, s: RunSelection) => {
    const count = s.snapshots.length + (s.head ? 1 : 0);
    return `run ${id}${s.attempt === undefined ? '' : ` attempt ${s.attempt}`} (${count} snapshot${count === 1 ? '' : 's'})`;
  };
  const parts = [];
  if (own.head || own.snapshots.length > 0) parts.push(describe(runId, own));
  if (other && (other.head || other.snapshots.length > 0)) {
    const runOf = other.head?.runId ?? other.snapshots[0]?.runId ?? 0;
    parts.push(describe(runOf, other));
  }
  return parts.join(' and ');
}

/** What makes an upload due: a phase's status or attempts, or an artifact's content, changed. */
export function boundaryOf(doc: StateDocument): string {
  const phases = Object.entries(doc.phases)
    .map(([name, record]) => `${name}=${record.status}/${record.attempts}`)
    .sort();
  const artifacts = Object.entries(doc.artifacts)
    .map(([name, record]) => `${name}=${record.removed ? 'removed' : record.sha256}`)
    .sort();
  return [...phases, '|', ...artifacts].join(',');
}
