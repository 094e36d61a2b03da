/** Which run a change belongs to: the GitHub Actions run and job, or a local invocation. */
import { hostname, userInfo } from 'node:os';
import type { RunRef } from '../state/schema.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

/** Set for a phase's child processes so their changes are attributed to the same local run. */
export const RUN_ID_ENV = 'K0RDENT_RUN_ID';

export function currentRun(env: NodeJS.ProcessEnv = process.env): RunRef {
  if (env.GITHUB_RUN_ID) {
    const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
    return {
      run_id: env.GITHUB_RUN_ID,
      attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
      job: env.GITHUB_JOB ?? 'unknown',
      actor: env.GITHUB_ACTOR ?? 'unknown',
      ...(env.GITHUB_WORKFLOW ? { workflow: env.GITHUB_WORKFLOW } : {}),
    };
  }
  return {
    run_id:
      env[RUN_ID_ENV] ?? `local-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${process.pid}`,
    attempt: 1,
    job: 'cli',
    actor: localActor(),
  };
}

function localActor(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers).
  }
  return `${user}@${hostname()}`;
}

/** A clock node id for this process: random, so two writers never share one. */
export function newNodeId(): string {
  return crypto().randomBytes(5).toString('hex');
}
