export const id = 836;
export const ids = [836];
export const modules = {

/***/ 23836:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  FAST_TARGETS: () => (/* reexport */ FAST_TARGETS),
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
const USERNAME = config_text(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a Linux user name (lower-case letters, digits, _ or -), not root');
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
    deployment_id: schemas/* optional */.lqM(config_text(names/* DEPLOYMENT_ID_PATTERN */.tT, `expected ${names/* DEPLOYMENT_ID_RULE */.tE}`)),
});
const AzureSchema = schemas/* strictObject */.rej({
    location: schemas/* _default */.Rvf(LOCATION, 'westus2'),
    subscription_id: schemas/* optional */.lqM(config_text(/^[0-9a-fA-F-]{36}$/, 'expected a subscription id (a GUID); or set AZURE_SUBSCRIPTION_ID')),
    vm_image: schemas/* _default */.Rvf(config_image, 'Debian:debian-12:12-gen2:latest'),
    vm_priority: schemas/* _default */.Rvf(oneOf(['Regular', 'Spot']), 'Regular'),
    eviction_policy: schemas/* _default */.Rvf(oneOf(['Deallocate', 'Delete']), 'Deallocate'),
    /** Another cloud's (or a test's) Resource Manager; the public cloud's by default. */
    resource_manager_endpoint: schemas/* optional */.lqM(httpsUrl),
});
const NetworkSchema = schemas/* strictObject */.rej({
    vnet_prefix: schemas/* _default */.Rvf(cidr, '10.0.0.0/16'),
    subnet_prefix: schemas/* _default */.Rvf(cidr, '10.0.1.0/24'),
    wireguard_network: schemas/* _default */.Rvf(cidr, '192.168.100.0/24'),
    /** Picked once in 30000–64000 and kept in the state when not set. */
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
const SshSchema = schemas/* strictObject */.rej({
    username: schemas/* _default */.Rvf(USERNAME.check(schemas/* refine */.YPB((v) => v !== 'root', { error: 'root is not allowed as the admin user on Azure' })), 'k0rdent'),
    key_comment: schemas/* _default */.Rvf(schemas/* string */.YjP(), 'k0rdent-azure-key'),
});
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
    helm: schemas/* _default */.Rvf(schemas/* strictObject */.rej({
        version: schemas/* _default */.Rvf(VERSION, '3.18.4'),
        url: schemas/* _default */.Rvf(urlTemplate, 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz'),
    }), { version: '3.18.4', url: 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz' }),
});
const TIMEOUT_DEFAULTS = {
    ssh_connect: 30,
    k0s_install_wait: 30,
    k0rdent_install_wait: 1500,
    wireguard_connect_wait: 5,
    vm_creation_minutes: 10,
    vm_wait_check_interval: 30,
    verification_retries: 3,
    verification_retry_delay: 10,
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
    ssh_command: retired,
    cloud_init_timeout: retired,
    cloud_init_check_interval: retired,
});
const NOT_YET = 'is not available in this version yet (a later release adds it); set it to false';
const notYet = schemas/* _default */.Rvf(schemas/* boolean */.zMY({ error: 'expected true or false' }).check(schemas/* refine */.YPB((v) => !v, { error: NOT_YET })), false);
/** KOF settings are read by a later release; only `enabled` is checked here. */
const KofSchema = schemas/* looseObject */._H3({ enabled: notYet });
const AzureChildrenSchema = schemas/* looseObject */._H3({ enabled: notYet });
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
    ssh: schemas/* _default */.Rvf(SshSchema, { username: 'k0rdent', key_comment: 'k0rdent-azure-key' }),
    software: schemas/* _default */.Rvf(SoftwareSchema, {
        k0s: { version: 'v1.33.2+k0s.0' },
        k0rdent: { version: '1.1.1', registry: 'oci://ghcr.io/k0rdent/kcm/charts/kcm', namespace: 'kcm-system' },
        k0sctl: {
            version: '0.30.1',
            url: 'https://github.com/k0sproject/k0sctl/releases/download/v{version}/k0sctl-{os}-{arch}',
        },
        helm: { version: '3.18.4', url: 'https://get.helm.sh/helm-v{version}-{os}-{arch}.tar.gz' },
    }),
    timeouts: schemas/* _default */.Rvf(TimeoutsSchema, { ...TIMEOUT_DEFAULTS }),
    kof: schemas/* _default */.Rvf(KofSchema, { enabled: false }),
    azure_children: schemas/* _default */.Rvf(AzureChildrenSchema, { enabled: false }),
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
const ADVICE = 'See config/k0rdent-default.yaml for every key, its default and what it allows.';
function validateConfig(value, source, parsed) {
    const text = parsed?.text ?? '';
    value = dropNulls(value ?? {});
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

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(77598);
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



/** How ssh names a host in known_hosts: the bare address on port 22, `[address]:port` otherwise. */
function knownHostsName(host, port) {
    return port === 22 ? host : `[${host}]:${port}`;
}
function matches(pattern, name) {
    const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(pattern);
    if (hashed?.[1] !== undefined && hashed[2] !== undefined) {
        const digest = (0,external_node_crypto_.createHmac)('sha1', Buffer.from(hashed[1], 'base64')).update(name).digest('base64');
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
    await (0,atomic_file/* writeFileAtomic */.Z)(knownHostsPath, kept, 0o644);
    const count = (s) => s.split('\n').filter((l) => l.trim() !== '').length;
    return count(text) - count(kept);
}
/** Every VM of the deployment is gone: so are the keys they had. */
async function forgetAllHostKeys(knownHostsPath) {
    await (0,promises_.rm)(knownHostsPath, { force: true });
}

// EXTERNAL MODULE: ./src/tools/run-command.ts + 1 modules
var run_command = __webpack_require__(62000);
;// CONCATENATED MODULE: ./src/tools/tool.ts
/**
 * Running an external tool (k0sctl, helm, kubectl, wg-quick, ssh) with an argument array: a missing
 * tool and a failing one are told apart, and a command whose output is secret (a kubeconfig) never
 * has its standard output streamed, kept in an error message, or logged.
 */



/** The tool is not installed (not on PATH). */
class ToolNotFoundError extends Error {
    tool;
    name = 'ToolNotFoundError';
    constructor(tool) {
        super(`${tool} is not installed (not found on PATH)`);
        this.tool = tool;
    }
}
/** The tool ran and exited non-zero. */
class ToolFailedError extends Error {
    exitCode;
    outputTail;
    name = 'ToolFailedError';
    constructor(message, exitCode, outputTail) {
        super(message);
        this.exitCode = exitCode;
        this.outputTail = outputTail;
    }
}
const STDERR_TAIL = 20;
/**
 * Runs `file args`. With `secret`, standard output is captured only (not streamed, not in errors);
 * otherwise both streams are streamed to `onLine` and stdout is also returned.
 */
async function runTool(file, args, options = {}) {
    const stderr = [];
    const onLine = (line, stream) => {
        if (stream === 'stderr') {
            stderr.push(line);
            if (stderr.length > STDERR_TAIL)
                stderr.shift();
        }
        if (!options.secret || stream === 'stderr')
            options.onLine?.(line, stream);
    };
    try {
        const result = await (0,run_command/* runCommand */.d)(file, args, {
            ...(options.env ? { env: options.env } : {}),
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
            ...(options.cwd ? { cwd: options.cwd } : {}),
            onLine,
            captureStdout: true,
            tailLines: 0,
        });
        return { exitCode: result.exitCode, stdout: result.stdout, stderrTail: stderr };
    }
    catch (error) {
        if (error.code === 'ENOENT')
            throw new ToolNotFoundError(file);
        throw error;
    }
}
/** Like runTool, but a non-zero exit throws ToolFailedError naming what was being done. */
async function runToolOrThrow(what, file, args, options = {}) {
    const result = await runTool(file, args, options);
    if (result.exitCode !== 0) {
        throw new ToolFailedError(`${what} failed: ${file} exited with code ${result.exitCode ?? 'unknown'}`, result.exitCode, result.stderrTail);
    }
    return result;
}
/** Whether a command is on the PATH of `env` (without running it). */
async function onPath(command, env = process.env) {
    for (const dir of (env.PATH ?? '').split(external_node_path_.delimiter)) {
        if (dir === '')
            continue;
        try {
            await (0,promises_.access)((0,external_node_path_.join)(dir, command), promises_.constants.X_OK);
            return true;
        }
        catch {
            // Not in this directory.
        }
    }
    return false;
}
/** Commands that need root: run directly as root, else through non-interactive sudo. */
function asRoot(file, args, isRoot = process.getuid?.() === 0) {
    return isRoot ? [file, [...args]] : ['sudo', ['-n', file, ...args]];
}

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
    const result = await runTool('ssh', sshArgs(target, remoteCommand), { ...options, onLine: undefined });
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

// EXTERNAL MODULE: ./src/phases/phase.ts
var phase = __webpack_require__(95079);
;// CONCATENATED MODULE: ./src/phases/k0rdent/base.ts

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
        return {
            host: address,
            port: this.runtime.sshPort ?? 22,
            user: this.config.ssh.username,
            keyPath: this.layout.sshPrivateKey().path,
            knownHostsPath: this.layout.knownHosts(),
            connectTimeoutSeconds: this.config.timeouts.ssh_connect,
        };
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

// EXTERNAL MODULE: ./src/state/canonical.ts
var canonical = __webpack_require__(10291);
// EXTERNAL MODULE: ./src/state/transitions.ts
var transitions = __webpack_require__(82649);
;// CONCATENATED MODULE: ./src/phases/k0rdent/facts.ts
/**
 * The domain facts the built-in phases keep in the state document (no secrets: private keys live in
 * files recorded as sensitive artifacts). Shapes are those a migrated upstream state carries, read
 * defensively: a fact of the wrong shape counts as absent.
 */



const PeerSchema = schemas/* looseObject */._H3({
    ip: schemas/* string */.YjP(),
    role: schemas/* optional */.lqM(schemas/* string */.YjP()),
    public_key: schemas/* optional */.lqM(schemas/* string */.YjP()),
    keys_generated_at: schemas/* optional */.lqM(schemas/* string */.YjP()),
});
const VmStateSchema = schemas/* looseObject */._H3({
    public_ip: schemas/* optional */.lqM(schemas/* string */.YjP()),
    private_ip: schemas/* optional */.lqM(schemas/* string */.YjP()),
    state: schemas/* optional */.lqM(schemas/* string */.YjP()),
    zone: schemas/* optional */.lqM(schemas/* string */.YjP()),
    size: schemas/* optional */.lqM(schemas/* string */.YjP()),
    last_checked: schemas/* optional */.lqM(schemas/* string */.YjP()),
});
const FACT = {
    wireguardPort: 'wireguard_port',
    peers: 'wireguard_peers',
    vmStates: 'vm_states',
};
function read(doc, key, schema) {
    const fact = doc.facts[key];
    if (!fact)
        return undefined;
    const parsed = schema.safeParse(fact.value);
    return parsed.success ? parsed.data : undefined;
}
function readPeers(doc) {
    return read(doc, FACT.peers, schemas/* record */.g1P(schemas/* string */.YjP(), PeerSchema)) ?? {};
}
function readVmStates(doc) {
    return read(doc, FACT.vmStates, schemas/* record */.g1P(schemas/* string */.YjP(), VmStateSchema)) ?? {};
}
function readWireguardPort(doc) {
    return read(doc, FACT.wireguardPort, schemas/* int */.Whr().check(api/* _gte */.qm(1), api/* _lte */.Zm(65535)));
}
/** Records a fact; the same value again changes nothing (no event, no write). */
function writeFact(context, key, value) {
    const json = JSON.parse(JSON.stringify(value));
    const current = context.state.read().facts[key];
    if (current && (0,canonical/* canonicalJson */.dj)(current.value) === (0,canonical/* canonicalJson */.dj)(json))
        return;
    context.state.update((doc, stamp) => (0,transitions/* setFact */.NO)(doc, key, json, stamp, context.phase));
}

// EXTERNAL MODULE: ./src/state/artifacts.ts
var artifacts = __webpack_require__(71362);
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
        await (0,atomic_file/* writeFileAtomic */.Z)(file.path, file.content, file.sensitive ? 0o600 : 0o644);
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

/** Controllers `k0s-controller`, `k0s-controller-2`, …; workers `k0s-worker-1`, …; zones cycle. */
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
function resourceNames(deploymentId) {
    return {
        resourceGroup: `${deploymentId}-resgrp`,
        vnet: `${deploymentId}-vnet`,
        subnet: `${deploymentId}-subnet`,
        nsg: `${deploymentId}-nsg`,
        sshKey: `${deploymentId}-admin`,
    };
}
function vmResourceNames(host) {
    return { vm: host, nic: `${host}-nic`, publicIp: `${host}-pip`, osDisk: `${host}-osdisk` };
}
/** Host names are `k0s-…`; artifact names are snake_case. */
function safeName(host) {
    return host.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}
/** wg-quick names the interface after the file: at most 15 characters. */
function wireguardInterface(deploymentId) {
    return `k0rd-${deploymentId.replace(/[^a-z0-9]/g, '').slice(-10)}`;
}
const HUB = 'hub';
/** The hub is `.1` of the WireGuard network; hosts get `.11`, `.12`, … */
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
/** k0s roles: a lone controller also runs workloads, as do controllers of a cluster without workers. */
function k0sRole(host, hosts) {
    if (host.role === 'worker')
        return 'worker';
    const controllers = hosts.filter((h) => h.role === 'controller').length;
    const workers = hosts.length - controllers;
    return controllers === 1 || workers === 0 ? 'controller+worker' : 'controller';
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
    const port = config.network.wireguard_port ?? readWireguardPort(doc);
    const previous = readPeers(doc);
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
    writeFact(context, FACT.peers, peers);
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

;// CONCATENATED MODULE: ./src/phases/k0rdent/phase-errors.ts
/** Tool failures as the engine classifies them: a missing tool is the user's to fix, a failing one is a command failure. */


async function tool(work) {
    try {
        return await work();
    }
    catch (error) {
        throw asPhaseError(error);
    }
}
function asPhaseError(error) {
    if (error instanceof ToolNotFoundError) {
        return new phase/* PhaseConfigurationError */.AV(`${error.tool} is not installed (not found on PATH); install it, or run in GitHub Actions where it is installed for you`);
    }
    if (error instanceof ToolFailedError)
        return new phase/* CommandFailedError */.ju(error.message, error.exitCode, error.outputTail);
    return error;
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/create-vms.ts











const MAX_PROVISIONING_TRIES = 3;
const OS_DISK_GB = 64;
const IN_PROGRESS = new Set(['creating', 'updating', 'migrating', 'starting']);
const HOST_RESOURCE = /^k0s-(controller|worker)(-\d+)?-(nic|pip|osdisk)$/;
class CreateVms extends K0rdentPhase {
    async run(context) {
        const azure = await this.runtime.azure(context.signal);
        const rg = this.deployment.names.resourceGroup;
        const hosts = plannedHosts(this.config);
        await this.checkSizes(azure, hosts);
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
        context.output.info(created.length === 0
            ? `all ${hosts.length} VM(s) exist and Succeeded`
            : `created ${created.join(', ')}; ${hosts.length - created.length} VM(s) kept`);
        const planned = new Set(hosts.map((h) => h.name.toLowerCase()));
        const extra = existing.filter((vm) => !planned.has(vm.name.toLowerCase()) && vm.tags[DEPLOYMENT_TAG] === this.deployment.id);
        if (extra.length > 0) {
            context.output.info(`removing VM(s) no longer in the configuration: ${extra.map((vm) => vm.name).join(', ')}`);
            await Promise.all(extra.map((vm) => azure.deleteVm(rg, vm.name)));
            await this.sweep(azure, new Set(extra.map((vm) => vm.name.toLowerCase())));
        }
        const states = await this.observe(azure, hosts);
        writeFact(context, FACT.vmStates, states);
        await this.forgetReplacedHostKeys(context, created.map((name) => states[name]?.public_ip));
        await this.awaitCloudInit(context, hosts, states);
    }
    /** One list call for the VMs (and one for their public IPs, sent with it). */
    async validate(context) {
        const azure = await this.runtime.azure(context.signal);
        const rg = this.deployment.names.resourceGroup;
        const [vms, ips] = await Promise.all([azure.listVms(rg), azure.listPublicIps(rg).catch(() => undefined)]);
        if (!vms)
            return { ok: false, evidence: `resource group ${rg} does not exist` };
        const hosts = plannedHosts(this.config);
        const byName = new Map(vms.map((vm) => [vm.name.toLowerCase(), vm]));
        const recorded = readVmStates(context.state.read());
        const problems = [];
        for (const host of hosts) {
            const vm = byName.get(host.name.toLowerCase());
            if (!vm)
                problems.push(`${host.name} missing`);
            else if (vm.provisioningState !== 'Succeeded')
                problems.push(`${host.name} is ${vm.provisioningState}`);
            const address = ips?.find((ip) => ip.name === vmResourceNames(host.name).publicIp)?.address;
            if (vm && ips && address !== recorded[host.name]?.public_ip) {
                problems.push(`${host.name} public IP is ${address ?? 'gone'}, recorded ${recorded[host.name]?.public_ip ?? 'none'}`);
            }
        }
        return problems.length === 0
            ? {
                ok: true,
                evidence: `${hosts.length}/${hosts.length} VMs exist and Succeeded with their recorded public IPs`,
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
        writeFact(context, FACT.vmStates, {});
    }
    /** One request for the location's VM sizes: a size or zone not on offer is a configuration error. */
    async checkSizes(azure, hosts) {
        const location = this.config.azure.location;
        const offered = await azure.vmSkus(location);
        if (offered.size === 0)
            return;
        const problems = new Set();
        for (const host of hosts) {
            const key = host.role === 'controller' ? 'vm_sizing.controller.size' : 'vm_sizing.worker.size';
            const zonesKey = host.role === 'controller' ? 'cluster.controllers.zones' : 'cluster.workers.zones';
            const sku = offered.get(host.size.toLowerCase());
            if (!sku)
                problems.add(`${key}: ${host.size} is not offered in ${location}`);
            else if (!sku.zones.has(host.zone)) {
                problems.add(`${zonesKey}: ${host.size} is not available in zone ${host.zone} of ${location} (available: ${[...sku.zones].sort().join(', ') || 'none'})`);
            }
        }
        if (problems.size > 0)
            throw new phase/* PhaseConfigurationError */.AV([...problems].join('; '));
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
                if (tries === 0)
                    this.warnIfResized(context, host, vm);
                return tries === 0 ? 'kept' : 'created';
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
        const [publisher = '', offer = '', sku = '', version = ''] = this.config.azure.vm_image.split(':');
        context.output.info(`creating ${host.name} (${host.size}, zone ${host.zone}, ${this.config.azure.vm_priority})`);
        return azure.createVm(rg, {
            name: names.vm,
            location,
            zone: host.zone,
            size: host.size,
            image: { publisher, offer, sku, version },
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
        const [ips, nics] = await Promise.all([azure.listPublicIps(rg), azure.listNics(rg)]);
        const now = new Date(this.runtime.now()).toISOString();
        const states = {};
        for (const host of hosts) {
            const names = vmResourceNames(host.name);
            const publicIp = ips.find((ip) => ip.name === names.publicIp)?.address;
            const privateIp = nics.find((nic) => nic.name === names.nic)?.privateAddress;
            states[host.name] = {
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
     * A VM made anew may have an address an earlier VM of this deployment had (Azure hands released
     * addresses out again): its host key is the new VM's to introduce, not a sign of an attack.
     */
    async forgetReplacedHostKeys(context, addresses) {
        const known = [...new Set(addresses.filter((a) => a !== undefined))];
        if (known.length === 0)
            return;
        const forgotten = await forgetHostKeys(this.layout.knownHosts(), known, this.runtime.sshPort ?? 22);
        if (forgotten > 0)
            context.output.info(`forgot ${forgotten} host key(s) of VMs that were replaced (${known.join(', ')})`);
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
        await tool(async () => {
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
    await runToolOrThrow(`helm upgrade --install ${target.release}`, 'helm', [
        'upgrade',
        '--install',
        target.release,
        target.chart,
        '--version',
        target.version,
        '--namespace',
        target.namespace,
        '--create-namespace',
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
    const result = await runTool('helm', [
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
        throw new ToolFailedError(`helm status ${target.release} failed`, result.exitCode, result.stderrTail);
    }
    const parsed = JSON.parse(result.stdout);
    return { status: parsed.info?.status ?? 'unknown', chartVersion: parsed.chart?.metadata?.version };
}
/** Uninstalls the release; `absent` when there was none. */
async function helmUninstall(target, options = {}) {
    const result = await runTool('helm', [
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
    throw new ToolFailedError(`helm uninstall ${target.release} failed`, result.exitCode, result.stderrTail);
}

;// CONCATENATED MODULE: ./src/tools/kubectl.ts
/** kubectl: reading nodes and deployments as JSON, and waiting for deployments to be available. */

async function kubectlNodes(kubeconfig, options = {}) {
    const result = await runToolOrThrow('kubectl get nodes', 'kubectl', ['--kubeconfig', kubeconfig, '--request-timeout', '20s', 'get', 'nodes', '--output', 'json'], { ...options, onLine: (line, stream) => stream === 'stderr' && options.onLine?.(line, stream) });
    const list = JSON.parse(result.stdout);
    return (list.items ?? []).map((node) => ({
        name: node.metadata?.name ?? '',
        ready: (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    }));
}
async function kubectlDeployments(kubeconfig, namespace, options = {}) {
    const result = await runToolOrThrow('kubectl get deployments', 'kubectl', [
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
    await runToolOrThrow('kubectl wait for deployments', 'kubectl', [
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

;// CONCATENATED MODULE: ./src/tools/ping.ts
/** Reachability through a tunnel: one ICMP echo answered within a deadline (iputils `ping`). */

/** Whether `address` answered; ping resends every second until one reply or the deadline. */
async function answersPing(address, deadlineSeconds, options = {}) {
    const result = await runTool('ping', ['-n', '-q', '-c', '1', '-w', String(deadlineSeconds), address], {
        ...options,
        onLine: undefined,
    });
    return result.exitCode === 0;
}

;// CONCATENATED MODULE: ./src/tools/wireguard.ts
/**
 * WireGuard on the hub: `wg-quick up|down` on a config file (needs root), the latest handshake per
 * peer from `wg show`, and installing wireguard-tools where it is missing (apt, as on GitHub runners).
 */

async function wgQuickUp(configPath, options = {}) {
    const [file, args] = asRoot('wg-quick', ['up', configPath]);
    await runToolOrThrow('wg-quick up', file, args, options);
}
/** Brings the interface down; `absent` when it was not up. */
async function wgQuickDown(configPath, options = {}) {
    const [file, args] = asRoot('wg-quick', ['down', configPath]);
    const result = await runTool(file, args, options);
    if (result.exitCode === 0)
        return 'down';
    if (result.stderrTail.some((line) => /is not a WireGuard interface|does not exist|No such device/i.test(line)))
        return 'absent';
    throw new ToolFailedError('wg-quick down failed', result.exitCode, result.stderrTail);
}
/**
 * Latest handshake per peer public key, in epoch seconds (0: never); undefined when the interface is
 * not up.
 */
async function wgLatestHandshakes(iface, options = {}) {
    const [file, args] = asRoot('wg', ['show', iface, 'latest-handshakes']);
    const result = await runTool(file, args, { ...options, onLine: undefined });
    if (result.exitCode !== 0)
        return undefined;
    const handshakes = new Map();
    for (const line of result.stdout.split('\n')) {
        const [key, at] = line.trim().split(/\s+/);
        if (key && at !== undefined && /^\d+$/.test(at))
            handshakes.set(key, Number(at));
    }
    return handshakes;
}
/** Installs wireguard-tools with apt when `wg-quick` is missing; returns whether it installed. */
async function ensureWireguardTools(options = {}) {
    const env = options.env ?? process.env;
    if (await onPath('wg-quick', env))
        return false;
    if (!(await onPath('apt-get', env))) {
        throw new ToolFailedError('wireguard-tools is not installed and apt-get is not available to install it; install wireguard-tools (wg, wg-quick) and run again', undefined, []);
    }
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = asRoot('apt-get', ['update', '-qq']);
    await runToolOrThrow('apt-get update', update[0], update[1], { ...options, env: aptEnv });
    const install = asRoot('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wireguard-tools']);
    await runToolOrThrow('installing wireguard-tools', install[0], install[1], { ...options, env: aptEnv });
    if (!(await onPath('wg-quick', env))) {
        throw new ToolFailedError('wireguard-tools was installed but wg-quick is still not on PATH', undefined, []);
    }
    return true;
}

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
        const peers = readPeers(doc);
        const vms = readVmStates(doc);
        const port = this.config.network.wireguard_port ?? readWireguardPort(doc);
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
        await tool(async () => {
            if (await ensureWireguardTools(options))
                context.output.info('installed wireguard-tools');
            if ((await wgLatestHandshakes(this.layout.interfaceName, options)) !== undefined)
                await wgQuickDown(config, options);
            // Before `up`: the first handshake can complete while wg-quick is still setting routes.
            started = Math.floor(this.runtime.now() / 1000);
            await wgQuickUp(config, options);
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
            if (error instanceof ToolNotFoundError)
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
        const peers = readPeers(context.state.read());
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
            if (error instanceof ToolNotFoundError)
                return undefined;
            throw error;
        }
    }
    async rollback(context) {
        await disconnectTunnel(this.deployment, this.toolOptions(context));
    }
    /** Peers (by host) whose latest handshake is older than `since` (epoch seconds). */
    async peersWithoutHandshake(context, since) {
        const handshakes = await wgLatestHandshakes(this.layout.interfaceName, this.toolOptions(context));
        if (!handshakes)
            return [`tunnel ${this.layout.interfaceName} is not up`];
        const peers = readPeers(context.state.read());
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
    await tool(async () => {
        if ((await wgLatestHandshakes(deployment.layout.interfaceName, options).catch(() => undefined)) !==
            undefined)
            return;
        await ensureWireguardTools(options);
        await wgQuickUp(config, options);
    });
}
/** Takes the tunnel down if it is up (at job end and on rollback); tolerant of it being down or gone. */
async function disconnectTunnel(deployment, options) {
    const config = deployment.layout.hubConfig().path;
    if (!(0,external_node_fs_.existsSync)(config))
        return 'absent';
    try {
        return await wgQuickDown(config, options);
    }
    catch (error) {
        if (error instanceof ToolNotFoundError)
            return 'absent';
        throw error;
    }
}

;// CONCATENATED MODULE: ./src/phases/k0rdent/install-k0rdent.ts
/**
 * install_k0rdent: `helm upgrade --install` of the kcm chart at the configured version (idempotent,
 * unlike a plain install), then its deployments Available.
 */






const KCM_RELEASE = 'kcm';
class InstallK0rdent extends K0rdentPhase {
    async run(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const { registry, version, namespace } = this.config.software.k0rdent;
        const wait = this.config.timeouts.k0rdent_install_wait;
        await tool(() => helmUpgradeInstall({ ...this.release(), chart: registry, version, timeoutSeconds: wait }, options));
        await tool(() => kubectlWaitDeployments(this.release().kubeconfig, namespace, wait, options));
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
            if (error instanceof ToolNotFoundError)
                throw asPhaseError(error);
            return { ok: false, evidence: `could not reach the cluster: ${error.message}` };
        }
    }
    async rollback(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const result = await tool(() => helmUninstall(this.release(), options));
        context.output.info(result === 'uninstalled'
            ? `uninstalled release ${KCM_RELEASE}`
            : `release ${KCM_RELEASE} was already gone`);
    }
    release() {
        return {
            release: KCM_RELEASE,
            namespace: this.config.software.k0rdent.namespace,
            kubeconfig: this.layout.kubeconfig().path,
        };
    }
}

;// CONCATENATED MODULE: ./src/tools/k0sctl.ts
/** k0sctl: apply a cluster configuration, reset it. */

const quiet = (options) => ({
    ...options,
    env: { ...(options.env ?? process.env), DISABLE_TELEMETRY: 'true' },
});
/** Idempotent: k0sctl re-reads every host and only does what is missing. */
async function k0sctlApply(configPath, options = {}) {
    await runToolOrThrow('k0sctl apply', 'k0sctl', ['apply', '--config', configPath], quiet(options));
}
async function k0sctlReset(configPath, options = {}) {
    await runToolOrThrow('k0sctl reset', 'k0sctl', ['reset', '--config', configPath, '--force'], quiet(options));
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

;// CONCATENATED MODULE: ./src/phases/k0rdent/install-k0s.ts
/**
 * install_k0s: `k0sctl.yaml` from the recorded hosts, `k0sctl apply` (idempotent), the admin
 * kubeconfig fetched over SSH from the first controller with retries (a sensitive artifact, pointed
 * at the API over the tunnel), then every node Ready.
 */















class InstallK0s extends K0rdentPhase {
    async run(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const configFile = await this.writeK0sctlConfig(context);
        await tool(() => k0sctlApply(configFile, options));
        const kubeconfig = this.layout.kubeconfig();
        await writeArtifact(context, {
            ...kubeconfig,
            content: await this.fetchKubeconfig(context),
            sensitive: true,
        });
        const deadline = this.runtime.now() + this.config.timeouts.k0s_install_wait * 1000;
        for (;;) {
            const notReady = await this.nodesNotReady(kubeconfig.path, options).catch((error) => {
                if (error instanceof ToolNotFoundError)
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
        context.output.info(`k0s ${this.config.software.k0s.version} running on ${plannedHosts(this.config).length} node(s), all Ready`);
    }
    async validate(context) {
        const kubeconfig = this.layout.kubeconfig();
        const intact = await artifactIntact(context.state.read(), kubeconfig.name);
        if (!intact.ok)
            return { ok: false, evidence: intact.detail };
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        let notReady;
        try {
            notReady = await this.nodesNotReady(kubeconfig.path, { env, signal: context.signal });
        }
        catch (error) {
            if (error instanceof ToolNotFoundError)
                throw asPhaseError(error);
            return {
                ok: false,
                evidence: `the API server did not answer with the kubeconfig: ${error.message}`,
            };
        }
        return notReady.length === 0
            ? {
                ok: true,
                evidence: `the API server answers and all ${plannedHosts(this.config).length} nodes are Ready`,
            }
            : { ok: false, evidence: notReady.join(', ') };
    }
    async rollback(context) {
        const env = await this.runtime.toolEnv((m) => context.output.warn(m));
        const options = this.toolOptions(context, env);
        await ensureTunnel(this.deployment, options);
        const configFile = (0,external_node_fs_.existsSync)(this.layout.k0sctlConfig().path)
            ? this.layout.k0sctlConfig().path
            : await this.writeK0sctlConfig(context);
        await tool(() => k0sctlReset(configFile, options));
        const kubeconfig = this.layout.kubeconfig();
        await removeArtifactFile(context, kubeconfig.name, kubeconfig.path);
    }
    /**
     * The admin kubeconfig from the first controller (k0sctl's leader on a new cluster), read over SSH
     * at its public address, whose host key create_vms pinned. A refused connection is retried; a host
     * key that changed is not.
     */
    async fetchKubeconfig(context) {
        const doc = context.state.read();
        const leader = plannedHosts(this.config).find((h) => h.role === 'controller');
        const address = leader ? readVmStates(doc)[leader.name]?.public_ip : undefined;
        const tunnelAddress = leader ? readPeers(doc)[leader.name]?.ip : undefined;
        if (!leader || !address || !tunnelAddress)
            throw new phase/* PhaseConfigurationError */.AV(`no public and WireGuard address recorded for ${leader?.name ?? 'the first controller'}: run create_vms again`);
        const target = this.sshTarget(address);
        const tries = this.config.timeouts.verification_retries;
        for (let attempt = 1;; attempt++) {
            const result = await tool(() => sshRun(target, K0S_ADMIN_KUBECONFIG_COMMAND, {
                env: this.runtime.env,
                signal: context.signal,
                secret: true,
            }));
            if (result.ok) {
                (0,secrets/* registerSecret */.cl)(result.stdout);
                try {
                    return kubeconfigForHub(result.stdout, {
                        name: this.deployment.id,
                        server: `https://${tunnelAddress}:6443`,
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
    async writeK0sctlConfig(context) {
        const doc = context.state.read();
        const peers = readPeers(doc);
        const vms = readVmStates(doc);
        const hosts = plannedHosts(this.config);
        const file = this.layout.k0sctlConfig();
        const content = renderK0sctlConfig({
            clusterName: this.deployment.id,
            k0sVersion: this.config.software.k0s.version,
            sshUser: this.config.ssh.username,
            sshPort: this.runtime.sshPort ?? 22,
            sshKeyPath: this.layout.sshPrivateKey().path,
            hosts: hosts.map((host) => {
                const address = peers[host.name]?.ip;
                if (!address)
                    throw new phase/* PhaseConfigurationError */.AV(`no WireGuard address recorded for ${host.name}: run prepare_deployment again`);
                const privateAddress = vms[host.name]?.private_ip;
                return {
                    name: host.name,
                    role: k0sRole(host, hosts),
                    wireguardAddress: address,
                    ...(privateAddress ? { privateAddress } : {}),
                };
            }),
        });
        await writeArtifact(context, { ...file, content, sensitive: false });
        return file.path;
    }
    async nodesNotReady(kubeconfig, options) {
        const nodes = await kubectlNodes(kubeconfig, options);
        const byName = new Map(nodes.map((n) => [n.name, n.ready]));
        return plannedHosts(this.config)
            .filter((host) => byName.get(host.name) !== true)
            .map((host) => `${host.name} ${byName.has(host.name) ? 'not Ready' : 'not a node'}`);
    }
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
    kubeconfig() {
        return { name: 'kubeconfig', path: (0,external_node_path_.join)(this.workDir, 'secrets', 'kubeconfig') };
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

;// CONCATENATED MODULE: ./src/phases/k0rdent/optional.ts


const FLAG_KEYS = { azure_children: 'azure_children.enabled', kof: 'kof.enabled' };
class NotYetAvailablePhase extends K0rdentPhase {
    disabledBecause;
    constructor(deployment, entry) {
        super(deployment, entry);
        this.disabledBecause = `deployment flag ${entry.flag} is off (${FLAG_KEYS[entry.flag]}: false); this phase is not available in this version yet`;
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
        const previous = readPeers(context.state.read());
        const hub = await hostKeyPair(context, this.deployment, HUB, previous[HUB]);
        writeFact(context, FACT.peers, {
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
        const peers = readPeers(doc);
        const hosts = Object.keys(peers).filter((host) => host !== HUB);
        const problems = [];
        if (this.config.network.wireguard_port === undefined && readWireguardPort(doc) === undefined)
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
        for (const host of [HUB, ...Object.keys(readPeers(doc))]) {
            const key = this.layout.wireguardKey(host);
            await removeArtifactFile(context, key.name, key.path);
            if (host === HUB)
                continue;
            const cloudInit = this.layout.cloudInit(host);
            await removeArtifactFile(context, cloudInit.name, cloudInit.path);
        }
        writeFact(context, FACT.peers, null);
        if (this.config.network.wireguard_port === undefined)
            writeFact(context, FACT.wireguardPort, null);
    }
    wireguardPort(context) {
        if (this.config.network.wireguard_port !== undefined)
            return this.config.network.wireguard_port;
        const recorded = readWireguardPort(context.state.read());
        if (recorded !== undefined)
            return recorded;
        const port = (0,external_node_crypto_.randomInt)(PORT_RANGE[0], PORT_RANGE[1] + 1);
        writeFact(context, FACT.wireguardPort, port);
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
            Promise.all(/* import() */[__webpack_require__.e(918), __webpack_require__.e(985)]).then(__webpack_require__.bind(__webpack_require__, 77985)),
            Promise.all(/* import() */[__webpack_require__.e(918), __webpack_require__.e(699)]).then(__webpack_require__.bind(__webpack_require__, 89699)),
            Promise.all(/* import() */[__webpack_require__.e(918), __webpack_require__.e(72)]).then(__webpack_require__.bind(__webpack_require__, 96072)),
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
    // ---- network --------------------------------------------------------------------------------
    async ensureNsg(resourceGroup, name, location, rules, tags) {
        const nsg = await this.retry(() => this.network.networkSecurityGroups.createOrUpdate(resourceGroup, name, { location, tags: { ...tags }, securityRules: [...rules] }, this.lro()));
        return nsg.id ?? this.resourceId(resourceGroup, 'Microsoft.Network/networkSecurityGroups', name);
    }
    getNsg(resourceGroup, name) {
        return this.read(() => this.network.networkSecurityGroups.get(resourceGroup, name, this.call()));
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
    const cache = await Promise.all(/* import() */[__webpack_require__.e(918), __webpack_require__.e(838), __webpack_require__.e(738), __webpack_require__.e(30), __webpack_require__.e(956)]).then(__webpack_require__.bind(__webpack_require__, 89956));
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





function securityRules(wireguardPort) {
    const rule = (name, protocol, port, priority) => ({
        name,
        protocol,
        sourcePortRange: '*',
        destinationPortRange: port,
        sourceAddressPrefix: '*',
        destinationAddressPrefix: '*',
        access: 'Allow',
        priority,
        direction: 'Inbound',
    });
    return [rule('AllowWireGuard', 'Udp', String(wireguardPort), 1000), rule('AllowSSH', 'Tcp', '22', 1010)];
}
class SetupNetwork extends K0rdentPhase {
    async run(context) {
        const azure = await this.runtime.azure(context.signal);
        const { names } = this.deployment;
        const location = this.config.azure.location;
        const tags = ownershipTags(this.deployment.id, this.config.metadata.owner, this.runtime.env);
        const publicKey = await this.sshPublicKey();
        const port = this.port(context);
        await azure.ensureResourceGroup(names.resourceGroup, location, tags);
        context.output.info(`resource group ${names.resourceGroup} in ${location}`);
        const [nsgId] = await Promise.all([
            azure.ensureNsg(names.resourceGroup, names.nsg, location, securityRules(port), tags),
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
        context.output.info(`network ${names.vnet}/${names.subnet}, NSG ${names.nsg} (UDP ${port}, TCP 22), SSH key ${names.sshKey}`);
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
        else if (!nsg.securityRules?.some((r) => r.name === 'AllowWireGuard' && r.destinationPortRange === port)) {
            problems.push(`NSG ${names.nsg} does not allow WireGuard on UDP ${port}`);
        }
        if (!key)
            problems.push(`SSH key ${names.sshKey} missing`);
        return problems.length === 0
            ? {
                ok: true,
                evidence: `resource group, VNet with subnet, NSG with WireGuard rule (UDP ${port}) and SSH key exist`,
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
        const port = this.config.network.wireguard_port ?? readWireguardPort(context.state.read());
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
function buildK0rdentDeployment({ id, loaded, runtime }) {
    const parts = {
        id,
        config: loaded.config,
        runtime,
        layout: new Layout(runtime.workDir, id),
        names: resourceNames(id),
    };
    const phases = k0rdent_catalogue/* K0RDENT_CATALOGUE */.p.map((entry) => {
        if (entry.flag)
            return new NotYetAvailablePhase(parts, { ...entry, flag: entry.flag });
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
        flags: { azure_children: loaded.config.azure_children.enabled, kof: loaded.config.kof.enabled },
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
    checkOverrides(options);
    const pinned = loaded.config.metadata.deployment_id;
    return {
        source: loaded.source,
        ...(pinned === undefined ? {} : { pinned }),
        deployment: (id) => buildK0rdentDeployment({
            id,
            loaded,
            runtime: productionRuntime(loaded.config, { workDir: (0,external_node_path_.resolve)(options.stateDir ?? 'state') }),
        }),
    };
}
function checkOverrides(options) {
    const optional = k0rdent_catalogue/* K0RDENT_CATALOGUE */.p.filter((e) => e.flag);
    for (const [flag, list] of [
        ['--enable', options.enable ?? []],
        ['--disable', options.disable ?? []],
    ]) {
        for (const name of list) {
            const entry = optional.find((e) => e.name === name);
            if (!entry) {
                throw new errors/* UserError */.yo(`${flag} ${name}: not an optional phase of the built-in deployment (optional phases: ${optional.map((e) => e.name).join(', ')})`);
            }
            if (flag === '--enable') {
                throw new errors/* UserError */.yo(`--enable ${name}: ${name} is not available in this version yet (it is switched by ${entry.flag ? FLAG_KEYS[entry.flag] : 'its flag'})`);
            }
        }
    }
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
    try {
        await disconnectTunnel(parts, { env: parts.runtime.env, signal: context.signal });
    }
    catch (error) {
        warn(`taking the tunnel down failed: ${error.message}`);
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
    context.state.update((d, stamp) => {
        const result = (0,transitions/* resetFrom */.AP)((0,transitions/* setFact */.NO)(d, FACT.vmStates, {}, stamp, 'create_vms'), deployment.graph, 'setup_network', stamp, `resource group ${rg} deleted (fast destroy)`);
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
