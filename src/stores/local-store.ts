/**
 * State in a local directory (default ./state): `deployment-state.yaml`, beside it while a writer
 * works `deployment-state.journal`, a `.lock`, archives under `old_deployments/`, and, for a
 * migrated upstream file, its original kept as `*.pre-v2.bak`. Files are private to the user
 * (mode 600, directory 700): they may hold sensitive material.
 *
 * A commit appends one line to the journal, what it changed (state/delta.ts), and syncs it: its cost
 * follows the change, not the size of the state. The state is the YAML file with every whole line
 * of the journal applied. The journal is folded into a new YAML file (written whole: temp file,
 * fsync, rename) when the lock's owner releases it, when it has grown as large as the file, and by
 * the next writer after a crash; the journal is removed only after the new file is in place, and
 * replaying a line the file already holds changes nothing. So a crash at any point leaves either
 * the state before a commit or the state after it, as with whole-file writes.
 *
 * Nothing is written that a later read would refuse: every journal line is checked against the
 * schema before it is appended, and every new YAML file is read back and checked, size included,
 * before it replaces the old one.
 *
 * A commit's file system calls are synchronous. A commit sits on the run's critical path between
 * two phases, with nothing else for the process to do meanwhile, and each trip through libuv's
 * thread pool costs several times the call itself (about 40 µs against 5 µs for a stat on a
 * 2-core runner); a commit made nine of them.
 */
