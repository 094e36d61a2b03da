import { parsePipeline } from '../../../src/phases/pipeline/load.js';
import { fileErrorOf } from '../../support/refusals.js';

function errorOf(text: string): string {
  return fileErrorOf(() => parsePipeline(text, 'pipe.yml')).message;
}

const valid = `deployment: demo
phases:
  - name: first
    run: echo one
  - name: second
    needs: [first]
    run: echo two
    inputs: { workers: 2 }
  - name: extra
    needs: [second]
    optional: true
    run: echo extra
`;

describe('pipeline files', () => {
  test('a valid pipeline becomes a deployment with its graph, inputs and optional phases', () => {
    const deployment = parsePipeline(valid, 'pipe.yml');
    expect(deployment.id).toBe('demo');
    expect(deployment.graph.order).toEqual(['first', 'second', 'extra']);
    expect(deployment.phases[1]?.inputs).toEqual({ workers: 2 });
    expect(deployment.phases[2]?.disabledBecause).toMatch(/optional phase not enabled/);
    expect(deployment.flags).toEqual({ extra: false });
    expect(
      parsePipeline(valid, 'pipe.yml', { enable: ['extra'] }).phases[2]?.disabledBecause,
    ).toBeUndefined();
  });

  test('a YAML syntax error names the file and line', () => {
    expect(errorOf('deployment: demo\nphases:\n  - name: a\n    run: [oops\n')).toMatch(
      /^pipe\.yml:\d+:\d+: YAML syntax error/,
    );
  });

  test('an unknown key is named with its line', () => {
    expect(errorOf(valid.replace('    run: echo two', '    runn: echo two'))).toContain(
      'pipe.yml:7:5: phases[1]: unknown key "runn"',
    );
  });

  test('a missing run command is reported as required', () => {
    expect(errorOf(valid.replace('    run: echo one\n', ''))).toContain('phases[0].run: is required');
  });

  test('duplicate names point at the second one', () => {
    expect(errorOf(valid.replace('name: second', 'name: first'))).toContain(
      'pipe.yml:5:11: phases[1].name: phase name "first" is used more than once; names must be unique',
    );
  });

  test('a need that names no phase is located at that need', () => {
    expect(errorOf(valid.replace('needs: [first]', 'needs: [frist]'))).toContain(
      'pipe.yml:6:13: phases[1].needs[0]: phase "second" needs "frist", which names no phase',
    );
  });

  test('a cycle names every phase in it', () => {
    expect(
      errorOf(valid.replace('  - name: first\n    run', '  - name: first\n    needs: [extra]\n    run')),
    ).toMatch(/phases form a cycle: first → extra → second → first/);
  });

  test('duplicate keys, bad names and misplaced enabled are reported', () => {
    expect(errorOf(valid.replace('    run: echo one', '    run: echo one\n    run: echo again'))).toMatch(
      /duplicated mapping key/,
    );
    expect(errorOf(valid.replace('name: first', 'name: First Phase'))).toMatch(
      /phases\[0\]\.name: expected snake_case/,
    );
    expect(errorOf(valid.replace('deployment: demo', 'deployment: "demo; rm -rf /"'))).toMatch(
      /deployment: expected a deployment id/,
    );
    expect(errorOf(valid.replace('    run: echo one', '    run: echo one\n    enabled: true'))).toMatch(
      /phases\[0\]\.enabled: enabled applies only to optional phases/,
    );
  });

  test('--enable of a phase that is not optional is refused with the list of optional phases', () => {
    expect(() => parsePipeline(valid, 'pipe.yml', { enable: ['first'] })).toThrow(
      '--enable first: not an optional phase of this pipeline (optional phases: extra)',
    );
  });
});
