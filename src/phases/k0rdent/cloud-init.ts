/**
 * The cloud-init document of one host: install WireGuard, write `wg0.conf` with the hub as its only
 * peer, and start `wg-quick@wg0`. The hub sits behind NAT on a runner, so the host has no endpoint for
 * it: the hub dials in and keeps the tunnel alive. Pure; the output holds the host's private key.
 */

export interface CloudInitInput {
  readonly host: string;
  readonly address: string;
  readonly privateKey: string;
  readonly listenPort: number;
  readonly hubPublicKey: string;
  readonly hubAddress: string;
}

export function renderCloudInit(input: CloudInitInput): string {
  return [
    '#cloud-config',
    `# ${input.host}: written by k0rdent-deploy (prepare_deployment)`,
    'package_update: true',
    'packages:',
    '  - wireguard',
    'write_files:',
    '  - path: /etc/wireguard/wg0.conf',
    '    owner: root:root',
    "    permissions: '0600'",
    '    content: |',
    '      [Interface]',
    `      Address = ${input.address}/32`,
    `      ListenPort = ${input.listenPort}`,
    `      PrivateKey = ${input.privateKey}`,
    '',
    '      [Peer]',
    '      # hub (the machine that runs k0rdent-deploy)',
    `      PublicKey = ${input.hubPublicKey}`,
    `      AllowedIPs = ${input.hubAddress}/32`,
    'runcmd:',
    '  - [systemctl, enable, --now, wg-quick@wg0]',
    '',
  ].join('\n');
}
