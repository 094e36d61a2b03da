/**
 * Runs a shipped workflow's jobs the way GitHub would, on loopback: the job graph, `needs`, job and
 * step `if:` (evaluated with @actions/expressions, status functions included), `${{ }}` in `with:`
 * and `env:`, step outputs, `continue-on-error`, post steps at the end of every job, cancellation,
 * and the two re-run modes. The structure comes from @actions/workflow-parser (which validates the
 * file); `with:` and `env:`, which its model does not keep, from the same YAML. `uses: ./…` steps
 * run the built actions as processes (test/actions/support/runner.ts); `actions/checkout` is the
 * job's prepared workspace; `run:` steps run with bash.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { falsy } from '@actions/expressions/result';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type { WorkflowTemplate } from '@actions/workflow-parser';
import { load } from 'js-yaml';
import type { ActionsEmulator } from '../../support/actions-emulator/index.js';
import { cleanEnv, collect } from '../../support/cli.js';
import { repoRoot, RunnerJob, type RunningStep, type StepResult } from '../../actions/support/runner.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface RawStep {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, Json>;
  env?: Record<string, Json>;
  'continue-on-error'?: boolean | string;
}

interface RawJob {
  env?: Record<string, Json>;
  permissions?: Record<string, string>;
  steps?: RawStep[];
}

export interface LoadedWorkflow {
  readonly file: string;
  readonly template: WorkflowTemplate;
  readonly raw: {
    env?: Record<string, Json>;
    permissions?: Record<string, string>;
    jobs: Record<string, RawJob>;
    on?: unknown;
  };
}

/** Parses and converts a workflow; any parser error fails. */
export async function loadWorkflow(relativePath: string): Promise<LoadedWorkflow> {
  return loadWorkflowText(relativePath, readFileSync(join(repoRoot, relativePath), 'utf8'));
}

/** A workflow from text (e.g. an example in the README), parsed and checked as GitHub does. */
export async function loadWorkflowText(relativePath: string, content: string): Promise<LoadedWorkflow> {
  const parsed = parseWorkflow({ name: relativePath, content }, new NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !parsed.value) throw new Error(`${relativePath}: ${errors.join('; ')}`);
  const template = await convertWorkflowTemplate(parsed.context, parsed.value);
  if (template.errors?.length)
    throw new Error(`${relativePath}: ${template.errors.map((e) => e.Message).join('; ')}`);
  return { file: relativePath, template, raw: load(content) as LoadedWorkflow['raw'] };
}

// ---- expressions ----

const CONTEXTS = [
  'github',
  'inputs',
  'env',
  'needs',
  'steps',
  'vars',
  'secrets',
  'runner',
  'job',
  'matrix',
  'strategy',
];

interface Status {
  readonly failed: boolean;
  readonly cancelled: boolean;
}

function statusFunctions(status: Status): Map<string, FunctionDefinition> {
  const fn = (name: string, value: () => boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) },
  ];
  return new Map([
    fn('success', () => !status.failed && !status.cancelled),
    fn('failure', () => status.failed),
    fn('always', () => true),
    fn('cancelled', () => status.cancelled),
  ]);
}

function evaluate(expression: string, context: Record<string, Json>, status: Status): data.ExpressionData {
  const functions = statusFunctions(status);
  const tokens = new Lexer(expression).lex().tokens;
  const parsed = new Parser(tokens, CONTEXTS, [...functions.values()]).parse();
  const dict = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, dict, functions).evaluate();
}

/** An `if:` (with or without `${{ }}`); empty means `success()`. */
export function evaluateIf(
  condition: string | undefined,
  context: Record<string, Json>,
  status: Status,
): boolean {
  const text = (condition ?? '').trim();
  const expression = text === '' ? 'success()' : text.replace(/^\$\{\{([\s\S]*)\}\}$/, '$1');
  const hasStatus = /\b(success|failure|always|cancelled)\(\)/.test(expression);
  const value = !falsy(evaluate(expression, context, status));
  return hasStatus ? value : value && !status.failed && !status.cancelled;
}

