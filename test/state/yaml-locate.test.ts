import * as z from 'zod/mini';
import { locate, parseYaml, validateYaml } from '../../src/state/yaml-validation.js';
import { fileErrorOf } from '../support/refusals.js';

// Where a problem is reported: the line and column a reader must go to. Every position below was
// counted by hand in the text it is about.

const TEXT = [
  'a: &one 1', //     line 1
  'b:', //            line 2
  '  c: [x, y]', //   line 3
  '  d:', //          line 4
  '    - *one', //    line 5
  '    - e: 5', //    line 6
  '    - f', //       line 7
  'empty:', //        line 8
  '',
].join('\n');

describe('locate', () => {
  test.each([
    [['a'], { line: 1, column: 9 }, 'a scalar value, after its anchor'],
    [['b', 'c'], { line: 3, column: 6 }, 'a flow sequence'],
    [['b', 'c', 1], { line: 3, column: 10 }, 'an item of a flow sequence'],
    [['b', 'd', 1, 'e'], { line: 6, column: 10 }, 'a value in a mapping in a sequence, after an alias item'],
    [['b', 'd', 2], { line: 7, column: 7 }, 'the third item (the alias counts as the first)'],
    [['empty'], { line: 8, column: 1 }, 'an empty value: its key'],
    [['b', 'missing'], { line: 3, column: 3 }, 'an absent field: the mapping that would hold it'],
    [['nope', 'deeper'], { line: 1, column: 1 }, 'an absent branch: the document'],
  ])('%j is at %j (%s)', (path, position) => {
    expect(locate(TEXT, path)).toEqual(position);
  });

  test('a key rather than its value', () => {
    expect(locate(TEXT, ['b'], 'c')).toEqual({ line: 3, column: 3 });
    expect(locate(TEXT, [], 'b')).toEqual({ line: 2, column: 1 });
    expect(locate(TEXT, ['b', 'd', 1], 'e')).toEqual({ line: 6, column: 7 });
    // An absent key: the nearest key on its way.
    expect(locate(TEXT, ['b'], 'zzz')).toEqual({ line: 2, column: 1 });
  });

  test('a value at the very end of a file without a final newline', () => {
    expect(locate('a: 1\nb: 22', ['b'])).toEqual({ line: 2, column: 4 });
    expect(locate('x: [1, [2, 3]]', ['x', 1, 0])).toEqual({ line: 1, column: 9 });
  });

  test('text that does not parse has no positions', () => {
    expect(locate('a: [1, 2\n', ['a'])).toBeUndefined();
  });
});

