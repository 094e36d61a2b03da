export const id = 545;
export const ids = [545];
export const modules = {

/***/ 91545:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  FAST_TARGETS: () => (/* reexport */ FAST_TARGETS),
  LiveDeploymentError: () => (/* reexport */ LiveDeploymentError),
  assertNothingLive: () => (/* reexport */ assertNothingLive),
  fastDestroy: () => (/* reexport */ fastDestroy),
  isBuiltIn: () => (/* reexport */ isBuiltIn),
  loadK0rdentDefinition: () => (/* reexport */ loadK0rdentDefinition),
  partsOf: () => (/* reexport */ partsOf),
  plannedHosts: () => (/* reexport */ plannedHosts),
  resolveConfig: () => (/* reexport */ resolveConfig)
});

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(83916);
// EXTERNAL MODULE: ./src/graph/dag.ts
var dag = __webpack_require__(3148);
// EXTERNAL MODULE: ./src/graph/k0rdent-catalogue.ts
var k0rdent_catalogue = __webpack_require__(39006);
;// CONCATENATED MODULE: ./src/phases/k0rdent/azure-names.ts
/**
 * The Azure resource names a built-in deployment derives from its id, and the length Azure allows each
 * ("Naming rules and restrictions for Azure resources": resource group 1\u201390, virtual network 2\u201364,
 * subnet 1\u201380, network security group 1\u201380; SSH public keys have no documented limit and are held to
 * the 80 of the other Compute names). The virtual network is the tightest: an id of at most 59
 * characters fits every one. Pure.
 */
const DERIVED_NAMES = [
    { key: 'resourceGroup', what: 'resource group', suffix: '-resgrp', max: 90 },
    { key: 'vnet', what: 'virtual network', suffix: '-vnet', max: 64 },
    { key: 'subnet', what: 'subnet', suffix: '-subnet', max: 80 },
    { key: 'nsg', what: 'network security group', suffix: '-nsg', max: 80 },
    { key: 'sshKey', what: 'SSH public key', suffix: '-admin', max: 80 },
];
/** The longest id whose every derived name fits. */
const MAX_BUILTIN_DEPLOYMENT_ID_LENGTH = Math.min(...DERIVED_NAMES.map((n) => n.max - n.suffix.length));
const BUILTIN_DEPLOYMENT_ID_RULE = `at most ${MAX_BUILTIN_DEPLOYMENT_ID_LENGTH} characters for the built-in deployment, so that ` +
    `<id>-vnet fits Azure's 64-character limit for virtual networks`;
/** What does not fit, one sentence per name; empty when everything does. */
function derivedNameProblems(deploymentId) {
    return DERIVED_NAMES.filter((n) => deploymentId.length + n.suffix.length > n.max).map((n) => `the ${n.what} name ${deploymentId}${n.suffix} is ${deploymentId.length + n.suffix.length} characters; Azure allows ${n.max}`);
}

