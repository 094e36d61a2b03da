/**
 * setup_azure_children: the service principal Azure child clusters run as, and the k0rdent objects
 * that hand it to CAPZ (OPTIONAL-PHASES.md §1). The principal is either supplied (its secret from an
 * environment variable) or created through Microsoft Graph, recorded the moment it exists so that no
 * crash or rollback can leak it, and granted its role by a role assignment named after the grant.
 * Its client secret lives only in the sensitive artifact; the facts hold what is not secret.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isGraphForbidden, type GraphClient } from '../../azure/graph.js';
import { RestCallError } from '../../azure/rest.js';
import { registerSecret } from '../../secrets.js';
import { setFact } from '../../state/transitions.js';
import {
  kubectlApply,
  kubectlDeleteObject,
  kubectlGet,
  kubectlList,
  UnknownKindError,
  type KubeObject,
} from '../../tools/kube-objects.js';
import type { ToolOptions } from '../../tools/tool.js';
import {
  PhaseConfigurationError,
  TransientPhaseError,
  type PhaseContext,
  type ValidationResult,
} from '../phase.js';
import type { DeploymentParts } from './base.js';
import { OptionalK0rdentPhase } from './optional-phase.js';
import { CHILDREN, childrenObjects, KINDS } from './children-objects.js';
import { artifactIntact, readIfExists, removeArtifactFile, writeArtifact } from './files.js';
import { FACT, readAzureChildren, writeFact, type AzureChildren } from './facts.js';
import { tool } from './phase-errors.js';

/** The CRD that says CAPZ is installed; the controller that says it runs. */
const CAPZ_CRD = 'azureclusteridentities.infrastructure.cluster.x-k8s.io';
const CAPZ_POD = /capz|cluster-api-provider-azure/;
const CAPZ_POLL_MS = 5_000;
/** A new principal reaches ARM's view of the directory within minutes at most. */
const REPLICATION_ATTEMPTS = 12;
const REPLICATION_PAUSE_MS = 10_000;
/** Client secrets of a created principal last two years; a re-run does not rotate them. */
const SECRET_LIFETIME_MS = 2 * 365 * 24 * 3600 * 1000;
const DEFAULT_ROLE = 'Contributor';

interface Principal {
  readonly clientId: string;
  readonly secret: string;
  readonly principalObjectId?: string;
  readonly applicationObjectId?: string;
  readonly created: boolean;
}

export function childrenPrincipalName(deploymentId: string): string {
  return `${deploymentId}-cluster-deployment-sp`;
}

/** The tag a created application carries, so a lost record can still find what is ours. */
export function childrenTag(deploymentId: string): string {
  return `k0rdent-deploy:${deploymentId}`;
}