/** A string with `${{ }}` parts, as the runner renders it for `with:` and `env:`. */
export function interpolate(value: Json, context: Record<string, Json>, status: Status): string {
  if (typeof value !== 'string')
    return value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, expression: string) => {
    const result = evaluate(expression, context, status);
    return result.kind === data.Kind.Null ? '' : result.coerceString();
  });
}

// ---- jobs ----

export type JobConclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepRecord {
  readonly id: string;
  readonly name: string;
  readonly uses?: string;
  readonly outcome: 'success' | 'failure' | 'cancelled' | 'skipped';
  readonly outputs: Record<string, string>;
  readonly result?: StepResult;
}

export interface JobRun {
  readonly id: string;
  readonly attempt: number;
  readonly result: JobConclusion;
  readonly steps: readonly StepRecord[];
  readonly posts: readonly StepResult[];
  /** Whether this attempt ran it (false: carried over from an earlier attempt by a re-run). */
  readonly ran: boolean;
}

export interface AttemptRun {
  readonly runId: number;
  readonly attempt: number;
  readonly jobs: ReadonlyMap<string, JobRun>;
}

export interface CancelRule {
  readonly job: string;
  readonly step: string;
  /** Polled while the step runs; true cancels the job (the step's processes are killed). */
  readonly when: () => boolean;
}

export interface RunOptions {
  readonly gh: ActionsEmulator;
  readonly root: string;
  readonly runId: number;
  readonly inputs: Record<string, Json>;
  /** Files of the repository each job's workspace gets (its checkout). */
  readonly checkout: readonly string[];
  /** Files the test makes up that the checkout holds too (path in the workspace → content). */
  readonly files?: Readonly<Record<string, string>>;
  /** The repository's variables, as `${{ vars.NAME }}` sees them. */
  readonly vars?: Record<string, string>;
  /**
   * The runner's OIDC token service. As on GitHub, only a job whose permissions grant
   * `id-token: write` gets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN.
   */
  readonly oidc?: { readonly url: string; readonly token: string };
  /** Runner environment for every job (e.g. where the stand-in's "cloud" is). */
  readonly env?: Record<string, string>;
  /** The repository's secrets, as `${{ secrets.NAME }}` sees them. */
  readonly secrets?: Record<string, string>;
  /** Only these jobs exist (the others are not part of the test); default all. */
  readonly jobs?: readonly string[];
  readonly eventName?: string;
  readonly cancel?: CancelRule;
  /** A re-run of `previous`: every job, or the failed ones and their dependents. */
  readonly rerun?: { readonly previous: AttemptRun; readonly mode: 'all' | 'failed' };
}

export async function runWorkflow(workflow: LoadedWorkflow, options: RunOptions): Promise<AttemptRun> {
  const attempt = options.rerun ? options.rerun.previous.attempt + 1 : 1;
  const jobs = workflow.template.jobs.filter((j) => !options.jobs || options.jobs.includes(j.id.value));
  const needsOf = new Map(jobs.map((j) => [j.id.value, (j.needs ?? []).map((n) => n.value)]));
  const toRun = new Set(jobs.map((j) => j.id.value));
  const done = new Map<string, JobRun>();

  if (options.rerun?.mode === 'failed') {
    const previous = options.rerun.previous.jobs;
    const again = new Set(
      [...previous.values()]
        .filter((j) => j.result === 'failure' || j.result === 'cancelled')
        .map((j) => j.id),
    );
    let grew = true;
    while (grew) {
      grew = false;
      for (const [id, needs] of needsOf) {
        if (!again.has(id) && needs.some((n) => again.has(n))) {
          again.add(id);
          grew = true;
        }
      }
    }
    for (const [id, job] of previous) {
      if (!again.has(id)) {
        done.set(id, { ...job, ran: false });
        toRun.delete(id);
      }
    }
  }

  for (let round = 0; toRun.size > 0; round++) {
    if (round > 50) throw new Error('job graph did not settle');
    const ready = [...toRun].filter((id) =>
      (needsOf.get(id) ?? []).every((n) => done.has(n) || !needsOf.has(n)),
    );
    if (ready.length === 0) throw new Error(`jobs wait for each other: ${[...toRun].join(', ')}`);
    const results = await Promise.all(ready.map((id) => runJob(workflow, id, attempt, done, options)));
    for (const result of results) {
      done.set(result.id, result);
      toRun.delete(result.id);
    }
  }
  return { runId: options.runId, attempt, jobs: done };
}

