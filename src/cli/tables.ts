/** Tables for status, plan, run results, artifacts and history. */
import type TableClass from 'cli-table3';
import type { PhaseListing } from '../engine/deployment-source.js';
import type { PlanStep } from '../engine/plan.js';
import type { PhaseOutcome } from '../engine/run.js';
import type { RollbackStep } from '../engine/rollback.js';
import { liveArtifacts, reasonOf, statusOf } from '../state/document.js';
import type { StateDocument, StateEvent } from '../state/schema.js';
import { formatDuration } from '../engine/reporter.js';
import { statusColor, type Colors } from './output.js';

/** What rendering a table takes; cli-table3 is loaded on demand, so action steps never load it. */
export interface TableKit {
  readonly c: Colors;
  readonly Table: typeof TableClass;
}

export async function tableKit(c: Colors): Promise<TableKit> {
  const { default: Table } = await import('cli-table3');
  return { c, Table };
}

function table(head: string[], { c, Table }: TableKit): TableClass.Table {
  return new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    // No rule between rows: one line per phase reads faster.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: true,
  });
}

const REASON_WIDTH = 70;

export function statusTable(
  doc: StateDocument | undefined,
  phases: readonly PhaseListing[],
  kit: TableKit,
): string {
  const t = table(['Phase', 'Status', 'Reason', 'Updated', 'Attempts'], kit);
  for (const phase of phases) {
    const record = doc?.phases[phase.name];
    t.push([
      phase.name,
      statusColor(kit.c, doc ? statusOf(doc, phase.name) : 'pending'),
      clip(record?.error ? record.error.message : (reasonOf(record) ?? ''), REASON_WIDTH),
      record?.updated_at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? '',
      String(record?.attempts ?? 0),
    ]);
  }
  return t.toString();
}

export function artifactsTable(doc: StateDocument, kit: TableKit): string | undefined {
  const live = liveArtifacts(doc);
  if (live.length === 0) return undefined;
  const t = table(['Artifact', 'Path', 'Size', 'SHA-256', 'Phase', 'Sensitive'], kit);
  for (const [name, record] of live) {
    t.push([
      name,
      record.path,
      String(record.size),
      `${record.sha256.slice(0, 12)}…`,
      record.phase ?? '',
      record.sensitive ? 'yes' : 'no',
    ]);
  }
  return t.toString();
}

export function outcomesTable(outcomes: readonly PhaseOutcome[], kit: TableKit): string {
  const t = table(['Phase', 'Status', 'Decision', 'Reason', 'Time'], kit);
  for (const o of outcomes) {
    t.push([
      o.phase,
      statusColor(kit.c, o.status),
      o.decision,
      clip(o.error ? (o.error.message.split('\n')[0] ?? '') : o.reason, REASON_WIDTH),
      formatDuration(o.durationMs),
    ]);
  }
  return t.toString();
}

export function planTable(steps: readonly PlanStep[], kit: TableKit): string {
  const t = table(['Phase', 'Status now', 'Would', 'Why'], kit);
  for (const step of steps) {
    const resets = step.resets.filter((name) => name !== step.phase);
    const why = step.reason + (resets.length > 0 ? `; resets ${resets.join(', ')}` : '');
    t.push([step.phase, statusColor(kit.c, step.status), step.action, clip(why, REASON_WIDTH)]);
  }
  return t.toString();
}

export function rollbackTable(
  steps: readonly (RollbackStep & { result?: string; error?: string })[],
  kit: TableKit,
): string {
  const t = table(['Phase', 'Status before', 'Action', 'Result'], kit);
  for (const step of steps) {
    t.push([
      step.phase,
      statusColor(kit.c, step.status),
      step.action,
      clip(step.error ?? step.result ?? 'planned', REASON_WIDTH),
    ]);
  }
  return t.toString();
}

export function historyTable(events: readonly StateEvent[], kit: TableKit): string {
  const t = table(['Time', 'Event', 'Phase', 'Message', 'Run'], kit);
  for (const e of events) {
    t.push([
      e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      e.type,
      e.phase ?? '',
      clip(e.message.split('\n')[0] ?? '', REASON_WIDTH),
      e.run ? `${e.run.run_id}#${e.run.attempt}` : '',
    ]);
  }
  return t.toString();
}

function clip(text: string, width: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
}
