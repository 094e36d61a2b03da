/**
 * k0sctl's configuration format, written down as a zod schema from k0sctl's own source, so the
 * `k0sctl.yaml` install_k0s writes is checked against what k0sctl accepts without a k0sctl binary.
 *
 * Taken from k0sctl v0.30.1 (the version configured by default; tag commit 4afdb2b1bf3f), read in:
 * - pkg/apis/k0sctl.k0sproject.io/v1beta1/cluster.go — apiVersion, kind, metadata; the document is
 *   decoded with gopkg.in/yaml.v2 `UnmarshalStrict` (cmd/flags.go → pkg/manifest/reader.go), so an
 *   unknown or duplicate key anywhere outside `spec.k0s.config` is an error;
 * - cluster/spec.go, hosts.go, host.go, k0s.go, options.go, uploadfile.go, hook.go, flags.go — the
 *   fields, their Go types, and the checks `Validate()` makes (roles, privateAddress an IP, at least
 *   one host and one controller, `single` only alone, unique hosts, noTaints only on
 *   controller+worker, versionChannel, minimum versions);
 * - the connection fields k0sctl inlines from github.com/k0sproject/rig v0.21.6 (its go.mod
 *   version; tag commit 1ad833996c51): ssh.go, openssh.go, winrm.go, localhost.go, with their
 *   `validate:` tags (address `hostname_rfc1123|ip`, port 1–65535, user required);
 * - `spec.k0s.config` is k0s's ClusterConfig, which k0s decodes strictly too: the parts install_k0s
 *   writes (spec.network: provider, calico, nodeLocalLoadBalancing) follow k0s v1.33.2+k0s.0 (the
 *   configured k0s; tag commit c69eefbdd03f), pkg/apis/k0s/v1beta1/{clusterconfig_types,network,
 *   calico,nllb}.go; the other ClusterSpec sections are only checked to be known sections.
 *
 * Written from reading those files, not copied. yaml.v2 reads YAML 1.1 and js-yaml YAML 1.2; they
 * differ on plain scalars such as `yes` or `1:20`, which the generated file does not contain.
 */
import * as z from 'zod';

const K0SCTL_API_VERSION = 'k0sctl.k0sproject.io/v1beta1';

/** go-playground's `hostname_rfc1123|ip`. */
const HOSTNAME_RFC1123 =
  /^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,62})(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]{0,62}))*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const isIp = (value: string) => IPV4.test(value) || (value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value));
const address = z
  .string()
  .min(1, 'address is required')
  .refine((v) => isIp(v) || HOSTNAME_RFC1123.test(v), 'expected a host name (RFC 1123) or an IP address');
const port = z.int().min(1).max(65535);

/** rig.SSH: address and user required (user defaults to root), port 22 by default. */
type SshShape = {
  address: string;
  user?: string | undefined;
  port?: number | undefined;
  keyPath?: string | undefined;
  hostKey?: string | undefined;
  bastion?: SshShape | undefined;
};
const Ssh: z.ZodType<SshShape> = z.lazy(() =>
  z.strictObject({
    address,
    user: z.string().min(1).optional(),
    port: port.optional(),
    keyPath: z.string().optional(),
    hostKey: z.string().optional(),
    bastion: Ssh.optional(),
  }),
);

const OpenSsh = z.strictObject({
  address: z.string().min(1),
  user: z.string().optional(),
  port: port.optional(),
  keyPath: z.string().optional(),
  configPath: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  disableMultiplexing: z.boolean().optional(),
});

const WinRm = z.strictObject({
  address,
  user: z.string().min(3).optional(),
  port: port.optional(),
  password: z.string().optional(),
  useHTTPS: z.boolean().optional(),
  insecure: z.boolean().optional(),
  useNTLM: z.boolean().optional(),
  caCertPath: z.string().optional(),
  certPath: z.string().optional(),
  keyPath: z.string().optional(),
  tlsServerName: address.optional(),
  bastion: Ssh.optional(),
});

const Localhost = z.strictObject({ enabled: z.literal(true) });

const UploadFile = z.strictObject({
  name: z.string().optional(),
  src: z.string().optional(),
  data: z.string().optional(),
  dstDir: z.string().optional(),
  dst: z.string().optional(),
  perm: z.union([z.string(), z.int()]).optional(),
  dirPerm: z.union([z.string(), z.int()]).optional(),
  user: z.string().optional(),
  group: z.string().optional(),
});