function baseContext(
  workflow: LoadedWorkflow,
  options: RunOptions,
  attempt: number,
  jobId: string,
  done: ReadonlyMap<string, JobRun>,
) {
  const needs: Record<string, Json> = {};
  const job = workflow.template.jobs.find((j) => j.id.value === jobId);
  for (const need of job?.needs ?? []) {
    const run = done.get(need.value);
    needs[need.value] = { result: run?.result ?? 'skipped', outputs: {} };
  }
  return {
    github: {
      run_id: String(options.runId),
      run_attempt: String(attempt),
      job: jobId,
      event_name: options.eventName ?? 'workflow_dispatch',
      repository: `${options.gh.owner}/${options.gh.repo}`,
      repository_owner: options.gh.owner,
      token: options.gh.githubToken,
      server_url: 'https://github.com',
      api_url: options.gh.apiUrl,
      workflow: workflow.file,
    },
    inputs: withDefaults(workflow, options.inputs, options.eventName ?? 'workflow_dispatch'),
    needs,
    steps: {},
    vars: { ...(options.vars ?? {}) },
    secrets: { ...(options.secrets ?? {}) },
    runner: { os: 'Linux', arch: 'X64', temp: '' },
    job: { status: 'success' },
    matrix: {},
    strategy: {},
    env: {},
  } as Record<string, Json>;
}

/**
 * The `inputs` context as GitHub fills it: every declared input, the given value or the declared
 * default (booleans as booleans). A name the trigger does not declare is refused, as GitHub does.
 */
function withDefaults(
  workflow: LoadedWorkflow,
  given: Record<string, Json>,
  event: string,
): Record<string, Json> {
  const on = (workflow.raw.on ?? {}) as Record<
    string,
    { inputs?: Record<string, { default?: Json; type?: string }> }
  >;
  const declared = on[event === 'workflow_call' ? 'workflow_call' : 'workflow_dispatch']?.inputs;
  if (!declared) return given;
  const unknown = Object.keys(given).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new Error(`${workflow.file} has no input ${unknown.join(', ')}`);
  return Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => {
      const value = given[name] ?? spec.default ?? (spec.type === 'boolean' ? false : '');
      return [name, spec.type === 'boolean' ? value === true || value === 'true' : value];
    }),
  );
}

