/**
 * What the phases that run on the management cluster after k0rdent share: the child-cluster
 * credential setup_azure_children recorded, bounded polling, and a phase's disabled reason.
 */
import { readFile } from 'node:fs/promises';
import { registerSecret } from '../../secrets.js';
import { ToolNotFoundError } from '../../tools/tool.js';
import { UnknownKindError } from '../../tools/kube-objects.js';
import { PhaseConfigurationError, type PhaseContext, type ValidationResult } from '../phase.js';
import { readAzureChildren, type AzureChildren } from './facts.js';
import type { Layout } from './layout.js';
import { asPhaseError } from './phase-errors.js';
import type { K0rdentRuntime } from './runtime.js';

export interface ChildrenCredential {
  readonly fact: AzureChildren;
  /** Registered as a secret the moment it is read. */
  readonly clientSecret: string;
}

/** The recorded service principal child clusters (and the CSI driver) authenticate as. */
export function childrenFact(context: PhaseContext): AzureChildren {
  const fact = readAzureChildren(context.state.read());
  if (!fact) {
    throw new PhaseConfigurationError(
      'no child-cluster credential recorded: setup_azure_children must complete first ' +
        '(kof.enabled turns it on; run the deployment again to run it)',
    );
  }
  return fact;
}

export async function childrenCredential(context: PhaseContext, layout: Layout): Promise<ChildrenCredential> {
  const fact = childrenFact(context);
  const { path } = layout.azureChildrenClientSecret();
  let clientSecret: string;
  try {
    clientSecret = (await readFile(path, 'utf8')).trim();
  } catch {
    throw new PhaseConfigurationError(
      `the child-cluster client secret is missing (${path}): roll back to setup_azure_children and run again ` +
        'so it issues or reads the secret again',
    );
  }
  if (clientSecret === '')
    throw new PhaseConfigurationError(`the child-cluster client secret in ${path} is empty`);
  registerSecret(clientSecret);
  return { fact, clientSecret };
}

export interface PollOptions {
  readonly budgetMs: number;
  readonly intervalMs: number;
}

/**
 * Calls `check` until it returns a value, at most for the budget (virtual in tests); undefined when the
 * budget ran out or the run was cancelled.
 */
export async function pollUntil<T>(
  runtime: K0rdentRuntime,
  signal: AbortSignal,
  { budgetMs, intervalMs }: PollOptions,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = runtime.now() + budgetMs;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (runtime.now() + intervalMs > deadline || signal.aborted) return undefined;
    await runtime.sleep(intervalMs, signal);
  }
}

/** A validator's answer when reading the cluster failed: not true, unless the tool is missing (user's to fix). */
export function unreachable(error: unknown): ValidationResult {
  if (error instanceof ToolNotFoundError) throw asPhaseError(error);
  if (error instanceof UnknownKindError) return { ok: false, evidence: error.message };
  return { ok: false, evidence: `could not reach the cluster: ${(error as Error).message}` };
}

export interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

export function describeCondition(condition: Condition | undefined, type: string): string {
  if (!condition) return `no ${type} condition reported yet`;
  const why = [condition.reason, condition.message].filter((s) => s !== undefined && s !== '').join(': ');
  return `${type}=${condition.status ?? 'Unknown'}${why ? ` (${why})` : ''}`;
}
