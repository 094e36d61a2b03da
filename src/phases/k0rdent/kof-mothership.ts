/**
 * install_kof_mothership: KOF's management-side charts with `helm upgrade --install` at the configured
 * versions: kof-istio, kof-operators, then kof-mothership. kof-mothership brings the
 * VictoriaMetrics operator and, in the same release, objects its admission webhook validates; while
 * the operator's webhook Service has no ready endpoint, the API server refuses them ("no endpoints
 * available"). That race is retried a bounded number of times, each retry after the webhook's
 * endpoints are ready (or a bounded wait for them ran out). Undone in reverse; the namespaces go too,
 * Istio's only when this phase created it.
 */
import { helmStatus, helmUninstall, helmUpgradeInstall, type HelmRelease } from '../../tools/helm.js';
import { kubectlDelete, kubectlDeployments } from '../../tools/kubectl.js';
import { kubectlApply, kubectlGet, kubectlList } from '../../tools/kube-objects.js';
import type { ToolOptions } from '../../tools/tool.js';
import { CommandFailedError, type PhaseContext, type ValidationResult } from '../phase.js';
import { OptionalK0rdentPhase } from './optional-phase.js';
import { writeFact } from './facts.js';
import { pollUntil, unreachable } from './kube-support.js';
import { asPhaseError, tool } from './phase-errors.js';
import { ToolFailedError } from '../../tools/tool.js';

export const KOF_CHARTS = 'oci://ghcr.io/k0rdent/kof/charts';
export const KOF_RELEASES = ['kof-istio', 'kof-operators', 'kof-mothership'] as const;
export const KOF_MOTHERSHIP_FACT = 'kof_mothership';
/** k0rdent's Sveltos brings it; kof-istio's ClusterProfiles need it. */
const SVELTOS_CRD = 'clusterprofiles.config.projectsveltos.io';
const WEBHOOK_SELECTOR = 'app.kubernetes.io/name=victoria-metrics-operator';
const WEBHOOK_RACE = /failed calling webhook|no endpoints available for service|connection refused/i;
const POLL_MS = 10_000;
const WEBHOOK_WAIT_MS = 120_000;
const SYSTEM_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

interface WebhookConfiguration {
  webhooks?: { clientConfig?: { service?: { name?: string; namespace?: string } } }[];
}
interface Endpoints {
  subsets?: { addresses?: unknown[] }[];
}
interface MothershipFact {
  readonly namespace: string;
  readonly istio_namespace: string;
  /** Undo deletes Istio's namespace only when this phase created it. */
  readonly istio_namespace_created: boolean;
  readonly version: string;
  readonly istio_version: string;
}

