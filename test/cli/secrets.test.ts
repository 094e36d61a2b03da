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

test('state rekey re-encrypts snapshot files under the new key, and refuses a wrong one without touching the file', async () => {
  const { createHash } = await import('node:crypto');
  const { writeFileSync } = await import('node:fs');
  const { createDocument } = await import('../../src/state/document.js');
  const { decodeSnapshot, encodeSnapshot, keyedCodecs } =
    await import('../../src/stores/artifact-snapshot.js');
  const { StateKey } = await import('../../src/stores/encryption.js');
  const { dir, cleanup } = scratchDir();
  try {
    const run = { run_id: '1', attempt: 1, job: 'j', actor: 'a' };
    const doc = createDocument(
      { deploymentId: 'demo', phases: ['one'] },
      { hlc: '2026-01-01T00:00:00.000Z#000000@n', at: '2026-01-01T00:00:00.000Z', run },
    );
    const secret = Buffer.from('PrivateKey = aW5zZWN1cmUtYnV0LWxvbmctZW5vdWdo');
    const carried = {
      name: 'hub_key',
      path: 'state/hub.key',
      sha256: createHash('sha256').update(secret).digest('hex'),
      sensitive: true,
      bytes: secret,
    };
    const oldSecret = 'old repository secret for tests';
    const newSecret = 'new repository secret for tests';
    const file = join(dir, 'snapshot.yaml');
    const writer = { run_id: '1', attempt: 1, job: 'j', lane: 'abcdef12' };
    writeFileSync(
      file,
      encodeSnapshot(
        doc,
        [carried],
        writer,
        keyedCodecs('demo', { current: StateKey.fromSecret(oldSecret) }),
      ),
    );
    const before = readFileSync(file, 'utf8');

    const wrong = await runCli(['state', 'rekey', 'snapshot.yaml'], {
      cwd: dir,
      env: { K0RDENT_STATE_KEY: 'a completely unrelated secret' },
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /snapshot\.yaml was written with state-key id [0-9a-f]{16}, but the configured keys are/,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);

    const rekey = await runCli(['state', 'rekey', 'snapshot.yaml'], {
      cwd: dir,
      env: { K0RDENT_STATE_KEY: newSecret, K0RDENT_PREVIOUS_STATE_KEY: oldSecret },
    });
    expect(rekey.code).toBe(0);
    const newKey = StateKey.fromSecret(newSecret);
    expect(rekey.stdout).toContain(
      `snapshot.yaml: re-encrypted under state-key id ${newKey.id} (1 sensitive file(s))`,
    );
    const back = decodeSnapshot(
      readFileSync(file, 'utf8'),
      'f',
      'demo',
      keyedCodecs('demo', { current: newKey }),
    );
    expect(back.files.get('hub_key')?.bytes.equals(secret)).toBe(true);
    expect(rekey.stdout + rekey.stderr).not.toContain(newSecret);
  } finally {
    cleanup();
  }
});
