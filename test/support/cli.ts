/**
 * Runs the built k0rdent-deploy CLI as a process, in a scratch working directory, the way a user
 * does: `bin/k0rdent-deploy …` (and the npm package's bin) is `node dist/cli.js …`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function bundleDir(): string {
  const dir = process.env.K0RDENT_TEST_BUNDLE;
  if (!dir)
    throw new Error('K0RDENT_TEST_BUNDLE is not set: run the tests through jest (global setup builds it)');
  return dir;
}

export function cliPath(): string {
  return join(bundleDir(), 'cli.js');
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  readonly env?: Record<string, string | undefined>;
  /** Hard limit; the process is killed after it. */
  readonly timeoutMs?: number;
}

/** Environment without anything that would change the CLI's behaviour from outside the test. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (
      key.startsWith('K0RDENT_') ||
      key.startsWith('GITHUB_') ||
      key.startsWith('ACTIONS_') ||
      key.startsWith('INPUT_')
    ) {
      continue;
    }
    env[key] = value;
  }
  env.NO_COLOR = '1';
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export function startCli(args: readonly string[], options: CliOptions): ChildProcess {
  return spawn(process.execPath, [cliPath(), ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a crash test can kill it together with the phase scripts it started.
    detached: true,
  });
}

export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const child = startCli(args, options);
  return collect(child, options.timeoutMs ?? 30_000);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL');
      reject(new Error(`CLI did not finish within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** A scratch working directory, removed by the returned cleanup. */
export function scratchDir(prefix = 'k0rdent-deploy-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunOutcome {
  readonly phase: string;
  readonly display_name: string;
  readonly decision: string;
  readonly status: string;
  readonly reason: string;
  readonly duration_ms: number | null;
}

/** The phases of `run --json` output, in order, each with its name. */
export function runOutcomes(stdout: string): RunOutcome[] {
  const json = JSON.parse(stdout) as { phases: Record<string, Omit<RunOutcome, 'phase'>> };
  return Object.entries(json.phases).map(([phase, outcome]) => ({ phase, ...outcome }));
}
