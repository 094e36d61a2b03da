/** Tables for status, plan, run results, artifacts and history. */
import type { PhaseListing } from '../engine/deployment-source.js';
import type { PlanStep } from '../engine/plan.js';
import type { PhaseOutcome } from '../engine/run.js';
import type { RollbackStep } from '../engine/rollback.js';
import { liveArtifacts, statusOf } from '../state/document.js';
import type { StateDocument, StateEvent } from '../state/schema.js';
import { formatDuration } from '../engine/reporter.js';
import { statusColor, terminalWidth, type Colors } from './output.js';
import { phaseReason } from './phase-reason.js';

/** What rendering a table takes. */
export interface TableKit {
  readonly c: Colors;
  /** The terminal's columns; undefined when the output is not a terminal, and then nothing is cut. */
  readonly width: number | undefined;
}

export function tableKit(c: Colors, width = terminalWidth()): TableKit {
  return { c, width };
}

/** The narrowest a wrapped column gets, however narrow the terminal. */
const MIN_FLEX_WIDTH = 12;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

function textWidth(text: string): number {
  return Math.max(
    0,
    ...text
      .replace(ANSI, '')
      .split('\n')
      .map((line) => line.length),
  );
}

interface Column {
  readonly head: string;
  /** The column that wraps to fit the terminal (the reason); others keep their width. */
  readonly flex?: boolean;
  /** Cells that may wrap inside the width the other cells of the column need (display names). */
  readonly wrapsWithin?: (cell: string) => string;
}

/**
 * A table as wide as its content; in a terminal narrower than that, the flexible column is narrowed
 * and its cells wrap at word boundaries, so a row never runs past the right edge.
 *
 * Drawn here rather than by a table library: the layout (natural widths, the flexible column, the
 * wrapping) is all the work, and the library used before (cli-table3) took a tenth of `status`'s
 * start-up in loading and measuring strings.
 */
function render(columns: readonly Column[], rows: readonly string[][], { c, width }: TableKit): string {
  const natural = columns.map(
    (col, i) =>
      Math.max(
        textWidth(col.head),
        ...rows.map((row) => textWidth(col.wrapsWithin ? col.wrapsWithin(row[i] ?? '') : (row[i] ?? ''))),
      ) + 2,
  );
  const total = natural.reduce((sum, w) => sum + w, 0) + columns.length + 1;
  const flex = columns.findIndex((col) => col.flex);
  const colWidths = [...natural];
  if (width !== undefined && total > width && flex >= 0) {
    colWidths[flex] = Math.max(MIN_FLEX_WIDTH, width - (total - (natural[flex] ?? 0)));
  }
  // One space of padding on either side of every cell.
  const inner = colWidths.map((w) => w - 2);
  const rule = (left: string, mid: string, right: string) =>
    left + colWidths.map((w) => '─'.repeat(w)).join(mid) + right;
  const lines = [rule('┌', '┬', '┐')];
  // No rule under the header or between rows: one line per phase reads faster.
  for (const row of [columns.map((col) => c.bold(col.head)), ...rows]) {
    const cells = inner.map((w, i) => cellLines(row[i] ?? '', w));
    const height = Math.max(1, ...cells.map((cell) => cell.length));
    for (let k = 0; k < height; k++) {
      lines.push(`│${cells.map((cell, i) => ` ${padEnd(cell[k] ?? '', inner[i] ?? 0)} `).join('│')}│`);
    }
  }
  lines.push(rule('└', '┴', '┘'));
  return lines.join('\n');
}

/** A cell's lines, each wrapped to `width`; a line in one colour keeps it on every line it wraps to. */
function cellLines(cell: string, width: number): string[] {
  return cell.split('\n').flatMap((line) => {
    if (textWidth(line) <= width) return [line];
    const styled = STYLED.exec(line);
    if (styled) {
      const [, open = '', text = '', close = ''] = styled;
      return wrapText(text, width)
        .split('\n')
        .map((part) => open + part + close);
    }
    return wrapText(line.replace(ANSI, ''), width).split('\n');
  });
}

