/**
 * `k0rdent.yaml`: the bash project's configuration format (UPSTREAM.md), parsed and validated with
 * zod. A file written for the bash project is accepted unchanged; keys it no longer needs are accepted
 * with a notice; every other problem names its key path and the values allowed there.
 */
import { readInputFile } from '../../tools/read-input-file.js';
import * as z from 'zod/mini';
import { FileError, type FileProblem } from '../../errors.js';
import { DEPLOYMENT_ID_PATTERN, DEPLOYMENT_ID_RULE } from '../../state/names.js';
import {
  formatPath,
  issuesToProblems,
  locate,
  parseYaml,
  type ParsedYaml,
} from '../../state/yaml-validation.js';
import { BUILTIN_DEPLOYMENT_ID_RULE, MAX_BUILTIN_DEPLOYMENT_ID_LENGTH } from './azure-names.js';
import { cidrContains, cidrsOverlap, parseCidr } from './ipv4.js';

/** Config files are hand-written; anything this large is a mistake. */
const MAX_CONFIG_BYTES = 256 * 1024;

export const DEFAULT_CONFIG_FILES = ['config/k0rdent.yaml', 'config/k0rdent-default.yaml'] as const;

// ---- field helpers: every message says what is allowed --------------------------------------------

function oneOf<const T extends readonly string[]>(values: T) {
  const allowed = `expected one of ${values.join(', ')} (any case)`;
  return z.pipe(
    z
      .string({ error: allowed })
      .check(
        z.refine((v) => values.some((a) => a.toLowerCase() === v.trim().toLowerCase()), { error: allowed }),
      ),
    z.transform((v: string) => values.find((a) => a.toLowerCase() === v.trim().toLowerCase()) as T[number]),
  );
}

function wholeNumber(min: number, max: number) {
  const rule = `expected a whole number from ${min} to ${max}`;
  return z.int({ error: rule }).check(z.minimum(min, { error: rule }), z.maximum(max, { error: rule }));
}

function text(pattern: RegExp, rule: string) {
  return z.string({ error: rule }).check(z.regex(pattern, { error: rule }));
}

const CIDR_RULE = 'expected an IPv4 network in CIDR form, e.g. 10.0.0.0/16';
const cidr = z
  .string({ error: CIDR_RULE })
  .check(z.refine((v) => parseCidr(v) !== undefined, { error: CIDR_RULE }));

const ZONE_RULE = 'expected an availability zone: 1, 2 or 3';
const zone = z.pipe(
  z
    .union([z.int(), z.string()], { error: ZONE_RULE })
    .check(z.refine((v) => ['1', '2', '3'].includes(String(v).trim()), { error: ZONE_RULE })),
  z.transform((v: number | string) => String(v).trim()),
);
const zones = z
  .array(zone, { error: 'expected a list of zones, e.g. [1, 2, 3]' })
  .check(z.minLength(1, { error: 'expected at least one zone, e.g. [1]' }));

const VM_SIZE = text(/^[A-Za-z0-9_]+$/, 'expected an Azure VM size such as Standard_B2s');
const IMAGE_RULE = 'expected an image URN publisher:offer:sku:version, e.g. Debian:debian-12:12-gen2:latest';
const image = text(/^[^:\s]+:[^:\s]+:[^:\s]+:[^:\s]+$/, IMAGE_RULE);
const LOCATION = text(/^[a-z0-9]+$/, 'expected an Azure region name in lower case, e.g. westus2');
const VERSION = text(/^v?[0-9A-Za-z.+_-]+$/, 'expected a version such as 1.2.3');
const K0S_VERSION = text(/^v\d+\.\d+\.\d+\+k0s\.\d+$/, 'expected a k0s version such as v1.33.2+k0s.0');
const NAMESPACE = text(
  /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
  'expected a Kubernetes namespace name (lower-case letters, digits, dashes)',
);
const CHART = text(
  /^(oci|https?):\/\/\S+$/,
  'expected a chart reference such as oci://ghcr.io/k0rdent/kcm/charts/kcm',
);
const USERNAME = text(
  /^[a-z_][a-z0-9_-]{0,31}$/,
  'expected a Linux user name (lower-case letters, digits, _ or -) that Azure does not reserve',
);
const URL_RULE = 'expected an https:// URL';
const httpsUrl = text(/^https:\/\/\S+$/, URL_RULE);
const TEMPLATE_RULE = 'expected an https:// URL template using {version}, {os} and {arch}';
const urlTemplate = text(/^https?:\/\/\S+$/, TEMPLATE_RULE);
const seconds = (max: number) => wholeNumber(1, max);

