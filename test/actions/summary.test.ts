import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSummary, type SummaryModel } from '../../src/actions/summary.js';
import { createDocument, type Stamp } from '../../src/state/document.js';
import { HybridClock } from '../../src/state/hlc.js';
import { markCompleted, markFailed, markInProgress, recordArtifact } from '../../src/state/transitions.js';
import { repoRoot } from './support/runner.js';

const clock = new HybridClock('t');
const run = { run_id: '4242', attempt: 2, job: 'infrastructure', actor: 'me' };
const stamp = (): Stamp => ({ hlc: clock.tick(), at: clock.isoNow(), run });

function model(): SummaryModel {
  let doc = createDocument({ deploymentId: 'demo', phases: ['prepare', 'network', 'vms'] }, stamp());
  doc = markInProgress(doc, 'prepare', stamp(), 'not run yet');
  doc = markCompleted(doc, 'prepare', stamp(), undefined);
  doc = markInProgress(doc, 'network', stamp(), 'not run yet');
  doc = markFailed(doc, 'network', stamp(), {
    message: 'quota exceeded | cores\nsecond line',
    class: 'quota',
  });
  doc = recordArtifact(doc, 'wg_config', stamp(), {
    path: 'out/wg0.conf',
    sha256: 'a'.repeat(64),
    size: 10,
    sensitive: false,
    phase: 'prepare',
  });
  return {
    deploymentId: 'demo',
    heading: 'network',
    doc,
    phases: [
      { name: 'prepare', displayName: 'Prepare', needs: [] },
      { name: 'network', displayName: 'network', needs: ['prepare'] },
      { name: 'vms', displayName: 'VMs', needs: ['prepare', 'network'] },
    ],
    steps: new Map([
      ['network', { decision: 'run', reason: 'not run yet', validated: false, durationMs: 1500 }],
    ]),
    repository: { serverUrl: 'https://github.com', owner: 'acme', repo: 'infra' },
    runId: 4242,
    storeDescription: 'workflow artifacts of acme/infra (deployment demo)',
  };
}

test('the table: status icons, decision and reason, duration, attempts, the run that last changed each phase', () => {
  const md = buildSummary(model());
  expect(md).toContain('| Prepare (`prepare`) | ✅ completed | — |');
  expect(md).toContain(
    '| `network` | ❌ failed | run | not run yet | 1.5 s | 1 | [run 4242 #2 (infrastructure)](https://github.com/acme/infra/actions/runs/4242/attempts/2) |',
  );
  expect(md).toContain('| VMs (`vms`) | ⏳ pending |');
});

test('a mermaid graph of the DAG, coloured by status', () => {
  const md = buildSummary(model());
  expect(md).toContain('```mermaid\nflowchart LR');
  expect(md).toMatch(/p0\["✅ prepare"\]:::completed/);
  expect(md).toMatch(/p1\["❌ network"\]:::failed/);
  expect(md).toContain('p0 --> p2');
  expect(md).toContain('p1 --> p2');
  expect(md).toMatch(/classDef failed fill:#cf222e/);
});

test('artifacts, and for the failed phase the error and the exact ways out', () => {
  const md = buildSummary(model());
  expect(md).toContain('| `wg_config` | `out/wg0.conf` | `aaaaaaaaaaaa…` | 10 B | prepare | no |');
  expect(md).toContain('### ❌ `network` failed (quota) in run 4242 attempt 2, job `infrastructure`');
  expect(md).toContain('quota exceeded | cores\nsecond line');
  expect(md).toContain('gh run rerun 4242 --failed');
  expect(md).toContain('gh workflow run rollback.yml -f deployment-id=demo -f to=network -f destroy=true');
  expect(md).toContain('add `-f dry-run=false` to do it');
});

test("the rollback hint names the deployment's pipeline or config, as the rollback workflow needs them", () => {
  const withSource = (source: NonNullable<SummaryModel['doc']>['source']) => {
    const base = model();
    return buildSummary({ ...base, doc: { ...base.doc!, ...(source ? { source } : {}) } });
  };
  expect(withSource({ kind: 'k0rdent', file: 'config/prod.yaml' })).toContain(
    'gh workflow run rollback.yml -f deployment-id=demo -f config=config/prod.yaml -f to=network -f destroy=true',
  );
  expect(withSource({ kind: 'pipeline', file: 'deploy/pipeline.yml' })).toContain(
    '-f deployment-id=demo -f pipeline=deploy/pipeline.yml -f to=network',
  );
  // Nothing the shell would read as something else.
  expect(withSource({ kind: 'k0rdent', file: 'config/$(reboot).yaml' })).toContain(
    '-f deployment-id=demo -f to=network',
  );
  // The workflow's inputs, nothing else: every -f NAME of the hint is an input of rollback.yml.
  const rollback = readFileSync(join(repoRoot, '.github/workflows/rollback.yml'), 'utf8');
  const hint = withSource({ kind: 'k0rdent', file: 'config/prod.yaml' });
  for (const [, name] of hint.matchAll(/-f ([a-z-]+)=/g))
    expect(rollback).toMatch(new RegExp(`^      ${name}:$`, 'm'));
});