// EXTERNAL MODULE: ./src/tools/read-input-file.ts
var read_input_file = __webpack_require__(37857);
// EXTERNAL MODULE: ./node_modules/zod/v4/mini/schemas.js + 2 modules
var schemas = __webpack_require__(55395);
// EXTERNAL MODULE: ./node_modules/zod/v4/core/api.js + 1 modules
var api = __webpack_require__(73305);
// EXTERNAL MODULE: ./src/state/names.ts
var names = __webpack_require__(53641);
// EXTERNAL MODULE: ./src/state/yaml-validation.ts
var yaml_validation = __webpack_require__(28468);
;// CONCATENATED MODULE: ./src/phases/k0rdent/ipv4.ts
/** IPv4 networks in CIDR form: parsing, containment, overlap and host addresses. Pure. */
function parseAddress(text) {
    const parts = text.split('.');
    if (parts.length !== 4)
        return undefined;
    let value = 0;
    for (const part of parts) {
        if (!/^\d{1,3}$/.test(part))
            return undefined;
        const octet = Number(part);
        if (octet > 255)
            return undefined;
        value = value * 256 + octet;
    }
    return value;
}
function formatAddress(value) {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
/** A network like `10.0.0.0/16`; the address must be the network's first address. */
function parseCidr(text) {
    const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim());
    if (!match)
        return undefined;
    const address = parseAddress(match[1] ?? '');
    const prefix = Number(match[2]);
    if (address === undefined || prefix > 32 || prefix < 8)
        return undefined;
    const size = 2 ** (32 - prefix);
    if (address % size !== 0)
        return undefined;
    return { base: address, prefix };
}
function end(cidr) {
    return cidr.base + 2 ** (32 - cidr.prefix) - 1;
}
function cidrContains(outer, inner) {
    return inner.base >= outer.base && end(inner) <= end(outer);
}
function cidrsOverlap(a, b) {
    return a.base <= end(b) && b.base <= end(a);
}
/** The address at `offset` from the network address (offset 1 is `.1` of a /24). */
function hostAddress(cidr, offset) {
    return formatAddress(cidr.base + offset);
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/config.ts
/**
 * `k0rdent.yaml`: the bash project's configuration format (UPSTREAM.md), parsed and validated with
 * zod. A file written for the bash project is accepted unchanged; keys it no longer needs are accepted
 * with a notice; every other problem names its key path and the values allowed there.
 */







/** Config files are hand-written; anything this large is a mistake. */
const MAX_CONFIG_BYTES = 256 * 1024;
const DEFAULT_CONFIG_FILES = ['config/k0rdent.yaml', 'config/k0rdent-default.yaml'];
// ---- field helpers: every message says what is allowed --------------------------------------------
function oneOf(values) {
    const allowed = `expected one of ${values.join(', ')} (any case)`;
    return schemas/* pipe */.FsL(schemas/* string */.YjP({ error: allowed })
        .check(schemas/* refine */.YPB((v) => values.some((a) => a.toLowerCase() === v.trim().toLowerCase()), { error: allowed })), schemas/* transform */.pdi((v) => values.find((a) => a.toLowerCase() === v.trim().toLowerCase())));
}
function wholeNumber(min, max) {
    const rule = `expected a whole number from ${min} to ${max}`;
    return schemas/* int */.Whr({ error: rule }).check(api/* _gte */.qm(min, { error: rule }), api/* _lte */.Zm(max, { error: rule }));
}
function config_text(pattern, rule) {
    return schemas/* string */.YjP({ error: rule }).check(api/* _regex */.Fk(pattern, { error: rule }));
}
const CIDR_RULE = 'expected an IPv4 network in CIDR form, e.g. 10.0.0.0/16';
const cidr = schemas/* string */.YjP({ error: CIDR_RULE })
    .check(schemas/* refine */.YPB((v) => parseCidr(v) !== undefined, { error: CIDR_RULE }));
const ZONE_RULE = 'expected an availability zone: 1, 2 or 3';
const zone = schemas/* pipe */.FsL(schemas/* union */.KCZ([schemas/* int */.Whr(), schemas/* string */.YjP()], { error: ZONE_RULE })
    .check(schemas/* refine */.YPB((v) => ['1', '2', '3'].includes(String(v).trim()), { error: ZONE_RULE })), schemas/* transform */.pdi((v) => String(v).trim()));
const zones = schemas/* array */.YOg(zone, { error: 'expected a list of zones, e.g. [1, 2, 3]' })
    .check(api/* _minLength */.m9(1, { error: 'expected at least one zone, e.g. [1]' }));
const VM_SIZE = config_text(/^[A-Za-z0-9_]+$/, 'expected an Azure VM size such as Standard_B2s');
const IMAGE_RULE = 'expected an image URN publisher:offer:sku:version, e.g. Debian:debian-12:12-gen2:latest';
const config_image = config_text(/^[^:\s]+:[^:\s]+:[^:\s]+:[^:\s]+$/, IMAGE_RULE);
const LOCATION = config_text(/^[a-z0-9]+$/, 'expected an Azure region name in lower case, e.g. westus2');
const VERSION = config_text(/^v?[0-9A-Za-z.+_-]+$/, 'expected a version such as 1.2.3');
const K0S_VERSION = config_text(/^v\d+\.\d+\.\d+\+k0s\.\d+$/, 'expected a k0s version such as v1.33.2+k0s.0');
const NAMESPACE = config_text(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a Kubernetes namespace name (lower-case letters, digits, dashes)');
const CHART = config_text(/^(oci|https?):\/\/\S+$/, 'expected a chart reference such as oci://ghcr.io/k0rdent/kcm/charts/kcm');
const USERNAME = config_text(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a Linux user name (lower-case letters, digits, _ or -) that Azure does not reserve');
const URL_RULE = 'expected an https:// URL';
const httpsUrl = config_text(/^https:\/\/\S+$/, URL_RULE);
const TEMPLATE_RULE = 'expected an https:// URL template using {version}, {os} and {arch}';
const urlTemplate = config_text(/^https?:\/\/\S+$/, TEMPLATE_RULE);
const seconds = (max) => wholeNumber(1, max);
/** Accepted and ignored: the bash project read these, this one does not need them. */
const RETIRED_KEYS = {
    'timeouts.ssh_command': 'SSH commands are bounded by timeouts.ssh_connect',
    'timeouts.cloud_init_timeout': 'cloud-init completion is awaited within timeouts.vm_creation_minutes',
    'timeouts.cloud_init_check_interval': 'cloud-init is checked every timeouts.vm_wait_check_interval seconds',
};
const retired = schemas/* optional */.lqM(schemas/* unknown */.L5J());
// ---- the schema ---------------------------------------------------------------------------------
const MetadataSchema = schemas/* strictObject */.rej({
    version: schemas/* optional */.lqM(schemas/* union */.KCZ([schemas/* string */.YjP(), schemas/* number */.aig()])),
    schema: schemas/* optional */.lqM(schemas/* string */.YjP()),
    description: schemas/* optional */.lqM(schemas/* string */.YjP()),
    owner: schemas/* optional */.lqM(schemas/* string */.YjP()),
    deployment_id: schemas/* optional */.lqM(config_text(names/* DEPLOYMENT_ID_PATTERN */.tT, `expected ${names/* DEPLOYMENT_ID_RULE */.tE}`).check(api/* _maxLength */.Eb(MAX_BUILTIN_DEPLOYMENT_ID_LENGTH, { error: `expected ${BUILTIN_DEPLOYMENT_ID_RULE}` }))),
});
const AzureSchema = schemas/* strictObject */.rej({
    location: schemas/* _default */.Rvf(LOCATION, 'westus2'),
    subscription_id: schemas/* optional */.lqM(config_text(/^[0-9a-fA-F-]{36}$/, 'expected a subscription id (a GUID); or set AZURE_SUBSCRIPTION_ID')),
    vm_image: schemas/* _default */.Rvf(config_image, 'Debian:debian-12:12-gen2:latest'),
    vm_priority: schemas/* _default */.Rvf(oneOf(['Regular', 'Spot']), 'Regular'),
    eviction_policy: schemas/* _default */.Rvf(oneOf(['Deallocate', 'Delete']), 'Deallocate'),
    /** Another cloud's (or a test's) Resource Manager; the public cloud's by default. */
    resource_manager_endpoint: schemas/* optional */.lqM(httpsUrl),
    /** Another cloud's Microsoft Graph (e.g. https://graph.microsoft.us); the public cloud's by default. */
    graph_endpoint: schemas/* optional */.lqM(httpsUrl),
});
const NetworkSchema = schemas/* strictObject */.rej({
    vnet_prefix: schemas/* _default */.Rvf(cidr, '10.0.0.0/16'),
    subnet_prefix: schemas/* _default */.Rvf(cidr, '10.0.1.0/24'),
    wireguard_network: schemas/* _default */.Rvf(cidr, '192.168.100.0/24'),
    /** Picked once in 30000\u201364000 and kept in the state when not set. */
    wireguard_port: schemas/* optional */.lqM(wholeNumber(1024, 65535)),
});
const SizeSchema = schemas/* strictObject */.rej({ size: schemas/* _default */.Rvf(VM_SIZE, 'Standard_B2s') });
const VmSizingSchema = schemas/* strictObject */.rej({
    controller: schemas/* _default */.Rvf(SizeSchema, { size: 'Standard_B2s' }),
    worker: schemas/* _default */.Rvf(SizeSchema, { size: 'Standard_B2s' }),
});
const ClusterSchema = schemas/* strictObject */.rej({
    controllers: schemas/* _default */.Rvf(schemas/* strictObject */.rej({ count: schemas/* _default */.Rvf(wholeNumber(1, 9), 1), zones: schemas/* _default */.Rvf(zones, ['1']) }), { count: 1, zones: ['1'] }),
    workers: schemas/* _default */.Rvf(schemas/* strictObject */.rej({ count: schemas/* _default */.Rvf(wholeNumber(0, 50), 1), zones: schemas/* _default */.Rvf(zones, ['1']) }), { count: 1, zones: ['1'] }),
});
/**
 * Admin user names a VM create refuses: the "Disallowed values" of `osProfile.adminUsername` in the
 * Compute API reference (VirtualMachines CreateOrUpdate), compared without regard to case.
 */
const AZURE_RESERVED_ADMIN_USERNAMES = ('administrator admin user user1 test user2 test1 user3 admin1 1 123 a actuser adm admin2 aspnet ' +
    'backup console david guest john owner root server sql support support_388945a0 sys test2 test3 user4 user5').split(' ');
const SshSchema = schemas/* strictObject */.rej({
    username: schemas/* _default */.Rvf(USERNAME.check(schemas/* refine */.YPB((v) => !AZURE_RESERVED_ADMIN_USERNAMES.includes(v.toLowerCase()), {
        error: (issue) => `${String(issue.input)} is a name Azure reserves and refuses for a VM's admin user ` +
            '(administrator, admin, user, test, guest, root, sys and others); choose another, e.g. k0rdent',
    })), 'k0rdent'),
    key_comment: schemas/* _default */.Rvf(schemas/* string */.YjP(), 'k0rdent-azure-key'),
    /**
     * No SSH from the internet once the VMs are up: the NSG has no rule for TCP 22, create_vms opens a
     * window to the VMs it checks while it waits for cloud-init, and everything after reaches the VMs over
     * WireGuard. `false` keeps the rule setup_network always made (TCP 22 from anywhere).
     */
    lockdown: schemas/* _default */.Rvf(schemas/* boolean */.zMY(), true),
});
/**
 * The pod-network check's image (install_k0s): small, with `ping` and `sleep`; pinned by tag or digest.
 * A mirror for clusters that may not pull from Docker Hub is the reason to change it.
 */
const POD_NETWORK_PROBE_IMAGE = 'busybox:1.36.1';
const IMAGE = config_text(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64}|:[\w][\w.-]{0,127}@sha256:[a-f0-9]{64})$/, 'expected a container image pinned by tag or digest, such as busybox:1.36.1 or registry.example.com/mirror/busybox:1.36.1 (it needs ping and sleep)');
const AZURE_DISK_CSI_DEFAULTS = {
    version: 'v1.30.0',
    repository: 'https://raw.githubusercontent.com/kubernetes-sigs/azuredisk-csi-driver/master/charts',
};
const SoftwareSchema = schemas/* strictObject */.rej({
    k0s: schemas/* _default */.Rvf(schemas/* strictObject */.rej({ version: schemas/* _default */.Rvf(K0S_VERSION, 'v1.33.2+k0s.0') }), {
        version: 'v1.33.2+k0s.0',
    }),
    k0rdent: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        version: schemas/* _default */.Rvf(VERSION, '1.1.1'),
        registry: schemas/* _default */.Rvf(CHART, 'oci://ghcr.io/k0rdent/kcm/charts/kcm'),
        namespace: schemas/* _default */.Rvf(NAMESPACE, 'kcm-system'),
    }), { version: '1.1.1', registry: 'oci://ghcr.io/k0rdent/kcm/charts/kcm', namespace: 'kcm-system' }),
    k0sctl: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        version: schemas/* _default */.Rvf(VERSION, '0.30.1'),
        url: schemas/* _default */.Rvf(urlTemplate, 'https://github.com/k0sproject/k0sctl/releases/download/v{version}/k0sctl-{os}-{arch}'),
    }), {
        version: '0.30.1',
        url: 'https://github.com/k0sproject/k0sctl/releases/download/v{version}/k0sctl-{os}-{arch}',
    }),
    /** The Azure Disk CSI driver's official chart (install_azure_csi). */
    azure_disk_csi: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        version: schemas/* _default */.Rvf(VERSION, AZURE_DISK_CSI_DEFAULTS.version),
        repository: schemas/* _default */.Rvf(httpsUrl, AZURE_DISK_CSI_DEFAULTS.repository),
    }), { ...AZURE_DISK_CSI_DEFAULTS }),
    helm: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        version: schemas/* _default */.Rvf(VERSION, '3.18.4'),
        url: schemas/* _default */.Rvf(urlTemplate, 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz'),
    }), { version: '3.18.4', url: 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz' }),
    /** The pod-network check's pods (install_k0s's run and validate). */
    pod_network_probe: schemas/* _default */.Rvf(schemas/* strictObject */.rej({ image: schemas/* _default */.Rvf(IMAGE, POD_NETWORK_PROBE_IMAGE) }), {
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
};
const TimeoutsSchema = schemas/* strictObject */.rej({
    ssh_connect: schemas/* _default */.Rvf(seconds(600), TIMEOUT_DEFAULTS.ssh_connect),
    k0s_install_wait: schemas/* _default */.Rvf(seconds(3600), TIMEOUT_DEFAULTS.k0s_install_wait),
    k0rdent_install_wait: schemas/* _default */.Rvf(seconds(7200), TIMEOUT_DEFAULTS.k0rdent_install_wait),
    wireguard_connect_wait: schemas/* _default */.Rvf(seconds(600), TIMEOUT_DEFAULTS.wireguard_connect_wait),
    vm_creation_minutes: schemas/* _default */.Rvf(wholeNumber(1, 120), TIMEOUT_DEFAULTS.vm_creation_minutes),
    vm_wait_check_interval: schemas/* _default */.Rvf(seconds(600), TIMEOUT_DEFAULTS.vm_wait_check_interval),
    verification_retries: schemas/* _default */.Rvf(wholeNumber(1, 20), TIMEOUT_DEFAULTS.verification_retries),
    verification_retry_delay: schemas/* _default */.Rvf(seconds(600), TIMEOUT_DEFAULTS.verification_retry_delay),
    /** How long the CSI driver's controller and node pods may take to become ready. */
    azure_csi_wait: schemas/* _default */.Rvf(seconds(3600), TIMEOUT_DEFAULTS.azure_csi_wait),
    ssh_command: retired,
    cloud_init_timeout: retired,
    cloud_init_check_interval: retired,
});
const onOff = schemas/* _default */.Rvf(schemas/* boolean */.zMY({ error: 'expected true or false' }), false);
const K8S_NAME = config_text(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'expected a Kubernetes object name (lower-case letters, digits, dashes; at most 63)');
const DOMAIN = config_text(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'expected a DNS domain such as regional.example.com');
const EMAIL = config_text(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'expected an e-mail address such as admin@example.com');
const LABEL_KEY_PATTERN = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = config_text(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, 'expected a Kubernetes label value (letters, digits, . _ -; at most 63)');
/** Upstream writes the disk size as a string ("32"): both forms are accepted. */
const DISK_GB_RULE = 'expected a root volume size in GB, a whole number from 30 to 4095';
const diskGb = schemas/* pipe */.FsL(schemas/* union */.KCZ([schemas/* int */.Whr(), schemas/* string */.YjP()], { error: DISK_GB_RULE })
    .check(schemas/* refine */.YPB((v) => /^\d+$/.test(String(v).trim()) && +v >= 30 && +v <= 4095, { error: DISK_GB_RULE })), schemas/* transform */.pdi((v) => Number(String(v).trim())));
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
};
/**
 * KOF (the bash project's keys and defaults, etc/kof-functions.sh and bin/install-kof-*.sh); an empty
 * string or null counts as unset, as upstream's get_kof_config treats them (see dropBlankKof).
 */
const KofSchema = schemas/* strictObject */.rej({
    enabled: onOff,
    version: schemas/* _default */.Rvf(VERSION, KOF_DEFAULTS.version),
    istio: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        version: schemas/* _default */.Rvf(VERSION, KOF_DEFAULTS.istio.version),
        namespace: schemas/* _default */.Rvf(NAMESPACE, KOF_DEFAULTS.istio.namespace),
    }), { ...KOF_DEFAULTS.istio }),
    mothership: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        namespace: schemas/* _default */.Rvf(NAMESPACE, KOF_DEFAULTS.mothership.namespace),
        /** `default`: pass none, so the cluster's default class (managed-csi) serves the volumes. */
        storage_class: schemas/* _default */.Rvf(K8S_NAME, KOF_DEFAULTS.mothership.storage_class),
        install_retries: schemas/* _default */.Rvf(wholeNumber(1, 10), KOF_DEFAULTS.mothership.install_retries),
        retry_delay_seconds: schemas/* _default */.Rvf(wholeNumber(0, 600), KOF_DEFAULTS.mothership.retry_delay_seconds),
        install_timeout_seconds: schemas/* _default */.Rvf(seconds(7200), KOF_DEFAULTS.mothership.install_timeout_seconds),
        /** Accepted for the bash project's files; neither it nor this one reads it. */
        collectors: schemas/* optional */.lqM(schemas/* unknown */.L5J()),
    }), { ...KOF_DEFAULTS.mothership }),
    regional: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        /** Default kof-regional-<id without k0rdent->-<location>. */
        cluster_name: schemas/* optional */.lqM(K8S_NAME),
        domain: schemas/* optional */.lqM(DOMAIN),
        admin_email: schemas/* optional */.lqM(EMAIL),
        location: schemas/* _default */.Rvf(LOCATION, KOF_DEFAULTS.regional.location),
        template: schemas/* _default */.Rvf(K8S_NAME, KOF_DEFAULTS.regional.template),
        credential: schemas/* _default */.Rvf(K8S_NAME, KOF_DEFAULTS.regional.credential),
        cp_instance_size: schemas/* _default */.Rvf(VM_SIZE, KOF_DEFAULTS.regional.cp_instance_size),
        worker_instance_size: schemas/* _default */.Rvf(VM_SIZE, KOF_DEFAULTS.regional.worker_instance_size),
        root_volume_size: schemas/* _default */.Rvf(diskGb, KOF_DEFAULTS.regional.root_volume_size),
        control_plane_number: schemas/* _default */.Rvf(wholeNumber(1, 9), KOF_DEFAULTS.regional.control_plane_number),
        workers_number: schemas/* _default */.Rvf(wholeNumber(1, 100), KOF_DEFAULTS.regional.workers_number),
        /** Added to the two labels KOF needs on a regional ClusterDeployment. */
        labels: schemas/* _default */.Rvf(schemas/* record */.g1P(schemas/* string */.YjP(), LABEL_VALUE).check(schemas/* refine */.YPB((labels) => Object.keys(labels).every((k) => LABEL_KEY_PATTERN.test(k)), {
            error: (issue) => `expected Kubernetes label keys such as k0rdent.mirantis.com/role; not ${Object.keys(issue.input)
                .filter((k) => !LABEL_KEY_PATTERN.test(k))
                .join(', ')}`,
        })), {}),
        ready_timeout_minutes: schemas/* _default */.Rvf(wholeNumber(1, 240), KOF_DEFAULTS.regional.ready_timeout_minutes),
        /** Read by the bash project's uninstall only; accepted so its files validate. */
        namespace: schemas/* _default */.Rvf(NAMESPACE, KOF_DEFAULTS.regional.namespace),
        cluster_label: schemas/* _default */.Rvf(schemas/* string */.YjP(), KOF_DEFAULTS.regional.cluster_label),
    }), { ...KOF_DEFAULTS.regional, labels: {} }),
});
const GUID_RULE = 'expected a GUID such as 00000000-0000-0000-0000-000000000000';
const guid = config_text(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, GUID_RULE);
const ENV_NAME = config_text(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as AZURE_CHILDREN_CLIENT_SECRET');
const SCOPE_RULE = 'expected an Azure scope: /subscriptions/<id> or /subscriptions/<id>/resourceGroups/<name> (or narrower)';
const scope = config_text(/^\/subscriptions\/[0-9a-fA-F-]{36}(\/\S+)?$/, SCOPE_RULE);
const AZURE_CHILDREN_DEFAULTS = {
    enabled: false,
    client_secret_env: 'AZURE_CHILDREN_CLIENT_SECRET',
    capz_wait: 300,
};
/**
 * The service principal child clusters use. Without `client_id` the deployment creates one through
 * Microsoft Graph and grants it `role` on `scope` (Contributor on the subscription by default, as the
 * bash project did); with `client_id` it uses that principal, whose secret comes from the environment
 * variable `client_secret_env` (never from this file), and grants a role only when `role` is set.
 */
const AzureChildrenSchema = schemas/* strictObject */.rej({
    enabled: onOff,
    client_id: schemas/* optional */.lqM(guid),
    client_secret_env: schemas/* _default */.Rvf(ENV_NAME, AZURE_CHILDREN_DEFAULTS.client_secret_env),
    tenant_id: schemas/* optional */.lqM(guid),
    role: schemas/* optional */.lqM(config_text(/^\S.{0,127}$/, 'expected a role name such as Contributor, or a role definition GUID')),
    scope: schemas/* optional */.lqM(scope),
    capz_wait: schemas/* _default */.Rvf(seconds(3600), AZURE_CHILDREN_DEFAULTS.capz_wait),
});
const K0rdentConfigSchema = schemas/* strictObject */.rej({
    metadata: schemas/* _default */.Rvf(MetadataSchema, {}),
    azure: schemas/* _default */.Rvf(AzureSchema, {
        location: 'westus2',
        vm_image: 'Debian:debian-12:12-gen2:latest',
        vm_priority: 'Regular',
        eviction_policy: 'Deallocate',
    }),
    network: schemas/* _default */.Rvf(NetworkSchema, {
        vnet_prefix: '10.0.0.0/16',
        subnet_prefix: '10.0.1.0/24',
        wireguard_network: '192.168.100.0/24',
    }),
    vm_sizing: schemas/* _default */.Rvf(VmSizingSchema, {
        controller: { size: 'Standard_B2s' },
        worker: { size: 'Standard_B2s' },
    }),
    cluster: schemas/* _default */.Rvf(ClusterSchema, {
        controllers: { count: 1, zones: ['1'] },
        workers: { count: 1, zones: ['1'] },
    }),
    ssh: schemas/* _default */.Rvf(SshSchema, { username: 'k0rdent', key_comment: 'k0rdent-azure-key', lockdown: true }),
    software: schemas/* _default */.Rvf(SoftwareSchema, {
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
    timeouts: schemas/* _default */.Rvf(TimeoutsSchema, { ...TIMEOUT_DEFAULTS }),
    kof: schemas/* _default */.Rvf(KofSchema, {
        enabled: false,
        version: KOF_DEFAULTS.version,
        istio: { ...KOF_DEFAULTS.istio },
        mothership: { ...KOF_DEFAULTS.mothership },
        regional: { ...KOF_DEFAULTS.regional, labels: {} },
    }),
    azure_children: schemas/* _default */.Rvf(AzureChildrenSchema, { ...AZURE_CHILDREN_DEFAULTS }),
});
// ---- parsing ------------------------------------------------------------------------------------
/** Parses and validates config text; every problem is reported at once, each with path, line and rule. */
function parseConfig(text, file) {
    const parsed = (0,yaml_validation/* parseYaml */.hN)(text, file, { maxBytes: MAX_CONFIG_BYTES }, ADVICE);
    return validateConfig(parsed.value, file, parsed);
}
/** A key written with no value (`metadata:` followed by comments only) is not set: its default applies. */
function dropNulls(value) {
    if (Array.isArray(value))
        return value.map(dropNulls);
    if (value === null || typeof value !== 'object')
        return value;
    return Object.fromEntries(Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, dropNulls(v)]));
}
/** Upstream's get_kof_config treats "" like null: unset, so the default applies. */
function dropBlankKof(value) {
    const dropBlanks = (v) => v === null || typeof v !== 'object' || Array.isArray(v)
        ? v
        : Object.fromEntries(Object.entries(v)
            .filter(([, inner]) => inner !== '')
            .map(([k, inner]) => [k, dropBlanks(inner)]));
    if (value === null || typeof value !== 'object' || !('kof' in value))
        return value;
    return { ...value, kof: dropBlanks(value.kof) };
}
const ADVICE = 'See config/k0rdent-default.yaml for every key, its default and what it allows.';
function validateConfig(value, source, parsed) {
    const text = parsed?.text ?? '';
    value = dropBlankKof(dropNulls(value ?? {}));
    const result = K0rdentConfigSchema.safeParse(value);
    if (!result.success) {
        const problems = (0,yaml_validation/* issuesToProblems */.qk)(result.error.issues, parsed ?? { value, text });
        throw new errors/* FileError */.f6(source, problems.map((p, i) => withAllowedKeys(p, result.error.issues[i])), ADVICE);
    }
    const problems = crossChecks(result.data).map(({ path, message }) => ({
        path: (0,yaml_validation/* formatPath */.jV)(path),
        message,
        ...(parsed ? (0,yaml_validation/* locate */.x5)(text, path) : {}),
    }));
    if (problems.length > 0)
        throw new errors/* FileError */.f6(source, problems, ADVICE);
    const notices = Object.entries(RETIRED_KEYS)
        .filter(([key]) => hasKey(value, key))
        .map(([key, why]) => `${source}: ${key} is no longer needed and is ignored (${why})`);
    if (result.data.kof.enabled && !result.data.azure_children.enabled) {
        notices.push(`${source}: kof.enabled is true, so setup_azure_children runs too: KOF's regional cluster is an ` +
            'Azure child cluster and needs its credentials (set azure_children.enabled: true to say so)');
    }
    const wait = result.data.timeouts.wireguard_connect_wait;
    if (wait < MIN_HANDSHAKE_WAIT) {
        notices.push(`${source}: timeouts.wireguard_connect_wait is ${wait} s; WireGuard retries a lost handshake every 5 s, ` +
            `so one lost packet can fail connect_vpn. ${MIN_HANDSHAKE_WAIT} s or more is safer.`);
    }
    const { ssh_command: _a, cloud_init_timeout: _b, cloud_init_check_interval: _c, ...timeouts } = result.data.timeouts;
    return { config: { ...result.data, timeouts }, source, notices };
}
async function readConfigFile(file, option = '--config') {
    const text = await (0,read_input_file/* readInputFile */.j)(file, {
        what: 'config file',
        option,
        maxBytes: MAX_CONFIG_BYTES,
    });
    return parseConfig(text, file);
}
/** Relations between keys that a per-key schema cannot see. */
function crossChecks(config) {
    const problems = [];
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
function withAllowedKeys(problem, issue) {
    if (issue?.code !== 'unrecognized_keys')
        return problem;
    const allowed = allowedKeysAt(issue.path.map(String));
    return allowed
        ? { ...problem, message: `${problem.message}; allowed keys: ${allowed.join(', ')}` }
        : problem;
}
function allowedKeysAt(path) {
    let schema = K0rdentConfigSchema;
    for (const key of path) {
        const shape = shapeOf(schema);
        schema = shape?.[key];
        if (schema === undefined)
            return undefined;
    }
    const shape = shapeOf(schema);
    if (!shape)
        return undefined;
    const prefix = path.length > 0 ? `${path.join('.')}.` : '';
    return Object.keys(shape).filter((key) => !(`${prefix}${key}` in RETIRED_KEYS));
}
function shapeOf(schema) {
    let current = schema;
    for (let depth = 0; depth < 8 && current?._zod?.def; depth++) {
        const def = current._zod.def;
        if (def.type === 'object')
            return def.shape;
        current = (def.innerType ?? def.in);
    }
    return undefined;
}
function hasKey(value, dotted) {
    let current = value;
    for (const key of dotted.split('.')) {
        if (current === null || typeof current !== 'object' || !(key in current))
            return false;
        current = current[key];
    }
    return true;
}
/** Reads a dotted key of the effective config (for phase inputs). */
function configValue(config, dotted) {
    let current = config;
    for (const key of dotted.split('.')) {
        if (current === null || typeof current !== 'object')
            return undefined;
        current = current[key];
    }
    return current;
}

;// CONCATENATED MODULE: ./src/azure/errors.ts
/**
 * The shapes Azure SDK failures take (test/support/fake-arm/README.md): HTTP errors are `RestError`s
 * with `statusCode` and `code`; a long-running operation that ends Failed rejects with a plain
 * `Error` whose message carries the ARM code.
 */
function statusCodeOf(error) {
    const status = error?.statusCode;
    return typeof status === 'number' ? status : undefined;
}
function armCodeOf(error) {
    const code = error?.code;
    return typeof code === 'string' ? code : undefined;
}
function isNotFound(error) {
    const code = armCodeOf(error);
    return (statusCodeOf(error) === 404 ||
        code === 'ResourceNotFound' ||
        code === 'ResourceGroupNotFound' ||
        code === 'NotFound');
}
function isResourceGroupNotFound(error) {
    return armCodeOf(error) === 'ResourceGroupNotFound';
}
/** A long-running operation that Azure reported as Failed (a VM that did not provision). */
function isFailedOperation(error) {
    return (error instanceof Error &&
        statusCodeOf(error) === undefined &&
        /long-running operation has failed/i.test(error.message));
}
/** Throttling and server faults: worth another try after a pause. */
function isRetryable(error) {
    const status = statusCodeOf(error);
    return (status === 408 ||
        status === 429 ||
        (status !== undefined && status >= 500 && status !== 501 && status !== 505));
}
function describeAzureError(error) {
    const message = error instanceof Error ? error.message : String(error);
    const status = statusCodeOf(error);
    const code = armCodeOf(error);
    const prefix = [status === undefined ? undefined : `HTTP ${status}`, code].filter(Boolean).join(' ');
    return prefix ? `${prefix}: ${message}` : message;
}

;// CONCATENATED MODULE: ./src/azure/tags.ts
const DEPLOYMENT_TAG = 'k0rdent-deployment';
function ownershipTags(deploymentId, owner, env) {
    return {
        [DEPLOYMENT_TAG]: deploymentId,
        'cluster-id': deploymentId,
        'created-by': 'k0rdent-deploy',
        'run-url': runUrl(env),
        ...(owner ? { owner: owner.slice(0, 256) } : {}),
    };
}
/** The GitHub Actions run that made a change, or `local` outside Actions. */
function runUrl(env) {
    if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) {
        const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
        return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
    }
    return 'local';
}

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(51455);
// EXTERNAL MODULE: ./src/stores/atomic-file.ts
var atomic_file = __webpack_require__(17096);
;// CONCATENATED MODULE: ./src/tools/known-hosts.ts
/**
 * The deployment's own known_hosts file: when create_vms makes a VM anew, the host key its address
 * had before belongs to a VM that is gone and must be forgotten, or ssh (rightly) refuses the new one.
 * Entries in both the plain and the hashed (`|1|salt|hash`) form are recognised.
 */


// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const known_hosts_crypto = () => process.getBuiltinModule('node:crypto');
/** How ssh names a host in known_hosts: the bare address on port 22, `[address]:port` otherwise. */
function knownHostsName(host, port) {
    return port === 22 ? host : `[${host}]:${port}`;
}
function matches(pattern, name) {
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(pattern);
    if (hashed?.[1] !== undefined && hashed[2] !== undefined) {
        const digest = known_hosts_crypto()
            .createHmac('sha1', Buffer.from(hashed[1], 'base64'))
            .update(name)
            .digest('base64');
        return digest === hashed[2];
    }
    return pattern.split(',').includes(name);
}
/** The file's text without the entries for `name`; markers (`@revoked`, `@cert-authority`) are kept. */
function withoutHost(text, name) {
    return text
        .split('\n')
        .filter((line) => {
        const fields = line.trim().split(/\s+/);
        const pattern = fields[0];
        if (pattern === undefined || pattern === '' || pattern.startsWith('#') || pattern.startsWith('@'))
            return true;
        return !matches(pattern, name);
    })
        .join('\n');
}
/** Forgets the host keys of these addresses; returns how many entries went. */
async function forgetHostKeys(knownHostsPath, hosts, port) {
    let text;
    try {
        text = await (0,promises_.readFile)(knownHostsPath, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return 0;
        throw error;
    }
    let kept = text;
    for (const host of hosts)
        kept = withoutHost(kept, knownHostsName(host, port));
    if (kept === text)
        return 0;
    await (0,atomic_file/* writeFileAtomic */.Zf)(knownHostsPath, kept, 0o644);
    const count = (s) => s.split('\n').filter((l) => l.trim() !== '').length;
    return count(text) - count(kept);
}
/** Every VM of the deployment is gone: so are the keys they had. */
async function forgetAllHostKeys(knownHostsPath) {
    await (0,promises_.rm)(knownHostsPath, { force: true });
}

// EXTERNAL MODULE: ./src/tools/tool.ts
var tool = __webpack_require__(59601);
;// CONCATENATED MODULE: ./src/tools/ssh.ts
/**
 * SSH to a VM with the deployment's own key and known_hosts file: fixed remote commands (never built
 * from inputs), host keys accepted on first use and refused when they change, every connection
 * bounded in time. A failure says which kind it is, because the callers treat them differently: a
 * VM that is still booting is waited for, a changed host key is never retried.
 */

/** The admin kubeconfig k0s writes on a controller (root-only, hence sudo; Azure's admin user has it). */
const K0S_ADMIN_KUBECONFIG_COMMAND = 'sudo -n cat /var/lib/k0s/pki/admin.conf';
/** ssh's own exit code for its failures; anything else is the remote command's. */
const SSH_ERROR = 255;
/** A dead connection is noticed after this many seconds without an answer (3 probes 10 s apart). */
const SERVER_ALIVE_INTERVAL = 10;
const SERVER_ALIVE_COUNT = 3;
function sshArgs(target, remoteCommand) {
    return [
        '-i',
        target.keyPath,
        '-p',
        String(target.port),
        '-o',
        'BatchMode=yes',
        // Only the deployment's key: keys from an agent or ~/.ssh would count against MaxAuthTries.
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=accept-new',
        '-o',
        `UserKnownHostsFile=${target.knownHostsPath}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        // Plain host names, so the file says which VM has which key and an entry can be removed by name.
        '-o',
        'HashKnownHosts=no',
        '-o',
        `ConnectTimeout=${target.connectTimeoutSeconds}`,
        '-o',
        `ServerAliveInterval=${SERVER_ALIVE_INTERVAL}`,
        '-o',
        `ServerAliveCountMax=${SERVER_ALIVE_COUNT}`,
        '-o',
        'LogLevel=ERROR',
        `${target.user}@${target.host}`,
        remoteCommand,
    ];
}
/**
 * Runs a fixed command on the VM. With `secret`, standard output is data that must not be logged
 * (a kubeconfig): it is captured only, and the caller registers it as a secret.
 */
async function sshRun(target, remoteCommand, options = {}) {
    const result = await (0,tool/* runTool */.qI)('ssh', sshArgs(target, remoteCommand), { ...options, onLine: undefined });
    const lines = result.stderrTail.map((l) => l.trim()).filter((l) => l !== '');
    if (result.exitCode === 0)
        return { ok: true, detail: 'ok', exitCode: 0, stdout: result.stdout };
    const last = lines.at(-1);
    if (result.exitCode !== SSH_ERROR) {
        return {
            ok: false,
            failure: 'command-failed',
            detail: `\`${remoteCommand}\` exited with ${result.exitCode ?? 'a signal'}${last ? `: ${last}` : ''}`,
            exitCode: result.exitCode,
            stdout: result.stdout,
        };
    }
    const failure = classify(lines);
    return { ok: false, failure, detail: describe(failure, target, last), exitCode: undefined, stdout: '' };
}
function classify(lines) {
    const text = lines.join('\n');
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/i.test(text))
        return 'host-key-changed';
    if (/Permission denied \(/i.test(text))
        return 'key-refused';
    if (/Connection refused|Connection timed out|timed out during banner exchange|No route to host|Network is unreachable|Connection reset|Connection closed|closed by remote host|Could not resolve hostname|Broken pipe|Timeout, server/i.test(text))
        return 'unreachable';
    return 'other';
}
function describe(failure, target, last) {
    const where = `${target.host}:${target.port}`;
    switch (failure) {
        case 'host-key-changed':
            return `the host key of ${where} is not the one recorded in ${target.knownHostsPath}`;
        case 'key-refused':
            return `${where} refused the key ${target.keyPath} for user ${target.user}`;
        default:
            return `ssh to ${where}: ${last ?? 'failed without a message'}`;
    }
}
/**
 * `cloud-init status` on the VM. It exits 1 for `error` (and, from cloud-init 23.4, 2 for a `done`
 * with recoverable errors), so the printed status decides, not the exit code.
 */
async function cloudInitStatus(target, options = {}) {
    const result = await sshRun(target, 'cloud-init status', options);
    const printed = /^status:\s*(not run|running|done|error|disabled)\s*$/m.exec(result.stdout)?.[1];
    if (printed === undefined) {
        return {
            ok: false,
            failure: result.failure ?? 'other',
            detail: result.ok ? 'cloud-init status printed no status' : result.detail,
            exitCode: result.exitCode,
        };
    }
    return {
        ok: printed === 'done',
        status: printed,
        detail: `cloud-init status: ${printed}`,
        exitCode: result.exitCode,
    };
}
/** Words a remote command may be made of: ssh joins them into one shell line on the far side. */
const SAFE_WORD = /^[A-Za-z0-9._:/=@+-]+$/;
/**
 * A remote command from plain words (each checked, since the remote shell splits the line again), for
 * commands that carry a value such as an address: never a string built from inputs unchecked.
 */
function remoteCommand(words) {
    const unsafe = words.find((word) => !SAFE_WORD.test(word));
    if (unsafe !== undefined)
        throw new Error(`refusing to send ${JSON.stringify(unsafe)} to a remote shell`);
    return words.join(' ');
}

// EXTERNAL MODULE: ./src/phases/phase.ts
var phase = __webpack_require__(95079);
;// CONCATENATED MODULE: ./src/phases/k0rdent/base.ts

/** SSH to a VM's address as the admin user, with the deployment's key and known_hosts. */
function sshTargetOf(parts, address) {
    return {
        host: address,
        port: parts.runtime.sshPort ?? 22,
        user: parts.config.ssh.username,
        keyPath: parts.layout.sshPrivateKey().path,
        knownHostsPath: parts.layout.knownHosts(),
        connectTimeoutSeconds: parts.config.timeouts.ssh_connect,
    };
}
class K0rdentPhase {
    deployment;
    name;
    displayName;
    needs;
    optional;
    runnerScoped;
    /** The values of the config keys the phase reads: a change re-runs it and its dependents. */
    inputs;
    constructor(deployment, entry) {
        this.deployment = deployment;
        this.name = entry.name;
        this.displayName = entry.displayName;
        this.needs = entry.needs;
        this.optional = entry.flag !== undefined;
        this.runnerScoped = entry.runnerScoped;
        this.inputs = Object.fromEntries(entry.configKeys.map((key) => [key, configValue(deployment.config, key) ?? null]));
        // The engine calls run/validate/rollback as plain functions: bind them to this phase.
        const methods = this;
        for (const name of ['run', 'validate', 'rollback']) {
            const method = methods[name];
            if (typeof method === 'function')
                methods[name] = method.bind(this);
        }
    }
    get config() {
        return this.deployment.config;
    }
    get layout() {
        return this.deployment.layout;
    }
    get runtime() {
        return this.deployment.runtime;
    }
    /** SSH to a VM's address as the admin user, with the deployment's key and known_hosts. */
    sshTarget(address) {
        return sshTargetOf(this.deployment, address);
    }
    /** Tool options streaming into the phase's output. */
    toolOptions(context, env = this.runtime.env) {
        return {
            env,
            signal: context.signal,
            onLine: (line, stream) => context.output.line(line, stream),
        };
    }
}

// EXTERNAL MODULE: ./src/phases/k0rdent/facts.ts
var facts = __webpack_require__(74114);
// EXTERNAL MODULE: ./src/state/artifacts.ts
var artifacts = __webpack_require__(71362);
// EXTERNAL MODULE: ./src/state/canonical.ts
var canonical = __webpack_require__(10291);
// EXTERNAL MODULE: ./src/state/transitions.ts
var transitions = __webpack_require__(82649);
// EXTERNAL MODULE: ./src/tools/file-digest.ts
var file_digest = __webpack_require__(39326);
// EXTERNAL MODULE: ./src/secrets.ts
var secrets = __webpack_require__(27194);
;// CONCATENATED MODULE: ./src/phases/k0rdent/files.ts
/**
 * The files a built-in phase produces, written atomically with their mode (600 for secrets, in
 * 700 folders) and recorded as artifacts (path, sha256, size, sensitive flag), so they can be checked
 * against reality and, later, encrypted by a remote store.
 */










async function writeArtifact(context, file) {
    if (file.sensitive)
        (0,secrets/* registerSecret */.cl)(file.content);
    await (0,promises_.mkdir)((0,external_node_path_.dirname)(file.path), { recursive: true, mode: file.sensitive ? 0o700 : 0o755 });
    const existing = await readIfExists(file.path);
    if (existing !== file.content)
        await (0,atomic_file/* writeFileAtomic */.Zf)(file.path, file.content, file.sensitive ? 0o600 : 0o644);
    const sha256 = (0,canonical/* sha256Hex */.fg)(file.content);
    const record = context.state.read().artifacts[file.name];
    const path = storedPath(file.path);
    if (record && !record.removed && record.sha256 === sha256 && record.path === path)
        return;
    context.state.update((doc, stamp) => (0,transitions/* recordArtifact */.wY)(doc, file.name, stamp, {
        path,
        sha256,
        size: Buffer.byteLength(file.content),
        phase: file.owner ?? context.phase,
        sensitive: file.sensitive,
        ...(file.metadata ? { metadata: file.metadata } : {}),
    }));
}
/** Deletes the file and tombstones the artifact; tolerant of either being gone already. */
async function removeArtifactFile(context, name, path) {
    await (0,promises_.rm)(path, { force: true });
    const record = context.state.read().artifacts[name];
    if (record && !record.removed) {
        context.state.update((doc, stamp) => (0,transitions/* removeArtifact */.bG)(doc, name, stamp, `${context.phase} undone`));
    }
}
async function readIfExists(path) {
    try {
        return await (0,promises_.readFile)(path, 'utf8');
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        throw error;
    }
}
/** Whether the file exists and is what the artifact record says. */
async function artifactIntact(doc, name) {
    const record = doc.artifacts[name];
    if (!record || record.removed)
        return { ok: false, detail: `artifact ${name} is not recorded` };
    const check = (0,artifacts/* checkArtifact */.f)(record, await (0,file_digest/* digestIfExists */.w)((0,external_node_path_.resolve)(record.path)));
    return check.ok ? { ok: true, detail: 'intact' } : { ok: false, detail: check.detail };
}
/** Paths inside the working directory are stored relative to it, so a state moves with its checkout. */
function storedPath(absolute) {
    const rel = (0,external_node_path_.relative)(process.cwd(), absolute);
    if (!(0,names/* isContainedPath */.l)(rel)) {
        throw new phase/* PhaseConfigurationError */.AV(`${absolute} is outside the working directory ${process.cwd()}: the built-in phases keep their files ` +
            'under the state directory, which must be inside the working directory (use a relative --state-dir) ' +
            'so that another runner can restore them to the same place');
    }
    return rel;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/cloud-init.ts
/**
 * The cloud-init document of one host: install WireGuard, write `wg0.conf` with the hub as its only
 * peer, and start `wg-quick@wg0`. The hub sits behind NAT on a runner, so the host has no endpoint for
 * it: the hub dials in and keeps the tunnel alive. Pure; the output holds the host's private key.
 */
function renderCloudInit(input) {
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

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
;// CONCATENATED MODULE: ./src/phases/k0rdent/keys.ts
/**
 * Key material made in Node: WireGuard x25519 key pairs (the same base64 encoding `wg genkey` and
 * `wg pubkey` use) and the SSH key pair for the VMs' admin user. Nothing here writes or prints keys.
 */

function generateWireguardKeyPair() {
    const { privateKey, publicKey } = (0,external_node_crypto_.generateKeyPairSync)('x25519');
    const d = privateKey.export({ format: 'jwk' }).d;
    const x = publicKey.export({ format: 'jwk' }).x;
    if (d === undefined || x === undefined)
        throw new Error('x25519 key export returned no key material');
    return { privateKey: base64UrlToBase64(d), publicKey: base64UrlToBase64(x) };
}
/** PKCS#8 header of an X25519 private key: the 32 key bytes follow it. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** The public key of a WireGuard private key (what `wg pubkey` prints). */
function wireguardPublicKey(privateKey) {
    const raw = Buffer.from(privateKey.trim(), 'base64');
    if (raw.length !== 32)
        throw new Error('a WireGuard private key is 32 bytes in base64');
    const key = (0,external_node_crypto_.createPrivateKey)({
        key: Buffer.concat([X25519_PKCS8_PREFIX, raw]),
        format: 'der',
        type: 'pkcs8',
    });
    const x = (0,external_node_crypto_.createPublicKey)(key).export({ format: 'jwk' }).x;
    if (x === undefined)
        throw new Error('x25519 public key export returned no key material');
    return base64UrlToBase64(x);
}
function isWireguardKey(text) {
    return /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text.trim());
}
/** RSA 3072: accepted by every Azure image and SSH client (Azure's SSH key resource takes RSA). */
function generateSshKeyPair(comment) {
    const { privateKey, publicKey } = (0,external_node_crypto_.generateKeyPairSync)('rsa', {
        modulusLength: 3072,
        publicExponent: 0x10001,
    });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    const jwk = publicKey.export({ format: 'jwk' });
    if (jwk.n === undefined || jwk.e === undefined)
        throw new Error('RSA public key export returned no key material');
    return { privateKeyPem: pem, publicKey: opensshRsaPublicKey(jwk.e, jwk.n, comment) };
}
/** The OpenSSH public key line of the RSA key in a PEM file. */
function sshPublicKeyOf(privateKeyPem, comment) {
    const jwk = (0,external_node_crypto_.createPublicKey)(privateKeyPem).export({ format: 'jwk' });
    if (jwk.n === undefined || jwk.e === undefined)
        throw new Error('not an RSA key');
    return opensshRsaPublicKey(jwk.e, jwk.n, comment);
}
function opensshRsaPublicKey(e, n, comment) {
    const field = (bytes) => {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(bytes.length);
        return Buffer.concat([length, bytes]);
    };
    // mpint: big-endian, with a leading zero byte when the high bit is set.
    const mpint = (b64url) => {
        const bytes = Buffer.from(b64url, 'base64url');
        return field((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
    };
    const blob = Buffer.concat([field(Buffer.from('ssh-rsa')), mpint(e), mpint(n)]);
    const suffix = comment.trim() === '' ? '' : ` ${comment.trim().replace(/\s+/g, '-')}`;
    return `ssh-rsa ${blob.toString('base64')}${suffix}`;
}
function base64UrlToBase64(text) {
    return Buffer.from(text, 'base64url').toString('base64');
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/topology.ts
/**
 * What a configuration asks for: the hosts (names, roles, zones, sizes), the Azure resource names of
 * a deployment, and WireGuard addresses that stay put once given. Pure.
 */


/** Controllers `k0s-controller`, `k0s-controller-2`, \u2026; workers `k0s-worker-1`, \u2026; zones cycle. */
function plannedHosts(config) {
    const { controllers, workers } = config.cluster;
    const hosts = [];
    for (let i = 0; i < controllers.count; i++) {
        hosts.push({
            name: i === 0 ? 'k0s-controller' : `k0s-controller-${i + 1}`,
            role: 'controller',
            zone: controllers.zones[i % controllers.zones.length] ?? '1',
            size: config.vm_sizing.controller.size,
        });
    }
    for (let i = 0; i < workers.count; i++) {
        hosts.push({
            name: `k0s-worker-${i + 1}`,
            role: 'worker',
            zone: workers.zones[i % workers.zones.length] ?? '1',
            size: config.vm_sizing.worker.size,
        });
    }
    return hosts;
}
/** Lengths are checked where the deployment is built (azure-names.ts). */
function resourceNames(deploymentId) {
    const names = Object.fromEntries(DERIVED_NAMES.map((n) => [n.key, `${deploymentId}${n.suffix}`]));
    return names;
}
function vmResourceNames(host) {
    return { vm: host, nic: `${host}-nic`, publicIp: `${host}-pip`, osDisk: `${host}-osdisk` };
}
/** Host names are `k0s-\u2026`; artifact names are snake_case. */
function safeName(host) {
    return host.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}
/** wg-quick names the interface after the file: at most 15 characters. */
function wireguardInterface(deploymentId) {
    return `k0rd-${deploymentId.replace(/[^a-z0-9]/g, '').slice(-10)}`;
}
const HUB = 'hub';
/** The hub is `.1` of the WireGuard network; hosts get `.11`, `.12`, \u2026 */
const HUB_OFFSET = 1;
const FIRST_HOST_OFFSET = 11;
function hubAddress(wireguardNetwork) {
    const cidr = parseCidr(wireguardNetwork);
    if (!cidr)
        throw new Error(`not a network: ${wireguardNetwork}`);
    return hostAddress(cidr, HUB_OFFSET);
}
/**
 * WireGuard addresses per host: an address once given is kept (a running VM has it in its
 * cloud-init), new hosts get the lowest free address from `.11`, in host order.
 */
function assignAddresses(hosts, existing, wireguardNetwork) {
    const cidr = parseCidr(wireguardNetwork);
    if (!cidr)
        throw new Error(`not a network: ${wireguardNetwork}`);
    const size = 2 ** (32 - cidr.prefix);
    const inNetwork = (ip) => {
        for (let offset = FIRST_HOST_OFFSET; offset < size - 1; offset++)
            if (hostAddress(cidr, offset) === ip)
                return true;
        return false;
    };
    const result = {};
    const used = new Set();
    for (const host of hosts) {
        const ip = existing[host];
        if (ip !== undefined && inNetwork(ip) && !used.has(ip)) {
            result[host] = ip;
            used.add(ip);
        }
    }
    let offset = FIRST_HOST_OFFSET;
    for (const host of hosts) {
        if (result[host] !== undefined)
            continue;
        while (offset < size - 1 && used.has(hostAddress(cidr, offset)))
            offset++;
        if (offset >= size - 1)
            throw new Error(`${wireguardNetwork} has no free address for ${host}`);
        const ip = hostAddress(cidr, offset);
        result[host] = ip;
        used.add(ip);
    }
    return result;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/host-material.ts






/** Host material is prepare_deployment's, whoever makes it: its undo removes it, create_vms' keeps it. */
const OWNER = 'prepare_deployment';
/**
 * Key pair, address and cloud-init of every host in `hosts` (the hub's key and the WireGuard port
 * must exist); records the peers. Returns the hosts that got new material.
 */
async function ensureHostMaterial(context, deployment, hosts) {
    const { config, layout, runtime } = deployment;
    const doc = context.state.read();
    const port = config.network.wireguard_port ?? (0,facts/* readWireguardPort */.gM)(doc);
    const previous = (0,facts/* readPeers */.sC)(doc);
    const hub = previous[HUB];
    const hubKey = (await readIfExists(layout.hubKey().path))?.trim();
    if (port === undefined || !hub?.public_key || !hubKey || !isWireguardKey(hubKey)) {
        throw new phase/* PhaseConfigurationError */.AV('the hub WireGuard key or port is missing: run prepare_deployment again (rollback --to prepare_deployment --no-destroy, then run)');
    }
    const addresses = assignAddresses(hosts.map((h) => h.name), Object.fromEntries(Object.entries(previous).map(([host, peer]) => [host, peer.ip])), config.network.wireguard_network);
    const now = () => new Date(runtime.now()).toISOString();
    const peers = { ...previous };
    const made = [];
    for (const host of hosts) {
        const recorded = previous[host.name];
        const keys = await hostKeyPair(context, deployment, host.name, recorded);
        const address = addresses[host.name] ?? '';
        const kept = recorded?.public_key === keys.publicKey && recorded.ip === address;
        if (!kept)
            made.push(host.name);
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
    (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.peers, peers);
    return made;
}
/** A host's key pair from its file, or a new one when there is none (never replacing a key). */
async function hostKeyPair(context, deployment, host, recorded) {
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
        context.output.warn(`the WireGuard private key of ${host} is gone; a new key pair is made. A VM that still runs with the old key must be re-created (rollback --to create_vms).`);
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

;// CONCATENATED MODULE: ./src/tools/k0s-etcd.ts
/**
 * k0s's etcd membership, run on a controller over SSH: `k0s etcd member-list` (JSON: member name \u2192
 * peer URL) and `k0s etcd leave --peer-address`, which removes another member \u2014 the step k0sctl asks
 * for when a controller's VM was replaced ("the host may have been replaced ... use `k0s etcd leave
 * --peer-address`", k0sctl v0.30.1 phase/validate_etcd_members.go). Leaving an address that is no
 * member fails in k0s ("peer not found"), so callers list first.
 */


const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;
/** The peer addresses of the cluster's etcd members, as a controller sees them. */
async function etcdPeerAddresses(controller, options = {}) {
    const result = await sshRun(controller, remoteCommand(['sudo', '-n', 'k0s', 'etcd', 'member-list']), options);
    if (!result.ok)
        throw new tool/* ToolFailedError */.m(`k0s etcd member-list on ${controller.host} failed`, result.exitCode, [
            result.detail,
        ]);
    // JSON on standard output: {"members": {name: peer URL}} (k0s cmd/etcd/list.go).
    let parsed;
    try {
        parsed = JSON.parse(result.stdout);
    }
    catch {
        throw new tool/* ToolFailedError */.m(`k0s etcd member-list on ${controller.host} printed no member list`, 0, []);
    }
    return Object.values(parsed.members ?? {}).flatMap((url) => {
        const host = /^https?:\/\/\[?([^\]/]+?)\]?:\d+/.exec(url)?.[1];
        return host ? [host] : [];
    });
}
/** Removes the member with this peer address, asking another controller. */
async function etcdLeave(controller, peerAddress, options = {}) {
    if (!IPV4.test(peerAddress))
        throw new Error(`not an IPv4 address: ${peerAddress}`);
    const result = await sshRun(controller, remoteCommand(['sudo', '-n', 'k0s', 'etcd', 'leave', '--peer-address', peerAddress]), options);
    if (!result.ok)
        throw new tool/* ToolFailedError */.m(`k0s etcd leave --peer-address ${peerAddress} on ${controller.host} failed`, result.exitCode, [result.detail]);
}

;// CONCATENATED MODULE: ./src/tools/k0sctl.ts
/** k0sctl: apply a cluster configuration, reset it. */

const quiet = (options) => ({
    ...options,
    env: { ...(options.env ?? process.env), DISABLE_TELEMETRY: 'true' },
});
/** Idempotent: k0sctl re-reads every host and only does what is missing. */
async function k0sctlApply(configPath, options = {}) {
    await (0,tool/* runToolOrThrow */.hJ)('k0sctl apply', 'k0sctl', ['apply', '--config', configPath], quiet(options));
}
async function k0sctlReset(configPath, options = {}) {
    await (0,tool/* runToolOrThrow */.hJ)('k0sctl reset', 'k0sctl', ['reset', '--config', configPath, '--force'], quiet(options));
}

;// CONCATENATED MODULE: ./src/tools/kubectl.ts
/**
 * kubectl: reading nodes and deployments as JSON, waiting for deployments to be available, and deleting
 * objects (waiting for their finalizers).
 */

async function kubectlNodes(kubeconfig, options = {}) {
    const result = await (0,tool/* runToolOrThrow */.hJ)('kubectl get nodes', 'kubectl', ['--kubeconfig', kubeconfig, '--request-timeout', '20s', 'get', 'nodes', '--output', 'json'], { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) });
    const list = JSON.parse(result.stdout);
    return (list.items ?? []).map((node) => ({
        name: node.metadata?.name ?? '',
        ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    }));
}
async function kubectlDeployments(kubeconfig, namespace, options = {}) {
    const result = await (0,tool/* runToolOrThrow */.hJ)('kubectl get deployments', 'kubectl', [
        '--kubeconfig',
        kubeconfig,
        '--request-timeout',
        '20s',
        'get',
        'deployments',
        '--namespace',
        namespace,
        '--output',
        'json',
    ], { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) });
    const list = JSON.parse(result.stdout);
    return (list.items ?? []).map((d) => ({
        name: d.metadata?.name ?? '',
        desired: d.spec?.replicas ?? 1,
        available: d.status?.availableReplicas ?? 0,
    }));
}
async function kubectlWaitDeployments(kubeconfig, namespace, timeoutSeconds, options = {}) {
    await (0,tool/* runToolOrThrow */.hJ)('kubectl wait for deployments', 'kubectl', [
        '--kubeconfig',
        kubeconfig,
        'wait',
        '--for',
        'condition=Available',
        'deployment',
        '--all',
        '--namespace',
        namespace,
        '--timeout',
        `${timeoutSeconds}s`,
    ], options);
}
const NO_SUCH_TYPE = /doesn't have a resource type/i;
/**
 * Deletes every object of a kind in every namespace and waits for them to be gone (their finalizers
 * run); `no-such-type` when the cluster does not know the kind (its CRD was never installed).
 */
async function kubectlDeleteAll(kubeconfig, resource, timeoutSeconds, options = {}) {
    return deleting(`kubectl delete ${resource} --all`, [resource, '--all', '--all-namespaces'], kubeconfig, timeoutSeconds, options);
}
/** Deletes one object (cluster-scoped, or a namespace) and waits for it to be gone; absent is fine. */
async function kubectlDelete(kubeconfig, resource, name, timeoutSeconds, options = {}) {
    return deleting(`kubectl delete ${resource} ${name}`, [resource, name], kubeconfig, timeoutSeconds, options);
}
async function deleting(what, target, kubeconfig, timeoutSeconds, options) {
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        '--kubeconfig',
        kubeconfig,
        'delete',
        ...target,
        '--ignore-not-found',
        '--wait',
        '--timeout',
        `${timeoutSeconds}s`,
    ], options);
    if (result.exitCode === 0)
        return 'deleted';
    if (result.stderrTail.some((line) => NO_SUCH_TYPE.test(line)))
        return 'no-such-type';
    throw new tool/* ToolFailedError */.m(`${what} failed`, result.exitCode, result.stderrTail);
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/k0s-roles.ts
/** The role a host gets when k0s is first installed on it, in a cluster of `hosts`. */
function freshPlacement(host, hosts) {
    if (host.role === 'worker')
        return { role: 'worker', noTaints: false };
    const controllers = hosts.filter((h) => h.role === 'controller').length;
    const workers = hosts.length - controllers;
    if (controllers === 1 || workers === 0)
        return { role: 'controller+worker', noTaints: workers === 0 };
    return { role: 'controller', noTaints: false };
}
function placements(hosts, cluster) {
    return new Map(hosts.map((host) => {
        const running = cluster?.hosts[host.name];
        const placement = running
            ? { role: running.role, noTaints: running.no_taints === true, kept: true }
            : { ...freshPlacement(host, hosts), kept: false };
        return [host.name, placement];
    }));
}
/** Roles that run a kubelet: their hosts are Kubernetes nodes, the others are not. */
function runsKubelet(role) {
    return role !== 'controller';
}
/** Kept hosts whose role a new cluster of this topology would set differently (worth telling). */
function keptRoles(hosts, cluster) {
    const planned = placements(hosts, cluster);
    return hosts.flatMap((host) => {
        const placement = planned.get(host.name);
        const fresh = freshPlacement(host, hosts);
        if (!placement?.kept || (placement.role === fresh.role && placement.noTaints === fresh.noTaints))
            return [];
        return [
            `${host.name} keeps running as ${k0s_roles_describe(placement)} (a new cluster would make it ${k0s_roles_describe(fresh)})`,
        ];
    });
}
function k0s_roles_describe(placement) {
    return placement.role === 'controller+worker' && placement.noTaints
        ? 'controller+worker without taints'
        : placement.role;
}
const REBUILD_ADVICE = 'or rebuild the cluster with this topology: roll back to install_k0s with its undo ' +
    '(k0rdent-deploy rollback --to install_k0s; in Actions, the rollback action with to: install_k0s and ' +
    'destroy: true), which resets k0s on every host and deletes everything in the cluster, then run again';
/**
 * What an edit asks that k0s cannot do to the running cluster: empty when it can follow. Each problem
 * says what to change.
 */
function topologyProblems(hosts, cluster) {
    if (!cluster)
        return [];
    const planned = placements(hosts, cluster);
    const schedulable = hosts.some((host) => {
        const p = planned.get(host.name);
        return p?.role === 'worker' || (p?.role === 'controller+worker' && p.noTaints);
    });
    if (schedulable)
        return [];
    const why = hosts
        .map((host) => {
        const p = planned.get(host.name);
        return p?.role === 'controller'
            ? `${host.name} runs k0s as controller (no kubelet)`
            : `${host.name} registered with the control-plane NoSchedule taint, which k0s does not lift`;
    })
        .join(', ');
    return [
        `cluster.workers.count ${hosts.filter((h) => h.role === 'worker').length} leaves no host that can run ` +
            `workloads: ${why}, and k0s cannot change the role of a running host (k0sctl: "role change is not ` +
            `supported"). Keep at least one worker, ${REBUILD_ADVICE}`,
    ];
}

// EXTERNAL MODULE: ./node_modules/js-yaml/dist/js-yaml.mjs
var js_yaml = __webpack_require__(33243);
;// CONCATENATED MODULE: ./src/phases/k0rdent/k0sctl-config.ts
/**
 * `k0sctl.yaml`: every host reached over the tunnel by its WireGuard address, with its VNet address
 * as the private address k0s talks on. Pure.
 */

function renderK0sctlConfig(input) {
    const document = {
        apiVersion: 'k0sctl.k0sproject.io/v1beta1',
        kind: 'Cluster',
        metadata: { name: input.clusterName },
        spec: {
            hosts: input.hosts.map((host) => ({
                role: host.role,
                ssh: {
                    address: host.wireguardAddress,
                    user: input.sshUser,
                    port: input.sshPort ?? 22,
                    keyPath: input.sshKeyPath,
                },
                ...(host.privateAddress ? { privateAddress: host.privateAddress } : {}),
                hostname: host.name,
                ...(host.noTaints && host.role === 'controller+worker' ? { noTaints: true } : {}),
                ...(host.reset ? { reset: true } : {}),
            })),
            k0s: {
                version: input.k0sVersion,
                dynamicConfig: false,
                config: {
                    spec: {
                        network: {
                            provider: 'calico',
                            // Calico must pick the VNet interface, not the tunnel.
                            calico: {
                                ipAutodetectionMethod: 'can-reach=8.8.8.8',
                                envVars: { FELIX_IGNORELOOSERPF: 'true' },
                            },
                            nodeLocalLoadBalancing: { enabled: true, type: 'EnvoyProxy' },
                        },
                    },
                },
            },
        },
    };
    return `# Written by k0rdent-deploy (install_k0s)\n${(0,js_yaml/* dump */.Bh)(document, { lineWidth: -1, noRefs: true })}`;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/phase-errors.ts
/** Tool failures as the engine classifies them: a missing tool is the user's to fix, a failing one is a command failure. */


async function phase_errors_tool(work) {
    try {
        return await work();
    }
    catch (error) {
        throw asPhaseError(error);
    }
}
function asPhaseError(error) {
    if (error instanceof tool/* ToolNotFoundError */.Mm) {
        return new phase/* PhaseConfigurationError */.AV(`${error.tool} is not installed (not found on PATH); install it, or run in GitHub Actions where it is installed for you`);
    }
    if (error instanceof tool/* ToolFailedError */.m)
        return new phase/* CommandFailedError */.ju(error.message, error.exitCode, error.outputTail);
    return error;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/k0s-cluster.ts
/**
 * Changing a running k0s cluster's membership, as k0s and k0sctl require:
 * - hosts leave through k0sctl before their VMs go: `reset: true` on the host in an apply drains it,
 *   deletes its node, makes it leave etcd and resets k0s (k0sctl v0.30.1 phase/reset_controllers.go,
 *   reset_workers.go); deleting a controller's VM without that leaves a dead etcd member, and two of
 *   three gone loses quorum;
 * - a controller whose VM was re-created is a new machine at the old addresses: its old etcd member
 *   must leave (asked of a healthy controller) before k0sctl will join it again (k0sctl refuses: "the
 *   host may have been replaced", phase/validate_etcd_members.go);
 * - k0sctl trusts host keys from the deployment's own known_hosts file (rig reads `SSH_KNOWN_HOSTS`,
 *   else ~/.ssh/known_hosts), the file from which a re-created VM's old key is dropped.
 */













/** The environment k0sctl runs in: host keys from (and into) the deployment's known_hosts file. */
function k0sctlEnv(parts, env) {
    return { ...env, SSH_KNOWN_HOSTS: parts.layout.knownHosts() };
}
/** Hosts of the cluster whose VM is not the one k0s was installed on (re-created since). */
function replacedHosts(cluster, vms) {
    return Object.entries(cluster.hosts)
        .filter(([name, host]) => {
        const now = vms[name]?.vm_id;
        return host.vm_id !== undefined && now !== undefined && now !== host.vm_id;
    })
        .map(([name]) => name);
}
/**
 * Whether none of the cluster's VMs is left (every one deleted or created again, as when the resource
 * group was deleted): then no host runs the old k0s, and a new cluster is simply installed.
 */
function clusterGone(cluster, vms) {
    const replaced = new Set(replacedHosts(cluster, vms));
    // A host whose VM ids were never recorded (an older state) is not known to be gone.
    return Object.keys(cluster.hosts).every((name) => replaced.has(name) || vms[name] === undefined);
}
/** A controller that still runs on the VM k0s was installed on, and is not going away. */
function healthyController(cluster, exclude, replaced) {
    return Object.entries(cluster.hosts).find(([name, host]) => host.role !== 'worker' && !exclude.has(name) && !replaced.has(name));
}
/**
 * Removes hosts from the cluster before their VMs are deleted. Those still running on the VM k0s was
 * installed on leave through k0sctl (`reset: true`): the apply names a healthy controller (the leader,
 * which drains and deletes their nodes) and the leaving hosts only, at the version the cluster runs, so
 * nothing else is touched. Those that cannot be reached (deallocated, or re-created) are removed from
 * the outside: a controller's etcd member leaves through the leader, a node object is deleted.
 */
async function removeFromCluster(parts, context, cluster, leaving, replaced, options) {
    const names = leaving.map((l) => l.name);
    const leader = healthyController(cluster, new Set(names), replaced);
    if (!leader) {
        throw new phase/* PhaseConfigurationError */.AV(`no controller is left to remove ${names.join(', ')} from the k0s cluster; ${REBUILD_ADVICE}`);
    }
    const hostOf = (name) => {
        const host = cluster.hosts[name];
        if (!host)
            throw new Error(`${name} is not in the recorded cluster`);
        return host;
    };
    const reachable = leaving.filter((l) => l.reachable).map((l) => l.name);
    if (reachable.length > 0) {
        const file = parts.layout.k0sctlRemovalConfig();
        await (0,promises_.mkdir)((0,external_node_path_.dirname)(file), { recursive: true });
        await (0,atomic_file/* writeFileAtomic */.Zf)(file, renderK0sctlConfig({
            clusterName: parts.id,
            k0sVersion: cluster.version,
            sshUser: parts.config.ssh.username,
            sshPort: parts.runtime.sshPort ?? 22,
            sshKeyPath: parts.layout.sshPrivateKey().path,
            hosts: [leader[0], ...reachable].map((name) => {
                const host = hostOf(name);
                return {
                    name,
                    role: host.role,
                    wireguardAddress: host.address,
                    ...(host.private_ip ? { privateAddress: host.private_ip } : {}),
                    noTaints: host.no_taints === true,
                    reset: name !== leader[0],
                };
            }),
        }), 0o644);
        context.output.info(`removing ${reachable.join(', ')} from the k0s cluster (k0sctl reset: drain, leave etcd)`);
        await phase_errors_tool(() => k0sctlApply(file, { ...options, env: k0sctlEnv(parts, options.env) }));
        await (0,promises_.rm)(file, { force: true });
    }
    const unreachable = leaving.filter((l) => !l.reachable).map((l) => l.name);
    if (unreachable.length > 0) {
        const target = sshTargetOf(parts, leader[1].address);
        const members = await phase_errors_tool(() => etcdPeerAddresses(target, options));
        for (const name of unreachable) {
            const host = hostOf(name);
            context.output.info(`${name} cannot be reached: removing it from the cluster through ${leader[0]}`);
            if (host.role !== 'worker' && host.private_ip && members.includes(host.private_ip))
                await phase_errors_tool(() => etcdLeave(target, host.private_ip ?? '', options));
            const kubeconfig = parts.layout.kubeconfig().path;
            if (host.role !== 'controller' && (0,external_node_fs_.existsSync)(kubeconfig))
                await phase_errors_tool(() => kubectlDelete(kubeconfig, 'node', name, 120, options));
        }
    }
    const hostsLeft = Object.fromEntries(Object.entries(cluster.hosts).filter(([name]) => !names.includes(name)));
    (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.k0sCluster, { ...cluster, hosts: hostsLeft });
}
/**
 * Before k0sctl joins re-created controllers again: their old etcd members leave, asked of a controller
 * that kept its VM. When every controller was re-created the control plane is gone with its etcd data,
 * and only a rebuild helps.
 */
async function evictReplacedControllers(parts, context, cluster, replaced, options) {
    const controllers = Object.entries(cluster.hosts).filter(([, host]) => host.role !== 'worker');
    const gone = controllers.filter(([name]) => replaced.has(name));
    if (gone.length === 0)
        return;
    const leader = healthyController(cluster, new Set(), replaced);
    if (!leader) {
        throw new phase/* PhaseConfigurationError */.AV(`every controller VM (${gone.map(([n]) => n).join(', ')}) was created again, so the k0s control plane ` +
            `and its etcd data are gone; ${REBUILD_ADVICE.replace(/^or /, '')}`);
    }
    const target = sshTargetOf(parts, leader[1].address);
    const members = await phase_errors_tool(() => etcdPeerAddresses(target, options));
    for (const [name, host] of gone) {
        if (!host.private_ip || !members.includes(host.private_ip))
            continue;
        context.output.info(`${name} was created again: removing its old etcd member ${host.private_ip} (k0s etcd leave on ${leader[0]})`);
        await phase_errors_tool(() => etcdLeave(target, host.private_ip ?? '', options));
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/ssh-access.ts
const WIREGUARD_RULE = 'AllowWireGuard';
/** The rule setup_network makes when `ssh.lockdown` is false (and always made before it existed). */
const SSH_RULE = 'AllowSSH';
/** The window create_vms opens while it waits for cloud-init, and removes after. */
const SSH_WINDOW_RULE = 'AllowSSHWhileCreatingVMs';
const SSH_RULE_PRIORITY = 1010;
const WIREGUARD_RULE_PRIORITY = 1000;
const MAX_PRIORITY = 4096;
function inbound(name, protocol, port, priority, destination) {
    return {
        name,
        protocol,
        sourcePortRange: '*',
        destinationPortRange: port,
        sourceAddressPrefix: '*',
        ...destination,
        access: 'Allow',
        priority,
        direction: 'Inbound',
    };
}
/** The NSG's whole rule list as setup_network writes it (a PUT of the NSG replaces its rules). */
function securityRules(wireguardPort, lockdown) {
    const any = { destinationAddressPrefix: '*' };
    const rules = [inbound(WIREGUARD_RULE, 'Udp', String(wireguardPort), WIREGUARD_RULE_PRIORITY, any)];
    if (!lockdown)
        rules.push(inbound(SSH_RULE, 'Tcp', '22', SSH_RULE_PRIORITY, any));
    return rules;
}
/**
 * The window for `privateAddresses`, at the priority it already has (a window left by an interrupted
 * run is replaced in place) or the first free inbound priority from 1010 in steps of 10.
 */
function sshWindowRule(existing, privateAddresses) {
    const left = existing.find((r) => r.name === SSH_WINDOW_RULE);
    const taken = new Set(existing.filter((r) => r.direction === 'Inbound' && r !== left).map((r) => r.priority));
    let priority = left?.priority ?? SSH_RULE_PRIORITY;
    if (taken.has(priority)) {
        priority = SSH_RULE_PRIORITY;
        while (taken.has(priority) && priority <= MAX_PRIORITY)
            priority += 10;
    }
    if (priority > MAX_PRIORITY)
        throw new Error(`no free inbound priority up to ${MAX_PRIORITY} for the SSH window rule`);
    return inbound(SSH_WINDOW_RULE, 'Tcp', '22', priority, {
        destinationAddressPrefixes: [...privateAddresses].sort(),
    });
}
const INTERNET_SOURCES = new Set(['*', 'internet', '0.0.0.0/0', 'any']);
function portsInclude(rule, port) {
    const ranges = [rule.destinationPortRange, ...(rule.destinationPortRanges ?? [])].filter((r) => r !== undefined && r !== '');
    return ranges.some((range) => {
        if (range === '*')
            return true;
        const [low, high] = range.split('-').map((p) => Number(p.trim()));
        return low !== undefined && port >= low && port <= (high ?? low);
    });
}
/**
 * The inbound Allow rules that let anyone on the internet reach TCP 22: source `*`, `Internet` or
 * `0.0.0.0/0` (alone or in a list), protocol TCP or any, a port range that holds 22. The window rule is
 * one of them; a rule for named sources (an office range) is not.
 */
function internetSshRules(rules) {
    return rules
        .filter((r) => r.direction === 'Inbound' &&
        r.access === 'Allow' &&
        (r.protocol === 'Tcp' || r.protocol === '*') &&
        portsInclude(r, 22) &&
        [r.sourceAddressPrefix, ...(r.sourceAddressPrefixes ?? [])].some((s) => s !== undefined && INTERNET_SOURCES.has(s.toLowerCase())))
        .map((r) => r.name ?? '(unnamed)');
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/vm-offer.ts

function parseImage(urn) {
    const [publisher = '', offer = '', sku = '', version = ''] = urn.split(':');
    return { publisher, offer, sku, version };
}
async function checkVmOffer(azure, config, hosts) {
    const location = config.azure.location;
    const [offered, image] = await Promise.all([
        azure.vmSkus(location),
        azure.vmImage(location, parseImage(config.azure.vm_image)),
    ]);
    const problems = vmOfferProblems(config, hosts, offered, image);
    if (problems.length > 0)
        throw new phase/* PhaseConfigurationError */.AV(problems.join('; '));
}
/** Every problem, each naming the key to change and what to change it to. Pure. */
function vmOfferProblems(config, hosts, offered, image) {
    const location = config.azure.location;
    const urn = config.azure.vm_image;
    const problems = new Set();
    if (!image)
        problems.add(`azure.vm_image: ${urn} is not offered in ${location}; check the URN with az vm image list`);
    // No size information at all (an endpoint without the SKU API): nothing to check sizes against.
    if (offered.size === 0)
        return [...problems];
    for (const host of hosts) {
        const key = host.role === 'controller' ? 'vm_sizing.controller.size' : 'vm_sizing.worker.size';
        const zonesKey = host.role === 'controller' ? 'cluster.controllers.zones' : 'cluster.workers.zones';
        const sku = offered.get(host.size.toLowerCase());
        if (!sku) {
            problems.add(`${key}: ${host.size} is not offered in ${location}`);
            continue;
        }
        if (!sku.zones.has(host.zone)) {
            problems.add(`${zonesKey}: ${host.size} is not available in zone ${host.zone} of ${location} (available: ${[...sku.zones].sort().join(', ') || 'none'})`);
        }
        for (const problem of capabilityProblems(config, key, host.size, sku, image))
            problems.add(problem);
    }
    return [...problems];
}
function capabilityProblems(config, key, size, sku, image) {
    const problems = [];
    const urn = config.azure.vm_image;
    const spot = sku.capabilities.get('LowPriorityCapable');
    if (config.azure.vm_priority === 'Spot' && spot?.toLowerCase() === 'false') {
        problems.push(`${key}: ${size} does not support Azure Spot (LowPriorityCapable is False; B-series never does); ` +
            'choose another size, e.g. Standard_D2s_v5, or set azure.vm_priority to Regular');
    }
    if (!image)
        return problems;
    const architecture = sku.capabilities.get('CpuArchitectureType');
    if (architecture && image.architecture && architecture.toLowerCase() !== image.architecture.toLowerCase()) {
        problems.push(`${key}: ${size} is an ${architecture} size, but azure.vm_image ${urn} is an ${image.architecture} image; ` +
            `choose an ${image.architecture} size, or an ${architecture} build of the image`);
    }
    const generations = sku.capabilities
        .get('HyperVGenerations')
        ?.split(',')
        .map((g) => g.trim().toUpperCase());
    const generation = image.hyperVGeneration?.toUpperCase();
    if (generations && generation && !generations.includes(generation)) {
        problems.push(`${key}: ${size} boots Hyper-V generation ${generations.join('/')} images only, but azure.vm_image ${urn} ` +
            `is a generation ${generation} image; choose a size that supports ${generation}, or a ${generations.join('/')} image of the same system`);
    }
    return problems;
}

;// CONCATENATED MODULE: ./src/tools/ping.ts
/** Reachability through a tunnel: one ICMP echo answered within a deadline (iputils `ping`). */

/** Whether `address` answered; ping resends every second until one reply or the deadline. */
async function answersPing(address, deadlineSeconds, options = {}) {
    const result = await (0,tool/* runTool */.qI)('ping', ['-n', '-q', '-c', '1', '-w', String(deadlineSeconds), address], {
        ...options,
        onLine: undefined,
    });
    return result.exitCode === 0;
}

// EXTERNAL MODULE: ./src/tools/wireguard.ts
var wireguard = __webpack_require__(81889);
;// CONCATENATED MODULE: ./src/phases/k0rdent/hub-config.ts
/**
 * The hub's WireGuard configuration (the runner, or a laptop): one peer per VM with its public
 * endpoint and a keepalive, because only the hub can open the tunnel (inbound UDP to a runner is
 * dropped). Pure; the output holds the hub's private key.
 */
const KEEPALIVE_SECONDS = 25;
function renderHubConfig(input) {
    const lines = [
        `# WireGuard hub of deployment ${input.deploymentId}, written by k0rdent-deploy (setup_vpn)`,
        '[Interface]',
        `PrivateKey = ${input.privateKey}`,
        `Address = ${input.address}/32`,
    ];
    for (const peer of input.peers) {
        lines.push('', '[Peer]', `# ${peer.host}`, `PublicKey = ${peer.publicKey}`, `Endpoint = ${peer.endpoint}:${input.port}`, `AllowedIPs = ${peer.address}/32`, `PersistentKeepalive = ${KEEPALIVE_SECONDS}`);
    }
    lines.push('');
    return lines.join('\n');
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/vpn.ts
/**
 * setup_vpn writes the hub's WireGuard configuration; connect_vpn brings the tunnel up on this
 * machine (runner-scoped: a tunnel lives on one runner), waits for a handshake with every peer, and
 * in a later job checks that the tunnel is still up and every VM answers through it.
 */












/** WireGuard re-handshakes every 2 minutes on a live tunnel with keepalives; older means dead. */
const HANDSHAKE_FRESH_SECONDS = 180;
/**
 * A handshake stays "fresh" for up to 3 minutes after a VM stopped or changed its key, so a later job
 * also asks each VM for an answer through the tunnel, allowing this long for it.
 */
const PROBE_DEADLINE_SECONDS = 3;
class SetupVpn extends K0rdentPhase {
    async run(context) {
        const file = this.layout.hubConfig();
        await writeArtifact(context, { ...file, content: await this.render(context), sensitive: true });
        context.output.info(`hub WireGuard configuration written to ${file.path}`);
    }
    async validate(context) {
        const file = this.layout.hubConfig();
        const current = await readIfExists(file.path);
        if (current === undefined)
            return { ok: false, evidence: `${file.path} is missing` };
        let expected;
        try {
            expected = await this.render(context);
        }
        catch (error) {
            return { ok: false, evidence: error.message };
        }
        return current === expected
            ? { ok: true, evidence: `hub configuration has every VM as a peer at its current public IP` }
            : { ok: false, evidence: 'hub configuration differs from the current keys and VM addresses' };
    }
    async rollback(context) {
        const file = this.layout.hubConfig();
        await removeArtifactFile(context, file.name, file.path);
    }
    async render(context) {
        const doc = context.state.read();
        const peers = (0,facts/* readPeers */.sC)(doc);
        const vms = (0,facts/* readVmStates */.aZ)(doc);
        const port = this.config.network.wireguard_port ?? (0,facts/* readWireguardPort */.gM)(doc);
        const hubKey = (await readIfExists(this.layout.hubKey().path))?.trim();
        const hub = peers[HUB];
        if (!hubKey || !hub || port === undefined)
            throw new phase/* PhaseConfigurationError */.AV('the hub key or port is missing: run prepare_deployment again');
        return renderHubConfig({
            deploymentId: this.deployment.id,
            privateKey: hubKey,
            address: hub.ip,
            port,
            peers: plannedHosts(this.config).map((host) => {
                const peer = peers[host.name];
                const endpoint = vms[host.name]?.public_ip;
                if (!peer?.public_key || !endpoint) {
                    throw new phase/* PhaseConfigurationError */.AV(`no ${peer?.public_key ? 'public IP' : 'WireGuard key'} recorded for ${host.name}: run create_vms again`);
                }
                return { host: host.name, publicKey: peer.public_key, address: peer.ip, endpoint };
            }),
        });
    }
}
class ConnectVpn extends K0rdentPhase {
    async run(context) {
        const options = this.toolOptions(context);
        const config = this.layout.hubConfig().path;
        if (!(0,external_node_fs_.existsSync)(config))
            throw new phase/* PhaseConfigurationError */.AV(`${config} is missing: run setup_vpn first`);
        let started = 0;
        await phase_errors_tool(async () => {
            if (await (0,wireguard/* ensureWireguardTools */.sA)(options))
                context.output.info('installed wireguard-tools');
            if ((await (0,wireguard/* wgLatestHandshakes */.WZ)(this.layout.interfaceName, options)) !== undefined)
                await (0,wireguard/* wgQuickDown */.sm)(config, options);
            // The first handshakes complete while wg-quick is still setting up addresses and routes: a clock
            // read after it returns can be a second later than they are, and would call them stale.
            started = Math.floor(this.runtime.now() / 1000);
            await (0,wireguard/* wgQuickUp */.JL)(config, options);
        });
        const deadline = this.runtime.now() + this.config.timeouts.wireguard_connect_wait * 1000;
        for (;;) {
            const missing = await this.peersWithoutHandshake(context, started);
            if (missing.length === 0)
                break;
            if (this.runtime.now() >= deadline || context.signal.aborted) {
                throw new phase/* TransientPhaseError */.ow(`no WireGuard handshake within ${this.config.timeouts.wireguard_connect_wait} s: ${missing.join('; ')} ` +
                    '(a VM that is stopped, unreachable on its WireGuard port, or holding another key than prepare_deployment made for it)');
            }
            await this.runtime.sleep(1_000, context.signal);
        }
        context.output.info(`tunnel ${this.layout.interfaceName} up with a handshake from every VM`);
    }
    async validate(context) {
        let missing;
        try {
            missing = await this.peersWithoutHandshake(context, Math.floor(this.runtime.now() / 1000) - HANDSHAKE_FRESH_SECONDS);
        }
        catch (error) {
            // On a fresh runner the tools are not there yet: the tunnel is not up here, which is a finding.
            if (error instanceof tool/* ToolNotFoundError */.Mm)
                return { ok: false, evidence: 'wireguard-tools is not installed here, so the tunnel is not up' };
            throw error;
        }
        if (missing.length > 0)
            return { ok: false, evidence: missing.join('; ') };
        const silent = await this.peersNotAnswering(context);
        if (silent === undefined)
            return {
                ok: true,
                evidence: `tunnel ${this.layout.interfaceName} is up with a handshake in the last ${HANDSHAKE_FRESH_SECONDS} s from every VM (ping is not installed, so no VM was asked for an answer)`,
            };
        return silent.length === 0
            ? {
                ok: true,
                evidence: `tunnel ${this.layout.interfaceName} is up and every VM answers through it`,
            }
            : { ok: false, evidence: silent.join('; ') };
    }
    /** VMs that do not answer a ping at their WireGuard address; undefined when ping is not installed. */
    async peersNotAnswering(context) {
        const peers = (0,facts/* readPeers */.sC)(context.state.read());
        const options = { env: this.runtime.env, signal: context.signal };
        try {
            const answers = await Promise.all(plannedHosts(this.config).map(async (host) => {
                const address = peers[host.name]?.ip;
                const answered = address ? await answersPing(address, PROBE_DEADLINE_SECONDS, options) : false;
                return answered
                    ? undefined
                    : `${host.name} (${address ?? 'no address'}) does not answer through the tunnel`;
            }));
            return answers.filter((a) => a !== undefined);
        }
        catch (error) {
            if (error instanceof tool/* ToolNotFoundError */.Mm)
                return undefined;
            throw error;
        }
    }
    async rollback(context) {
        await disconnectTunnel(this.deployment, this.toolOptions(context));
    }
    /** Peers (by host) whose latest handshake is older than `since` (epoch seconds). */
    async peersWithoutHandshake(context, since) {
        const handshakes = await (0,wireguard/* wgLatestHandshakes */.WZ)(this.layout.interfaceName, this.toolOptions(context));
        if (!handshakes)
            return [`tunnel ${this.layout.interfaceName} is not up`];
        const peers = (0,facts/* readPeers */.sC)(context.state.read());
        return plannedHosts(this.config)
            .filter((host) => {
            const key = peers[host.name]?.public_key;
            const at = key ? handshakes.get(key) : undefined;
            return at === undefined || at === 0 || at < since;
        })
            .map((host) => `no recent handshake with ${host.name}`);
    }
}
/**
 * Makes sure the tunnel is up on this machine before talking to the cluster (install_k0s and
 * install_k0rdent, their undo steps in a rollback job on a fresh runner).
 */
async function ensureTunnel(deployment, options) {
    const config = deployment.layout.hubConfig().path;
    if (!(0,external_node_fs_.existsSync)(config))
        throw new phase/* PhaseConfigurationError */.AV(`${config} is missing: run setup_vpn first`);
    await phase_errors_tool(async () => {
        if ((await (0,wireguard/* wgLatestHandshakes */.WZ)(deployment.layout.interfaceName, options).catch(() => undefined)) !==
            undefined)
            return;
        await (0,wireguard/* ensureWireguardTools */.sA)(options);
        await (0,wireguard/* wgQuickUp */.JL)(config, options);
    });
}
/** Takes the tunnel down if it is up (at job end and on rollback); tolerant of it being down or gone. */
async function disconnectTunnel(deployment, options) {
    const config = deployment.layout.hubConfig().path;
    if (!(0,external_node_fs_.existsSync)(config))
        return 'absent';
    try {
        return await (0,wireguard/* wgQuickDown */.sm)(config, options);
    }
    catch (error) {
        if (error instanceof tool/* ToolNotFoundError */.Mm)
            return 'absent';
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/create-vms.ts
















const MAX_PROVISIONING_TRIES = 3;
const OS_DISK_GB = 64;
const IN_PROGRESS = new Set(['creating', 'updating', 'migrating', 'starting']);
/** Power states of a VM that exists but does not run: started again on run. */
const NOT_RUNNING = new Set(['stopped', 'stopping', 'deallocated', 'deallocating']);
const HOST_RESOURCE = /^k0s-(controller|worker)(-\d+)?-(nic|pip|osdisk)$/;
class CreateVms extends K0rdentPhase {
    async run(context) {
        const azure = await this.runtime.azure(context.signal);
        const rg = this.deployment.names.resourceGroup;
        const hosts = plannedHosts(this.config);
        const doc = context.state.read();
        const cluster = (0,facts/* readK0sCluster */.Bp)(doc);
        // The first phase a topology edit runs: an edit k0s cannot follow stops here, before anything changes.
        const problems = topologyProblems(hosts, cluster);
        if (problems.length > 0)
            throw new phase/* PhaseConfigurationError */.AV(problems.join('; '));
        await checkVmOffer(azure, this.config, hosts);
        // Hosts a later config adds: their keys and cloud-init are made here (prepare_deployment made
        // those of the first run and keeps them).
        const added = await ensureHostMaterial(context, this.deployment, hosts);
        if (added.length > 0)
            context.output.info(`made WireGuard keys and cloud-init for ${added.join(', ')}`);
        const existing = await azure.listVms(rg);
        if (!existing)
            throw new phase/* PhaseConfigurationError */.AV(`resource group ${rg} does not exist: setup_network must run first`);
        const byName = new Map(existing.map((vm) => [vm.name.toLowerCase(), vm]));
        const sshPublicKey = (await readIfExists(this.layout.sshPublicKey().path))?.trim();
        if (!sshPublicKey)
            throw new phase/* PhaseConfigurationError */.AV('the SSH public key is missing: run prepare_deployment again');
        const outcomes = await Promise.all(hosts.map((host) => this.ensureVm(context, azure, host, byName.get(host.name.toLowerCase()), sshPublicKey)));
        const created = hosts.filter((_, i) => outcomes[i] === 'created').map((h) => h.name);
        const started = hosts.filter((_, i) => outcomes[i] === 'started').map((h) => h.name);
        context.output.info(created.length === 0 && started.length === 0
            ? `all ${hosts.length} VM(s) exist, Succeeded and run`
            : [
                created.length > 0 ? `created ${created.join(', ')}` : '',
                started.length > 0 ? `started ${started.join(', ')}` : '',
                `${hosts.length - created.length - started.length} VM(s) kept`,
            ]
                .filter(Boolean)
                .join('; '));
        const planned = new Set(hosts.map((h) => h.name.toLowerCase()));
        const extra = existing.filter((vm) => !planned.has(vm.name.toLowerCase()) && vm.tags[DEPLOYMENT_TAG] === this.deployment.id);
        if (extra.length > 0) {
            await this.leaveCluster(context, azure, extra.map((vm) => vm.name));
            context.output.info(`removing VM(s) no longer in the configuration: ${extra.map((vm) => vm.name).join(', ')}`);
            await Promise.all(extra.map((vm) => azure.deleteVm(rg, vm.name)));
            await this.sweep(azure, new Set(extra.map((vm) => vm.name.toLowerCase())));
        }
        const states = await this.observe(azure, hosts);
        await this.forgetRecreated(context, states, new Set(created));
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.vmStates, states);
        await this.withSshWindow(context, azure, states, () => this.awaitCloudInit(context, hosts, states));
    }
    /**
     * With `ssh.lockdown`, the one time SSH is open from the internet (ssh-access.ts): to the VMs being
     * checked, while cloud-init is awaited, and closed however the wait ends. A run killed inside the
     * window leaves it to the next create_vms, which replaces and closes it, and to setup_network's
     * validation, which calls it drift.
     */
    async withSshWindow(context, azure, states, wait) {
        const addresses = Object.values(states)
            .map((state) => state.private_ip)
            .filter((ip) => ip !== undefined);
        if (!this.config.ssh.lockdown || addresses.length === 0)
            return wait();
        const { resourceGroup, nsg } = this.deployment.names;
        const existing = (await azure.getNsg(resourceGroup, nsg))?.securityRules ?? [];
        await azure.ensureSecurityRule(resourceGroup, nsg, sshWindowRule(existing, addresses));
        context.output.info(`SSH open to ${addresses.length} VM(s) (rule ${SSH_WINDOW_RULE}) while cloud-init is awaited (ssh.lockdown)`);
        let failure;
        try {
            await wait();
        }
        catch (error) {
            failure = error instanceof Error ? error : new Error(String(error));
        }
        try {
            await azure.deleteSecurityRule(resourceGroup, nsg, SSH_WINDOW_RULE);
            context.output.info(`SSH from the internet closed again (rule ${SSH_WINDOW_RULE} removed)`);
        }
        catch (error) {
            const message = `could not remove the SSH window rule ${SSH_WINDOW_RULE} from ${nsg}: ${error.message}`;
            // The wait's own failure says more; the next create_vms or setup_network closes the window.
            if (failure === undefined)
                throw new phase/* TransientPhaseError */.ow(`${message}; run again to close it`);
            context.output.warn(`${message}; the next run closes it`);
        }
        if (failure !== undefined)
            throw failure;
    }
    /**
     * Hosts of the k0s cluster among the VMs about to be deleted leave it first, or their etcd members
     * stay behind (two of three controllers gone loses quorum) and their nodes linger NotReady.
     */
    async leaveCluster(context, azure, vmNames) {
        const doc = context.state.read();
        const cluster = (0,facts/* readK0sCluster */.Bp)(doc);
        if (!cluster)
            return;
        const leaving = vmNames.filter((name) => cluster.hosts[name] !== undefined);
        if (leaving.length === 0)
            return;
        const replaced = new Set(replacedHosts(cluster, (0,facts/* readVmStates */.aZ)(doc)));
        const rg = this.deployment.names.resourceGroup;
        const status = await Promise.all(leaving.map((name) => azure.getVmStatus(rg, name)));
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        await removeFromCluster(this.deployment, context, cluster, leaving.map((name, i) => {
            const vm = status[i];
            const same = vm?.vmId !== undefined && vm.vmId === cluster.hosts[name]?.vm_id;
            return { name, reachable: same && vm.powerState === 'running' && !replaced.has(name) };
        }), replaced, options);
    }
    /**
     * A VM created in this run, or created again outside it (its id changed), is a new machine with a new
     * host key at addresses we may have trusted before (the same WireGuard address, a public IP Azure
     * hands out again): its entries leave the known_hosts file, or SSH and k0sctl refuse it ("REMOTE HOST
     * IDENTIFICATION HAS CHANGED").
     */
    async forgetRecreated(context, states, created) {
        const doc = context.state.read();
        const recorded = (0,facts/* readVmStates */.aZ)(doc);
        const peers = (0,facts/* readPeers */.sC)(doc);
        const addresses = [];
        for (const [host, state] of Object.entries(states)) {
            const before = recorded[host];
            const changed = before?.vm_id !== undefined && before.vm_id !== state.vm_id;
            if (!created.has(host) && !changed)
                continue;
            for (const address of [before?.public_ip, state.public_ip, peers[host]?.ip])
                if (address)
                    addresses.push(address);
        }
        if (addresses.length === 0)
            return;
        const unique = [...new Set(addresses)];
        const removed = await forgetHostKeys(this.layout.knownHosts(), unique, this.runtime.sshPort ?? 22);
        if (removed > 0)
            context.output.info(`forgot the old host keys of re-created VMs (${unique.join(', ')})`);
    }
    /**
     * One request per VM (its power state needs the instance view, which the group-wide list cannot
     * expand) and one for the public IPs, all sent at once.
     */
    async validate(context) {
        const azure = await this.runtime.azure(context.signal);
        const rg = this.deployment.names.resourceGroup;
        const hosts = plannedHosts(this.config);
        const [vms, ips] = await Promise.all([
            Promise.all(hosts.map((host) => azure.getVmStatus(rg, host.name))),
            azure.listPublicIps(rg).catch(() => undefined),
        ]);
        const recorded = (0,facts/* readVmStates */.aZ)(context.state.read());
        const problems = [];
        for (const [i, host] of hosts.entries()) {
            const vm = vms[i];
            if (!vm)
                problems.push(`${host.name} missing`);
            else if (vm.provisioningState !== 'Succeeded')
                problems.push(`${host.name} is ${vm.provisioningState}`);
            else if (vm.powerState !== 'running')
                problems.push(`${host.name} is ${vm.powerState ?? 'in an unknown power state'}${vm.powerState === 'deallocated' ? ' (a Spot eviction, or stopped in the portal)' : ''}`);
            else if (recorded[host.name]?.vm_id !== undefined && vm.vmId !== recorded[host.name]?.vm_id)
                problems.push(`${host.name} was created again outside this deployment (its VM id changed)`);
            const address = ips?.find((ip) => ip.name === vmResourceNames(host.name).publicIp)?.address;
            if (vm && ips && address !== recorded[host.name]?.public_ip) {
                problems.push(`${host.name} public IP is ${address ?? 'gone'}, recorded ${recorded[host.name]?.public_ip ?? 'none'}`);
            }
        }
        return problems.length === 0
            ? {
                ok: true,
                evidence: `${hosts.length}/${hosts.length} VMs exist and Succeeded, run, and have their recorded public IPs`,
            }
            : { ok: false, evidence: problems.join('; ') };
    }
    /** Deletes the VMs (their OS disks, NICs and public IPs go with them), then anything left behind. */
    async rollback(context) {
        const azure = await this.runtime.azure(context.signal);
        const rg = this.deployment.names.resourceGroup;
        const vms = await azure.listVms(rg);
        if (vms) {
            const planned = new Set(plannedHosts(this.config).map((h) => h.name.toLowerCase()));
            const ours = vms.filter((vm) => planned.has(vm.name.toLowerCase()) || vm.tags[DEPLOYMENT_TAG] === this.deployment.id);
            await Promise.all(ours.map((vm) => azure.deleteVm(rg, vm.name)));
            await this.sweep(azure);
            context.output.info(`deleted ${ours.length} VM(s) with their disks, NICs and public IPs`);
        }
        await forgetAllHostKeys(this.layout.knownHosts());
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.vmStates, {});
        // Whatever k0s ran on them went with them.
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.k0sCluster, null);
    }
    async ensureVm(context, azure, host, found, sshPublicKey) {
        const rg = this.deployment.names.resourceGroup;
        let vm = found;
        let lastError = '';
        for (let tries = 0;;) {
            if (vm && IN_PROGRESS.has(vm.provisioningState.toLowerCase())) {
                vm = await this.awaitSettled(context, azure, host.name);
                continue;
            }
            if (vm?.provisioningState === 'Succeeded') {
                if (tries > 0)
                    return 'created';
                this.warnIfResized(context, host, vm);
                const power = (await azure.getVmStatus(rg, host.name))?.powerState;
                if (power === undefined || !NOT_RUNNING.has(power))
                    return 'kept';
                context.output.info(`${host.name} is ${power} (a Spot eviction, or stopped in the portal): starting it`);
                await azure.startVm(rg, host.name);
                return 'started';
            }
            if (tries >= MAX_PROVISIONING_TRIES) {
                throw new phase/* TransientPhaseError */.ow(`${host.name} failed to provision ${MAX_PROVISIONING_TRIES} times; last: ${lastError}`);
            }
            if (vm) {
                context.output.warn(`${host.name} is ${vm.provisioningState}: deleting it to create it again`);
                await azure.deleteVm(rg, host.name);
            }
            tries++;
            try {
                const state = await this.createVm(context, azure, host, sshPublicKey);
                vm = { name: host.name, provisioningState: state, zone: host.zone, size: host.size, tags: {} };
            }
            catch (error) {
                if (!isFailedOperation(error))
                    throw error;
                lastError = describeAzureError(error);
                context.output.warn(`${host.name} failed to provision (try ${tries} of ${MAX_PROVISIONING_TRIES}): ${lastError}`);
                vm = { name: host.name, provisioningState: 'Failed', zone: host.zone, size: host.size, tags: {} };
            }
        }
    }
    /**
     * A size change is not applied to a VM that exists: a resize deallocates and restarts the node, which
     * a re-run should not do to a live cluster unasked. Saying so beats a silent mismatch.
     */
    warnIfResized(context, host, vm) {
        if (vm.size === undefined || vm.size.toLowerCase() === host.size.toLowerCase())
            return;
        const key = host.role === 'controller' ? 'vm_sizing.controller.size' : 'vm_sizing.worker.size';
        context.output.warn(`${host.name} is ${vm.size} but ${key} is ${host.size}: existing VMs are not resized (a resize ` +
            `restarts the node). Resize it in Azure, or replace the VMs: roll back to create_vms with its undo ` +
            `(rollback --to create_vms; in Actions, destroy: true), then run again.`);
    }
    async createVm(context, azure, host, sshPublicKey) {
        const rg = this.deployment.names.resourceGroup;
        const names = vmResourceNames(host.name);
        const location = this.config.azure.location;
        const tags = ownershipTags(this.deployment.id, this.config.metadata.owner, this.runtime.env);
        const customData = await readIfExists(this.layout.cloudInit(host.name).path);
        if (customData === undefined)
            throw new phase/* PhaseConfigurationError */.AV(`cloud-init of ${host.name} is missing: run prepare_deployment again`);
        // The VM is absent here, so a disk with its OS disk name is a leftover (a VM deleted outside
        // leaves its disk): it would block the name, so it goes.
        if (await azure.getDisk(rg, names.osDisk))
            await azure.deleteDisk(rg, names.osDisk);
        const subnetId = azure.resourceId(rg, 'Microsoft.Network/virtualNetworks/subnets', this.deployment.names.vnet, this.deployment.names.subnet);
        const ip = await azure.createPublicIp(rg, names.publicIp, location, host.zone, tags);
        const nic = await azure.createNic(rg, { name: names.nic, location, subnetId, publicIpId: ip.id }, tags);
        const image = parseImage(this.config.azure.vm_image);
        context.output.info(`creating ${host.name} (${host.size}, zone ${host.zone}, ${this.config.azure.vm_priority})`);
        return azure.createVm(rg, {
            name: names.vm,
            location,
            zone: host.zone,
            size: host.size,
            image,
            priority: this.config.azure.vm_priority,
            evictionPolicy: this.config.azure.eviction_policy,
            adminUser: this.config.ssh.username,
            sshPublicKey,
            customData,
            nicId: nic.id,
            osDiskName: names.osDisk,
            osDiskSizeGb: OS_DISK_GB,
            tags,
        });
    }
    /** A VM still being created by an earlier, interrupted run: wait for Azure to finish it. */
    async awaitSettled(context, azure, name) {
        const deadline = this.runtime.now() + this.config.timeouts.vm_creation_minutes * 60_000;
        for (;;) {
            const vm = await azure.getVm(this.deployment.names.resourceGroup, name);
            if (!vm || !IN_PROGRESS.has(vm.provisioningState.toLowerCase()))
                return vm;
            if (this.runtime.now() >= deadline || context.signal.aborted) {
                throw new phase/* TransientPhaseError */.ow(`${name} is still ${vm.provisioningState} after ${this.config.timeouts.vm_creation_minutes} minutes`);
            }
            await this.runtime.sleep(this.runtime.timing?.checkIntervalMs ?? 10_000, context.signal);
        }
    }
    /** Addresses of every VM: one list of public IPs and one of NICs. */
    async observe(azure, hosts) {
        const rg = this.deployment.names.resourceGroup;
        const [ips, nics, vms] = await Promise.all([
            azure.listPublicIps(rg),
            azure.listNics(rg),
            azure.listVms(rg),
        ]);
        const now = new Date(this.runtime.now()).toISOString();
        const states = {};
        for (const host of hosts) {
            const names = vmResourceNames(host.name);
            const publicIp = ips.find((ip) => ip.name === names.publicIp)?.address;
            const privateIp = nics.find((nic) => nic.name === names.nic)?.privateAddress;
            const vmId = vms?.find((vm) => vm.name.toLowerCase() === host.name.toLowerCase())?.vmId;
            states[host.name] = {
                ...(vmId ? { vm_id: vmId } : {}),
                state: 'Succeeded',
                zone: host.zone,
                size: host.size,
                last_checked: now,
                ...(publicIp ? { public_ip: publicIp } : {}),
                ...(privateIp ? { private_ip: privateIp } : {}),
            };
        }
        return states;
    }
    /**
     * SSH answers and cloud-init is done on every VM, within the VM creation budget. A VM still booting
     * (refused connection, refused key while cloud-init creates the admin user, cloud-init running) is
     * waited for; cloud-init reporting an error, or a host key that is not the one recorded, stop the
     * wait at once: waiting would not change either.
     */
    async awaitCloudInit(context, hosts, states) {
        const deadline = this.runtime.now() + this.config.timeouts.vm_creation_minutes * 60_000;
        const interval = this.runtime.timing?.checkIntervalMs ?? this.config.timeouts.vm_wait_check_interval * 1000;
        const pending = new Map(hosts.map((h) => [h.name, 'not checked yet']));
        await phase_errors_tool(async () => {
            for (let round = 1;; round++) {
                const stopped = [];
                await Promise.all([...pending.keys()].map(async (name) => {
                    const address = states[name]?.public_ip;
                    if (!address) {
                        pending.set(name, 'no public IP recorded');
                        return;
                    }
                    const check = await cloudInitStatus(this.sshTarget(address), {
                        env: this.runtime.env,
                        signal: context.signal,
                    });
                    if (check.ok)
                        pending.delete(name);
                    else
                        pending.set(name, check.detail);
                    const fatal = this.fatalCheck(name, address, check);
                    if (fatal)
                        stopped.push(fatal);
                }));
                if (stopped.length > 0)
                    throw new phase/* PhaseConfigurationError */.AV(stopped.sort().join('; '));
                if (pending.size === 0)
                    return;
                if (this.runtime.now() >= deadline || context.signal.aborted) {
                    throw new phase/* TransientPhaseError */.ow(`cloud-init did not finish within ${this.config.timeouts.vm_creation_minutes} minutes (${round} checks) on ${[...pending].map(([n, d]) => `${n} (${d})`).join(', ')}`);
                }
                await this.runtime.sleep(interval, context.signal);
            }
        });
        context.output.info(`all ${hosts.length} VM(s) answer SSH with cloud-init done`);
    }
    /** Why waiting for this VM is pointless, with what to do; undefined while waiting may help. */
    fatalCheck(name, address, check) {
        const keyPath = this.layout.sshPrivateKey().path;
        const port = this.runtime.sshPort ?? 22;
        const login = `ssh -i ${keyPath}${port === 22 ? '' : ` -p ${port}`} ${this.config.ssh.username}@${address}`;
        if (check.failure === 'host-key-changed') {
            const file = this.layout.knownHosts();
            return (`${name}: ${check.detail}, so it was not trusted. If the VM was replaced outside k0rdent-deploy, ` +
                `remove its old key (ssh-keygen -R '${port === 22 ? address : `[${address}]:${port}`}' -f ${file}) ` +
                `and run again; otherwise find out who answers at ${address}`);
        }
        if (check.status === 'error')
            return (`${name}: cloud-init reported an error; see /var/log/cloud-init-output.log on the VM (${login}), ` +
                `then replace the VM: rollback --to create_vms, and run again`);
        if (check.status === 'disabled')
            return `${name}: cloud-init is disabled in the image ${this.config.azure.vm_image}, so the VM never configures WireGuard; choose an image with cloud-init (azure.vm_image)`;
        return undefined;
    }
    /** NICs, then public IPs, then OS disks of hosts that no VM holds any more (names of this deployment). */
    async sweep(azure, only) {
        const rg = this.deployment.names.resourceGroup;
        const mine = (name) => HOST_RESOURCE.test(name) && (!only || only.has(name.replace(/-(nic|pip|osdisk)$/, '').toLowerCase()));
        const nics = (await azure.listNics(rg)).filter((nic) => mine(nic.name) && !nic.attachedTo);
        await Promise.all(nics.map((nic) => azure.deleteNic(rg, nic.name)));
        const ips = (await azure.listPublicIps(rg)).filter((ip) => mine(ip.name));
        await Promise.all(ips.map((ip) => azure.deletePublicIp(rg, ip.name)));
        const disks = (await azure.listDisks(rg)).filter((disk) => mine(disk.name) && !disk.attached);
        await Promise.all(disks.map((disk) => azure.deleteDisk(rg, disk.name)));
    }
}

;// CONCATENATED MODULE: ./src/tools/helm.ts
/** helm: the idempotent install (`upgrade --install`), a release's status, and uninstall. */

async function helmUpgradeInstall(target, options = {}) {
    await (0,tool/* runToolOrThrow */.hJ)(`helm upgrade --install ${target.release}`, 'helm', [
        'upgrade',
        '--install',
        target.release,
        target.chart,
        ...(target.repo ? ['--repo', target.repo] : []),
        '--version',
        target.version,
        '--namespace',
        target.namespace,
        '--create-namespace',
        ...(target.resetValues ? ['--reset-values'] : []),
        ...Object.entries(target.values ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
        '--wait',
        '--timeout',
        `${target.timeoutSeconds}s`,
        '--kubeconfig',
        target.kubeconfig,
    ], options);
}
const NOT_FOUND = /release: not found/i;
/** The release's status, or undefined when it does not exist. */
async function helmStatus(target, options = {}) {
    const result = await (0,tool/* runTool */.qI)('helm', [
        'status',
        target.release,
        '--namespace',
        target.namespace,
        '--kubeconfig',
        target.kubeconfig,
        '--output',
        'json',
    ], { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) });
    if (result.exitCode !== 0) {
        if (result.stderrTail.some((line) => NOT_FOUND.test(line)))
            return undefined;
        throw new tool/* ToolFailedError */.m(`helm status ${target.release} failed`, result.exitCode, result.stderrTail);
    }
    const parsed = JSON.parse(result.stdout);
    return { status: parsed.info?.status ?? 'unknown', chartVersion: parsed.chart?.metadata?.version };
}
/** Uninstalls the release; `absent` when there was none. */
async function helmUninstall(target, options = {}) {
    const result = await (0,tool/* runTool */.qI)('helm', [
        'uninstall',
        target.release,
        '--namespace',
        target.namespace,
        '--kubeconfig',
        target.kubeconfig,
        '--wait',
    ], options);
    if (result.exitCode === 0)
        return 'uninstalled';
    if (result.stderrTail.some((line) => NOT_FOUND.test(line)))
        return 'absent';
    throw new tool/* ToolFailedError */.m(`helm uninstall ${target.release} failed`, result.exitCode, result.stderrTail);
}

;// CONCATENATED MODULE: ./src/tools/kube-objects.ts
/**
 * kubectl on individual objects: apply a list of manifests (on standard input, so a Secret's data never
 * reaches an argument list), read one or a list as JSON, delete one in a namespace. A kind the API
 * server does not know (its CRD is not installed) is told apart from an object that is not there.
 */

const kube_objects_NO_SUCH_TYPE = /doesn't have a resource type|no matches for kind|resource mapping not found/i;
const kube_objects_NOT_FOUND = /\(NotFound\)|not found/i;
/** The cluster does not know this kind of object (its CRD is missing). */
class UnknownKindError extends Error {
    name = 'UnknownKindError';
}
const base = (kubeconfig) => ['--kubeconfig', kubeconfig, '--request-timeout', '30s'];
function failure(what, result) {
    if (result.stderrTail.some((line) => kube_objects_NO_SUCH_TYPE.test(line))) {
        return new UnknownKindError(`${what}: ${result.stderrTail.join(' ').trim()}`);
    }
    return new tool/* ToolFailedError */.m(`${what} failed`, result.exitCode, result.stderrTail);
}
/** `kubectl apply` of the objects as one List on standard input (server-side create or update). */
async function kubectlApply(kubeconfig, objects, options = {}) {
    const list = { apiVersion: 'v1', kind: 'List', items: objects };
    const result = await (0,tool/* runTool */.qI)('kubectl', [...base(kubeconfig), 'apply', '--filename', '-'], {
        ...options,
        stdin: JSON.stringify(list),
    });
    if (result.exitCode !== 0)
        throw failure('kubectl apply', result);
}
/** One object, or undefined when it does not exist; UnknownKindError when its kind is unknown. */
async function kubectlGet(kubeconfig, resource, name, namespace, options = {}) {
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        ...base(kubeconfig),
        'get',
        resource,
        name,
        // Cluster-scoped kinds (CRDs, namespaces) take none.
        ...(namespace === '' || namespace === undefined ? [] : ['--namespace', namespace]),
        '--output',
        'json',
    ], 
    // The object may be a Secret: its data is not streamed.
    { ...options, secret: true });
    if (result.exitCode === 0)
        return JSON.parse(result.stdout);
    if (result.stderrTail.some((line) => kube_objects_NO_SUCH_TYPE.test(line)))
        throw failure(`kubectl get ${resource}`, result);
    if (result.stderrTail.some((line) => kube_objects_NOT_FOUND.test(line)))
        return undefined;
    throw failure(`kubectl get ${resource} ${name}`, result);
}
/** Every object of a kind (in every namespace unless one is given). */
async function kubectlList(kubeconfig, resource, options = {}) {
    const where = options.namespace ? ['--namespace', options.namespace] : ['--all-namespaces'];
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        ...base(kubeconfig),
        'get',
        resource,
        ...where,
        ...(options.selector ? ['--selector', options.selector] : []),
        '--output',
        'json',
    ], { ...options, secret: true });
    if (result.exitCode !== 0)
        throw failure(`kubectl get ${resource}`, result);
    return JSON.parse(result.stdout).items ?? [];
}
/** Deletes one namespaced object and waits for it to be gone; absent (or its kind unknown) is done. */
async function kubectlDeleteObject(kubeconfig, resource, name, namespace, timeoutSeconds, options = {}) {
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        ...base(kubeconfig),
        'delete',
        resource,
        name,
        '--namespace',
        namespace,
        '--ignore-not-found',
        '--wait',
        '--timeout',
        `${timeoutSeconds}s`,
    ], options);
    if (result.exitCode === 0)
        return 'deleted';
    if (result.stderrTail.some((line) => kube_objects_NO_SUCH_TYPE.test(line)))
        return 'no-such-type';
    throw new tool/* ToolFailedError */.m(`kubectl delete ${resource} ${name} failed`, result.exitCode, result.stderrTail);
}
/**
 * Asks for one object's deletion without waiting (`--wait=false`): the caller polls until it is gone
 * within its own budget. Absent is fine; `no-such-type` when the cluster does not know the kind.
 */
async function kubectlRequestDelete(kubeconfig, resource, name, namespace, options = {}) {
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        ...base(kubeconfig),
        'delete',
        resource,
        name,
        ...(namespace ? ['--namespace', namespace] : []),
        '--ignore-not-found',
        '--wait=false',
    ], options);
    if (result.exitCode === 0)
        return 'requested';
    if (result.stderrTail.some((line) => kube_objects_NO_SUCH_TYPE.test(line)))
        return 'no-such-type';
    throw new tool/* ToolFailedError */.m(`kubectl delete ${resource} ${name} failed`, result.exitCode, result.stderrTail);
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/optional-phase.ts


class OptionalK0rdentPhase extends K0rdentPhase {
    /** Why it is switched off (planOptional); absent when it runs. */
    disabledBecause;
    constructor(deployment, entry, disabledBecause) {
        super(deployment, entry);
        if (disabledBecause !== undefined)
            this.disabledBecause = disabledBecause;
    }
    /** The tools' options for work on the cluster (run, undo), output streamed, the tunnel up. */
    async clusterTools(context) {
        const options = await this.streamingTools(context);
        await this.tunnel(options);
        return options;
    }
    /** The tools' options, output streamed, without touching the tunnel (for undo that may not need it). */
    async streamingTools(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        return this.toolOptions(context, env);
    }
    /** The tools' options for validate: quiet, the tunnel left as connect_vpn (checked first) has it. */
    async checkTools(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        return { env, signal: context.signal };
    }
    tunnel(options) {
        return ensureTunnel(this.deployment, options);
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/kube-support.ts
/**
 * What the phases that run on the management cluster after k0rdent share: the child-cluster
 * credential setup_azure_children recorded, bounded polling, and a phase's disabled reason.
 */







/** The recorded service principal child clusters (and the CSI driver) authenticate as. */
function childrenFact(context) {
    const fact = (0,facts/* readAzureChildren */.$m)(context.state.read());
    if (!fact) {
        throw new phase/* PhaseConfigurationError */.AV('no child-cluster credential recorded: setup_azure_children must complete first ' +
            '(kof.enabled turns it on; run the deployment again to run it)');
    }
    return fact;
}
async function childrenCredential(context, layout) {
    const fact = childrenFact(context);
    const { path } = layout.azureChildrenClientSecret();
    let clientSecret;
    try {
        clientSecret = (await (0,promises_.readFile)(path, 'utf8')).trim();
    }
    catch {
        throw new phase/* PhaseConfigurationError */.AV(`the child-cluster client secret is missing (${path}): roll back to setup_azure_children and run again ` +
            'so it issues or reads the secret again');
    }
    if (clientSecret === '')
        throw new phase/* PhaseConfigurationError */.AV(`the child-cluster client secret in ${path} is empty`);
    (0,secrets/* registerSecret */.cl)(clientSecret);
    return { fact, clientSecret };
}
/**
 * Calls `check` until it returns a value, at most for the budget (virtual in tests); undefined when the
 * budget ran out or the run was cancelled.
 */
async function pollUntil(runtime, signal, { budgetMs, intervalMs }, check) {
    const deadline = runtime.now() + budgetMs;
    for (;;) {
        const found = await check();
        if (found !== undefined)
            return found;
        if (runtime.now() + intervalMs > deadline || signal.aborted)
            return undefined;
        await runtime.sleep(intervalMs, signal);
    }
}
/** A validator's answer when reading the cluster failed: not true, unless the tool is missing (user's to fix). */
function unreachable(error) {
    if (error instanceof tool/* ToolNotFoundError */.Mm)
        throw asPhaseError(error);
    if (error instanceof UnknownKindError)
        return { ok: false, evidence: error.message };
    return { ok: false, evidence: `could not reach the cluster: ${error.message}` };
}
function describeCondition(condition, type) {
    if (!condition)
        return `no ${type} condition reported yet`;
    const why = [condition.reason, condition.message].filter((s) => s !== undefined && s !== '').join(': ');
    return `${type}=${condition.status ?? 'Unknown'}${why ? ` (${why})` : ''}`;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/azure-csi.ts
/**
 * install_azure_csi: the Azure Disk CSI driver from its official Helm chart, configured by the
 * cloud config Secret the chart reads (`azure-cloud-provider` in kube-system: the child-cluster
 * service principal, the deployment's resource group, and its VNet, subnet and NSG by name), and
 * `managed-csi` as the default StorageClass. The Secret goes to the cluster on kubectl's standard
 * input only. Undone in reverse: StorageClass, chart, Secret.
 */








const CSI_RELEASE = 'azuredisk-csi-driver';
const CSI_CHART = 'azuredisk-csi-driver';
const CSI_NAMESPACE = 'kube-system';
const CSI_DRIVER = 'disk.csi.azure.com';
const CSI_CONTROLLER = 'csi-azuredisk-controller';
const CSI_NODE = 'csi-azuredisk-node';
const CLOUD_CONFIG_SECRET = 'azure-cloud-provider';
const STORAGE_CLASS = 'managed-csi';
/** Not secret: which principal the cloud config holds, so validate can compare it with the fact. */
const CLIENT_ID_ANNOTATION = 'k0rdent-deploy/azure-client-id';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
/** k0s keeps the kubelet's directory here, not in /var/lib/kubelet (the chart's default). */
const K0S_KUBELET_DIR = '/var/lib/k0s/kubelet';
const READY_POLL_MS = 10_000;
class InstallAzureCsi extends OptionalK0rdentPhase {
    async run(context) {
        const options = await this.clusterTools(context);
        const { fact, clientSecret } = await childrenCredential(context, this.layout);
        const kubeconfig = this.kubeconfig;
        const cloudConfig = JSON.stringify({
            cloud: 'AzurePublicCloud',
            tenantId: fact.tenant_id,
            subscriptionId: fact.subscription_id,
            aadClientId: fact.client_id,
            aadClientSecret: clientSecret,
            resourceGroup: this.deployment.names.resourceGroup,
            vnetResourceGroup: this.deployment.names.resourceGroup,
            location: this.config.azure.location,
            vnetName: this.deployment.names.vnet,
            subnetName: this.deployment.names.subnet,
            securityGroupName: this.deployment.names.nsg,
            useManagedIdentityExtension: false,
            useInstanceMetadata: true,
            vmType: 'standard',
            loadBalancerSku: 'standard',
        }, null, 2);
        (0,secrets/* registerSecret */.cl)(cloudConfig);
        const secret = {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: {
                name: CLOUD_CONFIG_SECRET,
                namespace: CSI_NAMESPACE,
                annotations: { [CLIENT_ID_ANNOTATION]: fact.client_id },
            },
            type: 'Opaque',
            stringData: { 'cloud-config': cloudConfig, 'azure.json': cloudConfig },
        };
        await phase_errors_tool(() => kubectlApply(kubeconfig, [secret], options));
        // Two controller replicas share host ports (hostNetwork): one node holds one of them.
        const nodes = (await phase_errors_tool(() => kubectlNodes(kubeconfig, options))).filter((n) => n.ready).length;
        const { version, repository } = this.config.software.azure_disk_csi;
        const wait = this.config.timeouts.azure_csi_wait;
        await phase_errors_tool(() => helmUpgradeInstall({
            ...this.release(),
            chart: CSI_CHART,
            repo: repository,
            version,
            timeoutSeconds: wait,
            resetValues: true,
            values: {
                'linux.kubelet': K0S_KUBELET_DIR,
                'windows.enabled': 'false',
                'controller.replicas': String(Math.max(1, Math.min(2, nodes))),
                'controller.cloudConfigSecretName': CLOUD_CONFIG_SECRET,
                'controller.cloudConfigSecretNamespace': CSI_NAMESPACE,
                'node.cloudConfigSecretName': CLOUD_CONFIG_SECRET,
                'node.cloudConfigSecretNamespace': CSI_NAMESPACE,
            },
        }, options));
        // helm's --wait has passed; the driver must also be serving on every node, within the same budget.
        const ready = await pollUntil(this.runtime, context.signal, { budgetMs: wait * 1000, intervalMs: READY_POLL_MS }, async () => {
            const problem = await this.driverProblem(options);
            return problem === undefined ? true : undefined;
        });
        if (!ready) {
            const problem = (await this.driverProblem(options)) ?? 'not ready';
            throw new phase/* CommandFailedError */.ju(`the Azure Disk CSI driver did not become ready within timeouts.azure_csi_wait (${wait} s): ${problem}`, undefined, []);
        }
        const storageClass = {
            apiVersion: 'storage.k8s.io/v1',
            kind: 'StorageClass',
            metadata: { name: STORAGE_CLASS, annotations: { [DEFAULT_CLASS]: 'true' } },
            provisioner: CSI_DRIVER,
            parameters: { skuName: 'StandardSSD_LRS' },
            reclaimPolicy: 'Delete',
            volumeBindingMode: 'WaitForFirstConsumer',
            allowVolumeExpansion: true,
        };
        await phase_errors_tool(() => kubectlApply(kubeconfig, [storageClass], options));
        context.output.info(`Azure Disk CSI driver ${version} (release ${CSI_RELEASE} in ${CSI_NAMESPACE}) ready; ${STORAGE_CLASS} is the default StorageClass`);
    }
    async validate(context) {
        const options = await this.checkTools(context);
        const { version } = this.config.software.azure_disk_csi;
        try {
            const status = await helmStatus(this.release(), options);
            if (!status)
                return { ok: false, evidence: `release ${CSI_RELEASE} not found in ${CSI_NAMESPACE}` };
            if (status.status !== 'deployed')
                return { ok: false, evidence: `release ${CSI_RELEASE} is ${status.status}` };
            if (status.chartVersion !== undefined && status.chartVersion !== version)
                return {
                    ok: false,
                    evidence: `release ${CSI_RELEASE} runs chart ${status.chartVersion}, configured ${version}`,
                };
            const problem = await this.driverProblem(options);
            if (problem)
                return { ok: false, evidence: problem };
            const secret = await kubectlGet(this.kubeconfig, 'secret', CLOUD_CONFIG_SECRET, CSI_NAMESPACE, options);
            if (!secret)
                return { ok: false, evidence: `Secret ${CLOUD_CONFIG_SECRET} is missing in ${CSI_NAMESPACE}` };
            const clientId = childrenFact(context).client_id;
            if (secret.metadata?.annotations?.[CLIENT_ID_ANNOTATION] !== clientId)
                return {
                    ok: false,
                    evidence: `Secret ${CLOUD_CONFIG_SECRET} holds another service principal than the recorded ${clientId}`,
                };
            const sc = await kubectlGet(this.kubeconfig, 'storageclass', STORAGE_CLASS, undefined, options);
            if (!sc)
                return { ok: false, evidence: `StorageClass ${STORAGE_CLASS} is missing` };
            if (sc.provisioner !== CSI_DRIVER)
                return {
                    ok: false,
                    evidence: `StorageClass ${STORAGE_CLASS} provisions with ${sc.provisioner ?? 'nothing'}`,
                };
            if (sc.metadata?.annotations?.[DEFAULT_CLASS] !== 'true')
                return { ok: false, evidence: `StorageClass ${STORAGE_CLASS} is not the default class` };
            return {
                ok: true,
                evidence: `CSIDriver ${CSI_DRIVER} registered, ${CSI_CONTROLLER} available, ${CSI_NODE} ready on every node, ${STORAGE_CLASS} the default class`,
            };
        }
        catch (error) {
            return unreachable(error);
        }
    }
    async rollback(context) {
        const options = await this.clusterTools(context);
        const kubeconfig = this.kubeconfig;
        await phase_errors_tool(() => kubectlRequestDelete(kubeconfig, 'storageclass', STORAGE_CLASS, undefined, options));
        const result = await phase_errors_tool(() => helmUninstall(this.release(), options));
        await phase_errors_tool(() => kubectlRequestDelete(kubeconfig, 'secret', CLOUD_CONFIG_SECRET, CSI_NAMESPACE, options));
        context.output.info(`removed StorageClass ${STORAGE_CLASS}, ${result === 'uninstalled' ? `uninstalled release ${CSI_RELEASE}` : `release ${CSI_RELEASE} was already gone`}, and Secret ${CLOUD_CONFIG_SECRET}`);
    }
    /** What keeps the driver from serving, or undefined when it is registered and ready everywhere. */
    async driverProblem(options) {
        const kubeconfig = this.kubeconfig;
        const driver = await kubectlGet(kubeconfig, 'csidrivers.storage.k8s.io', CSI_DRIVER, undefined, options);
        if (!driver)
            return `CSIDriver ${CSI_DRIVER} is not registered`;
        const controller = await kubectlGet(kubeconfig, 'deployment', CSI_CONTROLLER, CSI_NAMESPACE, options);
        if (!controller)
            return `Deployment ${CSI_CONTROLLER} is missing in ${CSI_NAMESPACE}`;
        if ((controller.status?.availableReplicas ?? 0) < 1)
            return `Deployment ${CSI_CONTROLLER} has no available replica`;
        const node = await kubectlGet(kubeconfig, 'daemonset', CSI_NODE, CSI_NAMESPACE, options);
        if (!node)
            return `DaemonSet ${CSI_NODE} is missing in ${CSI_NAMESPACE}`;
        const desired = node.status?.desiredNumberScheduled ?? 0;
        const readyPods = node.status?.numberReady ?? 0;
        if (desired === 0 || readyPods < desired)
            return `DaemonSet ${CSI_NODE} has ${readyPods} of ${desired} pods ready`;
        return undefined;
    }
    get kubeconfig() {
        return this.layout.kubeconfig().path;
    }
    release() {
        return { release: CSI_RELEASE, namespace: CSI_NAMESPACE, kubeconfig: this.kubeconfig };
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/install-k0rdent.ts
/**
 * install_k0rdent: `helm upgrade --install` of the kcm chart at the configured version (idempotent,
 * unlike a plain install), then its deployments Available. Undone in the order k0rdent's documentation
 * gives ("Uninstall k0rdent"): ClusterDeployments, the Management object, the chart, its namespace \u2014
 * the objects carry finalizers that only the running kcm controller removes.
 */






const KCM_RELEASE = 'kcm';
/** The Management object kcm creates for itself. */
const KCM_MANAGEMENT = 'kcm';
const CLUSTER_DEPLOYMENTS = 'clusterdeployments.k0rdent.mirantis.com';
const MANAGEMENTS = 'managements.k0rdent.mirantis.com';
/** Namespaces Kubernetes will not delete; a config that installs k0rdent there keeps them. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
class InstallK0rdent extends K0rdentPhase {
    async run(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const { registry, version, namespace } = this.config.software.k0rdent;
        const wait = this.config.timeouts.k0rdent_install_wait;
        await phase_errors_tool(() => helmUpgradeInstall({ ...this.release(), chart: registry, version, timeoutSeconds: wait }, options));
        await phase_errors_tool(() => kubectlWaitDeployments(this.release().kubeconfig, namespace, wait, options));
        context.output.info(`k0rdent ${version} (release ${KCM_RELEASE} in ${namespace}) deployed and available`);
    }
    async validate(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = { env, signal: context.signal };
        const { version, namespace } = this.config.software.k0rdent;
        try {
            const status = await helmStatus(this.release(), options);
            if (!status)
                return { ok: false, evidence: `release ${KCM_RELEASE} not found in ${namespace}` };
            if (status.status !== 'deployed')
                return { ok: false, evidence: `release ${KCM_RELEASE} is ${status.status}` };
            if (status.chartVersion !== undefined && status.chartVersion !== version) {
                return {
                    ok: false,
                    evidence: `release ${KCM_RELEASE} runs chart ${status.chartVersion}, configured ${version}`,
                };
            }
            const deployments = await kubectlDeployments(this.release().kubeconfig, namespace, options);
            const unavailable = deployments
                .filter((d) => d.available < d.desired)
                .map((d) => `${d.name} ${d.available}/${d.desired}`);
            if (deployments.length === 0)
                return { ok: false, evidence: `no deployments in ${namespace}` };
            return unavailable.length === 0
                ? {
                    ok: true,
                    evidence: `release ${KCM_RELEASE} ${version} deployed; ${deployments.length} deployment(s) available`,
                }
                : { ok: false, evidence: `not available: ${unavailable.join(', ')}` };
        }
        catch (error) {
            if (error instanceof tool/* ToolNotFoundError */.Mm)
                throw asPhaseError(error);
            return { ok: false, evidence: `could not reach the cluster: ${error.message}` };
        }
    }
    async rollback(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const { kubeconfig, namespace } = this.release();
        const wait = this.config.timeouts.k0rdent_install_wait;
        // Child clusters first, while kcm still runs to tear them down and release their finalizers.
        const children = await phase_errors_tool(() => kubectlDeleteAll(kubeconfig, CLUSTER_DEPLOYMENTS, wait, options));
        if (children === 'deleted')
            context.output.info('deleted every ClusterDeployment');
        await phase_errors_tool(() => kubectlDelete(kubeconfig, MANAGEMENTS, KCM_MANAGEMENT, wait, options));
        const result = await phase_errors_tool(() => helmUninstall(this.release(), options));
        context.output.info(result === 'uninstalled'
            ? `deleted the Management object and uninstalled release ${KCM_RELEASE}`
            : `release ${KCM_RELEASE} was already gone`);
        if (!SYSTEM_NAMESPACES.has(namespace))
            await phase_errors_tool(() => kubectlDelete(kubeconfig, 'namespace', namespace, wait, options));
    }
    release() {
        return {
            release: KCM_RELEASE,
            namespace: this.config.software.k0rdent.namespace,
            kubeconfig: this.layout.kubeconfig().path,
        };
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/kof-mothership.ts
/**
 * install_kof_mothership: KOF's management-side charts with `helm upgrade --install` at the configured
 * versions: kof-istio, kof-operators, then kof-mothership. kof-mothership brings the
 * VictoriaMetrics operator and, in the same release, objects its admission webhook validates; while
 * the operator's webhook Service has no ready endpoint, the API server refuses them ("no endpoints
 * available"). That race is retried a bounded number of times, each retry after the webhook's
 * endpoints are ready (or a bounded wait for them ran out). Undone in reverse; the namespaces go too,
 * Istio's only when this phase created it.
 */









const KOF_CHARTS = 'oci://ghcr.io/k0rdent/kof/charts';
const KOF_RELEASES = ['kof-istio', 'kof-operators', 'kof-mothership'];
const KOF_MOTHERSHIP_FACT = 'kof_mothership';
/** k0rdent's Sveltos brings it; kof-istio's ClusterProfiles need it. */
const SVELTOS_CRD = 'clusterprofiles.config.projectsveltos.io';
const WEBHOOK_SELECTOR = 'app.kubernetes.io/name=victoria-metrics-operator';
const WEBHOOK_RACE = /failed calling webhook|no endpoints available for service|connection refused/i;
const POLL_MS = 10_000;
const WEBHOOK_WAIT_MS = 120_000;
const kof_mothership_SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);
class InstallKofMothership extends OptionalK0rdentPhase {
    async run(context) {
        const options = await this.clusterTools(context);
        const kof = this.config.kof;
        const kubeconfig = this.kubeconfig;
        const timeoutSeconds = kof.mothership.install_timeout_seconds;
        const previous = context.state.read().facts[KOF_MOTHERSHIP_FACT]?.value;
        const istioExisted = (await phase_errors_tool(() => kubectlGet(kubeconfig, 'namespace', kof.istio.namespace, undefined, options))) !==
            undefined;
        const fact = {
            namespace: kof.mothership.namespace,
            istio_namespace: kof.istio.namespace,
            istio_namespace_created: (previous?.istio_namespace === kof.istio.namespace && previous.istio_namespace_created === true) ||
                !istioExisted,
            version: kof.version,
            istio_version: kof.istio.version,
        };
        // Recorded before anything is installed: an undo after a failure here still knows what to remove.
        (0,facts/* writeFact */.KF)(context, KOF_MOTHERSHIP_FACT, fact);
        await phase_errors_tool(() => kubectlApply(kubeconfig, [
            {
                apiVersion: 'v1',
                kind: 'Namespace',
                metadata: { name: kof.mothership.namespace, labels: { 'istio-injection': 'enabled' } },
            },
        ], options));
        const crd = await pollUntil(this.runtime, context.signal, { budgetMs: timeoutSeconds * 1000, intervalMs: POLL_MS }, async () => (await phase_errors_tool(() => kubectlGet(kubeconfig, 'customresourcedefinitions', SVELTOS_CRD, undefined, options)))
            ? true
            : undefined);
        if (!crd) {
            throw new phase/* CommandFailedError */.ju(`k0rdent's Sveltos CRD ${SVELTOS_CRD} did not appear within kof.mothership.install_timeout_seconds (${timeoutSeconds} s); is k0rdent healthy?`, undefined, []);
        }
        await phase_errors_tool(() => helmUpgradeInstall(this.install('kof-istio'), options));
        context.output.info(`kof-istio ${kof.istio.version} deployed in ${kof.istio.namespace}`);
        await phase_errors_tool(() => helmUpgradeInstall(this.install('kof-operators'), options));
        context.output.info(`kof-operators ${kof.version} deployed in ${kof.mothership.namespace}`);
        await this.installMothership(context, options);
        context.output.info(`kof-mothership ${kof.version} deployed in ${kof.mothership.namespace}${kof.mothership.storage_class === 'default' ? '' : ` (storage class ${kof.mothership.storage_class})`}`);
    }
    async validate(context) {
        const options = await this.checkTools(context);
        const { namespace } = this.config.kof.mothership;
        try {
            for (const name of KOF_RELEASES) {
                const release = this.release(name);
                const status = await helmStatus(release, options);
                if (!status)
                    return { ok: false, evidence: `release ${name} not found in ${release.namespace}` };
                if (status.status !== 'deployed')
                    return { ok: false, evidence: `release ${name} is ${status.status}` };
                const wanted = this.chartVersion(name);
                if (status.chartVersion !== undefined && status.chartVersion !== wanted)
                    return {
                        ok: false,
                        evidence: `release ${name} runs chart ${status.chartVersion}, configured ${wanted}`,
                    };
            }
            const ns = await kubectlGet(this.kubeconfig, 'namespace', namespace, undefined, options);
            if (ns?.metadata?.labels?.['istio-injection'] !== 'enabled')
                return { ok: false, evidence: `namespace ${namespace} lacks the label istio-injection=enabled` };
            const deployments = await kubectlDeployments(this.kubeconfig, namespace, options);
            if (deployments.length === 0)
                return { ok: false, evidence: `no deployments in ${namespace}` };
            const unavailable = deployments
                .filter((d) => d.available < d.desired)
                .map((d) => `${d.name} ${d.available}/${d.desired}`);
            if (unavailable.length > 0)
                return { ok: false, evidence: `not available in ${namespace}: ${unavailable.join(', ')}` };
            return {
                ok: true,
                evidence: `${KOF_RELEASES.join(', ')} deployed at the configured versions; ${deployments.length} deployment(s) available in ${namespace}`,
            };
        }
        catch (error) {
            return unreachable(error);
        }
    }
    async rollback(context) {
        const options = await this.clusterTools(context);
        const recorded = context.state.read().facts[KOF_MOTHERSHIP_FACT]?.value;
        const namespace = recorded?.namespace ?? this.config.kof.mothership.namespace;
        const istioNamespace = recorded?.istio_namespace ?? this.config.kof.istio.namespace;
        const wait = this.config.kof.mothership.install_timeout_seconds;
        for (const name of [...KOF_RELEASES].reverse()) {
            const release = { ...this.release(name), namespace: name === 'kof-istio' ? istioNamespace : namespace };
            const result = await phase_errors_tool(() => helmUninstall(release, options));
            context.output.info(result === 'uninstalled' ? `uninstalled release ${name}` : `release ${name} was already gone`);
        }
        if (!kof_mothership_SYSTEM_NAMESPACES.has(namespace))
            await phase_errors_tool(() => kubectlDelete(this.kubeconfig, 'namespace', namespace, wait, options));
        if (recorded?.istio_namespace_created === true && !kof_mothership_SYSTEM_NAMESPACES.has(istioNamespace))
            await phase_errors_tool(() => kubectlDelete(this.kubeconfig, 'namespace', istioNamespace, wait, options));
        (0,facts/* writeFact */.KF)(context, KOF_MOTHERSHIP_FACT, null);
    }
    async installMothership(context, options) {
        const { install_retries: attempts, retry_delay_seconds: delay } = this.config.kof.mothership;
        for (let attempt = 1;; attempt++) {
            try {
                await helmUpgradeInstall(this.install('kof-mothership'), options);
                return;
            }
            catch (error) {
                const failed = error instanceof tool/* ToolFailedError */.m ? error : undefined;
                if (!failed)
                    throw asPhaseError(error);
                const race = [failed.message, ...failed.outputTail].some((line) => WEBHOOK_RACE.test(line));
                if (!race || attempt >= attempts) {
                    throw new phase/* CommandFailedError */.ju(`${failed.message} (attempt ${attempt} of ${attempts}${race ? ', the VictoriaMetrics webhook was still not serving' : ''}); ` +
                        (race
                            ? 'raise kof.mothership.install_retries or retry_delay_seconds, or run again'
                            : 'see the output above'), failed.exitCode, failed.outputTail);
                }
                context.output.warn(`kof-mothership attempt ${attempt} of ${attempts} met the VictoriaMetrics webhook before it was serving; waiting for its endpoints`);
                const serving = await this.waitForWebhook(context, options);
                if (!serving)
                    context.output.warn(`the webhook's endpoints were not ready within ${WEBHOOK_WAIT_MS / 1000} s; retrying anyway`);
                if (delay > 0)
                    await this.runtime.sleep(delay * 1000, context.signal);
            }
        }
    }
    /** Whether every Service the VictoriaMetrics webhooks call has a ready address, within a bounded wait. */
    async waitForWebhook(context, options) {
        const kubeconfig = this.kubeconfig;
        const result = await pollUntil(this.runtime, context.signal, { budgetMs: WEBHOOK_WAIT_MS, intervalMs: POLL_MS }, async () => {
            let configs;
            try {
                configs = await kubectlList(kubeconfig, 'validatingwebhookconfigurations', {
                    ...options,
                    selector: WEBHOOK_SELECTOR,
                });
            }
            catch {
                return undefined;
            }
            const services = configs
                .flatMap((c) => c.webhooks ?? [])
                .flatMap(({ clientConfig }) => {
                const { name, namespace } = clientConfig?.service ?? {};
                return name && namespace ? [{ name, namespace }] : [];
            });
            if (services.length === 0)
                return undefined;
            for (const service of services) {
                const endpoints = await kubectlGet(kubeconfig, 'endpoints', service.name, service.namespace, options).catch(() => undefined); // not answering yet is not serving yet
                if (!(endpoints?.subsets ?? []).some((s) => (s.addresses ?? []).length > 0))
                    return undefined;
            }
            return true;
        });
        return result === true;
    }
    chartVersion(name) {
        return name === 'kof-istio' ? this.config.kof.istio.version : this.config.kof.version;
    }
    install(name) {
        const { storage_class: storageClass, install_timeout_seconds: timeoutSeconds } = this.config.kof.mothership;
        return {
            ...this.release(name),
            chart: `${KOF_CHARTS}/${name}`,
            version: this.chartVersion(name),
            timeoutSeconds,
            resetValues: true,
            // The chart reads global.storageClass (its README); `default` leaves it to the default class.
            ...(name === 'kof-mothership' && storageClass !== 'default'
                ? { values: { 'global.storageClass': storageClass } }
                : {}),
        };
    }
    release(name) {
        const kof = this.config.kof;
        return {
            release: name,
            namespace: name === 'kof-istio' ? kof.istio.namespace : kof.mothership.namespace,
            kubeconfig: this.kubeconfig,
        };
    }
    get kubeconfig() {
        return this.layout.kubeconfig().path;
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/kof-regional.ts
/**
 * install_kof_regional: KOF's regional cluster as a k0rdent ClusterDeployment on Azure, from the
 * config (template, credential, location, sizes, counts, labels), applied idempotently and awaited
 * until Ready within kof.regional.ready_timeout_minutes. A cluster that does not get there fails the
 * phase with the condition that held it up; a re-run applies the same object again and keeps waiting.
 * Once Ready, the regional cluster's admin kubeconfig (Cluster API's `<name>-kubeconfig` Secret in the
 * management cluster) is kept as a sensitive artifact. Undo deletes the ClusterDeployment and waits
 * until it is gone, so CAPZ releases the child's Azure resources before anything it needs (the
 * credential, k0rdent) is removed.
 */









const kof_regional_CLUSTER_DEPLOYMENTS = 'clusterdeployments.k0rdent.mirantis.com';
const CREDENTIALS = 'credentials.k0rdent.mirantis.com';
const CLUSTER_TEMPLATES = 'clustertemplates.k0rdent.mirantis.com';
const KOF_REGIONAL_FACT = 'kof_regional';
/** The labels KOF's operator finds a regional cluster by. */
const REGIONAL_LABELS = {
    'k0rdent.mirantis.com/istio-role': 'child',
    'k0rdent.mirantis.com/kof-cluster-role': 'regional',
};
const kof_regional_POLL_MS = 30_000;
const IDENTITY = 'azure-cluster-identity';
/** `kof-regional-<id without k0rdent->-<location>`, as the bash project names it. */
function regionalClusterName(deploymentId, config) {
    const { cluster_name: name, location } = config.kof.regional;
    return name ?? `kof-regional-${deploymentId.replace(/^k0rdent-/, '')}-${location}`;
}
class InstallKofRegional extends OptionalK0rdentPhase {
    async run(context) {
        const options = await this.clusterTools(context);
        const regional = this.config.kof.regional;
        const { domain, admin_email: email } = regional;
        if (domain === undefined || email === undefined)
            throw new phase/* PhaseConfigurationError */.AV('the regional cluster needs kof.regional.domain (e.g. regional.example.com) and kof.regional.admin_email ' +
                '(e.g. admin@example.com): set both in the config');
        const children = childrenFact(context);
        const kubeconfig = this.kubeconfig;
        const namespace = this.namespace;
        const name = this.clusterName;
        const template = await phase_errors_tool(() => kubectlGet(kubeconfig, CLUSTER_TEMPLATES, regional.template, namespace, options));
        if (!template)
            throw new phase/* PhaseConfigurationError */.AV(`ClusterTemplate ${regional.template} does not exist in ${namespace}; set kof.regional.template to one that ` +
                `\`kubectl get clustertemplates -n ${namespace}\` lists (templates follow the k0rdent version)`);
        const credential = await phase_errors_tool(() => kubectlGet(kubeconfig, CREDENTIALS, regional.credential, namespace, options));
        if (!credential)
            throw new phase/* PhaseConfigurationError */.AV(`Credential ${regional.credential} does not exist in ${namespace}; set kof.regional.credential to the ` +
                'Credential setup_azure_children creates (azure-cluster-credential)');
        (0,facts/* writeFact */.KF)(context, KOF_REGIONAL_FACT, {
            cluster_name: name,
            namespace,
            version: this.config.kof.version,
            domain,
        });
        const object = {
            apiVersion: 'k0rdent.mirantis.com/v1beta1',
            kind: 'ClusterDeployment',
            metadata: {
                name,
                namespace,
                labels: { ...regional.labels, ...REGIONAL_LABELS },
                annotations: {
                    'k0rdent.mirantis.com/kof-regional-domain': domain,
                    'k0rdent.mirantis.com/kof-cert-email': email,
                },
            },
            spec: {
                template: regional.template,
                credential: regional.credential,
                dryRun: false,
                config: {
                    clusterIdentity: { name: IDENTITY, namespace },
                    location: regional.location,
                    subscriptionID: children.subscription_id,
                    controlPlaneNumber: regional.control_plane_number,
                    controlPlane: { vmSize: regional.cp_instance_size, rootVolumeSize: regional.root_volume_size },
                    workersNumber: regional.workers_number,
                    worker: { vmSize: regional.worker_instance_size, rootVolumeSize: regional.root_volume_size },
                },
            },
        };
        await phase_errors_tool(() => kubectlApply(kubeconfig, [object], options));
        context.output.info(`ClusterDeployment ${name} applied in ${namespace}; waiting for it to become Ready`);
        const minutes = regional.ready_timeout_minutes;
        let last;
        const ready = await pollUntil(this.runtime, context.signal, { budgetMs: minutes * 60_000, intervalMs: kof_regional_POLL_MS }, async () => {
            last = await phase_errors_tool(() => kubectlGet(kubeconfig, kof_regional_CLUSTER_DEPLOYMENTS, name, namespace, options));
            return readyCondition(last)?.status === 'True' ? true : undefined;
        });
        if (!ready) {
            const held = (last?.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.status === 'False');
            throw new phase/* TransientPhaseError */.ow(`ClusterDeployment ${namespace}/${name} was not Ready within kof.regional.ready_timeout_minutes (${minutes} min): ` +
                (last ? describeCondition(readyCondition(last), 'Ready') : 'it disappeared') +
                (held.length > 0
                    ? `; also ${held.map((c) => describeCondition(c, c.type ?? '?')).join(', ')}`
                    : '') +
                '. Run again to keep waiting (the object stays), or roll back to remove it.');
        }
        context.output.info(`ClusterDeployment ${name} is Ready`);
        await this.keepKubeconfig(context, name, namespace, options);
    }
    /** Copies the regional cluster's kubeconfig from the Secret Cluster API keeps it in, if it is there. */
    async keepKubeconfig(context, name, namespace, options) {
        const secretName = `${name}-kubeconfig`;
        const secret = await phase_errors_tool(() => kubectlGet(this.kubeconfig, 'secrets', secretName, namespace, options));
        const encoded = secret?.data?.value;
        if (typeof encoded !== 'string' || encoded === '') {
            context.output.warn(`the regional cluster is Ready, but Secret ${namespace}/${secretName} holds no kubeconfig (key value): ` +
                `not stored; read it later with kubectl get secret ${secretName} -n ${namespace}`);
            return;
        }
        (0,secrets/* registerSecret */.cl)(encoded);
        const file = this.layout.regionalKubeconfig();
        await writeArtifact(context, {
            ...file,
            content: Buffer.from(encoded, 'base64').toString('utf8'),
            sensitive: true,
            metadata: { cluster: `${namespace}/${name}` },
        });
        context.output.info(`kept the regional cluster's kubeconfig as the sensitive artifact ${file.name}`);
    }
    async validate(context) {
        const options = await this.checkTools(context);
        const name = this.clusterName;
        const regional = this.config.kof.regional;
        try {
            const cd = await kubectlGet(this.kubeconfig, kof_regional_CLUSTER_DEPLOYMENTS, name, this.namespace, options);
            if (!cd)
                return { ok: false, evidence: `ClusterDeployment ${name} not found in ${this.namespace}` };
            const labels = cd.metadata?.labels ?? {};
            const missing = Object.entries(REGIONAL_LABELS).filter(([k, v]) => labels[k] !== v);
            if (missing.length > 0)
                return {
                    ok: false,
                    evidence: `ClusterDeployment ${name} lacks the label ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}`,
                };
            const drift = [
                ['template', cd.spec?.template, regional.template],
                ['credential', cd.spec?.credential, regional.credential],
                ['location', cd.spec?.config?.location, regional.location],
            ].filter(([, found, wanted]) => found !== wanted);
            if (drift.length > 0)
                return {
                    ok: false,
                    evidence: `ClusterDeployment ${name} differs from the config: ${drift.map(([k, f, w]) => `${k} ${f ?? 'unset'}, configured ${w}`).join('; ')}`,
                };
            const condition = readyCondition(cd);
            return condition?.status === 'True'
                ? { ok: true, evidence: `ClusterDeployment ${name} is Ready` }
                : { ok: false, evidence: `ClusterDeployment ${name}: ${describeCondition(condition, 'Ready')}` };
        }
        catch (error) {
            return unreachable(error);
        }
    }
    async rollback(context) {
        const options = await this.clusterTools(context);
        const recorded = context.state.read().facts[KOF_REGIONAL_FACT]?.value;
        const name = recorded?.cluster_name ?? this.clusterName;
        const namespace = recorded?.namespace ?? this.namespace;
        const kubeconfig = this.kubeconfig;
        const requested = await phase_errors_tool(() => kubectlRequestDelete(kubeconfig, kof_regional_CLUSTER_DEPLOYMENTS, name, namespace, options));
        if (requested === 'requested') {
            const minutes = this.config.kof.regional.ready_timeout_minutes;
            const gone = await pollUntil(this.runtime, context.signal, { budgetMs: minutes * 60_000, intervalMs: kof_regional_POLL_MS }, async () => {
                try {
                    return (await phase_errors_tool(() => kubectlGet(kubeconfig, kof_regional_CLUSTER_DEPLOYMENTS, name, namespace, options))) === undefined
                        ? true
                        : undefined;
                }
                catch (error) {
                    if (error instanceof UnknownKindError)
                        return true;
                    throw error;
                }
            });
            if (!gone)
                throw new phase/* TransientPhaseError */.ow(`ClusterDeployment ${namespace}/${name} is still being deleted after ${minutes} min (its Azure resources are being released); run the rollback again to keep waiting`);
            context.output.info(`deleted ClusterDeployment ${namespace}/${name}; its Azure resources are released`);
        }
        else {
            context.output.info(`the cluster does not know ClusterDeployments any more: ${name} is gone`);
        }
        const file = this.layout.regionalKubeconfig();
        await removeArtifactFile(context, file.name, file.path);
        (0,facts/* writeFact */.KF)(context, KOF_REGIONAL_FACT, null);
    }
    get clusterName() {
        return regionalClusterName(this.deployment.id, this.config);
    }
    /** The ClusterDeployment lives with its Credential and template, in k0rdent's namespace. */
    get namespace() {
        return this.config.software.k0rdent.namespace;
    }
    get kubeconfig() {
        return this.layout.kubeconfig().path;
    }
}
function readyCondition(cd) {
    return cd?.status?.conditions?.find((c) => c.type === 'Ready');
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/kubeconfig.ts
/**
 * The admin kubeconfig k0s writes on a controller, made usable from the hub: its API server is the
 * controller's WireGuard address (the one address the hub routes to), and its cluster, context and
 * user are named after the deployment, as `k0sctl kubeconfig` names them. Pure. Parse errors never
 * quote the input: it holds the cluster's admin key.
 */

class KubeconfigError extends Error {
    name = 'KubeconfigError';
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function single(doc, key) {
    const list = doc[key];
    if (!Array.isArray(list) || list.length !== 1 || !isRecord(list[0]))
        throw new KubeconfigError(`the admin kubeconfig does not have exactly one entry in ${key}`);
    return list[0];
}
function kubeconfigForHub(raw, target) {
    let doc;
    try {
        doc = (0,js_yaml/* load */.Hh)(raw);
    }
    catch {
        throw new KubeconfigError('the admin kubeconfig is not valid YAML');
    }
    if (!isRecord(doc) || doc.kind !== 'Config' || typeof doc.apiVersion !== 'string')
        throw new KubeconfigError('the file is not a kubeconfig (no kind: Config)');
    const cluster = single(doc, 'clusters');
    const context = single(doc, 'contexts');
    const user = single(doc, 'users');
    if (!isRecord(cluster.cluster) || typeof cluster.cluster.server !== 'string')
        throw new KubeconfigError('the admin kubeconfig names no API server');
    if (!isRecord(user.user))
        throw new KubeconfigError('the admin kubeconfig has no user credentials');
    const userName = 'admin';
    const out = {
        ...doc,
        clusters: [{ ...cluster, name: target.name, cluster: { ...cluster.cluster, server: target.server } }],
        contexts: [
            {
                ...context,
                name: target.name,
                context: {
                    ...(isRecord(context.context) ? context.context : {}),
                    cluster: target.name,
                    user: userName,
                },
            },
        ],
        'current-context': target.name,
        users: [{ ...user, name: userName }],
    };
    return (0,js_yaml/* dump */.Bh)(out, { lineWidth: -1, noRefs: true });
}

;// CONCATENATED MODULE: ./src/tools/kubectl-pods.ts
/**
 * kubectl for short-lived pods: applying a manifest from standard input, waiting for pods to be Ready,
 * reading them, and running a command in one. Every call is bounded: the API requests by
 * `--request-timeout`, the waits by their own timeout.
 */

const REQUEST_TIMEOUT = '20s';
const quietStdout = (options) => ({
    ...options,
    onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream),
});
/** `kubectl apply -f -` with the manifest (JSON is YAML) on standard input. */
async function kubectl_pods_kubectlApply(kubeconfig, manifest, options = {}) {
    await (0,tool/* runToolOrThrow */.hJ)('kubectl apply', 'kubectl', ['--kubeconfig', kubeconfig, '--request-timeout', REQUEST_TIMEOUT, 'apply', '--filename', '-'], { ...options, stdin: JSON.stringify(manifest) });
}
/** Waits until every pod of the namespace is Ready; false (with kubectl's words) when the time ran out. */
async function kubectlWaitPodsReady(kubeconfig, namespace, timeoutSeconds, options = {}) {
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        '--kubeconfig',
        kubeconfig,
        'wait',
        '--for',
        'condition=Ready',
        'pod',
        '--all',
        '--namespace',
        namespace,
        '--timeout',
        `${timeoutSeconds}s`,
    ], quietStdout(options));
    return { ready: result.exitCode === 0, detail: result.stderrTail.at(-1)?.trim() ?? '' };
}
async function kubectlPods(kubeconfig, namespace, options = {}) {
    const result = await (0,tool/* runToolOrThrow */.hJ)('kubectl get pods', 'kubectl', [
        '--kubeconfig',
        kubeconfig,
        '--request-timeout',
        REQUEST_TIMEOUT,
        'get',
        'pods',
        '--namespace',
        namespace,
        '--output',
        'json',
    ], quietStdout(options));
    const list = JSON.parse(result.stdout);
    return (list.items ?? []).map((pod) => {
        const conditions = pod.status?.conditions ?? [];
        const unscheduled = conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
        const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
        return {
            name: pod.metadata?.name ?? '',
            node: pod.spec?.nodeName,
            ip: pod.status?.podIP,
            phase: pod.status?.phase ?? 'Unknown',
            ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
            waiting: unscheduled
                ? `${unscheduled.reason ?? 'Unschedulable'}: ${unscheduled.message ?? ''}`.trim()
                : waiting
                    ? `${waiting.reason ?? 'Waiting'}${waiting.message ? `: ${waiting.message}` : ''}`
                    : undefined,
        };
    });
}
/** Runs `argv` in the pod's first container; the command's exit code and its last words. */
async function kubectlExec(kubeconfig, namespace, pod, argv, options = {}) {
    const result = await (0,tool/* runTool */.qI)('kubectl', [
        '--kubeconfig',
        kubeconfig,
        '--request-timeout',
        REQUEST_TIMEOUT,
        'exec',
        '--namespace',
        namespace,
        pod,
        '--',
        ...argv,
    ], quietStdout(options));
    const words = [...result.stdout.trim().split('\n'), ...result.stderrTail]
        .map((l) => l.trim())
        .filter((l) => l !== '');
    return { ok: result.exitCode === 0, detail: words.at(-1) ?? `exit ${result.exitCode ?? 'signal'}` };
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/pod-network.ts
/**
 * Proof that pods on different nodes reach each other (the CNI works across the VMs), not only that
 * the nodes are Ready: one short-lived pod pinned to every node that runs a kubelet, each pinging the
 * pod on the next node (a ring, so every node sends and receives across a node boundary), then the
 * namespace goes. Every step is bounded: the pods have a deadline of their own, the wait for them a
 * timeout, each ping two packets of two seconds. A controller runs no kubelet and gets no pod.
 */


const NETCHECK_NAMESPACE = 'k0rdent-deploy-netcheck';
/** How long the probe pods may take to be Ready (image pull included). */
const NETCHECK_READY_SECONDS = 120;
/** A probe pod ends by itself after this long, should the clean-up not run (a killed job). */
const POD_DEADLINE_SECONDS = 600;
const DELETE_TIMEOUT_SECONDS = 60;
const LABEL = { 'app.kubernetes.io/name': 'k0rdent-deploy-netcheck' };
/** The probe pod of a node (node names are DNS labels, as Kubernetes requires of pod names). */
function probePodName(node) {
    return `netcheck-${node}`.slice(0, 63).replace(/-+$/, '');
}
/**
 * The namespace and one pod per node, as a List for one `kubectl apply`. Pure. `image` has `ping` and
 * `sleep` (software.pod_network_probe.image).
 */
function netcheckManifest(nodes, image) {
    return {
        apiVersion: 'v1',
        kind: 'List',
        items: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NETCHECK_NAMESPACE, labels: LABEL } },
            ...nodes.map((node) => ({
                apiVersion: 'v1',
                kind: 'Pod',
                metadata: { name: probePodName(node), namespace: NETCHECK_NAMESPACE, labels: LABEL },
                spec: {
                    nodeSelector: { 'kubernetes.io/hostname': node },
                    // Also on a controller+worker that keeps its control-plane taint.
                    tolerations: [{ operator: 'Exists' }],
                    restartPolicy: 'Never',
                    activeDeadlineSeconds: POD_DEADLINE_SECONDS,
                    terminationGracePeriodSeconds: 0,
                    automountServiceAccountToken: false,
                    containers: [
                        {
                            name: 'probe',
                            image,
                            command: ['sleep', String(POD_DEADLINE_SECONDS)],
                            resources: {
                                requests: { cpu: '10m', memory: '16Mi' },
                                limits: { cpu: '50m', memory: '64Mi' },
                            },
                        },
                    ],
                },
            })),
        ],
    };
}
/** Each node's pod to the next node's: every node sends and receives across a node boundary. Pure. */
function ringPairs(items) {
    if (items.length < 2)
        return [];
    return items.map((item, i) => [item, items[(i + 1) % items.length]]);
}
/**
 * Runs the probe on `nodes` (the Ready nodes that run a kubelet). Fewer than two: nothing crosses a
 * node, so there is nothing to prove. A failure of the network is a finding (ok: false, naming the
 * nodes and what failed); a failure to talk to the API at all throws.
 */
async function probePodNetwork(kubeconfig, nodes, options) {
    if (nodes.length < 2)
        return {
            ok: true,
            evidence: `pod network not probed: ${nodes.length} node(s) run workloads, so no traffic crosses nodes`,
        };
    // A namespace left by a killed job (or still terminating) would refuse the new pods.
    await kubectlDelete(kubeconfig, 'namespace', NETCHECK_NAMESPACE, DELETE_TIMEOUT_SECONDS, options);
    try {
        await kubectl_pods_kubectlApply(kubeconfig, netcheckManifest(nodes, options.image), options);
        const readySeconds = options.readySeconds ?? NETCHECK_READY_SECONDS;
        const wait = await kubectlWaitPodsReady(kubeconfig, NETCHECK_NAMESPACE, readySeconds, options);
        const pods = await kubectlPods(kubeconfig, NETCHECK_NAMESPACE, options);
        if (!wait.ready)
            return { ok: false, evidence: notReady(pods, nodes, readySeconds, wait.detail, options.image) };
        const byNode = new Map(pods.map((pod) => [pod.node, pod]));
        const placed = nodes.map((node) => byNode.get(node));
        const missing = nodes.filter((_, i) => !placed[i]?.ip);
        if (missing.length > 0)
            return {
                ok: false,
                evidence: `pod network probe: no pod with an address on ${missing.join(', ')} although the pods are Ready`,
            };
        const pairs = ringPairs(nodes.map((node, i) => ({ node, pod: placed[i] })));
        const results = await Promise.all(pairs.map(([from, to]) => kubectlExec(kubeconfig, NETCHECK_NAMESPACE, from.pod.name, ['ping', '-c', '2', '-W', '2', to.pod.ip ?? ''], options)));
        const broken = pairs
            .map(([from, to], i) => ({ from, to, result: results[i] }))
            .filter(({ result }) => !result?.ok)
            .map(({ from, to, result }) => `the pod on ${from.node} cannot reach the pod on ${to.node} (${to.pod.ip ?? '?'}): ${result?.detail ?? ''}`);
        if (broken.length > 0)
            return {
                ok: false,
                evidence: `pod network broken across nodes: ${broken.join('; ')} (the CNI, calico, does not carry traffic between these VMs: check its pods in kube-system and that the VMs reach each other on the subnet)`,
            };
        return {
            ok: true,
            evidence: `pods reach each other across all ${nodes.length} nodes (${pairs.map(([a, b]) => `${a.node}\u2192${b.node}`).join(', ')})`,
        };
    }
    finally {
        try {
            await kubectlDelete(kubeconfig, 'namespace', NETCHECK_NAMESPACE, DELETE_TIMEOUT_SECONDS, options);
        }
        catch (error) {
            // The pods end by their own deadline; the next probe deletes the namespace first.
            options.onCleanupFailure?.(`could not delete the namespace ${NETCHECK_NAMESPACE} of the pod network probe: ${error.message}`);
        }
    }
}
function notReady(pods, nodes, seconds, detail, image) {
    const byName = new Map(pods.map((pod) => [pod.name, pod]));
    const stuck = nodes
        .map((node) => ({ node, pod: byName.get(probePodName(node)) }))
        .filter(({ pod }) => !pod?.ready)
        .map(({ node, pod }) => `${node}: ${pod ? (pod.waiting ?? pod.phase) : 'no pod'}`);
    return (`pod network probe: pods not Ready within ${seconds} s (${stuck.join('; ') || detail}); ` +
        `a node that cannot pull ${image} (software.pod_network_probe.image) or start a pod (its CNI not ready) cannot be probed`);
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/install-k0s.ts
/**
 * install_k0s: `k0sctl.yaml` from the recorded hosts, `k0sctl apply` (idempotent), the admin
 * kubeconfig fetched over SSH through the tunnel from the first controller with retries (a sensitive artifact, pointed
 * at the API over the tunnel), then every host that runs a kubelet a Ready node \u2014 a `controller` runs
 * none and never appears in `kubectl get nodes` \u2014 and pods on different nodes reaching each other
 * (pod-network.ts), in `run` and again in `validate`. Roles follow k0s-roles.ts; the cluster as applied is
 * recorded (fact `k0s_cluster`) so that later edits keep what k0s cannot change.
 */


















class InstallK0s extends K0rdentPhase {
    async run(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        const doc = context.state.read();
        let cluster = (0,facts/* readK0sCluster */.Bp)(doc);
        if (cluster && clusterGone(cluster, (0,facts/* readVmStates */.aZ)(doc))) {
            context.output.info('every VM of the recorded k0s cluster was created again: installing a new cluster');
            (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.k0sCluster, null);
            cluster = undefined;
        }
        const hosts = plannedHosts(this.config);
        const problems = topologyProblems(hosts, cluster);
        if (problems.length > 0)
            throw new phase/* PhaseConfigurationError */.AV(problems.join('; '));
        for (const kept of keptRoles(hosts, cluster))
            context.output.info(kept);
        await ensureTunnel(this.deployment, options);
        if (cluster) {
            const replaced = new Set(replacedHosts(cluster, (0,facts/* readVmStates */.aZ)(doc)));
            await evictReplacedControllers(this.deployment, context, cluster, replaced, options);
        }
        const roles = placements(hosts, cluster);
        const configFile = await this.writeK0sctlConfig(context, roles);
        await phase_errors_tool(() => k0sctlApply(configFile, { ...options, env: k0sctlEnv(this.deployment, env) }));
        this.recordCluster(context, roles);
        const kubeconfig = this.layout.kubeconfig();
        await writeArtifact(context, {
            ...kubeconfig,
            content: await this.fetchKubeconfig(context),
            sensitive: true,
        });
        const deadline = this.runtime.now() + this.config.timeouts.k0s_install_wait * 1000;
        for (;;) {
            const notReady = await this.nodesNotReady(kubeconfig.path, roles, options).catch((error) => {
                if (error instanceof tool/* ToolNotFoundError */.Mm)
                    throw asPhaseError(error);
                return [`API server did not answer (${error.message})`];
            });
            if (notReady.length === 0)
                break;
            if (this.runtime.now() >= deadline || context.signal.aborted) {
                throw new phase/* TransientPhaseError */.ow(`k0s nodes not Ready after ${this.config.timeouts.k0s_install_wait} s: ${notReady.join(', ')}`);
            }
            await this.runtime.sleep(this.runtime.timing?.checkIntervalMs ?? 5_000, context.signal);
        }
        context.output.info(`k0s ${this.config.software.k0s.version} running on ${hosts.length} host(s): ${install_k0s_describe(roles)}`);
        const network = await this.probeNetwork(context, kubeconfig.path, roles, options);
        if (!network.ok)
            throw new phase/* TransientPhaseError */.ow(network.evidence);
        context.output.info(network.evidence);
    }
    async validate(context) {
        const kubeconfig = this.layout.kubeconfig();
        const doc = context.state.read();
        const intact = await artifactIntact(doc, kubeconfig.name);
        if (!intact.ok)
            return { ok: false, evidence: intact.detail };
        const roles = placements(plannedHosts(this.config), (0,facts/* readK0sCluster */.Bp)(doc));
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        let notReady;
        try {
            notReady = await this.nodesNotReady(kubeconfig.path, roles, { env, signal: context.signal });
        }
        catch (error) {
            if (error instanceof tool/* ToolNotFoundError */.Mm)
                throw asPhaseError(error);
            return {
                ok: false,
                evidence: `the API server did not answer with the kubeconfig: ${error.message}`,
            };
        }
        if (notReady.length > 0)
            return { ok: false, evidence: notReady.join(', ') };
        let network;
        try {
            network = await this.probeNetwork(context, kubeconfig.path, roles, { env, signal: context.signal });
        }
        catch (error) {
            if (error instanceof tool/* ToolNotFoundError */.Mm)
                throw asPhaseError(error);
            return {
                ok: false,
                evidence: `the pod network probe could not run: ${error.message}`,
            };
        }
        return network.ok
            ? { ok: true, evidence: `the API server answers; ${install_k0s_describe(roles)}; ${network.evidence}` }
            : { ok: false, evidence: network.evidence };
    }
    /** Pod-to-pod traffic across every node that runs a kubelet (pod-network.ts). */
    probeNetwork(context, kubeconfig, roles, options) {
        const nodes = plannedHosts(this.config)
            .filter((host) => runsKubelet(roles.get(host.name)?.role ?? 'worker'))
            .map((host) => host.name);
        return probePodNetwork(kubeconfig, nodes, {
            image: this.config.software.pod_network_probe.image,
            env: options.env,
            signal: options.signal,
            onCleanupFailure: (message) => context.output.warn(message),
        });
    }
    async rollback(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const configFile = (0,external_node_fs_.existsSync)(this.layout.k0sctlConfig().path)
            ? this.layout.k0sctlConfig().path
            : await this.writeK0sctlConfig(context, placements(plannedHosts(this.config), (0,facts/* readK0sCluster */.Bp)(context.state.read())));
        await phase_errors_tool(() => k0sctlReset(configFile, { ...options, env: k0sctlEnv(this.deployment, env) }));
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.k0sCluster, null);
        const kubeconfig = this.layout.kubeconfig();
        await removeArtifactFile(context, kubeconfig.name, kubeconfig.path);
    }
    /**
     * The admin kubeconfig from the first controller (k0sctl's leader on a new cluster), read over SSH
     * through the tunnel, as k0sctl reaches the hosts: SSH from the internet is closed (ssh.lockdown). A
     * refused connection is retried; a host key that changed is not.
     */
    async fetchKubeconfig(context) {
        const doc = context.state.read();
        const leader = plannedHosts(this.config).find((h) => h.role === 'controller');
        const address = leader ? (0,facts/* readPeers */.sC)(doc)[leader.name]?.ip : undefined;
        if (!leader || !address)
            throw new phase/* PhaseConfigurationError */.AV(`no WireGuard address recorded for ${leader?.name ?? 'the first controller'}: run prepare_deployment again`);
        const target = this.sshTarget(address);
        const tries = this.config.timeouts.verification_retries;
        for (let attempt = 1;; attempt++) {
            const result = await phase_errors_tool(() => sshRun(target, K0S_ADMIN_KUBECONFIG_COMMAND, {
                env: this.runtime.env,
                signal: context.signal,
                secret: true,
            }));
            if (result.ok) {
                (0,secrets/* registerSecret */.cl)(result.stdout);
                try {
                    return kubeconfigForHub(result.stdout, {
                        name: this.deployment.id,
                        server: `https://${address}:6443`,
                    });
                }
                catch (error) {
                    if (!(error instanceof KubeconfigError))
                        throw error;
                    throw new phase/* TransientPhaseError */.ow(`${leader.name} answered \`${K0S_ADMIN_KUBECONFIG_COMMAND}\` with no usable kubeconfig: ${error.message}`);
                }
            }
            const what = `fetching the kubeconfig from ${leader.name} (${address})`;
            if (result.failure === 'host-key-changed')
                throw new phase/* PhaseConfigurationError */.AV(`${what}: ${result.detail}, so it was not trusted; if the VM was replaced outside k0rdent-deploy, roll back to create_vms and run again`);
            if (attempt >= tries || context.signal.aborted)
                throw new phase/* TransientPhaseError */.ow(`${what} failed ${attempt} time(s): ${result.detail}`);
            context.output.warn(`${what} failed (try ${attempt} of ${tries}): ${result.detail}; retrying`);
            await this.runtime.sleep(this.runtime.timing?.retryDelayMs ?? this.config.timeouts.verification_retry_delay * 1000, context.signal);
        }
    }
    async writeK0sctlConfig(context, roles) {
        const doc = context.state.read();
        const peers = (0,facts/* readPeers */.sC)(doc);
        const vms = (0,facts/* readVmStates */.aZ)(doc);
        const file = this.layout.k0sctlConfig();
        const content = renderK0sctlConfig({
            clusterName: this.deployment.id,
            k0sVersion: this.config.software.k0s.version,
            sshUser: this.config.ssh.username,
            sshPort: this.runtime.sshPort ?? 22,
            sshKeyPath: this.layout.sshPrivateKey().path,
            hosts: plannedHosts(this.config).map((host) => {
                const address = peers[host.name]?.ip;
                if (!address)
                    throw new phase/* PhaseConfigurationError */.AV(`no WireGuard address recorded for ${host.name}: run prepare_deployment again`);
                const privateAddress = vms[host.name]?.private_ip;
                const placement = roles.get(host.name);
                return {
                    name: host.name,
                    role: placement?.role ?? 'worker',
                    noTaints: placement?.noTaints === true,
                    wireguardAddress: address,
                    ...(privateAddress ? { privateAddress } : {}),
                };
            }),
        });
        await writeArtifact(context, { ...file, content, sensitive: false });
        return file.path;
    }
    /** What now runs where, with the VM each host runs on: what later edits must respect. */
    recordCluster(context, roles) {
        const doc = context.state.read();
        const peers = (0,facts/* readPeers */.sC)(doc);
        const vms = (0,facts/* readVmStates */.aZ)(doc);
        const hosts = {};
        for (const host of plannedHosts(this.config)) {
            const placement = roles.get(host.name);
            const vm = vms[host.name];
            hosts[host.name] = {
                role: placement?.role ?? 'worker',
                no_taints: placement?.noTaints === true,
                address: peers[host.name]?.ip ?? '',
                ...(vm?.private_ip ? { private_ip: vm.private_ip } : {}),
                ...(vm?.vm_id ? { vm_id: vm.vm_id } : {}),
            };
        }
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.k0sCluster, { version: this.config.software.k0s.version, hosts });
    }
    /** Hosts that run a kubelet and are not a Ready node; controllers run none and are not nodes. */
    async nodesNotReady(kubeconfig, roles, options) {
        const nodes = await kubectlNodes(kubeconfig, options);
        const byName = new Map(nodes.map((n) => [n.name, n.ready]));
        return plannedHosts(this.config)
            .filter((host) => runsKubelet(roles.get(host.name)?.role ?? 'worker'))
            .filter((host) => byName.get(host.name) !== true)
            .map((host) => `${host.name} ${byName.has(host.name) ? 'not Ready' : 'not a node'}`);
    }
}
function install_k0s_describe(roles) {
    const all = [...roles.values()];
    const nodes = all.filter((p) => runsKubelet(p.role)).length;
    const controlOnly = all.length - nodes;
    return `all ${nodes} node(s) Ready${controlOnly > 0 ? `; ${controlOnly} controller(s) run no kubelet and are not nodes` : ''}`;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/layout.ts
/**
 * Where a deployment's files live (under the work directory, by default the state directory) and the
 * artifact names they are recorded under. Secrets sit under `secrets/` (700), each file 600; the
 * WireGuard key paths match those a migrated upstream state uses.
 */


class Layout {
    workDir;
    deploymentId;
    constructor(workDir, deploymentId) {
        this.workDir = workDir;
        this.deploymentId = deploymentId;
    }
    get interfaceName() {
        return wireguardInterface(this.deploymentId);
    }
    wireguardKey(host) {
        return {
            name: `wireguard_private_key_${safeName(host)}`,
            path: (0,external_node_path_.join)(this.workDir, 'secrets', 'wireguard', `${safeName(host)}.key`),
        };
    }
    hubKey() {
        return this.wireguardKey(HUB);
    }
    sshPrivateKey() {
        return {
            name: 'ssh_private_key',
            path: (0,external_node_path_.join)(this.workDir, 'secrets', 'ssh', `${this.deploymentId}-ssh-key`),
        };
    }
    sshPublicKey() {
        return { name: 'ssh_public_key', path: (0,external_node_path_.join)(this.workDir, 'ssh', `${this.deploymentId}-ssh-key.pub`) };
    }
    knownHosts() {
        return (0,external_node_path_.join)(this.workDir, 'ssh', 'known_hosts');
    }
    cloudInit(host) {
        return {
            name: `cloud_init_${safeName(host)}`,
            path: (0,external_node_path_.join)(this.workDir, 'cloud-init', `${host}-cloud-init.yaml`),
        };
    }
    hubConfig() {
        return {
            name: 'wireguard_hub_config',
            path: (0,external_node_path_.join)(this.workDir, 'secrets', 'wireguard', `${this.interfaceName}.conf`),
        };
    }
    k0sctlConfig() {
        return { name: 'k0sctl_config', path: (0,external_node_path_.join)(this.workDir, 'k0sctl', 'k0sctl.yaml') };
    }
    /** A transient k0sctl.yaml that removes hosts from the cluster (hosts with `reset: true`). */
    k0sctlRemovalConfig() {
        return (0,external_node_path_.join)(this.workDir, 'k0sctl', 'k0sctl-remove.yaml');
    }
    kubeconfig() {
        return { name: 'kubeconfig', path: (0,external_node_path_.join)(this.workDir, 'secrets', 'kubeconfig') };
    }
    /** The KOF regional cluster's admin kubeconfig (install_kof_regional copies it from its Secret). */
    regionalKubeconfig() {
        return {
            name: 'kof_regional_kubeconfig',
            path: (0,external_node_path_.join)(this.workDir, 'secrets', 'kof-regional-kubeconfig'),
        };
    }
    /**
     * The client secret of the service principal child clusters use (setup_azure_children writes it;
     * install_azure_csi and the KOF phases read it). Never stored anywhere else in plaintext.
     */
    azureChildrenClientSecret() {
        return {
            name: 'azure_children_client_secret',
            path: (0,external_node_path_.join)(this.workDir, 'secrets', 'azure', 'children-client-secret'),
        };
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/parts.ts
/** The runtime parts behind a built-in Deployment, for operations that span phases (fast destroy, tunnel teardown). */

const registry = new WeakMap();
function registerParts(deployment, parts) {
    registry.set(deployment, parts);
    return deployment;
}
function partsOf(deployment) {
    const parts = registry.get(deployment);
    if (!parts)
        throw new errors/* UserError */.yo(`deployment ${deployment.id} is not the built-in k0rdent deployment`);
    return parts;
}
function isBuiltIn(deployment) {
    return registry.has(deployment);
}

;// CONCATENATED MODULE: ./src/azure/rest.ts
/** A refusal from the service: its HTTP status, its error code and message. */
class RestCallError extends Error {
    statusCode;
    code;
    name = 'RestCallError';
    constructor(message, statusCode, code) {
        super(message);
        this.statusCode = statusCode;
        this.code = code;
    }
}
class RestClient {
    pipeline;
    http;
    make;
    options;
    constructor(pipeline, http, make, options) {
        this.pipeline = pipeline;
        this.http = http;
        this.make = make;
        this.options = options;
    }
    static async create(options) {
        const rest = await __webpack_require__.e(/* import() */ 188).then(__webpack_require__.bind(__webpack_require__, 73188));
        const pipeline = rest.createPipelineFromOptions({
            userAgentOptions: { userAgentPrefix: 'k0rdent-deploy' },
            ...(options.clientOptions?.tlsOptions ? { tlsOptions: { ...options.clientOptions.tlsOptions } } : {}),
            ...(options.clientOptions?.retryOptions
                ? { retryOptions: { ...options.clientOptions.retryOptions } }
                : {}),
        });
        pipeline.addPolicy(rest.bearerTokenAuthenticationPolicy({
            credential: options.credential,
            scopes: `${options.audience.replace(/\/+$/, '')}/.default`,
        }));
        return new RestClient(pipeline, rest.createDefaultHttpClient(), rest, options);
    }
    get(path) {
        return this.send('GET', path);
    }
    /** GET that answers undefined for 404. */
    async find(path) {
        try {
            return (await this.get(path)).body;
        }
        catch (error) {
            if (error instanceof RestCallError && error.statusCode === 404)
                return undefined;
            throw error;
        }
    }
    post(path, body) {
        return this.send('POST', path, body);
    }
    put(path, body) {
        return this.send('PUT', path, body);
    }
    /** DELETE; `absent` for 404, else the status (Graph answers 204; ARM 200, or 204 when there was nothing). */
    async delete(path) {
        try {
            return (await this.send('DELETE', path)).status;
        }
        catch (error) {
            if (error instanceof RestCallError && error.statusCode === 404)
                return 'absent';
            throw error;
        }
    }
    async send(method, path, body) {
        const request = this.make.createPipelineRequest({
            url: `${this.options.endpoint.replace(/\/+$/, '')}${path}`,
            method,
            headers: this.make.createHttpHeaders({
                accept: 'application/json',
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            }),
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            ...(this.options.signal ? { abortSignal: this.options.signal } : {}),
        });
        const response = await this.pipeline.sendRequest(this.http, request);
        const text = response.bodyAsText ?? '';
        let parsed = undefined;
        if (text !== '') {
            try {
                parsed = JSON.parse(text);
            }
            catch {
                parsed = undefined;
            }
        }
        if (response.status >= 400) {
            const error = parsed?.error;
            throw new RestCallError(`${method} ${path.split('?')[0] ?? path}: HTTP ${response.status}${error?.code ? ` ${error.code}` : ''}: ${error?.message ?? (text.slice(0, 200) || 'no message')}`, response.status, error?.code);
        }
        return { status: response.status, body: parsed };
    }
}

;// CONCATENATED MODULE: ./src/azure/graph.ts

const GRAPH_ENDPOINT = 'https://graph.microsoft.com';
const quoted = (text) => `'${text.replace(/'/g, "''")}'`;
class GraphClient {
    rest;
    constructor(rest) {
        this.rest = rest;
    }
    static async create(options) {
        const endpoint = options.endpoint ?? GRAPH_ENDPOINT;
        return new GraphClient(await RestClient.create({
            endpoint,
            audience: options.audience ?? endpoint,
            credential: options.credential,
            ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
        }));
    }
    async createApplication(displayName, tags) {
        const { body } = await this.rest.post('/v1.0/applications', {
            displayName,
            signInAudience: 'AzureADMyOrg',
            tags,
        });
        return body;
    }
    /** Applications with this display name (a crash may have left one unrecorded). */
    async applicationsNamed(displayName) {
        const filter = encodeURIComponent(`displayName eq ${quoted(displayName)}`);
        const { body } = await this.rest.get(`/v1.0/applications?$filter=${filter}&$select=id,appId,displayName,tags`);
        return body.value ?? [];
    }
    application(appId) {
        return this.rest.find(`/v1.0/applications(appId=${quoted(appId)})`);
    }
    servicePrincipal(appId) {
        return this.rest.find(`/v1.0/servicePrincipals(appId=${quoted(appId)})`);
    }
    async createServicePrincipal(appId) {
        const { body } = await this.rest.post('/v1.0/servicePrincipals', { appId });
        return body;
    }
    /** A new client secret; Graph shows its text only in this answer. */
    async addPassword(applicationObjectId, displayName, endDateTime) {
        const { body } = await this.rest.post(`/v1.0/applications/${encodeURIComponent(applicationObjectId)}/addPassword`, { passwordCredential: { displayName, endDateTime } });
        if (!body.secretText)
            throw new Error('Microsoft Graph answered addPassword without a secretText');
        return body.secretText;
    }
    /** Deletes the application registration (its service principal and passwords go with it). */
    async deleteApplication(applicationObjectId) {
        const status = await this.rest.delete(`/v1.0/applications/${encodeURIComponent(applicationObjectId)}`);
        return status === 'absent' ? 'absent' : 'deleted';
    }
}
/** Graph refused because the identity may not do this (no Application.ReadWrite.OwnedBy or similar). */
function isGraphForbidden(error) {
    return error instanceof RestCallError && (error.statusCode === 403 || error.statusCode === 401);
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/children-objects.ts
const CHILDREN = {
    secret: 'azure-cluster-identity-secret',
    identity: 'azure-cluster-identity',
    credential: 'azure-cluster-credential',
    template: 'azure-cluster-identity-resource-template',
};
const KINDS = {
    identity: 'azureclusteridentities.infrastructure.cluster.x-k8s.io',
    credential: 'credentials.k0rdent.mirantis.com',
    clusterDeployment: 'clusterdeployments.k0rdent.mirantis.com',
};
const CAPZ_API = 'infrastructure.cluster.x-k8s.io/v1beta1';
const KCM_LABEL = { 'k0rdent.mirantis.com/component': 'kcm' };
function childrenObjects(identity) {
    const { namespace } = identity;
    return [
        {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: CHILDREN.secret, namespace, labels: { ...KCM_LABEL } },
            // `type` is not part of KubeObject's shape; a Secret without it is Opaque.
            data: { clientSecret: Buffer.from(identity.clientSecret, 'utf8').toString('base64') },
        },
        {
            apiVersion: CAPZ_API,
            kind: 'AzureClusterIdentity',
            metadata: {
                name: CHILDREN.identity,
                namespace,
                labels: { 'clusterctl.cluster.x-k8s.io/move-hierarchy': 'true' },
            },
            spec: {
                type: 'ServicePrincipal',
                tenantID: identity.tenantId,
                clientID: identity.clientId,
                clientSecret: { name: CHILDREN.secret, namespace },
                allowedNamespaces: {},
            },
        },
        {
            apiVersion: 'k0rdent.mirantis.com/v1beta1',
            kind: 'Credential',
            metadata: { name: CHILDREN.credential, namespace },
            spec: {
                description: 'Azure credentials for cluster deployment',
                identityRef: {
                    apiVersion: CAPZ_API,
                    kind: 'AzureClusterIdentity',
                    name: CHILDREN.identity,
                    namespace,
                },
            },
        },
        {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
                name: CHILDREN.template,
                namespace,
                labels: { ...KCM_LABEL },
                annotations: { 'projectsveltos.io/template': 'true' },
            },
            data: { 'configmap.yaml': CLOUD_PROVIDER_TEMPLATE, 'storageclass.yaml': children_objects_STORAGE_CLASS },
        },
    ];
}
/**
 * A Sveltos template: rendered per child from its AzureCluster (`.InfrastructureProvider`) and the
 * identity and secret above, it gives the child's Azure cloud provider and disk driver their config.
 */
const CLOUD_PROVIDER_TEMPLATE = `{{- $cluster := .InfrastructureProvider -}}
{{- $identity := (getResource "InfrastructureProviderIdentity") -}}
{{- $secret := (getResource "InfrastructureProviderIdentitySecret") -}}
{{- $subnet := "" -}}
{{- $securityGroup := "" -}}
{{- $routeTable := "" -}}
{{- range $cluster.spec.networkSpec.subnets -}}
{{- if eq .role "node" -}}
{{- $subnet = .name -}}
{{- $securityGroup = .securityGroup.name -}}
{{- $routeTable = .routeTable.name -}}
{{- end -}}
{{- end -}}
{{- $config := dict
  "cloud" $cluster.spec.azureEnvironment
  "tenantId" $identity.spec.tenantID
  "subscriptionId" $cluster.spec.subscriptionID
  "aadClientId" $identity.spec.clientID
  "aadClientSecret" (index $secret.data "clientSecret" | b64dec)
  "resourceGroup" $cluster.spec.resourceGroup
  "securityGroupName" $securityGroup
  "securityGroupResourceGroup" $cluster.spec.networkSpec.vnet.resourceGroup
  "location" $cluster.spec.location
  "vmType" "vmss"
  "vnetName" $cluster.spec.networkSpec.vnet.name
  "vnetResourceGroup" $cluster.spec.networkSpec.vnet.resourceGroup
  "subnetName" $subnet
  "routeTableName" $routeTable
  "loadBalancerSku" "Standard"
  "loadBalancerName" ""
  "maximumLoadBalancerRuleCount" 250
  "useManagedIdentityExtension" false
  "useInstanceMetadata" true
-}}
apiVersion: v1
kind: Secret
metadata:
  name: azure-cloud-provider
  namespace: kube-system
type: Opaque
data:
  cloud-config: {{ $config | toJson | b64enc }}
  azure.json: {{ $config | toJson | b64enc }}
`;
const children_objects_STORAGE_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: managed-csi
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: disk.csi.azure.com
parameters:
  skuName: StandardSSD_LRS
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
`;

;// CONCATENATED MODULE: ./src/phases/k0rdent/azure-children.ts
/**
 * setup_azure_children: the service principal Azure child clusters run as, and the k0rdent objects
 * that hand it to CAPZ (OPTIONAL-PHASES.md \u00a71). The principal is either supplied (its secret from an
 * environment variable) or created through Microsoft Graph, recorded the moment it exists so that no
 * crash or rollback can leak it, and granted its role by a role assignment named after the grant.
 * Its client secret lives only in the sensitive artifact; the facts hold what is not secret.
 */













/** The CRD that says CAPZ is installed; the controller that says it runs. */
const CAPZ_CRD = 'azureclusteridentities.infrastructure.cluster.x-k8s.io';
const CAPZ_POD = /capz|cluster-api-provider-azure/;
const CAPZ_POLL_MS = 5_000;
/** A new principal reaches ARM's view of the directory within minutes at most. */
const REPLICATION_ATTEMPTS = 12;
const REPLICATION_PAUSE_MS = 10_000;
/** Client secrets of a created principal last two years; a re-run does not rotate them. */
const SECRET_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;
const DEFAULT_ROLE = 'Contributor';
function childrenPrincipalName(deploymentId) {
    return `${deploymentId}-cluster-deployment-sp`;
}
/** The tag a created application carries, so a lost record can still find what is ours. */
function childrenTag(deploymentId) {
    return `k0rdent-deploy:${deploymentId}`;
}
class SetupAzureChildren extends OptionalK0rdentPhase {
    async run(context) {
        const options = await this.clusterTools(context);
        const kubeconfig = this.layout.kubeconfig().path;
        // CAPZ first: a principal made for a cluster that cannot use it would only wait to be cleaned up.
        await this.waitForCapz(kubeconfig, options, context);
        const settings = this.config.azure_children;
        const { subscriptionId } = await this.runtime.azure(context.signal);
        const scope = settings.scope ?? `/subscriptions/${subscriptionId}`;
        if (!scope.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}`)) {
            throw new phase/* PhaseConfigurationError */.AV(`azure_children.scope ${scope} is not in the deployment's subscription ${subscriptionId}; ` +
                `use /subscriptions/${subscriptionId} or a resource group inside it`);
        }
        const tenantId = this.tenantId();
        const graph = await this.runtime.graph(context.signal);
        const principal = settings.client_id === undefined
            ? await this.createdPrincipal(context, graph, { subscriptionId, tenantId })
            : await this.suppliedPrincipal(context, graph, settings.client_id, { subscriptionId, tenantId });
        const previous = (0,facts/* readAzureChildren */.$m)(context.state.read());
        const role = settings.role ?? (principal.created ? DEFAULT_ROLE : undefined);
        let assignment;
        if (role !== undefined) {
            if (principal.principalObjectId === undefined) {
                throw new phase/* PhaseConfigurationError */.AV(`service principal ${principal.clientId} not found in Microsoft Graph: check azure_children.client_id`);
            }
            assignment = await this.assignRole(context, principal.principalObjectId, role, scope);
            context.output.info(assignment.outcome === 'created'
                ? `role ${role} assigned to ${principal.clientId} on ${scope}`
                : `role ${role} was already assigned to ${principal.clientId} on ${scope} (not by this deployment: kept on undo)`);
        }
        // A grant this deployment made earlier for another principal, role or scope is not wanted any more.
        if (previous?.role_assignment_id !== undefined && previous.role_assignment_id !== assignment?.id) {
            const assignments = await this.runtime.roleAssignments(context.signal);
            await assignments.delete(previous.role_assignment_id);
            context.output.info(`deleted the earlier role assignment ${previous.role_assignment_id}`);
        }
        this.record(context, {
            subscription_id: subscriptionId,
            tenant_id: tenantId,
            client_id: principal.clientId,
            created_by_deployment: principal.created,
            ...(principal.principalObjectId ? { principal_object_id: principal.principalObjectId } : {}),
            ...(principal.applicationObjectId ? { application_object_id: principal.applicationObjectId } : {}),
            ...(assignment?.outcome === 'created' ? { role_assignment_id: assignment.id } : {}),
            ...(role !== undefined ? { role, scope } : {}),
        });
        const namespace = this.config.software.k0rdent.namespace;
        await phase_errors_tool(() => kubectlApply(kubeconfig, childrenObjects({
            namespace,
            tenantId,
            clientId: principal.clientId,
            clientSecret: principal.secret,
        }), options)).catch((error) => {
            if (error instanceof UnknownKindError)
                throw new phase/* TransientPhaseError */.ow(`the cluster does not know the child-cluster kinds yet: ${error.message}`);
            throw error;
        });
        context.output.info(`credential ${CHILDREN.credential} (identity ${CHILDREN.identity}, client ${principal.clientId}) ready in ${namespace}`);
    }
    async validate(context) {
        const fact = (0,facts/* readAzureChildren */.$m)(context.state.read());
        if (!fact)
            return { ok: false, evidence: 'no service principal recorded' };
        const artifact = await artifactIntact(context.state.read(), this.layout.azureChildrenClientSecret().name);
        if (!artifact.ok)
            return { ok: false, evidence: `client secret: ${artifact.detail}` };
        const secret = await this.storedSecret();
        const settings = this.config.azure_children;
        if (settings.client_id !== undefined &&
            settings.client_id.toLowerCase() !== fact.client_id.toLowerCase()) {
            return { ok: false, evidence: `configured client ${settings.client_id}, applied ${fact.client_id}` };
        }
        if (settings.client_id !== undefined) {
            const supplied = this.runtime.env[settings.client_secret_env];
            if (supplied !== undefined && supplied !== '' && supplied !== secret) {
                (0,secrets/* registerSecret */.cl)(supplied);
                return { ok: false, evidence: `the secret in ${settings.client_secret_env} is not the one applied` };
            }
        }
        const options = await this.checkTools(context);
        const kubeconfig = this.layout.kubeconfig().path;
        const namespace = this.config.software.k0rdent.namespace;
        try {
            const identity = await kubectlGet(kubeconfig, KINDS.identity, CHILDREN.identity, namespace, options);
            if (!identity)
                return { ok: false, evidence: `AzureClusterIdentity ${CHILDREN.identity} not found` };
            const clientId = typeof identity.spec?.clientID === 'string' ? identity.spec.clientID : '';
            if (clientId.toLowerCase() !== fact.client_id.toLowerCase()) {
                return {
                    ok: false,
                    evidence: `AzureClusterIdentity ${CHILDREN.identity} names client ${clientId || '(none)'}, recorded ${fact.client_id}`,
                };
            }
            const stored = await kubectlGet(kubeconfig, 'secret', CHILDREN.secret, namespace, options);
            const applied = stored?.data?.clientSecret;
            if (applied === undefined)
                return { ok: false, evidence: `Secret ${CHILDREN.secret} not found` };
            if (Buffer.from(applied, 'base64').toString('utf8') !== secret) {
                return {
                    ok: false,
                    evidence: `Secret ${CHILDREN.secret} holds another client secret than the recorded one`,
                };
            }
            if (!(await kubectlGet(kubeconfig, KINDS.credential, CHILDREN.credential, namespace, options))) {
                return { ok: false, evidence: `Credential ${CHILDREN.credential} not found` };
            }
            if (!(await kubectlGet(kubeconfig, 'configmap', CHILDREN.template, namespace, options))) {
                return { ok: false, evidence: `ConfigMap ${CHILDREN.template} not found` };
            }
        }
        catch (error) {
            return { ok: false, evidence: `could not read the child-cluster objects: ${error.message}` };
        }
        const graph = await this.runtime.graph(context.signal);
        if (!(await graph.servicePrincipal(fact.client_id))) {
            return {
                ok: false,
                evidence: `service principal ${fact.client_id} no longer exists in Microsoft Graph`,
            };
        }
        if (fact.role_assignment_id !== undefined) {
            const assignments = await this.runtime.roleAssignments(context.signal);
            if (!(await assignments.get(fact.role_assignment_id))) {
                return { ok: false, evidence: `role assignment ${fact.role_assignment_id} no longer exists` };
            }
        }
        return {
            ok: true,
            evidence: `identity, secret, credential and template point at client ${fact.client_id}, which exists`,
        };
    }
    async rollback(context) {
        const options = await this.streamingTools(context);
        if (await this.clusterAlive(context)) {
            await this.tunnel(options);
            await this.removeObjects(context, options);
        }
        else {
            context.output.info('the cluster is gone: its child-cluster objects went with it');
        }
        await releaseChildrenPrincipal(this.deployment, context);
    }
    // ---- run ------------------------------------------------------------------------------------
    tenantId() {
        const tenant = this.config.azure_children.tenant_id ?? this.runtime.tenantId;
        if (tenant === undefined) {
            throw new phase/* PhaseConfigurationError */.AV('no Azure tenant for the child-cluster identity: set azure_children.tenant_id or the AZURE_TENANT_ID variable');
        }
        return tenant;
    }
    async waitForCapz(kubeconfig, options, context) {
        const budget = this.config.azure_children.capz_wait * 1000;
        const deadline = this.runtime.now() + budget;
        let last = '';
        for (let check = 0; check <= budget / CAPZ_POLL_MS + 1; check++) {
            last = await phase_errors_tool(() => capzProblem(kubeconfig, options));
            if (last === '')
                return;
            if (this.runtime.now() >= deadline)
                break;
            await this.runtime.sleep(CAPZ_POLL_MS, context.signal);
            if (context.signal.aborted)
                throw new phase/* TransientPhaseError */.ow('cancelled while waiting for CAPZ');
        }
        throw new phase/* TransientPhaseError */.ow(`CAPZ (the Azure cluster-API provider k0rdent installs) was not ready within ${this.config.azure_children.capz_wait} s: ` +
            `${last}. Check the capz pods in the cluster, then run again (or raise azure_children.capz_wait)`);
    }
    async createdPrincipal(context, graph, account) {
        const name = childrenPrincipalName(this.deployment.id);
        const tag = childrenTag(this.deployment.id);
        const fact = (0,facts/* readAzureChildren */.$m)(context.state.read());
        const recorded = fact?.created_by_deployment ? fact : undefined;
        let app = recorded ? await graph.application(recorded.client_id) : undefined;
        // A crash between Graph's answer and the state write leaves an application only its tag names.
        app ??= (await this.graphCall(() => graph.applicationsNamed(name))).find((a) => a.tags?.includes(tag));
        if (app) {
            context.output.info(`reusing application ${name} (client ${app.appId})`);
        }
        else {
            app = await this.graphCall(() => graph.createApplication(name, [tag]));
            context.output.info(`created application ${name} (client ${app.appId})`);
        }
        const created = app;
        const base = {
            subscription_id: account.subscriptionId,
            tenant_id: account.tenantId,
            client_id: created.appId,
            created_by_deployment: true,
            application_object_id: created.id,
        };
        // Recorded before anything else exists: from here on, undo knows what to delete.
        this.record(context, {
            ...(recorded?.client_id === created.appId ? recorded : {}),
            ...keptGrant(fact),
            ...base,
        });
        const principal = (await graph.servicePrincipal(created.appId)) ??
            (await this.graphCall(() => graph.createServicePrincipal(created.appId)));
        this.record(context, {
            ...((0,facts/* readAzureChildren */.$m)(context.state.read()) ?? base),
            principal_object_id: principal.id,
        });
        const sameApplication = recorded?.client_id === created.appId;
        let secret = sameApplication ? await this.storedSecret() : undefined;
        if (secret === undefined) {
            const until = new Date(this.runtime.now() + SECRET_LIFETIME_MS).toISOString();
            secret = await this.graphCall(() => graph.addPassword(created.id, `k0rdent-deploy ${this.deployment.id}`, until));
            (0,secrets/* registerSecret */.cl)(secret);
            await this.storeSecret(context, secret, created.appId);
            context.output.info(`issued a client secret for ${created.appId} (stored encrypted with the state)`);
        }
        return {
            clientId: created.appId,
            secret,
            principalObjectId: principal.id,
            applicationObjectId: created.id,
            created: true,
        };
    }
    async suppliedPrincipal(context, graph, clientId, account) {
        const variable = this.config.azure_children.client_secret_env;
        const secret = this.runtime.env[variable];
        if (secret === undefined || secret === '') {
            throw new phase/* PhaseConfigurationError */.AV(`azure_children.client_id is set, but ${variable} is empty: put the service principal's client secret ` +
                `in the ${variable} environment variable (from a repository secret), never in the config file`);
        }
        (0,secrets/* registerSecret */.cl)(secret);
        const previous = (0,facts/* readAzureChildren */.$m)(context.state.read());
        if (previous?.created_by_deployment) {
            throw new phase/* PhaseConfigurationError */.AV(`this deployment created service principal ${previous.client_id}; roll back setup_azure_children ` +
                'to delete it before switching to a supplied one (azure_children.client_id)');
        }
        // Its object id is needed only to grant it a role; an identity that may not read Graph can skip that.
        const principal = this.config.azure_children.role === undefined
            ? await graph.servicePrincipal(clientId).catch(() => undefined)
            : await this.graphCall(() => graph.servicePrincipal(clientId));
        this.record(context, {
            subscription_id: account.subscriptionId,
            tenant_id: account.tenantId,
            client_id: clientId,
            created_by_deployment: false,
            ...keptGrant(previous),
            ...(principal ? { principal_object_id: principal.id } : {}),
        });
        if ((await this.storedSecret()) !== secret)
            await this.storeSecret(context, secret, clientId);
        return { clientId, secret, ...(principal ? { principalObjectId: principal.id } : {}), created: false };
    }
    async assignRole(context, principalId, role, scope) {
        const assignments = await this.runtime.roleAssignments(context.signal);
        try {
            const definition = await assignments.roleDefinitionId(scope, role);
            if (definition === undefined) {
                throw new phase/* PhaseConfigurationError */.AV(`no role named ${role} at ${scope}: set azure_children.role to a role name such as Contributor, or a role definition id`);
            }
            return await assignments.assign({ principalId, roleDefinitionId: definition, scope }, {
                attempts: REPLICATION_ATTEMPTS,
                pause: (attempt) => this.runtime.sleep(REPLICATION_PAUSE_MS * Math.min(attempt, 3), context.signal),
            });
        }
        catch (error) {
            throw explainAuthorization(error, scope);
        }
    }
    async graphCall(call) {
        try {
            return await call();
        }
        catch (error) {
            if (isGraphForbidden(error)) {
                throw new phase/* PhaseConfigurationError */.AV(`Microsoft Graph refused the deploying identity (${error.message}). Either grant it ` +
                    'Application.ReadWrite.OwnedBy, or supply a service principal: set azure_children.client_id and ' +
                    `put its secret in ${this.config.azure_children.client_secret_env}`);
            }
            throw error;
        }
    }
    record(context, fact) {
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.azureChildren, fact);
    }
    storedSecret() {
        return readIfExists(this.layout.azureChildrenClientSecret().path);
    }
    async storeSecret(context, secret, clientId) {
        const file = this.layout.azureChildrenClientSecret();
        await writeArtifact(context, {
            ...file,
            content: secret,
            sensitive: true,
            metadata: { client_id: clientId },
        });
    }
    // ---- undo -----------------------------------------------------------------------------------
    /** The cluster answers only while its VMs stand and its kubeconfig is here. */
    async clusterAlive(context) {
        if (!(0,external_node_fs_.existsSync)(this.layout.kubeconfig().path))
            return false;
        const azure = await this.runtime.azure(context.signal);
        return (await azure.getResourceGroup(this.deployment.names.resourceGroup)) !== undefined;
    }
    async removeObjects(context, options) {
        const kubeconfig = this.layout.kubeconfig().path;
        const namespace = this.config.software.k0rdent.namespace;
        await this.waitForChildrenGone(kubeconfig, namespace, options, context);
        const wait = this.config.timeouts.k0rdent_install_wait;
        for (const [kind, name] of [
            [KINDS.credential, CHILDREN.credential],
            [KINDS.identity, CHILDREN.identity],
            ['secret', CHILDREN.secret],
            ['configmap', CHILDREN.template],
        ]) {
            await phase_errors_tool(() => kubectlDeleteObject(kubeconfig, kind, name, namespace, wait, options));
        }
        context.output.info(`deleted the child-cluster credential, identity, secret and template in ${namespace}`);
    }
    /** Child clusters that use the credential must be gone first: their Azure resources need it to be released. */
    async waitForChildrenGone(kubeconfig, namespace, options, context) {
        const budget = this.config.timeouts.k0rdent_install_wait * 1000;
        const deadline = this.runtime.now() + budget;
        for (let check = 0; check <= budget / CAPZ_POLL_MS + 1; check++) {
            let users;
            try {
                users = (await phase_errors_tool(() => kubectlList(kubeconfig, KINDS.clusterDeployment, options))).filter((cd) => cd.spec?.credential === CHILDREN.credential &&
                    (cd.metadata?.namespace ?? namespace) === namespace);
            }
            catch (error) {
                if (error instanceof UnknownKindError)
                    return;
                throw error;
            }
            if (users.length === 0)
                return;
            const names = users.map((cd) => `${cd.metadata?.namespace ?? ''}/${cd.metadata?.name ?? ''}`);
            const kept = users.filter((cd) => cd.metadata?.deletionTimestamp === undefined);
            if (kept.length > 0) {
                throw new phase/* PhaseConfigurationError */.AV(`ClusterDeployment(s) ${names.join(', ')} still use credential ${CHILDREN.credential}: delete those ` +
                    'child clusters first (or roll back the phase that made them), so their Azure resources are released');
            }
            if (this.runtime.now() >= deadline) {
                throw new phase/* TransientPhaseError */.ow(`ClusterDeployment(s) ${names.join(', ')} are still being deleted; roll back again once they are gone`);
            }
            await this.runtime.sleep(CAPZ_POLL_MS, context.signal);
        }
    }
}
/**
 * Deletes what setup_azure_children made in Azure: the role assignment, then the application (its
 * service principal and passwords go with it), then the local secret and the facts. Used by the
 * phase's undo and by the fast uninstall, which skips the cluster objects (the cluster goes too).
 */
