/**
 * What each host boots with: its WireGuard key pair, its WireGuard address and its cloud-init. Made
 * when missing and kept when present, because a running VM holds them. prepare_deployment makes them
 * for the hosts of the first run; create_vms for the hosts a later config adds. So adding a worker
 * runs create_vms and what needs it, and neither the keys of the other hosts nor the network.
 */
import type { PhaseContext } from '../phase.js';
import { PhaseConfigurationError } from '../phase.js';
import type { DeploymentParts } from './base.js';
import { renderCloudInit } from './cloud-init.js';
import { FACT, readPeers, readWireguardPort, writeFact, type Peer } from './facts.js';
import { readIfExists, writeArtifact } from './files.js';
import {
  generateWireguardKeyPair,
  isWireguardKey,
  wireguardPublicKey,
  type WireguardKeyPair,
} from './keys.js';
import { assignAddresses, HUB, type HostPlan } from './topology.js';

/** Host material is prepare_deployment's, whoever makes it: its undo removes it, create_vms' keeps it. */
const OWNER = 'prepare_deployment';

/**
 * Key pair, address and cloud-init of every host in `hosts` (the hub's key and the WireGuard port
 * must exist); records the peers. Returns the hosts that got new material.
 */
export async function ensureHostMaterial(
  context: PhaseContext,
  deployment: DeploymentParts,
  hosts: readonly HostPlan[],
): Promise<string[]> {
  const { config, layout, runtime } = deployment;
  const doc = context.state.read();
  const port = config.network.wireguard_port ?? readWireguardPort(doc);
  const previous = readPeers(doc);
  const hub = previous[HUB];
  const hubKey = (await readIfExists(layout.hubKey().path))?.trim();
  if (port === undefined || !hub?.public_key || !hubKey || !isWireguardKey(hubKey)) {
    throw new PhaseConfigurationError(
      'the hub WireGuard key or port is missing: run prepare_deployment again (rollback --to prepare_deployment --no-destroy, then run)',
    );
  }
  const addresses = assignAddresses(
    hosts.map((h) => h.name),
    Object.fromEntries(Object.entries(previous).map(([host, peer]) => [host, peer.ip])),
    config.network.wireguard_network,
  );
  const now = () => new Date(runtime.now()).toISOString();
  const peers: Record<string, Peer> = { ...previous };
  const made: string[] = [];
  for (const host of hosts) {
    const recorded = previous[host.name];
    const keys = await hostKeyPair(context, deployment, host.name, recorded);
    const address = addresses[host.name] ?? '';
    const kept = recorded?.public_key === keys.publicKey && recorded.ip === address;
    if (!kept) made.push(host.name);
    peers[host.name] = {
      ip: address,
      role: host.role,
      public_key: keys.publicKey,
      keys_generated_at: kept ? (recorded.keys_generated_at ?? now()) : now(),
    };
    const cloudInit = layout.cloudInit(host.name);
    await writeArtifact(context, {
      ...cloudInit,
      content: renderCloudInit({
        host: host.name,
        address,
        privateKey: keys.privateKey,
        listenPort: port,
        hubPublicKey: hub.public_key,
        hubAddress: hub.ip,
      }),
      sensitive: true,
      metadata: { host: host.name },
      owner: OWNER,
    });
  }
  writeFact(context, FACT.peers, peers);
  return made;
}

/** A host's key pair from its file, or a new one when there is none (never replacing a key). */
export async function hostKeyPair(
  context: PhaseContext,
  deployment: DeploymentParts,
  host: string,
  recorded: Peer | undefined,
): Promise<WireguardKeyPair> {
  const key = deployment.layout.wireguardKey(host);
  const existing = await readIfExists(key.path);
  if (existing !== undefined && isWireguardKey(existing)) {
    const privateKey = existing.trim();
    // Recorded too when the file predates the record (a migrated or restored state).
    await writeArtifact(context, {
      ...key,
      content: `${privateKey}\n`,
      sensitive: true,
      metadata: { host },
      owner: OWNER,
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
    owner: OWNER,
  });
  return pair;
}
