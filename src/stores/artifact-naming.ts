// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');
/**
 * Names of the workflow artifacts that hold a deployment's state. Pure.
 *
 *   k0rdent-state.<deployment>.yaml                          the run's head: at most one per run,
 *                                                            found from any later run by the REST
 *                                                            name listing (exact name, newest first)
 *   k0rdent-state.<deployment>.a<attempt>.<job>.<lane>.<nonce>.yaml
 *                                                            a checkpoint snapshot; the random nonce
 *                                                            makes every name new, so never a 409
 *   k0rdent-state-archive.<deployment>.<label>.a<attempt>.<job>.<nonce>.yaml
 *                                                            a copy kept before a full reset
 *
 * A lane is one sequence of writers: the steps of one job on one runner (a matrix leg is its own
 * lane). Deployment ids and GitHub job ids contain no dots, so `.` separates the fields.
 */

export const STATE_PREFIX = 'k0rdent-state';
export const ARCHIVE_PREFIX = 'k0rdent-state-archive';
const EXTENSION = '.yaml';
const MAX_JOB_LENGTH = 40;

export function headName(deploymentId: string): string {
  return `${STATE_PREFIX}.${deploymentId}${EXTENSION}`;
}

export interface SnapshotKey {
  readonly attempt: number;
  readonly job: string;
  readonly lane: string;
}

export function snapshotName(deploymentId: string, key: SnapshotKey, nonce = newNonce()): string {
  return `${STATE_PREFIX}.${deploymentId}.a${key.attempt}.${safeJob(key.job)}.${key.lane}.${nonce}${EXTENSION}`;
}

export function archiveName(deploymentId: string, label: string, key: SnapshotKey): string {
  return `${ARCHIVE_PREFIX}.${deploymentId}.${safeJob(label)}.a${key.attempt}.${safeJob(key.job)}.${newNonce()}${EXTENSION}`;
}

export type ParsedName =
  { readonly kind: 'head' } | ({ readonly kind: 'snapshot' } & SnapshotKey) | undefined;

/** What an artifact name is for `deploymentId`; undefined for anything else (other deployments too). */
export function parseName(deploymentId: string, name: string): ParsedName {
  if (name === headName(deploymentId)) return { kind: 'head' };
  const prefix = `${STATE_PREFIX}.${deploymentId}.`;
  if (!name.startsWith(prefix) || !name.endsWith(EXTENSION)) return undefined;
  const fields = name.slice(prefix.length, -EXTENSION.length).split('.');
  if (fields.length !== 4) return undefined;
  const [attempt, job, lane] = fields as [string, string, string, string];
  const number = /^a([1-9][0-9]{0,5})$/.exec(attempt);
  if (!number?.[1] || job === '' || !/^[0-9a-f]{6,16}$/.test(lane)) return undefined;
  return { kind: 'snapshot', attempt: Number(number[1]), job, lane };
}

/** GitHub job ids are `[A-Za-z0-9_-]`; anything else (and dots) becomes `-`, and long ids are cut. */
export function safeJob(job: string): string {
  const cleaned = job.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, MAX_JOB_LENGTH);
  return cleaned === '' ? 'job' : cleaned;
}

export function newNonce(): string {
  return crypto().randomBytes(3).toString('hex');
}

/** A lane id: random, exported to the job's later steps so they continue the same lane. */
export function newLane(): string {
  return crypto().randomBytes(4).toString('hex');
}
