/**
 * The Kubernetes objects that let k0rdent create Azure child clusters (OPTIONAL-PHASES.md §1): the
 * service principal's secret, the CAPZ AzureClusterIdentity that names it, the k0rdent Credential
 * that names the identity, and the Sveltos template k0rdent renders into every child (its Azure cloud
 * provider config and a default `managed-csi` StorageClass). Names are those the bash project used,
 * so ClusterDeployments written for it keep working.
 */
import type { KubeObject } from '../../tools/kube-objects.js';

export const CHILDREN = {
  secret: 'azure-cluster-identity-secret',
  identity: 'azure-cluster-identity',
  credential: 'azure-cluster-credential',
  template: 'azure-cluster-identity-resource-template',
} as const;

export const KINDS = {
  identity: 'azureclusteridentities.infrastructure.cluster.x-k8s.io',
  credential: 'credentials.k0rdent.mirantis.com',
  clusterDeployment: 'clusterdeployments.k0rdent.mirantis.com',
} as const;

export const CAPZ_API = 'infrastructure.cluster.x-k8s.io/v1beta1';
const KCM_LABEL = { 'k0rdent.mirantis.com/component': 'kcm' };

export interface ChildrenIdentity {
  readonly namespace: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export function childrenObjects(identity: ChildrenIdentity): KubeObject[] {
  const { namespace } = identity;
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: CHILDREN.secret, namespace, labels: { ...KCM_LABEL } },
      // `type` is not part of KubeObject's shape; a Secret without it is Opaque.
      data: { clientSecret: Buffer.from(identity.clientSecret, 'utf8').toString('base64') },
    },
    {
      apiVersion: CAPZ_API,
      kind: 'AzureClusterIdentity',
      metadata: {
        name: CHILDREN.identity,
        namespace,
        labels: { 'clusterctl.cluster.x-k8s.io/move-hierarchy': 'true' },
      },
      spec: {
        type: 'ServicePrincipal',
        tenantID: identity.tenantId,
        clientID: identity.clientId,
        clientSecret: { name: CHILDREN.secret, namespace },
        allowedNamespaces: {},
      },
    },
    {
      apiVersion: 'k0rdent.mirantis.com/v1beta1',
      kind: 'Credential',
      metadata: { name: CHILDREN.credential, namespace },
      spec: {
        description: 'Azure credentials for cluster deployment',
        identityRef: {
          apiVersion: CAPZ_API,
          kind: 'AzureClusterIdentity',
          name: CHILDREN.identity,
          namespace,
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: CHILDREN.template,
        namespace,
        labels: { ...KCM_LABEL },
        annotations: { 'projectsveltos.io/template': 'true' },
      },
      data: { 'configmap.yaml': CLOUD_PROVIDER_TEMPLATE, 'storageclass.yaml': STORAGE_CLASS },
    },
  ];
}

/**
 * A Sveltos template: rendered per child from its AzureCluster (`.InfrastructureProvider`) and the
 * identity and secret above, it gives the child's Azure cloud provider and disk driver their config.
 */
const CLOUD_PROVIDER_TEMPLATE = `{{- $cluster := .InfrastructureProvider -}}
{{- $identity := (getResource "InfrastructureProviderIdentity") -}}
{{- $secret := (getResource "InfrastructureProviderIdentitySecret") -}}
{{- $subnet := "" -}}
{{- $securityGroup := "" -}}
{{- $routeTable := "" -}}
{{- range $cluster.spec.networkSpec.subnets -}}
{{- if eq .role "node" -}}
{{- $subnet = .name -}}
{{- $securityGroup = .securityGroup.name -}}
{{- $routeTable = .routeTable.name -}}
{{- end -}}
{{- end -}}
{{- $config := dict
  "cloud" $cluster.spec.azureEnvironment
  "tenantId" $identity.spec.tenantID
  "subscriptionId" $cluster.spec.subscriptionID
  "aadClientId" $identity.spec.clientID
  "aadClientSecret" (index $secret.data "clientSecret" | b64dec)
  "resourceGroup" $cluster.spec.resourceGroup
  "securityGroupName" $securityGroup
  "securityGroupResourceGroup" $cluster.spec.networkSpec.vnet.resourceGroup
  "location" $cluster.spec.location
  "vmType" "vmss"
  "vnetName" $cluster.spec.networkSpec.vnet.name
  "vnetResourceGroup" $cluster.spec.networkSpec.vnet.resourceGroup
  "subnetName" $subnet
  "routeTableName" $routeTable
  "loadBalancerSku" "Standard"
  "loadBalancerName" ""
  "maximumLoadBalancerRuleCount" 250
  "useManagedIdentityExtension" false
  "useInstanceMetadata" true
-}}
apiVersion: v1
kind: Secret
metadata:
  name: azure-cloud-provider
  namespace: kube-system
type: Opaque
data:
  cloud-config: {{ $config | toJson | b64enc }}
  azure.json: {{ $config | toJson | b64enc }}
`;

const STORAGE_CLASS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: managed-csi
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: disk.csi.azure.com
parameters:
  skuName: StandardSSD_LRS
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
`;
