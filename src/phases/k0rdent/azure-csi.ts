/**
 * install_azure_csi: the Azure Disk CSI driver from its official Helm chart, configured by the
 * cloud config Secret the chart reads (`azure-cloud-provider` in kube-system: the child-cluster
 * service principal, the deployment's resource group, and its VNet, subnet and NSG by name), and
 * `managed-csi` as the default StorageClass. The Secret goes to the cluster on kubectl's standard
 * input only. Undone in reverse: StorageClass, chart, Secret.
 */
import { registerSecret } from '../../secrets.js';
import { helmStatus, helmUninstall, helmUpgradeInstall, type HelmRelease } from '../../tools/helm.js';
import { kubectlApply, kubectlRequestDelete, kubectlGet, type KubeObject } from '../../tools/kube-objects.js';
import { kubectlNodes } from '../../tools/kubectl.js';
import { CommandFailedError, type PhaseContext, type ValidationResult } from '../phase.js';
import { OptionalK0rdentPhase } from './optional-phase.js';
import { childrenCredential, childrenFact, pollUntil, unreachable } from './kube-support.js';
import { tool } from './phase-errors.js';

export const CSI_RELEASE = 'azuredisk-csi-driver';
export const CSI_CHART = 'azuredisk-csi-driver';
export const CSI_NAMESPACE = 'kube-system';
export const CSI_DRIVER = 'disk.csi.azure.com';
export const CSI_CONTROLLER = 'csi-azuredisk-controller';
export const CSI_NODE = 'csi-azuredisk-node';
export const CLOUD_CONFIG_SECRET = 'azure-cloud-provider';
export const STORAGE_CLASS = 'managed-csi';
/** Not secret: which principal the cloud config holds, so validate can compare it with the fact. */
const CLIENT_ID_ANNOTATION = 'k0rdent-deploy/azure-client-id';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
/** k0s keeps the kubelet's directory here, not in /var/lib/kubelet (the chart's default). */
const K0S_KUBELET_DIR = '/var/lib/k0s/kubelet';
const READY_POLL_MS = 10_000;

interface DeploymentObject {
  status?: { availableReplicas?: number };
}
interface DaemonSetObject {
  status?: { desiredNumberScheduled?: number; numberReady?: number };
}
interface StorageClassObject {
  provisioner?: string;
  metadata?: { annotations?: Record<string, string> };
}