/** Accepted and ignored: the bash project read these, this one does not need them. */
export const RETIRED_KEYS: Readonly<Record<string, string>> = {
  'timeouts.ssh_command': 'SSH commands are bounded by timeouts.ssh_connect',
  'timeouts.cloud_init_timeout': 'cloud-init completion is awaited within timeouts.vm_creation_minutes',
  'timeouts.cloud_init_check_interval': 'cloud-init is checked every timeouts.vm_wait_check_interval seconds',
};
const retired = z.optional(z.unknown());

// ---- the schema ---------------------------------------------------------------------------------

const MetadataSchema = z.strictObject({
  version: z.optional(z.union([z.string(), z.number()])),
  schema: z.optional(z.string()),
  description: z.optional(z.string()),
  owner: z.optional(z.string()),
  deployment_id: z.optional(
    text(DEPLOYMENT_ID_PATTERN, `expected ${DEPLOYMENT_ID_RULE}`).check(
      z.maxLength(MAX_BUILTIN_DEPLOYMENT_ID_LENGTH, { error: `expected ${BUILTIN_DEPLOYMENT_ID_RULE}` }),
    ),
  ),
});

const AzureSchema = z.strictObject({
  location: z._default(LOCATION, 'westus2'),
  subscription_id: z.optional(
    text(/^[0-9a-fA-F-]{36}$/, 'expected a subscription id (a GUID); or set AZURE_SUBSCRIPTION_ID'),
  ),
  vm_image: z._default(image, 'Debian:debian-12:12-gen2:latest'),
  vm_priority: z._default(oneOf(['Regular', 'Spot'] as const), 'Regular'),
  eviction_policy: z._default(oneOf(['Deallocate', 'Delete'] as const), 'Deallocate'),
  /** Another cloud's (or a test's) Resource Manager; the public cloud's by default. */
  resource_manager_endpoint: z.optional(httpsUrl),
  /** Another cloud's Microsoft Graph (e.g. https://graph.microsoft.us); the public cloud's by default. */
  graph_endpoint: z.optional(httpsUrl),
});

const NetworkSchema = z.strictObject({
  vnet_prefix: z._default(cidr, '10.0.0.0/16'),
  subnet_prefix: z._default(cidr, '10.0.1.0/24'),
  wireguard_network: z._default(cidr, '192.168.100.0/24'),
  /** Picked once in 30000–64000 and kept in the state when not set. */
  wireguard_port: z.optional(wholeNumber(1024, 65535)),
});

const SizeSchema = z.strictObject({ size: z._default(VM_SIZE, 'Standard_B2s') });
const VmSizingSchema = z.strictObject({
  controller: z._default(SizeSchema, { size: 'Standard_B2s' }),
  worker: z._default(SizeSchema, { size: 'Standard_B2s' }),
});

const ClusterSchema = z.strictObject({
  controllers: z._default(
    z.strictObject({ count: z._default(wholeNumber(1, 9), 1), zones: z._default(zones, ['1']) }),
    { count: 1, zones: ['1'] },
  ),
  workers: z._default(
    z.strictObject({ count: z._default(wholeNumber(0, 50), 1), zones: z._default(zones, ['1']) }),
    { count: 1, zones: ['1'] },
  ),
});

/**
 * Admin user names a VM create refuses: the "Disallowed values" of `osProfile.adminUsername` in the
 * Compute API reference (VirtualMachines CreateOrUpdate), compared without regard to case.
 */
export const AZURE_RESERVED_ADMIN_USERNAMES: readonly string[] = (
  'administrator admin user user1 test user2 test1 user3 admin1 1 123 a actuser adm admin2 aspnet ' +
  'backup console david guest john owner root server sql support support_388945a0 sys test2 test3 user4 user5'
).split(' ');