export class InstallKofMothership extends OptionalK0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const kof = this.config.kof;
    const kubeconfig = this.kubeconfig;
    const timeoutSeconds = kof.mothership.install_timeout_seconds;

    const previous = context.state.read().facts[KOF_MOTHERSHIP_FACT]?.value as
      Partial<MothershipFact> | undefined;
    const istioExisted =
      (await tool(() => kubectlGet(kubeconfig, 'namespace', kof.istio.namespace, undefined, options))) !==
      undefined;
    const fact: MothershipFact = {
      namespace: kof.mothership.namespace,
      istio_namespace: kof.istio.namespace,
      istio_namespace_created:
        (previous?.istio_namespace === kof.istio.namespace && previous.istio_namespace_created === true) ||
        !istioExisted,
      version: kof.version,
      istio_version: kof.istio.version,
    };
    // Recorded before anything is installed: an undo after a failure here still knows what to remove.
    writeFact(context, KOF_MOTHERSHIP_FACT, fact);

    await tool(() =>
      kubectlApply(
        kubeconfig,
        [
          {
            apiVersion: 'v1',
            kind: 'Namespace',
            metadata: { name: kof.mothership.namespace, labels: { 'istio-injection': 'enabled' } },
          },
        ],
        options,
      ),
    );

    const crd = await pollUntil(
      this.runtime,
      context.signal,
      { budgetMs: timeoutSeconds * 1000, intervalMs: POLL_MS },
      async () =>
        (await tool(() =>
          kubectlGet(kubeconfig, 'customresourcedefinitions', SVELTOS_CRD, undefined, options),
        ))
          ? true
          : undefined,
    );
    if (!crd) {
      throw new CommandFailedError(
        `k0rdent's Sveltos CRD ${SVELTOS_CRD} did not appear within kof.mothership.install_timeout_seconds (${timeoutSeconds} s); is k0rdent healthy?`,
        undefined,
        [],
      );
    }

    await tool(() => helmUpgradeInstall(this.install('kof-istio'), options));
    context.output.info(`kof-istio ${kof.istio.version} deployed in ${kof.istio.namespace}`);
    await tool(() => helmUpgradeInstall(this.install('kof-operators'), options));
    context.output.info(`kof-operators ${kof.version} deployed in ${kof.mothership.namespace}`);
    await this.installMothership(context, options);
    context.output.info(
      `kof-mothership ${kof.version} deployed in ${kof.mothership.namespace}${kof.mothership.storage_class === 'default' ? '' : ` (storage class ${kof.mothership.storage_class})`}`,
    );
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const options = await this.checkTools(context);
    const { namespace } = this.config.kof.mothership;
    try {
      for (const name of KOF_RELEASES) {
        const release = this.release(name);
        const status = await helmStatus(release, options);
        if (!status) return { ok: false, evidence: `release ${name} not found in ${release.namespace}` };
        if (status.status !== 'deployed')
          return { ok: false, evidence: `release ${name} is ${status.status}` };
        const wanted = this.chartVersion(name);
        if (status.chartVersion !== undefined && status.chartVersion !== wanted)
          return {
            ok: false,
            evidence: `release ${name} runs chart ${status.chartVersion}, configured ${wanted}`,
          };
      }
      const ns = await kubectlGet<{ metadata?: { labels?: Record<string, string> } }>(
        this.kubeconfig,
        'namespace',
        namespace,
        undefined,
        options,
      );
      if (ns?.metadata?.labels?.['istio-injection'] !== 'enabled')
        return { ok: false, evidence: `namespace ${namespace} lacks the label istio-injection=enabled` };
      const deployments = await kubectlDeployments(this.kubeconfig, namespace, options);
      if (deployments.length === 0) return { ok: false, evidence: `no deployments in ${namespace}` };
      const unavailable = deployments
        .filter((d) => d.available < d.desired)
        .map((d) => `${d.name} ${d.available}/${d.desired}`);
      if (unavailable.length > 0)
        return { ok: false, evidence: `not available in ${namespace}: ${unavailable.join(', ')}` };
      return {
        ok: true,
        evidence: `${KOF_RELEASES.join(', ')} deployed at the configured versions; ${deployments.length} deployment(s) available in ${namespace}`,
      };
    } catch (error) {
      return unreachable(error);
    }
  }

  async rollback(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const recorded = context.state.read().facts[KOF_MOTHERSHIP_FACT]?.value as
      Partial<MothershipFact> | undefined;
    const namespace = recorded?.namespace ?? this.config.kof.mothership.namespace;
    const istioNamespace = recorded?.istio_namespace ?? this.config.kof.istio.namespace;
    const wait = this.config.kof.mothership.install_timeout_seconds;
    for (const name of [...KOF_RELEASES].reverse()) {
      const release = { ...this.release(name), namespace: name === 'kof-istio' ? istioNamespace : namespace };
      const result = await tool(() => helmUninstall(release, options));
      context.output.info(
        result === 'uninstalled' ? `uninstalled release ${name}` : `release ${name} was already gone`,
      );
    }
    if (!SYSTEM_NAMESPACES.has(namespace))
      await tool(() => kubectlDelete(this.kubeconfig, 'namespace', namespace, wait, options));
    if (recorded?.istio_namespace_created === true && !SYSTEM_NAMESPACES.has(istioNamespace))
      await tool(() => kubectlDelete(this.kubeconfig, 'namespace', istioNamespace, wait, options));
    writeFact(context, KOF_MOTHERSHIP_FACT, null);
  }

  private async installMothership(context: PhaseContext, options: ToolOptions): Promise<void> {
    const { install_retries: attempts, retry_delay_seconds: delay } = this.config.kof.mothership;
    for (let attempt = 1; ; attempt++) {
      try {
        await helmUpgradeInstall(this.install('kof-mothership'), options);
        return;
      } catch (error) {
        const failed = error instanceof ToolFailedError ? error : undefined;
        if (!failed) throw asPhaseError(error);
        const race = [failed.message, ...failed.outputTail].some((line) => WEBHOOK_RACE.test(line));
        if (!race || attempt >= attempts) {
          throw new CommandFailedError(
            `${failed.message} (attempt ${attempt} of ${attempts}${race ? ', the VictoriaMetrics webhook was still not serving' : ''}); ` +
              (race
                ? 'raise kof.mothership.install_retries or retry_delay_seconds, or run again'
                : 'see the output above'),
            failed.exitCode,
            failed.outputTail,
          );
        }
        context.output.warn(
          `kof-mothership attempt ${attempt} of ${attempts} met the VictoriaMetrics webhook before it was serving; waiting for its endpoints`,
        );
        const serving = await this.waitForWebhook(context, options);
        if (!serving)
          context.output.warn(
            `the webhook's endpoints were not ready within ${WEBHOOK_WAIT_MS / 1000} s; retrying anyway`,
          );
        if (delay > 0) await this.runtime.sleep(delay * 1000, context.signal);
      }
    }
  }

  /** Whether every Service the VictoriaMetrics webhooks call has a ready address, within a bounded wait. */
  private async waitForWebhook(context: PhaseContext, options: ToolOptions): Promise<boolean> {
    const kubeconfig = this.kubeconfig;
    const result = await pollUntil(
      this.runtime,
      context.signal,
      { budgetMs: WEBHOOK_WAIT_MS, intervalMs: POLL_MS },
      async () => {
        let configs: WebhookConfiguration[];
        try {
          configs = await kubectlList<WebhookConfiguration>(kubeconfig, 'validatingwebhookconfigurations', {
            ...options,
            selector: WEBHOOK_SELECTOR,
          });
        } catch {
          return undefined;
        }
        const services = configs
          .flatMap((c) => c.webhooks ?? [])
          .flatMap(({ clientConfig }) => {
            const { name, namespace } = clientConfig?.service ?? {};
            return name && namespace ? [{ name, namespace }] : [];
          });
        if (services.length === 0) return undefined;
        for (const service of services) {
          const endpoints = await kubectlGet<Endpoints>(
            kubeconfig,
            'endpoints',
            service.name,
            service.namespace,
            options,
          ).catch(() => undefined); // not answering yet is not serving yet
          if (!(endpoints?.subsets ?? []).some((s) => (s.addresses ?? []).length > 0)) return undefined;
        }
        return true;
      },
    );
    return result === true;
  }

  private chartVersion(name: (typeof KOF_RELEASES)[number]): string {
    return name === 'kof-istio' ? this.config.kof.istio.version : this.config.kof.version;
  }

  private install(name: (typeof KOF_RELEASES)[number]) {
    const { storage_class: storageClass, install_timeout_seconds: timeoutSeconds } =
      this.config.kof.mothership;
    return {
      ...this.release(name),
      chart: `${KOF_CHARTS}/${name}`,
      version: this.chartVersion(name),
      timeoutSeconds,
      resetValues: true,
      // The chart reads global.storageClass (its README); `default` leaves it to the default class.
      ...(name === 'kof-mothership' && storageClass !== 'default'
        ? { values: { 'global.storageClass': storageClass } }
        : {}),
    };
  }

  private release(name: (typeof KOF_RELEASES)[number]): HelmRelease {
    const kof = this.config.kof;
    return {
      release: name,
      namespace: name === 'kof-istio' ? kof.istio.namespace : kof.mothership.namespace,
      kubeconfig: this.kubeconfig,
    };
  }

  private get kubeconfig(): string {
    return this.layout.kubeconfig().path;
  }
}
