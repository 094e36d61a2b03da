/**
 * DESIGN.md section 6: entry points on top, then the engine, the phases, the adapters, and the pure
 * state and graph code at the bottom. Dependencies point down only, and the pure layer does no I/O.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve('src');

const RANKS: Record<string, number> = {
  kernel: 0, // errors.ts, failpoints.ts
  state: 1,
  graph: 1,
  stores: 2,
  azure: 2,
  tools: 2,
  phases: 3,
  engine: 4,
  cli: 5,
  actions: 5,
  index: 6,
};

function layerOf(file: string): string {
  const rel = relative(SRC, file);
  const top = rel.split('/')[0] ?? '';
  if (top === 'index.ts') return 'index';
  if (!rel.includes('/')) return 'kernel';
  return top;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
}

const files = sources(SRC);

test('every source file belongs to a known layer', () => {
  for (const file of files) expect(Object.keys(RANKS)).toContain(layerOf(file));
});

test('dependencies point down only', () => {
  const violations: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    for (const specifier of importsOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      const to = layerOf(target);
      if ((RANKS[to] ?? 99) > (RANKS[from] ?? -1))
        violations.push(`${relative(SRC, file)} (${from}) imports ${specifier} (${to})`);
    }
  }
  expect(violations).toEqual([]);
});

test('the pure layer (state, graph) does no I/O', () => {
  const io = /^(?:node:)?(?:fs|fs\/promises|child_process|net|http|https|dgram|os|readline|process)$/;
  const offenders = files
    .filter((file) => RANKS[layerOf(file)] === 1)
    .flatMap((file) =>
      importsOf(file)
        .filter((s) => io.test(s))
        .map((s) => `${relative(SRC, file)} imports ${s}`),
    );
  expect(offenders).toEqual([]);
});
