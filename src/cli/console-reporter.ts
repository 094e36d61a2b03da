/** The engine's progress, as lines in a terminal or a CI log. */
import { formatDuration, type FinalDecision, type PhaseView, type Reporter } from '../engine/reporter.js';
import type { PhaseError } from '../state/schema.js';
import type { Output } from './output.js';

/** Seconds of silence before a running phase is said to be still running: often in a terminal, less in logs. */
export const HEARTBEAT_ENV = 'K0RDENT_HEARTBEAT_SECONDS';
const HEARTBEAT_TTY_S = 10;
const HEARTBEAT_LOG_S = 60;

export class ConsoleReporter implements Reporter {
  private readonly write: (text: string) => void;
  private readonly heartbeatMs: number;
  private running: { phase: PhaseView; started: number; lastLine: number; timer: NodeJS.Timeout } | undefined;

  /** Progress goes to stderr when stdout carries JSON. */
  constructor(
    private readonly term: Output,
    progressToStderr = false,
  ) {
    this.write = progressToStderr ? term.err : term.out;
    const tty = (progressToStderr ? process.stderr : process.stdout).isTTY;
    const configured = Number(process.env[HEARTBEAT_ENV]);
    this.heartbeatMs =
      (Number.isFinite(configured) && configured > 0 ? configured : tty ? HEARTBEAT_TTY_S : HEARTBEAT_LOG_S) *
      1000;
  }

  /**
   * While a phase runs, a line after every heartbeat of silence says it is still running and for
   * how long, so a long quiet step (a VM being created) does not look hung.
   */
  private startHeartbeat(phase: PhaseView): void {
    this.stopHeartbeat();
    const started = performance.now();
    const timer = setInterval(() => {
      const running = this.running;
      if (!running) return;
      const now = performance.now();
      if (now - running.lastLine < this.heartbeatMs * 0.9) return;
      running.lastLine = now;
      this.write(
        `  ${this.term.c.dim('│')} ${this.term.c.dim(`… ${phase.name} still running (${formatDuration(now - started)})`)}`,
      );
    }, this.heartbeatMs);
    timer.unref();
    this.running = { phase, started, lastLine: started, timer };
  }

  private stopHeartbeat(): void {
    if (this.running) clearInterval(this.running.timer);
    this.running = undefined;
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
        this.startHeartbeat(phase);
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
    if (this.running) this.running.lastLine = performance.now();
    this.write(`  ${this.term.c.dim('│')} ${line}`);
  }

  finished(
    phase: PhaseView,
    result: { status: 'completed' | 'failed'; durationMs: number; error?: PhaseError },
  ): void {
    this.stopHeartbeat();
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
