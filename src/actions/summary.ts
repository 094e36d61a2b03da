/**
 * The job summary, built in one function from the state and this step's decisions: the phase
 * table, a mermaid graph of the phase DAG coloured by status, the recorded artifacts, and for a
 * failed phase its error and the exact ways to re-run or roll back. Pure; `writeSummary` writes it.
 */
import * as core from './runner-commands.js';
import { liveArtifacts, statusOf } from '../state/document.js';
import type { PhaseStatus, RunRef, StateDocument } from '../state/schema.js';
import type { StepRecord } from './reporter.js';
import { formatDuration } from '../engine/reporter.js';

export interface SummaryPhase {
  readonly name: string;
  readonly displayName: string;
  readonly needs: readonly string[];
}

export interface SummaryModel {
  readonly deploymentId: string;
  /** What the step did, e.g. `create_vms` or `rollback to install_k0s`. */
  readonly heading: string;
  readonly doc: StateDocument | undefined;
  readonly phases: readonly SummaryPhase[];
  readonly steps: ReadonlyMap<string, StepRecord>;
  readonly repository: { readonly serverUrl: string; readonly owner: string; readonly repo: string };
  readonly runId: number;
  readonly storeDescription: string;
  /** Extra markdown after the table (a rollback's steps). */
  readonly extra?: string;
}

const ICONS: Readonly<Record<PhaseStatus, string>> = {
  completed: '✅',
  failed: '❌',
  in_progress: '🔄',
  skipped: '⏭️',
  pending: '⏳',
};

const COLOURS: Readonly<Record<PhaseStatus, string>> = {
  completed: 'fill:#2da44e,stroke:#1a7f37,color:#ffffff',
  failed: 'fill:#cf222e,stroke:#a40e26,color:#ffffff',
  in_progress: 'fill:#bf8700,stroke:#9a6700,color:#ffffff',
  skipped: 'fill:#d0d7de,stroke:#8c959f,color:#24292f',
  pending: 'fill:#ffffff,stroke:#8c959f,color:#24292f',
};

export function buildSummary(model: SummaryModel): string {
  const { doc } = model;
  const lines: string[] = [];
  lines.push(`## k0rdent-deploy · deployment \`${model.deploymentId}\` · ${cell(model.heading)}`, '');
  lines.push(
    '| Phase | Status | Decision | Reason | Duration | Attempts | Last changed by |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const phase of model.phases) {
    const record = doc?.phases[phase.name];
    const status = doc ? statusOf(doc, phase.name) : 'pending';
    const step = model.steps.get(phase.name);
    const decision = step ? `${step.decision}${step.validated ? ' (validated)' : ''}` : '—';
    const reason = step?.reason ?? record?.reason ?? (record ? '' : 'not run yet');
    lines.push(
      `| ${cell(phase.displayName === phase.name ? `\`${phase.name}\`` : `${phase.displayName} (\`${phase.name}\`)`)} ` +
        `| ${ICONS[status]} ${status} | ${decision} | ${cell(reason)} | ${durationOf(step, record)} ` +
        `| ${record?.attempts ?? 0} | ${record?.last_run ? runLink(model, record.last_run) : '—'} |`,
    );
  }
  lines.push('', mermaid(model), '');

  const artifacts = doc ? liveArtifacts(doc) : [];
  if (artifacts.length > 0) {
    lines.push(
      '### Artifacts',
      '',
      '| Name | Path | SHA-256 | Size | Phase | Sensitive |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const [name, a] of artifacts) {
      lines.push(
        `| \`${name}\` | \`${cell(a.path)}\` | \`${a.sha256.slice(0, 12)}…\` | ${a.size} B | ${a.phase ?? '—'} | ${a.sensitive ? 'yes' : 'no'} |`,
      );
    }
    lines.push('');
  }
  if (model.extra) lines.push(model.extra, '');

  for (const phase of model.phases) {
    if (!doc || statusOf(doc, phase.name) !== 'failed') continue;
    lines.push(...failureSection(model, phase.name, doc), '');
  }
  lines.push(`<sub>State: ${cell(model.storeDescription)}</sub>`, '');
  return lines.join('\n');
}

