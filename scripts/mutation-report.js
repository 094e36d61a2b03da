// The mutation score of each file from Stryker's JSON reports (one per group, see scripts/mutation.js;
// --report may be given more than once), as a table on stdout and (with
// --summary FILE) as Markdown appended to FILE, e.g. $GITHUB_STEP_SUMMARY: every surviving mutant,
// and every mutant excluded as equivalent with its reason. With --min N, exits 1 when any file
// scores below N percent.
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    report: { type: 'string', multiple: true },
    summary: { type: 'string' },
    min: { type: 'string' },
  },
});

const paths =
  values.report ?? ['state', 'engine', 'built-in'].map((g) => `reports/mutation/${g}/mutation.json`);
const files = Object.assign({}, ...paths.map((path) => JSON.parse(readFileSync(path, 'utf8')).files));
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

const rows = Object.entries(files)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([file, { mutants, source }]) => {
    const count = (statuses) => mutants.filter((m) => statuses.has(m.status)).length;
    const detected = count(DETECTED);
    const undetected = count(UNDETECTED);
    const lines = source.split('\n');
    const describe = (m) => {
      const line = m.location.start.line;
      return {
        line,
        mutator: m.mutatorName,
        replacement: m.replacement ?? '',
        code: lines[line - 1]?.trim() ?? '',
      };
    };
    return {
      file,
      // Stryker's score: detected out of detected and undetected; ignored mutants and errors do not count.
      score: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
      killed: count(new Set(['Killed'])),
      timeout: count(new Set(['Timeout'])),
      survived: count(new Set(['Survived'])),
      noCoverage: count(new Set(['NoCoverage'])),
      errors: count(new Set(['RuntimeError', 'CompileError'])),
      survivors: mutants
        .filter((m) => UNDETECTED.has(m.status))
        .map((m) => ({ ...describe(m), status: m.status }))
        .sort((a, b) => a.line - b.line),
      ignored: mutants
        .filter((m) => m.status === 'Ignored')
        .map((m) => ({ ...describe(m), reason: m.statusReason ?? '' }))
        .sort((a, b) => a.line - b.line),
    };
  });

const total = rows.reduce(
  (sum, r) => ({
    detected: sum.detected + r.killed + r.timeout,
    undetected: sum.undetected + r.survived + r.noCoverage,
  }),
  { detected: 0, undetected: 0 },
);
const totalScore = (100 * total.detected) / Math.max(1, total.detected + total.undetected);
const min = values.min === undefined ? undefined : Number(values.min);
const below = min === undefined ? [] : rows.filter((r) => r.score < min);

const pct = (n) => `${n.toFixed(1)}%`;
const header = ['file', 'score', 'killed', 'timeout', 'survived', 'no cov', 'errors', 'ignored'];
const cells = (r) =>
  [r.file, pct(r.score), r.killed, r.timeout, r.survived, r.noCoverage, r.errors, r.ignored.length].map(
    String,
  );
const table = [header, ...rows.map(cells)];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
for (const row of table) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
console.log(`all files: ${pct(totalScore)}${min === undefined ? '' : `; every file must reach ${min}%`}`);
for (const r of below) console.log(`below ${min}%: ${r.file} (${pct(r.score)})`);

if (values.summary) {
  const code = (text) => `\`${text.replaceAll('`', "'").replaceAll('|', '\\|')}\``;
  const md = [
    '## Mutation testing (Stryker)',
    '',
    `All files: **${pct(totalScore)}**${min === undefined ? '' : `; each file must reach ${min}%`}.`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${cells(r).join(' | ')} |`),
    '',
  ];
  for (const r of rows.filter((row) => row.survivors.length > 0)) {
    md.push(`<details><summary>${r.file}: ${r.survivors.length} undetected</summary>`, '');
    for (const s of r.survivors)
      md.push(
        `- line ${s.line} ${s.status} ${s.mutator} → ${code(s.replacement.slice(0, 120))} in ${code(s.code)}`,
      );
    md.push('', '</details>', '');
  }
  const ignored = rows.flatMap((r) => r.ignored.map((m) => ({ ...m, file: r.file })));
  if (ignored.length > 0) {
    md.push(`<details><summary>${ignored.length} mutants excluded as equivalent</summary>`, '');
    for (const m of ignored) md.push(`- ${m.file}:${m.line} ${m.mutator}: ${m.reason}`);
    md.push('', '</details>', '');
  }
  appendFileSync(values.summary, md.join('\n') + '\n');
}

if (below.length > 0) process.exitCode = 1;
