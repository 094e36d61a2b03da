/**
 * install_kof_regional: KOF's regional cluster as a k0rdent ClusterDeployment on Azure, from the
 * config (template, credential, location, sizes, counts, labels), applied idempotently and awaited
 * until Ready within kof.regional.ready_timeout_minutes. A cluster that does not get there fails the
 * phase with the condition that held it up; a re-run applies the same object again and keeps waiting.
 * Once Ready, the regional cluster's admin kubeconfig (Cluster API's `<name>-kubeconfig` Secret in the
 * management cluster) is kept as a sensitive artifact. Undo deletes the ClusterDeployment and waits
 * until it is gone, so CAPZ releases the child's Azure resources before anything it needs (the
 * credential, k0rdent) is removed.
 */
import { registerSecret } from '../../secrets.js';
import { kubectlApply, kubectlRequestDelete, kubectlGet, type KubeObject } from '../../tools/kube-objects.js';
import {
  PhaseConfigurationError,
  TransientPhaseError,
  type PhaseContext,
  type ValidationResult,
} from '../phase.js';
import type { DeploymentParts } from './base.js';
import { OptionalK0rdentPhase } from './optional-phase.js';
import { writeFact } from './facts.js';
import { removeArtifactFile, writeArtifact } from './files.js';
import { childrenFact, describeCondition, pollUntil, unreachable, type Condition } from './kube-support.js';
import { tool } from './phase-errors.js';
import { UnknownKindError } from '../../tools/kube-objects.js';

export const CLUSTER_DEPLOYMENTS = 'clusterdeployments.k0rdent.mirantis.com';
const CREDENTIALS = 'credentials.k0rdent.mirantis.com';
const CLUSTER_TEMPLATES = 'clustertemplates.k0rdent.mirantis.com';
export const KOF_REGIONAL_FACT = 'kof_regional';
/** The labels KOF's operator finds a regional cluster by. */
export const REGIONAL_LABELS = {
  'k0rdent.mirantis.com/istio-role': 'child',
  'k0rdent.mirantis.com/kof-cluster-role': 'regional',
} as const;
const POLL_MS = 30_000;
const IDENTITY = 'azure-cluster-identity';

interface ClusterDeploymentObject {
  metadata?: { labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { template?: string; credential?: string; config?: { location?: string } };
  status?: { conditions?: Condition[] };
}

interface RegionalFact {
  readonly cluster_name: string;
  readonly namespace: string;
  readonly version: string;
  readonly domain: string;
}

/** `kof-regional-<id without k0rdent->-<location>`, as the bash project names it. */
export function regionalClusterName(deploymentId: string, config: DeploymentParts['config']): string {
  const { cluster_name: name, location } = config.kof.regional;
  return name ?? `kof-regional-${deploymentId.replace(/^k0rdent-/, '')}-${location}`;
}

export class InstallKofRegional extends OptionalK0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const regional = this.config.kof.regional;
    const { domain, admin_email: email } = regional;
    if (domain === undefined || email === undefined)
      throw new PhaseConfigurationError(
        'the regional cluster needs kof.regional.domain (e.g. regional.example.com) and kof.regional.admin_email ' +
          '(e.g. admin@example.com): set both in the config',
      );
    const children = childrenFact(context);
    const kubeconfig = this.kubeconfig;
    const namespace = this.namespace;
    const name = this.clusterName;

    const template = await tool(() =>
      kubectlGet(kubeconfig, CLUSTER_TEMPLATES, regional.template, namespace, options),
    );
    if (!template)
      throw new PhaseConfigurationError(
        `ClusterTemplate ${regional.template} does not exist in ${namespace}; set kof.regional.template to one that ` +
          `\`kubectl get clustertemplates -n ${namespace}\` lists (templates follow the k0rdent version)`,
      );
    const credential = await tool(() =>
      kubectlGet(kubeconfig, CREDENTIALS, regional.credential, namespace, options),
    );
    if (!credential)
      throw new PhaseConfigurationError(
        `Credential ${regional.credential} does not exist in ${namespace}; set kof.regional.credential to the ` +
          'Credential setup_azure_children creates (azure-cluster-credential)',
      );

