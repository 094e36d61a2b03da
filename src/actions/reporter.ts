/**
 * The engine's progress in a GitHub Actions log: one line per decision and result, phase output
 * indented, and annotations with titles for what a reader of the run must notice: a phase skipped
 * after validation, a drift or input reset, a migrated state, a stale lock.
 */
import * as core from './runner-commands.js';
import { formatDuration, type FinalDecision, type PhaseView, type Reporter } from '../engine/reporter.js';
import type { PhaseError } from '../state/schema.js';

/** What this step decided and did per phase, for outputs and the summary. */
export interface StepRecord {
  readonly decision: FinalDecision['action'];
  readonly reason: string;
  readonly validated: boolean;
  durationMs?: number;
  error?: PhaseError;
  undone?: boolean;
}

export class ActionsReporter implements Reporter {
  readonly steps = new Map<string, StepRecord>();

  decided(phase: PhaseView, decision: FinalDecision, validationMs?: number): void {
    const validated = validationMs === undefined ? '' : ` (checked in ${formatDuration(validationMs)})`;
    this.steps.set(phase.name, {
      decision: decision.action,
      reason: decision.reason,
      validated: validationMs !== undefined,
    });
    switch (decision.action) {
      case 'skip':
        core.info(`↷ ${phase.name}: skip — ${decision.reason}${validated}`);
        if (validationMs !== undefined) {
          core.notice(`${phase.displayName}: ${decision.reason}`, {
            title: `Skipped after validation: ${phase.name}`,
          });
        }
        break;
      case 'run':
        core.info(`▶ ${phase.name}: run — ${decision.reason}${validated}`);
        break;
      case 'blocked':
        core.info(`■ ${phase.name}: blocked — ${decision.reason}`);
        break;
    }
  }

  reset(phase: PhaseView, phases: readonly string[], reason: string): void {
    const drift = reason.startsWith('validation failed');
    core.warning(`${phase.name} runs again (${reason}); reset to pending: ${phases.join(', ')}`, {
      title: drift ? `Drift reset: ${phase.name}` : `Reset: ${phase.name}`,
    });
  }

  output(_phase: PhaseView, line: string): void {
    core.info(`  │ ${line}`);
  }

  finished(
    phase: PhaseView,
    result: { status: 'completed' | 'failed'; durationMs: number; error?: PhaseError },
  ): void {
    const step = this.steps.get(phase.name);
    if (step) {
      step.durationMs = result.durationMs;
      if (result.error) step.error = result.error;
    }
    if (result.status === 'completed') {
      core.info(`✔ ${phase.name}: completed in ${formatDuration(result.durationMs)}`);
    } else {
      core.info(
        `✖ ${phase.name}: failed after ${formatDuration(result.durationMs)}` +
          (result.error ? ` (${result.error.class}): ${result.error.message}` : ''),
      );
    }
  }

  undone(phase: PhaseView, result: { durationMs: number; error?: PhaseError }): void {
    if (result.error) {
      core.info(
        `✖ ${phase.name}: undo failed after ${formatDuration(result.durationMs)}: ${result.error.message}`,
      );
    } else {
      core.info(`↶ ${phase.name}: undone in ${formatDuration(result.durationMs)}`);
    }
  }

  info(message: string): void {
    core.info(message);
  }

  notice(message: string, title?: string): void {
    core.notice(message, title === undefined ? {} : { title });
  }

  warn(message: string, title?: string): void {
    core.warning(message, title === undefined ? {} : { title });
  }
}
