/**
 * `npm run bench:actions` (part of `npm run bench`): the built-in deployment of 3 controllers and
 * 2 workers through the shipped deploy.yml, job by job, against the fake ARM over HTTPS, the fake
 * Entra/OIDC login, the artifact emulator and the tool shims (test/workflows/support/built-in.ts).
 * Recorded: wall time and the slowest steps of the first deploy and of a second dispatch that
 * finds every phase completed and still true, and the requests each made to ARM, to the identity
 * provider and to the results service, REST API and blob storage.
 *
 * The shims answer at once and the fake ARM completes operations on the first poll, so the wall
 * time is the tool's own cost (process starts, state loads, checkpoints, validation), not Azure's.
 */
import { startBuiltInWorld, type BuiltInWorld } from '../test/workflows/support/built-in.js';
import type { AttemptRun } from '../test/workflows/support/harness.js';

let world: BuiltInWorld;

beforeAll(async () => {
  world = await startBuiltInWorld();
});

afterAll(async () => {
  await world.stop();
});

interface Counts {
  readonly total: number;
  readonly detail: Record<string, number>;
}

function tally<T>(records: readonly T[], key: (record: T) => string): Counts {
  const detail: Record<string, number> = {};
  for (const record of records) detail[key(record)] = (detail[key(record)] ?? 0) + 1;
  return { total: records.length, detail };
}

interface Measured {
  readonly wallMs: number;
  readonly run: AttemptRun;
  readonly arm: Counts;
  readonly identity: Counts;
  readonly actions: Counts;
  readonly blob: number;
}

async function measure(runId: number): Promise<Measured> {
  const arm = world.arm.requests.length;
  const identity = world.identity.requests.length;
  const actions = world.gh.requests.all().length;
  const started = performance.now();
  const run = await world.deploy(runId);
  const wallMs = performance.now() - started;
  const ghRecords = world.gh.requests.all().slice(actions);
  return {
    wallMs,
    run,
    arm: tally(world.arm.requests.slice(arm), (r) => (r.poll ? 'poll' : r.method)),
    identity: tally(world.identity.requests.slice(identity), (r) => r.service),
    actions: tally(
      ghRecords.filter((r) => r.service !== 'blob'),
      (r) => r.operation,
    ),
    blob: ghRecords.filter((r) => r.service === 'blob').length,
  };
}

function slowestSteps(run: AttemptRun, count: number): string[] {
  const steps = [...run.jobs.values()].flatMap((job) =>
    job.steps
      .filter((s) => s.result)
      .map((s) => ({ name: `${job.id}/${s.id || s.name}`, ms: s.result?.durationMs ?? 0 })),
  );
  return steps
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map((s) => `    ${s.name.padEnd(34)} ${(s.ms / 1000).toFixed(1)} s`);
}

function lines(title: string, m: Measured): string[] {
  return [
    `${title}: ${(m.wallMs / 1000).toFixed(1)} s wall`,
    `  ARM requests             ${m.arm.total}   ${JSON.stringify(m.arm.detail)}`,
    `  identity requests        ${m.identity.total}   ${JSON.stringify(m.identity.detail)}`,
    `  results + REST requests  ${m.actions.total}   ${JSON.stringify(m.actions.detail)}`,
    `  blob requests            ${m.blob}`,
    '  slowest steps:',
    ...slowestSteps(m.run, 5),
  ];
}

test('the built-in deployment through deploy.yml: wall time and requests', async () => {
  const first = await measure(1);
  expect(first.run.jobs.get('deploy')?.result).toBe('success');
  const second = await measure(2);
  expect(second.run.jobs.get('deploy')?.result).toBe('success');
  // The second dispatch validates what exists and creates nothing.
  expect(second.arm.detail.PUT ?? 0).toBe(0);

  console.log(
    [
      '',
      'k0rdent-deploy built-in deployment, 3 controllers + 2 workers, through deploy.yml (emulated)',
      '',
      ...lines('first deploy', first),
      '',
      ...lines('second dispatch, every phase completed and still true', second),
      '',
    ].join('\n'),
  );
});
