/**
 * prepare_deployment: WireGuard key pairs for the hub and every host, the SSH key pair, the WireGuard
 * port, and a cloud-init per host. Offline. Keys that exist are kept (running VMs hold them); only new
 * hosts get new keys. Its inputs leave out the host counts: hosts a later config adds get their keys
 * from create_vms (host-material.ts), so a new worker does not redo this phase and the network.
 */
import { randomInt } from 'node:crypto';
import type { PhaseContext, ValidationResult } from '../phase.js';
import { K0rdentPhase } from './base.js';
import { FACT, readPeers, readWireguardPort, writeFact } from './facts.js';
import { artifactIntact, readIfExists, removeArtifactFile, writeArtifact } from './files.js';
import { ensureHostMaterial, hostKeyPair } from './host-material.js';
import { generateSshKeyPair, isWireguardKey, sshPublicKeyOf, wireguardPublicKey } from './keys.js';
import { HUB, hubAddress, plannedHosts } from './topology.js';

/** UPSTREAM: the port is picked once in this range and kept. */
const PORT_RANGE = [30000, 64000] as const;

export class PrepareDeployment extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const hosts = plannedHosts(this.config);
    const port = this.wireguardPort(context);
    const previous = readPeers(context.state.read());
    const hub = await hostKeyPair(context, this.deployment, HUB, previous[HUB]);
    writeFact(context, FACT.peers, {
      ...previous,
      [HUB]: {
        ip: hubAddress(this.config.network.wireguard_network),
        role: 'hub',
        public_key: hub.publicKey,
        keys_generated_at:
          previous[HUB]?.public_key === hub.publicKey
            ? (previous[HUB].keys_generated_at ?? new Date(this.runtime.now()).toISOString())
            : new Date(this.runtime.now()).toISOString(),
      },
    });
    await ensureHostMaterial(context, this.deployment, hosts);
    await this.sshKeys(context);

    // Hosts no longer in the configuration: their cloud-init goes; their keys stay until a rollback.
    const planned = new Set(hosts.map((h) => h.name));
    for (const host of Object.keys(previous)) {
      if (host === HUB || planned.has(host)) continue;
      const cloudInit = this.layout.cloudInit(host);
      await removeArtifactFile(context, cloudInit.name, cloudInit.path);
    }
    context.output.info(
      `prepared WireGuard keys and cloud-init for ${hosts.length} host(s), WireGuard port ${port}`,
    );
  }

  /**
   * The keys and cloud-init of every host prepared so far (not of the planned hosts: a host that a
   * later config adds gets its own from create_vms, and must not make this phase look undone).
   */
  async validate(context: PhaseContext): Promise<ValidationResult> {
    const doc = context.state.read();
    const peers = readPeers(doc);
    const hosts = Object.keys(peers).filter((host) => host !== HUB);
    const problems: string[] = [];
    if (this.config.network.wireguard_port === undefined && readWireguardPort(doc) === undefined)
      problems.push('no WireGuard port recorded');
    if (!peers[HUB]) problems.push('no hub WireGuard key recorded');
    for (const host of [HUB, ...hosts]) {
      const key = this.layout.wireguardKey(host);
      const text = await readIfExists(key.path);
      if (text === undefined || !isWireguardKey(text)) {
        problems.push(`WireGuard key of ${host} missing`);
      } else if (peers[host]?.public_key !== wireguardPublicKey(text)) {
        problems.push(`WireGuard key of ${host} does not match the recorded public key`);
      }
    }
    for (const host of hosts) {
      const check = await artifactIntact(doc, this.layout.cloudInit(host).name);
      if (!check.ok) problems.push(`cloud-init of ${host}: ${check.detail}`);
    }
    for (const name of [this.layout.sshPrivateKey().name, this.layout.sshPublicKey().name]) {
      const check = await artifactIntact(doc, name);
      if (!check.ok) problems.push(check.detail);
    }
    return problems.length === 0
      ? {
          ok: true,
          evidence: `keys and cloud-init of ${hosts.length} host(s) and the hub are on disk and match the state`,
        }
      : { ok: false, evidence: problems.join('; ') };
  }

  async rollback(context: PhaseContext): Promise<void> {
    const doc = context.state.read();
    for (const [name, record] of Object.entries(doc.artifacts)) {
      if (record.phase === this.name && !record.removed) await removeArtifactFile(context, name, record.path);
    }
    // Keys and cloud-init of every recorded host, also those create_vms made for hosts a later
    // config added, or another version recorded (a migrated state): they follow the same layout.
    for (const host of [HUB, ...Object.keys(readPeers(doc))]) {
      const key = this.layout.wireguardKey(host);
      await removeArtifactFile(context, key.name, key.path);
      if (host === HUB) continue;
      const cloudInit = this.layout.cloudInit(host);
      await removeArtifactFile(context, cloudInit.name, cloudInit.path);
    }
    writeFact(context, FACT.peers, null);
    if (this.config.network.wireguard_port === undefined) writeFact(context, FACT.wireguardPort, null);
  }

  private wireguardPort(context: PhaseContext): number {
    if (this.config.network.wireguard_port !== undefined) return this.config.network.wireguard_port;
    const recorded = readWireguardPort(context.state.read());
    if (recorded !== undefined) return recorded;
    const port = randomInt(PORT_RANGE[0], PORT_RANGE[1] + 1);
    writeFact(context, FACT.wireguardPort, port);
    return port;
  }

  private async sshKeys(context: PhaseContext): Promise<void> {
    const privateFile = this.layout.sshPrivateKey();
    const publicFile = this.layout.sshPublicKey();
    const comment = this.config.ssh.key_comment;
    const existing = await readIfExists(privateFile.path);
    let publicKey: string;
    if (existing !== undefined && existing.includes('PRIVATE KEY')) {
      await writeArtifact(context, { ...privateFile, content: existing, sensitive: true });
      publicKey = sshPublicKeyOf(existing, comment);
    } else {
      const pair = generateSshKeyPair(comment);
      await writeArtifact(context, { ...privateFile, content: pair.privateKeyPem, sensitive: true });
      publicKey = pair.publicKey;
    }
    await writeArtifact(context, { ...publicFile, content: `${publicKey}\n`, sensitive: false });
  }
}
