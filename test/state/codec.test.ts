import { FileError } from '../../src/errors.js';
import { decodeState, decodeStateFile, encodeState, END_MARKER } from '../../src/state/codec.js';
import type { StateDocument } from '../../src/state/schema.js';
import { markCompleted } from '../../src/state/transitions.js';
import { fileErrorOf } from '../support/refusals.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';

function problemsOf(text: string): string {
  return fileErrorOf(() => decodeState(text, 'state/deployment-state.yaml')).message;
}

describe('state file codec', () => {
  let doc: StateDocument;
  let text: string;
  // Made in each test, not when the file loads: code run at load belongs to no test.
  beforeEach(() => {
    doc = markCompleted(newDoc(['alpha', 'beta']), 'alpha', stamp(), 'c'.repeat(64));
    text = encodeState(doc);
  });

  test('round-trips a document', () => {
    expect(decodeState(text, 'f')).toEqual({ kind: 'current', doc });
  });

  test('names the file, the field, the line and what was expected', () => {
    const bad = text.replace('status: completed', 'status: done');
    const line = bad.split('\n').findIndex((l) => l.includes('status: done')) + 1;
    const message = problemsOf(bad);
    expect(message).toContain(`state/deployment-state.yaml:${line}:`);
    expect(message).toContain('phases.alpha.status: invalid option: expected one of');
    expect(message).toContain('The state file was not changed');
  });

  test('reports unknown keys at their line', () => {
    const bad = text.replace('status: completed', 'status: completed\n    atempts: 2');
    const line = bad.split('\n').findIndex((l) => l.includes('atempts: 2')) + 1;
    expect(problemsOf(bad)).toContain(`:${line}:5: phases.alpha: unknown key "atempts"`);
  });

  test('reports a missing field as required', () => {
    expect(problemsOf(text.replace(/^deployment_id: .*\n/m, ''))).toMatch(/deployment_id: is required/);
  });

  test('a truncated file is an error, never a partial document', () => {
    for (const cut of [20, Math.floor(text.length / 2), text.length - 40]) {
      expect(() => decodeState(text.slice(0, cut), 'f')).toThrow(FileError);
    }
    expect(problemsOf('')).toContain('file is empty (was it truncated?)');
  });

  test('YAML syntax errors carry line and column', () => {
    expect(problemsOf('schema_version: 2\nphases: [a, b\nevents: []\n')).toMatch(/deployment-state\.yaml:\d+:\d+: YAML syntax error/);
  });

  test('refuses a newer schema version, saying which version is needed', () => {
    const message = problemsOf(text.replace('schema_version: 2', 'schema_version: 3'));
    expect(message).toContain('schema_version: is 3, newer than this k0rdent-deploy understands (up to 2)');
  });

  test('refuses oversized input before parsing it', () => {
    expect(() => decodeState(text, 'f', 100)).toThrow(/over the limit of 100 bytes/);
  });

  test('recognises an upstream file by its missing schema_version', () => {
    expect(decodeState('deployment_id: k0rdent-abc\nphase: setup_network\n', 'f').kind).toBe('legacy');
  });
});

test('a file cut where it is still valid YAML is still recognised as truncated', () => {
  const doc = markCompleted(newDoc(['alpha']), 'alpha', stamp(), undefined);
  const text = encodeState(doc);
  // Cut just before the last event: what is left parses and validates, but lacks the end marker.
  const cut = text.lastIndexOf('\n  - id:');
  expect(() => decodeState(text.slice(0, cut + 1), 'f')).toThrow(/the file is truncated: it ends after \d+ lines \(\d+ bytes\) without the end marker/);
});

