/** Which phases a command acts on: all, one (`--only`), or a prefix of the order (`--until`). */
import { UserError } from '../errors.js';
import type { Deployment, Phase } from '../phases/phase.js';

export interface Selection {
  readonly only?: string;
  readonly until?: string;
  /** Re-run the `only` phase even when it is completed; meaningless without `only`. */
  readonly force?: boolean;
}

export function selectPhases(deployment: Deployment, selection: Selection): Phase[] {
  if (selection.force && selection.only === undefined) {
    throw new UserError(
      '--force re-runs one completed phase and needs --only <phase>; to run every phase again, ' +
        'reset them first (reset --from <first phase>)',
    );
  }
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

/** `--enable P --disable P` asks for both; refused rather than letting the last one win. */
export function assertSwitchesAgree(overrides: {
  enable?: readonly string[];
  disable?: readonly string[];
  enableOption?: string;
  disableOption?: string;
}): void {
  const both = (overrides.enable ?? []).filter((name) => overrides.disable?.includes(name));
  const [on, off] = [overrides.enableOption ?? '--enable', overrides.disableOption ?? '--disable'];
  if (both.length > 0) {
    throw new UserError(
      `${[...new Set(both)].map((name) => `${on} ${name} ${off} ${name}`).join(', ')}: ` +
        'a phase cannot be switched on and off at once; pass one of the two',
    );
  }
}
