/**
 * `::add-mask::` hands a secret over from any script: run, validate and rollback alike. Validators'
 * output is not streamed and a failing undo's output is kept as its error, so both must be masked
 * before their last lines become evidence, errors, events, archives or JSON.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, scratchDir } from '../support/cli.js';

const PIPELINE = `deployment: masks
phases:
  - name: make
    run: touch made
    validate: |
      echo "::add-mask::$(cat token.txt)"
      echo "checking with token $(cat token.txt)"
      test -f made
    rollback: |
      echo "::add-mask::$(cat token.txt)"
      echo "undo failed with token $(cat token.txt)" >&2
      exit 3
`;

function filesUnder(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

test('a secret masked by a validate or rollback script reaches no output, state, event or archive', async () => {
  const { dir, cleanup } = scratchDir();
  try {
    const token = `tok-${randomBytes(12).toString('hex')}`;
    writeFileSync(join(dir, 'token.txt'), token);
    writeFileSync(join(dir, 'pipeline.yml'), PIPELINE);
    const outputs: string[] = [];
    const cli = async (args: string[], code: number) => {
      const result = await runCli(args, { cwd: dir });
      outputs.push(result.stdout, result.stderr);
      expect(result.code).toBe(code);
      return result;
    };

    await cli(['run', '--pipeline', 'pipeline.yml'], 0);
    rmSync(join(dir, 'made'));
    await cli(['plan'], 0);
    const plan = await cli(['plan', '--json'], 0);
    expect(plan.stdout).toContain('validate exited 1: checking with token ***');
    const rerun = await cli(['run', '--json'], 0);
    expect(rerun.stdout).toContain('checking with token ***');
    const rollback = await cli(['rollback', '--to', 'make', '--force'], 1);
    expect(rollback.stdout + rollback.stderr).toContain('undo failed with token ***');
    const history = await cli(['history', '--json'], 0);
    expect(history.stdout).toContain('undo failed with token ***');
    await cli(['status', '--json'], 0);

    for (const output of outputs) expect(output).not.toContain(token);
    const stored = filesUnder(join(dir, 'state'));
    expect(stored).toContain('checking with token ***');
    expect(stored).not.toContain(token);
    expect(readdirSync(join(dir, 'state/old_deployments'))).toHaveLength(1);
  } finally {
    cleanup();
  }
});
