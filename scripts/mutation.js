// `npm run test:mutation`: Stryker on src/state, src/graph and src/engine, one group of files at a
// time with the tests of that group (stryker.config.js, GROUPS), then the score of each file
// (scripts/mutation-report.js; exits 1 when a file scores below 85%). With $GITHUB_STEP_SUMMARY set
// (the mutation workflow) the table and the surviving and excluded mutants go to the job summary.
//
// Incremental: each group keeps its results in reports/mutation/<group>/incremental.json, and a later
// run tests again only the mutants whose code or covering tests changed. Without that file (a fresh
// checkout, the workflow) every mutant is tested. Arguments are passed on to each `stryker run`,
// e.g. `npm run test:mutation -- --force` to test every mutant again.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { GROUPS } from '../stryker.config.js';

const load = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
const minutes = (ms) => `${(ms / 60_000).toFixed(1)} min`;

const started = Date.now();
console.log(`mutation testing: groups ${Object.keys(GROUPS).join(', ')}; load average ${load()}`);
let failed = false;
const reports = [];
for (const group of Object.keys(GROUPS)) {
  const begun = Date.now();
  const run = spawnSync('npx', ['stryker', 'run', '--incremental', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, K0RDENT_MUTATION_GROUP: group },
  });
  const report = `reports/mutation/${group}/mutation.json`;
  if (run.status !== 0) {
    console.error(`stryker failed on group ${group} (exit ${run.status ?? run.signal})`);
    failed = true;
  }
  if (existsSync(report)) reports.push(report);
  console.log(`group ${group}: ${minutes(Date.now() - begun)}; load average ${load()}`);
}
console.log(`mutation testing took ${minutes(Date.now() - started)}; load average ${load()}`);

const summary = process.env.GITHUB_STEP_SUMMARY ? ['--summary', process.env.GITHUB_STEP_SUMMARY] : [];
const table = spawnSync(
  process.execPath,
  ['scripts/mutation-report.js', '--min', '85', ...summary, ...reports.flatMap((r) => ['--report', r])],
  { stdio: 'inherit' },
);
process.exitCode = failed || table.status !== 0 ? 1 : 0;