export class SetupAzureChildren extends OptionalK0rdentPhase {
  async run(context: PhaseContext): Promise<void> {
    const options = await this.clusterTools(context);
    const kubeconfig = this.layout.kubeconfig().path;
    // CAPZ first: a principal made for a cluster that cannot use it would only wait to be cleaned up.
    await this.waitForCapz(kubeconfig, options, context);

    const settings = this.config.azure_children;
    const { subscriptionId } = await this.runtime.azure(context.signal);
    const scope = settings.scope ?? `/subscriptions/${subscriptionId}`;
    if (!scope.toLowerCase().startsWith(`/subscriptions/${subscriptionId.toLowerCase()}`)) {
      throw new PhaseConfigurationError(
        `azure_children.scope ${scope} is not in the deployment's subscription ${subscriptionId}; ` +
          `use /subscriptions/${subscriptionId} or a resource group inside it`,
      );
    }
    const tenantId = this.tenantId();
    const graph = await this.runtime.graph(context.signal);
    const principal =
      settings.client_id === undefined
        ? await this.createdPrincipal(context, graph, { subscriptionId, tenantId })
        : await this.suppliedPrincipal(context, graph, settings.client_id, { subscriptionId, tenantId });

    const previous = readAzureChildren(context.state.read());
    const role = settings.role ?? (principal.created ? DEFAULT_ROLE : undefined);
    let assignment: { id: string; outcome: 'created' | 'existing' } | undefined;
    if (role !== undefined) {
      if (principal.principalObjectId === undefined) {
        throw new PhaseConfigurationError(
          `service principal ${principal.clientId} not found in Microsoft Graph: check azure_children.client_id`,
        );
      }
      assignment = await this.assignRole(context, principal.principalObjectId, role, scope);
      context.output.info(
        assignment.outcome === 'created'
          ? `role ${role} assigned to ${principal.clientId} on ${scope}`
          : `role ${role} was already assigned to ${principal.clientId} on ${scope} (not by this deployment: kept on undo)`,
      );
    }
    // A grant this deployment made earlier for another principal, role or scope is not wanted any more.
    if (previous?.role_assignment_id !== undefined && previous.role_assignment_id !== assignment?.id) {
      const assignments = await this.runtime.roleAssignments(context.signal);
      await assignments.delete(previous.role_assignment_id);
      context.output.info(`deleted the earlier role assignment ${previous.role_assignment_id}`);
    }
    this.record(context, {
      subscription_id: subscriptionId,
      tenant_id: tenantId,
      client_id: principal.clientId,
      created_by_deployment: principal.created,
      ...(principal.principalObjectId ? { principal_object_id: principal.principalObjectId } : {}),
      ...(principal.applicationObjectId ? { application_object_id: principal.applicationObjectId } : {}),
      ...(assignment?.outcome === 'created' ? { role_assignment_id: assignment.id } : {}),
      ...(role !== undefined ? { role, scope } : {}),
    });

    const namespace = this.config.software.k0rdent.namespace;
    await tool(() =>
      kubectlApply(
        kubeconfig,
        childrenObjects({
          namespace,
          tenantId,
          clientId: principal.clientId,
          clientSecret: principal.secret,
        }),
        options,
      ),
    ).catch((error: unknown) => {
      if (error instanceof UnknownKindError)
        throw new TransientPhaseError(
          `the cluster does not know the child-cluster kinds yet: ${error.message}`,
        );
      throw error;
    });
    context.output.info(
      `credential ${CHILDREN.credential} (identity ${CHILDREN.identity}, client ${principal.clientId}) ready in ${namespace}`,
    );
  }

  async validate(context: PhaseContext): Promise<ValidationResult> {
    const fact = readAzureChildren(context.state.read());
    if (!fact) return { ok: false, evidence: 'no service principal recorded' };
    const artifact = await artifactIntact(context.state.read(), this.layout.azureChildrenClientSecret().name);
    if (!artifact.ok) return { ok: false, evidence: `client secret: ${artifact.detail}` };
    const secret = await this.storedSecret();
    const settings = this.config.azure_children;
    if (
      settings.client_id !== undefined &&
      settings.client_id.toLowerCase() !== fact.client_id.toLowerCase()
    ) {
      return { ok: false, evidence: `configured client ${settings.client_id}, applied ${fact.client_id}` };
    }
    if (settings.client_id !== undefined) {
      const supplied = this.runtime.env[settings.client_secret_env];
      if (supplied !== undefined && supplied !== '' && supplied !== secret) {
        registerSecret(supplied);
        return { ok: false, evidence: `the secret in ${settings.client_secret_env} is not the one applied` };
      }
    }
    const options = await this.checkTools(context);
    const kubeconfig = this.layout.kubeconfig().path;
    const namespace = this.config.software.k0rdent.namespace;
    try {
      const identity = await kubectlGet(kubeconfig, KINDS.identity, CHILDREN.identity, namespace, options);
      if (!identity) return { ok: false, evidence: `AzureClusterIdentity ${CHILDREN.identity} not found` };
      const clientId = typeof identity.spec?.clientID === 'string' ? identity.spec.clientID : '';
      if (clientId.toLowerCase() !== fact.client_id.toLowerCase()) {
        return {
          ok: false,
          evidence: `AzureClusterIdentity ${CHILDREN.identity} names client ${clientId || '(none)'}, recorded ${fact.client_id}`,
        };
      }
      const stored = await kubectlGet(kubeconfig, 'secret', CHILDREN.secret, namespace, options);
      const applied = stored?.data?.clientSecret;
      if (applied === undefined) return { ok: false, evidence: `Secret ${CHILDREN.secret} not found` };
      if (Buffer.from(applied, 'base64').toString('utf8') !== secret) {
        return {
          ok: false,
          evidence: `Secret ${CHILDREN.secret} holds another client secret than the recorded one`,
        };
      }
      if (!(await kubectlGet(kubeconfig, KINDS.credential, CHILDREN.credential, namespace, options))) {
        return { ok: false, evidence: `Credential ${CHILDREN.credential} not found` };
      }
      if (!(await kubectlGet(kubeconfig, 'configmap', CHILDREN.template, namespace, options))) {
        return { ok: false, evidence: `ConfigMap ${CHILDREN.template} not found` };
      }
    } catch (error) {
      return { ok: false, evidence: `could not read the child-cluster objects: ${(error as Error).message}` };
    }
    const graph = await this.runtime.graph(context.signal);
    if (!(await graph.servicePrincipal(fact.client_id))) {
      return {
        ok: false,
        evidence: `service principal ${fact.client_id} no longer exists in Microsoft Graph`,
      };
    }
    if (fact.role_assignment_id !== undefined) {
      const assignments = await this.runtime.roleAssignments(context.signal);
      if (!(await assignments.get(fact.role_assignment_id))) {
        return { ok: false, evidence: `role assignment ${fact.role_assignment_id} no longer exists` };
      }
    }
    return {
      ok: true,
      evidence: `identity, secret, credential and template point at client ${fact.client_id}, which exists`,
    };
  }