    writeFact(context, KOF_REGIONAL_FACT, {
      cluster_name: name,
      namespace,
      version: this.config.kof.version,
      domain,
    } satisfies RegionalFact);
    const object: KubeObject = {
      apiVersion: 'k0rdent.mirantis.com/v1beta1',
      kind: 'ClusterDeployment',
      metadata: {
        name,
        namespace,
        labels: { ...regional.labels, ...REGIONAL_LABELS },
        annotations: {
          'k0rdent.mirantis.com/kof-regional-domain': domain,
          'k0rdent.mirantis.com/kof-cert-email': email,
        },
      },
      spec: {
        template: regional.template,
        credential: regional.credential,
        dryRun: false,
        config: {
          clusterIdentity: { name: IDENTITY, namespace },
          location: regional.location,
          subscriptionID: children.subscription_id,
          controlPlaneNumber: regional.control_plane_number,
          controlPlane: { vmSize: regional.cp_instance_size, rootVolumeSize: regional.root_volume_size },
          workersNumber: regional.workers_number,
          worker: { vmSize: regional.worker_instance_size, rootVolumeSize: regional.root_volume_size },
        },
      },
    };
    await tool(() => kubectlApply(kubeconfig, [object], options));
    context.output.info(`ClusterDeployment ${name} applied in ${namespace}; waiting for it to become Ready`);

