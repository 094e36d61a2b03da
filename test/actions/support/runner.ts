/**
 * Runs the built actions (dist/ of the test bundle) as processes the way the GitHub runner does: a
 * job has a workspace and a temp directory; each step gets INPUT_* (with the action.yml defaults),
 * fresh GITHUB_OUTPUT/GITHUB_STATE/GITHUB_STEP_SUMMARY/GITHUB_ENV files and the runner variables of
 * its run, attempt and job (from the artifact emulator); variables a step exports reach the later
 * steps; a post step gets the STATE_* its main step saved. Post steps run at the end of the job,
 * in reverse order, also when the job failed or was cancelled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import type { ActionsEmulator } from '../../support/actions-emulator/index.js';
import { bundleDir, cleanEnv, collect, killGroup } from '../../support/cli.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ActionMetadata {
  readonly dir: string;
  readonly inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  readonly outputs: Record<string, { description?: string }>;
  readonly runs: { using: string; main: string; post?: string; 'post-if'?: string };
}

/** `./actions/gate` or `./` (the root action) → its metadata. */
export function actionMetadata(uses: string): ActionMetadata {
  const dir = resolve(repoRoot, uses);
  const file = join(dir, 'action.yml');
  if (!existsSync(file)) throw new Error(`no action.yml for uses: ${uses}`);
  const parsed = load(readFileSync(file, 'utf8')) as Partial<Omit<ActionMetadata, 'dir'>>;
  if (!parsed.runs) throw new Error(`${file} has no runs`);
  return { dir, inputs: parsed.inputs ?? {}, outputs: parsed.outputs ?? {}, runs: parsed.runs };
}

/** Where the test bundle holds an action.yml's `main`/`post` file (dist/… → the fresh build). */
function entryPath(meta: ActionMetadata, file: string): string {
  const inRepo = resolve(meta.dir, file);
  const rel = inRepo.slice(join(repoRoot, 'dist').length + 1);
  if (!inRepo.startsWith(join(repoRoot, 'dist') + '/')) throw new Error(`${file} is not in dist/`);
  return join(bundleDir(), rel);
}

export interface Annotation {
  readonly level: 'notice' | 'warning' | 'error' | 'debug';
  readonly title?: string;
  readonly message: string;
}

export interface StepResult {
  readonly uses: string;
  /** From spawning the process to its exit. */
  readonly durationMs: number;
  readonly stage: 'main' | 'post';
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  readonly annotations: readonly Annotation[];
  readonly ok: boolean;
}

export interface JobOptions {
  readonly gh: ActionsEmulator;
  readonly runId: number;
  readonly attempt?: number;
  readonly job: string;
  /** A directory for this job's runner (workspace + temp); default a fresh one under `root`. */
  readonly root: string;
  /** Copied into the workspace (a checkout): paths relative to the repository. */
  readonly checkout?: readonly string[];
  /** Written into the workspace too: files of the checked-out repository that a test makes up. */
  readonly files?: Readonly<Record<string, string>>;
  readonly env?: Record<string, string>;
  /** Another token for the REST API; default the emulator's. */
  readonly token?: string;
}

interface PendingPost {
  readonly meta: ActionMetadata;
  readonly uses: string;
  readonly inputs: Record<string, string>;
  readonly state: Record<string, string>;
}

let jobCounter = 0;

export class RunnerJob {
  readonly workspace: string;
  readonly runnerTemp: string;
  /** The runner's tool cache: empty on every new runner, as on a hosted one. */
  readonly toolCache: string;
  readonly steps: StepResult[] = [];
  /** Variables exported by steps (GITHUB_ENV), for the later steps. */
  readonly exported: Record<string, string> = {};
  private readonly posts: PendingPost[] = [];
  private stepCount = 0;
  private readonly filesDir: string;

