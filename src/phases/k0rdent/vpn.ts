/**
 * setup_vpn writes the hub's WireGuard configuration; connect_vpn brings the tunnel up on this
 * machine (runner-scoped: a tunnel lives on one runner), waits for a handshake with every peer, and
 * in a later job checks that the tunnel is still up and every VM answers through it.
 */
import { existsSync } from 'node:fs';
import { answersPing } from '../../tools/ping.js';
import { ToolNotFoundError } from '../../tools/tool.js';
import { ensureWireguardTools, wgLatestHandshakes, wgQuickDown, wgQuickUp } from '../../tools/wireguard.js';
import {
  PhaseConfigurationError,
  TransientPhaseError,
  type PhaseContext,
  type ValidationResult,
} from '../phase.js';
import { K0rdentPhase, type DeploymentParts } from './base.js';
import { readPeers, readVmStates } from './facts.js';
import { readIfExists, removeArtifactFile, writeArtifact } from './files.js';
import { renderHubConfig } from './hub-config.js';
import { tool } from './phase-errors.js';
import { HUB, plannedHosts } from './topology.js';
import { readWireguardPort } from './facts.js';

/** WireGuard re-handshakes every 2 minutes on a live tunnel with keepalives; older means dead. */
export const HANDSHAKE_FRESH_SECONDS = 180;
/**
 * A handshake stays "fresh" for up to 3 minutes after a VM stopped or changed its key, so a later job
 * also asks each VM for an answer through the tunnel, allowing this long for it.
 */
export const PROBE_DEADLINE_SECONDS = 3;

export class SetupVpn extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const file = this.layout.hubConfig();
    await writeArtifact(context, { ...file, content: await this.render(context), sensitive: true });
    context.output.info(`hub WireGuard configuration written to ${file.path}`);
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const file = this.layout.hubConfig();
    const current = await readIfExists(file.path);
    if (current === undefined) return { ok: false, evidence: `${file.path} is missing` };
    let expected: string;
    try {
      expected = await this.render(context);
    } catch (error) {
      return { ok: false, evidence: (error as Error).message };
    }
    return current === expected
      ? { ok: true, evidence: `hub configuration has every VM as a peer at its current public IP` }
      : { ok: false, evidence: 'hub configuration differs from the current keys and VM addresses' };
  }

  async rollback(context: PhaseContext): Promise<void> {
    const file = this.layout.hubConfig();
    await removeArtifactFile(context, file.name, file.path);
  }

  private async render(context: PhaseContext): Promise<string> {
    const doc = context.state.read();
    const peers = readPeers(doc);
    const vms = readVmStates(doc);
    const port = this.config.network.wireguard_port ?? readWireguardPort(doc);
    const hubKey = (await readIfExists(this.layout.hubKey().path))?.trim();
    const hub = peers[HUB];
    if (!hubKey || !hub || port === undefined)
      throw new PhaseConfigurationError('the hub key or port is missing: run prepare_deployment again');
    return renderHubConfig({
      deploymentId: this.deployment.id,
      privateKey: hubKey,
      address: hub.ip,
      port,
      peers: plannedHosts(this.config).map((host) => {
        const peer = peers[host.name];
        const endpoint = vms[host.name]?.public_ip;
        if (!peer?.public_key || !endpoint) {
          throw new PhaseConfigurationError(
            `no ${peer?.public_key ? 'public IP' : 'WireGuard key'} recorded for ${host.name}: run create_vms again`,
          );
        }
        return { host: host.name, publicKey: peer.public_key, address: peer.ip, endpoint };
      }),
    });
  }
}

