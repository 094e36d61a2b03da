/**
 * The hub's WireGuard configuration (the runner, or a laptop): one peer per VM with its public
 * endpoint and a keepalive, because only the hub can open the tunnel (inbound UDP to a runner is
 * dropped). Pure; the output holds the hub's private key.
 */

export interface HubPeer {
  readonly host: string;
  readonly publicKey: string;
  readonly address: string;
  readonly endpoint: string;
}

export interface HubConfigInput {
  readonly deploymentId: string;
  readonly privateKey: string;
  readonly address: string;
  readonly port: number;
  readonly peers: readonly HubPeer[];
}

export const KEEPALIVE_SECONDS = 25;

export function renderHubConfig(input: HubConfigInput): string {
  const lines = [
    `# WireGuard hub of deployment ${input.deploymentId}, written by k0rdent-deploy (setup_vpn)`,
    '[Interface]',
    `PrivateKey = ${input.privateKey}`,
    `Address = ${input.address}/32`,
  ];
  for (const peer of input.peers) {
    lines.push(
      '',
      '[Peer]',
      `# ${peer.host}`,
      `PublicKey = ${peer.publicKey}`,
      `Endpoint = ${peer.endpoint}:${input.port}`,
      `AllowedIPs = ${peer.address}/32`,
      `PersistentKeepalive = ${KEEPALIVE_SECONDS}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
