/**
 * Hostile and broken input to the parsers: whatever the bytes, the answer is a document or a clean,
 * located validation error (FileError / UserError) — never another exception, never a hang.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { FileError, UserError } from '../../src/errors.js';
import { parseConfig } from '../../src/phases/k0rdent/config.js';
import { parsePipeline } from '../../src/phases/pipeline/load.js';
import { decodeState, encodeState } from '../../src/state/codec.js';
import { markCompleted, markFailed, recordArtifact } from '../../src/state/transitions.js';
import { newDoc, stamp } from '../support/state-arbitraries.js';
import { EXAMPLE_PIPELINE } from '../support/pipelines.js';
import { mutated } from '../support/mutations.js';

const RUNS = { numRuns: 400 };

function cleanOutcome(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (error instanceof FileError || error instanceof UserError) {
      expect(error.message.length).toBeGreaterThan(0);
      return;
    }
    throw error;
  }
}

describe('state file parser', () => {
  let doc = newDoc(['alpha', 'beta', 'gamma']);
  doc = markCompleted(doc, 'alpha', stamp(), 'a'.repeat(64));
  doc = markFailed(doc, 'beta', stamp(), {
    message: 'boom: "quoted"\nsecond line',
    class: 'transient',
    exit_code: 75,
  });
  doc = recordArtifact(doc, 'kubeconfig', stamp(), {
    path: 'state/kubeconfig',
    sha256: 'b'.repeat(64),
    size: 10,
    sensitive: true,
    phase: 'alpha',
  });
  const valid = encodeState(doc);

  test('mutated state files give a document or a located error', () => {
    fc.assert(
      fc.property(mutated(valid), (text) => cleanOutcome(() => decodeState(text, 'state.yaml'))),
      RUNS,
    );
  });

  test('arbitrary text and arbitrary JSON values give a document or a located error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) =>
        cleanOutcome(() => decodeState(text, 'state.yaml')),
      ),
      RUNS,
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) =>
        cleanOutcome(() => decodeState(JSON.stringify(value), 'state.yaml')),
      ),
      RUNS,
    );
  });

  test('alias bombs and deep nesting are refused, not expanded', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(',')}]`,
      ),
    ].join('\n');
    expect(() => decodeState(bomb, 'state.yaml')).toThrow(FileError);
    expect(() => decodeState('['.repeat(5000) + ']'.repeat(5000), 'state.yaml')).toThrow(FileError);
  });
});

describe('pipeline parser', () => {
  const valid = readFileSync(EXAMPLE_PIPELINE, 'utf8');

  test('mutated pipelines give a deployment or a located error', () => {
    fc.assert(
      fc.property(mutated(valid), (text) => cleanOutcome(() => parsePipeline(text, 'pipe.yml'))),
      RUNS,
    );
  });

  test('arbitrary structures give a deployment or a located error', () => {
    const phase = fc.record(
      {
        name: fc.oneof(
          fc.string({ maxLength: 8 }),
          fc.constantFrom('a', 'b', 'c', '../x', 'a\nb', '::warning::x'),
        ),
        needs: fc.array(fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 4 })), {
          maxLength: 3,
        }),
        run: fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
        optional: fc.oneof(fc.boolean(), fc.string({ maxLength: 3 })),
        inputs: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
      },
      { requiredKeys: [] },
    );
    const pipeline = fc.record(
      {
        deployment: fc.oneof(fc.constant('demo'), fc.string({ maxLength: 10 })),
        phases: fc.array(phase, { maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(pipeline, (value) => cleanOutcome(() => parsePipeline(JSON.stringify(value), 'pipe.yml'))),
      RUNS,
    );
  });
});

describe('k0rdent config parser', () => {
  const valid = readFileSync('config/k0rdent-default.yaml', 'utf8');

  test('mutated configs give a configuration or a located error', () => {
    fc.assert(
      fc.property(mutated(valid), (text) => cleanOutcome(() => parseConfig(text, 'k0rdent.yaml'))),
      RUNS,
    );
  });

  test('arbitrary values at every section give a configuration or a located error', () => {
    const sections = [
      'metadata',
      'azure',
      'network',
      'vm_sizing',
      'cluster',
      'ssh',
      'software',
      'timeouts',
      'kof',
    ];
    const value = fc.dictionary(fc.constantFrom(...sections, 'other'), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 5,
    });
    fc.assert(
      fc.property(value, (config) => cleanOutcome(() => parseConfig(JSON.stringify(config), 'k0rdent.yaml'))),
      RUNS,
    );
  });
});
