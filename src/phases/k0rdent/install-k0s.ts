/**
 * install_k0s: `k0sctl.yaml` from the recorded hosts, `k0sctl apply` (idempotent), the admin
 * kubeconfig fetched over SSH through the tunnel from the first controller with retries (a sensitive artifact, pointed
 * at the API over the tunnel), then every host that runs a kubelet a Ready node — a `controller` runs
 * none and never appears in `kubectl get nodes` — and pods on different nodes reaching each other
 * (pod-network.ts), in `run` and again in `validate`. Roles follow k0s-roles.ts; the cluster as applied is
 * recorded (fact `k0s_cluster`) so that later edits keep what k0s cannot change.
 */
import { existsSync } from 'node:fs';
import { registerSecret } from '../../secrets.js';
import { k0sctlApply, k0sctlReset } from '../../tools/k0sctl.js';
import { kubectlNodes } from '../../tools/kubectl.js';
import { K0S_ADMIN_KUBECONFIG_COMMAND, sshRun } from '../../tools/ssh.js';
import { ToolNotFoundError } from '../../tools/tool.js';
import {
  PhaseConfigurationError,
  TransientPhaseError,
  type PhaseContext,
  type ValidationResult,
} from '../phase.js';
import { K0rdentPhase } from './base.js';
import { FACT, readK0sCluster, readPeers, readVmStates, writeFact, type K0sHost } from './facts.js';
import { artifactIntact, removeArtifactFile, writeArtifact } from './files.js';
import { clusterGone, evictReplacedControllers, k0sctlEnv, replacedHosts } from './k0s-cluster.js';
import { keptRoles, placements, runsKubelet, topologyProblems, type K0sPlacement } from './k0s-roles.js';
import { renderK0sctlConfig } from './k0sctl-config.js';
import { kubeconfigForHub, KubeconfigError } from './kubeconfig.js';
import { asPhaseError, tool } from './phase-errors.js';
import { probePodNetwork, type PodNetworkResult } from './pod-network.js';
import { plannedHosts } from './topology.js';
import { ensureTunnel } from './vpn.js';