export class InstallAzureCsi extends OptionalK0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const { fact, clientSecret } = await childrenCredential(context, this.layout);
    const kubeconfig = this.kubeconfig;
    const cloudConfig = JSON.stringify(
      {
        cloud: 'AzurePublicCloud',
        tenantId: fact.tenant_id,
        subscriptionId: fact.subscription_id,
        aadClientId: fact.client_id,
        aadClientSecret: clientSecret,
        resourceGroup: this.deployment.names.resourceGroup,
        vnetResourceGroup: this.deployment.names.resourceGroup,
        location: this.config.azure.location,
        vnetName: this.deployment.names.vnet,
        subnetName: this.deployment.names.subnet,
        securityGroupName: this.deployment.names.nsg,
        useManagedIdentityExtension: false,
        useInstanceMetadata: true,
        vmType: 'standard',
        loadBalancerSku: 'standard',
      },
      null,
      2,
    );
    registerSecret(cloudConfig);
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: CLOUD_CONFIG_SECRET,
        namespace: CSI_NAMESPACE,
        annotations: { [CLIENT_ID_ANNOTATION]: fact.client_id },
      },
      type: 'Opaque',
      stringData: { 'cloud-config': cloudConfig, 'azure.json': cloudConfig },
    };
    await tool(() => kubectlApply(kubeconfig, [secret], options));

    // Two controller replicas share host ports (hostNetwork): one node holds one of them.
    const nodes = (await tool(() => kubectlNodes(kubeconfig, options))).filter((n) => n.ready).length;
    const { version, repository } = this.config.software.azure_disk_csi;
    const wait = this.config.timeouts.azure_csi_wait;
    await tool(() =>
      helmUpgradeInstall(
        {
          ...this.release(),
          chart: CSI_CHART,
          repo: repository,
          version,
          timeoutSeconds: wait,
          resetValues: true,
          values: {
            'linux.kubelet': K0S_KUBELET_DIR,
            'windows.enabled': 'false',
            'controller.replicas': String(Math.max(1, Math.min(2, nodes))),
            'controller.cloudConfigSecretName': CLOUD_CONFIG_SECRET,
            'controller.cloudConfigSecretNamespace': CSI_NAMESPACE,
            'node.cloudConfigSecretName': CLOUD_CONFIG_SECRET,
            'node.cloudConfigSecretNamespace': CSI_NAMESPACE,
          },
        },
        options,
      ),
    );
    // helm's --wait has passed; the driver must also be serving on every node, within the same budget.
    const ready = await pollUntil(
      this.runtime,
      context.signal,
      { budgetMs: wait * 1000, intervalMs: READY_POLL_MS },
      async () => {
        const problem = await this.driverProblem(options);
        return problem === undefined ? true : undefined;
      },
    );
    if (!ready) {
      const problem = (await this.driverProblem(options)) ?? 'not ready';
      throw new CommandFailedError(
        `the Azure Disk CSI driver did not become ready within timeouts.azure_csi_wait (${wait} s): ${problem}`,
        undefined,
        [],
      );
    }

    const storageClass: KubeObject = {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: STORAGE_CLASS, annotations: { [DEFAULT_CLASS]: 'true' } },
      provisioner: CSI_DRIVER,
      parameters: { skuName: 'StandardSSD_LRS' },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    };
    await tool(() => kubectlApply(kubeconfig, [storageClass], options));
    context.output.info(
      `Azure Disk CSI driver ${version} (release ${CSI_RELEASE} in ${CSI_NAMESPACE}) ready; ${STORAGE_CLASS} is the default StorageClass`,
    );
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const options = await this.checkTools(context);
    const { version } = this.config.software.azure_disk_csi;
    try {
      const status = await helmStatus(this.release(), options);
      if (!status) return { ok: false, evidence: `release ${CSI_RELEASE} not found in ${CSI_NAMESPACE}` };
      if (status.status !== 'deployed')
        return { ok: false, evidence: `release ${CSI_RELEASE} is ${status.status}` };
      if (status.chartVersion !== undefined && status.chartVersion !== version)
        return {
          ok: false,
          evidence: `release ${CSI_RELEASE} runs chart ${status.chartVersion}, configured ${version}`,
        };
      const problem = await this.driverProblem(options);
      if (problem) return { ok: false, evidence: problem };
      const secret = await kubectlGet<{ metadata?: { annotations?: Record<string, string> } }>(
        this.kubeconfig,
        'secret',
        CLOUD_CONFIG_SECRET,
        CSI_NAMESPACE,
        options,
      );
      if (!secret)
        return { ok: false, evidence: `Secret ${CLOUD_CONFIG_SECRET} is missing in ${CSI_NAMESPACE}` };
      const clientId = childrenFact(context).client_id;
      if (secret.metadata?.annotations?.[CLIENT_ID_ANNOTATION] !== clientId)
        return {
          ok: false,
          evidence: `Secret ${CLOUD_CONFIG_SECRET} holds another service principal than the recorded ${clientId}`,
        };
      const sc = await kubectlGet<StorageClassObject>(
        this.kubeconfig,
        'storageclass',
        STORAGE_CLASS,
        undefined,
        options,
      );
      if (!sc) return { ok: false, evidence: `StorageClass ${STORAGE_CLASS} is missing` };
      if (sc.provisioner !== CSI_DRIVER)
        return {
          ok: false,
          evidence: `StorageClass ${STORAGE_CLASS} provisions with ${sc.provisioner ?? 'nothing'}`,
        };
      if (sc.metadata?.annotations?.[DEFAULT_CLASS] !== 'true')
        return { ok: false, evidence: `StorageClass ${STORAGE_CLASS} is not the default class` };
      return {
        ok: true,
        evidence: `CSIDriver ${CSI_DRIVER} registered, ${CSI_CONTROLLER} available, ${CSI_NODE} ready on every node, ${STORAGE_CLASS} the default class`,
      };
    } catch (error) {
      return unreachable(error);
    }
  }

  async rollback(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const kubeconfig = this.kubeconfig;
    await tool(() => kubectlRequestDelete(kubeconfig, 'storageclass', STORAGE_CLASS, undefined, options));
    const result = await tool(() => helmUninstall(this.release(), options));
    await tool(() => kubectlRequestDelete(kubeconfig, 'secret', CLOUD_CONFIG_SECRET, CSI_NAMESPACE, options));
    context.output.info(
      `removed StorageClass ${STORAGE_CLASS}, ${result === 'uninstalled' ? `uninstalled release ${CSI_RELEASE}` : `release ${CSI_RELEASE} was already gone`}, and Secret ${CLOUD_CONFIG_SECRET}`,
    );
  }

  /** What keeps the driver from serving, or undefined when it is registered and ready everywhere. */
  private async driverProblem(options: {
    env: Readonly<Record<string, string | undefined>>;
    signal: AbortSignal;
  }) {
    const kubeconfig = this.kubeconfig;
    const driver = await kubectlGet(kubeconfig, 'csidrivers.storage.k8s.io', CSI_DRIVER, undefined, options);
    if (!driver) return `CSIDriver ${CSI_DRIVER} is not registered`;
    const controller = await kubectlGet<DeploymentObject>(
      kubeconfig,
      'deployment',
      CSI_CONTROLLER,
      CSI_NAMESPACE,
      options,
    );
    if (!controller) return `Deployment ${CSI_CONTROLLER} is missing in ${CSI_NAMESPACE}`;
    if ((controller.status?.availableReplicas ?? 0) < 1)
      return `Deployment ${CSI_CONTROLLER} has no available replica`;
    const node = await kubectlGet<DaemonSetObject>(kubeconfig, 'daemonset', CSI_NODE, CSI_NAMESPACE, options);
    if (!node) return `DaemonSet ${CSI_NODE} is missing in ${CSI_NAMESPACE}`;
    const desired = node.status?.desiredNumberScheduled ?? 0;
    const readyPods = node.status?.numberReady ?? 0;
    if (desired === 0 || readyPods < desired)
      return `DaemonSet ${CSI_NODE} has ${readyPods} of ${desired} pods ready`;
    return undefined;
  }

  private get kubeconfig(): string {
    return this.layout.kubeconfig().path;
  }

  private release(): HelmRelease {
    return { release: CSI_RELEASE, namespace: CSI_NAMESPACE, kubeconfig: this.kubeconfig };
  }
}
