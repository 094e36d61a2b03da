import fc from 'fast-check';
import { localPath, relocateArtifacts, storedPath } from '../../src/state/relocate.js';
import { recordArtifact } from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

test('files under the stored state directory move with it; files outside come under it, secrets under secrets/', () => {
  expect(localPath('state/secrets/kubeconfig', true, 'state')).toBe('state/secrets/kubeconfig');
  expect(localPath('state/secrets/kubeconfig', true, 'prod/state')).toBe('prod/state/secrets/kubeconfig');
  expect(localPath('standin/kubeconfig', true, 'copy')).toBe('copy/secrets/workspace/standin/kubeconfig');
  expect(localPath('ci-out/prepared', false, 'copy')).toBe('copy/workspace/ci-out/prepared');
  expect(localPath('state/cloud-init/a.yaml', true, '.')).toBe('cloud-init/a.yaml');
});

test('storedPath undoes localPath for any path and state directory', () => {
  const segment = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
  const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
  fc.assert(
    fc.property(
      fc.oneof(path, path.map((p) => `state/${p}`)),
      fc.boolean(),
      fc.oneof(fc.constant('state'), fc.constant('.'), path),
      (stored, sensitive, dir) => {
        // A stored path inside the directory the local one lives in would be ambiguous; the state directory is its own.
        fc.pre(dir === 'state' || dir === '.' || !stored.startsWith(`${dir}/`));
        // Reserved: where files from outside the state directory live inside it.
        fc.pre(!/^state\/(secrets\/)?workspace\//.test(stored));
        expect(storedPath(localPath(stored, sensitive, dir), sensitive, dir)).toBe(stored);
      },
    ),
  );
});

test('relocating artifacts maps each path with its sensitivity, and returns the same document when nothing moves', () => {
  const artifact = (path: string, sensitive: boolean) => ({ path, sha256: 'a'.repeat(64), size: 1, sensitive });
  const doc = recordArtifact(
    recordArtifact(newDoc(['one']), 'key', stamp(), artifact('state/secrets/key', true)),
    'log',
    stamp(),
    artifact('out/log.txt', false),
  );
  const seen: [string, boolean][] = [];
  const moved = relocateArtifacts(doc, (path, sensitive) => {
    seen.push([path, sensitive]);
    return sensitive ? path.replace(/^state\//, 'copy/') : path;
  });
  expect(seen).toEqual([
    ['state/secrets/key', true],
    ['out/log.txt', false],
  ]);
  expect(moved.artifacts.key).toEqual({ ...doc.artifacts.key, path: 'copy/secrets/key' });
  // What does not move is the very record it was.
  expect(moved.artifacts.log).toBe(doc.artifacts.log);
  expect({ ...moved, artifacts: doc.artifacts }).toEqual(doc);
  expect(doc.artifacts.key!.path).toBe('state/secrets/key');
  expect(relocateArtifacts(doc, (path) => path)).toBe(doc);
  const empty = newDoc(['one']);
  expect(relocateArtifacts(empty, () => 'anywhere')).toBe(empty);
});
