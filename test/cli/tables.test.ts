/**
 * The table renderer on its own: widths, wrapping and colour, on inputs the CLI tests do not reach
 * (words longer than the column, a coloured display name that wraps, a terminal narrower than the
 * fixed columns).
 */
import pc from 'picocolors';
import { historyTable, planTable, tableKit, wrapText } from '../../src/cli/tables.js';
import type { PlanStep } from '../../src/engine/plan.js';
import type { StateEvent } from '../../src/state/schema.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;
const plain = pc.createColors(false);
const colored = pc.createColors(true);

function step(phase: string, displayName: string, reason: string): PlanStep {
  return { phase, displayName, status: 'pending', action: 'run', reason, validated: false, resets: [] };
}

describe('wrapText', () => {
  test('never makes a line longer than the width, and keeps every character', () => {
    const text =
      'configuration recorded (fingerprint c7872f5c78aa) at /work/main/examples/local/pipeline.yml';
    for (const width of [1, 5, 10, 11, 12, 30]) {
      const lines = wrapText(text, width).split('\n');
      expect(lines.filter((line) => line.length > width)).toEqual([]);
      expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
    }
  });

  test('a width below one character still ends, one character per line', () => {
    expect(wrapText('ab cd', 0)).toBe('a\nb\nc\nd');
  });

  test('a word too long for the line it would end starts a line of its own', () => {
    expect(wrapText('on recorded (fingerprint', 11)).toBe('on recorded\n(fingerprin\nt');
    expect(wrapText('a b c', 3)).toBe('a b\nc');
  });
});

describe('tables', () => {
  const steps = [
    step('first', 'The first phase, whose display name is long enough to wrap', 'not run yet'),
    step('second_phase', '', 'the image registry refused the push because the repository quota is used up'),
  ];

  test('as wide as the content when nothing limits it; every row as wide as the borders', () => {
    const table = planTable(steps, tableKit(plain, undefined));
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^┌─+┬/);
    expect(lines.at(-1)).toMatch(/^└─+┴/);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    // Not a terminal: the reason is whole on one line.
    expect(table).toContain('the image registry refused the push because the repository quota is used up');
    // The display name wraps within the width its phase name needs (here: "second_phase").
    expect(lines.filter((line) => line.startsWith('│ The first ')).length).toBe(1);
    expect(lines.some((line) => line.includes('│ second_phase │'))).toBe(true);
  });

  test('in a narrow terminal the reason column wraps and no line passes the edge', () => {
    const lines = planTable(steps, tableKit(plain, 60)).split('\n');
    expect(lines.filter((line) => line.length > 60)).toEqual([]);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines.join(' ').replace(/[│ ]+/g, ' ')).toContain('repository quota is used up');
  });

  test('a coloured cell that wraps is coloured on each of its lines, and colour takes no width', () => {
    const lines = planTable(steps, tableKit(colored, 60)).split('\n');
    const name = lines.filter((line) => line.includes(colored.dim('The first')));
    expect(name).toHaveLength(1);
    const wrapped = lines.filter((line) => /display name|long enough|to wrap/.test(line));
    expect(wrapped.length).toBeGreaterThan(0);
    // eslint-disable-next-line no-control-regex
    for (const line of wrapped) expect(line).toMatch(/\u001b\[2m[^\u001b]+\u001b\[22m/);
    expect(new Set(lines.map((line) => line.replace(ANSI, '').length)).size).toBe(1);
  });

  test('a table with no rows is its header between two rules', () => {
    expect(historyTable([] as StateEvent[], tableKit(plain, undefined)).split('\n')).toEqual([
      '┌──────┬───────┬───────┬─────────┬─────┐',
      '│ Time │ Event │ Phase │ Message │ Run │',
      '└──────┴───────┴───────┴─────────┴─────┘',
    ]);
  });
});