  async rollback(context: PhaseContext): Promise<void> {
    const options = await this.streamingTools(context);
    if (await this.clusterAlive(context)) {
      await this.tunnel(options);
      await this.removeObjects(context, options);
    } else {
      context.output.info('the cluster is gone: its child-cluster objects went with it');
    }
    await releaseChildrenPrincipal(this.deployment, context);
  }

  // ---- run ------------------------------------------------------------------------------------

  private tenantId(): string {
    const tenant = this.config.azure_children.tenant_id ?? this.runtime.tenantId;
    if (tenant === undefined) {
      throw new PhaseConfigurationError(
        'no Azure tenant for the child-cluster identity: set azure_children.tenant_id or the AZURE_TENANT_ID variable',
      );
    }
    return tenant;
  }

  private async waitForCapz(kubeconfig: string, options: ToolOptions, context: PhaseContext): Promise<void> {
    const budget = this.config.azure_children.capz_wait * 1000;
    const deadline = this.runtime.now() + budget;
    let last = '';
    for (let check = 0; check <= budget / CAPZ_POLL_MS + 1; check++) {
      last = await tool(() => capzProblem(kubeconfig, options));
      if (last === '') return;
      if (this.runtime.now() >= deadline) break;
      await this.runtime.sleep(CAPZ_POLL_MS, context.signal);
      if (context.signal.aborted) throw new TransientPhaseError('cancelled while waiting for CAPZ');
    }
    throw new TransientPhaseError(
      `CAPZ (the Azure cluster-API provider k0rdent installs) was not ready within ${this.config.azure_children.capz_wait} s: ` +
        `${last}. Check the capz pods in the cluster, then run again (or raise azure_children.capz_wait)`,
    );
  }

