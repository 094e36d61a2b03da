/**
 * Migration of the bash project's state files (UPSTREAM.md) to schema 2. Three historical shapes:
 *
 *  - `phase-string`: written before the phase map existed; a top-level `phase` and boolean flags;
 *  - `phase-map`: a `phases.<p>.status` map, sometimes missing entries;
 *  - `boolean-phase-map`: `phases.<p>: true|false`, as the project's own docs show.
 *
 * Statuses come, in order of trust, from the phase map, then from the upstream flags
 * (`k0s_cluster_deployed: true` means install_k0s completed), then from the position of the
 * top-level `phase`; anything else is pending. Every inference is written into the `migrated` event.
 * WireGuard private keys, which upstream kept in plaintext inside the state, are taken out of the
 * document and handed back as secrets for the store to write as protected files.
 */
import * as z from 'zod/mini';
import { K0RDENT_CATALOGUE, K0RDENT_PHASE_NAMES } from '../graph/k0rdent-catalogue.js';
import { canonicalJson, fingerprint, sha256Hex } from './canonical.js';
import { formatHlc } from './hlc.js';
import { isContainedPath } from './names.js';
import {
  NAME_PATTERN,
  SCHEMA_VERSION,
  type ArtifactRecord,
  type Fact,
  type JsonValue,
  type PhaseRecord,
  type PhaseStatus,
  type RunRef,
  type StateDocument,
  type StateEvent,
} from './schema.js';

export type LegacyFormat = 'phase-string' | 'phase-map' | 'boolean-phase-map';

const legacyTime = z.optional(z.union([z.string(), z.date()]));
const legacyFlag = z.optional(z.union([z.boolean(), z.literal('true'), z.literal('false')]));

const text = z.optional(z.string());

export const LegacyStateSchema = z.looseObject({
  deployment_id: z.string().check(z.minLength(1)),
  deployer: text,
  created_at: legacyTime,
  last_updated: legacyTime,
  phase: text,
  status: text,
  deployment_flags: z.optional(z.looseObject({ azure_children: legacyFlag, kof: legacyFlag })),
  source_config_file: text,
  config: z.optional(z.record(z.string(), z.unknown())),
  azure_rg_status: text,
  azure_network_status: text,
  azure_ssh_key_status: text,
  vm_states: z.optional(z.record(z.string(), z.nullable(z.looseObject({ state: text })))),
  wg_keys_generated: legacyFlag,
  wg_laptop_config_created: legacyFlag,
  wg_vpn_connected: legacyFlag,
  k0s_config_generated: legacyFlag,
  k0s_cluster_deployed: legacyFlag,
  k0rdent_installed: legacyFlag,
  phases: z.optional(
    z.record(
      z.string(),
      z.union([z.boolean(), z.looseObject({ status: text, updated_at: legacyTime, skipped_reason: text })]),
    ),
  ),
  artifacts: z.optional(
    z.record(z.string(), z.looseObject({ path: z.string(), updated_at: legacyTime, metadata: z.optional(z.unknown()) })),
  ),
  wireguard_peers: z.optional(
    z.record(
      z.string(),
      z.looseObject({ ip: text, role: text, private_key: text, public_key: text, keys_generated_at: legacyTime }),
    ),
  ),
});
export type LegacyState = z.infer<typeof LegacyStateSchema>;

export const LegacyEventsSchema = z.looseObject({
  events: z.optional(
    z.nullable(z.array(z.looseObject({ timestamp: legacyTime, action: text, message: text, phase: text }))),
  ),
});
export type LegacyEvents = z.infer<typeof LegacyEventsSchema>;

/** A secret the legacy file held in plaintext; the store writes it to `path` with mode 600. */
export interface ExtractedSecret {
  readonly artifact: string;
  readonly path: string;
  readonly value: string;
  readonly phase: string;
}

export interface MigrationResult {
  readonly doc: StateDocument;
  readonly format: LegacyFormat;
  readonly notes: readonly string[];
  readonly secrets: readonly ExtractedSecret[];
}

export interface MigrationInput {
  readonly legacy: LegacyState;
  readonly events?: LegacyEvents;
  /** Checksums of the files the legacy artifact registry names, read by the caller; absent when missing. */
  readonly files: ReadonlyMap<string, { sha256: string; size: number }>;
  /** Fallback time when the legacy file carries none. */
  readonly now: string;
  /** Folder (as artifact paths are written) that receives the private keys taken out of the file. */
  readonly secretsDir: string;
}

