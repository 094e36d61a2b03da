/**
 * One SSH check on a VM: a fixed remote command (never built from inputs), host keys accepted on first
 * use into a deployment's own known_hosts file, bounded by a connect timeout.
 */
import { runTool, type ToolOptions } from './tool.js';

export interface SshTarget {
  readonly host: string;
  readonly user: string;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  readonly connectTimeoutSeconds: number;
}

/** cloud-init finished and the tunnel interface exists. */
export const CLOUD_INIT_DONE_CHECK =
  'test -f /var/lib/cloud/instance/boot-finished && ip link show wg0 >/dev/null';

export async function sshCheck(
  target: SshTarget,
  remoteCommand: string,
  options: ToolOptions = {},
): Promise<{ ok: boolean; detail: string }> {
  const result = await runTool(
    'ssh',
    [
      '-i',
      target.keyPath,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${target.knownHostsPath}`,
      '-o',
      `ConnectTimeout=${target.connectTimeoutSeconds}`,
      '-o',
      'LogLevel=ERROR',
      `${target.user}@${target.host}`,
      remoteCommand,
    ],
    { ...options, onLine: undefined },
  );
  const last = result.stderrTail.filter((l) => l.trim() !== '').at(-1);
  return {
    ok: result.exitCode === 0,
    detail: result.exitCode === 0 ? 'ok' : `exit ${result.exitCode ?? '?'}${last ? `: ${last}` : ''}`,
  };
}

/** Words a remote command may be made of: ssh joins them into one shell line on the far side. */
const SAFE_WORD = /^[A-Za-z0-9._:/=@+-]+$/;

/**
 * Runs a command on a VM and returns its output. The command is a list of plain words (checked, since
 * the remote shell joins them), never a string built from inputs.
 */
export async function sshRun(
  target: SshTarget,
  command: readonly string[],
  options: ToolOptions = {},
): Promise<{ exitCode: number | undefined; stdout: string; stderrTail: readonly string[] }> {
  const unsafe = command.find((word) => !SAFE_WORD.test(word));
  if (unsafe !== undefined) throw new Error(`refusing to send ${JSON.stringify(unsafe)} to a remote shell`);
  return runTool(
    'ssh',
    [
      '-i',
      target.keyPath,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      `UserKnownHostsFile=${target.knownHostsPath}`,
      '-o',
      `ConnectTimeout=${target.connectTimeoutSeconds}`,
      '-o',
      'LogLevel=ERROR',
      `${target.user}@${target.host}`,
      ...command,
    ],
    { ...options, onLine: undefined },
  );
}
