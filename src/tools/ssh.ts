/**
 * SSH to a VM with the deployment's own key and known_hosts file: fixed remote commands (never built
 * from inputs), host keys accepted on first use and refused when they change, every connection
 * bounded in time. A failure says which kind it is, because the callers treat them differently: a
 * VM that is still booting is waited for, a changed host key is never retried.
 */
import { runTool, type ToolOptions } from './tool.js';

export interface SshTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  readonly connectTimeoutSeconds: number;
}

/** What went wrong, when something did. */
export type SshFailure =
  /** The host answered with another key than the one known_hosts holds for it. */
  | 'host-key-changed'
  /** The host refused the key. */
  | 'key-refused'
  /** Nothing answered, or the connection broke. */
  | 'unreachable'
  /** Connected; the remote command exited non-zero. */
  | 'command-failed'
  | 'other';

export interface SshResult {
  readonly ok: boolean;
  readonly failure?: SshFailure;
  /** `ok`, or what failed in one line (ssh's own last words). */
  readonly detail: string;
  /** The remote command's exit code (undefined when ssh itself failed). */
  readonly exitCode: number | undefined;
  readonly stdout: string;
}

/** The admin kubeconfig k0s writes on a controller (root-only, hence sudo; Azure's admin user has it). */
export const K0S_ADMIN_KUBECONFIG_COMMAND = 'sudo -n cat /var/lib/k0s/pki/admin.conf';

/** ssh's own exit code for its failures; anything else is the remote command's. */
const SSH_ERROR = 255;
/** A dead connection is noticed after this many seconds without an answer (3 probes 10 s apart). */
const SERVER_ALIVE_INTERVAL = 10;
const SERVER_ALIVE_COUNT = 3;

export function sshArgs(target: SshTarget, remoteCommand: string): string[] {
  return [
    '-i',
    target.keyPath,
    '-p',
    String(target.port),
    '-o',
    'BatchMode=yes',
    // Only the deployment's key: keys from an agent or ~/.ssh would count against MaxAuthTries.
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${target.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    // Plain host names, so the file says which VM has which key and an entry can be removed by name.
    '-o',
    'HashKnownHosts=no',
    '-o',
    `ConnectTimeout=${target.connectTimeoutSeconds}`,
    '-o',
    `ServerAliveInterval=${SERVER_ALIVE_INTERVAL}`,
    '-o',
    `ServerAliveCountMax=${SERVER_ALIVE_COUNT}`,
    '-o',
    'LogLevel=ERROR',
    `${target.user}@${target.host}`,
    remoteCommand,
  ];
}

/**
 * Runs a fixed command on the VM. With `secret`, standard output is data that must not be logged
 * (a kubeconfig): it is captured only, and the caller registers it as a secret.
 */
export async function sshRun(
  target: SshTarget,
  remoteCommand: string,
  options: ToolOptions & { secret?: boolean } = {},
): Promise<SshResult> {
  const result = await runTool('ssh', sshArgs(target, remoteCommand), { ...options, onLine: undefined });
  const lines = result.stderrTail.map((l) => l.trim()).filter((l) => l !== '');
  if (result.exitCode === 0) return { ok: true, detail: 'ok', exitCode: 0, stdout: result.stdout };
  const last = lines.at(-1);
  if (result.exitCode !== SSH_ERROR) {
    return {
      ok: false,
      failure: 'command-failed',
      detail: `\`${remoteCommand}\` exited with ${result.exitCode ?? 'a signal'}${last ? `: ${last}` : ''}`,
      exitCode: result.exitCode,
      stdout: result.stdout,
    };
  }
  const failure = classify(lines);
  return { ok: false, failure, detail: describe(failure, target, last), exitCode: undefined, stdout: '' };
}

function classify(lines: readonly string[]): SshFailure {
  const text = lines.join('\n');
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i.test(text))
    return 'host-key-changed';
  if (/Permission denied \(/i.test(text)) return 'key-refused';
  if (
    /Connection refused|Connection timed out|timed out during banner exchange|No route to host|Network is unreachable|Connection reset|Connection closed|closed by remote host|Could not resolve hostname|Broken pipe|Timeout, server/i.test(
      text,
    )
  )
    return 'unreachable';
  return 'other';
}

function describe(failure: SshFailure, target: SshTarget, last: string | undefined): string {
  const where = `${target.host}:${target.port}`;
  switch (failure) {
    case 'host-key-changed':
      return `the host key of ${where} is not the one recorded in ${target.knownHostsPath}`;
    case 'key-refused':
      return `${where} refused the key ${target.keyPath} for user ${target.user}`;
    default:
      return `ssh to ${where}: ${last ?? 'failed without a message'}`;
  }
}

/** What `cloud-init status` reports: `not run`, `running`, `done`, `error` or `disabled`. */
export type CloudInitStatus = 'not run' | 'running' | 'done' | 'error' | 'disabled';

export interface CloudInitCheck extends Omit<SshResult, 'stdout'> {
  readonly status?: CloudInitStatus;
}

/**
 * `cloud-init status` on the VM. It exits 1 for `error` (and, from cloud-init 23.4, 2 for a `done`
 * with recoverable errors), so the printed status decides, not the exit code.
 */
export async function cloudInitStatus(target: SshTarget, options: ToolOptions = {}): Promise<CloudInitCheck> {
  const result = await sshRun(target, 'cloud-init status', options);
  const printed = /^status:\s*(not run|running|done|error|disabled)\s*$/m.exec(result.stdout)?.[1] as
    CloudInitStatus | undefined;
  if (printed === undefined) {
    return {
      ok: false,
      failure: result.failure ?? 'other',
      detail: result.ok ? 'cloud-init status printed no status' : result.detail,
      exitCode: result.exitCode,
    };
  }
  return {
    ok: printed === 'done',
    status: printed,
    detail: `cloud-init status: ${printed}`,
    exitCode: result.exitCode,
  };
}
