/** Terminal output: colours (off for NO_COLOR, --no-color or a pipe) and duration formatting. */
import pc from 'picocolors';
import { redact } from '../secrets.js';
import { writeErr, writeOut } from './stdio.js';

export type Colors = ReturnType<typeof pc.createColors>;

export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly c: Colors;
}

export function createOutput(options: { color?: boolean; progressToStderr?: boolean } = {}): Output {
  const enabled = options.color ?? pc.isColorSupported;
  // Every line the CLI prints passes the redactor: a phase script may echo a key it was given.
  return {
    out: (text) => writeOut(redact(text) + '\n'),
    err: (text) => writeErr(redact(text) + '\n'),
    c: pc.createColors(enabled),
  };
}

/**
 * The width tables fit into: the terminal's columns, or $COLUMNS when set to a number (to ask for a
 * width when the output is not a terminal). Undefined otherwise: a pipe or a log gets everything.
 */
export function terminalWidth(): number | undefined {
  if (process.stdout.isTTY && process.stdout.columns > 0) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

export function statusColor(c: Colors, status: string): string {
  switch (status) {
    case 'completed':
      return c.green(status);
    case 'failed':
      return c.red(status);
    case 'in_progress':
      return c.yellow(status);
    case 'skipped':
      return c.dim(status);
    default:
      return status;
  }
}