export class ConnectVpn extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const options = this.toolOptions(context);
    const config = this.layout.hubConfig().path;
    if (!existsSync(config)) throw new PhaseConfigurationError(`${config} is missing: run setup_vpn first`);
    let started = 0;
    await tool(async () => {
      if (await ensureWireguardTools(options)) context.output.info('installed wireguard-tools');
      if ((await wgLatestHandshakes(this.layout.interfaceName, options)) !== undefined)
        await wgQuickDown(config, options);
      // Before `up`: the first handshake can complete while wg-quick is still setting routes.
      started = Math.floor(this.runtime.now() / 1000);
      await wgQuickUp(config, options);
    });
    const deadline = this.runtime.now() + this.config.timeouts.wireguard_connect_wait * 1000;
    for (;;) {
      const missing = await this.peersWithoutHandshake(context, started);
      if (missing.length === 0) break;
      if (this.runtime.now() >= deadline || context.signal.aborted) {
        throw new TransientPhaseError(
          `no WireGuard handshake within ${this.config.timeouts.wireguard_connect_wait} s: ${missing.join('; ')} ` +
            '(a VM that is stopped, unreachable on its WireGuard port, or holding another key than prepare_deployment made for it)',
        );
      }
      await this.runtime.sleep(1_000, context.signal);
    }
    context.output.info(`tunnel ${this.layout.interfaceName} up with a handshake from every VM`);
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    let missing: string[];
    try {
      missing = await this.peersWithoutHandshake(
        context,
        Math.floor(this.runtime.now() / 1000) - HANDSHAKE_FRESH_SECONDS,
      );
    } catch (error) {
      // On a fresh runner the tools are not there yet: the tunnel is not up here, which is a finding.
      if (error instanceof ToolNotFoundError)
        return { ok: false, evidence: 'wireguard-tools is not installed here, so the tunnel is not up' };
      throw error;
    }
    if (missing.length > 0) return { ok: false, evidence: missing.join('; ') };
    const silent = await this.peersNotAnswering(context);
    if (silent === undefined)
      return {
        ok: true,
        evidence: `tunnel ${this.layout.interfaceName} is up with a handshake in the last ${HANDSHAKE_FRESH_SECONDS} s from every VM (ping is not installed, so no VM was asked for an answer)`,
      };
    return silent.length === 0
      ? {
          ok: true,
          evidence: `tunnel ${this.layout.interfaceName} is up and every VM answers through it`,
        }
      : { ok: false, evidence: silent.join('; ') };
  }

  /** VMs that do not answer a ping at their WireGuard address; undefined when ping is not installed. */
  private async peersNotAnswering(context: PhaseContext): Promise<string[] | undefined> {
    const peers = readPeers(context.state.read());
    const options = { env: this.runtime.env, signal: context.signal };
    try {
      const answers = await Promise.all(
        plannedHosts(this.config).map(async (host) => {
          const address = peers[host.name]?.ip;
          const answered = address ? await answersPing(address, PROBE_DEADLINE_SECONDS, options) : false;
          return answered
            ? undefined
            : `${host.name} (${address ?? 'no address'}) does not answer through the tunnel`;
        }),
      );
      return answers.filter((a): a is string => a !== undefined);
    } catch (error) {
      if (error instanceof ToolNotFoundError) return undefined;
      throw error;
    }
  }

  async rollback(context: PhaseContext): Promise<void> {
    await disconnectTunnel(this.deployment, this.toolOptions(context));
  }

  /** Peers (by host) whose latest handshake is older than `since` (epoch seconds). */
  private async peersWithoutHandshake(context: PhaseContext, since: number): Promise<string[]> {
    const handshakes = await wgLatestHandshakes(this.layout.interfaceName, this.toolOptions(context));
    if (!handshakes) return [`tunnel ${this.layout.interfaceName} is not up`];
    const peers = readPeers(context.state.read());
    return plannedHosts(this.config)
      .filter((host) => {
        const key = peers[host.name]?.public_key;
        const at = key ? handshakes.get(key) : undefined;
        return at === undefined || at === 0 || at < since;
      })
      .map((host) => `no recent handshake with ${host.name}`);
  }
}

/**
 * Makes sure the tunnel is up on this machine before talking to the cluster (install_k0s and
 * install_k0rdent, their undo steps in a rollback job on a fresh runner).
 */
export async function ensureTunnel(
  deployment: DeploymentParts,
  options: Parameters<typeof wgQuickUp>[1],
): Promise<void> {
  const config = deployment.layout.hubConfig().path;
  if (!existsSync(config)) throw new PhaseConfigurationError(`${config} is missing: run setup_vpn first`);
  await tool(async () => {
    if (
      (await wgLatestHandshakes(deployment.layout.interfaceName, options).catch(() => undefined)) !==
      undefined
    )
      return;
    await ensureWireguardTools(options);
    await wgQuickUp(config, options);
  });
}

/** Takes the tunnel down if it is up (at job end and on rollback); tolerant of it being down or gone. */
export async function disconnectTunnel(
  deployment: Pick<DeploymentParts, 'layout'>,
  options: Parameters<typeof wgQuickDown>[1],
): Promise<'down' | 'absent'> {
  const config = deployment.layout.hubConfig().path;
  if (!existsSync(config)) return 'absent';
  try {
    return await wgQuickDown(config, options);
  } catch (error) {
    if (error instanceof ToolNotFoundError) return 'absent';
    throw error;
  }
}
