/**
 * The k0sctl.yaml install_k0s writes, checked against k0sctl's own configuration format (the schema
 * in test/support/k0sctl-schema.ts, written from k0sctl v0.30.1's source), for the default topology
 * and for 3 controllers and 2 workers; and the schema shown to refuse what k0sctl refuses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { K0sctlClusterSchema, k0sctlProblems, type K0sctlCluster } from '../../support/k0sctl-schema.js';
import { startHarness, THREE_PLUS_TWO, type Harness, type Topology } from './harness.js';

let h: Harness;
const generated = new Map<string, unknown>();

beforeAll(async () => {
  h = await startHarness();
}, 30_000);

afterAll(async () => {
  await h.stop();
});

const TOPOLOGIES: [string, Topology, string[]][] = [
  ['the default topology (1 controller, 1 worker)', { controllers: 1, workers: 1 }, ['controller', 'worker']],
  [
    '3 controllers and 2 workers',
    THREE_PLUS_TWO,
    ['controller', 'controller', 'controller', 'worker', 'worker'],
  ],
];

test.each(TOPOLOGIES)(
  'install_k0s writes a k0sctl.yaml k0sctl accepts: %s',
  async (label, topology, roles) => {
    const summary = await h.run({ topology, until: 'install_k0s' });
    expect(summary.failed).toBeUndefined();
    const document = load(readFileSync(join(h.stateDir, 'k0sctl', 'k0sctl.yaml'), 'utf8'));
    generated.set(label, document);
    expect(k0sctlProblems(document)).toEqual([]);

    // And what the deployment needs from it: every host once, reached over SSH at its tunnel address.
    const cluster = K0sctlClusterSchema.parse(document);
    const hosts = cluster.spec.hosts;
    expect(hosts.map((host) => host.role.replace('controller+worker', 'controller'))).toEqual(roles);
    for (const host of hosts) {
      expect(host.ssh?.address).toMatch(/^192\.168\.100\.\d+$/);
      expect(host.ssh?.keyPath).toBe(join(h.stateDir, 'secrets', 'ssh', 'k0rdent-scenario-ssh-key'));
      expect(host.privateAddress).toMatch(/^10\.0\.1\.\d+$/);
    }
    expect(cluster.spec.k0s?.version).toBe('v1.33.2+k0s.0');
    expect(cluster.spec.k0s?.config?.spec?.network?.provider).toBe('calico');
  },
  60_000,
);

describe('the schema refuses what k0sctl refuses', () => {
  const base = () => K0sctlClusterSchema.parse(generated.get(TOPOLOGIES[1]![0]));
  const host = (doc: K0sctlCluster, i = 0) => doc.spec.hosts[i]!;
  const network = (doc: K0sctlCluster) => doc.spec.k0s!.config!.spec!.network!;

  test.each<[string, (doc: K0sctlCluster) => void, RegExp]>([
    [
      'another apiVersion',
      (d) => Object.assign(d, { apiVersion: 'k0sctl.k0sproject.io/v1beta2' }),
      /^apiVersion: /,
    ],
    ['another kind', (d) => Object.assign(d, { kind: 'ClusterConfig' }), /^kind: /],
    ['an unknown role', (d) => Object.assign(host(d), { role: 'master' }), /^spec\.hosts\.0\.role: /],
    ['a port as text', (d) => Object.assign(host(d).ssh!, { port: '22' }), /^spec\.hosts\.0\.ssh\.port: /],
    [
      'a port out of range',
      (d) => Object.assign(host(d).ssh!, { port: 70000 }),
      /^spec\.hosts\.0\.ssh\.port: /,
    ],
    [
      'an unknown host field (strict YAML)',
      (d) => Object.assign(host(d), { sshPort: 22 }),
      /^spec\.hosts\.0: .*sshPort/,
    ],
    [
      'a privateAddress that is no IP',
      (d) => Object.assign(host(d), { privateAddress: 'eth0' }),
      /privateAddress: expected an IP/,
    ],
    [
      'an address that is no host name',
      (d) => Object.assign(host(d).ssh!, { address: 'no such host!' }),
      /ssh\.address: /,
    ],
    [
      'no controller',
      (d) => d.spec.hosts.forEach((h) => Object.assign(h, { role: 'worker' })),
      /no hosts with a controller role/,
    ],
    [
      'two hosts at one address',
      (d) => Object.assign(host(d, 1).ssh!, { address: host(d).ssh!.address }),
      /is not unique/,
    ],
    [
      'noTaints on a plain controller',
      (d) => Object.assign(host(d), { noTaints: true }),
      /noTaints can only be true/,
    ],
    [
      'a k0s version that is no version',
      (d) => Object.assign(d.spec.k0s!, { version: '1.33' }),
      /^spec\.k0s\.version: /,
    ],
    [
      'an unknown calico mode (k0s)',
      (d) => Object.assign(network(d).calico!, { mode: 'bgp' }),
      /calico\.mode: /,
    ],
    [
      'an unknown network field (k0s is strict too)',
      (d) => Object.assign(network(d), { cni: 'x' }),
      /network: .*cni/,
    ],
    [
      'an unknown load balancer type',
      (d) => Object.assign(network(d).nodeLocalLoadBalancing!, { type: 'HAProxy' }),
      /nodeLocalLoadBalancing\.type: /,
    ],
  ])('%s', (_, change, problem) => {
    const doc = base();
    expect(k0sctlProblems(doc)).toEqual([]);
    change(doc);
    expect(k0sctlProblems(doc)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