  private async createdPrincipal(
    context: PhaseContext,
    graph: GraphClient,
    account: { subscriptionId: string; tenantId: string },
  ): Promise<Principal> {
    const name = childrenPrincipalName(this.deployment.id);
    const tag = childrenTag(this.deployment.id);
    const fact = readAzureChildren(context.state.read());
    const recorded = fact?.created_by_deployment ? fact : undefined;
    let app = recorded ? await graph.application(recorded.client_id) : undefined;
    // A crash between Graph's answer and the state write leaves an application only its tag names.
    app ??= (await this.graphCall(() => graph.applicationsNamed(name))).find((a) => a.tags?.includes(tag));
    if (app) {
      context.output.info(`reusing application ${name} (client ${app.appId})`);
    } else {
      app = await this.graphCall(() => graph.createApplication(name, [tag]));
      context.output.info(`created application ${name} (client ${app.appId})`);
    }
    const created = app;
    const base = {
      subscription_id: account.subscriptionId,
      tenant_id: account.tenantId,
      client_id: created.appId,
      created_by_deployment: true,
      application_object_id: created.id,
    };
    // Recorded before anything else exists: from here on, undo knows what to delete.
    this.record(context, {
      ...(recorded?.client_id === created.appId ? recorded : {}),
      ...keptGrant(fact),
      ...base,
    });
    const principal =
      (await graph.servicePrincipal(created.appId)) ??
      (await this.graphCall(() => graph.createServicePrincipal(created.appId)));
    this.record(context, {
      ...(readAzureChildren(context.state.read()) ?? base),
      principal_object_id: principal.id,
    });

    const sameApplication = recorded?.client_id === created.appId;
    let secret = sameApplication ? await this.storedSecret() : undefined;
    if (secret === undefined) {
      const until = new Date(this.runtime.now() + SECRET_LIFETIME_MS).toISOString();
      secret = await this.graphCall(() =>
        graph.addPassword(created.id, `k0rdent-deploy ${this.deployment.id}`, until),
      );
      registerSecret(secret);
      await this.storeSecret(context, secret, created.appId);
      context.output.info(`issued a client secret for ${created.appId} (stored encrypted with the state)`);
    }
    return {
      clientId: created.appId,
      secret,
      principalObjectId: principal.id,
      applicationObjectId: created.id,
      created: true,
    };
  }

  private async suppliedPrincipal(
    context: PhaseContext,
    graph: GraphClient,
    clientId: string,
    account: { subscriptionId: string; tenantId: string },
  ): Promise<Principal> {
    const variable = this.config.azure_children.client_secret_env;
    const secret = this.runtime.env[variable];
    if (secret === undefined || secret === '') {
      throw new PhaseConfigurationError(
        `azure_children.client_id is set, but ${variable} is empty: put the service principal's client secret ` +
          `in the ${variable} environment variable (from a repository secret), never in the config file`,
      );
    }
    registerSecret(secret);
    const previous = readAzureChildren(context.state.read());
    if (previous?.created_by_deployment) {
      throw new PhaseConfigurationError(
        `this deployment created service principal ${previous.client_id}; roll back setup_azure_children ` +
          'to delete it before switching to a supplied one (azure_children.client_id)',
      );
    }
    // Its object id is needed only to grant it a role; an identity that may not read Graph can skip that.
    const principal =
      this.config.azure_children.role === undefined
        ? await graph.servicePrincipal(clientId).catch(() => undefined)
        : await this.graphCall(() => graph.servicePrincipal(clientId));
    this.record(context, {
      subscription_id: account.subscriptionId,
      tenant_id: account.tenantId,
      client_id: clientId,
      created_by_deployment: false,
      ...keptGrant(previous),
      ...(principal ? { principal_object_id: principal.id } : {}),
    });
    if ((await this.storedSecret()) !== secret) await this.storeSecret(context, secret, clientId);
    return { clientId, secret, ...(principal ? { principalObjectId: principal.id } : {}), created: false };
  }

  private async assignRole(
    context: PhaseContext,
    principalId: string,
    role: string,
    scope: string,
  ): Promise<{ id: string; outcome: 'created' | 'existing' }> {
    const assignments = await this.runtime.roleAssignments(context.signal);
    try {
      const definition = await assignments.roleDefinitionId(scope, role);
      if (definition === undefined) {
        throw new PhaseConfigurationError(
          `no role named ${role} at ${scope}: set azure_children.role to a role name such as Contributor, or a role definition id`,
        );
      }
      return await assignments.assign(
        { principalId, roleDefinitionId: definition, scope },
        {
          attempts: REPLICATION_ATTEMPTS,
          pause: (attempt) => this.runtime.sleep(REPLICATION_PAUSE_MS * Math.min(attempt, 3), context.signal),
        },
      );
    } catch (error) {
      throw explainAuthorization(error, scope);
    }
  }

