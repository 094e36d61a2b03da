/** What every built-in phase shares: its catalogue entry, its inputs, and the deployment it belongs to. */
import type { CatalogueEntry } from '../../graph/k0rdent-catalogue.js';
import type { SshTarget } from '../../tools/ssh.js';
import type { Phase, PhaseContext } from '../phase.js';
import { configValue, type K0rdentConfig } from './config.js';
import type { Layout } from './layout.js';
import type { K0rdentRuntime } from './runtime.js';
import type { ResourceNames } from './topology.js';

export interface DeploymentParts {
  readonly id: string;
  readonly config: K0rdentConfig;
  readonly runtime: K0rdentRuntime;
  readonly layout: Layout;
  readonly names: ResourceNames;
}

export abstract class K0rdentPhase implements Phase {
  readonly name: string;
  readonly displayName: string;
  readonly needs: readonly string[];
  readonly optional: boolean;
  readonly runnerScoped: boolean;
  /** The values of the config keys the phase reads: a change re-runs it and its dependents. */
  readonly inputs: Readonly<Record<string, unknown>>;

  constructor(
    protected readonly deployment: DeploymentParts,
    entry: CatalogueEntry,
  ) {
    this.name = entry.name;
    this.displayName = entry.displayName;
    this.needs = entry.needs;
    this.optional = entry.flag !== undefined;
    this.runnerScoped = entry.runnerScoped;
    this.inputs = Object.fromEntries(
      entry.configKeys.map((key) => [key, configValue(deployment.config, key) ?? null]),
    );
    // The engine calls run/validate/rollback as plain functions: bind them to this phase.
    const methods = this as unknown as Record<string, unknown>;
    for (const name of ['run', 'validate', 'rollback']) {
      const method = methods[name];
      if (typeof method === 'function') methods[name] = (method as (...a: unknown[]) => unknown).bind(this);
    }
  }

  abstract run(context: PhaseContext): Promise<void>;

  protected get config(): K0rdentConfig {
    return this.deployment.config;
  }

  protected get layout(): Layout {
    return this.deployment.layout;
  }

  protected get runtime(): K0rdentRuntime {
    return this.deployment.runtime;
  }

  /** SSH to a VM's address as the admin user, with the deployment's key and known_hosts. */
  protected sshTarget(address: string): SshTarget {
    return {
      host: address,
      port: this.runtime.sshPort ?? 22,
      user: this.config.ssh.username,
      keyPath: this.layout.sshPrivateKey().path,
      knownHostsPath: this.layout.knownHosts(),
      connectTimeoutSeconds: this.config.timeouts.ssh_connect,
    };
  }

  /** Tool options streaming into the phase's output. */
  protected toolOptions(
    context: PhaseContext,
    env: Readonly<Record<string, string | undefined>> = this.runtime.env,
  ) {
    return {
      env,
      signal: context.signal,
      onLine: (line: string, stream: 'stdout' | 'stderr') => context.output.line(line, stream),
    };
  }
}
