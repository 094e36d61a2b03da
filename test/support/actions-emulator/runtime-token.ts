/**
 * Runtime tokens (ACTIONS_RUNTIME_TOKEN) and the results-service "backend ids" they carry.
 *
 * The @actions/artifact client never checks the JWT signature; it decodes the payload and takes the
 * `Actions.Results:<workflowRunBackendId>:<workflowJobRunBackendId>` entry of the space-separated
 * `scp` claim, then sends both ids in every Twirp request body. GitHub uses opaque UUIDs; the
 * emulator encodes run, attempt and job into the ids instead, so a token minted anywhere (another
 * process, no emulator instance) maps back to its job without shared state. Ids must not contain
 * `:` or spaces (the client splits on both), hence the hex-encoded job name.
 */
import type { JobRef } from './types.js';

export interface BackendIds {
  readonly workflowRunBackendId: string;
  readonly workflowJobRunBackendId: string;
}

const TOKEN_LIFETIME_S = 6 * 60 * 60; // a job's token lives as long as the longest hosted job

export function backendIdsFor(ref: JobRef): BackendIds {
  const run = `run-${ref.runId}-attempt-${ref.attempt}`;
  return {
    workflowRunBackendId: run,
    workflowJobRunBackendId: `${run}-job-${Buffer.from(ref.job, 'utf8').toString('hex')}`,
  };
}

const RUN_ID = /^run-([1-9][0-9]{0,15})-attempt-([1-9][0-9]{0,5})$/;
const JOB_ID = /^(run-[0-9]+-attempt-[0-9]+)-job-((?:[0-9a-f]{2})+)$/;

/** The run and attempt a workflow run backend id stands for, or undefined if it is not one of ours. */
export function parseRunBackendId(id: string): { runId: number; attempt: number } | undefined {
  const m = RUN_ID.exec(id);
  if (!m?.[1] || !m[2]) return undefined;
  return { runId: Number(m[1]), attempt: Number(m[2]) };
}

/** The job a pair of backend ids stands for; undefined unless both are ours and agree. */
export function parseBackendIds(ids: BackendIds): JobRef | undefined {
  const run = parseRunBackendId(ids.workflowRunBackendId);
  const m = JOB_ID.exec(ids.workflowJobRunBackendId);
  if (!run || !m?.[2] || m[1] !== ids.workflowRunBackendId) return undefined;
  return { ...run, job: Buffer.from(m[2], 'hex').toString('utf8') };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/**
 * A JWT shaped like the runner's: the client only needs `scp`; `exp` lets the emulator refuse stale
 * tokens the way GitHub does. The signature is a fixed placeholder: nobody verifies it.
 */
export function mintRuntimeToken(ref: JobRef, now: Date = new Date()): string {
  if (!Number.isSafeInteger(ref.runId) || ref.runId < 1) throw new Error(`bad runId ${ref.runId}`);
  if (!Number.isSafeInteger(ref.attempt) || ref.attempt < 1) throw new Error(`bad attempt ${ref.attempt}`);
  if (ref.job === '') throw new Error('job must not be empty');
  const { workflowRunBackendId: run, workflowJobRunBackendId: job } = backendIdsFor(ref);
  const iat = Math.floor(now.getTime() / 1000);
  const payload = {
    iss: 'actions-emulator',
    aud: 'actions-emulator',
    iat,
    nbf: iat,
    exp: iat + TOKEN_LIFETIME_S,
    scp: `Actions.GenericRead:${run} Actions.UploadArtifacts:${run}:${job} Actions.Results:${run}:${job}`,
  };
  return `${base64url({ typ: 'JWT', alg: 'HS256' })}.${base64url(payload)}.ZW11bGF0b3Itc2lnbmF0dXJl`;
}

export type TokenCheck =
  { readonly ok: true; readonly job: JobRef } | { readonly ok: false; readonly reason: string };

/** Decodes the payload of a JWT; undefined if `token` is not three base64url parts with a JSON object. */
function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a runtime token (without its `Bearer ` prefix) and names the job it belongs to. */
export function checkRuntimeToken(token: string, now: Date = new Date()): TokenCheck {
  const payload = jwtPayload(token);
  if (!payload) return { ok: false, reason: 'token is not a JWT' };
  const { scp, exp } = payload;
  if (typeof exp === 'number' && exp * 1000 < now.getTime()) return { ok: false, reason: 'token expired' };
  if (typeof scp !== 'string') return { ok: false, reason: 'token has no scp claim' };
  for (const scope of scp.split(' ')) {
    const parts = scope.split(':');
    if (parts[0] !== 'Actions.Results') continue;
    const [, run, job] = parts;
    const ref =
      parts.length === 3 && run && job
        ? parseBackendIds({ workflowRunBackendId: run, workflowJobRunBackendId: job })
        : undefined;
    return ref ? { ok: true, job: ref } : { ok: false, reason: 'malformed Actions.Results scope' };
  }
  return { ok: false, reason: 'token has no Actions.Results scope' };
}

/** True for anything that looks like a runtime token: those are not GitHub API credentials. */
export function isRuntimeToken(token: string): boolean {
  const scp = jwtPayload(token)?.['scp'];
  return typeof scp === 'string' && scp.split(' ').some((s) => s.startsWith('Actions.Results:'));
}