const SshSchema = z.strictObject({
  username: z._default(
    USERNAME.check(
      z.refine((v) => !AZURE_RESERVED_ADMIN_USERNAMES.includes(v.toLowerCase()), {
        error: (issue) =>
          `${String(issue.input)} is a name Azure reserves and refuses for a VM's admin user ` +
          '(administrator, admin, user, test, guest, root, sys and others); choose another, e.g. k0rdent',
      }),
    ),
    'k0rdent',
  ),
  key_comment: z._default(z.string(), 'k0rdent-azure-key'),
  /**
   * No SSH from the internet once the VMs are up: the NSG has no rule for TCP 22, create_vms opens a
   * window to the VMs it checks while it waits for cloud-init, and everything after reaches the VMs over
   * WireGuard. `false` keeps the rule setup_network always made (TCP 22 from anywhere).
   */
  lockdown: z._default(z.boolean(), true),
});

/**
 * The pod-network check's image (install_k0s): small, with `ping` and `sleep`; pinned by tag or digest.
 * A mirror for clusters that may not pull from Docker Hub is the reason to change it.
 */
export const POD_NETWORK_PROBE_IMAGE = 'busybox:1.36.1';
const IMAGE = text(
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64}|:[\w][\w.-]{0,127}@sha256:[a-f0-9]{64})$/,
  'expected a container image pinned by tag or digest, such as busybox:1.36.1 or registry.example.com/mirror/busybox:1.36.1 (it needs ping and sleep)',
);

const AZURE_DISK_CSI_DEFAULTS = {
  version: 'v1.30.0',
  repository: 'https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts',
} as const;

