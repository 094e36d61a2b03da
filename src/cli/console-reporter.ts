/** The engine's progress, as lines in a terminal or a CI log. */
import { formatDuration, type FinalDecision, type PhaseView, type Reporter } from '../engine/reporter.js';
import type { PhaseError } from '../state/schema.js';
import type { Output } from './output.js';

export class ConsoleReporter implements Reporter {
  private readonly write: (text: string) => void;

  /** Progress goes to stderr when stdout carries JSON. */
  constructor(
    private readonly term: Output,
    progressToStderr = false,
  ) {
    this.write = progressToStderr ? term.err : term.out;
  }

  decided(phase: PhaseView, decision: FinalDecision, validationMs?: number): void {
    const { c } = this.term;
    const checked = validationMs === undefined ? '' : c.dim(` (checked in ${formatDuration(validationMs)})`);
    const name = phase.name.padEnd(24);
    switch (decision.action) {
      case 'skip':
        this.write(`${c.dim('↷')} ${name} ${c.dim('skip')}     ${decision.reason}${checked}`);
        break;
      case 'run':
        this.write(`${c.cyan('▶')} ${c.bold(name)} ${c.cyan('run')}      ${decision.reason}${checked}`);
        break;
      case 'blocked':
        this.write(`${c.red('■')} ${name} ${c.red('blocked')}  ${decision.reason}`);
        break;
    }
  }

  reset(phase: PhaseView, phases: readonly string[], reason: string): void {
    const { c } = this.term;
    this.write(`${c.yellow('⟲')} ${phase.name}: ${reason}; reset ${phases.join(', ')}`);
  }

  output(_phase: PhaseView, line: string): void {
    this.write(`  ${this.term.c.dim('│')} ${line}`);
  }

  finished(
    phase: PhaseView,
    result: { status: 'completed' | 'failed'; durationMs: number; error?: PhaseError },
  ): void {
    const { c } = this.term;
    if (result.status === 'completed') {
      this.write(`${c.green('✔')} ${phase.name} ${c.green('done')} in ${formatDuration(result.durationMs)}`);
      return;
    }
    const error = result.error;
    this.write(
      `${c.red('✖')} ${phase.name} ${c.red('failed')} after ${formatDuration(result.durationMs)}` +
        (error ? ` (${error.class}): ${error.message}` : ''),
    );
  }

  undone(phase: PhaseView, result: { durationMs: number; error?: PhaseError }): void {
    const { c } = this.term;
    if (result.error) {
      this.write(
        `${c.red('✖')} ${phase.name} ${c.red('undo failed')} after ${formatDuration(result.durationMs)}: ${result.error.message}`,
      );
    } else {
      this.write(
        `${c.yellow('↶')} ${phase.name} ${c.yellow('undone')} in ${formatDuration(result.durationMs)}`,
      );
    }
  }

  info(message: string): void {
    this.write(message);
  }

  notice(message: string, title?: string): void {
    this.term.err(`${this.term.c.cyan('notice')}: ${title ? `${title}: ` : ''}${message}`);
  }

  warn(message: string, title?: string): void {
    this.term.err(`${this.term.c.yellow('warning')}: ${title ? `${title}: ` : ''}${message}`);
  }
}
