/**
 * prepare_deployment: WireGuard key pairs for the hub and every host, the SSH key pair, the WireGuard
 * port, and a cloud-init per host. Offline. Keys that exist are kept (running VMs hold them); only new
 * hosts get new keys.
 */
import { randomInt } from 'node:crypto';
import { PhaseConfigurationError, type PhaseContext, type ValidationResult } from '../phase.js';
import { K0rdentPhase } from './base.js';
import { renderCloudInit } from './cloud-init.js';
import { FACT, readK0sCluster, readPeers, readWireguardPort, writeFact, type Peer } from './facts.js';
import { topologyProblems } from './k0s-roles.js';
import { artifactIntact, readIfExists, removeArtifactFile, writeArtifact } from './files.js';
import {
  generateSshKeyPair,
  generateWireguardKeyPair,
  isWireguardKey,
  sshPublicKeyOf,
  wireguardPublicKey,
  type WireguardKeyPair,
} from './keys.js';
import { assignAddresses, HUB, hubAddress, plannedHosts } from './topology.js';

/** UPSTREAM: the port is picked once in this range and kept. */
const PORT_RANGE = [30000, 64000] as const;

export class PrepareDeployment extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const doc = context.state.read();
    const hosts = plannedHosts(this.config);
    // The first phase a topology edit runs: an edit k0s cannot follow stops here, before anything changes.
    const problems = topologyProblems(hosts, readK0sCluster(doc));
    if (problems.length > 0) throw new PhaseConfigurationError(problems.join('; '));
    const port = this.wireguardPort(context);
    const previous = readPeers(doc);
    const addresses = assignAddresses(
      hosts.map((h) => h.name),
      Object.fromEntries(Object.entries(previous).map(([host, peer]) => [host, peer.ip])),
      this.config.network.wireguard_network,
    );

    const hub = await this.keyPair(context, HUB, previous[HUB]);
    const peers: Record<string, Peer> = {
      [HUB]: {
        ip: hubAddress(this.config.network.wireguard_network),
        role: 'hub',
        public_key: hub.publicKey,
        keys_generated_at: previous[HUB]?.keys_generated_at ?? new Date(this.runtime.now()).toISOString(),
      },
    };
    for (const host of hosts) {
      const keys = await this.keyPair(context, host.name, previous[host.name]);
      const address = addresses[host.name] ?? '';
      peers[host.name] = {
        ip: address,
        role: host.role,
        public_key: keys.publicKey,
        keys_generated_at:
          previous[host.name]?.public_key === keys.publicKey
            ? (previous[host.name]?.keys_generated_at ?? new Date(this.runtime.now()).toISOString())
            : new Date(this.runtime.now()).toISOString(),
      };
      const cloudInit = this.layout.cloudInit(host.name);
      await writeArtifact(context, {
        ...cloudInit,
        content: renderCloudInit({
          host: host.name,
          address,
          privateKey: keys.privateKey,
          listenPort: port,
          hubPublicKey: hub.publicKey,
          hubAddress: peers[HUB]?.ip ?? '',
        }),
        sensitive: true,
        metadata: { host: host.name },
      });
    }
    await this.sshKeys(context);

    // Hosts no longer in the configuration: their cloud-init goes; their keys stay until a rollback.
    const planned = new Set(hosts.map((h) => h.name));
    for (const host of Object.keys(previous)) {
      if (host === HUB || planned.has(host)) continue;
      const cloudInit = this.layout.cloudInit(host);
      await removeArtifactFile(context, cloudInit.name, cloudInit.path);
    }
    writeFact(context, FACT.peers, peers);
    context.output.info(
      `prepared WireGuard keys and cloud-init for ${hosts.length} host(s), WireGuard port ${port}`,
    );
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const doc = context.state.read();
    const peers = readPeers(doc);
    const hosts = plannedHosts(this.config);
    const problems: string[] = [];
    if (this.config.network.wireguard_port === undefined && readWireguardPort(doc) === undefined)
      problems.push('no WireGuard port recorded');
    for (const host of [HUB, ...hosts.map((h) => h.name)]) {
      const key = this.layout.wireguardKey(host);
      const text = await readIfExists(key.path);
      if (text === undefined || !isWireguardKey(text)) {
        problems.push(`WireGuard key of ${host} missing`);
      } else if (peers[host]?.public_key !== wireguardPublicKey(text)) {
        problems.push(`WireGuard key of ${host} does not match the recorded public key`);
      }
    }
    for (const host of hosts) {
      const check = await artifactIntact(doc, this.layout.cloudInit(host.name).name);
      if (!check.ok) problems.push(`cloud-init of ${host.name}: ${check.detail}`);
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
    // Keys of hosts recorded by another version (a migrated state) follow the same layout.
    for (const host of [HUB, ...Object.keys(readPeers(doc))]) {
      const key = this.layout.wireguardKey(host);
      await removeArtifactFile(context, key.name, key.path);
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

  /** The host's key pair from its file, or a new one when there is none (never replacing a key). */
  private async keyPair(
    context: PhaseContext,
    host: string,
    recorded: Peer | undefined,
  ): Promise<WireguardKeyPair> {
    const key = this.layout.wireguardKey(host);
    const existing = await readIfExists(key.path);
    if (existing !== undefined && isWireguardKey(existing)) {
      const privateKey = existing.trim();
      // Recorded too when the file predates the record (a migrated or restored state).
      await writeArtifact(context, {
        ...key,
        content: `${privateKey}\n`,
        sensitive: true,
        metadata: { host },
      });
      return { privateKey, publicKey: wireguardPublicKey(privateKey) };
    }
    if (recorded?.public_key) {
      context.output.warn(
        `the WireGuard private key of ${host} is gone; a new key pair is made. A VM that still runs with the old key must be re-created (rollback --to create_vms).`,
      );
    }
    const pair = generateWireguardKeyPair();
    await writeArtifact(context, {
      ...key,
      content: `${pair.privateKey}\n`,
      sensitive: true,
      metadata: { host },
    });
    return pair;
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