describe('parseYaml', () => {
  test('an empty or blank file is named as possibly truncated', () => {
    for (const text of ['', '  \n\t\n']) {
      const error = fileErrorOf(() => parseYaml(text, 'f.yaml', { maxBytes: 100 }, 'Restore it.'));
      expect(error.problems).toEqual([{ path: '', message: 'file is empty (was it truncated?)' }]);
      expect(error.advice).toBe('Restore it.');
    }
  });

  test('a syntax error is reported with the line and column js-yaml gives, counted from 1', () => {
    const error = fileErrorOf(() => parseYaml('a: 1\nb: "open\n', 'f.yaml', { maxBytes: 100 }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.message).toMatch(/^YAML syntax error: /);
    expect(error.problems[0]).toMatchObject({ path: '', line: 3, column: 1 });
    const duplicate = fileErrorOf(() => parseYaml('a: 1\na: 2\n', 'f.yaml', { maxBytes: 100 }));
    expect(duplicate.problems[0]).toMatchObject({ message: 'YAML syntax error: duplicated mapping key', line: 2, column: 1 });
  });

  test('nesting 64 collections deep is refused', () => {
    const deep = '['.repeat(64) + ']'.repeat(64);
    expect(fileErrorOf(() => parseYaml(deep, 'f.yaml', { maxBytes: 1000 })).problems[0]!.message).toMatch(
      /^YAML syntax error: .*depth/i,
    );
    expect(parseYaml('['.repeat(63) + ']'.repeat(63), 'f.yaml', { maxBytes: 1000 }).value).toBeDefined();
  });
});

describe('the expansion budget', () => {
  // Sizes: a node costs 4 plus its text. The anchored sequence [1,2] is 4 + 5 + 5 = 14; b's sequence
  // of two aliases to it 4 + 14 + 14 = 32; the whole document 4 + 5 (a) + 14 + 5 (b) + 32 = 60.
  const text = 'a: &x [1,2]\nb: [*x, *x]\n';
  const expansion = (budget: number) => fileErrorOf(() => parseYaml(text, 'f.yaml', { maxBytes: budget }));
  const message = (budget: number) =>
    `its aliases (*name) expand it to more than ${budget} bytes, the limit for this file; ` +
    'write the values out, or remove the anchors (&name) and aliases that repeat them';

  test('a document that stands for exactly the budget is read', () => {
    expect(parseYaml(text, 'f.yaml', { maxBytes: 60 }).value).toEqual({ a: [1, 2], b: [[1, 2], [1, 2]] });
  });

  test('past it, the node that crosses it is named: the whole of b, or the alias within it', () => {
    expect(expansion(59).problems).toEqual([{ path: '', message: message(59), line: 2, column: 4 }]);
    expect(expansion(31).problems).toEqual([{ path: '', message: message(31), line: 2, column: 10 }]);
  });

  test('scalars are counted by their text, anchored ones as often as they are repeated', () => {
    // 4 (map) + 5 (k) + 4+10 (&s value) + 5 (l) + 4 (seq) + 3 × 14 (aliases) = 74
    const scalars = 'k: &s abcdefghij\nl: [*s, *s, *s]\n';
    expect(parseYaml(scalars, 'f.yaml', { maxBytes: 74 }).value).toMatchObject({ k: 'abcdefghij' });
    expect(fileErrorOf(() => parseYaml(scalars, 'f.yaml', { maxBytes: 73 })).problems[0]).toMatchObject({
      line: 2,
      column: 4,
    });
  });

  test('an alias inside the collection it names is a cycle, refused at the alias', () => {
    const error = fileErrorOf(() => parseYaml('a: &x\n  - 1\n  - *x\n', 'f.yaml', { maxBytes: 1000 }));
    expect(error.problems).toEqual([
      {
        path: '',
        message: 'alias *x refers to a collection that contains it (a cycle); write the value out instead',
        line: 3,
        column: 6,
      },
    ]);
  });
});

describe('validateYaml', () => {
  const Schema = z.strictObject({
    name: z.string(),
    port: z.number(),
    nested: z.nullable(z.strictObject({ ok: z.boolean() })),
  });
  const problems = (text: string) =>
    fileErrorOf(() => validateYaml(Schema, parseYaml(text, 'f.yaml', { maxBytes: 1000 }), 'f.yaml', 'Fix it.'));

  test('a valid document is its typed value', () => {
    expect(validateYaml(Schema, parseYaml('name: n\nport: 1\nnested: null\n', 'f.yaml', { maxBytes: 100 }), 'f.yaml')).toEqual(
      { name: 'n', port: 1, nested: null },
    );
  });

  test('each issue at its path and line: wrong type, required, unknown keys (one or several)', () => {
    const error = problems('name: 1\nnested:\n  ok: true\n  extra: 1\n  more: 2\n');
    expect(error.advice).toBe('Fix it.');
    expect(error.problems).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'invalid input', line: 1, column: 7 },
        { path: 'port', message: 'is required (invalid input)', line: 1, column: 1 },
        { path: 'nested', message: 'unknown keys "extra", "more"', line: 4, column: 3 },
      ]),
    );
    expect(error.problems).toHaveLength(3);
    expect(problems('name: n\nport: 1\nnested:\n  ok: true\n  extra: 1\n').problems).toEqual([
      { path: 'nested', message: 'unknown key "extra"', line: 5, column: 3 },
    ]);
  });

  test('a field that is there but null is the wrong type, not missing', () => {
    const error = problems('name: n\nport:\nnested: null\n');
    expect(error.problems).toEqual([
      { path: 'port', message: 'invalid input', line: 2, column: 1 },
    ]);
  });

  test('a field under a value that is not a mapping is missing', () => {
    const Deep = z.object({ a: z.object({ b: z.string() }) });
    const error = fileErrorOf(() => validateYaml(Deep, parseYaml('a: {}\n', 'f.yaml', { maxBytes: 100 }), 'f.yaml'));
    expect(error.problems).toEqual([
      { path: 'a.b', message: 'is required (invalid input)', line: 1, column: 4 },
    ]);
  });
});

describe('locate, at the edges of a document', () => {
  test('a document that is one scalar is at its start; one that is only comments has no position', () => {
    expect(locate('hello\n', [])).toEqual({ line: 1, column: 1 });
    expect(locate('# nothing here\n', ['a'])).toBeUndefined();
  });

  test('an empty sequence item has no position of its own: the sequence stands for it', () => {
    expect(locate('a:\n  -\n  - x\n', ['a', 0])).toEqual({ line: 2, column: 3 });
    expect(locate('a:\n  -\n  - x\n', ['a', 1])).toEqual({ line: 3, column: 5 });
  });

  test('a key that is nowhere, asked for at the top, has no position', () => {
    expect(locate(TEXT, [], 'zzz')).toBeUndefined();
  });
});

describe('the expansion budget, for scalars', () => {
  test('a document that is one scalar counts its text and a node', () => {
    // 4 + 6 = 10
    expect(parseYaml('abcdef', 'f.yaml', { maxBytes: 10 }).value).toBe('abcdef');
    expect(fileErrorOf(() => parseYaml('abcdef', 'f.yaml', { maxBytes: 9 })).problems[0]).toMatchObject({
      line: 1,
      column: 1,
    });
  });

  test('a scalar that crosses the budget is named at its value', () => {
    // 4 (map) + 5 (a) = 9, then 4 + 10 for the value: 23
    const error = fileErrorOf(() => parseYaml('a: xxxxxxxxxx\n', 'f.yaml', { maxBytes: 22 }));
    expect(error.problems[0]).toMatchObject({ line: 1, column: 4 });
    expect(parseYaml('a: xxxxxxxxxx\n', 'f.yaml', { maxBytes: 23 }).value).toEqual({ a: 'xxxxxxxxxx' });
  });
});
