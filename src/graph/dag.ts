/**
 * The phase graph: execution order, dependents, and the structural problems a pipeline file can
 * have (duplicate names, needs that name nothing, cycles). Pure.
 */

export interface GraphNode {
  readonly name: string;
  readonly needs: readonly string[];
}

export type GraphProblem =
  | { readonly kind: 'duplicate'; readonly name: string; readonly index: number }
  | { readonly kind: 'unknown-need'; readonly name: string; readonly need: string; readonly index: number }
  | { readonly kind: 'self-need'; readonly name: string; readonly index: number }
  | { readonly kind: 'cycle'; readonly cycle: readonly string[] };

export class PhaseGraph {
  /** Topological order; ties keep catalogue order, so the order a user wrote is the order that runs. */
  readonly order: readonly string[];
  private readonly needsOf: ReadonlyMap<string, readonly string[]>;
  private readonly directDependents: ReadonlyMap<string, readonly string[]>;
  private readonly position: ReadonlyMap<string, number>;

  private constructor(nodes: readonly GraphNode[], order: readonly string[]) {
    this.order = order;
    this.needsOf = new Map(nodes.map((n) => [n.name, n.needs]));
    const dependents = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
    // Stryker disable next-line OptionalChaining: every need names a phase here (build refuses unknown needs first)
    for (const node of nodes) for (const need of node.needs) dependents.get(need)?.push(node.name);
    this.directDependents = dependents;
    this.position = new Map(order.map((name, i) => [name, i]));
  }

  /** Builds the graph, or returns every problem found (a graph with problems cannot be ordered). */
  static build(nodes: readonly GraphNode[]): PhaseGraph | { problems: GraphProblem[] } {
    const problems = findStructuralProblems(nodes);
    if (problems.length > 0) return { problems };
    const order = topologicalOrder(nodes);
    if ('cycle' in order) return { problems: [{ kind: 'cycle', cycle: order.cycle }] };
    return new PhaseGraph(nodes, order.order);
  }

  static buildOrThrow(nodes: readonly GraphNode[]): PhaseGraph {
    const graph = PhaseGraph.build(nodes);
    if (graph instanceof PhaseGraph) return graph;
    throw new Error(graph.problems.map(describeGraphProblem).join('; '));
  }

  has(name: string): boolean {
    return this.position.has(name);
  }

  needs(name: string): readonly string[] {
    return this.needsOf.get(name) ?? [];
  }

  /** Every phase that transitively needs `name`, in execution order (not including `name`). */
  dependentsOf(name: string): string[] {
    const seen = new Set<string>();
    const stack = [...(this.directDependents.get(name) ?? [])];
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,UpdateOperator: the walk ends when the stack empties (each phase is expanded once); the guard never binds, and popping an empty stack only continues
    for (let guard = 0; stack.length > 0 && guard <= this.order.length * this.order.length; guard++) {
      const next = stack.pop();
      // Stryker disable next-line ConditionalExpression: walking a phase again adds nothing to the set; the check only saves work
      if (next === undefined || seen.has(next)) continue;
      seen.add(next);
      // Stryker disable next-line ArrayDeclaration: every phase has an entry in directDependents
      stack.push(...(this.directDependents.get(next) ?? []));
    }
    return this.inOrder(seen);
  }

  /** Every phase `name` transitively needs, in execution order (not including `name`). */
  ancestorsOf(name: string): string[] {
    const seen = new Set<string>();
    const stack = [...this.needs(name)];
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,UpdateOperator: the walk ends when the stack empties (each phase is expanded once); the guard never binds, and popping an empty stack only continues
    for (let guard = 0; stack.length > 0 && guard <= this.order.length * this.order.length; guard++) {
      const next = stack.pop();
      // Stryker disable next-line ConditionalExpression: walking a phase again adds nothing to the set; the check only saves work
      if (next === undefined || seen.has(next)) continue;
      seen.add(next);
      stack.push(...this.needs(next));
    }
    return this.inOrder(seen);
  }

  inOrder(names: Iterable<string>): string[] {
    return [...names].sort((a, b) => (this.position.get(a) ?? 0) - (this.position.get(b) ?? 0));
  }
}

function findStructuralProblems(nodes: readonly GraphNode[]): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const names = new Set<string>();
  nodes.forEach((node, index) => {
    if (names.has(node.name)) problems.push({ kind: 'duplicate', name: node.name, index });
    names.add(node.name);
  });
  nodes.forEach((node, index) => {
    for (const need of node.needs) {
      if (need === node.name) problems.push({ kind: 'self-need', name: node.name, index });
      else if (!names.has(need)) problems.push({ kind: 'unknown-need', name: node.name, need, index });
    }
  });
  return problems;
}

/** Kahn's algorithm taking, at each step, the ready phase that comes first in the catalogue. */
function topologicalOrder(nodes: readonly GraphNode[]): { order: string[] } | { cycle: string[] } {
  const remaining = new Map(nodes.map((n) => [n.name, new Set(n.needs)]));
  const order: string[] = [];
  // Stryker disable next-line EqualityOperator,UpdateOperator: the loop ends by the break when no phase is ready; the bound only caps it
  for (let step = 0; step < nodes.length; step++) {
    const ready = nodes.find((n) => remaining.get(n.name)?.size === 0);
    if (!ready) break;
    order.push(ready.name);
    remaining.delete(ready.name);
    for (const pending of remaining.values()) pending.delete(ready.name);
  }
  if (order.length === nodes.length) return { order };
  return { cycle: findCycle(remaining) };
}

/** Follows unmet needs among the phases Kahn could not order until a phase repeats. */
function findCycle(remaining: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const start = remaining.keys().next().value;
  // Stryker disable next-line ConditionalExpression,ArrayDeclaration: unreachable; Kahn leaves phases unordered only when they hold a cycle
  if (start === undefined) return [];
  // Stryker disable next-line ArrayDeclaration: the cycle is sliced from the first repeat, whatever comes before it in the path
  const path: string[] = [];
  const seenAt = new Map<string, number>();
  let current: string | undefined = start;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator,UpdateOperator: every phase Kahn left needs another of them, so the walk repeats one within their number of steps; the guard never binds
  for (let guard = 0; current !== undefined && guard <= remaining.size; guard++) {
    const previous = seenAt.get(current);
    if (previous !== undefined) return [...path.slice(previous), current];
    seenAt.set(current, path.length);
    path.push(current);
    const needs: ReadonlySet<string> | undefined = remaining.get(current);
    current = needs ? [...needs].find((need) => remaining.has(need)) : undefined;
  }
  return path;
}

export function describeGraphProblem(problem: GraphProblem): string {
  switch (problem.kind) {
    case 'duplicate':
      return `phase name "${problem.name}" is used more than once; names must be unique`;
    case 'unknown-need':
      return `phase "${problem.name}" needs "${problem.need}", which names no phase`;
    case 'self-need':
      return `phase "${problem.name}" needs itself`;
    case 'cycle':
      return `phases form a cycle: ${problem.cycle.join(' → ')}; remove one of these needs`;
  }
}
