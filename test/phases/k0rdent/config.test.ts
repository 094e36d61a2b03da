/** k0rdent.yaml: upstream files accepted unchanged, defaults, and errors that name key paths and allowed values. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileError } from '../../../src/errors.js';
import { parseConfig, validateConfig } from '../../../src/phases/k0rdent/config.js';
import { buildK0rdentDeployment } from '../../../src/phases/k0rdent/deployment.js';
import { productionRuntime } from '../../../src/phases/k0rdent/runtime.js';
import { plannedHosts } from '../../../src/phases/k0rdent/topology.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/k0rdent/${name}`, import.meta.url));
const repoFile = (name: string) => fileURLToPath(new URL(`../../../${name}`, import.meta.url));

function problems(text: string): string {
  try {
    parseConfig(text, 'k0rdent.yaml');
  } catch (error) {
    if (error instanceof FileError) return error.message;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

test('a config written for the bash project is accepted unchanged; retired keys get a notice', () => {
  const loaded = parseConfig(readFileSync(fixture('upstream-format.yaml'), 'utf8'), 'upstream.yaml');
  expect(loaded.config.azure.vm_priority).toBe('Spot');
  expect(loaded.config.azure.eviction_policy).toBe('Delete');
  expect(loaded.config.cluster.controllers.zones).toEqual(['2', '3']);
  expect(plannedHosts(loaded.config).map((h) => `${h.name}@${h.zone}`)).toEqual([
    'k0s-controller@2',
    'k0s-controller-2@3',
    'k0s-controller-3@2',
    'k0s-worker-1@3',
    'k0s-worker-2@2',
    'k0s-worker-3@3',
  ]);
  expect(loaded.notices).toHaveLength(4);
  // The bash project waited 5 s for handshakes: kept, with the reason to wait longer.
  expect(loaded.config.timeouts.wireguard_connect_wait).toBe(5);
  expect(loaded.notices.join('\n')).toMatch(
    /timeouts\.wireguard_connect_wait is 5 s; WireGuard retries a lost handshake every 5 s.*15 s or more/,
  );
  expect(loaded.notices.join('\n')).toMatch(/timeouts\.ssh_command is no longer needed and is ignored/);
  expect('ssh_command' in loaded.config.timeouts).toBe(false);
});

test('the shipped config/k0rdent-default.yaml is valid and equals the built-in defaults', () => {
  const shipped = parseConfig(readFileSync(repoFile('config/k0rdent-default.yaml'), 'utf8'), 'default');
  expect(shipped.notices).toEqual([]);
  expect(shipped.config).toEqual(validateConfig({}, 'empty').config);
  expect(shipped.config.azure.location).toBe('westus2');
  expect(shipped.config.software.k0rdent.version).toBe('1.1.1');
});

test('Spot and Regular are case-insensitive', () => {
  for (const value of ['SPOT', 'Spot', ' spot ']) {
    expect(validateConfig({ azure: { vm_priority: value } }, 'x').config.azure.vm_priority).toBe('Spot');
  }
  expect(validateConfig({ azure: { vm_priority: 'regular' } }, 'x').config.azure.vm_priority).toBe('Regular');
});

test('every problem is reported at once, with line, key path and what is allowed', () => {
  const message = problems(
    [
      'azure:',
      '  vm_priority: cheap',
      '  locaton: westus2',
      'cluster:',
      '  workers:',
      '    count: 100',
      '    zones: [4]',
      'ssh:',
      '  username: root',
    ].join('\n'),
  );
  expect(message).toContain('k0rdent.yaml:2:16: azure.vm_priority: expected one of Regular, Spot (any case)');
  expect(message).toMatch(
    /k0rdent\.yaml:3:3: azure: unknown key "locaton"; allowed keys: location, subscription_id/,
  );
  expect(message).toContain('cluster.workers.count: expected a whole number from 0 to 50');
  expect(message).toContain('cluster.workers.zones[0]: expected an availability zone: 1, 2 or 3');
  expect(message).toContain('ssh.username: root is a name Azure reserves');
});

test('relations between keys: subnet inside the VNet, WireGuard network outside it and large enough', () => {
  expect(problems('network:\n  subnet_prefix: 10.9.0.0/24\n')).toContain(
    'network.subnet_prefix: 10.9.0.0/24 is not inside network.vnet_prefix 10.0.0.0/16',
  );
  expect(problems('network:\n  wireguard_network: 10.0.200.0/24\n')).toContain(
    'overlaps network.vnet_prefix',
  );
  expect(problems('network:\n  wireguard_network: 192.168.100.0/29\n')).toContain('is too small for 2 hosts');
  expect(problems('network:\n  vnet_prefix: 10.0.0.1/16\n')).toContain(
    'network.vnet_prefix: expected an IPv4 network in CIDR form',
  );
});

test('optional components: kof.enabled turns on the Azure child credentials and says so', () => {
  const kof = parseConfig('kof:\n  enabled: true\n', 'k0rdent.yaml');
  expect(kof.config.kof.enabled).toBe(true);
  expect(kof.notices.join('\n')).toContain('kof.enabled is true, so setup_azure_children runs too');
  const children = parseConfig('azure_children:\n  enabled: true\n', 'k0rdent.yaml');
  expect(children.notices).toEqual([]);
  expect(children.config.azure_children).toMatchObject({
    enabled: true,
    client_secret_env: 'AZURE_CHILDREN_CLIENT_SECRET',
    capz_wait: 300,
  });
  expect(problems('azure_children:\n  enabled: yes please\n')).toContain(
    'azure_children.enabled: expected true or false',
  );
  expect(problems('azure_children:\n  scope: my-group\n')).toContain(
    'azure_children.scope: expected an Azure scope: /subscriptions/<id>',
  );
  expect(problems('azure_children:\n  client_secret: hunter22\n')).toMatch(
    /azure_children: unknown key "client_secret"; allowed keys: enabled, client_id, client_secret_env/,
  );
});

test("the bash project's production examples (kof.enabled: true) validate unchanged", () => {
  for (const name of ['upstream-production.yaml', 'upstream-production-arm64-southeastasia.yaml']) {
    const loaded = parseConfig(readFileSync(fixture(name), 'utf8'), name);
    expect(loaded.config.kof.enabled).toBe(true);
    const deployment = buildK0rdentDeployment({
      id: 'k0rdent-prod1234',
      loaded,
      runtime: productionRuntime(loaded.config, { workDir: '/tmp/unused' }),
    });
    expect(deployment.flags).toEqual({ azure_children: true, kof: true });
    const children = deployment.phases.find((p) => p.name === 'setup_azure_children');
    expect(children?.disabledBecause).toBeUndefined();
  }
});

test('the pod-network probe image: busybox by default, any registry, pinned by tag or digest', () => {
  expect(parseConfig('azure:\n', 'k.yaml').config.software.pod_network_probe.image).toBe('busybox:1.36.1');
  for (const image of [
    'mirror.example.com/library/busybox:1.36.1',
    'registry.internal:5000/tools/busybox:1.36',
    `busybox@sha256:${'0'.repeat(64)}`,
  ]) {
    const text = `software:\n  pod_network_probe:\n    image: "${image}"\n`;
    expect(parseConfig(text, 'k.yaml').config.software.pod_network_probe.image).toBe(image);
  }
  for (const image of ['busybox', 'Busybox:1.36', 'busybox:1.36 ; rm -rf /', 'https://x/busybox:1']) {
    expect(problems(`software:\n  pod_network_probe:\n    image: "${image}"\n`)).toContain(
      'software.pod_network_probe.image: expected a container image pinned by tag or digest',
    );
  }
});

test('keys with no value take their defaults; YAML syntax errors are located', () => {
  expect(parseConfig('metadata:\n# owner: x\nazure:\n', 'k.yaml').config.azure.location).toBe('westus2');
  expect(problems('azure: [\n')).toMatch(/k0rdent\.yaml:\d+:\d+: YAML syntax error/);
});

test('phase inputs are the config keys each phase reads: a worker count changes create_vms and install_k0s only', () => {
  const runtime = productionRuntime(validateConfig({}, 'x').config, { workDir: '/tmp/unused' });
  const inputs = (workers: number) =>
    Object.fromEntries(
      buildK0rdentDeployment({
        id: 'k0rdent-x',
        loaded: validateConfig({ cluster: { workers: { count: workers } } }, 'x'),
        runtime,
      }).phases.map((p) => [p.name, JSON.stringify(p.inputs)]),
    );
  const [two, three] = [inputs(2), inputs(3)];
  const changed = Object.keys(two).filter((name) => two[name] !== three[name]);
  expect(changed).toEqual(['create_vms', 'install_k0s']);
});

test('admin user names Azure reserves are refused, whatever their case, with what to choose instead', () => {
  for (const name of ['admin', 'user', 'test', 'guest', 'sys', 'administrator', 'support', 'owner', 'adm']) {
    expect(problems(`ssh:\n  username: ${name}\n`)).toContain(
      `ssh.username: ${name} is a name Azure reserves and refuses for a VM's admin user`,
    );
  }
  expect(problems('ssh:\n  username: Admin\n')).toContain('ssh.username: expected a Linux user name');
  expect(parseConfig('ssh:\n  username: azureadmin\n', 'k.yaml').config.ssh.username).toBe('azureadmin');
});

test('a pinned deployment id must leave room for the names Azure derives from it (<id>-vnet ≤ 64)', () => {
  const id = (length: number) => `k0rdent-${'x'.repeat(length - 8)}`;
  expect(parseConfig(`metadata:\n  deployment_id: ${id(59)}\n`, 'k.yaml').config.metadata.deployment_id).toBe(
    id(59),
  );
  expect(problems(`metadata:\n  deployment_id: ${id(60)}\n`)).toContain(
    'metadata.deployment_id: expected at most 59 characters for the built-in deployment',
  );
  // However the id arrives (an action input, the state), the deployment is not built with it.
  const runtime = productionRuntime(validateConfig({}, 'x').config, { workDir: '/tmp/unused' });
  expect(() => buildK0rdentDeployment({ id: id(63), loaded: validateConfig({}, 'x'), runtime })).toThrow(
    /the virtual network name k0rdent-x+-vnet is 68 characters; Azure allows 64/,
  );
});

test('KOF keys: the bash project defaults, "" and null as unset, and problems that name the key and what is allowed', () => {
  const kof = parseConfig(
    'kof:\n  enabled: false\n  version: ""\n  istio:\n    version: 1.1.0\n  mothership:\n    storage_class: default\n    collectors:\n      global: {}\n  regional:\n    cluster_name: ""\n    root_volume_size: "64"\n    cp_instance_size: Standard_D4pls_v6\n',
    'k.yaml',
  ).config.kof;
  expect(kof.version).toBe('1.1.0');
  expect(kof.regional.cluster_name).toBeUndefined();
  expect(kof.regional.root_volume_size).toBe(64);
  expect(kof.regional).toMatchObject({
    location: 'eastus',
    template: 'azure-standalone-cp-1-0-8',
    credential: 'azure-cluster-credential',
    cp_instance_size: 'Standard_D4pls_v6',
    worker_instance_size: 'Standard_A4_v2',
    control_plane_number: 1,
    workers_number: 3,
  });
  expect(kof.mothership).toMatchObject({ namespace: 'kof', install_retries: 3, retry_delay_seconds: 30 });
  expect(validateConfig({}, 'x').config.software.azure_disk_csi.version).toBe('v1.30.0');

  expect(problems('kof:\n  regional:\n    root_volume_size: 8\n')).toContain(
    'kof.regional.root_volume_size: expected a root volume size in GB, a whole number from 30 to 4095',
  );
  expect(problems('kof:\n  regional:\n    admin_email: nobody\n')).toContain(
    'kof.regional.admin_email: expected an e-mail address',
  );
  expect(problems('kof:\n  mothership:\n    install_retries: 0\n')).toContain(
    'kof.mothership.install_retries: expected a whole number from 1 to 10',
  );
  expect(problems('kof:\n  regional:\n    labels:\n      "bad key!": x\n')).toContain(
    'kof.regional.labels: expected Kubernetes label keys such as k0rdent.mirantis.com/role; not bad key!',
  );
  expect(problems('kof:\n  mothership:\n    storageclass: x\n')).toMatch(
    /kof\.mothership.*storageclass.*allowed keys: .*storage_class/,
  );
});