  constructor(readonly options: JobOptions) {
    const base = join(
      options.root,
      `job-${options.job}-r${options.runId}a${options.attempt ?? 1}-${++jobCounter}`,
    );
    this.workspace = join(base, 'workspace');
    this.runnerTemp = join(base, 'temp');
    this.toolCache = join(base, 'toolcache');
    this.filesDir = join(base, 'files');
    for (const dir of [this.workspace, this.runnerTemp, this.toolCache, this.filesDir])
      mkdirSync(dir, { recursive: true });
    for (const path of options.checkout ?? []) {
      const target = join(this.workspace, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(join(repoRoot, path)));
    }
    for (const [path, content] of Object.entries(options.files ?? {})) {
      const target = join(this.workspace, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
  }

  get attempt(): number {
    return this.options.attempt ?? 1;
  }

  /** Default inputs as the runner fills them in (`${{ github.token }}` → the job's token). */
  private inputsFor(
    meta: ActionMetadata,
    given: Record<string, string>,
    uses: string,
  ): Record<string, string> {
    const inputs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(meta.inputs)) {
      const value = given[name] ?? spec.default ?? '';
      inputs[name] = value.replace(
        /\$\{\{\s*github\.token\s*\}\}/g,
        this.options.token ?? this.options.gh.githubToken,
      );
    }
    for (const name of Object.keys(given)) {
      if (!(name in meta.inputs)) throw new Error(`${uses} has no input named ${name}`);
    }
    return inputs;
  }

  private baseEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...this.options.gh.runnerEnv({
        runId: this.options.runId,
        attempt: this.attempt,
        job: this.options.job,
      }),
      GITHUB_WORKSPACE: this.workspace,
      RUNNER_TEMP: this.runnerTemp,
      RUNNER_TOOL_CACHE: this.toolCache,
      HOME: this.runnerTemp,
      ...this.options.env,
      ...this.exported,
      ...extra,
    };
  }

  /** Starts a main step; the result comes from `finish`. */
  start(uses: string, given: Record<string, string> = {}, env: Record<string, string> = {}): RunningStep {
    const meta = actionMetadata(uses);
    const inputs = this.inputsFor(meta, given, uses);
    return this.spawnStage(meta, uses, 'main', inputs, {}, env);
  }

  /** Runs a main step to its end. */
  async run(
    uses: string,
    given: Record<string, string> = {},
    env: Record<string, string> = {},
  ): Promise<StepResult> {
    return this.start(uses, given, env).finish();
  }

  private spawnStage(
    meta: ActionMetadata,
    uses: string,
    stage: 'main' | 'post',
    inputs: Record<string, string>,
    state: Record<string, string>,
    env: Record<string, string>,
  ): RunningStep {
    const n = ++this.stepCount;
    const files = {
      GITHUB_OUTPUT: join(this.filesDir, `${n}-output`),
      GITHUB_STATE: join(this.filesDir, `${n}-state`),
      GITHUB_STEP_SUMMARY: join(this.filesDir, `${n}-summary.md`),
      GITHUB_ENV: join(this.filesDir, `${n}-env`),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    const inputEnv = Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [
        `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
        value,
      ]),
    );
    const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
    const file = stage === 'main' ? meta.runs.main : (meta.runs.post ?? '');
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [entryPath(meta, file)], {
      cwd: this.workspace,
      env: cleanEnv({ ...this.baseEnv(env), ...files, ...inputEnv, ...stateEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new RunningStep(child, async (raw) => {
      const outputs = parseKeyValueFile(files.GITHUB_OUTPUT);
      // A workflow reads only what action.yml declares: an output set but not declared is a bug.
      const undeclared = Object.keys(outputs).filter((name) => !(name in meta.outputs));
      if (undeclared.length > 0)
        throw new Error(`${uses} set undeclared output(s): ${undeclared.join(', ')}`);
      const result: StepResult = {
        uses,
        durationMs: raw.exitedAt - spawnedAt,
        stage,
        code: raw.code,
        signal: raw.signal,
        stdout: raw.stdout,
        stderr: raw.stderr,
        outputs,
        state: parseKeyValueFile(files.GITHUB_STATE),
        summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
        annotations: parseAnnotations(raw.stdout),
        ok: raw.code === 0,
      };
      Object.assign(this.exported, parseKeyValueFile(files.GITHUB_ENV));
      this.steps.push(result);
      if (stage === 'main' && meta.runs.post) this.posts.push({ meta, uses, inputs, state: result.state });
      return Promise.resolve(result);
    });
  }

  /** Runs the post steps of every main step so far, newest first (post-if: always()). */
  async end(): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const post of this.posts.splice(0).reverse()) {
      results.push(await this.spawnStage(post.meta, post.uses, 'post', post.inputs, post.state, {}).finish());
    }
    return results;
  }
}

export class RunningStep {
  constructor(
    readonly child: ChildProcess,
    private readonly done: (raw: {
      code: number | null;
      signal: NodeJS.Signals | null;
      stdout: string;
      stderr: string;
      exitedAt: number;
    }) => Promise<StepResult>,
  ) {
    const exited = new Promise<number>((resolve) => child.on('exit', () => resolve(performance.now())));
    this.result = Promise.all([collect(child, 60_000), exited]).then(([raw, exitedAt]) =>
      this.done({ ...raw, exitedAt }),
    );
  }

  private readonly result: Promise<StepResult>;

  finish(): Promise<StepResult> {
    return this.result;
  }

  /** What a cancelled job or a lost runner does to the step: the process group dies at once. */
  kill(): void {
    killGroup(this.child, 'SIGKILL');
  }
}

export function parseKeyValueFile(path: string): Record<string, string> {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc?.[1] && heredoc[2]) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i] ?? '');
      out[heredoc[1]] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export function parseAnnotations(stdout: string): Annotation[] {
  const out: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::(notice|warning|error|debug)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const props = Object.fromEntries(
      (m[2] ?? '')
        .split(',')
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf('=')), unescape(p.slice(p.indexOf('=') + 1))]),
    );
    out.push({
      level: m[1] as Annotation['level'],
      ...(props.title ? { title: props.title } : {}),
      message: unescape(m[3] ?? ''),
    });
  }
  return out;
}

function unescape(text: string): string {
  return text
    .replace(/%0A/g, '\n')
    .replace(/%0D/g, '\r')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}
