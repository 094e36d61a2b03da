/**
 * Error classes shared by every layer. Each maps to one CLI exit code, so the top-level catch can
 * tell a user mistake (what to change) from a failed phase or a held lock.
 */

export const ExitCode = {
  ok: 0,
  phaseFailed: 1,
  invalidInput: 2,
  locked: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Something the user can fix: arguments, a pipeline or config file, a state file. Exit code 2. */
export class UserError extends Error {
  readonly exitCode: ExitCode = ExitCode.invalidInput;
  override readonly name: string = 'UserError';
}

/** One problem in a file, located where the parser knows it. */
export interface FileProblem {
  /** Dotted path of the offending field, e.g. `phases[2].needs[0]`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** A file that cannot be used as it is. Lists every problem found, each with path and line. */
export class FileError extends UserError {
  override readonly name: string = 'FileError';
  constructor(
    readonly file: string,
    readonly problems: readonly FileProblem[],
    readonly advice?: string,
  ) {
    super(formatFileProblems(file, problems, advice));
  }
}

export function formatFileProblems(file: string, problems: readonly FileProblem[], advice?: string): string {
  const lines = problems.map((p) => {
    const where =
      p.line === undefined ? file : `${file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
    return `${where}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
  });
  if (advice) lines.push(advice);
  return lines.join('\n');
}

/** The state is held by another writer. Exit code 3. */
export class StateLockedError extends Error {
  readonly exitCode: ExitCode = ExitCode.locked;
  override readonly name: string = 'StateLockedError';
}

/** A writer found its lock gone or taken before a commit: it stops without writing. Exit code 3. */
export class LockLostError extends StateLockedError {
  override readonly name: string = 'LockLostError';
}

/** A phase (or an undo step) failed; the state records it. Exit code 1. */
export class PhaseFailedError extends Error {
  readonly exitCode: ExitCode = ExitCode.phaseFailed;
  override readonly name = 'PhaseFailedError';
}

export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UserError || error instanceof StateLockedError || error instanceof PhaseFailedError) {
    return error.exitCode;
  }
  return ExitCode.phaseFailed;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