const SoftwareSchema = z.strictObject({
  k0s: z._default(z.strictObject({ version: z._default(K0S_VERSION, 'v1.33.2+k0s.0') }), {
    version: 'v1.33.2+k0s.0',
  }),
  k0rdent: z._default(
    z.strictObject({
      version: z._default(VERSION, '1.1.1'),
      registry: z._default(CHART, 'oci://ghcr.io/k0rdent/kcm/charts/kcm'),
      namespace: z._default(NAMESPACE, 'kcm-system'),
    }),
    { version: '1.1.1', registry: 'oci://ghcr.io/k0rdent/kcm/charts/kcm', namespace: 'kcm-system' },
  ),
  k0sctl: z._default(
    z.strictObject({
      version: z._default(VERSION, '0.30.1'),
      url: z._default(
        urlTemplate,
        'https://github.com/k0sproject/k0sctl/releases/download/v{version}/k0sctl-{os}-{arch}',
      ),
    }),
    {
      version: '0.30.1',
      url: 'https://github.com/k0sproject/k0sctl/releases/download/v{version}/k0sctl-{os}-{arch}',
    },
  ),
  /** The Azure Disk CSI driver's official chart (install_azure_csi). */
  azure_disk_csi: z._default(
    z.strictObject({
      version: z._default(VERSION, AZURE_DISK_CSI_DEFAULTS.version),
      repository: z._default(httpsUrl, AZURE_DISK_CSI_DEFAULTS.repository),
    }),
    { ...AZURE_DISK_CSI_DEFAULTS },
  ),
  helm: z._default(
    z.strictObject({
      version: z._default(VERSION, '3.18.4'),
      url: z._default(urlTemplate, 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz'),
    }),
    { version: '3.18.4', url: 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz' },
  ),
  /** The pod-network check's pods (install_k0s's run and validate). */
  pod_network_probe: z._default(z.strictObject({ image: z._default(IMAGE, POD_NETWORK_PROBE_IMAGE) }), {
    image: POD_NETWORK_PROBE_IMAGE,
  }),
});

/** Three handshake initiations (WireGuard's REKEY_TIMEOUT is 5 s). */
const MIN_HANDSHAKE_WAIT = 15;

const TIMEOUT_DEFAULTS = {
  ssh_connect: 30,
  k0s_install_wait: 30,
  k0rdent_install_wait: 1500,
  wireguard_connect_wait: MIN_HANDSHAKE_WAIT,
  vm_creation_minutes: 10,
  vm_wait_check_interval: 30,
  verification_retries: 3,
  verification_retry_delay: 10,
  azure_csi_wait: 600,
} as const;

const TimeoutsSchema = z.strictObject({
  ssh_connect: z._default(seconds(600), TIMEOUT_DEFAULTS.ssh_connect),
  k0s_install_wait: z._default(seconds(3600), TIMEOUT_DEFAULTS.k0s_install_wait),
  k0rdent_install_wait: z._default(seconds(7200), TIMEOUT_DEFAULTS.k0rdent_install_wait),
  wireguard_connect_wait: z._default(seconds(600), TIMEOUT_DEFAULTS.wireguard_connect_wait),
  vm_creation_minutes: z._default(wholeNumber(1, 120), TIMEOUT_DEFAULTS.vm_creation_minutes),
  vm_wait_check_interval: z._default(seconds(600), TIMEOUT_DEFAULTS.vm_wait_check_interval),
  verification_retries: z._default(wholeNumber(1, 20), TIMEOUT_DEFAULTS.verification_retries),
  verification_retry_delay: z._default(seconds(600), TIMEOUT_DEFAULTS.verification_retry_delay),
  /** How long the CSI driver's controller and node pods may take to become ready. */
  azure_csi_wait: z._default(seconds(3600), TIMEOUT_DEFAULTS.azure_csi_wait),
  ssh_command: retired,
  cloud_init_timeout: retired,
  cloud_init_check_interval: retired,
});

const onOff = z._default(z.boolean({ error: 'expected true or false' }), false);

const K8S_NAME = text(
  /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
  'expected a Kubernetes object name (lower-case letters, digits, dashes; at most 63)',
);
const DOMAIN = text(
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
  'expected a DNS domain such as regional.example.com',
);
const EMAIL = text(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected an e-mail address such as admin@example.com');
const LABEL_KEY_PATTERN =
  /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = text(
  /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/,
  'expected a Kubernetes label value (letters, digits, . _ -; at most 63)',
);
/** Upstream writes the disk size as a string ("32"): both forms are accepted. */
const DISK_GB_RULE = 'expected a root volume size in GB, a whole number from 30 to 4095';
const diskGb = z.pipe(
  z
    .union([z.int(), z.string()], { error: DISK_GB_RULE })
    .check(
      z.refine((v) => /^\d+$/.test(String(v).trim()) && +v >= 30 && +v <= 4095, { error: DISK_GB_RULE }),
    ),
  z.transform((v: number | string) => Number(String(v).trim())),
);

const KOF_DEFAULTS = {
  version: '1.1.0',
  istio: { version: '1.1.0', namespace: 'istio-system' },
  mothership: {
    namespace: 'kof',
    storage_class: 'default',
    install_retries: 3,
    retry_delay_seconds: 30,
    install_timeout_seconds: 600,
  },
  regional: {
    location: 'eastus',
    template: 'azure-standalone-cp-1-0-8',
    credential: 'azure-cluster-credential',
    cp_instance_size: 'Standard_A4_v2',
    worker_instance_size: 'Standard_A4_v2',
    root_volume_size: 32,
    control_plane_number: 1,
    workers_number: 3,
    labels: {},
    ready_timeout_minutes: 30,
    namespace: 'kof',
    cluster_label: 'k0rdent.mirantis.com/istio-role=child',
  },
} as const;

/**
 * KOF (the bash project's keys and defaults, etc/kof-functions.sh and bin/install-kof-*.sh); an empty
 * string or null counts as unset, as upstream's get_kof_config treats them (see dropBlankKof).
 */
const KofSchema = z.strictObject({
  enabled: onOff,
  version: z._default(VERSION, KOF_DEFAULTS.version),
  istio: z._default(
    z.strictObject({
      version: z._default(VERSION, KOF_DEFAULTS.istio.version),
      namespace: z._default(NAMESPACE, KOF_DEFAULTS.istio.namespace),
    }),
    { ...KOF_DEFAULTS.istio },
  ),
  mothership: z._default(
    z.strictObject({
      namespace: z._default(NAMESPACE, KOF_DEFAULTS.mothership.namespace),
      /** `default`: pass none, so the cluster's default class (managed-csi) serves the volumes. */
      storage_class: z._default(K8S_NAME, KOF_DEFAULTS.mothership.storage_class),
      install_retries: z._default(wholeNumber(1, 10), KOF_DEFAULTS.mothership.install_retries),
      retry_delay_seconds: z._default(wholeNumber(0, 600), KOF_DEFAULTS.mothership.retry_delay_seconds),
      install_timeout_seconds: z._default(seconds(7200), KOF_DEFAULTS.mothership.install_timeout_seconds),
      /** Accepted for the bash project's files; neither it nor this one reads it. */
      collectors: z.optional(z.unknown()),
    }),
    { ...KOF_DEFAULTS.mothership },
  ),
  regional: z._default(
    z.strictObject({
      /** Default kof-regional-<id without k0rdent->-<location>. */
      cluster_name: z.optional(K8S_NAME),
      domain: z.optional(DOMAIN),
      admin_email: z.optional(EMAIL),
      location: z._default(LOCATION, KOF_DEFAULTS.regional.location),
      template: z._default(K8S_NAME, KOF_DEFAULTS.regional.template),
      credential: z._default(K8S_NAME, KOF_DEFAULTS.regional.credential),
      cp_instance_size: z._default(VM_SIZE, KOF_DEFAULTS.regional.cp_instance_size),
      worker_instance_size: z._default(VM_SIZE, KOF_DEFAULTS.regional.worker_instance_size),
      root_volume_size: z._default(diskGb, KOF_DEFAULTS.regional.root_volume_size),
      control_plane_number: z._default(wholeNumber(1, 9), KOF_DEFAULTS.regional.control_plane_number),
      workers_number: z._default(wholeNumber(1, 100), KOF_DEFAULTS.regional.workers_number),
      /** Added to the two labels KOF needs on a regional ClusterDeployment. */
      labels: z._default(
        z.record(z.string(), LABEL_VALUE).check(
          z.refine((labels) => Object.keys(labels).every((k) => LABEL_KEY_PATTERN.test(k)), {
            error: (issue) =>
              `expected Kubernetes label keys such as k0rdent.mirantis.com/role; not ${Object.keys(
                issue.input as object,
              )
                .filter((k) => !LABEL_KEY_PATTERN.test(k))
                .join(', ')}`,
          }),
        ),
        {},
      ),
      ready_timeout_minutes: z._default(wholeNumber(1, 240), KOF_DEFAULTS.regional.ready_timeout_minutes),
      /** Read by the bash project's uninstall only; accepted so its files validate. */
      namespace: z._default(NAMESPACE, KOF_DEFAULTS.regional.namespace),
      cluster_label: z._default(z.string(), KOF_DEFAULTS.regional.cluster_label),
    }),
    { ...KOF_DEFAULTS.regional, labels: {} },
  ),
});

const GUID_RULE = 'expected a GUID such as 00000000-0000-0000-0000-000000000000';
const guid = text(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, GUID_RULE);
const ENV_NAME = text(
  /^[A-Za-z_][A-Za-z0-9_]*$/,
  'expected an environment variable name such as AZURE_CHILDREN_CLIENT_SECRET',
);
const SCOPE_RULE =
  'expected an Azure scope: /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<name> (or narrower)';
const scope = text(/^\/subscriptions\/[0-9a-fA-F-]{36}(\/\S+)?$/, SCOPE_RULE);

export const AZURE_CHILDREN_DEFAULTS = {
  enabled: false,
  client_secret_env: 'AZURE_CHILDREN_CLIENT_SECRET',
  capz_wait: 300,
} as const;

/**
 * The service principal child clusters use. Without `client_id` the deployment creates one through
 * Microsoft Graph and grants it `role` on `scope` (Contributor on the subscription by default, as the
 * bash project did); with `client_id` it uses that principal, whose secret comes from the environment
 * variable `client_secret_env` (never from this file), and grants a role only when `role` is set.
 */
const AzureChildrenSchema = z.strictObject({
  enabled: onOff,
  client_id: z.optional(guid),
  client_secret_env: z._default(ENV_NAME, AZURE_CHILDREN_DEFAULTS.client_secret_env),
  tenant_id: z.optional(guid),
  role: z.optional(
    text(/^\S.{0,127}$/, 'expected a role name such as Contributor, or a role definition GUID'),
  ),
  scope: z.optional(scope),
  capz_wait: z._default(seconds(3600), AZURE_CHILDREN_DEFAULTS.capz_wait),
});

export const K0rdentConfigSchema = z.strictObject({
  metadata: z._default(MetadataSchema, {}),
  azure: z._default(AzureSchema, {
    location: 'westus2',
    vm_image: 'Debian:debian-12:12-gen2:latest',
    vm_priority: 'Regular',
    eviction_policy: 'Deallocate',
  }),
  network: z._default(NetworkSchema, {
    vnet_prefix: '10.0.0.0/16',
    subnet_prefix: '10.0.1.0/24',
    wireguard_network: '192.168.100.0/24',
  }),
  vm_sizing: z._default(VmSizingSchema, {
    controller: { size: 'Standard_B2s' },
    worker: { size: 'Standard_B2s' },
  }),
  cluster: z._default(ClusterSchema, {
    controllers: { count: 1, zones: ['1'] },
    workers: { count: 1, zones: ['1'] },
  }),
  ssh: z._default(SshSchema, { username: 'k0rdent', key_comment: 'k0rdent-azure-key', lockdown: true }),
  software: z._default(SoftwareSchema, {
    k0s: { version: 'v1.33.2+k0s.0' },
    k0rdent: { version: '1.1.1', registry: 'oci://ghcr.io/k0rdent/kcm/charts/kcm', namespace: 'kcm-system' },
    k0sctl: {
      version: '0.30.1',
      url: 'https://github.com/k0sproject/k0sctl/releases/download/v{version}/k0sctl-{os}-{arch}',
    },
    helm: { version: '3.18.4', url: 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz' },
    azure_disk_csi: { ...AZURE_DISK_CSI_DEFAULTS },
    pod_network_probe: { image: POD_NETWORK_PROBE_IMAGE },
  }),
  timeouts: z._default(TimeoutsSchema, { ...TIMEOUT_DEFAULTS }),
  kof: z._default(KofSchema, {
    enabled: false,
    version: KOF_DEFAULTS.version,
    istio: { ...KOF_DEFAULTS.istio },
    mothership: { ...KOF_DEFAULTS.mothership },
    regional: { ...KOF_DEFAULTS.regional, labels: {} },
  }),
  azure_children: z._default(AzureChildrenSchema, { ...AZURE_CHILDREN_DEFAULTS }),
});

type ParsedConfig = z.infer<typeof K0rdentConfigSchema>;
/** The effective configuration: every default filled in, retired keys dropped. */
export type K0rdentConfig = Omit<ParsedConfig, 'timeouts'> & {
  readonly timeouts: Omit<
    ParsedConfig['timeouts'],
    'ssh_command' | 'cloud_init_timeout' | 'cloud_init_check_interval'
  >;
};

export interface LoadedConfig {
  readonly config: K0rdentConfig;
  /** Where it came from: a file path, or `state` for the snapshot a deployment last ran with. */
  readonly source: string;
  /** Things the user should know that are not errors (retired keys). */
  readonly notices: readonly string[];
}

// ---- parsing ------------------------------------------------------------------------------------

/** Parses and validates config text; every problem is reported at once, each with path, line and rule. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const parsed = parseYaml(text, file, { maxBytes: MAX_CONFIG_BYTES }, ADVICE);
  return validateConfig(parsed.value, file, parsed);
}

/** A key written with no value (`metadata:` followed by comments only) is not set: its default applies. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}

/** Upstream's get_kof_config treats "" like null: unset, so the default applies. */
function dropBlankKof(value: unknown): unknown {
  const dropBlanks = (v: unknown): unknown =>
    v === null || typeof v !== 'object' || Array.isArray(v)
      ? v
      : Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, inner]) => inner !== '')
            .map(([k, inner]) => [k, dropBlanks(inner)]),
        );
  if (value === null || typeof value !== 'object' || !('kof' in value)) return value;
  return { ...value, kof: dropBlanks(value.kof) };
}

