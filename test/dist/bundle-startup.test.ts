/**
 * The bundle's start-up rewrites (scripts/bundle-startup.js) change how V8 holds and compiles the
 * code, never what it does: each case runs the program before and after and compares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import * as acorn from 'acorn';
import { asciiOnly, wrapModuleFactories } from '../../scripts/bundle-startup.js';
import { bundleDir } from '../support/cli.js';

/** What a script leaves in `out`, run in a fresh context (the rewrites are applied to plain scripts). */
function outcome(source: string): unknown {
  const sandbox: { out: unknown } = { out: undefined };
  runInNewContext(source, sandbox);
  return JSON.parse(JSON.stringify(sandbox.out));
}

const NON_ASCII = /[^\p{ASCII}]/u;

describe('asciiOnly', () => {
  test.each([
    ['a string', `out = '✔ done · 3 → 4';`],
    ['a double-quoted string with an astral character', `out = "🔄 rolled back";`],
    ['a template with a substitution', 'const n = 2; out = `│ ${n} phases — ok`;'],
    ['a regular expression', `out = ['a→b', 'a-b'].map((s) => /a[→]b/.test(s));`],
    ['a unicode regular expression with an astral character', `out = [/^[🔄✅]$/u.test('🔄'), /^.$/u.test('🔄')];`],
    ['an identity escape of a non-ASCII character', `out = '\\✔';`],
    ['a comment', `/* © the authors — MIT */ out = 1; // ✔`],
    ['a no-break space between tokens', `out = [1,\u00a02];`],
    ['a line separator between tokens, which ends a statement', `let a = 1\u2028out = a`],
  ])('%s keeps its value and the file becomes ASCII', (_, source) => {
    const escaped = asciiOnly(source, 'case.js');
    expect(escaped).not.toMatch(NON_ASCII);
    expect(outcome(escaped)).toEqual(outcome(source));
  });

  test('an ASCII file is returned as it is', () => {
    const source = `out = 'plain';`;
    expect(asciiOnly(source, 'case.js')).toBe(source);
  });

  test('a tagged template is refused: its tag sees the raw text, which escaping would change', () => {
    expect(() => asciiOnly('out = 1;\nout = String.raw`✔`;', 'tagged.js')).toThrow(
      /tagged\.js:2: non-ASCII text in a tagged template/,
    );
  });

  test('a non-ASCII identifier is refused, with its file and line', () => {
    expect(() => asciiOnly('let a = 1;\nlet é = 2;', 'names.js')).toThrow(/names\.js:2: .*\(identifier\)/);
  });
});

describe('wrapModuleFactories', () => {
  const bundle = [
    'var t = { 101: (e) => { e.exports = { n: 1 }; }, 102: function (e, t, n) { e.exports = n(101).n + 1; } };',
    'var cache = {};',
    'function n(id) { if (!cache[id]) { const m = { exports: {} }; cache[id] = m; t[id](m, m.exports, n); } return cache[id].exports; }',
    'var other = { a: () => 1 };',
    'out = [n(102), other.a()];',
  ].join('\n');

  test('every factory of the module map is parenthesized, and nothing else', () => {
    const wrapped = wrapModuleFactories(bundle);
    expect(wrapped).toContain('101: ((e) => { e.exports = { n: 1 }; })');
    expect(wrapped).toContain('102: (function (e, t, n) { e.exports = n(101).n + 1; })');
    expect(wrapped).toContain('var other = { a: () => 1 };');
    expect(outcome(wrapped)).toEqual(outcome(bundle));
  });

  test('the built bundle has its factories parenthesized and is ASCII throughout', () => {
    const index = readFileSync(join(bundleDir(), 'index.js'), 'utf8');
    expect(NON_ASCII.test(index)).toBe(false);
    const ast = acorn.parse(index, { ecmaVersion: 'latest', sourceType: 'module', preserveParens: true });
    // ncc's map of modules: `var t={57336:(e=>{...}),...}`, numeric keys only.
    const maps = ast.body
      .flatMap((node) => (node.type === 'VariableDeclaration' ? node.declarations : []))
      .map((declaration) => declaration.init)
      .filter((init): init is acorn.ObjectExpression => init?.type === 'ObjectExpression')
      .filter((init) => init.properties.length > 0)
      .filter((init) => init.properties.every((p) => p.type === 'Property' && p.key.type === 'Literal'))
      .map((init) => init.properties.map((p) => (p.type === 'Property' ? p.value.type : p.type)));
    expect(maps.map((values) => values.length > 20)).toEqual([true]);
    expect(new Set(maps[0])).toEqual(new Set(['ParenthesizedExpression']));
  });
});
