import { K0RDENT_CATALOGUE, K0RDENT_PHASE_NAMES } from '../../src/graph/k0rdent-catalogue.js';
import { allowedKeysAt } from '../../src/phases/k0rdent/config.js';

describe('the built-in k0rdent catalogue', () => {
  test('every config key a phase reads is a key of the config schema', () => {
    // A key the schema does not know reads as null: the phase would never see that setting change.
    // The kof section stays open (any key) until the KOF phases exist: OPTIONAL-PHASES.md.
    for (const entry of K0RDENT_CATALOGUE) {
      for (const key of entry.configKeys.filter((k) => !k.startsWith('kof.'))) {
        const path = key.split('.');
        expect({
          phase: entry.name,
          key,
          known: allowedKeysAt(path.slice(0, -1))?.includes(path.at(-1)!),
        }).toEqual({
          phase: entry.name,
          key,
          known: true,
        });
      }
    }
  });

  test('each phase reads the config keys whose change must re-run it, and no others', () => {
    // The inputs fingerprint: a change to one of these keys re-runs the phase and what needs it
    // (DESIGN.md section 1); a key missing here is a change silently not applied.
    const topology = [
      'cluster.controllers.count',
      'cluster.controllers.zones',
      'cluster.workers.count',
      'cluster.workers.zones',
    ];
    expect(Object.fromEntries(K0RDENT_CATALOGUE.map((e) => [e.name, e.configKeys]))).toEqual({
      // The WireGuard network and port every cloud-init holds and the SSH key: host counts (create_vms
      // gives a host a later config adds its keys), sizes, zones or location do not redo keys and
      // cloud-init.
      prepare_deployment: ['network.wireguard_network', 'network.wireguard_port', 'ssh.key_comment'],
      setup_network: ['azure.location', 'network.vnet_prefix', 'network.subnet_prefix', 'ssh.lockdown'],
      create_vms: [
        'azure.location',
        'azure.vm_image',
        'azure.vm_priority',
        'azure.eviction_policy',
        'vm_sizing.controller.size',
        'vm_sizing.worker.size',
        ...topology,
        'ssh.username',
        'ssh.lockdown',
      ],
      setup_vpn: ['network.wireguard_network'],
      connect_vpn: [],
      install_k0s: [
        'software.k0s.version',
        'ssh.username',
        'cluster.controllers.count',
        'cluster.workers.count',
      ],
      install_k0rdent: [
        'software.k0rdent.version',
        'software.k0rdent.registry',
        'software.k0rdent.namespace',
      ],
      // Who the principal is, where its role applies, where its objects go; not the secret (validate checks it).
      setup_azure_children: [
        'azure_children.client_id',
        'azure_children.client_secret_env',
        'azure_children.tenant_id',
        'azure_children.role',
        'azure_children.scope',
        'azure.subscription_id',
        'software.k0rdent.namespace',
      ],
      // Its cloud config names the location and the id's group, VNet, subnet and NSG.
      install_azure_csi: [
        'azure.location',
        'software.azure_disk_csi.version',
        'software.azure_disk_csi.repository',
      ],
      // Retries, delays and timeouts change how it waits, not what it installs.
      install_kof_mothership: [
        'kof.version',
        'kof.istio',
        'kof.mothership.namespace',
        'kof.mothership.storage_class',
      ],
      install_kof_regional: [
        'kof.version',
        'software.k0rdent.namespace',
        'kof.regional.cluster_name',
        'kof.regional.domain',
        'kof.regional.admin_email',
        'kof.regional.location',
        'kof.regional.template',
        'kof.regional.credential',
        'kof.regional.cp_instance_size',
        'kof.regional.worker_instance_size',
        'kof.regional.root_volume_size',
        'kof.regional.control_plane_number',
        'kof.regional.workers_number',
        'kof.regional.labels',
      ],
    });
  });

  test('names, display names, runner scope and the flags of the optional phases', () => {
    expect(K0RDENT_CATALOGUE.map((e) => ({ ...e, needs: undefined, configKeys: undefined }))).toEqual([
      { name: 'prepare_deployment', displayName: 'Prepare deployment', runnerScoped: false },
      { name: 'setup_network', displayName: 'Set up Azure network', runnerScoped: false },
      { name: 'create_vms', displayName: 'Create VMs', runnerScoped: false },
      { name: 'setup_vpn', displayName: 'Set up WireGuard VPN', runnerScoped: false },
      { name: 'connect_vpn', displayName: 'Connect WireGuard VPN', runnerScoped: true },
      { name: 'install_k0s', displayName: 'Install k0s', runnerScoped: false },
      { name: 'install_k0rdent', displayName: 'Install k0rdent', runnerScoped: false },
      {
        name: 'setup_azure_children',
        displayName: 'Set up Azure child-cluster credentials',
        flag: 'azure_children',
        runnerScoped: false,
      },
      {
        name: 'install_azure_csi',
        displayName: 'Install Azure Disk CSI driver',
        flag: 'kof',
        runnerScoped: false,
      },
      {
        name: 'install_kof_mothership',
        displayName: 'Install KOF mothership',
        flag: 'kof',
        runnerScoped: false,
      },
      {
        name: 'install_kof_regional',
        displayName: 'Install KOF regional cluster',
        flag: 'kof',
        runnerScoped: false,
      },
    ]);
    expect(K0RDENT_PHASE_NAMES).toEqual(K0RDENT_CATALOGUE.map((e) => e.name));
  });
});
