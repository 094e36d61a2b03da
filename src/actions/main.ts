/**
 * Entry of every action: `runAction(name, stage)` reads nothing on import; the one top-level catch
 * turns any error into a failed step with a message that says what to change. A post step only
 * warns: it must never turn a job's result into something else.
 */
import * as core from './runner-commands.js';
import {
  environmentErrorOf,
  FileError,
  messageOf,
  PhaseFailedError,
  StateLockedError,
  UserError,
} from '../errors.js';
import { ValidationError } from '../engine/evaluate.js';
import { onSecretRegistered } from '../secrets.js';
import { DeploymentMismatchError } from '../state/merge.js';
import type { ActionName, Stage } from './constants.js';
import { completeMain, gateMain } from './gate-action.js';
import { phaseMain } from './phase-action.js';
import { persistInPost } from './post.js';
import { rollbackMain } from './rollback-action.js';
import { statusMain } from './status-action.js';

export interface ActionOptions {
  /** For the per-phase presets: the phase they run. */
  readonly phase?: string;
  /** The CLI entry next to the bundle, put on PATH for phase scripts (`k0rdent-deploy artifact record`). */
  readonly cliPath?: string;
}

export async function runAction(name: ActionName, stage: Stage, options: ActionOptions = {}): Promise<void> {
  // Every secret this process learns (a key input, a decrypted file) is masked by the runner too.
  onSecretRegistered(core.setSecret);
  try {
    if (stage === 'post') {
      await persistInPost(options.phase ?? name);
      return;
    }
    switch (name) {
      case 'phase':
        await phaseMain(options.phase, options.cliPath);
        return;
      case 'gate':
        await gateMain(options.cliPath);
        return;
      case 'complete':
        await completeMain();
        return;
      case 'rollback':
        await rollbackMain(options.cliPath);
        return;
      case 'status':
        await statusMain();
        return;
    }
  } catch (error) {
    if (stage === 'post') {
      core.warning(`the post step could not persist the deployment state: ${messageOf(error)}`, {
        title: 'State not persisted',
      });
      return;
    }
    fail(error);
  }
}

function fail(error: unknown): void {
  process.exitCode = 1;
  if (error instanceof PhaseFailedError) {
    core.error(error.message, { title: 'Phase failed' });
    return;
  }
  if (
    error instanceof FileError ||
    error instanceof UserError ||
    error instanceof DeploymentMismatchError ||
    error instanceof StateLockedError ||
    error instanceof ValidationError
  ) {
    core.error(error.message, {
      title: error instanceof StateLockedError ? 'State locked' : 'k0rdent-deploy',
    });
    return;
  }
  const environment = environmentErrorOf(error);
  if (environment) {
    core.error(environment.message, { title: 'Runner file system' });
    return;
  }
  core.error(messageOf(error), { title: 'k0rdent-deploy failed' });
  if (error instanceof Error && error.stack) core.debug(error.stack);
}
