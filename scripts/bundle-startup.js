// Two rewrites of the built bundle that make every process start faster and change nothing it does.
// Every CLI command and every action step is a new process, so start-up is most of a short one's
// time (docs/development.md, "Start-up").
//
// 1. Module factories in parentheses. Node's compile cache is written right after a file is
//    compiled, before anything runs, so it holds only what V8 compiled eagerly: for ncc's bundle,
//    the outer module and not the factories of the modules inside it, which were compiled again on
//    every start. V8 compiles a function in parentheses eagerly (its heuristic for a function that
//    is about to be called), so the cache now holds them.
// 2. ASCII only. One non-ASCII character (a table border, a check mark) makes V8 hold the whole
//    source as a two-byte string, which Node then encodes back to UTF-8 to check it against the
//    compile cache on every start. Escaped, the source stays one byte per character.
//
// Both are checked: the result parses, and the escaped one keeps the value of every string and
// template.
import * as acorn from 'acorn';

const PARSE = /** @type {const} */ ({ ecmaVersion: 'latest', sourceType: 'module' });

/** @param {string} source */
export function wrapModuleFactories(source) {
  const ast = acorn.parse(source, PARSE);
  /** @type {Edit[]} */
  const edits = [];
  for (const node of ast.body) {
    if (node.type !== 'VariableDeclaration') continue;
    for (const declaration of node.declarations) {
      const map = declaration.init;
      if (!isModuleMap(map)) continue;
      for (const property of map.properties) {
        if (property.type !== 'Property') continue;
        edits.push({ start: property.value.start, end: property.value.start, text: '(' });
        edits.push({ start: property.value.end, end: property.value.end, text: ')' });
      }
    }
  }
  return applyEdits(source, edits);
}

/**
 * ncc's map of module factories: `{57336: (e, t, n) => {...}, ...}`, numeric keys only, each a
 * function of at most three parameters (module, exports, require).
 * @param {acorn.Expression | null | undefined} node
 * @returns {node is acorn.ObjectExpression}
 */
function isModuleMap(node) {
  if (node?.type !== 'ObjectExpression' || node.properties.length === 0) return false;
  return node.properties.every(
    (p) =>
      p.type === 'Property' &&
      p.key.type === 'Literal' &&
      typeof p.key.value === 'number' &&
      (p.value.type === 'ArrowFunctionExpression' || p.value.type === 'FunctionExpression') &&
      p.value.params.length <= 3,
  );
}

/**
 * @param {string} source
 * @param {string} file for errors
 */
export function asciiOnly(source, file) {
  if (!/[^\p{ASCII}]/u.test(source)) return source;
  /** @type {acorn.Comment[]} */
  const comments = [];
  /** @type {acorn.Token[]} */
  const tokens = [];
  const ast = acorn.parse(source, { ...PARSE, onComment: comments, onToken: tokens });
  const tagged = taggedTemplateRanges(ast);
  /** @type {Edit[]} */
  const edits = [];
  for (const match of source.matchAll(/[^\p{ASCII}]+/gu)) {
    const start = match.index;
    const end = start + match[0].length;
    const where = containing(start, end, tokens, comments);
    if (where === undefined && /^\s+$/.test(match[0])) {
      // Whitespace between tokens (a no-break space in a dependency's source): plain whitespace of
      // the same kind, a line terminator staying one for automatic semicolons.
      edits.push({ start, end, text: match[0].replace(/[\u2028\u2029]/g, '\n').replace(/[^\n]/g, ' ') });
      continue;
    }
    const line = () => source.slice(0, start).split('\n').length;
    if (where === undefined || where === 'identifier') {
      throw new Error(
        `${file}:${line()}: non-ASCII text outside a string, template, regular expression or comment ` +
          `(${where ?? 'code'}): cannot escape it without changing the program`,
      );
    }
    if (tagged.some(([s, e]) => start >= s && end <= e)) {
      throw new Error(
        `${file}:${line()}: non-ASCII text in a tagged template: its tag sees the raw text, which escaping ` +
          'would change',
      );
    }
    // A non-ASCII character after a backslash is an identity escape of itself: the backslash goes too.
    const escaped = precededByEscape(source, start);
    edits.push({ start: escaped ? start - 1 : start, end, text: escapeUtf16(match[0]) });
  }
  const result = applyEdits(source, edits);
  if (/[^\p{ASCII}]/u.test(result)) throw new Error(`${file}: still not ASCII after escaping`);
  assertSameLiterals(tokens, [...acorn.tokenizer(result, PARSE)], file);
  return result;
}

/** @typedef {{ start: number, end: number, text: string }} Edit */

/**
 * @param {string} source
 * @param {Edit[]} edits non-overlapping
 */
function applyEdits(source, edits) {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    out += source.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  out += source.slice(at);
  acorn.parse(out, PARSE); // throws if a rewrite broke the syntax
  return out;
}

/** @param {string} text */
function escapeUtf16(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) out += `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/**
 * @param {string} source
 * @param {number} index
 */
function precededByEscape(source, index) {
  let backslashes = 0;
  while (source[index - 1 - backslashes] === '\\') backslashes++;
  return backslashes % 2 === 1;
}

/**
 * What kind of token holds [start, end): a literal kind that can be escaped, 'identifier', or
 * undefined when no single token or comment holds it.
 * @param {number} start
 * @param {number} end
 * @param {acorn.Token[]} tokens
 * @param {acorn.Comment[]} comments
 */
function containing(start, end, tokens, comments) {
  for (const comment of comments) if (start >= comment.start && end <= comment.end) return 'comment';
  // Tokens come in source order: the last one that starts at or before `start`.
  let low = 0;
  let high = tokens.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (tokens[mid].start <= start) low = mid;
    else high = mid - 1;
  }
  const token = tokens[low];
  if (token === undefined || start < token.start || end > token.end) return undefined;
  const label = token.type.label;
  if (label === 'string' || label === 'template' || label === 'regexp') return label;
  if (label === 'name' || label === 'privateId') return 'identifier';
  return undefined;
}

/**
 * Source ranges of the template parts of tagged templates: a tag sees the raw text, so escaping
 * would change what it gets.
 * @param {acorn.Node} ast
 * @returns {Array<[number, number]>}
 */
function taggedTemplateRanges(ast) {
  /** @type {Array<[number, number]>} */
  const ranges = [];
  /** @param {unknown} node */
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const n = /** @type {Record<string, unknown> & { type?: string }} */ (node);
    if (n.type === 'TaggedTemplateExpression') {
      const quasi = /** @type {acorn.TemplateLiteral} */ (n.quasi);
      ranges.push([quasi.start, quasi.end]);
    }
    for (const key of Object.keys(n)) if (key !== 'type') visit(n[key]);
  };
  visit(ast);
  return ranges;
}

/**
 * @param {acorn.Token[]} before
 * @param {acorn.Token[]} after
 * @param {string} file
 */
function assertSameLiterals(before, after, file) {
  const values = (/** @type {acorn.Token[]} */ tokens) =>
    tokens
      .filter((t) => t.type.label === 'string' || t.type.label === 'template')
      .map((t) => String(t.value));
  const a = values(before);
  const b = values(after);
  if (a.length !== b.length || a.some((value, i) => value !== b[i])) {
    throw new Error(`${file}: escaping changed the value of a string or template`);
  }
}