import {
  closeSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { FileError, UserError } from '../errors.js';
import { failpoint, failpointDue } from '../failpoints.js';
import { LIMIT_ENV, limits } from '../limits.js';
import { decodeLegacyEvents, decodeState, decodeStateFile, encodeState } from '../state/codec.js';
import { diffDocuments, isEmptyDelta, StateDeltaSchema, type StateDelta } from '../state/delta.js';
import { decodeJournal, encodeJournalEntry, journalHeader } from '../state/journal.js';
import { mergeDeltas, mergeDocuments } from '../state/merge.js';
import { legacyArtifactPaths, migrateLegacyState, type ExtractedSecret } from '../state/migrate.js';
import type { StateDocument } from '../state/schema.js';
import { digestIfExists } from '../tools/file-digest.js';
import { sweepLeftovers } from '../tools/leftovers.js';
import { naming, syncDirectory, writeFileAtomic } from './atomic-file.js';
import { LOCK_TOKEN_ENV, LockFile } from './lock-file.js';
import type { LoadedState, LockOwner, SaveOptions, StateStore, StoreLock } from './store.js';

export const STATE_FILE = 'deployment-state.yaml';
export const JOURNAL_FILE = 'deployment-state.journal';
export const LEGACY_EVENTS_FILE = 'deployment-events.yaml';
export const BACKUP_SUFFIX = '.pre-v2.bak';
export const STATE_DIR_ENV = 'K0RDENT_STATE_DIR';

/** A journal smaller than this is never folded before the lock is released. */
const MIN_FOLD_BYTES = 1024 * 1024;

interface PendingMigration {
  readonly originalText: string;
  readonly secrets: readonly ExtractedSecret[];
}

/** A file as last seen: a change of any of these means someone else rewrote or replaced it. */
interface FileId {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

/** What this process knows the directory holds. */
interface View {
  readonly doc: StateDocument;
  readonly snapshot: FileId;
  readonly journal?: {
    /** The journal only grows while it is the same file: its inode, and its size as read. */
    readonly id: Pick<FileId, 'dev' | 'ino'>;
    /** Bytes of whole lines read (a torn last line is not counted). */
    readonly offset: number;
    readonly lines: number;
    readonly torn: boolean;
  };
}

export class LocalStateStore implements StateStore {
  readonly dir: string;
  readonly file: string;
  readonly journalFile: string;
  readonly description: string;
  private readonly lockFile: LockFile;
  private pendingMigration: PendingMigration | undefined;
  private view: View | undefined;
  /** Whether the journal holds a commit that was not synced yet (SaveOptions.deferSync). */
  private unsynced = false;
  private readonly syncFile: (fd: number) => void;

  /** `syncFile` makes a file's written bytes durable (fdatasync); tests count its calls. */
  constructor(dir: string, options: { syncFile?: (fd: number) => void } = {}) {
    this.syncFile = options.syncFile ?? fdatasyncSync;
    this.dir = resolve(dir);
    this.file = join(this.dir, STATE_FILE);
    this.journalFile = join(this.dir, JOURNAL_FILE);
    this.description = `local state directory ${displayPath(this.dir)}`;
    this.lockFile = new LockFile(join(this.dir, '.lock'), this.description);
  }

  childEnv(): Record<string, string> {
    const token = this.lockFile.heldToken;
    return { [STATE_DIR_ENV]: this.dir, ...(token ? { [LOCK_TOKEN_ENV]: token } : {}) };
  }

  /**
   * The journal is read before the state file: a writer folds the journal into a new state file
   * before it removes the journal, so whichever versions a reader meets, it misses no commit.
   */
  async load(): Promise<LoadedState | undefined> {
    this.view = undefined;
    const journal = await readIfExists(this.journalFile);
    const stored = await readIfExists(this.file);
    if (stored === undefined) {
      if (journal !== undefined) throw orphanJournal(this.journalFile, 'there is no state file beside it');
      return undefined;
    }
    const decoded = decodeStateFile(stored.bytes, displayPath(this.file), limits().maxStateBytes);
    if (decoded.kind === 'current') {
      const doc = this.readJournal(decoded.doc, stored.id, journal);
      return { doc };
    }
    if (journal !== undefined)
      throw orphanJournal(this.journalFile, 'the state file beside it is in the upstream format');

    const text = Buffer.from(stored.bytes).toString('utf8');
    const eventsPath = join(this.dir, LEGACY_EVENTS_FILE);
    const eventsFile = await readIfExists(eventsPath);
    const events =
      eventsFile === undefined
        ? undefined
        : decodeLegacyEvents(Buffer.from(eventsFile.bytes).toString('utf8'), displayPath(eventsPath));
    // The bash project ran in the directory that holds `state/`: its artifact paths are relative to
    // it, and so are the paths recorded here, wherever this command runs from.
    const project = this.projectDir();
    const files = new Map<string, { sha256: string; size: number }>();
    for (const path of legacyArtifactPaths(decoded.legacy)) {
      const digest = await digestIfExists(resolve(project, path));
      if (digest) files.set(path, digest);
    }
    const migrated = migrateLegacyState({
      legacy: decoded.legacy,
      ...(events ? { events } : {}),
      files,
      now: new Date().toISOString(),
      secretsDir: relative(project, join(this.dir, 'secrets')).split(sep).join('/'),
    });
    const notes = [...migrated.notes];
    if (resolve(project) !== process.cwd()) {
      notes.push(
        `artifact paths are relative to ${project}, the directory that holds the state directory, ` +
          'as the bash project kept them: run k0rdent-deploy from there',
      );
    }
    this.pendingMigration = { originalText: text, secrets: migrated.secrets };
    return { doc: migrated.doc, migration: { format: migrated.format, notes } };
  }

  /**
   * Persists `doc` merged with whatever the directory holds now (a phase's child process may have
   * committed meanwhile): one journal line with what is new, or a whole new file when there is none
   * yet, when it replaces an upstream file, or when the journal ends in a torn line.
   */
  async save(doc: StateDocument, options: SaveOptions = {}): Promise<StateDocument> {
    const sync = options.deferSync !== true;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (this.pendingMigration) {
      await this.finishPendingMigration();
      return this.fold(doc);
    }
    const view = await this.refresh();
    if (!view) {
      // No state file yet, or an upstream one (the one this document was migrated from): replaced,
      // keeping the original.
      await this.finishPendingMigration();
      return this.fold(doc);
    }
    const merged = mergeDocuments(view.doc, doc);
    const delta = diffDocuments(view.doc, merged);
    if (isEmptyDelta(delta)) {
      if (sync && this.unsynced) this.syncJournal();
      return merged;
    }
    if (view.journal?.torn) return this.fold(merged);
    const entry = checkedEntry(delta, this.journalFile);
    const header = view.journal === undefined ? journalHeader(merged.deployment_id) : '';
    const journalBytes = view.journal?.offset ?? 0;
    const addedBytes = Buffer.byteLength(header + entry, 'utf8');
    const { maxStateBytes } = limits();
    // The journal is read with the same limit as the file, and will be folded into it.
    if (view.snapshot.size + journalBytes + addedBytes > maxStateBytes) return this.fold(merged);

    const appended = this.append(header + entry, view.journal, sync);
    if (!view.journal) await syncDirectory(this.dir);
    this.view = {
      doc: merged,
      snapshot: view.snapshot,
      journal: {
        id: appended,
        offset: journalBytes + addedBytes,
        lines: (view.journal?.lines ?? 0) + (header ? 2 : 1),
        torn: false,
      },
    };
    if (journalBytes + addedBytes > Math.max(MIN_FOLD_BYTES, view.snapshot.size)) return this.fold(merged);
    return merged;
  }

  /** Where the bash project ran: the directory that holds the state directory. */
  private projectDir(): string {
    return dirname(this.dir);
  }

  lock(owner: LockOwner): Promise<StoreLock> {
    return mkdir(this.dir, { recursive: true, mode: 0o700 }).then(async () => {
      const held = await this.lockFile.acquire(owner);
      if (held.shared) {
        return {
          verify: () => held.verify(),
          release: async () => {
            if (this.unsynced) this.syncJournal();
            await held.release();
          },
        };
      }
      sweepLeftovers(this.dir, { pattern: WRITER_LEFTOVER, directory: false });
      return {
        verify: () => held.verify(),
        release: async () => {
          try {
            await this.foldOnRelease(held);
          } catch (error) {
            if (this.unsynced) {
              try {
                this.syncJournal();
              } catch {
                // Reported below with the fold's error: the journal is still what readers see.
              }
            }
            owner.onWarning(
              `could not fold ${displayPath(this.journalFile)} into ${displayPath(this.file)}: ` +
                `${error instanceof Error ? error.message : String(error)}. Nothing is lost: the journal keeps ` +
                'those commits, and the next writer folds it.',
            );
          } finally {
            await held.release();
          }
        },
      };
    });
  }

  async archive(doc: StateDocument, label: string): Promise<string> {
    const dir = join(this.dir, 'old_deployments');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = join(dir, `${doc.deployment_id}-${stamp}-${label}.yaml`);
    await writeFileAtomic(path, checkedText(doc, path));
    return displayPath(path);
  }

  /** Applies the journal to the state file's document and remembers both as the current view. */
  private readJournal(
    doc: StateDocument,
    snapshot: FileId,
    journal: { bytes: Uint8Array; id: FileId } | undefined,
  ): StateDocument {
    if (journal === undefined) {
      this.view = { doc, snapshot };
      return doc;
    }
    const text = Buffer.from(journal.bytes).toString('utf8');
    const decoded = decodeJournal(text, displayPath(this.journalFile), doc.deployment_id);
    const merged = mergeDeltas(doc, decoded.deltas);
    this.view = {
      doc: merged,
      snapshot,
      journal: { id: journal.id, offset: decoded.wholeBytes, lines: decoded.lines, torn: decoded.torn },
    };
    return merged;
  }

  /**
   * The view brought up to date: lines another process (sharing the lock) appended are read from
   * where this one stopped; a file replaced or rewritten meanwhile means reading everything again.
   */
  private async refresh(): Promise<View | undefined> {
    const view = this.view;
    if (view) {
      const snapshot = statSync(this.file, { throwIfNoEntry: false });
      const journal = statSync(this.journalFile, { throwIfNoEntry: false });
      if (snapshot && sameFile(idOf(snapshot), view.snapshot)) {
        if (!journal && !view.journal) return view;
        if (
          journal &&
          view.journal &&
          sameInode(journal, view.journal.id) &&
          journal.size >= view.journal.offset
        ) {
          if (journal.size === view.journal.offset) return view;
          return this.readAppended(view, journal.size);
        }
      }
    }
    await this.load();
    return this.view;
  }

  private readAppended(view: View, size: number): View {
    const previous = view.journal;
    if (!previous) return view;
    const fd = openSync(this.journalFile, 'r');
    let bytes: Buffer;
    try {
      bytes = Buffer.alloc(size - previous.offset);
      bytes = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, previous.offset));
    } finally {
      closeSync(fd);
    }
    const decoded = decodeJournal(
      bytes.toString('utf8'),
      displayPath(this.journalFile),
      view.doc.deployment_id,
      previous.lines + 1,
    );
    this.view = {
      doc: mergeDeltas(view.doc, decoded.deltas),
      snapshot: view.snapshot,
      journal: {
        id: previous.id,
        offset: previous.offset + decoded.wholeBytes,
        lines: previous.lines + decoded.lines,
        torn: decoded.torn,
      },
    };
    return this.view;
  }

  /**
   * Appends, and syncs unless `sync` is false (the caller syncs a new journal's name into the
   * directory). A write that fails (a full disk) is cut back off, so the journal never keeps half a
   * line of a commit that failed. Returns the identity of the file written, read from the same
   * open file.
   */
  private append(text: string, journal: View['journal'], sync: boolean): Pick<FileId, 'dev' | 'ino'> {
    let fd: number;
    try {
      fd = openSync(this.journalFile, 'a', 0o600);
    } catch (error) {
      throw naming(error, this.journalFile);
    }
    try {
      const info = fstatSync(fd);
      const before = journal === undefined ? 0 : info.size;
      try {
        let rest = Buffer.from(text, 'utf8');
        if (failpointDue('store:mid-write')) {
          // A crash test's torn write: half the line on disk, then the process dies.
          const half = Math.floor(rest.length / 2);
          writeAll(fd, rest.subarray(0, half));
          this.syncFile(fd);
          rest = rest.subarray(half);
        }
        failpoint('store:mid-write');
        writeAll(fd, rest);
        // Syncing the file syncs every commit appended before this one too.
        if (sync) this.syncFile(fd);
        this.unsynced = !sync;
      } catch (error) {
        try {
          ftruncateSync(fd, before);
        } catch {
          // The next reader drops a torn last line; nothing more to do here.
        }
        if (!journal) {
          try {
            rmSync(this.journalFile, { force: true });
          } catch {
            // Left for the next writer: an empty journal holds no commits, a torn line is dropped.
          }
        }
        throw naming(error, this.journalFile);
      }
      return { dev: info.dev, ino: info.ino };
    } finally {
      closeSync(fd);
    }
  }

  /** Makes the journal's unsynced commits durable (none left if it was folded meanwhile). */
  private syncJournal(): void {
    let fd: number;
    try {
      fd = openSync(this.journalFile, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.unsynced = false;
        return;
      }
      throw naming(error, this.journalFile);
    }
    try {
      this.syncFile(fd);
      this.unsynced = false;
    } catch (error) {
      throw naming(error, this.journalFile);
    } finally {
      closeSync(fd);
    }
  }

  /** Writes `doc` as the new state file (synced), then removes the journal it holds. */
  private async fold(doc: StateDocument): Promise<StateDocument> {
    await writeFileAtomic(this.file, checkedText(doc, this.file, this.view?.journal !== undefined));
    this.unsynced = false;
    await rm(this.journalFile, { force: true });
    this.view = { doc, snapshot: idOf(await stat(this.file)) };
    return doc;
  }

  /** The owner, on release: the journal folded into the file, so that at rest the file is the state. */
  private async foldOnRelease(held: StoreLock): Promise<void> {
    if ((await statIfExists(this.journalFile)) === undefined) return;
    await held.verify();
    const view = await this.refresh();
    if (view?.journal) await this.fold(view.doc);
    else if (this.unsynced) this.syncJournal();
  }

  /** First rewrite of a migrated file: keep the original, move its plaintext keys into 600 files. */
  private async finishPendingMigration(): Promise<void> {
    const pending = this.pendingMigration;
    if (!pending) return;
    const backup = this.file + BACKUP_SUFFIX;
    if ((await readIfExists(backup)) === undefined) {
      await writeFile(backup, pending.originalText, { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      });
    }
    for (const secret of pending.secrets) {
      const path = resolve(this.projectDir(), secret.path);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, secret.value, 0o600);
    }
    this.pendingMigration = undefined;
  }
}

