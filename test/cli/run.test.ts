/** The quick start, as a newcomer runs it: the example pipeline on the local store, twice. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runOutcomes, scratchDir } from '../support/cli.js';
import { EXAMPLE_PHASES, EXAMPLE_PIPELINE, readState, statuses } from '../support/pipelines.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = scratchDir()));
afterAll(() => cleanup());

const cli = (...args: string[]) => runCli(args, { cwd: dir });

test('first run: every phase runs in order, the optional one is skipped, a table sums it up', async () => {
  const result = await cli('run', '--pipeline', EXAMPLE_PIPELINE);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const decisions = result.stdout.split('\n').filter((line) => /^[▶↷]/.test(line));
  expect(decisions.map((line) => line.split(/\s+/).slice(1, 3).join(' '))).toEqual([
    'prepare_workspace run',
    'generate_keys run',
    'render_config run',
    'start_cluster run',
    'install_addons skip',
  ]);
  expect(result.stdout).toMatch(/✔ start_cluster done in (\d+ ms|\d+\.\d s)/);
  expect(result.stdout).toContain('│ Phase             │ Status    │ Decision │ Reason');
  expect(result.stdout).toContain('deployment local-demo: 4 completed, 1 skipped');
  expect(statuses(readState(dir))).toEqual({
    prepare_workspace: 'completed',
    generate_keys: 'completed',
    render_config: 'completed',
    start_cluster: 'completed',
    install_addons: 'skipped',
  });
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.status'))).toBe(true);
});

test('second run: every completed phase is validated against reality and skipped', async () => {
  const before = readState(dir);
  const result = await cli('run', '--pipeline', EXAMPLE_PIPELINE, '--json');
  expect(result.code).toBe(0);
  const json = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(json).toMatchObject({
    schema_version: 2,
    deployment_id: 'local-demo',
    result: 'succeeded',
    failed_phase: null,
  });
  expect(json.duration_ms).toEqual(expect.any(Number));
  const outcomes = runOutcomes(result.stdout);
  expect(outcomes.map((o) => [o.phase, o.decision])).toEqual(EXAMPLE_PHASES.map((p) => [p, 'skip']));
  expect(outcomes[1]).toMatchObject({
    display_name: 'Generate keys',
    status: 'completed',
    reason: 'completed and still true: validate exited 0',
  });
  const after = readState(dir);
  for (const phase of EXAMPLE_PHASES.slice(0, 4)) {
    expect(after.phases[phase]?.attempts).toBe(before.phases[phase]?.attempts);
    expect(after.phases[phase]?.evidence?.summary).toBe('completed and still true: validate exited 0');
  }
  // Progress went to stderr so that stdout is pure JSON.
  expect(result.stderr).toContain('↷ generate_keys');
});

test('status --json has the documented shape, phases in execution order', async () => {
  const result = await cli('status', '--json');
  expect(result.code).toBe(0);
  const status = JSON.parse(result.stdout) as Record<string, unknown> & {
    phases: Record<string, Record<string, unknown>>;
    artifacts: Record<string, Record<string, unknown>>;
  };
  expect(Object.keys(status)).toEqual(['schema_version', 'deployment_id', 'exists', 'phases', 'artifacts']);
  expect(status.deployment_id).toBe('local-demo');
  expect(status.schema_version).toBe(2);
  expect(Object.keys(status.phases)).toEqual(EXAMPLE_PHASES);
  expect(status.phases.generate_keys).toEqual({
    display_name: 'Generate keys',
    status: 'completed',
    updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    reason: 'completed and still true: validate exited 0',
    attempts: 1,
  });
  expect(Object.keys(status.artifacts).sort()).toEqual(['cluster_config', 'hub_key']);
  expect(status.artifacts.hub_key).toEqual({
    path: 'scratch/local-demo/keys/hub.key',
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    size: 45,
    phase: 'generate_keys',
    sensitive: true,
    updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
  });
});

test('status as a table lists phases and artifacts but never an artifact’s content', async () => {
  const result = await cli('status');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Deployment local-demo');
  expect(result.stdout).toMatch(
    /│ hub_key +│ scratch\/local-demo\/keys\/hub\.key +│ 45 +│ [0-9a-f]{12}… +│ generate_keys +│ yes/,
  );
});

test('plan shows what run would do, with validators run and nothing changed', async () => {
  const before = readState(dir);
  const result = await cli('plan', '--json');
  expect(result.code).toBe(0);
  const plan = JSON.parse(result.stdout) as {
    phases: Record<string, { action: string; validated: boolean }>;
  };
  expect(plan.phases.start_cluster).toMatchObject({ action: 'skip', validated: true });
  expect(plan.phases.install_addons).toMatchObject({ action: 'skip', validated: false });
  expect(readState(dir)).toEqual(before);
});

test('history lists the events, newest last', async () => {
  const result = await cli('history', '--json');
  const history = JSON.parse(result.stdout) as {
    schema_version: number;
    deployment_id: string;
    events: { type: string; phase?: string }[];
  };
  expect(history).toMatchObject({ schema_version: 2, deployment_id: 'local-demo' });
  const events = history.events;
  expect(events[0]?.type).toBe('deployment_created');
  expect(events.filter((e) => e.type === 'phase_completed').map((e) => e.phase)).toEqual(
    EXAMPLE_PHASES.slice(0, 4),
  );
  const ids = events.map((e) => (e as unknown as { id: string }).id);
  expect([...ids].sort()).toEqual(ids);
  const table = await cli('history', '--limit', '3');
  expect(table.stdout.split('\n').filter((l) => l.startsWith('│ 20'))).toHaveLength(3);
});

test('--only runs a single phase, and refuses one whose needs are not done', async () => {
  const forced = await cli('run', '--only', 'render_config', '--force');
  expect(forced.code).toBe(0);
  expect(forced.stdout).toMatch(/▶ render_config +run +forced/);
  expect(forced.stdout).not.toContain('start_cluster');
  expect(readState(dir).phases.render_config?.attempts).toBe(2);

  await cli('reset', '--from', 'generate_keys');
  const blocked = await cli('run', '--only', 'start_cluster');
  expect(blocked.code).toBe(2);
  expect(blocked.stderr).toContain(
    'cannot run start_cluster: waiting for generate_keys (pending). Run generate_keys first, or run without --only.',
  );
});

test('--until runs the phases up to and including one', async () => {
  const result = await cli('run', '--until', 'generate_keys', '--json');
  expect(runOutcomes(result.stdout).map((o) => `${o.phase}:${o.decision}`)).toEqual([
    'prepare_workspace:skip',
    'generate_keys:run',
  ]);
});
