import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runOutcomes, scratchDir } from '../support/cli.js';
import { EXAMPLE_PIPELINE, examplePipelineCopy, readState, statuses } from '../support/pipelines.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

const cli = (...args: string[]) => runCli(args, { cwd: dir });
const stateText = () => readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8');

test('reset --from sets the phase and its dependents to pending and undoes nothing', async () => {
  await cli('run', '--pipeline', EXAMPLE_PIPELINE);
  const before = stateText();
  const preview = await cli('reset', '--from', 'render_config', '--dry-run');
  expect(preview.stdout.trim()).toBe('would reset to pending: render_config, start_cluster, install_addons');
  expect(stateText()).toBe(before);

  const reset = await cli('reset', '--from', 'render_config');
  expect(reset.code).toBe(0);
  expect(reset.stdout.trim()).toBe('reset to pending: render_config, start_cluster, install_addons');
  expect(statuses(readState(dir))).toEqual({
    prepare_workspace: 'completed',
    generate_keys: 'completed',
    render_config: 'pending',
    start_cluster: 'pending',
    install_addons: 'pending',
  });
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.yaml'))).toBe(true);
});

test('rollback undoes newest first, resets, removes the rolled-back artifacts, and a re-run rebuilds', async () => {
  await cli('run', '--pipeline', EXAMPLE_PIPELINE);
  const preview = await cli('rollback', '--to', 'render_config', '--dry-run');
  expect(preview.stdout).toMatch(
    /start_cluster +│ completed +│ undo[\s\S]*render_config +│ completed +│ undo/,
  );
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.status'))).toBe(true);

  const result = await cli('rollback', '--to', 'render_config');
  expect(result.code).toBe(0);
  expect(result.stdout.indexOf('↶ start_cluster undone')).toBeLessThan(
    result.stdout.indexOf('↶ render_config undone'),
  );
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.status'))).toBe(false);
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.yaml'))).toBe(false);
  expect(existsSync(join(dir, 'scratch/local-demo/keys/hub.key'))).toBe(true);
  const doc = readState(dir);
  expect(statuses(doc)).toMatchObject({
    generate_keys: 'completed',
    render_config: 'pending',
    start_cluster: 'pending',
  });
  expect(doc.artifacts.cluster_config?.removed).toBe(true);
  expect(doc.events.filter((e) => e.type.startsWith('rollback')).map((e) => e.type)).toEqual([
    'rollback_started',
    'rollback_step',
    'rollback_step',
    'rollback_finished',
  ]);

  const rerun = await cli('run', '--json');
  expect(
    runOutcomes(rerun.stdout)
      .filter((o) => o.decision === 'run')
      .map((o) => o.phase),
  ).toEqual(['render_config', 'start_cluster']);
});

test('a rollback to the first phase undoes everything and archives the previous state', async () => {
  await cli('run', '--pipeline', EXAMPLE_PIPELINE);
  const result = await cli('rollback', '--to', 'prepare_workspace');
  expect(result.code).toBe(0);
  expect(existsSync(join(dir, 'scratch/local-demo'))).toBe(false);
  expect(Object.values(statuses(readState(dir))).every((s) => s === 'pending')).toBe(true);
  expect(result.stdout).toMatch(/archived to state\/old_deployments\/local-demo-.*-before-rollback\.yaml/);
  expect(readdirSync(join(dir, 'state/old_deployments'))).toHaveLength(1);
});

test('a failing undo stops the rollback (exit 1) unless --force, which carries on and reports it', async () => {
  const pipeline = examplePipelineCopy(dir, (phases) => {
    const render = phases.find((p) => p.name === 'render_config')!;
    render.rollback = 'echo "cannot delete: resource is locked" >&2; exit 1';
  });
  await cli('run', '--pipeline', pipeline);

  const stopped = await cli('rollback', '--to', 'render_config');
  expect(stopped.code).toBe(1);
  expect(stopped.stderr).toContain(
    'undo of render_config failed: rollback command of render_config exited with code 1',
  );
  expect(statuses(readState(dir))).toMatchObject({ render_config: 'completed', start_cluster: 'pending' });

  const forced = await cli('rollback', '--to', 'render_config', '--force');
  expect(forced.code).toBe(1);
  expect(forced.stdout).toMatch(
    /render_config +│ completed +│ undo +│ rollback command of render_config exited with code 1/,
  );
  const doc = readState(dir);
  expect(doc.phases.render_config).toMatchObject({
    status: 'pending',
    reason: expect.stringMatching(/undo failed, resources may remain/),
  });
  expect(doc.events.filter((e) => e.type === 'rollback_step').at(-1)?.message).toContain(
    'cannot delete: resource is locked',
  );
});

test('a phase that failed is undone too: it may have built part of its work', async () => {
  const pipeline = examplePipelineCopy(dir, (phases) => {
    const start = phases.find((p) => p.name === 'start_cluster')!;
    start.run = 'echo half > scratch/local-demo/cluster.status; exit 75';
  });
  const run = await cli('run', '--pipeline', pipeline);
  expect(run.code).toBe(1);
  expect(readState(dir).phases.start_cluster?.error).toMatchObject({ class: 'transient', exit_code: 75 });
  expect(run.stdout).toContain('rollback --to start_cluster');
  const rollback = await cli('rollback', '--to', 'start_cluster');
  expect(rollback.code).toBe(0);
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.status'))).toBe(false);
});

test('rollback --no-destroy resets the same phases and undoes nothing', async () => {
  await cli('run', '--pipeline', EXAMPLE_PIPELINE);
  const result = await cli('rollback', '--to', 'render_config', '--no-destroy');
  expect(result.code).toBe(0);
  expect(existsSync(join(dir, 'scratch/local-demo/cluster.yaml'))).toBe(true);
  expect(statuses(readState(dir))).toMatchObject({
    render_config: 'pending',
    start_cluster: 'pending',
    generate_keys: 'completed',
  });
  expect(readState(dir).artifacts.cluster_config?.removed).toBeUndefined();
});

test('an optional phase completed while enabled is undone by a rollback after it was switched off', async () => {
  const pipeline = examplePipelineCopy(dir, () => undefined);
  expect((await cli('run', '--pipeline', pipeline, '--enable', 'install_addons')).code).toBe(0);
  const addons = join(dir, 'scratch/local-demo/addons-installed');
  expect(existsSync(addons)).toBe(true);
  // The next run does not enable it: skipped, and it says that what it built is still there.
  const next = await cli('run', '--pipeline', pipeline);
  expect(next.code).toBe(0);
  expect(readState(dir).phases.install_addons).toMatchObject({
    status: 'skipped',
    reason: expect.stringContaining('what it built stays until a rollback undoes it'),
  });
  const preview = await cli('rollback', '--to', 'start_cluster', '--dry-run');
  expect(preview.stdout).toMatch(/install_addons +│ skipped +│ undo/);
  const rollback = await cli('rollback', '--to', 'start_cluster');
  expect(rollback.code).toBe(0);
  expect(existsSync(addons)).toBe(false);
  expect(statuses(readState(dir))).toMatchObject({ start_cluster: 'pending', install_addons: 'pending' });
});