const ADVICE = 'See config/k0rdent-default.yaml for every key, its default and what it allows.';

export function validateConfig(value: unknown, source: string, parsed?: ParsedYaml): LoadedConfig {
  const text = parsed?.text ?? '';
  value = dropBlankKof(dropNulls(value ?? {}));
  const result = K0rdentConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = issuesToProblems(result.error.issues, parsed ?? { value, text });
    throw new FileError(
      source,
      problems.map((p, i) => withAllowedKeys(p, result.error.issues[i])),
      ADVICE,
    );
  }
  const problems = crossChecks(result.data).map(({ path, message }) => ({
    path: formatPath(path),
    message,
    ...(parsed ? locate(text, path) : {}),
  }));
  if (problems.length > 0) throw new FileError(source, problems, ADVICE);
  const notices = Object.entries(RETIRED_KEYS)
    .filter(([key]) => hasKey(value, key))
    .map(([key, why]) => `${source}: ${key} is no longer needed and is ignored (${why})`);
  if (result.data.kof.enabled && !result.data.azure_children.enabled) {
    notices.push(
      `${source}: kof.enabled is true, so setup_azure_children runs too: KOF's regional cluster is an ` +
        'Azure child cluster and needs its credentials (set azure_children.enabled: true to say so)',
    );
  }
  const wait = result.data.timeouts.wireguard_connect_wait;
  if (wait < MIN_HANDSHAKE_WAIT) {
    notices.push(
      `${source}: timeouts.wireguard_connect_wait is ${wait} s; WireGuard retries a lost handshake every 5 s, ` +
        `so one lost packet can fail connect_vpn. ${MIN_HANDSHAKE_WAIT} s or more is safer.`,
    );
  }
  const {
    ssh_command: _a,
    cloud_init_timeout: _b,
    cloud_init_check_interval: _c,
    ...timeouts
  } = result.data.timeouts;
  return { config: { ...result.data, timeouts }, source, notices };
}

