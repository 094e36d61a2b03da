/**
 * Parsing YAML files and validating them with zod, with every problem reported by field path and by
 * the line where it sits. Shared by the state, pipeline and config readers. Parsing is js-yaml's fast
 * path (its event stream, then the values built from it); positions are only worked out (from the
 * offsets of the events) when there is a problem to report.
 *
 * Aliases are budgeted by what they expand to, not by how many there are: 81 aliases nested nine deep
 * stand for 9^9 nodes, and everything after the parser (validation, merging, writing the file back
 * without aliases) walks the expanded tree. The budget is the reader's byte limit: a document may not
 * stand for more than the largest file the reader accepts.
 */
import { constructFromEvents, EVENT_ID, getScalarValue, parseEvents, YAMLException, type Event } from 'js-yaml';
import type * as z from 'zod/mini';
import { FileError, type FileProblem } from '../errors.js';

export interface ParsedYaml {
  readonly value: unknown;
  readonly text: string;
}

export interface YamlLimits {
  /**
   * Refuse larger inputs before parsing them, and documents whose aliases expand past it: a hostile
   * or runaway file must not exhaust memory or time.
   */
  readonly maxBytes: number;
  /** The input's size as read (the caller knows it; re-encoding the text would count replaced bytes). */
  readonly bytes?: number;
}

/** Collections nest this deep at most. */
const MAX_DEPTH = 64;
/** What a node costs beyond its text: about what a line of block YAML around it takes. */
const NODE_OVERHEAD = 4;

/** Parses YAML text; syntax errors, duplicate keys and runaway aliases become a FileError. */
export function parseYaml(text: string, file: string, limits: YamlLimits, advice?: string): ParsedYaml {
  const size = limits.bytes ?? Buffer.byteLength(text, 'utf8');
  if (size > limits.maxBytes) {
    throw new FileError(
      file,
      [{ path: '', message: `file is ${size} bytes, over the limit of ${limits.maxBytes} bytes` }],
      'The file was not read or changed. Point at the right file, or shorten it.',
    );
  }
  if (text.trim() === '') {
    throw new FileError(file, [{ path: '', message: 'file is empty (was it truncated?)' }], advice);
  }
  try {
    const events = parseEvents(text, { maxDepth: MAX_DEPTH });
    checkExpansion(text, events, file, limits.maxBytes);
    const documents = constructFromEvents(events, { source: text });
    if (documents.length !== 1) {
      throw new FileError(
        file,
        [{ path: '', message: documents.length === 0 ? 'file holds no YAML document' : 'file holds more than one YAML document (---)' }],
        advice,
      );
    }
    return { value: documents[0], text };
  } catch (error) {
    if (!(error instanceof YAMLException)) throw error;
    const mark = error.mark;
    const problem: FileProblem = {
      path: '',
      message: `YAML syntax error: ${error.reason}`,
      ...(mark && mark.line >= 0 && mark.column >= 0 ? { line: mark.line + 1, column: mark.column + 1 } : {}),
    };
    throw new FileError(file, [problem], advice);
  }
}

interface OpenNode {
  readonly anchor: string | undefined;
  readonly start: number;
  size: number;
}

/**
 * Adds up what the document stands for once every alias is replaced by what it names, in one pass
 * over the events (an anchor's size is known when its node closes), and refuses it past `budget`.
 * An alias to a collection that contains it (a cycle) is refused too: nothing downstream can walk it.
 */
