/**
 * The journal beside a state file: one line per commit, each a delta (delta.ts) as JSON behind a
 * checksum of it, after a header line naming the deployment. Appending a line is a commit; the
 * state is the snapshot file with every whole line applied. Pure.
 *
 * A line is whole when its newline was written: a crash in the middle of an append leaves a last
 * line without one (or one that is not yet what was written), which was never acknowledged and is
 * ignored as torn. Any other line that does not check out is damage, and is reported with its line.
 */
import { FileError, type FileProblem } from '../errors.js';
import { sha256Hex } from './canonical.js';
import { StateDeltaSchema, type StateDelta } from './delta.js';
import { formatPath } from './yaml-validation.js';

const HEADER_PREFIX = '# k0rdent-deploy state journal of deployment ';
const CHECKSUM_CHARS = 16;

const ADVICE =
  'Nothing was changed. The journal holds the commits made since the state file was last rewritten; ' +
  'restore both files from a backup, or move the journal aside to fall back to the state file alone ' +
  '(losing those commits: a re-run then validates and re-runs what they recorded).';

export function journalHeader(deploymentId: string): string {
  return `${HEADER_PREFIX}${deploymentId}: one commit per line, folded into the state file by the next writer\n`;
}

export function encodeJournalEntry(delta: StateDelta): string {
  const json = JSON.stringify(delta);
  return `${sha256Hex(json).slice(0, CHECKSUM_CHARS)} ${json}\n`;
}

export interface DecodedJournal {
  readonly deltas: readonly StateDelta[];
  /** Bytes of `text` made of whole lines (a torn last line is not counted). */
  readonly wholeBytes: number;
  /** Whole lines in `text`. */
  readonly lines: number;
  /** Whether `text` ends in a line that was never finished. */
  readonly torn: boolean;
}

/**
 * Decodes journal text (the whole file, or what was appended since `firstLine`); `deploymentId` is
 * checked against the header when the text starts with it.
 */
export function decodeJournal(text: string, file: string, deploymentId: string, firstLine = 1): DecodedJournal {
  const deltas: StateDelta[] = [];
  let offset = 0;
  let line = firstLine;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    if (end === -1) return { deltas, wholeBytes: byteLength(text, offset), lines: line - firstLine, torn: true };
    const content = text.slice(offset, end);
    if (content.startsWith('#')) {
      if (line === 1) checkHeader(content, file, deploymentId);
    } else if (content !== '') {
      deltas.push(decodeEntry(content, file, line));
    }
    offset = end + 1;
    line++;
  }
  return { deltas, wholeBytes: byteLength(text, text.length), lines: line - firstLine, torn: false };
}

function checkHeader(content: string, file: string, deploymentId: string): void {
  const named = content.startsWith(HEADER_PREFIX) ? content.slice(HEADER_PREFIX.length).split(':', 1)[0] : undefined;
  if (named === deploymentId) return;
  throw new FileError(
    file,
    [
      {
        path: '',
        line: 1,
        message:
          named === undefined
            ? 'is not a k0rdent-deploy state journal (its first line is not the journal header)'
            : `is the journal of deployment "${named}", not of "${deploymentId}" whose state file is beside it`,
      },
    ],
    ADVICE,
  );
}

function decodeEntry(content: string, file: string, line: number): StateDelta {
  const space = content.indexOf(' ');
  const json = content.slice(space + 1);
  if (space !== CHECKSUM_CHARS || sha256Hex(json).slice(0, CHECKSUM_CHARS) !== content.slice(0, space)) {
    throw damaged(file, [{ path: '', line, message: 'the commit on this line does not match its checksum (the file was changed or damaged)' }]);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw damaged(file, [{ path: '', line, message: 'the commit on this line is not valid JSON' }]);
  }
  const result = StateDeltaSchema.safeParse(value);
  if (result.success) return result.data;
  throw damaged(
    file,
    result.error.issues.map((issue) => ({ path: formatPath(issue.path), line, message: issue.message })),
  );
}

function damaged(file: string, problems: FileProblem[]): FileError {
  return new FileError(file, problems, ADVICE);
}

function byteLength(text: string, end: number): number {
  return Buffer.byteLength(end === text.length ? text : text.slice(0, end), 'utf8');
}
