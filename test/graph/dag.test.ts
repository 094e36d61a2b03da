import fc from 'fast-check';
import { describeGraphProblem, PhaseGraph } from '../../src/graph/dag.js';
import { K0RDENT_CATALOGUE } from '../../src/graph/k0rdent-catalogue.js';

describe('PhaseGraph', () => {
  test('the k0rdent catalogue runs in its catalogue order, with the needs of DESIGN.md', () => {
    const graph = PhaseGraph.buildOrThrow(K0RDENT_CATALOGUE);
    expect(graph.order).toEqual(K0RDENT_CATALOGUE.map((p) => p.name));
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
    expect(K0RDENT_CATALOGUE.filter((p) => p.runnerScoped).map((p) => p.name)).toEqual(['connect_vpn']);
    expect(K0RDENT_CATALOGUE.filter((p) => p.flag).map((p) => `${p.name}:${p.flag ?? ''}`)).toEqual([
      'setup_azure_children:azure_children',
      'install_azure_csi:kof',
      'install_kof_mothership:kof',
      'install_kof_regional:kof',
    ]);
  });

  test('ties keep the order the phases were written in', () => {
    const graph = PhaseGraph.buildOrThrow([
      { name: 'c', needs: [] },
      { name: 'a', needs: ['c'] },
      { name: 'b', needs: [] },
      { name: 'd', needs: ['b', 'a'] },
    ]);
    expect(graph.order).toEqual(['c', 'a', 'b', 'd']);
  });

  test('the order is topological for any acyclic graph (property)', () => {
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
      }),
    );
  });

  test('reports duplicates, unknown needs, self needs and cycles (naming the phases in the cycle)', () => {
    const problems = (nodes: { name: string; needs: string[] }[]) => {
      const built = PhaseGraph.build(nodes);
      return built instanceof PhaseGraph ? [] : built.problems.map(describeGraphProblem);
    };
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
      problems([
        { name: 'start', needs: [] },
        { name: 'a', needs: ['start', 'c'] },
        { name: 'b', needs: ['a'] },
        { name: 'c', needs: ['b'] },
      ]),
    ).toEqual(['phases form a cycle: a → c → b → a; remove one of these needs']);
  });
});
