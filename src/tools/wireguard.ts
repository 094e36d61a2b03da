/**
 * WireGuard on the hub: `wg-quick up|down` on a config file (needs root), the latest handshake per
 * peer from `wg show`, and installing wireguard-tools where it is missing (apt, as on GitHub runners).
 */
import { asRoot, onPath, runTool, runToolOrThrow, ToolFailedError, type ToolOptions } from './tool.js';

export async function wgQuickUp(configPath: string, options: ToolOptions = {}): Promise<void> {
  const [file, args] = asRoot('wg-quick', ['up', configPath]);
  await runToolOrThrow('wg-quick up', file, args, options);
}

/** Brings the interface down; `absent` when it was not up. */
export async function wgQuickDown(configPath: string, options: ToolOptions = {}): Promise<'down' | 'absent'> {
  const [file, args] = asRoot('wg-quick', ['down', configPath]);
  const result = await runTool(file, args, options);
  if (result.exitCode === 0) return 'down';
  if (
    result.stderrTail.some((line) => /is not a WireGuard interface|does not exist|No such device/i.test(line))
  )
    return 'absent';
  throw new ToolFailedError('wg-quick down failed', result.exitCode, result.stderrTail);
}

/**
 * Latest handshake per peer public key, in epoch seconds (0: never); undefined when the interface is
 * not up.
 */
export async function wgLatestHandshakes(
  iface: string,
  options: ToolOptions = {},
): Promise<Map<string, number> | undefined> {
  const [file, args] = asRoot('wg', ['show', iface, 'latest-handshakes']);
  const result = await runTool(file, args, { ...options, onLine: undefined });
  if (result.exitCode !== 0) return undefined;
  const handshakes = new Map<string, number>();
  for (const line of result.stdout.split('\n')) {
    const [key, at] = line.trim().split(/\s+/);
    if (key && at !== undefined && /^\d+$/.test(at)) handshakes.set(key, Number(at));
  }
  return handshakes;
}

/** Installs wireguard-tools with apt when `wg-quick` is missing; returns whether it installed. */
export async function ensureWireguardTools(options: ToolOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  if (await onPath('wg-quick', env)) return false;
  if (!(await onPath('apt-get', env))) {
    throw new ToolFailedError(
      'wireguard-tools is not installed and apt-get is not available to install it; install wireguard-tools (wg, wg-quick) and run again',
      undefined,
      [],
    );
  }
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = asRoot('apt-get', ['update', '-qq']);
  await runToolOrThrow('apt-get update', update[0], update[1], { ...options, env: aptEnv });
  const install = asRoot('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wireguard-tools']);
  await runToolOrThrow('installing wireguard-tools', install[0], install[1], { ...options, env: aptEnv });
  if (!(await onPath('wg-quick', env))) {
    throw new ToolFailedError(
      'wireguard-tools was installed but wg-quick is still not on PATH',
      undefined,
      [],
    );
  }
  return true;
}
