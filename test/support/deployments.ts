/**
 * Deployments whose phases are functions in this process, for engine tests that need to see every
 * call the engine makes to a phase (and the context it passes) without spawning commands.
 */
import { PhaseGraph } from '../../src/graph/dag.js';
import type { Deployment, Phase, PhaseContext, ValidationResult } from '../../src/phases/phase.js';

export interface PhaseSpec {
  readonly name: string;
  readonly needs?: readonly string[];
  readonly runnerScoped?: boolean;
  readonly disabledBecause?: string;
  readonly inputs?: unknown;
  /** Throw to fail the phase. */
  readonly run?: (context: PhaseContext) => Promise<void> | void;
  /** Absent: the phase has no validator. */
  readonly validate?: (context: PhaseContext) => Promise<ValidationResult> | ValidationResult;
  readonly rollback?: (context: PhaseContext) => Promise<void> | void;
}

export interface Call {
  readonly phase: string;
  readonly what: 'run' | 'validate' | 'rollback';
  readonly context: PhaseContext;
}

export interface TestDeployment extends Deployment {
  /** Every run, validate and rollback the engine asked for, in order. */
  readonly calls: Call[];
  /** `phase what` for each call, in order. */
  called(): string[];
}

export function testDeployment(
  specs: readonly PhaseSpec[],
  options: { id?: string; flags?: Record<string, boolean>; config?: unknown } = {},
): TestDeployment {
  const calls: Call[] = [];
  const phases: Phase[] = specs.map((spec) => ({
    name: spec.name,
    displayName: `Phase ${spec.name}`,
    needs: spec.needs ?? [],
    optional: spec.disabledBecause !== undefined,
    runnerScoped: spec.runnerScoped ?? false,
    ...(spec.disabledBecause === undefined ? {} : { disabledBecause: spec.disabledBecause }),
    inputs: spec.inputs ?? { phase: spec.name },
    run: async (context) => {
      calls.push({ phase: spec.name, what: 'run', context });
      await spec.run?.(context);
    },
    ...(spec.validate
      ? {
          validate: async (context: PhaseContext) => {
            calls.push({ phase: spec.name, what: 'validate', context });
            return spec.validate!(context);
          },
        }
      : {}),
    ...(spec.rollback
      ? {
          rollback: async (context: PhaseContext) => {
            calls.push({ phase: spec.name, what: 'rollback', context });
            await spec.rollback!(context);
          },
        }
      : {}),
  }));
  return {
    id: options.id ?? 'demo',
    source: { kind: 'pipeline', file: 'in-process.yml' },
    phases,
    graph: PhaseGraph.buildOrThrow(specs.map((s) => ({ name: s.name, needs: s.needs ?? [] }))),
    flags: options.flags ?? {},
    config: options.config ?? { test: true },
    calls,
    called: () => calls.map((c) => `${c.phase} ${c.what}`),
  };
}

/** A validator that always finds the phase still true. */
export const holds = (): ValidationResult => ({ ok: true, evidence: 'still there' });
/** A validator that always finds drift. */
export const drifted = (): ValidationResult => ({ ok: false, evidence: 'gone' });