  private async graphCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isGraphForbidden(error)) {
        throw new PhaseConfigurationError(
          `Microsoft Graph refused the deploying identity (${(error as Error).message}). Either grant it ` +
            'Application.ReadWrite.OwnedBy, or supply a service principal: set azure_children.client_id and ' +
            `put its secret in ${this.config.azure_children.client_secret_env}`,
        );
      }
      throw error;
    }
  }

  private record(context: PhaseContext, fact: AzureChildren): void {
    writeFact(context, FACT.azureChildren, fact);
  }

  private storedSecret(): Promise<string | undefined> {
    return readIfExists(this.layout.azureChildrenClientSecret().path);
  }

  private async storeSecret(context: PhaseContext, secret: string, clientId: string): Promise<void> {
    const file = this.layout.azureChildrenClientSecret();
    await writeArtifact(context, {
      ...file,
      content: secret,
      sensitive: true,
      metadata: { client_id: clientId },
    });
  }

  // ---- undo -----------------------------------------------------------------------------------

  /** The cluster answers only while its VMs stand and its kubeconfig is here. */
  private async clusterAlive(context: PhaseContext): Promise<boolean> {
    if (!existsSync(this.layout.kubeconfig().path)) return false;
    const azure = await this.runtime.azure(context.signal);
    return (await azure.getResourceGroup(this.deployment.names.resourceGroup)) !== undefined;
  }

  private async removeObjects(context: PhaseContext, options: ToolOptions): Promise<void> {
    const kubeconfig = this.layout.kubeconfig().path;
    const namespace = this.config.software.k0rdent.namespace;
    await this.waitForChildrenGone(kubeconfig, namespace, options, context);
    const wait = this.config.timeouts.k0rdent_install_wait;
    for (const [kind, name] of [
      [KINDS.credential, CHILDREN.credential],
      [KINDS.identity, CHILDREN.identity],
      ['secret', CHILDREN.secret],
      ['configmap', CHILDREN.template],
    ] as const) {
      await tool(() => kubectlDeleteObject(kubeconfig, kind, name, namespace, wait, options));
    }
    context.output.info(
      `deleted the child-cluster credential, identity, secret and template in ${namespace}`,
    );
  }

  /** Child clusters that use the credential must be gone first: their Azure resources need it to be released. */
  private async waitForChildrenGone(
    kubeconfig: string,
    namespace: string,
    options: ToolOptions,
    context: PhaseContext,
  ): Promise<void> {
    const budget = this.config.timeouts.k0rdent_install_wait * 1000;
    const deadline = this.runtime.now() + budget;
    for (let check = 0; check <= budget / CAPZ_POLL_MS + 1; check++) {
      let users: KubeObject[];
      try {
        users = (await tool(() => kubectlList(kubeconfig, KINDS.clusterDeployment, options))).filter(
          (cd) =>
            cd.spec?.credential === CHILDREN.credential &&
            (cd.metadata?.namespace ?? namespace) === namespace,
        );
      } catch (error) {
        if (error instanceof UnknownKindError) return;
        throw error;
      }
      if (users.length === 0) return;
      const names = users.map((cd) => `${cd.metadata?.namespace ?? ''}/${cd.metadata?.name ?? ''}`);
      const kept = users.filter((cd) => cd.metadata?.deletionTimestamp === undefined);
      if (kept.length > 0) {
        throw new PhaseConfigurationError(
          `ClusterDeployment(s) ${names.join(', ')} still use credential ${CHILDREN.credential}: delete those ` +
            'child clusters first (or roll back the phase that made them), so their Azure resources are released',
        );
      }
      if (this.runtime.now() >= deadline) {
        throw new TransientPhaseError(
          `ClusterDeployment(s) ${names.join(', ')} are still being deleted; roll back again once they are gone`,
        );
      }
      await this.runtime.sleep(CAPZ_POLL_MS, context.signal);
    }
  }
}

/**
 * Deletes what setup_azure_children made in Azure: the role assignment, then the application (its
 * service principal and passwords go with it), then the local secret and the facts. Used by the
 * phase's undo and by the fast uninstall, which skips the cluster objects (the cluster goes too).
 */
