/**
 * install_k0rdent: `helm upgrade --install` of the kcm chart at the configured version (idempotent,
 * unlike a plain install), then its deployments Available.
 */
import { helmStatus, helmUninstall, helmUpgradeInstall, type HelmRelease } from '../../tools/helm.js';
import { kubectlDeployments, kubectlWaitDeployments } from '../../tools/kubectl.js';
import { ToolNotFoundError } from '../../tools/tool.js';
import type { PhaseContext, ValidationResult } from '../phase.js';
import { K0rdentPhase } from './base.js';
import { asPhaseError, tool } from './phase-errors.js';
import { ensureTunnel } from './vpn.js';

export const KCM_RELEASE = 'kcm';

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
    const result = await tool(() => helmUninstall(this.release(), options));
    context.output.info(
      result === 'uninstalled'
        ? `uninstalled release ${KCM_RELEASE}`
        : `release ${KCM_RELEASE} was already gone`,
    );
  }

  private release(): HelmRelease {
    return {
      release: KCM_RELEASE,
      namespace: this.config.software.k0rdent.namespace,
      kubeconfig: this.layout.kubeconfig().path,
    };
  }
}
