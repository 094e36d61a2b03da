/**
 * `k0rdent-deploy vpn up|down`: the hub end of a deployment's WireGuard tunnel on this machine (the
 * upstream project's connect/disconnect), from the hub config recorded in the state, e.g. a state
 * directory written by `state pull`. Needs wireguard-tools and root (or passwordless sudo); without
 * either it says what to install or how to run it, and changes nothing.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.js';
import { readPeers } from '../phases/k0rdent/facts.js';
import { liveArtifacts } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';
import { BlobStateStore } from '../stores/blob-store.js';
import { digestIfExists } from '../tools/file-digest.js';
import { onPath, runTool } from '../tools/tool.js';
import { wgLatestHandshakes, wgQuickDown, wgQuickUp } from '../tools/wireguard.js';
import type { GlobalOptions } from './commands.js';
import { createOutput } from './output.js';
import { openStateSource } from './state-source.js';

const HUB_CONFIG = 'wireguard_hub_config';
const INSTALL_ADVICE =
  'install wireguard-tools (Debian/Ubuntu: sudo apt-get install wireguard-tools; Fedora: sudo dnf install wireguard-tools; macOS: brew install wireguard-tools) and run again';

export async function vpnCommand(
  options: GlobalOptions & { direction: string; wait?: number },
): Promise<number> {
  const term = createOutput(options.color === undefined ? {} : { color: options.color });
  if (options.direction !== 'up' && options.direction !== 'down') {
    throw new UserError(`vpn ${options.direction}: write vpn up or vpn down`);
  }
  const source = await openStateSource({
    stateDir: options.stateDir,
    ...(options.stateBackend === undefined ? {} : { stateBackend: options.stateBackend }),
    ...(options.stateUrl === undefined ? {} : { stateUrl: options.stateUrl }),
    ...(options.deploymentId === undefined ? {} : { deploymentId: options.deploymentId }),
  });
  const store =
    source.deploymentId === undefined && source.backend === 'azure-blob' ? undefined : source.store();
  // A blob store restores the recorded files (the hub config among them) first.
  const doc = store instanceof BlobStateStore ? (await store.load())?.doc : await source.read();
  if (!doc) {
    throw new UserError(
      `no deployment state in ${source.description}: pull it first (k0rdent-deploy state pull --repo OWNER/REPO --deployment ID)`,
    );
  }
  const config = hubConfig(doc);
  if (
    !existsSync(resolve(config.path)) ||
    (await digestIfExists(resolve(config.path)))?.sha256 !== config.sha256
  ) {
    throw new UserError(
      `${config.path} (the hub's WireGuard config) is missing or differs from the state: pull the state again ` +
        '(k0rdent-deploy state pull …), or run setup_vpn',
    );
  }
  const path = resolve(config.path);
  const iface = basename(path, '.conf');
  await requireTools();
  if (options.direction === 'down') {
    const result = await wgQuickDown(path, { onLine: (line) => term.err(line) });
    term.out(result === 'down' ? `tunnel ${iface} is down` : `tunnel ${iface} was not up`);
    return 0;
  }
  if ((await wgLatestHandshakes(iface)) !== undefined) {
    term.out(`tunnel ${iface} is already up`);
  } else {
    await wgQuickUp(path, { onLine: (line) => term.err(line) });
    term.out(`tunnel ${iface} is up (${config.path})`);
  }
  return reportHandshakes(doc, iface, (options.wait ?? 15) * 1000, term);
}

function hubConfig(doc: StateDocument): { path: string; sha256: string } {
  const record = liveArtifacts(doc).find(([name]) => name === HUB_CONFIG)?.[1];
  if (!record) {
    throw new UserError(
      `deployment ${doc.deployment_id} has no hub WireGuard config recorded: setup_vpn has not completed yet`,
    );
  }
  return record;
}

/** wg-quick on PATH and root, or sudo that does not ask for a password. */
async function requireTools(): Promise<void> {
  if (!(await onPath('wg-quick')) || !(await onPath('wg'))) {
    throw new UserError(`wg-quick and wg are not on PATH: ${INSTALL_ADVICE}`);
  }
  if (process.getuid?.() === 0) return;
  const sudo = (await onPath('sudo'))
    ? await runTool('sudo', ['-n', 'true']).catch(() => undefined)
    : undefined;
  if (sudo?.exitCode !== 0) {
    throw new UserError(
      'bringing a WireGuard interface up or down needs root: run it as root (sudo -E k0rdent-deploy vpn …, keeping ' +
        'the environment), or allow this user passwordless sudo for wg-quick',
    );
  }
}

/** Waits up to `waitMs` for a handshake from every VM peer; names those without one. */
async function reportHandshakes(
  doc: StateDocument,
  iface: string,
  waitMs: number,
  term: ReturnType<typeof createOutput>,
): Promise<number> {
  const peers = Object.entries(readPeers(doc)).filter(([, peer]) => peer.role !== 'hub' && peer.public_key);
  const deadline = Date.now() + waitMs;
  let missing = peers;
  for (let round = 0; round <= Math.ceil(waitMs / 500); round++) {
    const handshakes = (await wgLatestHandshakes(iface)) ?? new Map<string, number>();
    missing = peers.filter(([, peer]) => !handshakes.get(peer.public_key ?? '')?.valueOf());
    if (missing.length === 0 || Date.now() >= deadline) break;
    await sleep(500);
  }
  const reached = peers.filter(([host]) => !missing.some(([m]) => m === host));
  if (reached.length > 0)
    term.out(`handshake with ${reached.map(([host, p]) => `${host} (${p.ip})`).join(', ')}`);
  if (missing.length > 0) {
    term.err(
      `warning: no handshake yet with ${missing.map(([host, p]) => `${host} (${p.ip})`).join(', ')}: ` +
        'the VMs may be stopped, or UDP to their WireGuard port blocked on this network',
    );
  }
  return 0;
}
