import { FileError } from '../../src/errors.js';
import { decodeState, encodeState } from '../../src/state/codec.js';
import { recordArtifact } from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

/** A state file as a writer leaves it: one artifact, so that every kind of field is present. */
function stateText(): string {
  const doc = recordArtifact(newDoc(['alpha']), 'kubeconfig', stamp(), {
    path: 'state/kubeconfig',
    sha256: 'a'.repeat(64),
    size: 10,
    phase: 'alpha',
    sensitive: true,
  });
  return encodeState(doc);
}

/** What a reader says about `text` with `from` replaced by `to` (a hand edit). */
function problemsAfter(from: string | RegExp, to: string): string {
  const text = stateText();
  const edited = text.replace(from, to);
  expect(edited).not.toBe(text);
  try {
    decodeState(edited, 'state/deployment-state.yaml');
  } catch (error) {
    if (error instanceof FileError) return error.message;
    throw error;
  }
  throw new Error('expected the edited file to be refused');
}

describe('state schema: what a hand-edited field is told', () => {
  test('a clock stamp that is not one', () => {
    expect(problemsAfter(/^(\s+hlc: ).*$/m, '$1yesterday')).toContain(
      'expected a clock stamp like 2026-01-01T00:00:00.000Z#000000@node',
    );
  });

  test('a digest with a character too many at either end, or not hex', () => {
    const digest = 'a'.repeat(64);
    for (const bad of [`x${digest}`, `${digest}x`, 'A'.repeat(64)])
      expect(problemsAfter(`sha256: ${digest}`, `sha256: ${bad}`)).toContain(
        'artifacts.kubeconfig.sha256: expected a sha256 hex digest (64 characters)',
      );
  });

  test('a phase name that is not snake_case', () => {
    expect(problemsAfter(/^(\s+phase: )alpha$/m, '$1Alpha')).toContain(
      'artifacts.kubeconfig.phase: expected a snake_case name (a-z, 0-9, _; starting with a letter)',
    );
  });

  test('a deployment id with characters a resource name cannot carry', () => {
    expect(problemsAfter(/^deployment_id: .*$/m, 'deployment_id: Demo_1')).toContain(
      'deployment_id: expected a deployment id: 1–63 lower-case letters, digits or inner dashes',
    );
  });

  test('an artifact path that leaves the working directory', () => {
    for (const bad of ['/etc/passwd', '../outside', 'state/../../outside'])
      expect(problemsAfter('path: state/kubeconfig', `path: ${bad}`)).toContain(
        'artifacts.kubeconfig.path: expected a relative path inside the working directory (no leading /, no .. segments, no control characters)',
      );
  });

  test('times may carry a UTC offset: a file edited by hand in another zone still reads', () => {
    const text = stateText();
    const edited = text.replace(/^(\s+updated_at: )'[^']*'$/m, "$1'2026-01-01T02:00:00.000+02:00'");
    expect(edited).not.toBe(text);
    const decoded = decodeState(edited, 'state/deployment-state.yaml');
    expect(decoded.kind).toBe('current');
  });
});
