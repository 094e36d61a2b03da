/**
 * Which deployment a command or action works on: a pipeline file, the one recorded in the state, or
 * the built-in k0rdent deployment; and its id, settled in one place (deployment-identity.ts) for the
 * CLI and the GitHub Actions entry points alike.
 */
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../errors.js';
import { K0RDENT_CATALOGUE } from '../graph/k0rdent-catalogue.js';
import type { Deployment } from '../phases/phase.js';
import type { K0rdentSourceOptions } from '../phases/k0rdent/index.js';
import { loadPipeline, type PipelineOverrides } from '../phases/pipeline/load.js';
import type { StateDocument } from '../state/schema.js';
import {
  derivedDeploymentId,
  generatedDeploymentId,
  settleDeploymentId,
  type IdentityClaim,
  type IdentityFallback,
  type SettledIdentity,
  type StoredClaim,
} from './deployment-identity.js';
import { assertSwitchesAgree } from './select.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export interface PhaseListing {
  readonly name: string;
  readonly displayName: string;
}

export interface DeploymentOptions extends PipelineOverrides, K0rdentSourceOptions {
  readonly pipeline?: string;
  /** An id given on the command line or as an action input. */
  readonly deploymentId?: string;
}

/** A pipeline or the built-in deployment, read and validated, before its id is settled. */
export interface DeploymentDefinition {
  readonly kind: 'pipeline' | 'k0rdent';
  /** The file it was read from (the built-in deployment may come from the state's snapshot). */
  readonly source: string;
  readonly pinned?: IdentityClaim;
  deployment(id: string): Deployment;
}

/** Where a surface stands when nothing names the deployment. */
export interface IdentityContext {
  /** The option or input that names a deployment, in the surface's words (`--deployment-id`). */
  readonly explicitName: string;
  /** What the surface says to do when the store holds another deployment. */
  readonly storedAdvice: string;
  /**
   * `generate`: a random id, made once (a local state directory keeps it); `derive`: a stable id
   * from the repository and the config file (GitHub Actions, where each step starts afresh);
   * `none`: only what names the deployment counts (showing a deployment that does not exist yet).
   */
  readonly fallback: 'generate' | 'none' | { readonly derive: { readonly repository: string } };
}

export const CLI_IDENTITY: IdentityContext = {
  explicitName: '--deployment-id',
  storedAdvice: 'Use another --state-dir for a second deployment, or name the one it holds.',
  fallback: 'generate',
};

/**
 * The definition to run: `--pipeline`, else the pipeline the state was last run with, else the
 * built-in k0rdent deployment from `--config` (or the default config files, or the state's snapshot).
 */
export async function loadDefinition(
  options: DeploymentOptions,
  stored?: StateDocument,
): Promise<DeploymentDefinition> {
  assertSwitchesAgree(options);
  const file = options.pipeline ?? recordedPipeline(stored);
  if (file !== undefined) {
    if (options.config !== undefined) throw new UserError('use either --pipeline or --config, not both');
    const pipeline = await loadPipeline(file, options);
    return {
      kind: 'pipeline',
      source: file,
      ...(pipeline.pinned === undefined
        ? {}
        : { pinned: { id: pipeline.pinned, where: `${file} (deployment)` } }),
      deployment: (id) => pipeline.deployment(id),
    };
  }
  if (stored?.source?.kind === 'pipeline') {
    throw new UserError(
      `the state holds pipeline deployment ${stored.deployment_id}, whose pipeline file ${stored.source.file ?? '(unknown)'} is gone; pass --pipeline FILE`,
    );
  }
  const { loadK0rdentDefinition } = await import('../phases/k0rdent/index.js');
  const builtIn = await loadK0rdentDefinition(options, stored);
  return {
    kind: 'k0rdent',
    source: builtIn.source,
    ...(builtIn.pinned === undefined
      ? {}
      : { pinned: { id: builtIn.pinned, where: `${builtIn.source} (metadata.deployment_id)` } }),
    deployment: (id) => builtIn.deployment(id),
  };
}

