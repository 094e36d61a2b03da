/** Text mutations for fuzzing parsers: cuts, inserts, deletions and YAML-significant tokens. */
import fc from 'fast-check';

/** Mutations of a valid text: the inputs most likely to reach deep into a parser. */
export function mutated(valid: string): fc.Arbitrary<string> {
  const ops = fc.oneof(
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(valid.length) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(valid.length),
      text: fc.string({ maxLength: 12 }),
    }),
    fc.record({
      kind: fc.constant('yaml' as const),
      at: fc.nat(valid.length),
      text: fc.constantFrom(
        ': ',
        '- ',
        '{',
        '}',
        '[',
        ']',
        '&a ',
        '*a',
        '!!binary ',
        '? ',
        '|',
        '>',
        '"',
        "'",
        '\t',
        '\n  ',
        '#',
        '%YAML 1.1\n',
        '---\n',
        '...\n',
        '!!js/function ',
        '<<: *a\n',
      ),
    }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(valid.length),
      length: fc.integer({ min: 1, max: 40 }),
    }),
  );
  return fc.array(ops, { minLength: 1, maxLength: 4 }).map((list) =>
    list.reduce((text, op) => {
      const at = Math.min(op.at, text.length);
      switch (op.kind) {
        case 'cut':
          return text.slice(0, at);
        case 'insert':
        case 'yaml':
          return text.slice(0, at) + op.text + text.slice(at);
        case 'delete':
          return text.slice(0, at) + text.slice(at + op.length);
      }
    }, valid),
  );
}
