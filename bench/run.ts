/** `npm run bench`: every benchmark, measured in one run, against the committed dist/ bundle. */
import { spawnSync } from 'node:child_process';
import { benchAzureBlob } from './azure-blob.js';
import { benchAzureValidation } from './azure-validation.js';
import { benchCommitCost, benchFreshRuns } from './linear-cost.js';
import { benchMerge } from './merge.js';
import { report } from './measure.js';

const results = [
  { title: 'State merge (issue 2)', measurements: benchMerge() },
  { title: 'Azure validation (issue 4)', measurements: await benchAzureValidation() },
  { title: 'Linear cost: a commit costs its change (issue 11)', measurements: await benchCommitCost() },
  { title: 'Linear cost: fresh runs of no-op phases (issue 11)', measurements: benchFreshRuns() },
  {
    title: 'Azure blob state store, against Azurite on loopback (issue 13)',
    measurements: await benchAzureBlob(),
  },
];
for (const { title, measurements } of results) report(title, measurements);
// Start-up (the CLI, bin/k0rdent-deploy and an action, against one bare-Node baseline), the actions'
// requests and the built-in deployment through deploy.yml (bench/*.bench.ts) run against the
// emulators of the Jest setup.
console.log('\nStart-up and GitHub Actions (issues 3, 9 and 16)');
const actions = spawnSync('npm', ['run', '--silent', 'bench:actions'], { stdio: 'inherit' });
const over = results.flatMap((r) => r.measurements).filter((m) => m.ok === false);
if (actions.status !== 0) {
  console.log('\nthe actions benchmark failed or is over target');
  process.exitCode = 1;
}
if (over.length > 0) {
  console.log(`\n${over.length} measurement(s) over target`);
  process.exitCode = 1;
}
