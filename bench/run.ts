/** `npm run bench`: every benchmark, measured in one run, against the committed dist/ bundle. */
import { benchAzureValidation } from './azure-validation.js';
import { benchColdStatus, benchMerge } from './cli-and-merge.js';
import { report } from './measure.js';

const results = [
  { title: 'CLI cold start (issue 2)', measurements: benchColdStatus() },
  { title: 'State merge (issue 2)', measurements: benchMerge() },
  { title: 'Azure validation (issue 4)', measurements: await benchAzureValidation() },
];
for (const { title, measurements } of results) report(title, measurements);
const over = results.flatMap((r) => r.measurements).filter((m) => m.ok === false);
if (over.length > 0) {
  console.log(`\n${over.length} measurement(s) over target`);
  process.exitCode = 1;
}
