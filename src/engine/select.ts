/** Which phases a command acts on: all, one (`--only`), or a prefix of the order (`--until`). */
import { UserError } from '../errors.js';
import type { Deployment, Phase } from '../phases/phase.js';

export interface Selection {
  readonly only?: string;
  readonly until?: string;
}

export function selectPhases(deployment: Deployment, selection: Selection): Phase[] {
  const byName = new Map(deployment.phases.map((p) => [p.name, p]));
  const ordered = deployment.graph.order
    .map((name) => byName.get(name))
    .filter((p): p is Phase => p !== undefined);
  if (selection.only !== undefined && selection.until !== undefined) {
    throw new UserError('use either --only or --until, not both');
  }
  const target = selection.only ?? selection.until;
  if (target === undefined) return ordered;
  requirePhase(deployment, target);
  if (selection.only !== undefined) return ordered.filter((p) => p.name === target);
  const end = ordered.findIndex((p) => p.name === target);
  return ordered.slice(0, end + 1);
}

export function requirePhase(deployment: Deployment, name: string): Phase {
  const phase = deployment.phases.find((p) => p.name === name);
  if (!phase) {
    throw new UserError(
      `"${name}" is not a phase of deployment ${deployment.id}; phases are: ${deployment.graph.order.join(', ')}`,
    );
  }
  return phase;
}