/** A journal line for `delta`, refused unless a reader would accept it back. */
function checkedEntry(delta: StateDelta, journal: string): string {
  const result = StateDeltaSchema.safeParse(delta);
  if (!result.success) {
    throw new UserError(
      `refusing to write to ${displayPath(journal)}: the change would not be readable back ` +
        `(${result.error.issues.map((i) => i.message).join('; ')}); the state was not changed`,
    );
  }
  return encodeJournalEntry(delta);
}

/** The YAML text of `doc`, refused unless it reads back as it is: within the size limit and valid. */
function checkedText(doc: StateDocument, path: string, journalKept = false): string {
  const text = encodeState(doc);
  const { maxStateBytes } = limits();
  const kept = journalKept
    ? 'the state file and its journal were not changed'
    : 'the state file was not changed';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxStateBytes) {
    throw new UserError(
      `refusing to write ${displayPath(path)}: it would be ${bytes} bytes, over the limit of ${maxStateBytes} bytes ` +
        `(${LIMIT_ENV.maxStateBytes}) that every read applies; ${kept}. Raise the limit if the state really is this large.`,
    );
  }
  try {
    decodeState(text, displayPath(path), maxStateBytes);
  } catch (error) {
    throw new UserError(
      `refusing to write ${displayPath(path)}: it would not read back (${error instanceof Error ? error.message : String(error)}); ${kept}`,
    );
  }
  return text;
}