describe('broken state files are named for what broke', () => {
  let doc = markCompleted(newDoc(['alpha', 'beta', 'gamma']), 'alpha', stamp(), 'c'.repeat(64));
  doc = markCompleted(doc, 'beta', stamp(), 'd'.repeat(64));
  const text = encodeState(doc);

  test('a file cut anywhere is reported as truncated, with no line of its own', () => {
    const cuts = new Set<number>();
    for (let at = 1; at < text.length - 1; at += 5) cuts.add(at);
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) cuts.add(at + 1);
    cuts.delete(text.length);
    for (const cut of cuts) {
      const message = problemsOf(text.slice(0, cut));
      expect(message).toMatch(/^state\/deployment-state\.yaml: the file is truncated: it ends after \d+ lines? /);
      expect(message).not.toMatch(/yaml:\d/);
      expect(message).not.toContain('Fix the field named above');
    }
  });

  test('an empty value is located at its key, never at line 1 column 0', () => {
    const bad = text.replace(/^( {6}run_id): .*$/m, '$1:');
    const line = bad.split('\n').findIndex((l) => /^ {6}run_id:$/.test(l)) + 1;
    const message = problemsOf(bad);
    expect(message).toContain(`state/deployment-state.yaml:${line}:7: phases.alpha.last_run.run_id: invalid input`);
    expect(message).not.toMatch(/:\d+:0:/);
  });

  test('an oversized file is reported with its stored size and advice that fits', () => {
    let message = '';
    try {
      decodeState(text, 'f', 1000, { bytes: 31 * 1024 * 1024 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('f: file is 32505856 bytes, over the limit of 1000 bytes');
    expect(message).toContain('K0RDENT_MAX_STATE_BYTES');
    expect(message).not.toContain('Fix the field named above');
  });
});

describe('what a state file must be', () => {
  const doc = markCompleted(newDoc(['alpha']), 'alpha', stamp(), undefined);
  const refused = fileErrorOf;

  test('read as bytes: the stored size counts, a file of exactly the limit is read, and bytes that are not UTF-8 are named', () => {
    const text = encodeState(doc);
    const bytes = Buffer.from(text);
    expect(decodeStateFile(bytes, 'f', bytes.length)).toEqual({ kind: 'current', doc });
    expect(decodeState(text, 'f', bytes.length)).toEqual({ kind: 'current', doc });
    const big = refused(() => decodeStateFile(bytes, 'f', bytes.length - 1));
    expect(big.problems).toEqual([
      { path: '', message: `file is ${bytes.length} bytes, over the limit of ${bytes.length - 1} bytes` },
    ]);
    expect(big.advice).toContain('K0RDENT_MAX_STATE_BYTES');
    const binary = refused(() => decodeStateFile(Uint8Array.from([0x23, 0x20, 0xff, 0xfe, 0x0a]), 'f'));
    expect(binary.problems).toEqual([
      { path: '', message: 'is not UTF-8 text (a binary file, or text in another encoding)' },
    ]);
    expect(binary.advice).toBe(
      'The file was not changed. It is not a k0rdent-deploy state: restore the state file from a backup.',
    );
  });

  test('the top level must be a mapping', () => {
    for (const top of ['- a\n- b\n', 'just text\n', '~\n', '42\n']) {
      const error = refused(() => decodeState(`${top}${END_MARKER}\n`, 'f'));
      expect(error.problems).toEqual([{ path: '', message: 'expected a mapping (a YAML object) at the top level' }]);
      expect(error.advice).toMatch(/^The state file was not changed\. Fix the field named above/);
    }
  });

  test('a file with no schema version that is not an upstream state is validated as a current one', () => {
    const error = refused(() => decodeState(`phases: {}\n${END_MARKER}\n`, 'f'));
    expect(error.message).toMatch(/schema_version/);
    expect(decodeState(`deployment_id: k0rdent-abc\n${END_MARKER}\n`, 'f').kind).toBe('legacy');
  });

  test('only a whole number above the current version is "newer"; the advice names the way out', () => {
    const text = encodeState(doc);
    const newer = refused(() => decodeState(text.replace('schema_version: 2', 'schema_version: 7'), 'f'));
    expect(newer.problems).toEqual([
      { path: 'schema_version', message: 'is 7, newer than this k0rdent-deploy understands (up to 2)' },
    ]);
    expect(newer.advice).toBe(
      'The file was not changed. Use the k0rdent-deploy version that wrote it, or a newer one.',
    );
    for (const odd of ['2.5', "'3'"]) {
      const error = refused(() => decodeState(text.replace('schema_version: 2', `schema_version: ${odd}`), 'f'));
      expect(error.message).not.toContain('newer than');
      expect(error.message).toContain('schema_version');
    }
  });

  test('a file without its end marker is truncated even when it does not begin with the header', () => {
    const text = encodeState(doc);
    const body = text.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(decodeState(`${body}${END_MARKER}\n`, 'f')).toEqual({ kind: 'current', doc });
    const lines = body.split('\n').length - 1;
    const error = refused(() => decodeState(body, 'f'));
    expect(error.problems[0]!.message).toBe(
      `the file is truncated: it ends after ${lines} lines (${Buffer.byteLength(body)} bytes) without the end marker "${END_MARKER}" that every state file ends with`,
    );
  });

  test('a truncated file says how many lines and bytes are left', () => {
    const text = encodeState(doc);
    const first = text.indexOf('\n') + 1;
    const second = text.indexOf('\n', first) + 1;
    const message = (cut: string) => refused(() => decodeState(cut, 'f')).problems[0]!.message;
    expect(message(text.slice(0, 10))).toMatch(/^the file is truncated: it ends after 1 line \(10 bytes\) without/);
    expect(message(text.slice(0, first))).toMatch(new RegExp(`ends after 1 line \\(${first} bytes\\)`));
    expect(message(text.slice(0, second))).toMatch(new RegExp(`ends after 2 lines \\(${second} bytes\\)`));
    expect(message(text.slice(0, second + 3))).toMatch(/ends after 3 lines /);
  });
});
