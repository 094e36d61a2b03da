/** Reality drifts (a file deleted) or inputs change: exactly that phase and its dependents run again. */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, runOutcomes, scratchDir } from '../support/cli.js';
import { examplePipelineCopy, readState } from '../support/pipelines.js';

let dir: string;
let cleanup: () => void;
let pipeline: string;
beforeEach(async () => {
  ({ dir, cleanup } = scratchDir());
  pipeline = examplePipelineCopy(dir, () => undefined);
  expect((await runCli(['run', '--pipeline', pipeline], { cwd: dir })).code).toBe(0);
});
afterEach(() => cleanup());

async function run(): Promise<Record<string, string>> {
  const result = await runCli(['run', '--pipeline', pipeline, '--json'], { cwd: dir });
  expect(result.code).toBe(0);
  return Object.fromEntries(runOutcomes(result.stdout).map((o) => [o.phase, o.decision]));
}

test('a validator that fails resets that phase and its dependents only', async () => {
  rmSync(join(dir, 'scratch/local-demo/keys/hub.key'));
  const attempts = readState(dir).phases;
  expect(await run()).toEqual({
    prepare_workspace: 'skip',
    generate_keys: 'run',
    render_config: 'skip',
    start_cluster: 'run',
    install_addons: 'skip',
  });
  const after = readState(dir);
  expect(after.phases.render_config?.attempts).toBe(attempts.render_config?.attempts);
  expect(after.phases.generate_keys?.attempts).toBe((attempts.generate_keys?.attempts ?? 0) + 1);
  const reset = after.events.filter((e) => e.type === 'phase_reset');
  expect(reset.at(-1)?.data?.phases).toEqual(['generate_keys', 'start_cluster', 'install_addons']);
  expect(reset.at(-1)?.message).toMatch(
    /validation failed: validate exited 1: missing +hub_key: .*hub\.key does not exist/,
  );
});

test('changed inputs re-run the phase and its dependents only', async () => {
  examplePipelineCopy(dir, (phases) => {
    const render = phases.find((p) => p.name === 'render_config');
    if (render?.inputs) render.inputs.workers = 3;
  });
  expect(await run()).toEqual({
    prepare_workspace: 'skip',
    generate_keys: 'skip',
    render_config: 'run',
    start_cluster: 'run',
    install_addons: 'skip',
  });
  expect(readState(dir).phases.render_config?.inputs_hash).toBeDefined();
  // Same inputs again: nothing runs.
  expect(Object.values(await run()).every((d) => d === 'skip')).toBe(true);
});

test('enabling the optional phase runs it; disabling it again records it as skipped', async () => {
  const enabled = await runCli(['run', '--pipeline', pipeline, '--enable', 'install_addons', '--json'], {
    cwd: dir,
  });
  expect(runOutcomes(enabled.stdout).at(-1)).toMatchObject({
    phase: 'install_addons',
    decision: 'run',
    reason: 'enabled again after being skipped',
  });
  await run();
  expect(readState(dir).phases.install_addons?.status).toBe('skipped');
});
