/**
 * Reading and writing the state file's text. Reading validates everything and never guesses: a
 * file that fails validation is reported field by field and left exactly as it is.
 */
import { dump } from 'js-yaml';
import { FileError } from '../errors.js';
import { LIMIT_ENV } from '../limits.js';
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

const HEADER_FIRST_LINE = '# k0rdent-deploy deployment state';
const HEADER =
  `${HEADER_FIRST_LINE} (schema 2). Written by k0rdent-deploy and validated on every read;\n` +
  '# change it with the k0rdent-deploy commands (reset, rollback, migrate), not by hand.\n';

/** The last line of every state file written; see decodeState. */
export const END_MARKER = '# end of k0rdent-deploy state';

export type DecodedState =
  | { readonly kind: 'current'; readonly doc: StateDocument }
  | { readonly kind: 'legacy'; readonly legacy: LegacyState };

const ADVICE =
  'The state file was not changed. Fix the field named above, or restore the file from a backup ' +
  '(a migrated file keeps its original next to it as *.pre-v2.bak).';

const TRUNCATED_ADVICE =
  'The state file was not changed. k0rdent-deploy writes it whole or not at all, so something else cut it ' +
  '(a copy that did not finish, a full disk outside k0rdent-deploy): restore it from where it came from or ' +
  'from a backup (old_deployments/ keeps the states archived by a reset or rollback).';

const OVERSIZE_ADVICE =
  'The state file was not read or changed. If the state really has grown this large, raise the limit ' +
  `(${LIMIT_ENV.maxStateBytes}); otherwise the file is not a k0rdent-deploy state.`;

export interface DecodeOptions {
  /** The file's size as stored, when the caller read it as bytes (the text may count differently). */
  readonly bytes?: number;
}

export function decodeState(
  text: string,
  file: string,
  maxBytes = DEFAULT_MAX_STATE_BYTES,
  options: DecodeOptions = {},
): DecodedState {
  const size = options.bytes ?? Buffer.byteLength(text, 'utf8');
  if (size > maxBytes) {
    throw new FileError(
      file,
      [{ path: '', message: `file is ${size} bytes, over the limit of ${maxBytes} bytes` }],
      OVERSIZE_ADVICE,
    );
  }
  // A file this code wrote begins with its header and ends with its marker. One that begins but does
  // not end was cut short: that is the news, whatever the cut left for the parser and the schema.
  const whole = text.trimEnd().endsWith(END_MARKER);
  if (!whole && beginsLikeOurs(text)) throw truncated(file, text);
  const parsed = parseYaml(text, file, { maxBytes, bytes: size }, ADVICE);
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
  // A cut at a line boundary can leave valid YAML and a valid, shorter document: only the marker that
  // ends every file this code writes tells a whole file from a truncated one.
  if (!whole) throw truncated(file, text);
  return { kind: 'current', doc: validateYaml(StateDocumentSchema, parsed, file, ADVICE) };
}

/** Starts with the header this code writes, or with a piece of it (a file cut inside its first line). */
function beginsLikeOurs(text: string): boolean {
  return text.startsWith(HEADER_FIRST_LINE) || (text !== '' && HEADER_FIRST_LINE.startsWith(text));
}

/**
 * A state file as stored, read as bytes: its size is what is on disk, and bytes that are not UTF-8
 * (a binary file, another encoding) are named as such instead of being re-encoded and measured.
 */
export function decodeStateFile(bytes: Uint8Array, file: string, maxBytes = DEFAULT_MAX_STATE_BYTES): DecodedState {
  if (bytes.length > maxBytes) {
    throw new FileError(
      file,
      [{ path: '', message: `file is ${bytes.length} bytes, over the limit of ${maxBytes} bytes` }],
      OVERSIZE_ADVICE,
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new FileError(
      file,
      [{ path: '', message: 'is not UTF-8 text (a binary file, or text in another encoding)' }],
      'The file was not changed. It is not a k0rdent-deploy state: restore the state file from a backup.',
    );
  }
  return decodeState(text, file, maxBytes, { bytes: bytes.length });
}

function truncated(file: string, text: string): FileError {
  const lines = text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return new FileError(
    file,
    [
      {
        path: '',
        message:
          `the file is truncated: it ends after ${lines} line${lines === 1 ? '' : 's'} ` +
          `(${Buffer.byteLength(text, 'utf8')} bytes) without the end marker "${END_MARKER}" that every state file ends with`,
      },
    ],
    TRUNCATED_ADVICE,
  );
}

export function decodeLegacyEvents(text: string, file: string, maxBytes = DEFAULT_MAX_STATE_BYTES): LegacyEvents {
  const parsed = parseYaml(text, file, { maxBytes });
  return validateYaml(LegacyEventsSchema, parsed, file);
}

export function encodeState(doc: StateDocument): string {
  return HEADER + dump(doc, { lineWidth: -1, noRefs: true }) + END_MARKER + '\n';
}
