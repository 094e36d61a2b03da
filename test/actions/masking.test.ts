/**
 * What prepare_deployment hands the runner to mask: the key material it generates (WireGuard and SSH
 * private keys, in the forms they can be printed), never the ordinary lines of the files that hold
 * them, which the runner would then mask everywhere in the job log.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { RunnerJob } from './support/runner.js';

let gh: ActionsEmulator;
let root: string;

beforeAll(async () => {
  gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  root = mkdtempSync(join(tmpdir(), 'actions-masking-'));
});

afterAll(async () => {
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

test('prepare_deployment masks key material only: no cloud-init or config line becomes ***', async () => {
  const job = new RunnerJob({ gh, runId: 8101, job: 'infrastructure', root });
  mkdirSync(join(job.workspace, 'config'));
  writeFileSync(
    join(job.workspace, 'config/k0rdent.yaml'),
    'cluster:\n  controllers:\n    count: 3\n  workers:\n    count: 2\nnetwork:\n  wireguard_port: 51820\n',
  );
  const result = await job.run('./actions/prepare-deployment', {
    config: 'config/k0rdent.yaml',
    'state-key': 'masking test state key 0123456789abcdef',
  });
  await job.end();
  expect(result.code).toBe(0);
  const masks = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length));
  // The state key; each WireGuard key (hub and 5 hosts) and its base64; the SSH key's PEM body lines
  // and its base64; each cloud-init's base64 (its private key is known already); and the signatures
  // of the artifact upload URLs, which @actions/artifact masks itself (URL-encoded).
  expect(masks.length).toBeGreaterThan(7);
  for (const value of masks) {
    expect([value, /^[A-Za-z0-9+/=_%-]{16,}$/.test(value) || value.includes(' state key ')]).toEqual([
      value,
      true,
    ]);
  }
  for (const ordinary of ['package_update: true', 'owner: root:root', 'wireguard-tools', 'k0s-controller-2'])
    expect(masks).not.toContain(ordinary);
});
