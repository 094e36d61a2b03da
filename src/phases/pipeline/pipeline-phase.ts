/** A phase of a user-defined pipeline: bash scripts for run, validate and rollback. */
import { CommandFailedError, type Phase, type PhaseContext, type ValidationResult } from '../phase.js';
import { runCommand } from '../../tools/run-command.js';
import { findOnPathSync } from '../../tools/tool.js';
import type { PipelinePhaseSpec } from './schema.js';

/** `bash -euo pipefail -c`: a failing line, an unset variable or a failing pipe stage fails the script. */
const BASH_ARGS = ['-euo', 'pipefail', '-c'] as const;

const bashByPath = new Map<string, string>();

/**
 * bash as found on the script's PATH, looked up once per PATH: spawning a bare name makes the child
 * try each PATH directory in turn, a measurable part of a short phase.
 */
function bash(env: Readonly<Record<string, string | undefined>>): string {
  const path = env.PATH ?? '';
  let found = bashByPath.get(path);
  if (found === undefined) {
    found = findOnPathSync('bash', env) ?? 'bash';
    bashByPath.set(path, found);
  }
  return found;
}

export class PipelinePhase implements Phase {
  readonly name: string;
  readonly displayName: string;
  readonly needs: readonly string[];
  readonly optional: boolean;
  readonly runnerScoped: boolean;
  readonly inputs: Readonly<Record<string, string | number | boolean>>;
  readonly validate?: (context: PhaseContext) => Promise<ValidationResult>;
  readonly rollback?: (context: PhaseContext) => Promise<void>;

  constructor(
    private readonly spec: PipelinePhaseSpec,
    readonly disabledBecause: string | undefined,
  ) {
    this.name = spec.name;
    this.displayName = spec.display_name ?? spec.name;
    this.needs = spec.needs ?? [];
    this.optional = spec.optional ?? false;
    this.runnerScoped = spec.runner_scoped ?? false;
    this.inputs = spec.inputs ?? {};
    const { validate, rollback } = spec;
    if (validate !== undefined) this.validate = (context) => this.check(validate, context);
    if (rollback !== undefined) this.rollback = (context) => this.execute(rollback, 'rollback', context);
  }

  run(context: PhaseContext): Promise<void> {
    return this.execute(this.spec.run, 'run', context);
  }

  private async execute(script: string, what: string, context: PhaseContext): Promise<void> {
    const env = this.environment(context);
    const result = await runCommand(bash(env), [...BASH_ARGS, script], {
      env,
      signal: context.signal,
      onLine: (line, stream) => context.output.line(line, stream),
    });
    if (result.exitCode === 0) return;
    const how = result.signal
      ? `was killed by ${result.signal}`
      : `exited with code ${result.exitCode ?? 'unknown'}`;
    throw new CommandFailedError(`${what} command of ${this.name} ${how}`, result.exitCode, result.tail);
  }

  private async check(script: string, context: PhaseContext): Promise<ValidationResult> {
    const env = this.environment(context);
    const result = await runCommand(bash(env), [...BASH_ARGS, script], {
      env,
      signal: context.signal,
      onLine: (line, stream) => context.output.line(line, stream),
    });
    if (result.exitCode === 0) return { ok: true, evidence: 'validate exited 0' };
    const last = result.tail.filter((line) => line.trim() !== '').at(-1);
    const how = result.signal
      ? `validate was killed by ${result.signal}`
      : `validate exited ${result.exitCode ?? '?'}`;
    return { ok: false, evidence: last ? `${how}: ${last.trim()}` : how };
  }

  /** Inputs reach the script as K0RDENT_INPUT_<NAME>, next to the engine's own variables. */
  private environment(context: PhaseContext): Record<string, string | undefined> {
    const inputs = Object.fromEntries(
      Object.entries(this.inputs).map(([key, value]) => [
        `K0RDENT_INPUT_${key.toUpperCase()}`,
        String(value),
      ]),
    );
    return { ...process.env, ...context.env, ...inputs };
  }
}
