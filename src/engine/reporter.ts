/** What the engine tells its surface (terminal, GitHub Actions log and summary) as it works. */
import type { PhaseError } from '../state/schema.js';
import type { GateDecision } from './gate.js';

export type FinalDecision = Exclude<GateDecision, { action: 'validate' }>;

export interface PhaseView {
  readonly name: string;
  readonly displayName: string;
}

export interface Reporter {
  /** The gate decided; `validationMs` is set when a validator ran to decide. */
  decided(phase: PhaseView, decision: FinalDecision, validationMs?: number): void;
  /** Phases reset by a decision (drift or changed inputs), before the phase runs. */
  reset(phase: PhaseView, phases: readonly string[], reason: string): void;
  output(phase: PhaseView, line: string, stream: 'stdout' | 'stderr'): void;
  finished(
    phase: PhaseView,
    result: { status: 'completed' | 'failed'; durationMs: number; error?: PhaseError },
  ): void;
  /** A rollback step: the phase's undo ran (`error` set when it failed). */
  undone(phase: PhaseView, result: { durationMs: number; error?: PhaseError }): void;
  info(message: string): void;
  notice(message: string, title?: string): void;
  warn(message: string, title?: string): void;
}

/** A reporter that says nothing (plan internals, tests). */
export const silentReporter: Reporter = {
  decided: () => undefined,
  reset: () => undefined,
  output: () => undefined,
  finished: () => undefined,
  undone: () => undefined,
  info: () => undefined,
  notice: () => undefined,
  warn: () => undefined,
};

/** A phase's duration as both surfaces print it: `850 ms`, `12.3 s`, `4 min 5 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