export async function readConfigFile(file: string, option = '--config'): Promise<LoadedConfig> {
  const text = await readInputFile(file, {
    what: 'config file',
    option,
    maxBytes: MAX_CONFIG_BYTES,
  });
  return parseConfig(text, file);
}

/** Relations between keys that a per-key schema cannot see. */
function crossChecks(config: ParsedConfig): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const { vnet_prefix: vnetText, subnet_prefix: subnetText, wireguard_network: wgText } = config.network;
  const vnet = parseCidr(vnetText);
  const subnet = parseCidr(subnetText);
  const wg = parseCidr(wgText);
  if (vnet && subnet && !cidrContains(vnet, subnet)) {
    problems.push({
      path: ['network', 'subnet_prefix'],
      message: `${subnetText} is not inside network.vnet_prefix ${vnetText}; expected a range within it`,
    });
  }
  if (vnet && wg && cidrsOverlap(vnet, wg)) {
    problems.push({
      path: ['network', 'wireguard_network'],
      message: `${wgText} overlaps network.vnet_prefix ${vnetText}; expected a range outside the VNet`,
    });
  }
  const hosts = config.cluster.controllers.count + config.cluster.workers.count;
  // The hub is .1; hosts start at .11; the last address of the range is its broadcast address.
  if (wg && 2 ** (32 - wg.prefix) - 1 < 11 + hosts) {
    problems.push({
      path: ['network', 'wireguard_network'],
      message: `${wgText} is too small for ${hosts} hosts (hub .1, hosts from .11); expected a /24 or larger`,
    });
  }
  return problems;
}

