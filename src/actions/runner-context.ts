/** What the runner tells an action about where it runs: run, attempt, job, repository, directories. */
import { tmpdir } from 'node:os';
import { UserError } from '../errors.js';

export interface RunnerContext {
  readonly runId: number;
  readonly attempt: number;
  readonly job: string;
  readonly owner: string;
  readonly repo: string;
  readonly apiUrl: string;
  readonly serverUrl: string;
  readonly workspace: string;
  readonly runnerTemp: string;
  /** The results service is reachable (a JavaScript action step on GitHub, or an emulator). */
  readonly hasRuntime: boolean;
  readonly inActions: boolean;
}

export function runnerContext(env: NodeJS.ProcessEnv = process.env): RunnerContext {
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '/').split('/');
  const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
  return {
    runId: Number(env.GITHUB_RUN_ID ?? '0'),
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    job: env.GITHUB_JOB ?? 'job',
    owner,
    repo,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    runnerTemp: env.RUNNER_TEMP ?? tmpdir(),
    hasRuntime: Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL),
    inActions: env.GITHUB_ACTIONS === 'true',
  };
}

/** The artifact backend needs the run and repository the runner names. */
export function requireArtifactContext(ctx: RunnerContext): void {
  const missing = [
    ctx.hasRuntime
      ? undefined
      : 'ACTIONS_RUNTIME_TOKEN/ACTIONS_RESULTS_URL (only a JavaScript action step has them)',
    ctx.runId > 0 ? undefined : 'GITHUB_RUN_ID',
    ctx.owner && ctx.repo ? undefined : 'GITHUB_REPOSITORY',
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new UserError(
      `state-backend artifact needs the GitHub Actions runner's variables, and ${missing.join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing. Use state-backend: local outside a workflow run.`,
    );
  }
}
