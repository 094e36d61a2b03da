/**
 * install_k0rdent: `helm upgrade --install` of the kcm chart at the configured version (idempotent,
 * unlike a plain install), then its deployments Available. Undone in the order k0rdent's documentation
 * gives ("Uninstall k0rdent"): ClusterDeployments, the Management object, the chart, its namespace —
 * the objects carry finalizers that only the running kcm controller removes.
 */
import { helmStatus, helmUninstall, helmUpgradeInstall, type HelmRelease } from '../../tools/helm.js';
import {
  kubectlDelete,
  kubectlDeleteAll,
  kubectlDeployments,
  kubectlWaitDeployments,
} from '../../tools/kubectl.js';
import { ToolNotFoundError } from '../../tools/tool.js';
import type { PhaseContext, ValidationResult } from '../phase.js';
import { K0rdentPhase } from './base.js';
import { asPhaseError, tool } from './phase-errors.js';
import { ensureTunnel } from './vpn.js';

export const KCM_RELEASE = 'kcm';
/** The Management object kcm creates for itself. */
export const KCM_MANAGEMENT = 'kcm';
const CLUSTER_DEPLOYMENTS = 'clusterdeployments.k0rdent.mirantis.com';
const MANAGEMENTS = 'managements.k0rdent.mirantis.com';
/** Namespaces Kubernetes will not delete; a config that installs k0rdent there keeps them. */
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

export class InstallK0rdent extends K0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    await ensureTunnel(this.deployment, options);
    const { registry, version, namespace } = this.config.software.k0rdent;
    const wait = this.config.timeouts.k0rdent_install_wait;
    await tool(() =>
      helmUpgradeInstall({ ...this.release(), chart: registry, version, timeoutSeconds: wait }, options),
    );
    await tool(() => kubectlWaitDeployments(this.release().kubeconfig, namespace, wait, options));
    context.output.info(`k0rdent ${version} (release ${KCM_RELEASE} in ${namespace}) deployed and available`);
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = { env, signal: context.signal };
    const { version, namespace } = this.config.software.k0rdent;
    try {
      const status = await helmStatus(this.release(), options);
      if (!status) return { ok: false, evidence: `release ${KCM_RELEASE} not found in ${namespace}` };
      if (status.status !== 'deployed')
        return { ok: false, evidence: `release ${KCM_RELEASE} is ${status.status}` };
      if (status.chartVersion !== undefined && status.chartVersion !== version) {
        return {
          ok: false,
          evidence: `release ${KCM_RELEASE} runs chart ${status.chartVersion}, configured ${version}`,
        };
      }
      const deployments = await kubectlDeployments(this.release().kubeconfig, namespace, options);
      const unavailable = deployments
        .filter((d) => d.available < d.desired)
        .map((d) => `${d.name} ${d.available}/${d.desired}`);
      if (deployments.length === 0) return { ok: false, evidence: `no deployments in ${namespace}` };
      return unavailable.length === 0
        ? {
            ok: true,
            evidence: `release ${KCM_RELEASE} ${version} deployed; ${deployments.length} deployment(s) available`,
          }
        : { ok: false, evidence: `not available: ${unavailable.join(', ')}` };
    } catch (error) {
      if (error instanceof ToolNotFoundError) throw asPhaseError(error);
      return { ok: false, evidence: `could not reach the cluster: ${(error as Error).message}` };
    }
  }

  async rollback(context: PhaseContext): Promise<void> {
    const env = await this.runtime.toolEnv((m) => context.output.warn(m));
    const options = this.toolOptions(context, env);
    await ensureTunnel(this.deployment, options);
    const { kubeconfig, namespace } = this.release();
    const wait = this.config.timeouts.k0rdent_install_wait;
    // Child clusters first, while kcm still runs to tear them down and release their finalizers.
    const children = await tool(() => kubectlDeleteAll(kubeconfig, CLUSTER_DEPLOYMENTS, wait, options));
    if (children === 'deleted') context.output.info('deleted every ClusterDeployment');
    await tool(() => kubectlDelete(kubeconfig, MANAGEMENTS, KCM_MANAGEMENT, wait, options));
    const result = await tool(() => helmUninstall(this.release(), options));
    context.output.info(
      result === 'uninstalled'
        ? `deleted the Management object and uninstalled release ${KCM_RELEASE}`
        : `release ${KCM_RELEASE} was already gone`,
    );
    if (!SYSTEM_NAMESPACES.has(namespace))
      await tool(() => kubectlDelete(kubeconfig, 'namespace', namespace, wait, options));
  }

  private release(): HelmRelease {
    return {
      release: KCM_RELEASE,
      namespace: this.config.software.k0rdent.namespace,
      kubeconfig: this.layout.kubeconfig().path,
    };
  }
}