/**
 * The id of `definition`'s deployment: the explicit one, the pin, the stored one, else the surface's
 * fallback. Undefined only for a pipeline that nothing names.
 */
export function settleIdentity(
  definition: DeploymentDefinition,
  claims: { readonly explicit?: string; readonly stored?: Omit<StoredClaim, 'advice'> },
  context: IdentityContext,
): SettledIdentity | undefined {
  return settleDeploymentId(
    {
      ...(claims.explicit === undefined
        ? {}
        : { explicit: { id: claims.explicit, where: context.explicitName } }),
      ...(definition.pinned ? { pinned: definition.pinned } : {}),
      ...(claims.stored ? { stored: { ...claims.stored, advice: context.storedAdvice } } : {}),
    },
    definition.kind === 'k0rdent'
      ? fallbackFor(definition, context.fallback, context.explicitName)
      : undefined,
  );
}

/** Built-in deployment ids look like upstream cluster ids: `k0rdent-` and 8 of [a-z0-9]. */
const BUILT_IN_PREFIX = 'k0rdent';

function fallbackFor(
  definition: DeploymentDefinition,
  fallback: IdentityContext['fallback'],
  explicitName: string,
): (() => IdentityFallback) | undefined {
  if (fallback === 'none') return undefined;
  if (fallback === 'generate') {
    return () => ({
      source: 'generated',
      id: generatedDeploymentId(BUILT_IN_PREFIX, (max) => crypto().randomInt(max)),
      how: 'made for this new deployment and kept in its state',
    });
  }
  const { repository } = fallback.derive;
  const config = posix.normalize(definition.source.replaceAll('\\', '/')).replace(/^\.\//, '');
  return () => ({
    source: 'derived',
    id: derivedDeploymentId(BUILT_IN_PREFIX, repository, config),
    how:
      `derived from the repository ${repository} and the config file ${config} ` +
      `(set ${explicitName} or metadata.deployment_id to choose another)`,
  });
}

export interface ResolvedDeployment {
  readonly deployment: Deployment;
  readonly identity: SettledIdentity;
}

/** The CLI's deployment: the definition and its id, with the local state directory's say in it. */
export async function resolveDeployment(
  options: DeploymentOptions,
  stored: StateDocument | undefined,
  storedWhere: string,
  context: IdentityContext = CLI_IDENTITY,
): Promise<ResolvedDeployment> {
  const definition = await loadDefinition(options, stored);
  const identity = settleIdentity(
    definition,
    {
      ...(options.deploymentId === undefined ? {} : { explicit: options.deploymentId }),
      ...(stored ? { stored: { id: stored.deployment_id, where: storedWhere } } : {}),
    },
    context,
  );
  if (!identity) {
    throw new UserError(
      `${definition.source} names no deployment: add \`deployment: NAME\` to it, or pass ${context.explicitName}`,
    );
  }
  return { deployment: definition.deployment(identity.id), identity };
}

/** Names and order for display, without needing the deployment to be runnable. */
export async function resolveListing(
  options: DeploymentOptions,
  stored?: StateDocument,
): Promise<PhaseListing[]> {
  const file = options.pipeline ?? recordedPipeline(stored);
  if (file !== undefined) {
    const pipeline = await loadPipeline(file, options);
    const deployment = pipeline.deployment(pipeline.pinned ?? stored?.deployment_id ?? 'listing');
    const byName = new Map(deployment.phases.map((p) => [p.name, p.displayName]));
    return deployment.graph.order.map((name) => ({ name, displayName: byName.get(name) ?? name }));
  }
  if (!stored || stored.source?.kind === 'k0rdent') {
    return K0RDENT_CATALOGUE.map((entry) => ({ name: entry.name, displayName: entry.displayName }));
  }
  return Object.keys(stored.phases).map((name) => ({ name, displayName: name }));
}

function recordedPipeline(stored: StateDocument | undefined): string | undefined {
  const source = stored?.source;
  return source?.kind === 'pipeline' && source.file !== undefined && existsSync(source.file)
    ? source.file
    : undefined;
}
