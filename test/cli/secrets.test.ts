/** A secret a phase records as sensitive never reaches the CLI's output, even when a script prints it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli.js';
import { examplePipelineCopy } from '../support/pipelines.js';

test('a sensitive artifact printed by a later phase, or in its failure, is masked', async () => {
  const { dir, cleanup } = scratchDir();
  try {
    const pipeline = examplePipelineCopy(dir, (phases) => {
      phases.find((p) => p.name === 'render_config')!.run +=
        '\necho "the key is $(cat scratch/local-demo/keys/hub.key)"';
      phases.find((p) => p.name === 'start_cluster')!.run = 'cat scratch/local-demo/keys/hub.key >&2; exit 1';
    });
    const result = await runCli(['run', '--pipeline', pipeline], { cwd: dir });
    expect(result.code).toBe(1);
    const key = readFileSync(join(dir, 'scratch/local-demo/keys/hub.key'), 'utf8').trim();
    expect(key.length).toBeGreaterThan(20);
    const everything = result.stdout + result.stderr;
    expect(everything).not.toContain(key);
    expect(everything).toContain('the key is ***');
    // Nor does it reach the state: the failure's output tail is recorded as the phase's error.
    const state = readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8');
    expect(state).toContain('start_cluster');
    expect(state).not.toContain(key);
    const status = await runCli(['status'], { cwd: dir });
    expect(status.stdout + status.stderr).not.toContain(key);
  } finally {
    cleanup();
  }
});
