/**
 * Moving a deployment's recorded files from one state directory to another (`state pull` into
 * `--state-dir other`, and `state push` back). Recorded paths are relative to the working directory;
 * the stored form keeps the state directory the actions use (`state/`), so a state pulled into any
 * directory and pushed again reads the same on a runner. Pure: only the `path` of records changes,
 * stamps do not (the files are the same ones; no writer changed them).
 */
import type { StateDocument } from './schema.js';

/** The state directory of stored state: the actions' workspace `state/`, the CLI's default. */
export const CANONICAL_STATE_DIR = 'state';

/**
 * Where stored files that lie outside the state directory go under it (reserved names: a phase's own
 * file at `state/workspace/…` would come back from a round trip without that prefix).
 */
const OUTSIDE = 'workspace';
const SECRETS = 'secrets';

function under(path: string, dir: string): string | undefined {
  const prefix = `${dir.replace(/\/+$/, '')}/`;
  return dir === '.' ? path : path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}

function join(dir: string, rest: string): string {
  return dir === '.' ? rest : `${dir.replace(/\/+$/, '')}/${rest}`;
}

/**
 * The local path (relative to the working directory) of a stored path, for a state directory at
 * `stateDir` (relative too). Files outside the stored state directory are kept inside the local one,
 * sensitive ones under its secrets.
 */
export function localPath(stored: string, sensitive: boolean, stateDir: string): string {
  const inside = under(stored, CANONICAL_STATE_DIR);
  if (inside !== undefined) return join(stateDir, inside);
  return join(stateDir, sensitive ? `${SECRETS}/${OUTSIDE}/${stored}` : `${OUTSIDE}/${stored}`);
}

/** The stored path of a local one: the inverse of localPath; paths outside the state directory stay. */
export function storedPath(local: string, sensitive: boolean, stateDir: string): string {
  const inside = under(local, stateDir);
  if (inside === undefined) return local;
  const outside = under(inside, sensitive ? `${SECRETS}/${OUTSIDE}` : OUTSIDE);
  return outside ?? join(CANONICAL_STATE_DIR, inside);
}

/** The document with every artifact's path mapped; the same object when nothing moves. */
export function relocateArtifacts(
  doc: StateDocument,
  map: (path: string, sensitive: boolean) => string,
): StateDocument {
  let changed = false;
  const artifacts: StateDocument['artifacts'] = {};
  for (const [name, record] of Object.entries(doc.artifacts)) {
    const path = map(record.path, record.sensitive);
    if (path !== record.path) changed = true;
    artifacts[name] = path === record.path ? record : { ...record, path };
  }
  return changed ? { ...doc, artifacts } : doc;
}