export const ROLES = ['controller', 'worker', 'controller+worker', 'single'] as const;

const Host = z
  .strictObject({
    // rig.Connection, inlined
    ssh: Ssh.optional(),
    winRM: WinRm.optional(),
    localhost: Localhost.optional(),
    openSSH: OpenSsh.optional(),
    role: z.enum(ROLES),
    reset: z.boolean().optional(),
    privateInterface: z.string().optional(),
    privateAddress: z.string().refine(isIp, 'expected an IP address').optional(),
    dataDir: z.string().optional(),
    kubeletRootDir: z.string().optional(),
    environment: z.record(z.string(), z.string()).optional(),
    uploadBinary: z.boolean().optional(),
    useExistingK0s: z.boolean().optional(),
    k0sBinaryPath: z.string().optional(),
    k0sInstallPath: z.string().optional(),
    k0sDownloadURL: z.string().optional(),
    installFlags: z.array(z.string()).optional(),
    files: z.array(UploadFile).optional(),
    os: z.string().optional(),
    hostname: z.string().optional(),
    noTaints: z.boolean().optional(),
    hooks: z.record(z.string(), z.record(z.string(), z.array(z.string()))).optional(),
  })
  .superRefine((host, ctx) => {
    if (host.noTaints && host.role !== 'controller+worker')
      ctx.addIssue({
        code: 'custom',
        path: ['noTaints'],
        message: 'noTaints can only be true for controller+worker role',
      });
    if (host.useExistingK0s && (host.uploadBinary || host.k0sBinaryPath || host.k0sDownloadURL))
      ctx.addIssue({
        code: 'custom',
        path: ['useExistingK0s'],
        message: 'uploadBinary, k0sBinaryPath and k0sDownloadURL cannot be set with useExistingK0s',
      });
  });

/** github.com/k0sproject/version: `v1.33.2+k0s.0`, with or without the v. */
const K0S_VERSION = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+k0s\.\d+)?$/;
function k0sVersionAtLeast(version: string, minimum: readonly [number, number, number]): boolean {
  const m = K0S_VERSION.exec(version);
  if (!m) return false;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (const [i, part] of parts.entries()) {
    const floor = minimum[i] ?? 0;
    if (part !== floor) return part > floor;
  }
  return true;
}

// ---- k0s's ClusterConfig, the parts install_k0s writes (k0s v1.33.2+k0s.0) --------------------

const Calico = z.strictObject({
  wireguard: z.boolean().optional(),
  envVars: z.record(z.string(), z.string()).optional(),
  flexVolumeDriverPath: z.string().optional(),
  ipAutodetectionMethod: z.string().optional(),
  ipV6AutodetectionMethod: z.string().optional(),
  mtu: z.int().optional(),
  mode: z.enum(['bird', 'vxlan', 'ipip']).optional(),
  overlay: z.enum(['Always', 'Never', 'CrossSubnet']).optional(),
  vxlanPort: z.int().optional(),
  vxlanVNI: z.int().optional(),
});

const NodeLocalLoadBalancing = z.strictObject({
  enabled: z.boolean().optional(),
  type: z.literal('EnvoyProxy').optional(),
  envoyProxy: z.record(z.string(), z.unknown()).optional(),
});

const section = z.record(z.string(), z.unknown());
const cidr = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'expected a CIDR');

const Network = z.strictObject({
  calico: Calico.optional(),
  dualStack: section.optional(),
  kubeProxy: section.optional(),
  kuberouter: section.optional(),
  nodeLocalLoadBalancing: NodeLocalLoadBalancing.optional(),
  controlPlaneLoadBalancing: section.optional(),
  podCIDR: cidr.optional(),
  provider: z.enum(['kuberouter', 'calico', 'custom']).optional(),
  serviceCIDR: cidr.optional(),
  clusterDomain: z.string().optional(),
});

const ClusterSpec = z.strictObject({
  api: section.optional(),
  controllerManager: section.optional(),
  scheduler: section.optional(),
  storage: section.optional(),
  network: Network.optional(),
  workerProfiles: z.array(section).optional(),
  telemetry: section.optional(),
  installConfig: section.optional(),
  images: section.optional(),
  extensions: section.optional(),
  konnectivity: section.optional(),
  featureGates: z.array(section).optional(),
});

