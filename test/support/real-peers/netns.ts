/**
 * Two network namespaces joined by a veth pair, for a real WireGuard tunnel between a "hub" (the
 * runner) and a "VM". Every address lives inside the two namespaces; nothing is added to the
 * machine's own network. Names are unique per test run, and `remove()` stops every process left in
 * them (the wireguard-go daemons the test started) before deleting them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (argument array, bounded in time) and returns its outcome, failing or not. */
export async function command(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandOutput> {
  try {
    const { stdout, stderr } = await run(file, [...args], {
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 15_000,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? failed.message,
    };
  }
}

/** Like `command`, but a failure throws with what was run and what it said. */
export async function mustRun(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  const result = await command(file, args, options);
  if (result.code !== 0)
    throw new Error(`${file} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** The absolute path of a program on PATH (and the sbin folders, which a non-login PATH may lack). */
export function which(program: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const path = join(dir, program);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * What the machine lacks for these tests, each with what to do; empty when everything is there. The
 * tests fail with this list rather than skip: a test that quietly does not run proves nothing.
 */
export function missingForNamespaces(programs: readonly { name: string; pkg: string }[]): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push('root: network and mount namespaces need it (CI runs the tests as root)');
  if (!existsSync('/dev/net/tun'))
    missing.push('/dev/net/tun: the TUN device wireguard-go needs (in a container: --device /dev/net/tun)');
  for (const { name, pkg } of programs)
    if (!which(name)) missing.push(`${name}: install Debian's ${pkg} (.ci/run does)`);
  return missing;
}

export function requireTools(what: string, missing: readonly string[]): void {
  if (missing.length > 0)
    throw new Error(`${what} cannot run on this machine; missing:\n  - ${missing.join('\n  - ')}`);
}

export interface NamespacePair {
  readonly hub: string;
  readonly vm: string;
  /** The hub's and the VM's address on the veth link (inside the namespaces only). */
  readonly hubAddress: string;
  readonly vmAddress: string;
  /** Runs a program inside a namespace. */
  exec(
    namespace: string,
    file: string,
    args: readonly string[],
    options?: { env?: NodeJS.ProcessEnv },
  ): Promise<CommandOutput>;
  remove(): Promise<void>;
}

const PREFIX = 'k0rdent-test';

/** Namespaces of earlier runs whose process is gone (a crashed test run) are removed first. */
async function sweepStale(ip: string): Promise<void> {
  const listed = await command(ip, ['netns', 'list']);
  for (const line of listed.stdout.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = new RegExp(`^${PREFIX}-(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    await removeNamespace(ip, name);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function removeNamespace(ip: string, name: string): Promise<void> {
  // The processes in it are the test's own (wireguard-go): stopped by their ids, then the name goes.
  const pids = await command(ip, ['netns', 'pids', name]);
  for (const pid of pids.stdout.split('\n').filter((p) => /^\d+$/.test(p))) {
    try {
      process.kill(Number(pid), 'SIGTERM');
    } catch {
      // Gone already.
    }
  }
  for (let i = 0; i < 40; i++) {
    const left = await command(ip, ['netns', 'pids', name]);
    if (left.stdout.trim() === '') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await command(ip, ['netns', 'del', name]);
}

export async function createNamespacePair(): Promise<NamespacePair> {
  const ip = which('ip');
  if (!ip) throw new Error('ip (iproute2) is not installed');
  await sweepStale(ip);
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const hub = `${PREFIX}-${id}-hub`;
  const vm = `${PREFIX}-${id}-vm`;
  const hubAddress = '10.231.0.1';
  const vmAddress = '10.231.0.2';
  const created: string[] = [];
  const pair: NamespacePair = {
    hub,
    vm,
    hubAddress,
    vmAddress,
    exec: (namespace, file, args, options = {}) =>
      command(ip, ['netns', 'exec', namespace, file, ...args], options),
    async remove() {
      for (const name of created.splice(0)) await removeNamespace(ip, name);
    },
  };
  try {
    for (const name of [hub, vm]) {
      const added = await command(ip, ['netns', 'add', name]);
      if (added.code !== 0)
        throw new Error(`could not create network namespace ${name}: ${added.stderr.trim()}`);
      created.push(name);
      await mustRun(ip, ['-n', name, 'link', 'set', 'lo', 'up']);
    }
    const suffix = randomBytes(3).toString('hex');
    // Made inside the namespaces directly: the machine's own namespace never holds either end.
    await mustRun(ip, [
      'link',
      'add',
      `k0h${suffix}`,
      'netns',
      hub,
      'type',
      'veth',
      'peer',
      'name',
      `k0v${suffix}`,
      'netns',
      vm,
    ]);
    for (const [name, link, address] of [
      [hub, `k0h${suffix}`, hubAddress],
      [vm, `k0v${suffix}`, vmAddress],
    ] as const) {
      await mustRun(ip, ['-n', name, 'address', 'add', `${address}/30`, 'dev', link]);
      await mustRun(ip, ['-n', name, 'link', 'set', link, 'up']);
    }
    return pair;
  } catch (error) {
    await pair.remove();
    throw error;
  }
}

/**
 * Runs every clean-up step even when an earlier one fails (or when setup never got far enough to
 * make what a step cleans), then reports the first failure.
 */
export async function cleanUpAll(steps: readonly (() => unknown)[]): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'clean-up failed');
}
