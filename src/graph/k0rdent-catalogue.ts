/**
 * The built-in k0rdent catalogue as data: names, display names, needs (DESIGN.md section 1), the
 * deployment flag that enables each optional phase, runner scope, and the config keys each phase
 * reads (their values are the phase's input fingerprint). What each phase does lives in
 * src/phases/k0rdent; this file is what the graph, the migration and `status` need to know.
 */

export interface CatalogueEntry {
  readonly name: string;
  readonly displayName: string;
  readonly needs: readonly string[];
  /** Deployment flag that enables an optional phase; absent for phases that always run. */
  readonly flag?: 'azure_children' | 'kof';
  /** Its result lives on one runner (a WireGuard tunnel): re-checked in every job, never cascades. */
  readonly runnerScoped: boolean;
  /** Dotted config keys the phase reads. */
  readonly configKeys: readonly string[];
}

const sizing = ['vm_sizing.controller.size', 'vm_sizing.worker.size'];
const topology = [
  'cluster.controllers.count',
  'cluster.controllers.zones',
  'cluster.workers.count',
  'cluster.workers.zones',
];

export const K0RDENT_CATALOGUE: readonly CatalogueEntry[] = [
  {
    name: 'prepare_deployment',
    displayName: 'Prepare deployment',
    needs: [],
    runnerScoped: false,
    // The WireGuard network and port every cloud-init holds, and the SSH key: not the host counts
    // (create_vms gives a host a later config adds its keys), sizes, zones or location, so changing
    // those does not redo keys and cloud-init and everything after them.
    configKeys: ['network.wireguard_network', 'network.wireguard_port', 'ssh.key_comment'],
  },
  {
    name: 'setup_network',
    displayName: 'Set up Azure network',
    needs: ['prepare_deployment'],
    runnerScoped: false,
    // ssh.lockdown: whether the NSG it writes has a rule for SSH from the internet.
    configKeys: ['azure.location', 'network.vnet_prefix', 'network.subnet_prefix', 'ssh.lockdown'],
  },
  {
    name: 'create_vms',
    displayName: 'Create VMs',
    needs: ['prepare_deployment', 'setup_network'],
    runnerScoped: false,
    configKeys: [
      'azure.location',
      'azure.vm_image',
      'azure.vm_priority',
      'azure.eviction_policy',
      ...sizing,
      ...topology,
      'ssh.username',
      // Whether it opens (and closes again) an SSH window while it waits for cloud-init.
      'ssh.lockdown',
    ],
  },
  {
    name: 'setup_vpn',
    displayName: 'Set up WireGuard VPN',
    needs: ['prepare_deployment', 'create_vms'],
    runnerScoped: false,
    configKeys: ['network.wireguard_network'],
  },
  {
    name: 'connect_vpn',
    displayName: 'Connect WireGuard VPN',
    needs: ['setup_vpn'],
    runnerScoped: true,
    configKeys: [],
  },
  {
    name: 'install_k0s',
    displayName: 'Install k0s',
    needs: ['create_vms', 'setup_vpn'],
    runnerScoped: false,
    // Not software.pod_network_probe.image: the probe checks the cluster and builds nothing, so a new
    // image is simply used by the next check.
    configKeys: [
      'software.k0s.version',
      'ssh.username',
      'cluster.controllers.count',
      'cluster.workers.count',
    ],
  },
  {
    name: 'install_k0rdent',
    displayName: 'Install k0rdent',
    needs: ['install_k0s'],
    runnerScoped: false,
    configKeys: ['software.k0rdent.version', 'software.k0rdent.registry', 'software.k0rdent.namespace'],
  },
  {
    name: 'setup_azure_children',
    displayName: 'Set up Azure child-cluster credentials',
    needs: ['install_k0rdent'],
    flag: 'azure_children',
    runnerScoped: false,
    // The secret's value is not an input (it is not in the config): validate compares it instead.
    configKeys: [
      'azure_children.client_id',
      'azure_children.client_secret_env',
      'azure_children.tenant_id',
      'azure_children.role',
      'azure_children.scope',
      'azure.subscription_id',
      'software.k0rdent.namespace',
    ],
  },
  {
    name: 'install_azure_csi',
    displayName: 'Install Azure Disk CSI driver',
    needs: ['install_k0s', 'setup_azure_children'],
    flag: 'kof',
    runnerScoped: false,
    // The cloud config names the deployment's group, VNet, subnet and NSG (from its id) and location.
    configKeys: ['azure.location', 'software.azure_disk_csi.version', 'software.azure_disk_csi.repository'],
  },
  {
    name: 'install_kof_mothership',
    displayName: 'Install KOF mothership',
    needs: ['install_k0rdent', 'install_azure_csi'],
    flag: 'kof',
    runnerScoped: false,
    // Not the retry count, delay or timeout: they change how it waits, not what it installs.
    configKeys: ['kof.version', 'kof.istio', 'kof.mothership.namespace', 'kof.mothership.storage_class'],
  },
  {
    name: 'install_kof_regional',
    displayName: 'Install KOF regional cluster',
    needs: ['install_kof_mothership', 'setup_azure_children'],
    flag: 'kof',
    runnerScoped: false,
    configKeys: [
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
  },
];

export const K0RDENT_PHASE_NAMES: readonly string[] = K0RDENT_CATALOGUE.map((entry) => entry.name);