export class InstallK0s extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    const doc = context.state.read();
    let cluster = readK0sCluster(doc);
    if (cluster && clusterGone(cluster, readVmStates(doc))) {
      context.output.info('every VM of the recorded k0s cluster was created again: installing a new cluster');
      writeFact(context, FACT.k0sCluster, null);
      cluster = undefined;
    }
    const hosts = plannedHosts(this.config);
    const problems = topologyProblems(hosts, cluster);
    if (problems.length > 0) throw new PhaseConfigurationError(problems.join('; '));
    for (const kept of keptRoles(hosts, cluster)) context.output.info(kept);

    await ensureTunnel(this.deployment, options);
    if (cluster) {
      const replaced = new Set(replacedHosts(cluster, readVmStates(doc)));
      await evictReplacedControllers(this.deployment, context, cluster, replaced, options);
    }
    const roles = placements(hosts, cluster);
    const configFile = await this.writeK0sctlConfig(context, roles);
    await tool(() => k0sctlApply(configFile, { ...options, env: k0sctlEnv(this.deployment, env) }));
    this.recordCluster(context, roles);

    const kubeconfig = this.layout.kubeconfig();
    await writeArtifact(context, {
      ...kubeconfig,
      content: await this.fetchKubeconfig(context),
      sensitive: true,
    });

    const deadline = this.runtime.now() + this.config.timeouts.k0s_install_wait * 1000;
    for (;;) {
      const notReady = await this.nodesNotReady(kubeconfig.path, roles, options).catch((error: unknown) => {
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
      `k0s ${this.config.software.k0s.version} running on ${hosts.length} host(s): ${describe(roles)}`,
    );
    const network = await this.probeNetwork(context, kubeconfig.path, roles, options);
    if (!network.ok) throw new TransientPhaseError(network.evidence);
    context.output.info(network.evidence);
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const kubeconfig = this.layout.kubeconfig();
    const doc = context.state.read();
    const intact = await artifactIntact(doc, kubeconfig.name);
    if (!intact.ok) return { ok: false, evidence: intact.detail };
    const roles = placements(plannedHosts(this.config), readK0sCluster(doc));
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    let notReady: string[];
    try {
      notReady = await this.nodesNotReady(kubeconfig.path, roles, { env, signal: context.signal });
    } catch (error) {
      if (error instanceof ToolNotFoundError) throw asPhaseError(error);
      return {
        ok: false,
        evidence: `the API server did not answer with the kubeconfig: ${(error as Error).message}`,
      };
    }
    if (notReady.length > 0) return { ok: false, evidence: notReady.join(', ') };
    let network: PodNetworkResult;
    try {
      network = await this.probeNetwork(context, kubeconfig.path, roles, { env, signal: context.signal });
    } catch (error) {
      if (error instanceof ToolNotFoundError) throw asPhaseError(error);
      return {
        ok: false,
        evidence: `the pod network probe could not run: ${(error as Error).message}`,
      };
    }
    return network.ok
      ? { ok: true, evidence: `the API server answers; ${describe(roles)}; ${network.evidence}` }
      : { ok: false, evidence: network.evidence };
  }

  /** Pod-to-pod traffic across every node that runs a kubelet (pod-network.ts). */
  private probeNetwork(
    context: PhaseContext,
    kubeconfig: string,
    roles: ReadonlyMap<string, K0sPlacement>,
    options: { env: Readonly<Record<string, string | undefined>>; signal: AbortSignal },
  ): Promise<PodNetworkResult> {
    const nodes = plannedHosts(this.config)
      .filter((host) => runsKubelet(roles.get(host.name)?.role ?? 'worker'))
      .map((host) => host.name);
    return probePodNetwork(kubeconfig, nodes, {
      image: this.config.software.pod_network_probe.image,
      env: options.env,
      signal: options.signal,
      onCleanupFailure: (message) => context.output.warn(message),
    });
  }

  async rollback(context: PhaseContext): Promise<void> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    await ensureTunnel(this.deployment, options);
    const configFile = existsSync(this.layout.k0sctlConfig().path)
      ? this.layout.k0sctlConfig().path
      : await this.writeK0sctlConfig(
          context,
          placements(plannedHosts(this.config), readK0sCluster(context.state.read())),
        );
    await tool(() => k0sctlReset(configFile, { ...options, env: k0sctlEnv(this.deployment, env) }));
    writeFact(context, FACT.k0sCluster, null);
    const kubeconfig = this.layout.kubeconfig();
    await removeArtifactFile(context, kubeconfig.name, kubeconfig.path);
  }

  /**
   * The admin kubeconfig from the first controller (k0sctl's leader on a new cluster), read over SSH
   * through the tunnel, as k0sctl reaches the hosts: SSH from the internet is closed (ssh.lockdown). A
   * refused connection is retried; a host key that changed is not.
   */
  private async fetchKubeconfig(context: PhaseContext): Promise<string> {
    const doc = context.state.read();
    const leader = plannedHosts(this.config).find((h) => h.role === 'controller');
    const address = leader ? readPeers(doc)[leader.name]?.ip : undefined;
    if (!leader || !address)
      throw new PhaseConfigurationError(
        `no WireGuard address recorded for ${leader?.name ?? 'the first controller'}: run prepare_deployment again`,
      );
    const target = this.sshTarget(address);
    const tries = this.config.timeouts.verification_retries;
    for (let attempt = 1; ; attempt++) {
      const result = await tool(() =>
        sshRun(target, K0S_ADMIN_KUBECONFIG_COMMAND, {
          env: this.runtime.env,
          signal: context.signal,
          secret: true,
        }),
      );
      if (result.ok) {
        registerSecret(result.stdout);
        try {
          return kubeconfigForHub(result.stdout, {
            name: this.deployment.id,
            server: `https://${address}:6443`,
          });
        } catch (error) {
          if (!(error instanceof KubeconfigError)) throw error;
          throw new TransientPhaseError(
            `${leader.name} answered \`${K0S_ADMIN_KUBECONFIG_COMMAND}\` with no usable kubeconfig: ${error.message}`,
          );
        }
      }
      const what = `fetching the kubeconfig from ${leader.name} (${address})`;
      if (result.failure === 'host-key-changed')
        throw new PhaseConfigurationError(
          `${what}: ${result.detail}, so it was not trusted; if the VM was replaced outside k0rdent-deploy, roll back to create_vms and run again`,
        );
      if (attempt >= tries || context.signal.aborted)
        throw new TransientPhaseError(`${what} failed ${attempt} time(s): ${result.detail}`);
      context.output.warn(`${what} failed (try ${attempt} of ${tries}): ${result.detail}; retrying`);
      await this.runtime.sleep(
        this.runtime.timing?.retryDelayMs ?? this.config.timeouts.verification_retry_delay * 1000,
        context.signal,
      );
    }
  }

  private async writeK0sctlConfig(
    context: PhaseContext,
    roles: ReadonlyMap<string, K0sPlacement>,
  ): Promise<string> {
    const doc = context.state.read();
    const peers = readPeers(doc);
    const vms = readVmStates(doc);
    const file = this.layout.k0sctlConfig();
    const content = renderK0sctlConfig({
      clusterName: this.deployment.id,
      k0sVersion: this.config.software.k0s.version,
      sshUser: this.config.ssh.username,
      sshPort: this.runtime.sshPort ?? 22,
      sshKeyPath: this.layout.sshPrivateKey().path,
      hosts: plannedHosts(this.config).map((host) => {
        const address = peers[host.name]?.ip;
        if (!address)
          throw new PhaseConfigurationError(
            `no WireGuard address recorded for ${host.name}: run prepare_deployment again`,
          );
        const privateAddress = vms[host.name]?.private_ip;
        const placement = roles.get(host.name);
        return {
          name: host.name,
          role: placement?.role ?? 'worker',
          noTaints: placement?.noTaints === true,
          wireguardAddress: address,
          ...(privateAddress ? { privateAddress } : {}),
        };
      }),
    });
    await writeArtifact(context, { ...file, content, sensitive: false });
    return file.path;
  }

  /** What now runs where, with the VM each host runs on: what later edits must respect. */
  private recordCluster(context: PhaseContext, roles: ReadonlyMap<string, K0sPlacement>): void {
    const doc = context.state.read();
    const peers = readPeers(doc);
    const vms = readVmStates(doc);
    const hosts: Record<string, K0sHost> = {};
    for (const host of plannedHosts(this.config)) {
      const placement = roles.get(host.name);
      const vm = vms[host.name];
      hosts[host.name] = {
        role: placement?.role ?? 'worker',
        no_taints: placement?.noTaints === true,
        address: peers[host.name]?.ip ?? '',
        ...(vm?.private_ip ? { private_ip: vm.private_ip } : {}),
        ...(vm?.vm_id ? { vm_id: vm.vm_id } : {}),
      };
    }
    writeFact(context, FACT.k0sCluster, { version: this.config.software.k0s.version, hosts });
  }

  /** Hosts that run a kubelet and are not a Ready node; controllers run none and are not nodes. */
  private async nodesNotReady(
    kubeconfig: string,
    roles: ReadonlyMap<string, K0sPlacement>,
    options: { env: Readonly<Record<string, string | undefined>>; signal: AbortSignal },
  ): Promise<string[]> {
    const nodes = await kubectlNodes(kubeconfig, options);
    const byName = new Map(nodes.map((n) => [n.name, n.ready]));
    return plannedHosts(this.config)
      .filter((host) => runsKubelet(roles.get(host.name)?.role ?? 'worker'))
      .filter((host) => byName.get(host.name) !== true)
      .map((host) => `${host.name} ${byName.has(host.name) ? 'not Ready' : 'not a node'}`);
  }
}

function describe(roles: ReadonlyMap<string, K0sPlacement>): string {
  const all = [...roles.values()];
  const nodes = all.filter((p) => runsKubelet(p.role)).length;
  const controlOnly = all.length - nodes;
  return `all ${nodes} node(s) Ready${controlOnly > 0 ? `; ${controlOnly} controller(s) run no kubelet and are not nodes` : ''}`;
}
