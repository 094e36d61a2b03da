/** Phases in execution order with their needs, for the summary's table and graph. */
import { K0RDENT_CATALOGUE } from '../graph/k0rdent-catalogue.js';
import type { Deployment } from '../phases/phase.js';
import type { StateDocument } from '../state/schema.js';
import type { SummaryPhase } from './summary.js';

export function phasesOf(deployment: Deployment | undefined, doc: StateDocument | undefined): SummaryPhase[] {
  if (deployment) {
    const byName = new Map(deployment.phases.map((p) => [p.name, p]));
    const listed = deployment.graph.order.map((name) => ({
      name,
      displayName: byName.get(name)?.displayName ?? name,
      needs: deployment.graph.needs(name),
    }));
    // Phases only the state knows (ad-hoc phases of other steps) follow.
    const extra = Object.keys(doc?.phases ?? {}).filter((name) => !deployment.graph.has(name));
    return [...listed, ...extra.map((name) => ({ name, displayName: name, needs: [] }))];
  }
  if (doc?.source?.kind === 'k0rdent') {
    return K0RDENT_CATALOGUE.map((e) => ({ name: e.name, displayName: e.displayName, needs: e.needs }));
  }
  return Object.keys(doc?.phases ?? {}).map((name) => ({ name, displayName: name, needs: [] }));
}
