/**
 * Every `--json` output of the CLI, in one place and one convention: snake_case keys, phases and
 * artifacts keyed by name in execution order, and `schema_version` (the version of the state and
 * output formats, SCHEMA_VERSION) first, so scripts can tell which shape they read.
 */
import type { VerifiedArtifact } from '../engine/artifacts.js';
import type { PhaseListing } from '../engine/deployment-source.js';
import type { PlanStep } from '../engine/plan.js';
import type { RunSummary } from '../engine/run.js';
import { liveArtifacts, statusOf } from '../state/document.js';
import { SCHEMA_VERSION, type StateDocument, type StateEvent } from '../state/schema.js';
import { phaseReason } from './phase-reason.js';

type Json = Record<string, unknown>;

function envelope(fields: Json): Json {
  return { schema_version: SCHEMA_VERSION, ...fields };
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function displayNames(listing: readonly PhaseListing[]): Map<string, string> {
  return new Map(listing.map((p) => [p.name, p.displayName]));
}

/** `status --json` of a deployment with state. */
export function statusJson(doc: StateDocument, listing: readonly PhaseListing[]): Json {
  const order = listing.map((p) => p.name);
  const names = [...order, ...Object.keys(doc.phases).filter((name) => !order.includes(name))];
  const display = displayNames(listing);
  return envelope({
    deployment_id: doc.deployment_id,
    exists: true,
    phases: Object.fromEntries(
      names.map((name) => {
        const record = doc.phases[name];
        const reason = phaseReason(doc, name);
        return [
          name,
          {
            display_name: display.get(name) ?? name,
            status: statusOf(doc, name),
            updated_at: record?.updated_at ?? null,
            ...(reason ? { reason } : {}),
            attempts: record?.attempts ?? 0,
          },
        ];
      }),
    ),
    artifacts: Object.fromEntries(
      liveArtifacts(doc).map(([name, a]) => [
        name,
        {
          path: a.path,
          sha256: a.sha256,
          size: a.size,
          phase: a.phase ?? null,
          sensitive: a.sensitive,
          updated_at: a.updated_at,
        },
      ]),
    ),
  });
}

/** `status --json` before the first run: every phase pending, no artifacts. */
export function newDeploymentStatusJson(deploymentId: string | null, listing: readonly PhaseListing[]): Json {
  return envelope({
    deployment_id: deploymentId,
    exists: false,
    phases: Object.fromEntries(
      listing.map((p) => [
        p.name,
        { display_name: p.displayName, status: 'pending', updated_at: null, attempts: 0 },
      ]),
    ),
    artifacts: {},
  });
}

/** `run --json`: what each phase did, in order, and how the run ended. */
export function runJson(summary: RunSummary, durationMs: number): Json {
  return envelope({
    deployment_id: summary.deploymentId,
    result: summary.failed ? 'failed' : 'succeeded',
    duration_ms: Math.round(durationMs),
    failed_phase: summary.failed?.phase ?? null,
    phases: Object.fromEntries(
      summary.outcomes.map((o) => [
        o.phase,
        {
          display_name: o.displayName,
          decision: o.decision,
          status: o.status,
          reason: o.reason,
          duration_ms: o.durationMs === undefined ? null : Math.round(o.durationMs),
          ...(o.error ? { error: { class: o.error.class, message: o.error.message } } : {}),
        },
      ]),
    ),
  });
}

/** `plan --json`: what a run would do now, and why. */
export function planJson(deploymentId: string | null, exists: boolean, steps: readonly PlanStep[]): Json {
  return envelope({
    deployment_id: deploymentId,
    exists,
    phases: Object.fromEntries(
      steps.map((s) => [
        s.phase,
        {
          display_name: s.displayName,
          status: s.status,
          action: s.action,
          reason: s.reason,
          validated: s.validated,
          resets: s.resets,
        },
      ]),
    ),
  });
}

/** `history --json`: the events as the state holds them (already snake_case), oldest first. */
export function historyJson(doc: StateDocument, events: readonly StateEvent[]): Json {
  return envelope({ deployment_id: doc.deployment_id, events });
}

/** `artifact verify --json`: each artifact's check. */
export function verifyJson(doc: StateDocument, results: readonly VerifiedArtifact[]): Json {
  return envelope({
    deployment_id: doc.deployment_id,
    ok: results.every((r) => r.check.ok),
    artifacts: Object.fromEntries(
      results.map((r) => [
        r.name,
        r.check.ok
          ? { path: r.path, ok: true }
          : { path: r.path, ok: false, problem: r.check.problem, detail: r.check.detail },
      ]),
    ),
  });
}

/** `config show --json`: the effective configuration and the deployment it belongs to. */
export function configJson(source: string, deploymentId: string | null, config: unknown): Json {
  return envelope({ source, deployment_id: deploymentId, config });
}
