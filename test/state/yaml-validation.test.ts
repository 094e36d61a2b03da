import { formatPath, parseYaml } from '../../src/state/yaml-validation.js';
import { fileErrorOf } from '../support/refusals.js';

const LIMITS = { maxBytes: 1024 };

const refusal = fileErrorOf;

describe('parseYaml', () => {
  test('one document is its value', () => {
    expect(parseYaml('a: 1\nb: [x, y]\n', 'f.yaml', LIMITS)).toEqual({ value: { a: 1, b: ['x', 'y'] }, text: 'a: 1\nb: [x, y]\n' });
  });

  test('a file over the size limit is refused unread, by its size as the caller read it', () => {
    const error = refusal(() => parseYaml('a: 1\n', 'big.yaml', { maxBytes: 4 }, 'advice not used'));
    expect(error.file).toBe('big.yaml');
    expect(error.problems).toEqual([{ path: '', message: 'file is 5 bytes, over the limit of 4 bytes' }]);
    expect(error.advice).toBe('The file was not read or changed. Point at the right file, or shorten it.');
    // The size the caller counted decides, not the text's own.
    expect(refusal(() => parseYaml('a: 1\n', 'f.yaml', { maxBytes: 10, bytes: 11 })).problems[0]!.message).toBe(
      'file is 11 bytes, over the limit of 10 bytes',
    );
    // A file of exactly the limit is read.
    const atLimit = `# ${'x'.repeat(191)}\na: 1\n`;
    expect(Buffer.byteLength(atLimit)).toBe(199);
    expect(parseYaml(atLimit, 'f.yaml', { maxBytes: 199 }).value).toEqual({ a: 1 });
    expect(parseYaml('a: 1\n', 'f.yaml', { maxBytes: 100, bytes: 100 }).value).toEqual({ a: 1 });
  });

  test('a file with no document, or with more than one, is refused with the caller’s advice', () => {
    const none = refusal(() => parseYaml('# only a comment\n', 'f.yaml', LIMITS, 'Restore it.'));
    expect(none.problems).toEqual([{ path: '', message: 'file holds no YAML document' }]);
    expect(none.advice).toBe('Restore it.');
    const two = refusal(() => parseYaml('a: 1\n---\nb: 2\n', 'f.yaml', LIMITS, 'Keep one.'));
    expect(two.problems).toEqual([{ path: '', message: 'file holds more than one YAML document (---)' }]);
    expect(two.advice).toBe('Keep one.');
  });

  test('paths are named the way a reader writes them', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['phases', 0, 'name'])).toBe('phases[0].name');
    expect(formatPath([0, 'a', 2, 3])).toBe('[0].a[2][3]');
  });
});
