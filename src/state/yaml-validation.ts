/**
 * Parsing YAML files and validating them with zod, with every problem reported by field path and by
 * the line where it sits. Shared by the state, pipeline and config readers. Parsing is js-yaml's fast
 * path; positions are only worked out (from its offset events) when there is a problem to report.
 */
import { EVENT_ID, getScalarValue, load, parseEvents, YAMLException, type Event } from 'js-yaml';
import type * as z from 'zod/mini';
import { FileError, type FileProblem } from '../errors.js';

export interface ParsedYaml {
  readonly value: unknown;
  readonly text: string;
}

export interface YamlLimits {
  /** Refuse larger inputs before parsing them: a hostile or runaway file must not exhaust memory. */
  readonly maxBytes: number;
}

/** Collections nest this deep at most; anchors may be used this often (no billion laughs). */
const MAX_DEPTH = 64;
const MAX_ALIASES = 100;

/** Parses YAML text; syntax errors and duplicate keys become a FileError with line and column. */
export function parseYaml(text: string, file: string, limits: YamlLimits, advice?: string): ParsedYaml {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxBytes) {
    throw new FileError(
      file,
      [{ path: '', message: `file is ${size} bytes, over the limit of ${limits.maxBytes} bytes` }],
      advice,
    );
  }
  if (text.trim() === '') {
    throw new FileError(file, [{ path: '', message: 'file is empty (was it truncated?)' }], advice);
  }
  try {
    return { value: load(text, { maxDepth: MAX_DEPTH, maxAliases: MAX_ALIASES }), text };
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const mark = error.mark;
    const problem: FileProblem = {
      path: '',
      message: `YAML syntax error: ${error.reason}`,
      ...(mark ? { line: mark.line + 1, column: mark.column + 1 } : {}),
    };
    throw new FileError(file, [problem], advice);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Where in the text a field lives: its value (or, with `key`, that key of the mapping at `path`);
 * for a field that is absent, the nearest enclosing collection.
 */
export function locate(
  text: string,
  path: readonly PropertyKey[],
  key?: string,
): { line: number; column: number } | undefined {
  let events: Event[];
  try {
    events = parseEvents(text, { maxDepth: MAX_DEPTH });
  } catch {
    return undefined;
  }
  const target = key === undefined ? path.map(String) : [...path.map(String), key];
  const offset = findOffset(text, events, target, key !== undefined);
  return offset === undefined ? undefined : lineAndColumn(text, offset);
}

interface Frame {
  readonly kind: 'mapping' | 'sequence';
  readonly path: readonly string[];
  /** Mapping: the key awaiting its value, or undefined when the next scalar is a key. */
  pendingKey: string | undefined;
  index: number;
}

/** Walks the event stream keeping the path of each node; remembers the deepest match of `target`. */
function findOffset(text: string, events: readonly Event[], target: readonly string[], wantKey: boolean): number | undefined {
  const stack: Frame[] = [];
  let best: { depth: number; offset: number } | undefined;
  const consider = (path: readonly string[], offset: number) => {
    let depth = 0;
    while (depth < path.length && depth < target.length && path[depth] === target[depth]) depth++;
    if (depth === path.length && (best === undefined || depth > best.depth)) best = { depth, offset };
  };
  const childPath = (): readonly string[] | undefined => {
    const top = stack.at(-1);
    if (!top) return [];
    if (top.kind === 'sequence') return [...top.path, String(top.index++)];
    if (top.pendingKey === undefined) return undefined;
    const path = [...top.path, top.pendingKey];
    top.pendingKey = undefined;
    return path;
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const path = childPath() ?? [];
        if (!wantKey) consider(path, event.start);
        stack.push({ kind: event.type === EVENT_ID.MAPPING ? 'mapping' : 'sequence', path, pendingKey: undefined, index: 0 });
        break;
      }
      case EVENT_ID.SCALAR: {
        const top = stack.at(-1);
        if (top?.kind === 'mapping' && top.pendingKey === undefined) {
          top.pendingKey = getScalarValue(text, event);
          if (wantKey) consider([...top.path, top.pendingKey], event.valueStart);
          break;
        }
        const path = childPath();
        if (path && !wantKey) consider(path, event.valueStart);
        break;
      }
      case EVENT_ID.ALIAS:
        childPath();
        break;
      case EVENT_ID.POP:
        stack.pop();
        break;
      default:
        break;
    }
  }
  return best?.offset;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Validates a parsed value; each zod issue becomes a problem at its path and line. */
export function validateYaml<S extends z.ZodMiniType>(schema: S, parsed: ParsedYaml, file: string, advice?: string): z.infer<S> {
  const result = schema.safeParse(parsed.value);
  if (result.success) return result.data;
  throw new FileError(file, issuesToProblems(result.error.issues, parsed), advice);
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], parsed: ParsedYaml): FileProblem[] {
  return issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      return {
        path: formatPath(issue.path),
        message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`,
        ...locate(parsed.text, issue.path, issue.keys[0]),
      };
    }
    const missing = issue.code === 'invalid_type' && !hasPath(parsed.value, issue.path);
    return {
      path: formatPath(issue.path),
      message: missing ? `is required (${lowerFirst(issue.message)})` : lowerFirst(issue.message),
      ...locate(parsed.text, issue.path),
    };
  });
}

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !(String(key) in current)) return false;
    current = (current as Record<string, unknown>)[String(key)];
  }
  return current !== undefined;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
