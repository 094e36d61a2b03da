/**
 * install_k0s: `k0sctl.yaml` from the recorded hosts, `k0sctl apply` (idempotent), the kubeconfig
 * fetched with retries (a sensitive artifact), then every node Ready.
 */
import { existsSync } from 'node:fs';
import { k0sctlApply, k0sctlKubeconfig, k0sctlReset } from '../../tools/k0sctl.js';
import { kubectlNodes } from '../../tools/kubectl.js';
import { ToolFailedError, ToolNotFoundError } from '../../tools/tool.js';
import {
  PhaseConfigurationError,
  TransientPhaseError,
  type PhaseContext,
  type ValidationResult,
} from '../phase.js';
import { K0rdentPhase } from './base.js';
import { readPeers, readVmStates } from './facts.js';
import { artifactIntact, removeArtifactFile, writeArtifact } from './files.js';
import { renderK0sctlConfig } from './k0sctl-config.js';
import { asPhaseError, tool } from './phase-errors.js';
import { k0sRole, plannedHosts } from './topology.js';
import { ensureTunnel } from './vpn.js';

export class InstallK0s extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    await ensureTunnel(this.deployment, options);
    const configFile = await this.writeK0sctlConfig(context);
    await tool(() => k0sctlApply(configFile, options));

    const kubeconfig = this.layout.kubeconfig();
    const tries = this.config.timeouts.verification_retries;
    for (let attempt = 1; ; attempt++) {
      try {
        const text = await k0sctlKubeconfig(configFile, options);
        if (!text.includes('apiVersion'))
          throw new ToolFailedError('k0sctl kubeconfig printed no kubeconfig', 0, []);
        await writeArtifact(context, { ...kubeconfig, content: text, sensitive: true });
        break;
      } catch (error) {
        if (error instanceof ToolNotFoundError || attempt >= tries) throw asPhaseError(error);
        context.output.warn(`fetching the kubeconfig failed (try ${attempt} of ${tries}); retrying`);
        await this.runtime.sleep(
          this.runtime.timing?.retryDelayMs ?? this.config.timeouts.verification_retry_delay * 1000,
          context.signal,
        );
      }
    }

    const deadline = this.runtime.now() + this.config.timeouts.k0s_install_wait * 1000;
    for (;;) {
      const notReady = await this.nodesNotReady(kubeconfig.path, options).catch((error: unknown) => {
        if (error instanceof ToolNotFoundError) throw asPhaseError(error);
        return [`API server did not answer (${(error as Error).message})`];
      });
      if (notReady.length === 0) break;
      if (this.runtime.now() >= deadline || context.signal.aborted) {
        throw new TransientPhaseError(
          `k0s nodes not Ready after ${this.config.timeouts.k0s_install_wait} s: ${notReady.join(', ')}`,
        );
      }
      await this.runtime.sleep(this.runtime.timing?.checkIntervalMs ?? 5_000, context.signal);
    }
    context.output.info(
      `k0s ${this.config.software.k0s.version} running on ${plannedHosts(this.config).length} node(s), all Ready`,
    );
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const kubeconfig = this.layout.kubeconfig();
    const intact = await artifactIntact(context.state.read(), kubeconfig.name);
    if (!intact.ok) return { ok: false, evidence: intact.detail };
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    let notReady: string[];
    try {
      notReady = await this.nodesNotReady(kubeconfig.path, { env, signal: context.signal });
    } catch (error) {
      if (error instanceof ToolNotFoundError) throw asPhaseError(error);
      return {
        ok: false,
        evidence: `the API server did not answer with the kubeconfig: ${(error as Error).message}`,
      };
    }
    return notReady.length === 0
      ? {
          ok: true,
          evidence: `the API server answers and all ${plannedHosts(this.config).length} nodes are Ready`,
        }
      : { ok: false, evidence: notReady.join(', ') };
  }

  async rollback(context: PhaseContext): Promise<void> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    await ensureTunnel(this.deployment, options);
    const configFile = existsSync(this.layout.k0sctlConfig().path)
      ? this.layout.k0sctlConfig().path
      : await this.writeK0sctlConfig(context);
    await tool(() => k0sctlReset(configFile, options));
    const kubeconfig = this.layout.kubeconfig();
    await removeArtifactFile(context, kubeconfig.name, kubeconfig.path);
  }

  private async writeK0sctlConfig(context: PhaseContext): Promise<string> {
    const doc = context.state.read();
    const peers = readPeers(doc);
    const vms = readVmStates(doc);
    const hosts = plannedHosts(this.config);
    const file = this.layout.k0sctlConfig();
    const content = renderK0sctlConfig({
      clusterName: this.deployment.id,
      k0sVersion: this.config.software.k0s.version,
      sshUser: this.config.ssh.username,
      sshKeyPath: this.layout.sshPrivateKey().path,
      hosts: hosts.map((host) => {
        const address = peers[host.name]?.ip;
        if (!address)
          throw new PhaseConfigurationError(
            `no WireGuard address recorded for ${host.name}: run prepare_deployment again`,
          );
        const privateAddress = vms[host.name]?.private_ip;
        return {
          name: host.name,
          role: k0sRole(host, hosts),
          wireguardAddress: address,
          ...(privateAddress ? { privateAddress } : {}),
        };
      }),
    });
    await writeArtifact(context, { ...file, content, sensitive: false });
    return file.path;
  }

  private async nodesNotReady(
    kubeconfig: string,
    options: { env: Readonly<Record<string, string | undefined>>; signal: AbortSignal },
  ): Promise<string[]> {
    const nodes = await kubectlNodes(kubeconfig, options);
    const byName = new Map(nodes.map((n) => [n.name, n.ready]));
    return plannedHosts(this.config)
      .filter((host) => byName.get(host.name) !== true)
      .map((host) => `${host.name} ${byName.has(host.name) ? 'not Ready' : 'not a node'}`);
  }
}
