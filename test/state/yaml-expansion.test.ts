/**
 * Every YAML reader has an expansion budget: aliases count by what they stand for, so a file of a
 * few kilobytes cannot make validation walk billions of nodes (or a cycle forever).
 */
import { FileError } from '../../src/errors.js';
import { parseConfig } from '../../src/phases/k0rdent/config.js';
import { parsePipeline } from '../../src/phases/pipeline/load.js';
import { decodeLegacyEvents, decodeState, encodeState } from '../../src/state/codec.js';
import { setConfig } from '../../src/state/transitions.js';
import { parseYaml } from '../../src/state/yaml-validation.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/stores/artifact-snapshot.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';
import { aliasBomb, withEventData } from '../support/yaml-bombs.js';

function refusal(parse: () => unknown): FileError {
  const started = performance.now();
  try {
    parse();
  } catch (error) {
    expect(performance.now() - started).toBeLessThan(1_000);
    if (error instanceof FileError) return error;
    throw error;
  }
  throw new Error('expected the input to be refused');
}

const valid = encodeState(newDoc(['alpha']));

test('an alias bomb inside events[].data of a valid state file is refused at once, at its line', () => {
  const text = withEventData(valid, aliasBomb('      '));
  const error = refusal(() => decodeState(text, 'state/deployment-state.yaml'));
  expect(error.message).toMatch(/expand it to more than 33554432 bytes/);
  // Located at the alias that crossed the budget, a line the file really has.
  const line = error.problems[0]?.line ?? 0;
  expect(text.split('\n')[line - 1]).toMatch(/^ {6}l\d: &a\d \[\*a\d/);
});

test('an alias bomb in the config snapshot of a state file is refused', () => {
  const configured = setConfig(newDoc(['alpha']), stamp(), {
    fingerprint: 'f'.repeat(64),
    flags: {},
    snapshot: { placeholder: true },
  });
  const text = encodeState(configured).replace(
    /^ {2}snapshot:\n {4}placeholder: true\n/m,
    `  snapshot:\n${aliasBomb('    ')}`,
  );
  expect(text).toContain('&a9');
  refusal(() => decodeState(text, 'state/deployment-state.yaml'));
});

test('pipelines, configs and upstream event files have the same budget', () => {
  const pipeline = `deployment: demo\nphases:\n  - name: a\n    run: "true"\n    inputs:\n${aliasBomb('      ')}`;
  expect(refusal(() => parsePipeline(pipeline, 'pipe.yml')).message).toMatch(/aliases/);
  const config = `metadata:\n${aliasBomb('  ')}`;
  expect(refusal(() => parseConfig(config, 'k0rdent.yaml')).message).toMatch(/aliases/);
  const events = `events:\n  - data:\n${aliasBomb('      ')}`;
  expect(refusal(() => decodeLegacyEvents(events, 'deployment-events.yaml')).message).toMatch(/aliases/);
});

test('a state snapshot (the artifact store) has the same budget', () => {
  const writer = { run_id: '1', attempt: 1, job: 'j', lane: 'abcdef12' };
  const text = encodeSnapshot(newDoc(['alpha']), [], writer) + `padding:\n${aliasBomb('  ')}`;
  expect(refusal(() => decodeSnapshot(text, 'snapshot.yaml', 'demo')).message).toMatch(
    /snapshot\.yaml:\d+:\d+: .*aliases .*expand it to more than \d+ bytes/,
  );
});

test('the budget is in bytes after expansion, so it scales with the reader limit', () => {
  const small = `a: &a [${'x'.repeat(100)}]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n`;
  expect(parseYaml(small, 'f', { maxBytes: 10_000 }).value).toBeDefined();
  expect(refusal(() => parseYaml(small, 'f', { maxBytes: 500 })).message).toMatch(/more than 500 bytes/);
});

test('an alias to the collection that holds it (a cycle) is refused', () => {
  const error = refusal(() => parseYaml('a: &x [1, *x]\n', 'f', { maxBytes: 10_000 }));
  expect(error.message).toMatch(/f:1:\d+: alias \*x refers to a collection that contains it/);
});

test('ordinary anchors stay usable', () => {
  const text = 'base: &base {cpu: 2}\nworkers: [*base, *base]\n';
  expect(parseYaml(text, 'f', { maxBytes: 10_000 }).value).toEqual({
    base: { cpu: 2 },
    workers: [{ cpu: 2 }, { cpu: 2 }],
  });
});
