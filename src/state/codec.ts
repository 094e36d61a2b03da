/**
 * Reading and writing the state file's text. Reading validates everything and never guesses: a
 * file that fails validation is reported field by field and left exactly as it is.
 */
import { dump } from 'js-yaml';
import { FileError } from '../errors.js';
import {
  LegacyEventsSchema,
  LegacyStateSchema,
  isLegacyState,
  normalizeLegacyShape,
  type LegacyEvents,
  type LegacyState,
} from './migrate.js';
import { SCHEMA_VERSION, StateDocumentSchema, type StateDocument } from './schema.js';
import { parseYaml, validateYaml } from './yaml-validation.js';

/** Large enough for years of events; small enough that a hostile file cannot exhaust memory. */
export const DEFAULT_MAX_STATE_BYTES = 32 * 1024 * 1024;

export type DecodedState =
  | { readonly kind: 'current'; readonly doc: StateDocument }
  | { readonly kind: 'legacy'; readonly legacy: LegacyState };

const ADVICE =
  'The state file was not changed. Fix the field named above, or restore the file from a backup ' +
  '(a migrated file keeps its original next to it as *.pre-v2.bak).';

export function decodeState(text: string, file: string, maxBytes = DEFAULT_MAX_STATE_BYTES): DecodedState {
  const parsed = parseYaml(text, file, { maxBytes }, ADVICE);
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FileError(file, [{ path: '', message: 'expected a mapping (a YAML object) at the top level' }], ADVICE);
  }
  const version = (value as Record<string, unknown>).schema_version;
  if (version === undefined && isLegacyState(value)) {
    const legacy = { ...parsed, value: normalizeLegacyShape(value as Record<string, unknown>) };
    return { kind: 'legacy', legacy: validateYaml(LegacyStateSchema, legacy, file, ADVICE) };
  }
  if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
    throw new FileError(
      file,
      [
        {
          path: 'schema_version',
          message: `is ${version}, newer than this k0rdent-deploy understands (up to ${SCHEMA_VERSION})`,
        },
      ],
      'The file was not changed. Use the k0rdent-deploy version that wrote it, or a newer one.',
    );
  }
  const doc = validateYaml(StateDocumentSchema, parsed, file, ADVICE);
  // A cut at a line boundary can leave valid YAML and a valid, shorter document: only the marker that
  // ends every file this code writes tells a whole file from a truncated one.
  if (!text.trimEnd().endsWith(END_MARKER)) {
    throw new FileError(
      file,
      [{ path: '', message: `the end marker "${END_MARKER}" is missing: the file was truncated, or not written whole` }],
      ADVICE,
    );
  }
  return { kind: 'current', doc };
}

export function decodeLegacyEvents(text: string, file: string, maxBytes = DEFAULT_MAX_STATE_BYTES): LegacyEvents {
  const parsed = parseYaml(text, file, { maxBytes });
  return validateYaml(LegacyEventsSchema, parsed, file);
}

const HEADER =
  '# k0rdent-deploy deployment state (schema 2). Written by k0rdent-deploy and validated on every read;\n' +
  '# change it with the k0rdent-deploy commands (reset, rollback, migrate), not by hand.\n';

/** The last line of every state file written; see decodeState. */
export const END_MARKER = '# end of k0rdent-deploy state';

export function encodeState(doc: StateDocument): string {
  return HEADER + dump(doc, { lineWidth: -1, noRefs: true }) + END_MARKER + '\n';
}
