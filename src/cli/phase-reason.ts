/** Why a phase is where it is, in a sentence, for status tables and `status --json`. */
import { reasonOf, statusOf } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';

/**
 * The recorded reason or validation evidence; for a phase that completed by running (which keeps
 * neither), why it ran, from the event that started it.
 */
export function phaseReason(doc: StateDocument, phase: string): string | undefined {
  const recorded = reasonOf(doc.phases[phase]);
  if (recorded !== undefined || statusOf(doc, phase) !== 'completed') return recorded;
  const started = doc.events.findLast((e) => e.phase === phase && e.type === 'phase_started');
  return started ? `ran: ${started.message.replace(/^started: /, '')}` : undefined;
}
