/**
 * The files a built-in phase produces, written atomically with their mode (600 for secrets, in
 * 700 folders) and recorded as artifacts (path, sha256, size, sensitive flag), so they can be checked
 * against reality and, later, encrypted by a remote store.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { checkArtifact } from '../../state/artifacts.js';
import { sha256Hex } from '../../state/canonical.js';
import type { StateDocument } from '../../state/schema.js';
import { recordArtifact, removeArtifact } from '../../state/transitions.js';
import { writeFileAtomic } from '../../stores/atomic-file.js';
import { digestIfExists } from '../../tools/file-digest.js';
import { isContainedPath } from '../../state/names.js';
import { registerSecret } from '../../secrets.js';
import { PhaseConfigurationError, type PhaseContext } from '../phase.js';

export interface ArtifactFile {
  readonly name: string;
  readonly path: string;
  readonly content: string;
  readonly sensitive: boolean;
  readonly metadata?: Record<string, string | number | boolean>;
  /** The phase whose undo removes the file, when it is not the phase writing it. */
  readonly owner?: string;
}

export async function writeArtifact(context: PhaseContext, file: ArtifactFile): Promise<void> {
  if (file.sensitive) registerSecret(file.content);
  await mkdir(dirname(file.path), { recursive: true, mode: file.sensitive ? 0o700 : 0o755 });
  const existing = await readIfExists(file.path);
  if (existing !== file.content)
    await writeFileAtomic(file.path, file.content, file.sensitive ? 0o600 : 0o644);
  const sha256 = sha256Hex(file.content);
  const record = context.state.read().artifacts[file.name];
  const path = storedPath(file.path);
  if (record && !record.removed && record.sha256 === sha256 && record.path === path) return;
  context.state.update((doc, stamp) =>
    recordArtifact(doc, file.name, stamp, {
      path,
      sha256,
      size: Buffer.byteLength(file.content),
      phase: file.owner ?? context.phase,
      sensitive: file.sensitive,
      ...(file.metadata ? { metadata: file.metadata } : {}),
    }),
  );
}

/** Deletes the file and tombstones the artifact; tolerant of either being gone already. */
export async function removeArtifactFile(context: PhaseContext, name: string, path: string): Promise<void> {
  await rm(path, { force: true });
  const record = context.state.read().artifacts[name];
  if (record && !record.removed) {
    context.state.update((doc, stamp) => removeArtifact(doc, name, stamp, `${context.phase} undone`));
  }
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the file exists and is what the artifact record says. */
export async function artifactIntact(
  doc: StateDocument,
  name: string,
): Promise<{ ok: boolean; detail: string }> {
  const record = doc.artifacts[name];
  if (!record || record.removed) return { ok: false, detail: `artifact ${name} is not recorded` };
  const check = checkArtifact(record, await digestIfExists(resolve(record.path)));
  return check.ok ? { ok: true, detail: 'intact' } : { ok: false, detail: check.detail };
}

/** Paths inside the working directory are stored relative to it, so a state moves with its checkout. */
export function storedPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  if (!isContainedPath(rel)) {
    throw new PhaseConfigurationError(
      `${absolute} is outside the working directory ${process.cwd()}: the built-in phases keep their files ` +
        'under the state directory, which must be inside the working directory (use a relative --state-dir) ' +
        'so that another runner can restore them to the same place',
    );
  }
  return rel;
}