function checkExpansion(text: string, events: readonly Event[], file: string, budget: number): void {
  const anchors = new Map<string, number>();
  const open: OpenNode[] = [];
  let total = 0;
  const add = (size: number, offset: number) => {
    const parent = open.at(-1);
    if (parent) parent.size += size;
    else total += size;
    if (parent ? parent.size > budget : total > budget) {
      throw new FileError(file, [
        {
          path: '',
          message:
            `its aliases (*name) expand it to more than ${budget} bytes, the limit for this file; ` +
            'write the values out, or remove the anchors (&name) and aliases that repeat them',
          ...lineAndColumn(text, offset),
        },
      ]);
    }
  };
  const anchorOf = (event: { anchorStart: number; anchorEnd: number }) =>
    // Stryker disable next-line ConditionalExpression,EqualityOperator: without the test an unanchored node is named '' (its start and end are both -1), which no alias can name; an anchor's name starts after its '&', never at 0
    event.anchorStart < 0 ? undefined : text.slice(event.anchorStart, event.anchorEnd);

  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE:
        open.push({ anchor: anchorOf(event), start: event.start, size: NODE_OVERHEAD });
        break;
      case EVENT_ID.SCALAR: {
        const size = NODE_OVERHEAD + (event.valueStart < 0 ? 0 : event.valueEnd - event.valueStart);
        const anchor = anchorOf(event);
        // Stryker disable next-line ConditionalExpression: an entry under undefined is one no alias can name
        if (anchor !== undefined) anchors.set(anchor, size);
        add(size, Math.max(event.valueStart, 0));
        break;
      }
      case EVENT_ID.ALIAS: {
        const name = text.slice(event.anchorStart, event.anchorEnd);
        if (open.some((node) => node.anchor === name)) {
          throw new FileError(file, [
            {
              path: '',
              message: `alias *${name} refers to a collection that contains it (a cycle); write the value out instead`,
              ...lineAndColumn(text, event.anchorStart),
            },
          ]);
        }
        // An alias to no anchor is the constructor's error to report, with its position.
        add(anchors.get(name) ?? NODE_OVERHEAD, event.anchorStart);
        break;
      }
      case EVENT_ID.POP: {
        const node = open.pop();
        if (!node) break; // the end of a document
        // Stryker disable next-line ConditionalExpression: an entry under undefined is one no alias can name
        if (node.anchor !== undefined) anchors.set(node.anchor, node.size);
        add(node.size, node.start);
        break;
      }
      default:
        break;
    }
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
  /** Where that key is: an empty value (`key:`) has no position of its own. */
  keyOffset: number;
  index: number;
}

/** Walks the event stream keeping the path of each node; remembers the deepest match of `target`. */
function findOffset(text: string, events: readonly Event[], target: readonly string[], wantKey: boolean): number | undefined {
  const stack: Frame[] = [];
  let best: { depth: number; offset: number } | undefined;
  const consider = (path: readonly string[], offset: number) => {
    if (offset < 0) return;
    let depth = 0;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: the length checks are shortcuts: past the end of either path the element is undefined, which equals no key
    while (depth < path.length && depth < target.length && path[depth] === target[depth]) depth++;
    if (depth === path.length && (best === undefined || depth > best.depth)) best = { depth, offset };
  };
  const childPath = (): { path: readonly string[]; keyOffset: number } | undefined => {
    const top = stack.at(-1);
    if (!top) return { path: [], keyOffset: -1 };
    if (top.kind === 'sequence') return { path: [...top.path, String(top.index++)], keyOffset: -1 };
    if (top.pendingKey === undefined) return undefined;
    const path = [...top.path, top.pendingKey];
    top.pendingKey = undefined;
    return { path, keyOffset: top.keyOffset };
  };
  for (const event of events) {
    switch (event.type) {
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const path = childPath()?.path ?? [];
        if (!wantKey) consider(path, event.start);
        stack.push({
          kind: event.type === EVENT_ID.MAPPING ? 'mapping' : 'sequence',
          path,
          pendingKey: undefined,
          keyOffset: -1,
          index: 0,
        });
        break;
      }
      case EVENT_ID.SCALAR: {
        const top = stack.at(-1);
        if (top?.kind === 'mapping' && top.pendingKey === undefined) {
          top.pendingKey = getScalarValue(text, event);
          top.keyOffset = event.valueStart;
          if (wantKey) consider([...top.path, top.pendingKey], event.valueStart);
          break;
        }
        const child = childPath();
        if (child && !wantKey) consider(child.path, event.valueStart >= 0 ? event.valueStart : child.keyOffset);
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

function lineAndColumn(text: string, offset: number): { line: number; column: number } | undefined {
  if (offset < 0 || offset > text.length) return undefined;
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