async function releaseChildrenPrincipal(parts, context) {
    const fact = (0,facts/* readAzureChildren */.$m)(context.state.read());
    if (fact?.role_assignment_id !== undefined) {
        const assignments = await parts.runtime.roleAssignments(context.signal);
        const result = await assignments.delete(fact.role_assignment_id).catch((error) => {
            throw explainAuthorization(error, fact.scope ?? fact.role_assignment_id ?? '');
        });
        context.output.info(result === 'deleted'
            ? `deleted role assignment ${fact.role_assignment_id}`
            : `role assignment ${fact.role_assignment_id} was already gone`);
    }
    if (fact === undefined || fact.created_by_deployment) {
        const graph = await parts.runtime.graph(context.signal);
        const objectIds = new Set();
        if (fact?.application_object_id)
            objectIds.add(fact.application_object_id);
        // The record may be lost (or never written, after a crash): the application's tag still says it is ours.
        const tag = childrenTag(parts.id);
        if (fact === undefined || !fact.application_object_id) {
            const named = await graph.applicationsNamed(childrenPrincipalName(parts.id)).catch((error) => {
                // With no record and no permission to look, there is nothing this deployment knows it made.
                if (fact === undefined && isGraphForbidden(error))
                    return [];
                throw error;
            });
            for (const app of named)
                if (app.tags?.includes(tag))
                    objectIds.add(app.id);
        }
        for (const id of objectIds) {
            const result = await graph.deleteApplication(id);
            context.output.info(result === 'deleted'
                ? `deleted application ${id} and its service principal`
                : `application ${id} was already gone`);
        }
    }
    const file = parts.layout.azureChildrenClientSecret();
    await removeArtifactFile(context, file.name, file.path);
    if (context.state.read().facts[facts/* FACT */.JN.azureChildren]?.value != null) {
        context.state.update((doc, stamp) => (0,transitions/* setFact */.NO)(doc, facts/* FACT */.JN.azureChildren, null, stamp, 'setup_azure_children'));
    }
}
async function capzProblem(kubeconfig, options) {
    try {
        if (!(await kubectlGet(kubeconfig, 'customresourcedefinitions', CAPZ_CRD, '', options)))
            return `CRD ${CAPZ_CRD} not installed`;
    }
    catch (error) {
        if (error instanceof UnknownKindError)
            return `CRD ${CAPZ_CRD} not installed`;
        throw error;
    }
    const pods = await kubectlList(kubeconfig, 'pods', options);
    const capz = pods.filter((pod) => CAPZ_POD.test(pod.metadata?.name ?? ''));
    if (capz.length === 0)
        return 'no CAPZ controller pod';
    const ready = capz.some((pod) => {
        const status = pod.status;
        return (status?.phase === 'Running' &&
            (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
    });
    return ready ? '' : `CAPZ pod(s) ${capz.map((p) => p.metadata?.name ?? '').join(', ')} not Ready`;
}
/** A role assignment made earlier stays recorded until the run replaces or deletes it. */
function keptGrant(fact) {
    return fact?.role_assignment_id === undefined ? {} : { role_assignment_id: fact.role_assignment_id };
}
function explainAuthorization(error, scope) {
    if (error instanceof RestCallError && (error.statusCode === 403 || error.code === 'AuthorizationFailed')) {
        return new phase/* PhaseConfigurationError */.AV(`Azure refused the role assignment on ${scope} (${error.message}). The deploying identity needs ` +
            'Microsoft.Authorization/roleAssignments/write there (Owner, User Access Administrator or Role Based ' +
            'Access Control Administrator); or supply a principal that already holds its role and leave azure_children.role unset');
    }
    return error;
}
async function readChildrenSecret(parts) {
    const text = await readFile(parts.layout.azureChildrenClientSecret().path, 'utf8');
    registerSecret(text);
    return text;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/optional.ts
/**
 * Which optional phases run: `azure_children.enabled` switches setup_azure_children on, `kof.enabled`
 * the KOF phases and, because KOF's regional cluster is an Azure child, setup_azure_children too;
 * `--enable` / `--disable` override single phases for one command. A phase an enabled phase needs is
 * switched on with it (and said so); switching it off explicitly while keeping what needs it is refused.
 */



const FLAG_KEYS = { azure_children: 'azure_children.enabled', kof: 'kof.enabled' };
function planOptional(catalogue, config, switches = {}) {
    const optional = catalogue.filter((e) => e.flag !== undefined);
    const names = optional.map((e) => e.name);
    const enableOption = switches.enableOption ?? '--enable';
    const disableOption = switches.disableOption ?? '--disable';
    for (const [option, list] of [
        [enableOption, switches.enable ?? []],
        [disableOption, switches.disable ?? []],
    ]) {
        for (const name of list) {
            if (!names.includes(name)) {
                throw new errors/* UserError */.yo(`${option} ${name}: not an optional phase of the built-in deployment (optional phases: ${names.join(', ')})`);
            }
        }
    }
    const configured = (entry) => entry.flag === 'kof'
        ? config.kof.enabled
        : config.azure_children.enabled || (entry.name === 'setup_azure_children' && config.kof.enabled);
    const on = new Map(optional.map((e) => [e.name, configured(e)]));
    for (const name of switches.enable ?? [])
        on.set(name, true);
    for (const name of switches.disable ?? [])
        on.set(name, false);
    // What an enabled phase needs comes with it: in catalogue order, a need always precedes its user.
    const notices = [];
    const byName = new Map(catalogue.map((e) => [e.name, e]));
    for (const entry of [...optional].reverse()) {
        if (!on.get(entry.name))
            continue;
        const pending = [...entry.needs];
        while (pending.length > 0) {
            const need = byName.get(pending.pop() ?? '');
            if (!need?.flag || on.get(need.name))
                continue;
            if (switches.disable?.includes(need.name)) {
                throw new errors/* UserError */.yo(`${disableOption} ${need.name}: ${entry.name} is on and needs it; disable ${entry.name} too, or keep ${need.name}`);
            }
            on.set(need.name, true);
            if (!(need.name === 'setup_azure_children' && config.kof.enabled)) {
                notices.push(`${need.name} is switched on because ${entry.name}, which needs it, is on`);
            }
            pending.push(...need.needs);
        }
    }
    const disabled = new Map();
    for (const entry of optional) {
        if (on.get(entry.name))
            continue;
        disabled.set(entry.name, switches.disable?.includes(entry.name)
            ? `switched off for this command (${disableOption} ${entry.name})`
            : `deployment flag ${entry.flag ?? ''} is off (${entry.flag ? FLAG_KEYS[entry.flag] : ''}: false)`);
    }
    const flags = {
        azure_children: optional.some((e) => e.flag === 'azure_children' && on.get(e.name)),
        kof: optional.some((e) => e.flag === 'kof' && on.get(e.name)),
    };
    return { disabled, flags, notices };
}
/** An optional phase this version cannot run yet: skipped with its reason, whatever switches it on. */
class NotYetAvailablePhase extends K0rdentPhase {
    disabledBecause;
    constructor(deployment, entry, off) {
        super(deployment, entry);
        this.disabledBecause =
            off ?? `${entry.name} is not available in this version yet (a later release adds it)`;
    }
    run(_context) {
        return Promise.reject(new phase/* PhaseConfigurationError */.AV(`${this.name} is not available in this version yet`));
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/prepare-deployment.ts
/**
 * prepare_deployment: WireGuard key pairs for the hub and every host, the SSH key pair, the WireGuard
 * port, and a cloud-init per host. Offline. Keys that exist are kept (running VMs hold them); only new
 * hosts get new keys. Its inputs leave out the host counts: hosts a later config adds get their keys
 * from create_vms (host-material.ts), so a new worker does not redo this phase and the network.
 */







/** UPSTREAM: the port is picked once in this range and kept. */
const PORT_RANGE = [30000, 64000];
class PrepareDeployment extends K0rdentPhase {
    async run(context) {
        const hosts = plannedHosts(this.config);
        const port = this.wireguardPort(context);
        const previous = (0,facts/* readPeers */.sC)(context.state.read());
        const hub = await hostKeyPair(context, this.deployment, HUB, previous[HUB]);
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.peers, {
            ...previous,
            [HUB]: {
                ip: hubAddress(this.config.network.wireguard_network),
                role: 'hub',
                public_key: hub.publicKey,
                keys_generated_at: previous[HUB]?.public_key === hub.publicKey
                    ? (previous[HUB].keys_generated_at ?? new Date(this.runtime.now()).toISOString())
                    : new Date(this.runtime.now()).toISOString(),
            },
        });
        await ensureHostMaterial(context, this.deployment, hosts);
        await this.sshKeys(context);
        // Hosts no longer in the configuration: their cloud-init goes; their keys stay until a rollback.
        const planned = new Set(hosts.map((h) => h.name));
        for (const host of Object.keys(previous)) {
            if (host === HUB || planned.has(host))
                continue;
            const cloudInit = this.layout.cloudInit(host);
            await removeArtifactFile(context, cloudInit.name, cloudInit.path);
        }
        context.output.info(`prepared WireGuard keys and cloud-init for ${hosts.length} host(s), WireGuard port ${port}`);
    }
    /**
     * The keys and cloud-init of every host prepared so far (not of the planned hosts: a host that a
     * later config adds gets its own from create_vms, and must not make this phase look undone).
     */
    async validate(context) {
        const doc = context.state.read();
        const peers = (0,facts/* readPeers */.sC)(doc);
        const hosts = Object.keys(peers).filter((host) => host !== HUB);
        const problems = [];
        if (this.config.network.wireguard_port === undefined && (0,facts/* readWireguardPort */.gM)(doc) === undefined)
            problems.push('no WireGuard port recorded');
        if (!peers[HUB])
            problems.push('no hub WireGuard key recorded');
        for (const host of [HUB, ...hosts]) {
            const key = this.layout.wireguardKey(host);
            const text = await readIfExists(key.path);
            if (text === undefined || !isWireguardKey(text)) {
                problems.push(`WireGuard key of ${host} missing`);
            }
            else if (peers[host]?.public_key !== wireguardPublicKey(text)) {
                problems.push(`WireGuard key of ${host} does not match the recorded public key`);
            }
        }
        for (const host of hosts) {
            const check = await artifactIntact(doc, this.layout.cloudInit(host).name);
            if (!check.ok)
                problems.push(`cloud-init of ${host}: ${check.detail}`);
        }
        for (const name of [this.layout.sshPrivateKey().name, this.layout.sshPublicKey().name]) {
            const check = await artifactIntact(doc, name);
            if (!check.ok)
                problems.push(check.detail);
        }
        return problems.length === 0
            ? {
                ok: true,
                evidence: `keys and cloud-init of ${hosts.length} host(s) and the hub are on disk and match the state`,
            }
            : { ok: false, evidence: problems.join('; ') };
    }
    async rollback(context) {
        const doc = context.state.read();
        for (const [name, record] of Object.entries(doc.artifacts)) {
            if (record.phase === this.name && !record.removed)
                await removeArtifactFile(context, name, record.path);
        }
        // Keys and cloud-init of every recorded host, also those create_vms made for hosts a later
        // config added, or another version recorded (a migrated state): they follow the same layout.
        for (const host of [HUB, ...Object.keys((0,facts/* readPeers */.sC)(doc))]) {
            const key = this.layout.wireguardKey(host);
            await removeArtifactFile(context, key.name, key.path);
            if (host === HUB)
                continue;
            const cloudInit = this.layout.cloudInit(host);
            await removeArtifactFile(context, cloudInit.name, cloudInit.path);
        }
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.peers, null);
        if (this.config.network.wireguard_port === undefined)
            (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.wireguardPort, null);
    }
    wireguardPort(context) {
        if (this.config.network.wireguard_port !== undefined)
            return this.config.network.wireguard_port;
        const recorded = (0,facts/* readWireguardPort */.gM)(context.state.read());
        if (recorded !== undefined)
            return recorded;
        const port = (0,external_node_crypto_.randomInt)(PORT_RANGE[0], PORT_RANGE[1] + 1);
        (0,facts/* writeFact */.KF)(context, facts/* FACT */.JN.wireguardPort, port);
        return port;
    }
    async sshKeys(context) {
        const privateFile = this.layout.sshPrivateKey();
        const publicFile = this.layout.sshPublicKey();
        const comment = this.config.ssh.key_comment;
        const existing = await readIfExists(privateFile.path);
        let publicKey;
        if (existing !== undefined && existing.includes('PRIVATE KEY')) {
            await writeArtifact(context, { ...privateFile, content: existing, sensitive: true });
            publicKey = sshPublicKeyOf(existing, comment);
        }
        else {
            const pair = generateSshKeyPair(comment);
            await writeArtifact(context, { ...privateFile, content: pair.privateKeyPem, sensitive: true });
            publicKey = pair.publicKey;
        }
        await writeArtifact(context, { ...publicFile, content: `${publicKey}\n`, sensitive: false });
    }
}

// EXTERNAL MODULE: external "node:timers/promises"
var external_node_timers_promises_ = __webpack_require__(58500);
// EXTERNAL MODULE: ./src/azure/credential.ts
var credential = __webpack_require__(18098);
;// CONCATENATED MODULE: ./src/azure/gateway.ts

class AzureGateway {
    resources;
    network;
    compute;
    subscriptionId;
    options;
    constructor(resources, network, compute, subscriptionId, options) {
        this.resources = resources;
        this.network = network;
        this.compute = compute;
        this.subscriptionId = subscriptionId;
        this.options = options;
    }
    static async create(options) {
        const [{ ResourceManagementClient }, { NetworkManagementClient }, { ComputeManagementClient }] = await Promise.all([
            Promise.all(/* import() */[__webpack_require__.e(188), __webpack_require__.e(985)]).then(__webpack_require__.bind(__webpack_require__, 77985)),
            Promise.all(/* import() */[__webpack_require__.e(188), __webpack_require__.e(699)]).then(__webpack_require__.bind(__webpack_require__, 89699)),
            Promise.all(/* import() */[__webpack_require__.e(188), __webpack_require__.e(72)]).then(__webpack_require__.bind(__webpack_require__, 96072)),
        ]);
        const clientOptions = {
            userAgentOptions: { userAgentPrefix: 'k0rdent-deploy' },
            // The token's audience is the cloud's Resource Manager (a sovereign cloud's, when configured);
            // the clients would otherwise ask for the public cloud's.
            ...(options.endpoint
                ? {
                    endpoint: options.endpoint,
                    credentials: { scopes: [`${options.endpoint.replace(/\/+$/, '')}/.default`] },
                }
                : {}),
            ...options.clientOptions,
        };
        return new AzureGateway(new ResourceManagementClient(options.credential, options.subscriptionId, clientOptions), new NetworkManagementClient(options.credential, options.subscriptionId, clientOptions), new ComputeManagementClient(options.credential, options.subscriptionId, clientOptions), options.subscriptionId, options);
    }
    // ---- ids ------------------------------------------------------------------------------------
    resourceId(resourceGroup, type, ...names) {
        const [provider, ...types] = type.split('/');
        let id = `/subscriptions/${this.subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider ?? ''}`;
        types.forEach((segment, i) => {
            id += `/${segment}/${names[i] ?? ''}`;
        });
        return id;
    }
    // ---- resource groups ------------------------------------------------------------------------
    async ensureResourceGroup(name, location, tags) {
        await this.retry(() => this.resources.resourceGroups.createOrUpdate(name, { location, tags: { ...tags } }, this.call()));
    }
    async getResourceGroup(name) {
        const group = await this.read(() => this.resources.resourceGroups.get(name, this.call()));
        return group ? { location: group.location, tags: group.tags ?? {} } : undefined;
    }
    /** Deletes the group and everything in it; `absent` when it was not there. */
    async deleteResourceGroup(name) {
        try {
            await this.retry(() => this.resources.resourceGroups.delete(name, this.lro()));
            return 'deleted';
        }
        catch (error) {
            if (isNotFound(error))
                return 'absent';
            throw error;
        }
    }
    /**
     * Resources of the subscription that carry `tag` with `value`: the first page only, one request,
     * which is enough to tell whether anything of a deployment is alive and to name some of it.
     * (ARM's tag filter leaves the tags out of the answer, and resource groups are not resources.)
     */
    async findTagged(tag, value, max = 25) {
        const quoted = (text) => `'${text.replace(/'/g, "''")}'`;
        const filter = `tagName eq ${quoted(tag)} and tagValue eq ${quoted(value)}`;
        return this.retry(async () => {
            const pages = this.resources.resources.list({ filter, top: max, ...this.call() }).byPage();
            const first = await pages.next();
            const items = first.done === true ? [] : first.value;
            return items.map((item) => ({
                name: item.name ?? '',
                type: item.type ?? '',
                resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(item.id ?? '')?.[1] ?? '',
            }));
        });
    }
    // ---- network --------------------------------------------------------------------------------
    async ensureNsg(resourceGroup, name, location, rules, tags) {
        const nsg = await this.retry(() => this.network.networkSecurityGroups.createOrUpdate(resourceGroup, name, { location, tags: { ...tags }, securityRules: [...rules] }, this.lro()));
        return nsg.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/networkSecurityGroups', name);
    }
    getNsg(resourceGroup, name) {
        return this.read(() => this.network.networkSecurityGroups.get(resourceGroup, name, this.call()));
    }
    /** One rule of an NSG, created or replaced, the others left as they are. */
    async ensureSecurityRule(resourceGroup, nsg, rule) {
        const { name, ...body } = rule;
        if (!name)
            throw new Error('a security rule needs a name');
        await this.retry(() => this.network.securityRules.createOrUpdate(resourceGroup, nsg, name, body, this.lro()));
    }
    /** Removes one rule of an NSG; a rule (or NSG) already gone is fine. */
    async deleteSecurityRule(resourceGroup, nsg, name) {
        await this.deleting(() => this.network.securityRules.delete(resourceGroup, nsg, name, this.lro()));
    }
    /** The VNet with exactly one subnet bound to the NSG (a VNet PUT sets exactly the subnets it lists). */
    async ensureVnet(resourceGroup, spec, tags) {
        const vnet = await this.retry(() => this.network.virtualNetworks.createOrUpdate(resourceGroup, spec.name, {
            location: spec.location,
            tags: { ...tags },
            addressSpace: { addressPrefixes: [spec.prefix] },
            subnets: [
                { name: spec.subnet, addressPrefix: spec.subnetPrefix, networkSecurityGroup: { id: spec.nsgId } },
            ],
        }, this.lro()));
        const subnet = vnet.subnets?.find((s) => s.name?.toLowerCase() === spec.subnet.toLowerCase());
        return (subnet?.id ??
            this.resourceId(resourceGroup, 'Microsoft.Network/virtualNetworks/subnets', spec.name, spec.subnet));
    }
    async getVnet(resourceGroup, name) {
        const vnet = await this.read(() => this.network.virtualNetworks.get(resourceGroup, name, this.call()));
        if (!vnet)
            return undefined;
        return {
            prefixes: vnet.addressSpace?.addressPrefixes ?? [],
            subnets: (vnet.subnets ?? []).map((s) => ({
                name: s.name ?? '',
                prefix: s.addressPrefix,
                nsgId: s.networkSecurityGroup?.id,
            })),
        };
    }
    async ensureSshKey(resourceGroup, name, location, publicKey, tags) {
        await this.retry(() => this.compute.sshPublicKeys.create(resourceGroup, name, { location, publicKey, tags: { ...tags } }, this.call()));
    }
    async getSshKey(resourceGroup, name) {
        const key = await this.read(() => this.compute.sshPublicKeys.get(resourceGroup, name, this.call()));
        return key ? { publicKey: key.publicKey } : undefined;
    }
    async createPublicIp(resourceGroup, name, location, zone, tags) {
        const ip = await this.retry(() => this.network.publicIPAddresses.createOrUpdate(resourceGroup, name, {
            location,
            tags: { ...tags },
            sku: { name: 'Standard' },
            publicIPAllocationMethod: 'Static',
            zones: [zone],
        }, this.lro()));
        return {
            name,
            id: ip.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/publicIPAddresses', name),
            address: ip.ipAddress,
        };
    }
    /** A NIC whose public IP goes with it when the VM is deleted. */
    async createNic(resourceGroup, spec, tags) {
        const nic = await this.retry(() => this.network.networkInterfaces.createOrUpdate(resourceGroup, spec.name, {
            location: spec.location,
            tags: { ...tags },
            ipConfigurations: [
                {
                    name: 'ipconfig1',
                    subnet: { id: spec.subnetId },
                    publicIPAddress: { id: spec.publicIpId, deleteOption: 'Delete' },
                    privateIPAllocationMethod: 'Dynamic',
                },
            ],
        }, this.lro()));
        return {
            name: spec.name,
            id: nic.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/networkInterfaces', spec.name),
            privateAddress: nic.ipConfigurations?.[0]?.privateIPAddress,
            attachedTo: nic.virtualMachine?.id,
        };
    }
    async listPublicIps(resourceGroup) {
        return this.list(() => this.network.publicIPAddresses.list(resourceGroup, this.call()), (ip) => ({
            name: ip.name ?? '',
            id: ip.id ?? '',
            address: ip.ipAddress,
        }));
    }
    async listNics(resourceGroup) {
        return this.list(() => this.network.networkInterfaces.list(resourceGroup, this.call()), (nic) => ({
            name: nic.name ?? '',
            id: nic.id ?? '',
            privateAddress: nic.ipConfigurations?.[0]?.privateIPAddress,
            attachedTo: nic.virtualMachine?.id,
        }));
    }
    async deleteNic(resourceGroup, name) {
        await this.deleting(() => this.network.networkInterfaces.delete(resourceGroup, name, this.lro()));
    }
    async deletePublicIp(resourceGroup, name) {
        await this.deleting(() => this.network.publicIPAddresses.delete(resourceGroup, name, this.lro()));
    }
    // ---- compute --------------------------------------------------------------------------------
    /** Sizes offered in a location, with the zones this subscription may use them in. */
    async vmSkus(location) {
        const skus = await this.list(() => this.compute.resourceSkus.list({ ...this.call(), filter: `location eq '${location}'` }), (sku) => sku);
        const result = new Map();
        for (const sku of skus) {
            if (sku.resourceType !== 'virtualMachines' || !sku.name)
                continue;
            const info = sku.locationInfo?.find((l) => l.location?.toLowerCase() === location.toLowerCase());
            const restricted = new Set();
            let unavailable = false;
            for (const restriction of sku.restrictions ?? []) {
                if (restriction.type === 'Zone')
                    for (const z of restriction.restrictionInfo?.zones ?? [])
                        restricted.add(z);
                if (restriction.type === 'Location')
                    unavailable = true;
            }
            if (unavailable)
                continue;
            result.set(sku.name.toLowerCase(), {
                zones: new Set((info?.zones ?? []).filter((z) => !restricted.has(z))),
                capabilities: new Map((sku.capabilities ?? []).flatMap((c) => c.name && c.value !== undefined ? [[c.name, c.value]] : [])),
            });
        }
        return result;
    }
    /** Every VM of the group in one list call; undefined when the group does not exist. */
    async listVms(resourceGroup) {
        try {
            return await this.list(() => this.compute.virtualMachines.list(resourceGroup, this.call()), summariseVm);
        }
        catch (error) {
            if (isNotFound(error))
                return undefined;
            throw error;
        }
    }
    async getVm(resourceGroup, name) {
        const vm = await this.read(() => this.compute.virtualMachines.get(resourceGroup, name, this.call()));
        return vm ? summariseVm(vm) : undefined;
    }
    /**
     * One VM with its power state (a GET with the instance view). The group-wide list cannot carry it:
     * its `$expand=instanceView` needs a scale-set `$filter`.
     */
    async getVmStatus(resourceGroup, name) {
        const vm = await this.read(() => this.compute.virtualMachines.get(resourceGroup, name, { ...this.call(), expand: 'instanceView' }));
        if (!vm)
            return undefined;
        const power = vm.instanceView?.statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code;
        return { ...summariseVm(vm), powerState: power?.slice('PowerState/'.length) };
    }
    /** Starts a stopped or deallocated VM (and waits until it runs). */
    async startVm(resourceGroup, name) {
        await this.retry(() => this.compute.virtualMachines.start(resourceGroup, name, this.lro()));
    }
    /**
     * The platform image's architecture and Hyper-V generation, asked of Azure rather than guessed from
     * its name; `latest` is the newest version. Undefined when the location has no such image.
     */
    async vmImage(location, image) {
        const images = this.compute.virtualMachineImages;
        let version = image.version;
        if (version.toLowerCase() === 'latest') {
            const newest = await this.read(() => images.list(location, image.publisher, image.offer, image.sku, {
                ...this.call(),
                top: 1,
                orderby: 'name desc',
            }));
            const name = newest?.[0]?.name;
            if (name === undefined)
                return undefined;
            version = name;
        }
        const found = await this.read(() => images.get(location, image.publisher, image.offer, image.sku, version, this.call()));
        return found
            ? { version, architecture: found.architecture, hyperVGeneration: found.hyperVGeneration }
            : undefined;
    }
    /**
     * Creates a VM whose OS disk, NIC and (through the NIC) public IP are deleted with it. Resolves
     * with the provisioning state; a provisioning failure rejects with the SDK's operation error.
     */
    async createVm(resourceGroup, spec) {
        const vm = await this.retry(() => this.compute.virtualMachines.createOrUpdate(resourceGroup, spec.name, {
            location: spec.location,
            tags: { ...spec.tags },
            zones: [spec.zone],
            hardwareProfile: { vmSize: spec.size },
            priority: spec.priority,
            ...(spec.priority === 'Spot'
                ? { evictionPolicy: spec.evictionPolicy, billingProfile: { maxPrice: -1 } }
                : {}),
            storageProfile: {
                imageReference: { ...spec.image },
                osDisk: {
                    name: spec.osDiskName,
                    createOption: 'FromImage',
                    diskSizeGB: spec.osDiskSizeGb,
                    deleteOption: 'Delete',
                    managedDisk: { storageAccountType: 'StandardSSD_LRS' },
                },
            },
            osProfile: {
                computerName: spec.name,
                adminUsername: spec.adminUser,
                customData: Buffer.from(spec.customData, 'utf8').toString('base64'),
                linuxConfiguration: {
                    disablePasswordAuthentication: true,
                    ssh: {
                        publicKeys: [
                            { path: `/home/${spec.adminUser}/.ssh/authorized_keys`, keyData: spec.sshPublicKey },
                        ],
                    },
                },
            },
            networkProfile: { networkInterfaces: [{ id: spec.nicId, primary: true, deleteOption: 'Delete' }] },
        }, this.lro()));
        return vm.provisioningState ?? 'Succeeded';
    }
    async deleteVm(resourceGroup, name) {
        await this.deleting(() => this.compute.virtualMachines.delete(resourceGroup, name, this.lro()));
    }
    async listDisks(resourceGroup) {
        return this.list(() => this.compute.disks.listByResourceGroup(resourceGroup, this.call()), (disk) => ({
            name: disk.name ?? '',
            id: disk.id ?? '',
            attached: disk.managedBy !== undefined && disk.managedBy !== '',
        }));
    }
    async getDisk(resourceGroup, name) {
        const disk = await this.read(() => this.compute.disks.get(resourceGroup, name, this.call()));
        return disk ? { attached: disk.managedBy !== undefined && disk.managedBy !== '' } : undefined;
    }
    async deleteDisk(resourceGroup, name) {
        await this.deleting(() => this.compute.disks.delete(resourceGroup, name, this.lro()));
    }
    // ---- plumbing -------------------------------------------------------------------------------
    call() {
        return this.options.signal ? { abortSignal: this.options.signal } : {};
    }
    lro() {
        return {
            ...this.call(),
            ...(this.options.pollIntervalMs === undefined
                ? {}
                : { updateIntervalInMs: this.options.pollIntervalMs }),
        };
    }
    async read(get) {
        try {
            return await this.retry(get);
        }
        catch (error) {
            if (isNotFound(error))
                return undefined;
            throw error;
        }
    }
    async deleting(remove) {
        try {
            await this.retry(() => remove());
        }
        catch (error) {
            if (!isNotFound(error))
                throw error;
        }
    }
    async list(iterate, map) {
        return this.retry(async () => {
            const out = [];
            for await (const item of iterate())
                out.push(map(item));
            return out;
        });
    }
    async retry(attempt) {
        const retries = this.options.retries ?? 3;
        let delay = this.options.retryDelayMs ?? 2_000;
        for (let tried = 0;; tried++) {
            try {
                return await attempt();
            }
            catch (error) {
                if (tried >= retries || !isRetryable(error) || this.options.signal?.aborted)
                    throw error;
                await pause(delay, this.options.signal);
                delay *= 2;
            }
        }
    }
}
function summariseVm(vm) {
    return {
        name: vm.name ?? '',
        provisioningState: vm.provisioningState ?? 'Unknown',
        zone: vm.zones?.[0],
        size: vm.hardwareProfile?.vmSize,
        tags: vm.tags ?? {},
        vmId: vm.vmId,
    };
}
function pause(ms, signal) {
    return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
    });
}

;// CONCATENATED MODULE: ./src/azure/role-assignments.ts
/**
 * ARM role assignments (Microsoft.Authorization, api-version 2022-04-01): find a role definition by
 * name, assign it idempotently under a name derived from what it grants, delete it. A principal made
 * seconds ago may not have replicated to ARM yet (400 PrincipalNotFound): that is retried, bounded.
 */


const API_VERSION = '2022-04-01';
const ARM_ENDPOINT = 'https://management.azure.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A role assignment's name is a GUID; this one is the same for the same grant, so a re-run finds it. */
function roleAssignmentName(principalId, roleDefinitionId, scope) {
    const hex = (0,external_node_crypto_.createHash)('sha256')
        .update(`${principalId.toLowerCase()}|${roleDefinitionId.toLowerCase()}|${scope.toLowerCase()}`)
        .digest('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
class RoleAssignments {
    rest;
    constructor(rest) {
        this.rest = rest;
    }
    static async create(options) {
        const endpoint = options.endpoint ?? ARM_ENDPOINT;
        return new RoleAssignments(await RestClient.create({
            endpoint,
            audience: endpoint,
            credential: options.credential,
            ...(options.clientOptions ? { clientOptions: options.clientOptions } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
        }));
    }
    /** The role definition id of `role` (a name such as Contributor, or a definition GUID) at `scope`. */
    async roleDefinitionId(scope, role) {
        if (GUID.test(role)) {
            const found = await this.rest.find(`${scope}/providers/Microsoft.Authorization/roleDefinitions/${role}?api-version=${API_VERSION}`);
            return found?.id;
        }
        const filter = encodeURIComponent(`roleName eq '${role.replace(/'/g, "''")}'`);
        const { body } = await this.rest.get(`${scope}/providers/Microsoft.Authorization/roleDefinitions?$filter=${filter}&api-version=${API_VERSION}`);
        return body.value?.find((d) => d.properties?.roleName?.toLowerCase() === role.toLowerCase())?.id;
    }
    get(id) {
        return this.rest
            .find(`${id}?api-version=${API_VERSION}`)
            .then((found) => (found ? summarise(found, id) : undefined));
    }
    /**
     * Assigns the role; `existing` when the same grant exists under another name (someone else made
     * it: it is not ours to delete). `retryPrincipal` bounds the wait for a new principal to replicate.
     */
    async assign(grant, retryPrincipal) {
        const name = roleAssignmentName(grant.principalId, grant.roleDefinitionId, grant.scope);
        const id = `${grant.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
        for (let attempt = 1;; attempt++) {
            try {
                const { body } = await this.rest.put(`${id}?api-version=${API_VERSION}`, {
                    properties: {
                        roleDefinitionId: grant.roleDefinitionId,
                        principalId: grant.principalId,
                        // Said outright, ARM need not look the principal up in a directory that may lag behind.
                        principalType: 'ServicePrincipal',
                    },
                });
                return { id: body.id ?? id, outcome: 'created' };
            }
            catch (error) {
                if (error instanceof RestCallError && error.code === 'RoleAssignmentExists') {
                    // Ours when it stands under the name this grant derives (a PUT repeated after a lost answer).
                    const ours = await this.get(id);
                    return { id, outcome: ours?.principalId === grant.principalId ? 'created' : 'existing' };
                }
                const replicating = error instanceof RestCallError && error.code === 'PrincipalNotFound';
                if (!replicating || attempt >= retryPrincipal.attempts)
                    throw error;
                await retryPrincipal.pause(attempt);
            }
        }
    }
    async delete(id) {
        const status = await this.rest.delete(`${id}?api-version=${API_VERSION}`);
        return status === 'absent' || status === 204 ? 'absent' : 'deleted';
    }
}
function summarise(found, id) {
    return {
        id: found.id ?? id,
        principalId: found.properties?.principalId ?? '',
        roleDefinitionId: found.properties?.roleDefinitionId ?? '',
        scope: found.properties?.scope ?? '',
    };
}

;// CONCATENATED MODULE: ./src/tools/tool-install.ts
/**
 * On a GitHub runner: k0sctl and helm at the configured versions, from the runner's tool cache, else
 * from the Actions cache (kept across runs), else downloaded once and saved to both. Loaded only on a
 * runner; errors of the Actions cache are warnings (it is an optimisation, the download is the truth).
 */


function platformOf() {
    const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
    return { os: process.platform === 'darwin' ? 'darwin' : 'linux', arch };
}
function downloadUrl(spec) {
    const { os, arch } = platformOf();
    return spec.urlTemplate
        .replaceAll('{version}', spec.version.replace(/^v/, ''))
        .replaceAll('{os}', os)
        .replaceAll('{arch}', arch);
}
async function installTool(spec, warn = () => undefined) {
    const tc = await Promise.all(/* import() */[__webpack_require__.e(838), __webpack_require__.e(805)]).then(__webpack_require__.bind(__webpack_require__, 59805));
    const version = spec.version.replace(/^v/, '');
    const { os, arch } = platformOf();
    const cached = tc.find(spec.name, version);
    if (cached)
        return { dir: cached, source: 'tool-cache' };
    const stage = (0,external_node_path_.join)(process.env.RUNNER_TEMP ?? '/tmp', 'k0rdent-deploy-tools', `${spec.name}-${version}-${os}-${arch}`);
    const key = `k0rdent-deploy-tool-${spec.name}-${version}-${os}-${arch}`;
    const cache = await Promise.all(/* import() */[__webpack_require__.e(188), __webpack_require__.e(838), __webpack_require__.e(738), __webpack_require__.e(65), __webpack_require__.e(420), __webpack_require__.e(956)]).then(__webpack_require__.bind(__webpack_require__, 89956));
    const cacheAvailable = cache.isFeatureAvailable();
    if (cacheAvailable) {
        try {
            if ((await cache.restoreCache([stage], key)) !== undefined &&
                (await isExecutable((0,external_node_path_.join)(stage, spec.name)))) {
                return { dir: await tc.cacheDir(stage, spec.name, version), source: 'actions-cache' };
            }
        }
        catch (error) {
            warn(`restoring ${spec.name} ${version} from the Actions cache failed: ${error.message}`);
        }
    }
    const downloaded = await tc.downloadTool(downloadUrl(spec));
    await (0,promises_.mkdir)(stage, { recursive: true });
    const target = (0,external_node_path_.join)(stage, spec.name);
    if (/\.t(ar\.)?gz$/.test(spec.urlTemplate)) {
        const unpacked = await tc.extractTar(downloaded);
        const binary = await findFile(unpacked, spec.name, 3);
        if (!binary)
            throw new Error(`${downloadUrl(spec)} has no ${spec.name} binary inside`);
        await (0,promises_.copyFile)(binary, target);
    }
    else {
        await (0,promises_.copyFile)(downloaded, target);
    }
    await (0,promises_.chmod)(target, 0o755);
    const dir = await tc.cacheDir(stage, spec.name, version);
    if (cacheAvailable) {
        try {
            await cache.saveCache([stage], key);
        }
        catch (error) {
            warn(`saving ${spec.name} ${version} to the Actions cache failed: ${error.message}`);
        }
    }
    return { dir, source: 'download' };
}
async function isExecutable(path) {
    try {
        return ((await (0,promises_.stat)(path)).mode & 0o111) !== 0;
    }
    catch {
        return false;
    }
}
async function findFile(dir, name, depth) {
    for (const entry of await (0,promises_.readdir)(dir, { withFileTypes: true })) {
        const path = (0,external_node_path_.join)(dir, entry.name);
        if (entry.isFile() && entry.name === name)
            return path;
        if (entry.isDirectory() && depth > 0) {
            const found = await findFile(path, name, depth - 1);
            if (found)
                return found;
        }
    }
    return undefined;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/runtime.ts
/*
 * Local modules are imported statically (a dynamic import of a local module makes ncc emit an
 * untree-shaken chunk); the heavy packages they wrap are imported dynamically where used.
 */
/**
 * What the built-in phases run on: where their files go, the Azure gateway, the environment for
 * tools, a clock. Production builds it from the configuration; tests hand in the fake ARM server and
 * recording shims instead.
 */








function subscriptionOf(config, env) {
    const id = config.azure.subscription_id ?? env.AZURE_SUBSCRIPTION_ID;
    if (!id) {
        throw new phase/* PhaseConfigurationError */.AV('no Azure subscription: set azure.subscription_id in the config file or the AZURE_SUBSCRIPTION_ID variable');
    }
    return id;
}
/** The real thing: Azure through @azure/identity, tools from PATH (installed on a runner). */
function productionRuntime(config, options) {
    const env = options.env ?? process.env;
    let tools;
    return {
        workDir: options.workDir,
        env,
        async azure(signal) {
            const subscriptionId = subscriptionOf(config, env);
            return AzureGateway.create({
                subscriptionId,
                credential: await (0,credential/* azureCredential */.$D)(env),
                ...(config.azure.resource_manager_endpoint
                    ? { endpoint: config.azure.resource_manager_endpoint }
                    : {}),
                signal,
            });
        },
        async graph(signal) {
            return GraphClient.create({
                credential: await (0,credential/* azureCredential */.$D)(env),
                ...(config.azure.graph_endpoint ? { endpoint: config.azure.graph_endpoint } : {}),
                signal,
            });
        },
        async roleAssignments(signal) {
            return RoleAssignments.create({
                credential: await (0,credential/* azureCredential */.$D)(env),
                ...(config.azure.resource_manager_endpoint
                    ? { endpoint: config.azure.resource_manager_endpoint }
                    : {}),
                signal,
            });
        },
        ...(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {}),
        toolEnv(warn) {
            if (env.GITHUB_ACTIONS !== 'true' || env.RUNNER_TOOL_CACHE === undefined)
                return Promise.resolve(env);
            tools ??= (async () => {
                const dirs = [];
                for (const name of ['k0sctl', 'helm']) {
                    const spec = config.software[name];
                    dirs.push((await installTool({ name, version: spec.version, urlTemplate: spec.url }, warn)).dir);
                }
                return { ...env, PATH: [...dirs, env.PATH ?? ''].join(external_node_path_.delimiter) };
            })();
            return tools;
        },
        sleep: (ms, signal) => (0,external_node_timers_promises_.setTimeout)(ms, undefined, { signal }).catch(() => undefined),
        now: () => Date.now(),
    };
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/setup-network.ts
/**
 * setup_network: the resource group, the NSG (WireGuard UDP port; SSH from the internet only when
 * `ssh.lockdown` is false, see ssh-access.ts), the VNet with its subnet bound to the NSG, and the Azure
 * SSH public key resource \u2014 once Azure has confirmed it can run the configured VMs (vm-offer.ts), so a
 * bad size or image creates nothing. Every PUT is idempotent, and the NSG's PUT replaces its rules: a
 * re-run keeps the lockdown, and removes a window an interrupted create_vms left open.
 */








class SetupNetwork extends K0rdentPhase {
    async run(context) {
        const azure = await this.runtime.azure(context.signal);
        const { names } = this.deployment;
        const location = this.config.azure.location;
        const tags = ownershipTags(this.deployment.id, this.config.metadata.owner, this.runtime.env);
        const publicKey = await this.sshPublicKey();
        const port = this.port(context);
        // Sizes, zones, Spot and the image are settled before the first resource exists (create_vms asks
        // again, as sizes may change later without this phase running).
        await checkVmOffer(azure, this.config, plannedHosts(this.config));
        await azure.ensureResourceGroup(names.resourceGroup, location, tags);
        context.output.info(`resource group ${names.resourceGroup} in ${location}`);
        const [nsgId] = await Promise.all([
            azure.ensureNsg(names.resourceGroup, names.nsg, location, securityRules(port, this.config.ssh.lockdown), tags),
            azure.ensureSshKey(names.resourceGroup, names.sshKey, location, publicKey, tags),
        ]);
        await azure.ensureVnet(names.resourceGroup, {
            name: names.vnet,
            location,
            prefix: this.config.network.vnet_prefix,
            subnet: names.subnet,
            subnetPrefix: this.config.network.subnet_prefix,
            nsgId,
        }, tags);
        context.output.info(`network ${names.vnet}/${names.subnet}, NSG ${names.nsg} (UDP ${port}${this.config.ssh.lockdown ? '; no SSH from the internet' : ', TCP 22 from anywhere'}), SSH key ${names.sshKey}`);
    }
    /** One request per resource type, all at once. */
    async validate(context) {
        const azure = await this.runtime.azure(context.signal);
        const { names } = this.deployment;
        const [group, vnet, nsg, key] = await Promise.all([
            azure.getResourceGroup(names.resourceGroup),
            azure.getVnet(names.resourceGroup, names.vnet),
            azure.getNsg(names.resourceGroup, names.nsg),
            azure.getSshKey(names.resourceGroup, names.sshKey),
        ]);
        if (!group)
            return { ok: false, evidence: `resource group ${names.resourceGroup} does not exist` };
        const problems = [];
        const subnet = vnet?.subnets.find((s) => s.name.toLowerCase() === names.subnet.toLowerCase());
        if (!vnet)
            problems.push(`VNet ${names.vnet} missing`);
        else if (!subnet)
            problems.push(`subnet ${names.subnet} missing`);
        else if (!subnet.nsgId?.toLowerCase().endsWith(`/${names.nsg.toLowerCase()}`))
            problems.push(`subnet ${names.subnet} is not bound to ${names.nsg}`);
        const port = String(this.port(context));
        if (!nsg)
            problems.push(`NSG ${names.nsg} missing`);
        else {
            const rules = nsg.securityRules ?? [];
            if (!rules.some((r) => r.name === WIREGUARD_RULE && r.destinationPortRange === port))
                problems.push(`NSG ${names.nsg} does not allow WireGuard on UDP ${port}`);
            // Locked down, an open SSH rule is drift (added outside, or a window an interrupted create_vms
            // left); not locked down, the NSG is not asked about SSH, as before the lockdown existed.
            const open = this.config.ssh.lockdown ? internetSshRules(rules) : [];
            if (open.length > 0)
                problems.push(`NSG ${names.nsg} lets the internet reach SSH (rule ${open.join(', ')}) although ssh.lockdown is true`);
        }
        if (!key)
            problems.push(`SSH key ${names.sshKey} missing`);
        return problems.length === 0
            ? {
                ok: true,
                evidence: `resource group, VNet with subnet, NSG with WireGuard rule (UDP ${port})${this.config.ssh.lockdown ? ' and no SSH from the internet' : ''} and SSH key exist`,
            }
            : { ok: false, evidence: problems.join('; ') };
    }
    /** Deleting the group takes everything in it; a group already gone is fine. */
    async rollback(context) {
        const azure = await this.runtime.azure(context.signal);
        const result = await azure.deleteResourceGroup(this.deployment.names.resourceGroup);
        context.output.info(result === 'deleted'
            ? `deleted resource group ${this.deployment.names.resourceGroup} and everything in it`
            : `resource group ${this.deployment.names.resourceGroup} was already gone`);
    }
    port(context) {
        const port = this.config.network.wireguard_port ?? (0,facts/* readWireguardPort */.gM)(context.state.read());
        if (port === undefined)
            throw new phase/* PhaseConfigurationError */.AV('no WireGuard port recorded: run prepare_deployment first');
        return port;
    }
    async sshPublicKey() {
        const text = await readIfExists(this.layout.sshPublicKey().path);
        if (!text)
            throw new phase/* PhaseConfigurationError */.AV(`SSH public key ${this.layout.sshPublicKey().path} is missing: run prepare_deployment again`);
        return text.trim();
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/deployment.ts
/**
 * The built-in k0rdent deployment: the catalogue's phases with their real work, built from an
 * effective configuration and a runtime; and how a command finds its configuration and deployment id.
 */






















const IMPLEMENTATIONS = {
    prepare_deployment: PrepareDeployment,
    setup_network: SetupNetwork,
    create_vms: CreateVms,
    setup_vpn: SetupVpn,
    connect_vpn: ConnectVpn,
    install_k0s: InstallK0s,
    install_k0rdent: InstallK0rdent,
};
/** Optional phases with their work; the others are catalogue entries this version skips. */
const OPTIONAL_IMPLEMENTATIONS = {
    setup_azure_children: SetupAzureChildren,
    install_azure_csi: InstallAzureCsi,
    install_kof_mothership: InstallKofMothership,
    install_kof_regional: InstallKofRegional,
};
function buildK0rdentDeployment({ id, loaded, runtime, switches }) {
    // Whatever named the id (the config, an action input, the state), Azure must accept what it derives.
    const tooLong = derivedNameProblems(id);
    if (tooLong.length > 0) {
        throw new errors/* UserError */.yo(`deployment id ${id} is too long for the built-in deployment: ${tooLong.join('; ')}. ` +
            `Use an id of ${BUILTIN_DEPLOYMENT_ID_RULE}.`);
    }
    const parts = {
        id,
        config: loaded.config,
        runtime,
        layout: new Layout(runtime.workDir, id),
        names: resourceNames(id),
    };
    const optional = planOptional(k0rdent_catalogue/* K0RDENT_CATALOGUE */.p, loaded.config, switches);
    const phases = k0rdent_catalogue/* K0RDENT_CATALOGUE */.p.map((entry) => {
        if (entry.flag) {
            const Optional = OPTIONAL_IMPLEMENTATIONS[entry.name];
            // Built whether on or off: a phase switched off after it ran can still be undone.
            return Optional
                ? new Optional(parts, entry, optional.disabled.get(entry.name))
                : new NotYetAvailablePhase(parts, entry, optional.disabled.get(entry.name));
        }
        const Implementation = IMPLEMENTATIONS[entry.name];
        if (!Implementation)
            throw new Error(`no implementation for built-in phase ${entry.name}`);
        return new Implementation(parts, entry);
    });
    return registerParts({
        id,
        source: { kind: 'k0rdent', ...(loaded.source === STATE_SOURCE ? {} : { file: loaded.source }) },
        phases,
        graph: dag/* PhaseGraph */.s.buildOrThrow(k0rdent_catalogue/* K0RDENT_CATALOGUE */.p),
        flags: optional.flags,
        config: loaded.config,
    }, parts);
}
const STATE_SOURCE = 'the configuration recorded in the state';
/** The configuration a command uses: `--config`, the default files, else the one the state recorded. */
async function resolveConfig(file, stored, option) {
    if (file !== undefined)
        return readConfigFile(file, option);
    const found = DEFAULT_CONFIG_FILES.find((candidate) => (0,external_node_fs_.existsSync)(candidate));
    if (found)
        return readConfigFile(found);
    if (stored?.source?.kind === 'k0rdent' && stored.config?.snapshot)
        return validateConfig(stored.config.snapshot, STATE_SOURCE);
    throw new errors/* UserError */.yo(`no k0rdent configuration: none of ${DEFAULT_CONFIG_FILES.join(', ')} exists. ` +
        'Pass --config FILE, or copy config/k0rdent-default.yaml from the k0rdent-deploy repository to config/k0rdent.yaml.');
}
async function loadK0rdentDefinition(options, stored) {
    const loaded = await resolveConfig(options.config, stored, options.configOption);
    for (const notice of loaded.notices)
        options.onNotice?.(notice);
    const switches = {
        ...(options.enable ? { enable: options.enable } : {}),
        ...(options.disable ? { disable: options.disable } : {}),
        ...(options.enableOption ? { enableOption: options.enableOption } : {}),
        ...(options.disableOption ? { disableOption: options.disableOption } : {}),
    };
    // Checked (and its notices told) now, before any state is touched.
    for (const notice of planOptional(k0rdent_catalogue/* K0RDENT_CATALOGUE */.p, loaded.config, switches).notices)
        options.onNotice?.(notice);
    const pinned = loaded.config.metadata.deployment_id;
    return {
        source: loaded.source,
        ...(pinned === undefined ? {} : { pinned }),
        deployment: (id) => buildK0rdentDeployment({
            id,
            loaded,
            runtime: productionRuntime(loaded.config, { workDir: (0,external_node_path_.resolve)(options.stateDir ?? 'state') }),
            switches,
        }),
    };
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/fresh-start.ts
/**
 * Never start fresh over a live deployment. A built-in deployment that finds no state at all (expired
 * artifacts, a wrong backend, a lost attempt) would have prepare_deployment make new WireGuard and SSH
 * keys while its VMs still run with the old ones. So before anything is generated, Azure is asked for
 * resources tagged with the deployment's id (one ARM request); if any exist, the command stops.
 */




/** How many of the found resources a message names. */
const NAMED = 8;
/** Azure holds resources of a deployment that has no state here. Exit code 2. */
class LiveDeploymentError extends errors/* UserError */.yo {
    name = 'LiveDeploymentError';
}
/**
 * Throws LiveDeploymentError when Azure holds resources tagged with the deployment's id; returns a
 * notice when it could not ask (no subscription configured: nothing can have been deployed with it).
 */
async function assertNothingLive(deployment, options) {
    const { runtime } = partsOf(deployment);
    let gateway;
    try {
        gateway = await runtime.azure(options.signal);
    }
    catch (error) {
        if (error instanceof phase/* PhaseConfigurationError */.AV) {
            return `deployment ${deployment.id} has no state yet; no Azure subscription is configured, so Azure was not asked whether resources of it run`;
        }
        throw error;
    }
    let found;
    try {
        found = await gateway.findTagged(DEPLOYMENT_TAG, deployment.id);
    }
    catch (error) {
        throw new errors/* UserError */.yo(`deployment ${deployment.id} has no state in ${options.searched}, and Azure could not be asked whether ` +
            `resources of it still run (${(0,errors/* messageOf */.bD)(error).split('\n')[0] ?? ''}). Nothing was generated. Fix the ` +
            `Azure login and run again, or ${options.ways.at(-1) ?? 'start over knowingly'}.`);
    }
    if (found.length === 0)
        return undefined;
    const named = found
        .slice(0, NAMED)
        .map((r) => `${r.type.split('/').pop() ?? r.type} ${r.name}${r.resourceGroup ? ` (${r.resourceGroup})` : ''}`);
    const more = found.length > NAMED ? `, and more` : '';
    throw new LiveDeploymentError(`deployment ${deployment.id} has no state in ${options.searched}, but Azure holds resources tagged ` +
        `${DEPLOYMENT_TAG}=${deployment.id}: ${named.join(', ')}${more}. Starting fresh would make new keys that the ` +
        'running VMs do not have, so nothing was generated. Where the state may be, and how to go on: ' +
        options.ways.map((way, i) => `(${i + 1}) ${way}`).join('; ') +
        '.');
}

// EXTERNAL MODULE: ./src/state/document.ts
var state_document = __webpack_require__(52120);
;// CONCATENATED MODULE: ./src/phases/k0rdent/teardown.ts
/**
 * The fast uninstall: delete the resource group (it holds every VM, disk, NIC, IP and the network)
 * instead of undoing each phase, take the tunnel down, remove the local files of the phases that
 * lived in it. The state changes only once the group is gone, so it never claims less than stands:
 * a failed delete leaves every phase as it was; a failing local step is reported and does not stop it.
 */








const FAST_TARGETS = ['prepare_deployment', 'setup_network'];
async function fastDestroy(deployment, context, options) {
    const parts = partsOf(deployment);
    const warnings = [];
    const warn = (message) => {
        warnings.push(message);
        context.output.warn(message);
    };
    const rg = parts.names.resourceGroup;
    context.state.update((doc, stamp) => (0,transitions/* addNote */.gp)(doc, stamp, 'rollback_started', `fast destroy: deleting resource group ${rg}`, options.to));
    await options.commit();
    // KOF's regional cluster keeps its Azure resources in a group of its own that CAPZ manages: delete
    // its ClusterDeployment through the cluster, and wait until it is gone, while the cluster still runs.
    // A failure stops here, with the state still naming it.
    const regional = deployment.phases.find((p) => p.name === 'install_kof_regional');
    if (regional?.rollback && (0,state_document/* mayHaveBuilt */.cn)(context.state.read().phases.install_kof_regional)) {
        await regional.rollback({ ...context, phase: regional.name });
        context.state.update((d, stamp) => (0,transitions/* markPending */.Pe)(d, regional.name, stamp, 'regional cluster deleted before the resource group (fast destroy)'));
        await options.commit();
    }
    try {
        await disconnectTunnel(parts, { env: parts.runtime.env, signal: context.signal });
    }
    catch (error) {
        warn(`taking the tunnel down failed: ${error.message}`);
    }
    // The child clusters' service principal lives outside the group (in Entra ID, with a role on the
    // subscription): released first, so a failure stops here with the state still naming it.
    const before = context.state.read();
    if ((0,facts/* readAzureChildren */.$m)(before) !== undefined || (0,state_document/* mayHaveBuilt */.cn)(before.phases.setup_azure_children)) {
        await releaseChildrenPrincipal(parts, context);
    }
    const azure = await parts.runtime.azure(context.signal);
    const resourceGroup = await azure.deleteResourceGroup(rg);
    context.output.info(resourceGroup === 'deleted' ? `deleted resource group ${rg}` : `resource group ${rg} was already gone`);
    // Everything from setup_network on lived in the group: their local files go, their phases reset.
    const gone = new Set(['setup_network', ...deployment.graph.dependentsOf('setup_network')]);
    const doc = context.state.read();
    for (const [name, record] of Object.entries(doc.artifacts)) {
        if (record.removed || !record.phase || !gone.has(record.phase))
            continue;
        try {
            await (0,promises_.rm)((0,external_node_path_.resolve)(record.path), { force: true });
        }
        catch (error) {
            warn(`removing ${record.path} failed: ${error.message}`);
        }
        context.state.update((d, stamp) => (0,transitions/* removeArtifact */.bG)(d, name, stamp, 'resource group deleted'));
    }
    let reset = [];
    context.state.update((d, stamp) => (0,transitions/* setFact */.NO)(d, facts/* FACT */.JN.k0sCluster, null, stamp, 'install_k0s'));
    context.state.update((d, stamp) => {
        const result = (0,transitions/* resetFrom */.AP)((0,transitions/* setFact */.NO)(d, facts/* FACT */.JN.vmStates, {}, stamp, 'create_vms'), deployment.graph, 'setup_network', stamp, `resource group ${rg} deleted (fast destroy)`);
        reset = result.reset;
        return result.doc;
    });
    await options.commit();
    if (options.to === 'prepare_deployment' &&
        (0,state_document/* statusOf */.c2)(context.state.read(), 'prepare_deployment') !== 'pending') {
        const prepare = deployment.phases.find((p) => p.name === 'prepare_deployment');
        try {
            await prepare?.rollback?.({ ...context, phase: 'prepare_deployment' });
            context.state.update((d, stamp) => (0,transitions/* markPending */.Pe)(d, 'prepare_deployment', stamp, 'keys and cloud-init removed (fast destroy)'));
            reset = [...reset, 'prepare_deployment'];
        }
        catch (error) {
            warn(`removing the keys and cloud-init failed: ${error.message}`);
        }
    }
    context.state.update((d, stamp) => (0,transitions/* addNote */.gp)(d, stamp, 'rollback_finished', `fast destroy finished: resource group ${resourceGroup}`, options.to, {
        reset,
        warnings,
    }));
    await options.commit();
    return { resourceGroup, reset, warnings };
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/index.ts
/**
 * The built-in k0rdent phases, as the entry points use them. Imported on demand (only a built-in
 * deployment needs them), which keeps them out of the start-up of pipeline deployments and of
 * state-only action steps.
 */







/***/ })

};