const K0sClusterConfig = z.strictObject({
  apiVersion: z.literal('k0s.k0sproject.io/v1beta1').optional(),
  kind: z.enum(['ClusterConfig', 'Cluster']).optional(),
  metadata: section.optional(),
  spec: ClusterSpec.optional(),
});

const K0s = z
  .strictObject({
    version: z.string().regex(K0S_VERSION, 'expected a k0s version such as v1.33.2+k0s.0').optional(),
    versionChannel: z.enum(['stable', 'latest']).optional(),
    dynamicConfig: z.boolean().optional(),
    config: K0sClusterConfig.optional(),
  })
  .superRefine((k0s, ctx) => {
    if (k0s.version && !k0sVersionAtLeast(k0s.version, [0, 11, 0]))
      ctx.addIssue({
        code: 'custom',
        path: ['version'],
        message: 'minimum supported k0s version is 0.11.0-rc1',
      });
    if (k0s.dynamicConfig && k0s.version && !k0sVersionAtLeast(k0s.version, [1, 22, 2]))
      ctx.addIssue({
        code: 'custom',
        path: ['dynamicConfig'],
        message: 'dynamic config only available since k0s version 1.22.2+k0s.2',
      });
  });

const duration = z
  .string()
  .regex(/^(0|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/, 'expected a Go duration such as 120s');

const Options = z.strictObject({
  wait: z.strictObject({ enabled: z.boolean().optional() }).optional(),
  drain: z
    .strictObject({
      enabled: z.boolean().optional(),
      gracePeriod: duration.optional(),
      timeout: duration.optional(),
      force: z.boolean().optional(),
      ignoreDaemonSets: z.boolean().optional(),
      deleteEmptyDirData: z.boolean().optional(),
      podSelector: z.string().optional(),
      skipWaitForDeleteTimeout: duration.optional(),
    })
    .optional(),
  concurrency: z
    .strictObject({
      limit: z.int().optional(),
      workerDisruptionPercent: z.int().optional(),
      uploads: z.int().optional(),
    })
    .optional(),
  evictTaint: z
    .strictObject({
      enabled: z.boolean().optional(),
      taint: z.string().optional(),
      effect: z.string().optional(),
      controllerWorkers: z.boolean().optional(),
    })
    .optional(),
});

/** What k0sctl calls a host in messages and keeps unique: its connection address. */
function hostAddress(host: z.infer<typeof Host>): string | undefined {
  return (
    host.ssh?.address ??
    host.openSSH?.address ??
    host.winRM?.address ??
    (host.localhost ? 'localhost' : undefined)
  );
}

const Spec = z
  .strictObject({
    hosts: z.array(Host).min(1, 'at least one host required'),
    k0s: K0s.optional(),
    options: Options.optional(),
  })
  .superRefine((spec, ctx) => {
    if (
      !spec.hosts.some(
        (h) => h.role === 'controller' || h.role === 'controller+worker' || h.role === 'single',
      )
    )
      ctx.addIssue({ code: 'custom', path: ['hosts'], message: 'no hosts with a controller role defined' });
    if (spec.hosts.length > 1 && spec.hosts.some((h) => h.role === 'single'))
      ctx.addIssue({
        code: 'custom',
        path: ['hosts'],
        message: "more than one host, one of them with role 'single'",
      });
    const seen = new Set<string>();
    spec.hosts.forEach((host, i) => {
      const where = hostAddress(host);
      if (where === undefined) return;
      if (seen.has(where))
        ctx.addIssue({ code: 'custom', path: ['hosts', i], message: `${where}: is not unique` });
      seen.add(where);
    });
  });

export const K0sctlClusterSchema = z.strictObject({
  apiVersion: z.literal(K0SCTL_API_VERSION),
  kind: z.enum(['Cluster', 'cluster']),
  metadata: z.strictObject({ name: z.string().min(1), user: z.string().optional() }).optional(),
  spec: Spec,
});

export type K0sctlCluster = z.infer<typeof K0sctlClusterSchema>;

/** Every problem as `path: message`, empty when k0sctl would accept the document. */
export function k0sctlProblems(document: unknown): string[] {
  const result = K0sctlClusterSchema.safeParse(document);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`);
}
