import { archiveName, headName, parseName, safeJob, snapshotName } from '../../src/stores/artifact-naming.js';
import { selectRun } from '../../src/stores/artifact-selection.js';
import type { RestArtifact } from '../../src/stores/artifact-rest.js';

describe('artifact names', () => {
  test('a snapshot name parses back to its key and never repeats', () => {
    const key = { attempt: 3, job: 'cluster', lane: '0a1b2c3d' };
    const names = new Set(Array.from({ length: 200 }, () => snapshotName('demo-1', key)));
    expect(names.size).toBe(200);
    for (const name of names) expect(parseName('demo-1', name)).toEqual({ kind: 'snapshot', ...key });
    expect(parseName('demo-1', headName('demo-1'))).toEqual({ kind: 'head' });
  });

  test('names of other deployments, archives and strangers are not snapshots of this one', () => {
    const key = { attempt: 1, job: 'infra', lane: 'abcdef12' };
    expect(parseName('demo', snapshotName('demo-2', key))).toBeUndefined();
    expect(parseName('demo', headName('demo-2'))).toBeUndefined();
    expect(parseName('demo', archiveName('demo', 'before-reset', key))).toBeUndefined();
    expect(parseName('demo', 'k0rdent-state.demo.a0.infra.abcdef12.000000.yaml')).toBeUndefined();
    expect(parseName('demo', 'my-build-output')).toBeUndefined();
  });

  test('job ids are made safe for names', () => {
    expect(safeJob('deploy (eu, 2)')).toBe('deploy--eu--2-');
    expect(safeJob('a.b')).toBe('a-b');
    expect(safeJob('x'.repeat(80))).toHaveLength(40);
  });
});

describe('which snapshots a load downloads', () => {
  let id = 0;
  const artifact = (name: string, extra: Partial<RestArtifact> = {}): RestArtifact => ({
    id: ++id,
    name,
    runId: 7,
    createdAt: '',
    expired: false,
    sameRepository: true,
    ...extra,
  });
  const snap = (attempt: number, job: string, lane: string) =>
    artifact(snapshotName('demo', { attempt, job, lane }));

  test('the head and the newest snapshot of each lane of the newest attempt', () => {
    const head = artifact(headName('demo'));
    const a1 = [snap(1, 'infra', 'aaaaaaaa'), snap(1, 'infra', 'aaaaaaaa'), snap(1, 'cluster', 'bbbbbbbb')];
    const a2old = snap(2, 'cluster', 'cccccccc');
    const a2new = snap(2, 'cluster', 'cccccccc');
    const matrixLeg = snap(2, 'cluster', 'dddddddd');
    const picked = selectRun('demo', [head, ...a1, a2old, a2new, matrixLeg, artifact('unrelated')]);
    expect(picked.head).toBe(head);
    expect(picked.attempt).toBe(2);
    expect(picked.snapshots.map((a) => a.id)).toEqual([a2new.id, matrixLeg.id]);
  });

  test('expired artifacts and artifacts of runs from forks are never read', () => {
    const forked = artifact(headName('demo'), { sameRepository: false });
    const expired = snap(1, 'infra', 'aaaaaaaa');
    const picked = selectRun('demo', [forked, { ...expired, expired: true }]);
    expect(picked.head).toBeUndefined();
    expect(picked.snapshots).toEqual([]);
  });
});
