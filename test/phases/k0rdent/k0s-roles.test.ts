/** k0s roles of a new and of a running cluster, and which edits k0s cannot follow. Pure. */
import { validateConfig } from '../../../src/phases/k0rdent/config.js';
import type { K0sCluster } from '../../../src/phases/k0rdent/facts.js';
import { clusterGone, replacedHosts } from '../../../src/phases/k0rdent/k0s-cluster.js';
import { keptRoles, placements, topologyProblems } from '../../../src/phases/k0rdent/k0s-roles.js';
import { plannedHosts } from '../../../src/phases/k0rdent/topology.js';

const hosts = (controllers: number, workers: number) =>
  plannedHosts(
    validateConfig({ cluster: { controllers: { count: controllers }, workers: { count: workers } } }, 't')
      .config,
  );

function running(roles: Record<string, [K0sCluster['hosts'][string]['role'], boolean]>): K0sCluster {
  return {
    version: 'v1.33.2+k0s.0',
    hosts: Object.fromEntries(
      Object.entries(roles).map(([name, [role, noTaints]], i) => [
        name,
        { role, no_taints: noTaints, address: `192.168.100.${11 + i}`, vm_id: `vm-${name}` },
      ]),
    ),
  };
}

test('a running host keeps its role and taint setting; new hosts get a new cluster’s', () => {
  const cluster = running({
    'k0s-controller': ['controller+worker', false],
    'k0s-worker-1': ['worker', false],
  });
  const planned = placements(hosts(3, 1), cluster);
  expect(
    Object.fromEntries([...planned].map(([n, p]) => [n, `${p.role}${p.noTaints ? ' noTaints' : ''}`])),
  ).toEqual({
    'k0s-controller': 'controller+worker',
    'k0s-controller-2': 'controller',
    'k0s-controller-3': 'controller',
    'k0s-worker-1': 'worker',
  });
  expect(keptRoles(hosts(3, 1), cluster)).toEqual([
    'k0s-controller keeps running as controller+worker (a new cluster would make it controller)',
  ]);
  expect(topologyProblems(hosts(3, 1), cluster)).toEqual([]);
});

test('no workers is fine for a new cluster and for untainted controller+workers, refused otherwise', () => {
  expect(topologyProblems(hosts(3, 0), undefined)).toEqual([]);
  const untainted = running({
    'k0s-controller': ['controller+worker', true],
    'k0s-worker-1': ['worker', false],
  });
  expect(topologyProblems(hosts(1, 0), untainted)).toEqual([]);
  const tainted = running({
    'k0s-controller': ['controller+worker', false],
    'k0s-worker-1': ['worker', false],
  });
  expect(topologyProblems(hosts(1, 0), tainted).join()).toMatch(
    /k0s-controller registered with the control-plane NoSchedule taint.*Keep at least one worker/,
  );
  const controllers = running({
    'k0s-controller': ['controller', false],
    'k0s-controller-2': ['controller', false],
    'k0s-controller-3': ['controller', false],
    'k0s-worker-1': ['worker', false],
  });
  // New controllers would be untainted controller+workers, but the running ones cannot change.
  expect(topologyProblems(hosts(3, 0), controllers).join()).toMatch(
    /k0s-controller runs k0s as controller \(no kubelet\)/,
  );
  expect(topologyProblems(hosts(5, 0), controllers)).toEqual([]);
});

test('replaced hosts are those whose VM id changed; a cluster is gone only when every VM is', () => {
  const cluster = running({ 'k0s-controller': ['controller', false], 'k0s-worker-1': ['worker', false] });
  const vms = { 'k0s-controller': { vm_id: 'vm-k0s-controller' }, 'k0s-worker-1': { vm_id: 'new' } };
  expect(replacedHosts(cluster, vms)).toEqual(['k0s-worker-1']);
  expect(clusterGone(cluster, vms)).toBe(false);
  expect(clusterGone(cluster, { 'k0s-controller': { vm_id: 'a' }, 'k0s-worker-1': { vm_id: 'b' } })).toBe(
    true,
  );
  // VM ids never recorded (an older state): not known to be gone.
  expect(clusterGone(cluster, { 'k0s-controller': {}, 'k0s-worker-1': {} })).toBe(false);
});
