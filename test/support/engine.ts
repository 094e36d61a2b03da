/**
 * The engine against the real local state store in a scratch folder, with a reporter that writes
 * down everything it is told, for engine tests that run in this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter } from '../../src/engine/reporter.js';
import { Session } from '../../src/engine/session.js';
import type { Deployment } from '../../src/phases/phase.js';
import type { RunRef, StateDocument } from '../../src/state/schema.js';
import { LocalStateStore } from '../../src/stores/local-store.js';

export const TEST_RUN: RunRef = { run_id: 'run-1', attempt: 2, job: 'deploy', actor: 'tester' };

/** A reporter that records each call as one line of text. */
export function recordingReporter(): Reporter & { readonly lines: string[] } {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
  };
  return {
    lines,
    decided: (phase, decision, validationMs) =>
      say(
        `decided ${phase.name} ${decision.action}: ${decision.reason}${validationMs === undefined ? '' : ' (validated)'}`,
      ),
    reset: (phase, phases, reason) => say(`reset by ${phase.name}: ${phases.join(',')}: ${reason}`),
    output: (phase, line, stream) => say(`output ${phase.name} ${stream}: ${line}`),
    finished: (phase, result) =>
      say(
        `finished ${phase.name} ${result.status}${result.error ? `: ${result.error.class}: ${result.error.message}` : ''}`,
      ),
    undone: (phase, result) =>
      say(`undone ${phase.name}${result.error ? ` failed: ${result.error.message}` : ''}`),
    info: (message) => say(`info ${message}`),
    notice: (message, title) => say(`notice ${title ?? ''}: ${message}`),
    warn: (message, title) => say(`warn ${title ?? ''}: ${message}`),
  };
}

export interface EngineBench {
  readonly dir: string;
  readonly store: LocalStateStore;
  readonly reporter: ReturnType<typeof recordingReporter>;
  open(deployment: Deployment, options?: { now?: () => number; command?: string }): Promise<Session>;
  /** The state as stored now. */
  stored(): Promise<StateDocument | undefined>;
  remove(): void;
}

export function engineBench(): EngineBench {
  const dir = mkdtempSync(join(tmpdir(), 'k0rdent-engine-'));
  const store = new LocalStateStore(join(dir, 'state'));
  const reporter = recordingReporter();
  return {
    dir,
    store,
    reporter,
    open: (deployment, options = {}) =>
      Session.open({
        store,
        deployment,
        command: options.command ?? 'test',
        reporter,
        run: TEST_RUN,
        ...(options.now ? { now: options.now } : {}),
      }),
    stored: async () => (await new LocalStateStore(join(dir, 'state')).load())?.doc,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