async function runJob(
  workflow: LoadedWorkflow,
  jobId: string,
  attempt: number,
  done: ReadonlyMap<string, JobRun>,
  options: RunOptions,
): Promise<JobRun> {
  const template = workflow.template.jobs.find((j) => j.id.value === jobId);
  if (!template || template.type !== 'job') throw new Error(`job ${jobId} is not a runnable job here`);
  const raw = workflow.raw.jobs[jobId] ?? {};
  const context = baseContext(workflow, options, attempt, jobId, done);
  const needsFailed = (template.needs ?? []).some((n) => done.get(n.value)?.result !== 'success');
  if (!evaluateIf(template.if.expression, context, { failed: needsFailed, cancelled: false })) {
    return { id: jobId, attempt, result: 'skipped', steps: [], posts: [], ran: true };
  }

  const envStatus = { failed: false, cancelled: false };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(workflow.raw.env ?? {})) env[k] = interpolate(v, context, envStatus);
  context.env = { ...env };
  for (const [k, v] of Object.entries(raw.env ?? {})) env[k] = interpolate(v, context, envStatus);
  context.env = { ...env };

  const permissions = raw.permissions ?? workflow.raw.permissions ?? {};
  const oidc: Record<string, string> =
    options.oidc && permissions['id-token'] === 'write'
      ? { ACTIONS_ID_TOKEN_REQUEST_URL: options.oidc.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: options.oidc.token }
      : {};
  const runner = new RunnerJob({
    gh: options.gh,
    runId: options.runId,
    attempt,
    job: jobId,
    root: options.root,
    checkout: options.checkout,
    ...(options.files ? { files: options.files } : {}),
    env: { ...options.env, ...oidc, ...env },
  });
  (context.runner as Record<string, Json>).temp = runner.runnerTemp;
  const steps: StepRecord[] = [];
  const stepsContext: Record<string, Json> = {};
  context.steps = stepsContext;
  let failed = false;
  let cancelled = false;

  for (const [index, step] of template.steps.entries()) {
    const rawStep = raw.steps?.[index] ?? {};
    const id = rawStep.id ?? step.id;
    const name = rawStep.name ?? rawStep.uses ?? rawStep.run?.split('\n')[0] ?? id;
    const status = { failed, cancelled };
    const condition = 'if' in step ? step.if?.expression : undefined;
    if (!evaluateIf(condition, context, status)) {
      steps.push({
        id,
        name,
        ...(rawStep.uses ? { uses: rawStep.uses } : {}),
        outcome: 'skipped',
        outputs: {},
      });
      stepsContext[id] = { outcome: 'skipped', conclusion: 'skipped', outputs: {} };
      continue;
    }
    const withValues = Object.fromEntries(
      Object.entries(rawStep.with ?? {}).map(([k, v]) => [k, interpolate(v, context, status)]),
    );
    const stepEnv = Object.fromEntries(
      Object.entries(rawStep.env ?? {}).map(([k, v]) => [k, interpolate(v, context, status)]),
    );
    const continueOnError = rawStep['continue-on-error'] === true || rawStep['continue-on-error'] === 'true';

    let outcome: StepRecord['outcome'];
    let outputs: Record<string, string> = {};
    let result: StepResult | undefined;
    if (rawStep.uses?.startsWith('actions/checkout@')) {
      outcome = 'success';
    } else if (rawStep.uses?.startsWith('./')) {
      const running = runner.start(rawStep.uses, withValues, stepEnv);
      const wasCancelled = await watchForCancel(running, options.cancel, jobId, id);
      result = await running.finish();
      outputs = result.outputs;
      outcome = wasCancelled ? 'cancelled' : result.ok ? 'success' : 'failure';
      if (wasCancelled) cancelled = true;
    } else if (rawStep.run !== undefined) {
      const script = interpolate(rawStep.run, context, status);
      const ok = await runScript(script, runner, { ...options.env, ...env, ...runner.exported, ...stepEnv });
      outcome = ok ? 'success' : 'failure';
    } else {
      throw new Error(
        `${workflow.file} job ${jobId} step ${id}: only ./ actions, actions/checkout and run steps are emulated`,
      );
    }
    if (outcome === 'failure' && !continueOnError) failed = true;
    steps.push({
      id,
      name,
      ...(rawStep.uses ? { uses: rawStep.uses } : {}),
      outcome,
      outputs,
      ...(result ? { result } : {}),
    });
    stepsContext[id] = {
      outcome,
      conclusion: outcome === 'failure' && continueOnError ? 'success' : outcome,
      outputs,
    };
  }
  const posts = await runner.end();
  return {
    id: jobId,
    attempt,
    result: cancelled ? 'cancelled' : failed ? 'failure' : 'success',
    steps,
    posts,
    ran: true,
  };
}

async function watchForCancel(
  running: RunningStep,
  rule: CancelRule | undefined,
  job: string,
  step: string,
): Promise<boolean> {
  if (!rule || rule.job !== job || rule.step !== step) return false;
  const state = { settled: false };
  void running.finish().then(() => (state.settled = true));
  const deadline = Date.now() + 30_000;
  while (!state.settled && Date.now() < deadline) {
    if (rule.when()) {
      running.kill();
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

async function runScript(script: string, runner: RunnerJob, env: Record<string, string>): Promise<boolean> {
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd: runner.workspace,
    env: cleanEnv({ ...env, GITHUB_WORKSPACE: runner.workspace, RUNNER_TEMP: runner.runnerTemp }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const result = await collect(child, 30_000);
  return result.code === 0;
}

/** Every step of a job that ran a given action (`./actions/create-vms`), in order. */
export function stepsUsing(run: JobRun, uses: string): StepRecord[] {
  return run.steps.filter((s) => s.uses === uses);
}
