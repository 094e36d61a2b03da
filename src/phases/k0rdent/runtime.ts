/*
 * Local modules are imported statically (a dynamic import of a local module makes ncc emit an
 * untree-shaken chunk); the heavy packages they wrap are imported dynamically where used.
 */
/**
 * What the built-in phases run on: where their files go, the Azure gateway, the environment for
 * tools, a clock. Production builds it from the configuration; tests hand in the fake ARM server and
 * recording shims instead.
 */
import { delimiter } from 'node:path';
import { setTimeout as sleepTimer } from 'node:timers/promises';
import { azureCredential } from '../../azure/credential.js';
import { AzureGateway } from '../../azure/gateway.js';
import { GraphClient } from '../../azure/graph.js';
import { RoleAssignments } from '../../azure/role-assignments.js';
import { installTool } from '../../tools/tool-install.js';
import { PhaseConfigurationError } from '../phase.js';
import type { K0rdentConfig } from './config.js';

export interface K0rdentRuntime {
  /** Absolute directory for the deployment's files (keys, cloud-init, configs, kubeconfig). */
  readonly workDir: string;
  /** Environment of tool processes (PATH with the tools) and of the Azure credential. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The Azure gateway, made on first use; `signal` cancels its requests. */
  azure(signal: AbortSignal): Promise<AzureGateway>;
  /** Microsoft Graph (applications, service principals), as the same identity. */
  graph(signal: AbortSignal): Promise<GraphClient>;
  /** ARM role assignments of the subscription, as the same identity. */
  roleAssignments(signal: AbortSignal): Promise<RoleAssignments>;
  /** The tenant of the identity, when the environment names it (AZURE_TENANT_ID). */
  readonly tenantId?: string;
  /** Environment with k0sctl and helm on PATH (installed first on a GitHub runner). */
  toolEnv(warn: (message: string) => void): Promise<Readonly<Record<string, string | undefined>>>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  now(): number;
  /** Port of sshd on the VMs: 22 on Azure; tests point it at an sshd of their own. */
  readonly sshPort?: number;
  /** Poll interval of VM reachability checks, and the budget for them (tests shorten them). */
  readonly timing?: { readonly checkIntervalMs?: number; readonly retryDelayMs?: number };
}

export interface RuntimeOptions {
  readonly workDir: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function subscriptionOf(
  config: K0rdentConfig,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const id = config.azure.subscription_id ?? env.AZURE_SUBSCRIPTION_ID;
  if (!id) {
    throw new PhaseConfigurationError(
      'no Azure subscription: set azure.subscription_id in the config file or the AZURE_SUBSCRIPTION_ID variable',
    );
  }
  return id;
}

/** The real thing: Azure through @azure/identity, tools from PATH (installed on a runner). */
export function productionRuntime(config: K0rdentConfig, options: RuntimeOptions): K0rdentRuntime {
  const env = options.env ?? process.env;
  let tools: Promise<Readonly<Record<string, string | undefined>>> | undefined;
  return {
    workDir: options.workDir,
    env,
    async azure(signal) {
      const subscriptionId = subscriptionOf(config, env);
      return AzureGateway.create({
        subscriptionId,
        credential: await azureCredential(env),
        ...(config.azure.resource_manager_endpoint
          ? { endpoint: config.azure.resource_manager_endpoint }
          : {}),
        signal,
      });
    },
    async graph(signal) {
      return GraphClient.create({
        credential: await azureCredential(env),
        ...(config.azure.graph_endpoint ? { endpoint: config.azure.graph_endpoint } : {}),
        signal,
      });
    },
    async roleAssignments(signal) {
      return RoleAssignments.create({
        credential: await azureCredential(env),
        ...(config.azure.resource_manager_endpoint
          ? { endpoint: config.azure.resource_manager_endpoint }
          : {}),
        signal,
      });
    },
    ...(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {}),
    toolEnv(warn) {
      if (env.GITHUB_ACTIONS !== 'true' || env.RUNNER_TOOL_CACHE === undefined) return Promise.resolve(env);
      tools ??= (async () => {
        const dirs: string[] = [];
        for (const name of ['k0sctl', 'helm'] as const) {
          const spec = config.software[name];
          dirs.push((await installTool({ name, version: spec.version, urlTemplate: spec.url }, warn)).dir);
        }
        return { ...env, PATH: [...dirs, env.PATH ?? ''].join(delimiter) };
      })();
      return tools;
    },
    sleep: (ms, signal) => sleepTimer(ms, undefined, { signal }).catch(() => undefined),
    now: () => Date.now(),
  };
}
