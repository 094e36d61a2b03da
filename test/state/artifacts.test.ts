import { checkArtifact } from '../../src/state/artifacts.js';
import type { ArtifactRecord } from '../../src/state/schema.js';

const record: ArtifactRecord = {
  hlc: '2026-01-01T00:00:00.000Z#000000@n',
  updated_at: '2026-01-01T00:00:00.000Z',
  path: 'out/hub.conf',
  sha256: 'a'.repeat(64),
  size: 10,
  sensitive: false,
};

describe('checking an artifact against the file on disk', () => {
  test('the same checksum is intact', () => {
    expect(checkArtifact(record, { sha256: 'a'.repeat(64), size: 10 })).toStrictEqual({ ok: true });
  });

  test('a missing, changed or removed file says which and how', () => {
    expect(checkArtifact(record, undefined)).toStrictEqual({
      ok: false,
      problem: 'missing',
      detail: 'out/hub.conf does not exist',
    });
    expect(checkArtifact(record, { sha256: 'b'.repeat(64), size: 12 })).toStrictEqual({
      ok: false,
      problem: 'changed',
      detail: `out/hub.conf changed: sha256 ${'b'.repeat(12)}… (12 bytes), recorded ${'a'.repeat(12)}… (10 bytes)`,
    });
    expect(checkArtifact({ ...record, removed: true }, { sha256: 'a'.repeat(64), size: 10 })).toStrictEqual({
      ok: false,
      problem: 'removed',
      detail: 'it was removed by a rollback',
    });
  });
});
