import fc from 'fast-check';
import { describeGraphProblem, PhaseGraph, type GraphNode } from '../../src/graph/dag.js';
import { K0RDENT_CATALOGUE } from '../../src/graph/k0rdent-catalogue.js';
import { propertyRuns } from '../support/property-runs.js';

function problems(nodes: readonly GraphNode[]): string[] {
  const built = PhaseGraph.build(nodes);
  return built instanceof PhaseGraph ? [] : built.problems.map(describeGraphProblem);
}

describe('PhaseGraph', () => {
  test('the k0rdent catalogue runs in its catalogue order, with the needs of DESIGN.md', () => {
    const graph = PhaseGraph.buildOrThrow(K0RDENT_CATALOGUE);
    expect(graph.order).toEqual(K0RDENT_CATALOGUE.map((p) => p.name));
    expect(Object.fromEntries(K0RDENT_CATALOGUE.map((p) => [p.name, graph.needs(p.name)]))).toEqual({
      prepare_deployment: [],
      setup_network: ['prepare_deployment'],
      create_vms: ['prepare_deployment', 'setup_network'],
      setup_vpn: ['prepare_deployment', 'create_vms'],
      connect_vpn: ['setup_vpn'],
      install_k0s: ['create_vms', 'setup_vpn'],
      install_k0rdent: ['install_k0s'],
      setup_azure_children: ['install_k0rdent'],
      install_azure_csi: ['install_k0s', 'setup_azure_children'],
      install_kof_mothership: ['install_k0rdent', 'install_azure_csi'],
      install_kof_regional: ['install_kof_mothership', 'setup_azure_children'],
    });
    expect(graph.dependentsOf('setup_vpn')).toEqual([
      'connect_vpn',
      'install_k0s',
      'install_k0rdent',
      'setup_azure_children',
      'install_azure_csi',
      'install_kof_mothership',
      'install_kof_regional',
    ]);
    expect(graph.dependentsOf('connect_vpn')).toEqual([]);
    expect(graph.ancestorsOf('install_k0s')).toEqual([
      'prepare_deployment',
      'setup_network',
      'create_vms',
      'setup_vpn',
    ]);
    expect(graph.ancestorsOf('prepare_deployment')).toEqual([]);
    expect(K0RDENT_CATALOGUE.filter((p) => p.runnerScoped).map((p) => p.name)).toEqual(['connect_vpn']);
    expect(K0RDENT_CATALOGUE.filter((p) => p.flag).map((p) => `${p.name}:${p.flag ?? ''}`)).toEqual([
      'setup_azure_children:azure_children',
      'install_azure_csi:kof',
      'install_kof_mothership:kof',
      'install_kof_regional:kof',
    ]);
  });

  test('answers about names it does not know without failing', () => {
    const graph = PhaseGraph.buildOrThrow([{ name: 'a', needs: [] }]);
    expect(graph.has('a')).toBe(true);
    expect(graph.has('ghost')).toBe(false);
    expect(graph.needs('ghost')).toEqual([]);
    expect(graph.dependentsOf('ghost')).toEqual([]);
    expect(graph.ancestorsOf('ghost')).toEqual([]);
  });

  test('ties keep the order the phases were written in', () => {
    const graph = PhaseGraph.buildOrThrow([
      { name: 'c', needs: [] },
      { name: 'a', needs: ['c'] },
      { name: 'b', needs: [] },
      { name: 'd', needs: ['b', 'a'] },
    ]);
    expect(graph.order).toEqual(['c', 'a', 'b', 'd']);
    expect(graph.inOrder(['d', 'b', 'c'])).toEqual(['c', 'b', 'd']);
    expect(graph.dependentsOf('c')).toEqual(['a', 'd']);
    expect(graph.ancestorsOf('d')).toEqual(['c', 'a', 'b']);
  });

  test('a deep ladder of diamonds is walked once per phase, not once per path', () => {
    // 60 rungs of two phases, each needing both of the rung before: 2^60 paths from top to bottom.
    const nodes: GraphNode[] = [];
    for (let rung = 0; rung < 60; rung++) {
      const needs = rung === 0 ? [] : [`l${rung - 1}`, `r${rung - 1}`];
      nodes.push({ name: `l${rung}`, needs }, { name: `r${rung}`, needs });
    }
    const graph = PhaseGraph.buildOrThrow(nodes);
    expect(graph.dependentsOf('l0')).toHaveLength(118);
    expect(graph.ancestorsOf('l59')).toHaveLength(118);
  });

  test('the order is topological for any acyclic graph, and dependents and ancestors mirror each other (property)', () => {
    const dag = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: n, maxLength: n }).map((raw) =>
        raw.map((needs, i) => ({
          name: `p${i}`,
          // Needs only point at earlier indexes, which makes the graph acyclic.
          needs: i === 0 ? [] : [...new Set(needs.map((k) => `p${k % i}`))],
        })),
      ),
    );
    fc.assert(
      fc.property(dag, (nodes) => {
        const graph = PhaseGraph.buildOrThrow([...nodes].reverse());
        const position = new Map(graph.order.map((name, i) => [name, i]));
        for (const node of nodes)
          for (const need of node.needs) expect(position.get(need)!).toBeLessThan(position.get(node.name)!);
        expect(graph.order).toHaveLength(nodes.length);
        for (const a of nodes) {
          const dependents = graph.dependentsOf(a.name);
          expect(graph.inOrder(dependents)).toEqual(dependents);
          for (const b of nodes) {
            expect(dependents.includes(b.name)).toBe(graph.ancestorsOf(b.name).includes(a.name));
          }
        }
      }),
      propertyRuns(),
    );
  });

  test('reports duplicates, unknown needs and self needs, every one with where it is', () => {
    expect(
      problems([
        { name: 'a', needs: [] },
        { name: 'a', needs: [] },
      ]),
    ).toEqual(['phase name "a" is used more than once; names must be unique']);
    expect(problems([{ name: 'a', needs: ['ghost'] }])).toEqual([
      'phase "a" needs "ghost", which names no phase',
    ]);
    expect(problems([{ name: 'a', needs: ['a'] }])).toEqual(['phase "a" needs itself']);
    expect(
      PhaseGraph.build([
        { name: 'x', needs: [] },
        { name: 'y', needs: ['y', 'nope'] },
        { name: 'x', needs: [] },
      ]),
    ).toEqual({
      problems: [
        { kind: 'duplicate', name: 'x', index: 2 },
        { kind: 'self-need', name: 'y', index: 1 },
        { kind: 'unknown-need', name: 'y', need: 'nope', index: 1 },
      ],
    });
    expect(() =>
      PhaseGraph.buildOrThrow([
        { name: 'a', needs: ['a'] },
        { name: 'b', needs: ['c'] },
      ]),
    ).toThrow('phase "a" needs itself; phase "b" needs "c", which names no phase');
  });

  test('a cycle is named by the phases in it, not by those that lead into it', () => {
    expect(
      problems([
        { name: 'start', needs: [] },
        { name: 'a', needs: ['start', 'c'] },
        { name: 'b', needs: ['a'] },
        { name: 'c', needs: ['b'] },
      ]),
    ).toEqual(['phases form a cycle: a → c → b → a; remove one of these needs']);
    // `into` and `deeper` cannot run because they need the cycle, and come first in the file.
    expect(
      PhaseGraph.build([
        { name: 'into', needs: ['deeper'] },
        { name: 'deeper', needs: ['x'] },
        { name: 'x', needs: ['y'] },
        { name: 'y', needs: ['x'] },
      ]),
    ).toEqual({ problems: [{ kind: 'cycle', cycle: ['x', 'y', 'x'] }] });
    expect(
      problems([
        { name: 'solo', needs: [] },
        ...['p', 'q', 'r'].map((n, i, all) => ({ name: n, needs: [all[(i + 1) % 3]!] })),
      ]),
    ).toEqual(['phases form a cycle: p → q → r → p; remove one of these needs']);
  });
});