// eslint-disable-next-line no-control-regex
const STYLED = /^(\u001b\[[0-9;]*m)([^\u001b]*)(\u001b\[[0-9;]*m)$/;

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

/**
 * Wraps at spaces to `width`; a word longer than that (a host name, a path) starts a line of its own
 * and is split rather than cut. No line is longer than `width`.
 */
export function wrapText(text: string, maxWidth: number): string {
  // At least one character per line, so that splitting a long word always ends.
  const width = Math.max(1, Math.floor(maxWidth));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length <= width) {
      line = `${line} ${word}`;
      continue;
    }
    if (line !== '') lines.push(line);
    let rest = word;
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    line = rest;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** A phase's name, and under it its display name when that says more. */
function phaseCell(name: string, displayName: string | undefined, c: Colors): string {
  return displayName && displayName !== name ? `${name}\n${c.dim(displayName)}` : name;
}

const PHASE_COLUMN: Column = { head: 'Phase', wrapsWithin: (cell) => cell.split('\n')[0] ?? '' };

/** Timestamps: to the second when there is room, month-day hour:minute in a narrow terminal. */
function when(iso: string | undefined, kit: TableKit): string {
  if (iso === undefined) return '';
  const full = iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return kit.width !== undefined && kit.width < 120 ? full.slice(5, 16) : full;
}

/** One line of a multi-line text (a first error line, a reason); never cut, wrapped by the table. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function statusTable(
  doc: StateDocument | undefined,
  phases: readonly PhaseListing[],
  kit: TableKit,
): string {
  const rows = phases.map((phase) => {
    const record = doc?.phases[phase.name];
    return [
      phaseCell(phase.name, phase.displayName, kit.c),
      statusColor(kit.c, doc ? statusOf(doc, phase.name) : 'pending'),
      oneLine(record?.error ? record.error.message : ((doc && phaseReason(doc, phase.name)) ?? '')),
      when(record?.updated_at, kit),
      String(record?.attempts ?? 0),
    ];
  });
  return render(
    [
      PHASE_COLUMN,
      { head: 'Status' },
      { head: 'Reason', flex: true },
      { head: 'Updated' },
      { head: 'Tries' },
    ],
    rows,
    kit,
  );
}

export function artifactsTable(doc: StateDocument, kit: TableKit): string | undefined {
  const live = liveArtifacts(doc);
  if (live.length === 0) return undefined;
  const rows = live.map(([name, record]) => [
    name,
    record.path,
    String(record.size),
    `${record.sha256.slice(0, 12)}…`,
    record.phase ?? '',
    record.sensitive ? 'yes' : 'no',
  ]);
  return render(
    [
      { head: 'Artifact' },
      { head: 'Path', flex: true },
      { head: 'Size' },
      { head: 'SHA-256' },
      { head: 'Phase' },
      { head: 'Sensitive' },
    ],
    rows,
    kit,
  );
}

export function outcomesTable(outcomes: readonly PhaseOutcome[], kit: TableKit): string {
  const rows = outcomes.map((o) => [
    phaseCell(o.phase, o.displayName, kit.c),
    statusColor(kit.c, o.status),
    o.decision,
    oneLine(o.error ? (o.error.message.split('\n')[0] ?? '') : o.reason),
    formatDuration(o.durationMs),
  ]);
  return render(
    [
      PHASE_COLUMN,
      { head: 'Status' },
      { head: 'Decision' },
      { head: 'Reason', flex: true },
      { head: 'Time' },
    ],
    rows,
    kit,
  );
}

export function planTable(steps: readonly PlanStep[], kit: TableKit): string {
  const rows = steps.map((step) => {
    const resets = step.resets.filter((name) => name !== step.phase);
    const why = step.reason + (resets.length > 0 ? `; resets ${resets.join(', ')}` : '');
    return [
      phaseCell(step.phase, step.displayName, kit.c),
      statusColor(kit.c, step.status),
      step.action,
      oneLine(why),
    ];
  });
  return render(
    [PHASE_COLUMN, { head: 'Status now' }, { head: 'Would' }, { head: 'Why', flex: true }],
    rows,
    kit,
  );
}

export function rollbackTable(
  steps: readonly (RollbackStep & { result?: string; error?: string })[],
  kit: TableKit,
): string {
  const rows = steps.map((step) => [
    step.phase,
    statusColor(kit.c, step.status),
    step.action,
    oneLine(step.error ?? step.result ?? 'planned'),
  ]);
  return render(
    [{ head: 'Phase' }, { head: 'Status before' }, { head: 'Action' }, { head: 'Result', flex: true }],
    rows,
    kit,
  );
}

export function historyTable(events: readonly StateEvent[], kit: TableKit): string {
  const rows = events.map((e) => [
    when(e.at, kit),
    e.type,
    e.phase ?? '',
    oneLine(e.message.split('\n')[0] ?? ''),
    e.run ? `${e.run.run_id}#${e.run.attempt}` : '',
  ]);
  return render(
    [
      { head: 'Time' },
      { head: 'Event' },
      { head: 'Phase' },
      { head: 'Message', flex: true },
      { head: 'Run' },
    ],
    rows,
    kit,
  );
}