/** A legacy document is one without `schema_version` that names a deployment (in either shape). */
export function isLegacyState(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !('schema_version' in value) &&
    ('deployment_id' in value || isRecord((value as Record<string, unknown>).deployment))
  );
}

/**
 * The shape the bash project's docs show (docs/STATE_TRACKING_DETAILS.md), written by its
 * `init_state`: `deployment: {id, started_at}` and `wireguard.peers.<host>.{public_key,
 * wireguard_ip}`, read as the flat keys the scripts use (`deployment_id`, `created_at`,
 * `wireguard_peers.<host>.{public_key, ip}`). Flat keys win where a file has both.
 */
export function normalizeLegacyShape(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  const deployment = value.deployment;
  if (isRecord(deployment)) {
    delete out.deployment;
    if (out.deployment_id === undefined && deployment.id !== undefined) out.deployment_id = deployment.id;
    if (out.created_at === undefined && deployment.started_at !== undefined)
      out.created_at = deployment.started_at;
  }
  const wireguard = value.wireguard;
  if (isRecord(wireguard) && isRecord(wireguard.peers) && out.wireguard_peers === undefined) {
    delete out.wireguard;
    out.wireguard_peers = Object.fromEntries(
      Object.entries(wireguard.peers).map(([host, peer]) => {
        if (!isRecord(peer)) return [host, peer];
        const { wireguard_ip: ip, ...rest } = peer;
        return [host, { ...rest, ...(rest.ip === undefined && ip !== undefined ? { ip } : {}) }];
      }),
    );
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function legacyArtifactPaths(legacy: LegacyState): string[] {
  return Object.values(legacy.artifacts ?? {}).map((a) => a.path);
}

export function detectLegacyFormat(legacy: LegacyState): LegacyFormat {
  if (!legacy.phases) return 'phase-string';
  return Object.values(legacy.phases).some((v) => typeof v === 'boolean') ? 'boolean-phase-map' : 'phase-map';
}

const MIGRATION_NODE = 'migrated';
/** Top-level `phase` values upstream wrote once every phase had finished. */
const FINISHED_MARKERS: readonly string[] = ['completed', 'deployed', 'done'];

export function migrateLegacyState({ legacy, events, files, now, secretsDir }: MigrationInput): MigrationResult {
  const format = detectLegacyFormat(legacy);
  const notes: string[] = [];
  const updatedAt = isoOr(legacy.last_updated, isoOr(legacy.created_at, now));
  const createdAt = isoOr(legacy.created_at, updatedAt);
  const wall = Date.parse(updatedAt);
  let counter = 0;
  const stamp = () => formatHlc({ wall, counter: counter++, node: MIGRATION_NODE });
  const run: RunRef = { run_id: 'migration', attempt: 1, job: 'migrate', actor: legacy.deployer ?? 'unknown' };

  const flags = {
    azure_children: truthy(legacy.deployment_flags?.azure_children),
    kof: truthy(legacy.deployment_flags?.kof),
  };

  const migratedEvents = migrateEvents(events, run, wall, notes);

  const phases: Record<string, PhaseRecord> = {};
  const topIndex = legacy.phase === undefined ? -1 : K0RDENT_PHASE_NAMES.indexOf(legacy.phase);
  if (legacy.phase !== undefined && topIndex < 0 && !FINISHED_MARKERS.includes(legacy.phase)) {
    notes.push(`top-level phase "${legacy.phase}" is not a known phase; ignored`);
  }
  for (const [index, entry] of K0RDENT_CATALOGUE.entries()) {
    const inferred = inferStatus(legacy, entry.name, index, topIndex, flags);
    const hlc = stamp();
    const record: PhaseRecord = {
      status: inferred.status,
      hlc,
      updated_at: inferred.updatedAt ?? updatedAt,
      attempts: inferred.status === 'pending' ? 0 : 1,
      reason: `migrated: ${inferred.because}`,
    };
    if (inferred.status === 'completed') record.completed_at = record.updated_at;
    phases[entry.name] = record;
    notes.push(`${entry.name}: ${inferred.status} (${inferred.because})`);
  }

  const artifacts: Record<string, ArtifactRecord> = {};
  for (const [name, artifact] of Object.entries(legacy.artifacts ?? {})) {
    if (!isContainedPath(artifact.path)) {
      notes.push(`artifact ${name}: path ${artifact.path} is outside the working directory; not migrated`);
      continue;
    }
    const digest = files.get(artifact.path);
    if (!digest) {
      notes.push(`artifact ${name}: file ${artifact.path} not found; not migrated`);
      continue;
    }
    artifacts[safeName(name)] = {
      hlc: stamp(),
      updated_at: isoOr(artifact.updated_at, updatedAt),
      path: artifact.path,
      sha256: digest.sha256,
      size: digest.size,
      sensitive: /key|kubeconfig|secret|token/i.test(name),
      ...(isScalarRecord(artifact.metadata) ? { metadata: artifact.metadata } : {}),
    };
  }

  const secrets: ExtractedSecret[] = [];
  const facts: Record<string, Fact> = {};
  const peers: Record<string, JsonValue> = {};
  for (const [host, peer] of Object.entries(legacy.wireguard_peers ?? {})) {
    const { private_key: privateKey, keys_generated_at: generatedAt, ...publicPart } = peer;
    peers[host] = toJson({ ...publicPart, ...(generatedAt ? { keys_generated_at: isoOr(generatedAt, updatedAt) } : {}) });
    if (privateKey) {
      const artifact = `wireguard_private_key_${safeName(host)}`;
      const path = `${secretsDir}/wireguard/${safeName(host)}.key`;
      secrets.push({ artifact, path, value: privateKey, phase: 'prepare_deployment' });
      artifacts[artifact] = {
        hlc: stamp(),
        updated_at: updatedAt,
        path,
        sha256: sha256Hex(privateKey),
        size: Buffer.byteLength(privateKey),
        phase: 'prepare_deployment',
        sensitive: true,
        metadata: { host, source: 'migrated from plaintext state' },
      };
    }
  }
  if (secrets.length > 0) {
    notes.push(`moved ${secrets.length} WireGuard private key(s) out of the state document into protected files`);
  }
  if (Object.keys(peers).length > 0) facts.wireguard_peers = { hlc: stamp(), updated_at: updatedAt, value: peers };
  // The VMs listen on this port (it is in their cloud-init): a new random one would cut them off.
  const port = wireguardPort(legacy.config?.wireguard_port);
  if (port !== undefined) {
    facts.wireguard_port = { hlc: stamp(), updated_at: updatedAt, value: port };
    notes.push(`WireGuard port ${port} carried over from config.wireguard_port`);
  } else if (legacy.config?.wireguard_port !== undefined) {
    notes.push(`config.wireguard_port ${JSON.stringify(legacy.config.wireguard_port)} is not a port; not carried over`);
  }
  if (legacy.vm_states) facts.vm_states = { hlc: stamp(), updated_at: updatedAt, value: toJson(legacy.vm_states) };

  const snapshot = toJson({ ...(legacy.config ?? {}), ...(legacy.source_config_file ? { source_config_file: legacy.source_config_file } : {}) });
  const configHlc = stamp();
  const migratedHlc = stamp();
  const doc: StateDocument = {
    schema_version: SCHEMA_VERSION,
    deployment_id: legacy.deployment_id,
    created_at: createdAt,
    source: { kind: 'k0rdent', ...(legacy.source_config_file ? { file: legacy.source_config_file } : {}) },
    config: { hlc: configHlc, updated_at: updatedAt, fingerprint: fingerprint(snapshot), flags, snapshot },
    phases,
    artifacts,
    facts,
    events: [
      ...migratedEvents,
      {
        id: migratedHlc,
        at: updatedAt,
        type: 'migrated',
        message: `migrated from the upstream ${format} state format`,
        run,
        data: { format, notes: [...notes] },
      } satisfies StateEvent,
    ],
  };
  return { doc, format, notes, secrets };
}

interface Inference {
  readonly status: PhaseStatus;
  readonly because: string;
  readonly updatedAt?: string;
}

function inferStatus(
  legacy: LegacyState,
  phase: string,
  index: number,
  topIndex: number,
  flags: { azure_children: boolean; kof: boolean },
): Inference {
  const flag = K0RDENT_CATALOGUE[index]?.flag;
  if (flag && !flags[flag]) return { status: 'skipped', because: `deployment flag ${flag} is off` };

  const mapped = legacy.phases?.[phase];
  if (typeof mapped === 'boolean') {
    return { status: mapped ? 'completed' : 'pending', because: `phases.${phase}: ${mapped}` };
  }
  if (mapped?.status !== undefined) {
    const status = legacyStatus(mapped.status);
    if (status) {
      const at = mapped.updated_at === undefined ? undefined : isoOr(mapped.updated_at, '');
      const why = mapped.skipped_reason ? ` (${mapped.skipped_reason})` : '';
      return { status, because: `phases.${phase}.status: ${mapped.status}${why}`, ...(at ? { updatedAt: at } : {}) };
    }
  }

  const fromFlags = inferFromFlags(legacy, phase);
  if (fromFlags) return fromFlags;

  if (topIndex >= 0) {
    if (index < topIndex) return { status: 'completed', because: `before top-level phase ${legacy.phase ?? ''}` };
    if (index === topIndex) {
      const status = legacyStatus(legacy.status ?? '') ?? 'in_progress';
      return { status, because: `top-level phase ${phase} with status ${legacy.status ?? 'unknown'}` };
    }
  } else if (legacy.phase !== undefined && FINISHED_MARKERS.includes(legacy.phase)) {
    if (!flag) return { status: 'completed', because: `top-level phase ${legacy.phase}` };
  }
  return { status: 'pending', because: 'no record of it' };
}

function inferFromFlags(legacy: LegacyState, phase: string): Inference | undefined {
  const yes = (value: unknown, key: string): Inference | undefined =>
    truthy(value) ? { status: 'completed', because: `${key}: true` } : undefined;
  switch (phase) {
    case 'prepare_deployment':
      return yes(legacy.wg_keys_generated, 'wg_keys_generated');
    case 'setup_network': {
      const all = [legacy.azure_rg_status, legacy.azure_network_status, legacy.azure_ssh_key_status];
      return all.every((s) => s === 'created')
        ? { status: 'completed', because: 'azure_rg_status, azure_network_status, azure_ssh_key_status: created' }
        : undefined;
    }
    case 'create_vms': {
      const vms = Object.values(legacy.vm_states ?? {});
      return vms.length > 0 && vms.every((vm) => vm?.state?.toLowerCase() === 'succeeded')
        ? { status: 'completed', because: `vm_states: ${vms.length} VM(s) Succeeded` }
        : undefined;
    }
    case 'setup_vpn':
      return yes(legacy.wg_laptop_config_created, 'wg_laptop_config_created');
    case 'connect_vpn':
      return yes(legacy.wg_vpn_connected, 'wg_vpn_connected');
    case 'install_k0s':
      return yes(legacy.k0s_cluster_deployed, 'k0s_cluster_deployed');
    case 'install_k0rdent':
      return yes(legacy.k0rdent_installed, 'k0rdent_installed');
    default:
      return undefined;
  }
}

function legacyStatus(status: string): PhaseStatus | undefined {
  const normalised = status.trim().toLowerCase().replace(/[-\s]/g, '_');
  switch (normalised) {
    case 'pending':
    case 'not_started':
      return 'pending';
    case 'in_progress':
    case 'running':
      return 'in_progress';
    case 'completed':
    case 'complete':
    case 'done':
    case 'deployed':
      return 'completed';
    case 'skipped':
      return 'skipped';
    case 'failed':
    case 'error':
      return 'failed';
    default:
      return undefined;
  }
}

function migrateEvents(events: LegacyEvents | undefined, run: RunRef, wall: number, notes: string[]): StateEvent[] {
  const list = events?.events ?? [];
  const out: StateEvent[] = [];
  list.forEach((event, index) => {
    const at = isoOr(event.timestamp, new Date(wall).toISOString());
    const phase = event.phase !== undefined && NAME_PATTERN.test(event.phase) ? event.phase : undefined;
    out.push({
      // Stamps older than the migration itself, in their original order, on a node of their own.
      id: formatHlc({ wall: Math.min(Date.parse(at), wall), counter: index % 1_000_000, node: 'upstream-events' }),
      at,
      type: 'note',
      ...(phase ? { phase } : {}),
      message: `${event.action ?? 'event'}: ${event.message ?? ''}`.trim(),
      run,
    });
  });
  if (out.length > 0) notes.push(`imported ${out.length} event(s) from the upstream events file`);
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function wireguardPort(value: unknown): number | undefined {
  const port = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535 ? port : undefined;
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true';
}

function isoOr(value: string | Date | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}

function safeName(name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(cleaned) ? cleaned : `x_${cleaned}`;
}

function isScalarRecord(value: unknown): value is Record<string, string | number | boolean> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => ['string', 'number', 'boolean'].includes(typeof v))
  );
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(canonicalJson(value)) as JsonValue;
}
