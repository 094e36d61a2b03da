/** Reading a pipeline file into a Deployment: validated, its graph checked, each problem located. */
import { FileError, UserError, type FileProblem } from '../../errors.js';
import { PhaseGraph, describeGraphProblem, type GraphProblem } from '../../graph/dag.js';
import { fingerprint } from '../../state/canonical.js';
import { locate, parseYaml, validateYaml, type ParsedYaml } from '../../state/yaml-validation.js';
import type { Deployment } from '../phase.js';
import { readInputFile } from '../../tools/read-input-file.js';
import { PipelinePhase } from './pipeline-phase.js';
import { PipelineSchema, type PipelineSpec } from './schema.js';

/** Pipelines are hand-written; anything this large is a mistake or an attack. */
const MAX_PIPELINE_BYTES = 1024 * 1024;

export interface PipelineOverrides {
  /** Optional phases to switch on or off for this invocation (`--enable`, `--disable`). */
  readonly enable?: readonly string[];
  readonly disable?: readonly string[];
  /** How the surface names the two in messages (default `--enable`, `--disable`; `input enable` in actions). */
  readonly enableOption?: string;
  readonly disableOption?: string;
  /** How the surface names the file's option in messages (`--pipeline`, `input pipeline`). */
  readonly pipelineOption?: string;
}

/** A validated pipeline, before its deployment id is settled (it may pin one with `deployment:`). */
export interface PipelineDefinition {
  readonly file: string;
  /** The id the file pins with `deployment:`, if it does. */
  readonly pinned?: string;
  deployment(id: string): Deployment;
}

export async function loadPipeline(
  file: string,
  overrides: PipelineOverrides = {},
): Promise<PipelineDefinition> {
  const text = await readInputFile(file, {
    what: 'pipeline file',
    option: overrides.pipelineOption ?? '--pipeline',
    maxBytes: MAX_PIPELINE_BYTES,
  });
  return parsePipelineDefinition(text, file, overrides);
}

/** A pipeline that pins its deployment id (tests, fuzzing). */
export function parsePipeline(text: string, file: string, overrides: PipelineOverrides = {}): Deployment {
  const definition = parsePipelineDefinition(text, file, overrides);
  if (definition.pinned === undefined) throw new UserError(`${file} names no deployment`);
  return definition.deployment(definition.pinned);
}

export function parsePipelineDefinition(
  text: string,
  file: string,
  overrides: PipelineOverrides = {},
): PipelineDefinition {
  const parsed = parseYaml(text, file, { maxBytes: MAX_PIPELINE_BYTES });
  const spec = validateYaml(PipelineSchema, parsed, file);
  const built = PhaseGraph.build(spec.phases.map((p) => ({ name: p.name, needs: p.needs ?? [] })));
  if (!(built instanceof PhaseGraph)) {
    throw new FileError(
      file,
      built.problems.map((problem) => locateGraphProblem(problem, spec, parsed)),
    );
  }
  const flags = resolveEnabled(spec, overrides);
  const phases = spec.phases.map(
    (phase) =>
      new PipelinePhase(
        phase,
        phase.optional && !flags[phase.name]
          ? `optional phase not enabled (set enabled: true in ${file} or pass ${overrides.enableOption ?? '--enable'} ${phase.name})`
          : undefined,
      ),
  );
  // The id is not part of what the phases do, so naming it elsewhere changes no fingerprint.
  const { deployment: pinned, ...definition } = spec;
  const config = { pipeline_fingerprint: fingerprint(definition) };
  return {
    file,
    ...(pinned === undefined ? {} : { pinned }),
    deployment: (id) => ({ id, source: { kind: 'pipeline', file }, phases, graph: built, flags, config }),
  };
}

function resolveEnabled(spec: PipelineSpec, overrides: PipelineOverrides): Record<string, boolean> {
  const optional = new Map(spec.phases.filter((p) => p.optional).map((p) => [p.name, p.enabled ?? false]));
  for (const [list, value] of [
    [overrides.enable ?? [], true],
    [overrides.disable ?? [], false],
  ] as const) {
    for (const name of list) {
      if (!optional.has(name)) {
        const known = [...optional.keys()];
        throw new UserError(
          `${(value ? overrides.enableOption : overrides.disableOption) ?? `--${value ? 'enable' : 'disable'}`} ${name}: not an optional phase of this pipeline` +
            (known.length ? ` (optional phases: ${known.join(', ')})` : ' (it has no optional phases)'),
        );
      }
      optional.set(name, value);
    }
  }
  return Object.fromEntries(optional);
}

function locateGraphProblem(problem: GraphProblem, spec: PipelineSpec, parsed: ParsedYaml): FileProblem {
  const message = describeGraphProblem(problem);
  switch (problem.kind) {
    case 'duplicate':
      return {
        path: `phases[${problem.index}].name`,
        message,
        ...locate(parsed.text, ['phases', problem.index, 'name']),
      };
    case 'self-need':
    case 'unknown-need': {
      const needs = spec.phases[problem.index]?.needs ?? [];
      const at = needs.indexOf(problem.kind === 'unknown-need' ? problem.need : problem.name);
      return {
        path: `phases[${problem.index}].needs[${at}]`,
        message,
        ...locate(parsed.text, ['phases', problem.index, 'needs', at]),
      };
    }
    case 'cycle': {
      const index = spec.phases.findIndex((p) => p.name === problem.cycle[0]);
      return { path: `phases[${index}].needs`, message, ...locate(parsed.text, ['phases', index, 'needs']) };
    }
  }
}
