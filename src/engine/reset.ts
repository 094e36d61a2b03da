/** `reset --from P`: P and everything that needs it back to pending; nothing is undone. */
import type { Deployment } from '../phases/phase.js';
import type { Stamp } from '../state/document.js';
import { statusOf } from '../state/document.js';
import type { StateDocument } from '../state/schema.js';
import { resetFrom } from '../state/transitions.js';
import { requirePhase } from './select.js';

export interface ResetResult {
  readonly doc: StateDocument;
  /** Phases whose status changed to pending, in execution order. */
  readonly reset: readonly string[];
  /** Every phase of the deployment is pending afterwards while some was not before: archive the old state. */
  readonly full: boolean;
}

export function resetDeployment(
  doc: StateDocument,
  deployment: Deployment,
  from: string,
  stamp: Stamp,
  reason: string,
): ResetResult {
  requirePhase(deployment, from);
  const result = resetFrom(doc, deployment.graph, from, stamp, reason);
  return {
    doc: result.doc,
    reset: result.reset,
    full: result.reset.length > 0 && allPending(result.doc, deployment),
  };
}

export function allPending(doc: StateDocument, deployment: Deployment): boolean {
  return deployment.phases.every((phase) => statusOf(doc, phase.name) === 'pending');
}
