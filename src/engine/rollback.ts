/**
 * `rollback --to P`: undo what P and the phases after it built, newest first, then reset them.
 * Each phase is set to pending as soon as its undo succeeds, so an interrupted rollback leaves a
 * state that says exactly what is still standing. A failing undo stops the rollback, unless
 * `force`, which carries on, reports it, and still resets the phase (a later run re-creates what
 * it needs idempotently; the failure stays in the events).
 */
import { PhaseFailedError } from '../errors.js';
import type { Deployment, Phase } from '../phases/phase.js';
import { mayHaveBuilt, statusOf } from '../state/document.js';
import type { PhaseStatus, StateDocument } from '../state/schema.js';
import { addNote, markPending, removeArtifact, resetFrom } from '../state/transitions.js';
import { classifyFailure } from './classify.js';
import type { Reporter } from './reporter.js';
import { allPending } from './reset.js';
import { phaseContext } from './run.js';
import { requirePhase } from './select.js';
import type { Session } from './session.js';

export interface RollbackStep {
  readonly phase: string;
  readonly displayName: string;
  readonly status: PhaseStatus;
  /** `undo`: its rollback runs; `reset`: nothing to undo (no rollback, or nothing built), only reset. */
  readonly action: 'undo' | 'reset';
}

export interface RollbackOptions {
  readonly to: string;
  /** Run the phases' undo steps; without it the rollback only resets state. */
  readonly destroy: boolean;
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly env?: Readonly<Record<string, string>>;
}

export interface RollbackSummary {
  readonly steps: readonly (RollbackStep & {
    readonly result: 'undone' | 'reset' | 'failed';
    readonly error?: string;
  })[];
  readonly archivedTo?: string;
}

export function planRollback(
  doc: StateDocument,
  deployment: Deployment,
  to: string,
  destroy: boolean,
): RollbackStep[] {
  requirePhase(deployment, to);
  const affected = [to, ...deployment.graph.dependentsOf(to)].reverse();
  const byName = new Map(deployment.phases.map((p) => [p.name, p]));
  return affected
    .map((name) => byName.get(name))
    .filter((phase): phase is Phase => phase !== undefined)
    .filter((phase) => statusOf(doc, phase.name) !== 'pending')
    .map((phase) => {
      const status = statusOf(doc, phase.name);
      // Whether or not an optional phase is enabled now: what it built while it was is still there.
      const undo = destroy && phase.rollback !== undefined && mayHaveBuilt(doc.phases[phase.name]);
      return { phase: phase.name, displayName: phase.displayName, status, action: undo ? 'undo' : 'reset' };
    });
}

export async function rollbackDeployment(
  session: Session,
  deployment: Deployment,
  reporter: Reporter,
  options: RollbackOptions,
): Promise<RollbackSummary> {
  const before = session.doc;
  const steps = planRollback(before, deployment, options.to, options.destroy);
  const signal = options.signal ?? new AbortController().signal;
  const results: RollbackSummary['steps'][number][] = [];
  session.change((doc, stamp) =>
    addNote(
      doc,
      stamp,
      'rollback_started',
      `rollback to ${options.to}${options.destroy ? ' (destroy)' : ''}`,
      options.to,
      {
        phases: steps.map((s) => s.phase),
      },
    ),
  );
  await session.commit();

  for (const step of steps) {
    const phase = requirePhase(deployment, step.phase);
    if (step.action === 'undo' && phase.rollback) {
      const started = performance.now();
      try {
        await phase.rollback(phaseContext(session, deployment, phase, reporter, signal, options.env));
      } catch (error) {
        const failure = classifyFailure(error);
        const durationMs = performance.now() - started;
        reporter.undone(phase, { durationMs, error: failure });
        session.change((doc, stamp) =>
          addNote(
            doc,
            stamp,
            'rollback_step',
            `undo of ${phase.name} failed: ${failure.message}`,
            phase.name,
            {
              result: 'failed',
            },
          ),
        );
        if (!options.force) {
          await session.commit();
          throw new PhaseFailedError(
            `undo of ${phase.name} failed: ${failure.message.split('\n')[0] ?? ''}. ` +
              `Phases after it are rolled back; fix the cause and run the rollback again, or pass --force to carry on.`,
          );
        }
        reporter.warn(
          `undo of ${phase.name} failed; continuing because of --force: ${failure.message}`,
          'Rollback step failed',
        );
        session.change((doc, stamp) =>
          markPending(
            doc,
            phase.name,
            stamp,
            `rolled back with --force; its undo failed, resources may remain`,
          ),
        );
        await session.commit();
        results.push({ ...step, result: 'failed', error: failure.message });
        continue;
      }
      reporter.undone(phase, { durationMs: performance.now() - started });
      // One change per event: an event's id is its change's stamp, and a merge keeps one event per id.
      session.change((doc, stamp) =>
        addNote(doc, stamp, 'rollback_step', `undid ${phase.name}`, phase.name, { result: 'undone' }),
      );
      for (const [name, artifact] of Object.entries(session.doc.artifacts)) {
        if (artifact.phase === phase.name && !artifact.removed)
          session.change((doc, stamp) => removeArtifact(doc, name, stamp, `${phase.name} undone`));
      }
      session.change((doc, stamp) => markPending(doc, phase.name, stamp, `rolled back to ${options.to}`));
      await session.commit();
      results.push({ ...step, result: 'undone' });
    } else {
      session.change((doc, stamp) =>
        markPending(doc, phase.name, stamp, `rolled back to ${options.to} (state only)`),
      );
      results.push({ ...step, result: 'reset' });
    }
  }

  // Anything still not pending in the affected set (e.g. skipped phases) is reset last.
  session.change(
    (doc, stamp) => resetFrom(doc, deployment.graph, options.to, stamp, `rolled back to ${options.to}`).doc,
  );
  session.change((doc, stamp) =>
    addNote(doc, stamp, 'rollback_finished', `rollback to ${options.to} finished`, options.to, {
      undone: results.filter((r) => r.result === 'undone').map((r) => r.phase),
      failed: results.filter((r) => r.result === 'failed').map((r) => r.phase),
    }),
  );
  await session.commit();
  const archivedTo =
    allPending(session.doc, deployment) && !allPending(before, deployment)
      ? await session.archive(before, 'before-rollback')
      : undefined;
  return { steps: results, ...(archivedTo ? { archivedTo } : {}) };
}
