/** Pipelines for end-to-end tests: the shipped example, and copies of it changed for a scenario. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { decodeState } from '../../src/state/codec.js';
import type { StateDocument } from '../../src/state/schema.js';

export const EXAMPLE_PIPELINE = join(process.cwd(), 'examples/local/pipeline.yml');
export const EXAMPLE_PHASES = [
  'prepare_workspace',
  'generate_keys',
  'render_config',
  'start_cluster',
  'install_addons',
];

interface PhaseSpec {
  name: string;
  run: string;
  rollback?: string;
  inputs?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Writes a copy of the example pipeline into `dir`, changed by `edit`, and returns its path. */
export function examplePipelineCopy(
  dir: string,
  edit: (phases: PhaseSpec[]) => void,
  name = 'pipeline.yml',
): string {
  const spec = load(readFileSync(EXAMPLE_PIPELINE, 'utf8')) as { deployment: string; phases: PhaseSpec[] };
  edit(spec.phases);
  const path = join(dir, name);
  writeFileSync(path, dump(spec));
  return path;
}

export function readState(dir: string): StateDocument {
  const decoded = decodeState(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8'), 'state');
  if (decoded.kind !== 'current') throw new Error('expected a schema 2 state file');
  return decoded.doc;
}

export function statuses(doc: StateDocument): Record<string, string> {
  return Object.fromEntries(Object.entries(doc.phases).map(([name, record]) => [name, record.status]));
}
