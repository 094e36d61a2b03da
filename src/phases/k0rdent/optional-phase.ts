/**
 * What the four optional phases share: they are built whether switched on or off (a phase switched
 * off after it ran can still be undone), and their work happens on the cluster over the tunnel.
 */
import type { CatalogueEntry } from '../../graph/k0rdent-catalogue.js';
import type { PhaseContext } from '../phase.js';
import { K0rdentPhase, type DeploymentParts } from './base.js';
import { ensureTunnel } from './vpn.js';

export abstract class OptionalK0rdentPhase extends K0rdentPhase {
  /** Why it is switched off (planOptional); absent when it runs. */
  readonly disabledBecause?: string;

  constructor(deployment: DeploymentParts, entry: CatalogueEntry, disabledBecause?: string) {
    super(deployment, entry);
    if (disabledBecause !== undefined) this.disabledBecause = disabledBecause;
  }

  /** The tools' options for work on the cluster (run, undo), output streamed, the tunnel up. */
  protected async clusterTools(context: PhaseContext): Promise<ReturnType<K0rdentPhase['toolOptions']>> {
    const options = await this.streamingTools(context);
    await this.tunnel(options);
    return options;
  }

  /** The tools' options, output streamed, without touching the tunnel (for undo that may not need it). */
  protected async streamingTools(context: PhaseContext): Promise<ReturnType<K0rdentPhase['toolOptions']>> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    return this.toolOptions(context, env);
  }

  /** The tools' options for validate: quiet, the tunnel left as connect_vpn (checked first) has it. */
  protected async checkTools(context: PhaseContext): Promise<{
    env: Readonly<Record<string, string | undefined>>;
    signal: AbortSignal;
  }> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    return { env, signal: context.signal };
  }

  protected tunnel(options: ReturnType<K0rdentPhase['toolOptions']>): Promise<void> {
    return ensureTunnel(this.deployment, options);
  }
}
