/** Checking a recorded artifact against what is on disk now. Pure: the caller observes the file. */
import type { ArtifactRecord } from './schema.js';

export type ArtifactCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly problem: 'missing' | 'changed' | 'removed'; readonly detail: string };

export function checkArtifact(
  record: ArtifactRecord,
  observed: { readonly sha256: string; readonly size: number } | undefined,
): ArtifactCheck {
  if (record.removed) return { ok: false, problem: 'removed', detail: 'it was removed by a rollback' };
  if (!observed) return { ok: false, problem: 'missing', detail: `${record.path} does not exist` };
  if (observed.sha256 !== record.sha256) {
    return {
      ok: false,
      problem: 'changed',
      detail: `${record.path} changed: sha256 ${observed.sha256.slice(0, 12)}… (${observed.size} bytes), recorded ${record.sha256.slice(0, 12)}… (${record.size} bytes)`,
    };
  }
  return { ok: true };
}
