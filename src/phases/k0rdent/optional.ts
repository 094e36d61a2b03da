/**
 * The optional phases (Azure child clusters, CSI, KOF) come in a later release. Here they are
 * catalogue entries that are skipped with their reason; the configuration cannot switch them on.
 */
import type { CatalogueEntry } from '../../graph/k0rdent-catalogue.js';
import { PhaseConfigurationError, type PhaseContext } from '../phase.js';
import { K0rdentPhase, type DeploymentParts } from './base.js';

export const FLAG_KEYS = { azure_children: 'azure_children.enabled', kof: 'kof.enabled' } as const;

export class NotYetAvailablePhase extends K0rdentPhase {
  readonly disabledBecause: string;

  constructor(deployment: DeploymentParts, entry: CatalogueEntry & { flag: 'azure_children' | 'kof' }) {
    super(deployment, entry);
    this.disabledBecause = `deployment flag ${entry.flag} is off (${FLAG_KEYS[entry.flag]}: false); this phase is not available in this version yet`;
  }

  run(_context: PhaseContext): Promise<void> {
    return Promise.reject(new PhaseConfigurationError(`${this.name} is not available in this version yet`));
  }
}
