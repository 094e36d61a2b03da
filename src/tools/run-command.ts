/**
 * Runs an external command with an argument array (never a shell string built from inputs),
 * streaming its output line by line and keeping the tail for error reports.
 *
 * Every command's output passes the runner's `::add-mask::` protocol here, once, before anything
 * sees a line: the secret it hands over is registered and the line itself goes nowhere (not to
 * `onLine`, not into the tail), and the tail is redacted when the command ends. So a validator's
 * evidence or a failed undo's error, kept in the state, is masked like streamed output.
 */
import type { SpawnOptions } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { parseMaskCommand, redact, registerSecret } from '../secrets.js';
import { childEnvironment } from './child-env.js';
import { failpoint } from '../failpoints.js';
import { announceSpawn, prepareTracking, spawnFailed, trackGroup, untrackGroup } from './process-groups.js';

export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly stdin?: string;
  /** Lines kept for error messages (redacted). */
  readonly tailLines?: number;
  /** Collect stdout in full (for commands whose output is data, like `helm status -o json`). */
  readonly captureStdout?: boolean;
}

export interface CommandResult {
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  readonly tail: readonly string[];
  readonly stdout: string;
}

/** Grace period between SIGTERM and SIGKILL when the run is cancelled. */
const KILL_GRACE_MS = 5_000;

export async function runCommand(
  file: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  // Loaded on first use: commands that only read state (status, history) never start a process.
  const { spawn } = await import('node:child_process');
  const tailLimit = options.tailLines ?? 20;
  const tail: string[] = [];
  const captured: string[] = [];
  prepareTracking();
  const announced = announceSpawn();
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: { ...childEnvironment(options.env ?? process.env), ...announced.env },
    // No input to give: /dev/null, which a script reads as the same end of input as an empty pipe.
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    // Its own process group, so cancelling kills the whole tree a script may have started; and
    // tracked, so that it does not outlive this process (process-groups.ts).
    detached: true,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], spawnOptions);
    const group = child.pid;
    // A crash test's death between the spawn and the registration of the group (process-groups.ts).
    failpoint('spawn:before-track');
    if (group === undefined) spawnFailed(announced.seq);
    else trackGroup(group, announced.seq);
    const untrack = () => {
      if (group !== undefined) untrackGroup(group);
    };
    const lineSplitter = (stream: 'stdout' | 'stderr') => {
      const decoder = new StringDecoder('utf8');
      let pending = '';
      const emit = (line: string) => {
        const secret = parseMaskCommand(line);
        if (secret !== undefined) {
          registerSecret(secret);
          return;
        }
        tail.push(line);
        if (tail.length > tailLimit) tail.shift();
        options.onLine?.(line, stream);
      };
      return {
        write(chunk: Buffer) {
          const text = decoder.write(chunk);
          if (stream === 'stdout' && options.captureStdout) captured.push(text);
          const lines = (pending + text).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) emit(line.replace(/\r$/, ''));
        },
        end() {
          if (pending !== '') emit(pending);
          pending = '';
        },
      };
    };
    const out = lineSplitter('stdout');
    const err = lineSplitter('stderr');
    // Both are pipes (stdio above); the types cannot tell once stdin is either of two kinds.
    child.stdout?.on('data', (chunk: Buffer) => out.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.write(chunk));

    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });

    child.on('error', (error) => {
      untrack();
      options.signal?.removeEventListener('abort', cancel);
      reject(error);
    });
    child.on('close', (code, signal) => {
      untrack();
      options.signal?.removeEventListener('abort', cancel);
      if (killTimer) clearTimeout(killTimer);
      out.end();
      err.end();
      resolve({
        exitCode: code ?? undefined,
        signal: signal ?? undefined,
        tail: tail.map(redact),
        stdout: captured.join(''),
      });
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.stdin);
    }
  });
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
