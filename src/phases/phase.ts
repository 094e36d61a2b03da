/**
 * The port between the engine and whatever does a phase's work: the built-in k0rdent phases or the
 * commands of a user-defined pipeline. The engine decides and records; a phase acts and reports.
 */
import type { PhaseGraph } from '../graph/dag.js';
import type { Stamp } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';

export interface ValidationResult {
  readonly ok: boolean;
  /** One sentence: what was checked and what was found. */
  readonly evidence: string;
}

/** A phase's view of the deployment state while it runs. */
export interface StateAccess {
  read(): StateDocument;
  /** Applies one change (a transition from src/state) stamped by the engine's clock. */
  update(change: (doc: StateDocument, stamp: Stamp) => StateDocument): void;
}

export interface PhaseOutput {
  line(text: string, stream: 'stdout' | 'stderr'): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface PhaseContext {
  readonly deploymentId: string;
  readonly phase: string;
  readonly state: StateAccess;
  readonly output: PhaseOutput;
  /** Variables a child process needs to reach this deployment's state (e.g. to record an artifact). */
  readonly env: Readonly<Record<string, string>>;
  readonly signal: AbortSignal;
}

export interface Phase {
  readonly name: string;
  readonly displayName: string;
  readonly needs: readonly string[];
  readonly optional: boolean;
  readonly runnerScoped: boolean;
  /** Undefined when the phase should run; otherwise why it is switched off. */
  readonly disabledBecause?: string;
  /** What the phase's work depends on; a change re-runs it and its dependents. */
  readonly inputs: unknown;
  run(context: PhaseContext): Promise<void>;
  validate?: (context: PhaseContext) => Promise<ValidationResult>;
  rollback?: (context: PhaseContext) => Promise<void>;
}

/** Everything the engine needs to drive one deployment. */
export interface Deployment {
  readonly id: string;
  readonly source: NonNullable<StateDocument['source']>;
  readonly phases: readonly Phase[];
  readonly graph: PhaseGraph;
  readonly flags: Readonly<Record<string, boolean>>;
  /** The effective configuration, recorded in the state as the config snapshot. */
  readonly config: unknown;
}

/** Raised by a phase for a failure the user must fix (bad config, missing permission): not retried. */
export class PhaseConfigurationError extends Error {
  override readonly name = 'PhaseConfigurationError';
}

/** Raised by a phase for a failure that a re-run may fix (throttling, timeouts). */
export class TransientPhaseError extends Error {
  override readonly name = 'TransientPhaseError';
}

/** A child command that exited non-zero; carries its exit code and the tail of its output. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly outputTail: readonly string[],
  ) {
    super(message);
  }
}
