/**
 * Which optional phases run: `azure_children.enabled` switches setup_azure_children on, `kof.enabled`
 * the KOF phases and, because KOF's regional cluster is an Azure child, setup_azure_children too;
 * `--enable` / `--disable` override single phases for one command. A phase an enabled phase needs is
 * switched on with it (and said so); switching it off explicitly while keeping what needs it is refused.
 */
import { UserError } from '../../errors.js';
import type { CatalogueEntry } from '../../graph/k0rdent-catalogue.js';
import { PhaseConfigurationError, type PhaseContext } from '../phase.js';
import { K0rdentPhase, type DeploymentParts } from './base.js';
import type { K0rdentConfig } from './config.js';

export const FLAG_KEYS = { azure_children: 'azure_children.enabled', kof: 'kof.enabled' } as const;

export interface Switches {
  readonly enable?: readonly string[];
  readonly disable?: readonly string[];
  /** How the surface names the two in messages (default `--enable`, `--disable`; `input enable` in actions). */
  readonly enableOption?: string;
  readonly disableOption?: string;
}

export interface OptionalPlan {
  /** Why each switched-off optional phase is off; absent for those that run. */
  readonly disabled: ReadonlyMap<string, string>;
  /** The deployment flags recorded in the state (a flag is on when one of its phases runs). */
  readonly flags: Readonly<Record<string, boolean>>;
  readonly notices: readonly string[];
}

export function planOptional(
  catalogue: readonly CatalogueEntry[],
  config: K0rdentConfig,
  switches: Switches = {},
): OptionalPlan {
  const optional = catalogue.filter((e) => e.flag !== undefined);
  const names = optional.map((e) => e.name);
  const enableOption = switches.enableOption ?? '--enable';
  const disableOption = switches.disableOption ?? '--disable';
  for (const [option, list] of [
    [enableOption, switches.enable ?? []],
    [disableOption, switches.disable ?? []],
  ] as const) {
    for (const name of list) {
      if (!names.includes(name)) {
        throw new UserError(
          `${option} ${name}: not an optional phase of the built-in deployment (optional phases: ${names.join(', ')})`,
        );
      }
    }
  }
  const configured = (entry: CatalogueEntry): boolean =>
    entry.flag === 'kof'
      ? config.kof.enabled
      : config.azure_children.enabled || (entry.name === 'setup_azure_children' && config.kof.enabled);
  const on = new Map<string, boolean>(optional.map((e) => [e.name, configured(e)]));
  for (const name of switches.enable ?? []) on.set(name, true);
  for (const name of switches.disable ?? []) on.set(name, false);

  // What an enabled phase needs comes with it: in catalogue order, a need always precedes its user.
  const notices: string[] = [];
  const byName = new Map(catalogue.map((e) => [e.name, e]));
  for (const entry of [...optional].reverse()) {
    if (!on.get(entry.name)) continue;
    const pending = [...entry.needs];
    while (pending.length > 0) {
      const need = byName.get(pending.pop() ?? '');
      if (!need?.flag || on.get(need.name)) continue;
      if (switches.disable?.includes(need.name)) {
        throw new UserError(
          `${disableOption} ${need.name}: ${entry.name} is on and needs it; disable ${entry.name} too, or keep ${need.name}`,
        );
      }
      on.set(need.name, true);
      if (!(need.name === 'setup_azure_children' && config.kof.enabled)) {
        notices.push(`${need.name} is switched on because ${entry.name}, which needs it, is on`);
      }
      pending.push(...need.needs);
    }
  }
  const disabled = new Map<string, string>();
  for (const entry of optional) {
    if (on.get(entry.name)) continue;
    disabled.set(
      entry.name,
      switches.disable?.includes(entry.name)
        ? `switched off for this command (${disableOption} ${entry.name})`
        : `deployment flag ${entry.flag ?? ''} is off (${entry.flag ? FLAG_KEYS[entry.flag] : ''}: false)`,
    );
  }
  const flags = {
    azure_children: optional.some((e) => e.flag === 'azure_children' && on.get(e.name)),
    kof: optional.some((e) => e.flag === 'kof' && on.get(e.name)),
  };
  return { disabled, flags, notices };
}

/** An optional phase this version cannot run yet: skipped with its reason, whatever switches it on. */
export class NotYetAvailablePhase extends K0rdentPhase {
  readonly disabledBecause: string;

  constructor(deployment: DeploymentParts, entry: CatalogueEntry, off: string | undefined) {
    super(deployment, entry);
    this.disabledBecause =
      off ?? `${entry.name} is not available in this version yet (a later release adds it)`;
  }

  run(_context: PhaseContext): Promise<void> {
    return Promise.reject(new PhaseConfigurationError(`${this.name} is not available in this version yet`));
  }
}
