/**
 * The action.yml files: JavaScript actions on node24 sharing the one bundle, every input and output
 * described, branding set, a post step that always runs; the 11 per-phase presets are exact presets
 * of the root action; the names in src/actions/constants.ts are the ones the files declare.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { K0RDENT_CATALOGUE } from '../../src/graph/k0rdent-catalogue.js';
import { Inputs, Outputs } from '../../src/actions/constants.js';
import { actionMetadata, repoRoot } from './support/runner.js';

const subActions = readdirSync(join(repoRoot, 'actions')).filter((d) =>
  existsSync(join(repoRoot, 'actions', d, 'action.yml')),
);
const all = ['./', ...subActions.map((d) => `./actions/${d}`)];
const presets = K0RDENT_CATALOGUE.map((e) => e.name.replaceAll('_', '-'));

test('there is a preset per built-in phase, plus gate, complete, rollback and status', () => {
  expect(subActions.sort()).toEqual([...presets, 'gate', 'complete', 'rollback', 'status'].sort());
});

test.each(all)(
  '%s: node24 on the shared bundle, post step always, every input and output described',
  (uses) => {
    const meta = actionMetadata(uses);
    const raw = load(readFileSync(join(meta.dir, 'action.yml'), 'utf8')) as {
      branding?: { icon?: string; color?: string };
      description?: string;
    };
    expect(meta.runs.using).toBe('node24');
    expect(meta.runs['post-if']).toBe('always()');
    for (const file of [meta.runs.main, meta.runs.post ?? '']) {
      expect(join(meta.dir, file).startsWith(join(repoRoot, 'dist/actions/'))).toBe(true);
      expect(existsSync(join(meta.dir, file))).toBe(true);
    }
    expect(raw.description?.length).toBeGreaterThan(20);
    expect(raw.branding?.icon && raw.branding.color).toBeTruthy();
    for (const [name, spec] of [...Object.entries(meta.inputs), ...Object.entries(meta.outputs)]) {
      expect([name, (spec.description ?? '').length > 10]).toEqual([name, true]);
    }
    const known: string[] = [...Object.values(Inputs), ...Object.values(Outputs)];
    for (const name of [...Object.keys(meta.inputs), ...Object.keys(meta.outputs)])
      expect(known).toContain(name);
  },
);

test.each(presets)('actions/%s is a preset of the root action', (preset) => {
  const root = actionMetadata('./');
  const meta = actionMetadata(`./actions/${preset}`);
  const { phase: _phase, run: _run, validate: _validate, needs: _needs, ...rootInputs } = root.inputs;
  expect(meta.inputs).toEqual(rootInputs);
  expect(meta.outputs).toEqual(root.outputs);
  expect(meta.runs.main).toBe(`../../dist/actions/${preset}-main.js`);
});

test("the root action declares the issue's inputs and outputs", () => {
  const root = actionMetadata('./');
  expect(Object.keys(root.inputs)).toEqual(
    expect.arrayContaining([
      'phase',
      'run',
      'pipeline',
      'config',
      'deployment-id',
      'state-backend',
      'github-token',
      'force',
      'dry-run',
    ]),
  );
  expect(root.inputs['state-backend']?.default).toBe('auto');
  expect(root.inputs['github-token']?.default).toBe('${{ github.token }}');
  expect(Object.keys(root.outputs).sort()).toEqual([
    'deployment-id',
    'ran',
    'reason',
    'state-file',
    'status',
  ]);
  expect(Object.keys(actionMetadata('./actions/gate').outputs)).toContain('run');
  expect(Object.keys(actionMetadata('./actions/rollback').inputs)).toEqual(
    expect.arrayContaining(['to', 'destroy', 'dry-run', 'force']),
  );
  expect(Object.keys(actionMetadata('./actions/status').outputs)).toContain('state');
});