function orphanJournal(journal: string, why: string): FileError {
  return new FileError(
    displayPath(journal),
    [{ path: '', message: `cannot be applied: ${why}` }],
    'Nothing was changed. Restore the state file it belongs to, or move the journal aside.',
  );
}

/**
 * Leftovers of writers that were killed: temp files of a whole-file write or of a lock being taken,
 * and stale locks moved aside. Each name carries its writer's pid; only a dead writer's are removed.
 */
const WRITER_LEFTOVER =
  /^(?:\.deployment-state\.yaml\.(\d+)\.[0-9a-f]+\.tmp|\.lock\.(\d+)\.[0-9a-f]+\.tmp|\.lock\.stale\.(\d+)\.[0-9a-f]+)$/;

async function statIfExists(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function idOf(s: { dev: number; ino: number; size: number; mtimeMs: number }): FileId {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
}

function sameFile(a: FileId, b: FileId): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function sameInode(a: { dev: number; ino: number }, b: Pick<FileId, 'dev' | 'ino'>): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** writeSync may write less than asked (a signal, a nearly full disk): write the rest. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
}

/** Reads a file unless it is absent; a file over the state limit is refused before it is read. */
async function readIfExists(
  path: string,
  maxBytes = limits().maxStateBytes,
): Promise<{ bytes: Uint8Array; id: FileId } | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    // Size, identity and content of the same open file, even if the name is replaced meanwhile.
    const info = await handle.stat();
    if (info.size > maxBytes) {
      throw new FileError(displayPath(path), [
        {
          path: '',
          message: `file is ${info.size} bytes, over the limit of ${maxBytes} bytes (${LIMIT_ENV.maxStateBytes}); it was not read or changed`,
        },
      ]);
    }
    const bytes = await handle.readFile();
    return { bytes, id: { ...idOf(info), size: bytes.length } };
  } finally {
    await handle.close();
  }
}

/** Paths in messages are relative to the working directory when inside it, as a user typed them. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
