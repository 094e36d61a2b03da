/**
 * The state document (`deployment-state.yaml`), schema version 2. Every read is validated against
 * these schemas, so a hand-edited or truncated file is reported field by field instead of being
 * half-understood and overwritten.
 */
import * as z from 'zod/mini';
import { HLC_PATTERN } from './hlc.js';
import { DEPLOYMENT_ID_PATTERN, DEPLOYMENT_ID_RULE, isContainedPath } from './names.js';

// zod/mini keeps start-up short (the CLI runs once per phase in CI); it needs its messages loaded.
// One-shot validation in a short-lived process: compiling fast paths would cost more than it saves.
z.config({ ...z.locales.en(), jitless: true });

export const SCHEMA_VERSION = 2;

export const PHASE_STATUSES = ['pending', 'in_progress', 'completed', 'skipped', 'failed'] as const;
export const ERROR_CLASSES = ['transient', 'quota', 'config', 'unknown'] as const;
export const EVENT_TYPES = [
  'deployment_created',
  'phase_started',
  'phase_completed',
  'phase_failed',
  'phase_skipped',
  'phase_reset',
  'validation_failed',
  'inputs_changed',
  'artifact_recorded',
  'artifact_removed',
  'fact_recorded',
  'rollback_started',
  'rollback_step',
  'rollback_finished',
  'migrated',
  'archived',
  'note',
] as const;

const isoTime = z.iso.datetime({ offset: true });
const stamp = z.string().check(z.regex(HLC_PATTERN, 'expected a clock stamp like 2026-01-01T00:00:00.000Z#000000@node'));
const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest (64 characters)'));
export const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const name = z.string().check(z.regex(NAME_PATTERN, 'expected a snake_case name (a-z, 0-9, _; starting with a letter)'));
const nonEmpty = z.string().check(z.minLength(1));
const deploymentId = z.string().check(z.regex(DEPLOYMENT_ID_PATTERN, `expected a deployment id: ${DEPLOYMENT_ID_RULE}`));
/**
 * Artifact paths are relative and stay inside the working directory: a state document is also
 * read from remote stores, and restoring a file must never write outside the workspace.
 */
const artifactPath = z.string().check(
  z.refine((path) => isContainedPath(path), {
    message: 'expected a relative path inside the working directory (no leading /, no .. segments, no control characters)',
  }),
);
const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const RunRefSchema = z.strictObject({
  run_id: nonEmpty,
  attempt: z.int().check(z.positive()),
  job: nonEmpty,
  actor: nonEmpty,
  workflow: z.optional(z.string()),
});

export const PhaseErrorSchema = z.strictObject({
  message: z.string(),
  class: z.enum(ERROR_CLASSES),
  exit_code: z.optional(z.int()),
});

export const EvidenceSchema = z.strictObject({
  checked_at: isoTime,
  summary: z.string(),
});

export const PhaseRecordSchema = z.strictObject({
  status: z.enum(PHASE_STATUSES),
  hlc: stamp,
  updated_at: isoTime,
  started_at: z.optional(isoTime),
  completed_at: z.optional(isoTime),
  attempts: z.int().check(z.nonnegative()),
  reason: z.optional(z.string()),
  error: z.optional(PhaseErrorSchema),
  inputs_hash: z.optional(sha256),
  /** A fingerprint per top-level input, so that a change can name the input that changed. */
  input_hashes: z.optional(z.record(z.string(), sha256)),
  last_run: z.optional(RunRefSchema),
  evidence: z.optional(EvidenceSchema),
});

export const ArtifactRecordSchema = z.strictObject({
  hlc: stamp,
  updated_at: isoTime,
  path: artifactPath,
  sha256,
  size: z.int().check(z.nonnegative()),
  phase: z.optional(name),
  sensitive: z.boolean(),
  metadata: z.optional(z.record(z.string(), scalar)),
  /** Set when the artifact was removed (a rollback); kept as a tombstone so merges do not resurrect it. */
  removed: z.optional(z.literal(true)),
});

export const FactSchema = z.strictObject({
  hlc: stamp,
  updated_at: isoTime,
  value: z.json(),
});

export const EventSchema = z.strictObject({
  /** The clock stamp of the change; unique per writer, so merges deduplicate by it. */
  id: stamp,
  at: isoTime,
  type: z.enum(EVENT_TYPES),
  phase: z.optional(name),
  message: z.string(),
  run: z.optional(RunRefSchema),
  data: z.optional(z.record(z.string(), z.json())),
});

export const SourceSchema = z.strictObject({
  kind: z.enum(['pipeline', 'k0rdent']),
  file: z.optional(z.string()),
});

export const ConfigRecordSchema = z.strictObject({
  hlc: stamp,
  updated_at: isoTime,
  fingerprint: sha256,
  flags: z.record(z.string(), z.boolean()),
  snapshot: z.json(),
});

export const StateDocumentSchema = z.strictObject({
  schema_version: z.literal(SCHEMA_VERSION),
  deployment_id: deploymentId,
  created_at: isoTime,
  source: z.optional(SourceSchema),
  config: z.optional(ConfigRecordSchema),
  phases: z.record(name, PhaseRecordSchema),
  artifacts: z.record(name, ArtifactRecordSchema),
  facts: z.record(name, FactSchema),
  events: z.array(EventSchema),
});

export type PhaseStatus = (typeof PHASE_STATUSES)[number];
export type ErrorClass = (typeof ERROR_CLASSES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type RunRef = z.infer<typeof RunRefSchema>;
export type PhaseError = z.infer<typeof PhaseErrorSchema>;
export type Evidence = z.infer<typeof EvidenceSchema>;
export type PhaseRecord = z.infer<typeof PhaseRecordSchema>;
export type ArtifactRecord = z.infer<typeof ArtifactRecordSchema>;
export type Fact = z.infer<typeof FactSchema>;
export type StateEvent = z.infer<typeof EventSchema>;
export type ConfigRecord = z.infer<typeof ConfigRecordSchema>;
export type StateDocument = z.infer<typeof StateDocumentSchema>;
export type JsonValue = z.infer<ReturnType<typeof z.json>>;
