/**
 * k0s's etcd membership, run on a controller over SSH: `k0s etcd member-list` (JSON: member name →
 * peer URL) and `k0s etcd leave --peer-address`, which removes another member — the step k0sctl asks
 * for when a controller's VM was replaced ("the host may have been replaced ... use `k0s etcd leave
 * --peer-address`", k0sctl v0.30.1 phase/validate_etcd_members.go). Leaving an address that is no
 * member fails in k0s ("peer not found"), so callers list first.
 */
import { remoteCommand, sshRun, type SshTarget } from './ssh.js';
import { ToolFailedError, type ToolOptions } from './tool.js';

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

/** The peer addresses of the cluster's etcd members, as a controller sees them. */
export async function etcdPeerAddresses(controller: SshTarget, options: ToolOptions = {}): Promise<string[]> {
  const result = await sshRun(
    controller,
    remoteCommand(['sudo', '-n', 'k0s', 'etcd', 'member-list']),
    options,
  );
  if (!result.ok)
    throw new ToolFailedError(`k0s etcd member-list on ${controller.host} failed`, result.exitCode, [
      result.detail,
    ]);
  // JSON on standard output: {"members": {name: peer URL}} (k0s cmd/etcd/list.go).
  let parsed: { members?: Record<string, string> };
  try {
    parsed = JSON.parse(result.stdout) as { members?: Record<string, string> };
  } catch {
    throw new ToolFailedError(`k0s etcd member-list on ${controller.host} printed no member list`, 0, []);
  }
  return Object.values(parsed.members ?? {}).flatMap((url) => {
    const host = /^https?:\/\/\[?([^\]/]+?)\]?:\d+/.exec(url)?.[1];
    return host ? [host] : [];
  });
}

/** Removes the member with this peer address, asking another controller. */
export async function etcdLeave(
  controller: SshTarget,
  peerAddress: string,
  options: ToolOptions = {},
): Promise<void> {
  if (!IPV4.test(peerAddress)) throw new Error(`not an IPv4 address: ${peerAddress}`);
  const result = await sshRun(
    controller,
    remoteCommand(['sudo', '-n', 'k0s', 'etcd', 'leave', '--peer-address', peerAddress]),
    options,
  );
  if (!result.ok)
    throw new ToolFailedError(
      `k0s etcd leave --peer-address ${peerAddress} on ${controller.host} failed`,
      result.exitCode,
      [result.detail],
    );
}
