/**
 * State in a local directory (default ./state): `deployment-state.yaml`, a `.lock`, archives under
 * `old_deployments/`, and, for a migrated upstream file, its original kept as `*.pre-v2.bak`.
 * Files are private to the user (mode 600, directory 700): they may hold sensitive material.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { FileError } from '../errors.js';
import { LIMIT_ENV, limits } from '../limits.js';
import { decodeLegacyEvents, decodeState, encodeState } from '../state/codec.js';
import { mergeDocuments } from '../state/merge.js';
import { legacyArtifactPaths, migrateLegacyState, type ExtractedSecret } from '../state/migrate.js';
import type { StateDocument } from '../state/schema.js';
import { digestIfExists } from '../tools/file-digest.js';
import { writeFileAtomic } from './atomic-file.js';
import { LOCK_TOKEN_ENV, LockFile } from './lock-file.js';
import type { LoadedState, LockOwner, StateStore, StoreLock } from './store.js';

export const STATE_FILE = 'deployment-state.yaml';
export const LEGACY_EVENTS_FILE = 'deployment-events.yaml';
export const BACKUP_SUFFIX = '.pre-v2.bak';
export const STATE_DIR_ENV = 'K0RDENT_STATE_DIR';

interface PendingMigration {
  readonly originalText: string;
  readonly secrets: readonly ExtractedSecret[];
}

export class LocalStateStore implements StateStore {
  readonly dir: string;
  readonly file: string;
  readonly description: string;
  private readonly lockFile: LockFile;
  private pendingMigration: PendingMigration | undefined;

  constructor(dir: string) {
    this.dir = resolve(dir);
    this.file = join(this.dir, STATE_FILE);
    this.description = `local state directory ${displayPath(this.dir)}`;
    this.lockFile = new LockFile(join(this.dir, '.lock'), this.description);
  }

  childEnv(): Record<string, string> {
    const token = this.lockFile.heldToken;
    return { [STATE_DIR_ENV]: this.dir, ...(token ? { [LOCK_TOKEN_ENV]: token } : {}) };
  }

  async load(): Promise<LoadedState | undefined> {
    const text = await readIfExists(this.file);
    if (text === undefined) return undefined;
    const decoded = decodeState(text, displayPath(this.file), limits().maxStateBytes);
    if (decoded.kind === 'current') return { doc: decoded.doc };

    const eventsPath = join(this.dir, LEGACY_EVENTS_FILE);
    const eventsText = await readIfExists(eventsPath);
    const events =
      eventsText === undefined ? undefined : decodeLegacyEvents(eventsText, displayPath(eventsPath));
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

  async save(doc: StateDocument): Promise<StateDocument> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (this.pendingMigration) await this.finishMigration(this.pendingMigration);

    const currentText = await readIfExists(this.file);
    let merged = doc;
    if (currentText !== undefined) {
      const current = decodeState(currentText, displayPath(this.file), limits().maxStateBytes);
      // A legacy file on disk is the one this document was migrated from: it is replaced, not merged.
      if (current.kind === 'current') merged = mergeDocuments(current.doc, doc);
    }
    await writeFileAtomic(this.file, encodeState(merged));
    return merged;
  }

  /** Where the bash project ran: the directory that holds the state directory. */
  private projectDir(): string {
    return dirname(this.dir);
  }

  lock(owner: LockOwner): Promise<StoreLock> {
    return mkdir(this.dir, { recursive: true, mode: 0o700 }).then(() => this.lockFile.acquire(owner));
  }

  async archive(doc: StateDocument, label: string): Promise<string> {
    const dir = join(this.dir, 'old_deployments');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = join(dir, `${doc.deployment_id}-${stamp}-${label}.yaml`);
    await writeFileAtomic(path, encodeState(doc));
    return displayPath(path);
  }

  /** First rewrite of a migrated file: keep the original, move its plaintext keys into 600 files. */
  private async finishMigration(pending: PendingMigration): Promise<void> {
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

/** Reads a file unless it is absent; a file over `maxBytes` is refused before it is read. */
async function readIfExists(path: string, maxBytes = limits().maxStateBytes): Promise<string | undefined> {
  try {
    const { size } = await stat(path);
    if (size > maxBytes) {
      throw new FileError(displayPath(path), [
        {
          path: '',
          message: `file is ${size} bytes, over the limit of ${maxBytes} bytes (${LIMIT_ENV.maxStateBytes}); it was not read or changed`,
        },
      ]);
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Paths in messages are relative to the working directory when inside it, as a user typed them. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