export async function releaseChildrenPrincipal(parts: DeploymentParts, context: PhaseContext): Promise<void> {
  const fact = readAzureChildren(context.state.read());
  if (fact?.role_assignment_id !== undefined) {
    const assignments = await parts.runtime.roleAssignments(context.signal);
    const result = await assignments.delete(fact.role_assignment_id).catch((error: unknown) => {
      throw explainAuthorization(error, fact.scope ?? fact.role_assignment_id ?? '');
    });
    context.output.info(
      result === 'deleted'
        ? `deleted role assignment ${fact.role_assignment_id}`
        : `role assignment ${fact.role_assignment_id} was already gone`,
    );
  }
  if (fact === undefined || fact.created_by_deployment) {
    const graph = await parts.runtime.graph(context.signal);
    const objectIds = new Set<string>();
    if (fact?.application_object_id) objectIds.add(fact.application_object_id);
    // The record may be lost (or never written, after a crash): the application's tag still says it is ours.
    const tag = childrenTag(parts.id);
    if (fact === undefined || !fact.application_object_id) {
      const named = await graph.applicationsNamed(childrenPrincipalName(parts.id)).catch((error: unknown) => {
        // With no record and no permission to look, there is nothing this deployment knows it made.
        if (fact === undefined && isGraphForbidden(error)) return [];
        throw error;
      });
      for (const app of named) if (app.tags?.includes(tag)) objectIds.add(app.id);
    }
    for (const id of objectIds) {
      const result = await graph.deleteApplication(id);
      context.output.info(
        result === 'deleted'
          ? `deleted application ${id} and its service principal`
          : `application ${id} was already gone`,
      );
    }
  }
  const file = parts.layout.azureChildrenClientSecret();
  await removeArtifactFile(context, file.name, file.path);
  if (context.state.read().facts[FACT.azureChildren]?.value != null) {
    context.state.update((doc, stamp) =>
      setFact(doc, FACT.azureChildren, null, stamp, 'setup_azure_children'),
    );
  }
}

async function capzProblem(kubeconfig: string, options: ToolOptions): Promise<string> {
  try {
    if (!(await kubectlGet(kubeconfig, 'customresourcedefinitions', CAPZ_CRD, '', options)))
      return `CRD ${CAPZ_CRD} not installed`;
  } catch (error) {
    if (error instanceof UnknownKindError) return `CRD ${CAPZ_CRD} not installed`;
    throw error;
  }
  const pods = await kubectlList(kubeconfig, 'pods', options);
  const capz = pods.filter((pod) => CAPZ_POD.test(pod.metadata?.name ?? ''));
  if (capz.length === 0) return 'no CAPZ controller pod';
  const ready = capz.some((pod) => {
    const status = pod.status as
      { phase?: string; conditions?: { type?: string; status?: string }[] } | undefined;
    return (
      status?.phase === 'Running' &&
      (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
    );
  });
  return ready ? '' : `CAPZ pod(s) ${capz.map((p) => p.metadata?.name ?? '').join(', ')} not Ready`;
}

/** A role assignment made earlier stays recorded until the run replaces or deletes it. */
function keptGrant(fact: AzureChildren | undefined): Partial<AzureChildren> {
  return fact?.role_assignment_id === undefined ? {} : { role_assignment_id: fact.role_assignment_id };
}

function explainAuthorization(error: unknown, scope: string): unknown {
  if (error instanceof RestCallError && (error.statusCode === 403 || error.code === 'AuthorizationFailed')) {
    return new PhaseConfigurationError(
      `Azure refused the role assignment on ${scope} (${error.message}). The deploying identity needs ` +
        'Microsoft.Authorization/roleAssignments/write there (Owner, User Access Administrator or Role Based ' +
        'Access Control Administrator); or supply a principal that already holds its role and leave azure_children.role unset',
    );
  }
  return error;
}

export async function readChildrenSecret(parts: DeploymentParts): Promise<string> {
  const text = await readFile(parts.layout.azureChildrenClientSecret().path, 'utf8');
  registerSecret(text);
  return text;
}