function failureSection(model: SummaryModel, phase: string, doc: StateDocument): string[] {
  const record = doc.phases[phase];
  const error = record?.error;
  const run = record?.last_run;
  const message = (error?.message ?? record?.reason ?? 'unknown error').slice(0, 4000);
  const id = model.deploymentId;
  const rerun = run && /^[0-9]+$/.test(run.run_id) ? run.run_id : String(model.runId);
  return [
    `### ❌ \`${phase}\` failed${error ? ` (${error.class})` : ''}${run ? ` in run ${run.run_id} attempt ${run.attempt}, job \`${run.job}\`` : ''}`,
    '',
    '```text',
    message.replace(/```/g, "'''"),
    '```',
    '',
    '**What you can do**',
    '',
    `- **Re-run** after fixing the cause: *Re-run failed jobs* on the run (\`gh run rerun ${rerun} --failed\`). ` +
      `The new attempt validates the completed phases, skips those still true, and resumes at \`${phase}\`.`,
    `- **Roll back** \`${phase}\` and every phase that needs it: dispatch the rollback workflow ` +
      `(\`gh workflow run rollback.yml -f deployment-id=${id}${sourceArgument(doc)} -f to=${phase} -f destroy=true\`); ` +
      'as dispatched, rollback.yml only prints what it would undo (`dry-run` is on by default); add ' +
      '`-f dry-run=false` to do it. With `destroy=false` only the state is reset.',
  ];
}

/** The rollback workflow must read the same pipeline or config as the deploy did. */
function sourceArgument(doc: StateDocument): string {
  const file = doc.source?.file;
  if (file === undefined || !/^[\w./-]+$/.test(file)) return '';
  return doc.source?.kind === 'pipeline' ? ` -f pipeline=${file}` : ` -f config=${file}`;
}

function mermaid(model: SummaryModel): string {
  const ids = new Map(model.phases.map((p, i) => [p.name, `p${i}`]));
  const lines = ['```mermaid', 'flowchart LR'];
  for (const phase of model.phases) {
    const status = model.doc ? statusOf(model.doc, phase.name) : 'pending';
    lines.push(
      `  ${ids.get(phase.name) ?? ''}["${ICONS[status]} ${phase.name.replace(/"/g, "'")}"]:::${status}`,
    );
  }
  for (const phase of model.phases) {
    for (const need of phase.needs) {
      const from = ids.get(need);
      if (from) lines.push(`  ${from} --> ${ids.get(phase.name) ?? ''}`);
    }
  }
  for (const [status, style] of Object.entries(COLOURS)) lines.push(`  classDef ${status} ${style}`);
  lines.push('```');
  return lines.join('\n');
}

function durationOf(
  step: StepRecord | undefined,
  record: StateDocument['phases'][string] | undefined,
): string {
  if (step?.durationMs !== undefined) return formatDuration(step.durationMs);
  if (!record?.started_at) return '—';
  const end =
    record.status === 'completed'
      ? record.completed_at
      : record.status === 'failed'
        ? record.updated_at
        : undefined;
  if (!end) return '—';
  const ms = Date.parse(end) - Date.parse(record.started_at);
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : '—';
}

function runLink(model: SummaryModel, run: RunRef): string {
  const text = `run ${run.run_id} #${run.attempt} (${cell(run.job)})`;
  if (!/^[0-9]+$/.test(run.run_id)) return text;
  const { serverUrl, owner, repo } = model.repository;
  return `[${text}](${serverUrl}/${owner}/${repo}/actions/runs/${run.run_id}/attempts/${run.attempt})`;
}

/** Text safe inside a markdown table cell: one line, pipes escaped. */
function cell(text: string): string {
  const line = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  return line.length > 200 ? `${line.slice(0, 197)}…` : line;
}

/** Appends the summary to the job's summary; a failure to write it only warns. */
export async function writeSummary(markdown: string): Promise<void> {
  try {
    await core.appendSummary(markdown);
  } catch (error) {
    core.warning(
      `could not write the job summary: ${error instanceof Error ? error.message : String(error)}`,
      {
        title: 'Job summary not written',
      },
    );
  }
}
