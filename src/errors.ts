/**
 * Error classes shared by every layer. Each maps to one CLI exit code, so the top-level catch can
 * tell a user mistake (what to change) from a failed phase or a held lock.
 */

export const ExitCode = {
  ok: 0,
  phaseFailed: 1,
  invalidInput: 2,
  locked: 3,
  environment: 4,
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

/**
 * The machine, not the input, stopped k0rdent-deploy: a full disk, a path it may not write, a
 * read-only file system. Exit code 4. The message names the path and what to do.
 */
export class EnvironmentError extends Error {
  readonly exitCode: ExitCode = ExitCode.environment;
  override readonly name = 'EnvironmentError';
  constructor(
    message: string,
    readonly code: string,
    readonly path: string | undefined,
  ) {
    super(message);
  }
}

const ENVIRONMENT_CODES: Readonly<Record<string, { what: string; advice: string }>> = {
  ENOSPC: {
    what: 'no space is left on its device',
    advice: 'Free space there (or point --state-dir / K0RDENT_STATE_DIR elsewhere) and run again',
  },
  EDQUOT: {
    what: "the user's disk quota is used up",
    advice: 'Free space within the quota (or point --state-dir / K0RDENT_STATE_DIR elsewhere) and run again',
  },
  EACCES: {
    what: 'permission denied',
    advice: 'Give this user access to it (or point --state-dir / K0RDENT_STATE_DIR at a directory it owns)',
  },
  EPERM: {
    what: 'the operation is not permitted',
    advice:
      'Check its owner and attributes (or point --state-dir / K0RDENT_STATE_DIR at a directory this user owns)',
  },
  EROFS: {
    what: 'the file system is read-only',
    advice: 'Use a writable location (--state-dir / K0RDENT_STATE_DIR)',
  },
  ENOTDIR: {
    what: 'a part of that path is a file, not a directory',
    advice: 'Move that file aside, or use another path',
  },
  EISDIR: {
    what: 'it is a directory where a file belongs',
    advice: 'Move that directory aside, or use another path',
  },
  EEXIST: {
    what: 'something already exists there that k0rdent-deploy did not expect',
    advice: 'Look at what it is, move it aside, and run again',
  },
};

/**
 * The EnvironmentError for a file system error (ENOSPC, EACCES, EROFS, ENOTDIR, EEXIST, …) from
 * Node, or undefined for any other error.
 */
export function environmentErrorOf(
  error: unknown,
  display: (path: string) => string = (path) => path,
): EnvironmentError | undefined {
  if (error instanceof EnvironmentError) return error;
  if (!(error instanceof Error)) return undefined;
  const { code, path, dest, syscall } = error as NodeJS.ErrnoException & { dest?: string };
  const known = code === undefined ? undefined : ENVIRONMENT_CODES[code];
  if (!known || code === undefined) return undefined;
  const where = path === undefined ? 'a file' : display(path);
  const what = code === 'EEXIST' && syscall === 'mkdir' ? 'it exists and is not a directory' : known.what;
  const verb = syscall ? ` (${syscall}${dest === undefined ? '' : ` to ${display(dest)}`})` : '';
  return new EnvironmentError(
    `cannot use ${where}${verb}: ${what} (${code}). ${known.advice}. ` +
      'State that was committed before is intact: every write is whole or not at all.',
    code,
    path,
  );
}

export function exitCodeOf(error: unknown): ExitCode {
  if (
    error instanceof UserError ||
    error instanceof StateLockedError ||
    error instanceof PhaseFailedError ||
    error instanceof EnvironmentError
  ) {
    return error.exitCode;
  }
  return environmentErrorOf(error)?.exitCode ?? ExitCode.phaseFailed;
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
