/**
 * The rendered cloud-init, k0sctl.yaml and hub WireGuard config against golden files in
 * test/fixtures/k0rdent (UPDATE_GOLDEN=1 rewrites them). The keys are fixed test values, not secrets.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderCloudInit } from '../../../src/phases/k0rdent/cloud-init.js';
import { validateConfig } from '../../../src/phases/k0rdent/config.js';
import { renderHubConfig } from '../../../src/phases/k0rdent/hub-config.js';
import { renderK0sctlConfig } from '../../../src/phases/k0rdent/k0sctl-config.js';
import { freshPlacement } from '../../../src/phases/k0rdent/k0s-roles.js';
import { assignAddresses, hubAddress, plannedHosts } from '../../../src/phases/k0rdent/topology.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/k0rdent/', import.meta.url));
const HOST_KEY = 'aGVsbG8taG9zdC1wcml2YXRlLWtleS0wMDAwMDAwMDA=';
const HUB_PUBLIC = 'aHViLXB1YmxpYy1rZXktMDAwMDAwMDAwMDAwMDAwMDA=';
const HUB_PRIVATE = 'aHViLXByaXZhdGUta2V5LTAwMDAwMDAwMDAwMDAwMDA=';

function golden(name: string, actual: string): void {
  const file = `${FIXTURES}${name}`;
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const config = validateConfig(
  { cluster: { controllers: { count: 3, zones: [1, 2, 3] }, workers: { count: 2, zones: [1, 2] } } },
  'golden',
).config;
const hosts = plannedHosts(config);
const addresses = assignAddresses(
  hosts.map((h) => h.name),
  {},
  config.network.wireguard_network,
);

test('cloud-init of a host: WireGuard installed, wg0.conf with the hub as only peer, wg-quick@wg0 enabled', () => {
  golden(
    'cloud-init-k0s-worker-1.yaml',
    renderCloudInit({
      host: 'k0s-worker-1',
      address: addresses['k0s-worker-1'] ?? '',
      privateKey: HOST_KEY,
      listenPort: 51820,
      hubPublicKey: HUB_PUBLIC,
      hubAddress: hubAddress(config.network.wireguard_network),
    }),
  );
});

test('k0sctl.yaml of 3 controllers + 2 workers: hosts by WireGuard address, controllers without workloads', () => {
  golden(
    'k0sctl-3-controllers-2-workers.yaml',
    renderK0sctlConfig({
      clusterName: 'k0rdent-ab12cd34',
      k0sVersion: config.software.k0s.version,
      sshUser: config.ssh.username,
      sshKeyPath: '/work/state/secrets/ssh/k0rdent-ab12cd34-ssh-key',
      hosts: hosts.map((host, i) => ({
        name: host.name,
        ...freshPlacement(host, hosts),
        wireguardAddress: addresses[host.name] ?? '',
        privateAddress: `10.0.1.${4 + i}`,
      })),
    }),
  );
});

test('a lone controller also runs workloads; controllers of a cluster without workers do, untainted', () => {
  const roles = (cluster: Record<string, unknown>) => {
    const planned = plannedHosts(validateConfig({ cluster }, 'golden').config);
    return planned.map((h) => [h.name, freshPlacement(h, planned)]);
  };
  expect(roles({})).toEqual([
    ['k0s-controller', { role: 'controller+worker', noTaints: false }],
    ['k0s-worker-1', { role: 'worker', noTaints: false }],
  ]);
  expect(roles({ controllers: { count: 3 }, workers: { count: 0 } })).toEqual([
    ['k0s-controller', { role: 'controller+worker', noTaints: true }],
    ['k0s-controller-2', { role: 'controller+worker', noTaints: true }],
    ['k0s-controller-3', { role: 'controller+worker', noTaints: true }],
  ]);
  expect(roles({ controllers: { count: 1 }, workers: { count: 0 } })).toEqual([
    ['k0s-controller', { role: 'controller+worker', noTaints: true }],
  ]);
});

test('hub config: one peer per VM with its endpoint, /32 allowed IP and keepalive', () => {
  golden(
    'hub-wg.conf',
    renderHubConfig({
      deploymentId: 'k0rdent-ab12cd34',
      privateKey: HUB_PRIVATE,
      address: hubAddress(config.network.wireguard_network),
      port: 51820,
      peers: hosts.slice(0, 2).map((host, i) => ({
        host: host.name,
        publicKey: HOST_KEY,
        address: addresses[host.name] ?? '',
        endpoint: `203.0.113.${4 + i}`,
      })),
    }),
  );
});

test('WireGuard addresses: hub .1, hosts from .11 in order; an address once given is kept', () => {
  expect(hubAddress('192.168.100.0/24')).toBe('192.168.100.1');
  expect(addresses).toEqual({
    'k0s-controller': '192.168.100.11',
    'k0s-controller-2': '192.168.100.12',
    'k0s-controller-3': '192.168.100.13',
    'k0s-worker-1': '192.168.100.14',
    'k0s-worker-2': '192.168.100.15',
  });
  // A fourth controller added later does not move the workers.
  expect(
    assignAddresses(
      ['k0s-controller', 'k0s-controller-4', 'k0s-worker-1'],
      { 'k0s-controller': '192.168.100.11', 'k0s-worker-1': '192.168.100.14' },
      '192.168.100.0/24',
    ),
  ).toEqual({
    'k0s-controller': '192.168.100.11',
    'k0s-controller-4': '192.168.100.12',
    'k0s-worker-1': '192.168.100.14',
  });
});
