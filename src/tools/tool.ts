/**
 * Running an external tool (k0sctl, helm, kubectl, wg-quick, ssh) with an argument array: a missing
 * tool and a failing one are told apart, and a command whose output is secret (a kubeconfig) never
 * has its standard output streamed, kept in an error message, or logged.
 */
import { delimiter, join } from 'node:path';
import { accessSync, constants, statSync } from 'node:fs';
import { runCommand } from './run-command.js';

export interface ToolOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly stdin?: string;
  readonly cwd?: string;
}

export interface ToolResult {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  /** The last lines of standard error (never standard output). */
  readonly stderrTail: readonly string[];
}

/** The tool is not installed (not on PATH). */
export class ToolNotFoundError extends Error {
  override readonly name = 'ToolNotFoundError';
  constructor(readonly tool: string) {
    super(`${tool} is not installed (not found on PATH)`);
  }
}

/** The tool ran and exited non-zero. */
export class ToolFailedError extends Error {
  override readonly name = 'ToolFailedError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly outputTail: readonly string[],
  ) {
    super(message);
  }
}

const STDERR_TAIL = 20;

/**
 * Runs `file args`. With `secret`, standard output is captured only (not streamed, not in errors);
 * otherwise both streams are streamed to `onLine` and stdout is also returned.
 */
export async function runTool(
  file: string,
  args: readonly string[],
  options: ToolOptions & { secret?: boolean } = {},
): Promise<ToolResult> {
  const stderr: string[] = [];
  const onLine = (line: string, stream: 'stdout' | 'stderr') => {
    if (stream === 'stderr') {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL) stderr.shift();
    }
    if (!options.secret || stream === 'stderr') options.onLine?.(line, stream);
  };
  try {
    const result = await runCommand(file, args, {
      ...(options.env ? { env: options.env } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      onLine,
      captureStdout: true,
      tailLines: 0,
    });
    return { exitCode: result.exitCode, stdout: result.stdout, stderrTail: stderr };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ToolNotFoundError(file);
    throw error;
  }
}

/** Like runTool, but a non-zero exit throws ToolFailedError naming what was being done. */
export async function runToolOrThrow(
  what: string,
  file: string,
  args: readonly string[],
  options: ToolOptions & { secret?: boolean } = {},
): Promise<ToolResult> {
  const result = await runTool(file, args, options);
  if (result.exitCode !== 0) {
    throw new ToolFailedError(
      `${what} failed: ${file} exited with code ${result.exitCode ?? 'unknown'}`,
      result.exitCode,
      result.stderrTail,
    );
  }
  return result;
}

/** Whether a command is on the PATH of `env` (without running it). */
export function onPath(
  command: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<boolean> {
  return Promise.resolve(findOnPathSync(command, env) !== undefined);
}

/** The executable file `command` names on the PATH of `env`, as a spawn would find it. */
export function findOnPathSync(
  command: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** Commands that need root: run directly as root, else through non-interactive sudo. */
export function asRoot(
  file: string,
  args: readonly string[],
  isRoot = process.getuid?.() === 0,
): [string, string[]] {
  return isRoot ? [file, [...args]] : ['sudo', ['-n', file, ...args]];
}