    const minutes = regional.ready_timeout_minutes;
    let last: ClusterDeploymentObject | undefined;
    const ready = await pollUntil(
      this.runtime,
      context.signal,
      { budgetMs: minutes * 60_000, intervalMs: POLL_MS },
      async () => {
        last = await tool(() =>
          kubectlGet<ClusterDeploymentObject>(kubeconfig, CLUSTER_DEPLOYMENTS, name, namespace, options),
        );
        return readyCondition(last)?.status === 'True' ? true : undefined;
      },
    );
    if (!ready) {
      const held = (last?.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.status === 'False');
      throw new TransientPhaseError(
        `ClusterDeployment ${namespace}/${name} was not Ready within kof.regional.ready_timeout_minutes (${minutes} min): ` +
          (last ? describeCondition(readyCondition(last), 'Ready') : 'it disappeared') +
          (held.length > 0
            ? `; also ${held.map((c) => describeCondition(c, c.type ?? '?')).join(', ')}`
            : '') +
          '. Run again to keep waiting (the object stays), or roll back to remove it.',
      );
    }
    context.output.info(`ClusterDeployment ${name} is Ready`);
    await this.keepKubeconfig(context, name, namespace, options);
  }

  /** Copies the regional cluster's kubeconfig from the Secret Cluster API keeps it in, if it is there. */
  private async keepKubeconfig(
    context: PhaseContext,
    name: string,
    namespace: string,
    options: Awaited<ReturnType<OptionalK0rdentPhase['checkTools']>>,
  ): Promise<void> {
    const secretName = `${name}-kubeconfig`;
    const secret = await tool(() => kubectlGet(this.kubeconfig, 'secrets', secretName, namespace, options));
    const encoded = (secret as { data?: Record<string, unknown> } | undefined)?.data?.value;
    if (typeof encoded !== 'string' || encoded === '') {
      context.output.warn(
        `the regional cluster is Ready, but Secret ${namespace}/${secretName} holds no kubeconfig (key value): ` +
          `not stored; read it later with kubectl get secret ${secretName} -n ${namespace}`,
      );
      return;
    }
    registerSecret(encoded);
    const file = this.layout.regionalKubeconfig();
    await writeArtifact(context, {
      ...file,
      content: Buffer.from(encoded, 'base64').toString('utf8'),
      sensitive: true,
      metadata: { cluster: `${namespace}/${name}` },
    });
    context.output.info(`kept the regional cluster's kubeconfig as the sensitive artifact ${file.name}`);
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const options = await this.checkTools(context);
    const name = this.clusterName;
    const regional = this.config.kof.regional;
    try {
      const cd = await kubectlGet<ClusterDeploymentObject>(
        this.kubeconfig,
        CLUSTER_DEPLOYMENTS,
        name,
        this.namespace,
        options,
      );
      if (!cd) return { ok: false, evidence: `ClusterDeployment ${name} not found in ${this.namespace}` };
      const labels = cd.metadata?.labels ?? {};
      const missing = Object.entries(REGIONAL_LABELS).filter(([k, v]) => labels[k] !== v);
      if (missing.length > 0)
        return {
          ok: false,
          evidence: `ClusterDeployment ${name} lacks the label ${missing.map(([k, v]) => `${k}=${v}`).join(', ')}`,
        };
      const drift = [
        ['template', cd.spec?.template, regional.template],
        ['credential', cd.spec?.credential, regional.credential],
        ['location', cd.spec?.config?.location, regional.location],
      ].filter(([, found, wanted]) => found !== wanted);
      if (drift.length > 0)
        return {
          ok: false,
          evidence: `ClusterDeployment ${name} differs from the config: ${drift.map(([k, f, w]) => `${k} ${f ?? 'unset'}, configured ${w}`).join('; ')}`,
        };
      const condition = readyCondition(cd);
      return condition?.status === 'True'
        ? { ok: true, evidence: `ClusterDeployment ${name} is Ready` }
        : { ok: false, evidence: `ClusterDeployment ${name}: ${describeCondition(condition, 'Ready')}` };
    } catch (error) {
      return unreachable(error);
    }
  }

  async rollback(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const recorded = context.state.read().facts[KOF_REGIONAL_FACT]?.value as
      Partial<RegionalFact> | undefined;
    const name = recorded?.cluster_name ?? this.clusterName;
    const namespace = recorded?.namespace ?? this.namespace;
    const kubeconfig = this.kubeconfig;
    const requested = await tool(() =>
      kubectlRequestDelete(kubeconfig, CLUSTER_DEPLOYMENTS, name, namespace, options),
    );
    if (requested === 'requested') {
      const minutes = this.config.kof.regional.ready_timeout_minutes;
      const gone = await pollUntil(
        this.runtime,
        context.signal,
        { budgetMs: minutes * 60_000, intervalMs: POLL_MS },
        async () => {
          try {
            return (await tool(() =>
              kubectlGet(kubeconfig, CLUSTER_DEPLOYMENTS, name, namespace, options),
            )) === undefined
              ? true
              : undefined;
          } catch (error) {
            if (error instanceof UnknownKindError) return true;
            throw error;
          }
        },
      );
      if (!gone)
        throw new TransientPhaseError(
          `ClusterDeployment ${namespace}/${name} is still being deleted after ${minutes} min (its Azure resources are being released); run the rollback again to keep waiting`,
        );
      context.output.info(`deleted ClusterDeployment ${namespace}/${name}; its Azure resources are released`);
    } else {
      context.output.info(`the cluster does not know ClusterDeployments any more: ${name} is gone`);
    }
    const file = this.layout.regionalKubeconfig();
    await removeArtifactFile(context, file.name, file.path);
    writeFact(context, KOF_REGIONAL_FACT, null);
  }

  private get clusterName(): string {
    return regionalClusterName(this.deployment.id, this.config);
  }

  /** The ClusterDeployment lives with its Credential and template, in k0rdent's namespace. */
  private get namespace(): string {
    return this.config.software.k0rdent.namespace;
  }

  private get kubeconfig(): string {
    return this.layout.kubeconfig().path;
  }
}

function readyCondition(cd: ClusterDeploymentObject | undefined): Condition | undefined {
  return cd?.status?.conditions?.find((c) => c.type === 'Ready');
}