/** An unknown key's problem lists the keys allowed where it sits. */
function withAllowedKeys(problem: FileProblem, issue: z.core.$ZodIssue | undefined): FileProblem {
  if (issue?.code !== 'unrecognized_keys') return problem;
  const allowed = allowedKeysAt(issue.path.map(String));
  return allowed
    ? { ...problem, message: `${problem.message}; allowed keys: ${allowed.join(', ')}` }
    : problem;
}

export function allowedKeysAt(path: readonly string[]): string[] | undefined {
  let schema: unknown = K0rdentConfigSchema;
  for (const key of path) {
    const shape = shapeOf(schema);
    schema = shape?.[key];
    if (schema === undefined) return undefined;
  }
  const shape = shapeOf(schema);
  if (!shape) return undefined;
  const prefix = path.length > 0 ? `${path.join('.')}.` : '';
  return Object.keys(shape).filter((key) => !(`${prefix}${key}` in RETIRED_KEYS));
}

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as { _zod?: { def?: Record<string, unknown> } } | undefined;
  for (let depth = 0; depth < 8 && current?._zod?.def; depth++) {
    const def = current._zod.def;
    if (def.type === 'object') return def.shape as Record<string, unknown>;
    current = (def.innerType ?? def.in) as typeof current;
  }
  return undefined;
}

function hasKey(value: unknown, dotted: string): boolean {
  let current = value;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object' || !(key in current)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return true;
}

/** Reads a dotted key of the effective config (for phase inputs). */
export function configValue(config: K0rdentConfig, dotted: string): unknown {
  let current: unknown = config;
  for (const key of dotted.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
