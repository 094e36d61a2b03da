/**
 * Which of a run's state artifacts a load must download. Pure.
 *
 * Every writer merges everything it loaded into what it writes, and every writer loads at its
 * start. Re-run attempts start after the previous attempt has finished, so a snapshot of attempt k
 * contains every snapshot of attempts before k; and a lane's newest snapshot contains its older
 * ones. So a load needs, per run, the newest snapshot of each lane of the newest attempt, plus the
 * run's head, whose writer is not in its name.
 */
import { parseName } from './artifact-naming.js';
import type { RestArtifact } from './artifact-rest.js';

export interface RunSelection {
  readonly head?: RestArtifact;
  /** Newest snapshot per lane of `attempt`, oldest first. */
  readonly snapshots: readonly RestArtifact[];
  /** The newest attempt that wrote a snapshot; undefined when the run has none. */
  readonly attempt?: number;
  /** Every live snapshot of the deployment in the run, with its parsed key. */
  readonly all: readonly (RestArtifact & {
    readonly attempt: number;
    readonly job: string;
    readonly lane: string;
  })[];
}

export function selectRun(deploymentId: string, artifacts: readonly RestArtifact[]): RunSelection {
  let head: RestArtifact | undefined;
  const all: (RestArtifact & { attempt: number; job: string; lane: string })[] = [];
  for (const artifact of artifacts) {
    if (artifact.expired || !artifact.sameRepository) continue;
    const parsed = parseName(deploymentId, artifact.name);
    if (parsed?.kind === 'head') {
      if (!head || artifact.id > head.id) head = artifact;
    } else if (parsed?.kind === 'snapshot') {
      all.push({ ...artifact, attempt: parsed.attempt, job: parsed.job, lane: parsed.lane });
    }
  }
  if (all.length === 0) return { ...(head ? { head } : {}), snapshots: [], all };
  const attempt = Math.max(...all.map((a) => a.attempt));
  const newest = new Map<string, RestArtifact>();
  for (const artifact of all) {
    if (artifact.attempt !== attempt) continue;
    const lane = `${artifact.job}.${artifact.lane}`;
    const current = newest.get(lane);
    if (!current || artifact.id > current.id) newest.set(lane, artifact);
  }
  const snapshots = [...newest.values()].sort((a, b) => a.id - b.id);
  return { ...(head ? { head } : {}), snapshots, attempt, all };
}
