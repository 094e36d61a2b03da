/**
 * Out-of-process trust: a child Node process (the CLI or an action bundle in later tests) reaches the
 * fake through NODE_EXTRA_CA_CERTS alone, with no TLS options in its code.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFakeArm, type FakeArm } from './fake-arm/index.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

// Bare specifiers in --eval code resolve from the working directory, i.e. this repo's node_modules.
const CHILD = `
import { ResourceManagementClient } from '@azure/arm-resources';
const credential = { getToken: async () => ({ token: 'child-token', expiresOnTimestamp: Date.now() + 3600000 }) };
const client = new ResourceManagementClient(credential, process.env.FAKE_ARM_SUBSCRIPTION, {
  endpoint: process.env.FAKE_ARM_ENDPOINT,
  retryOptions: { maxRetries: 0 },
});
const group = await client.resourceGroups.createOrUpdate('from-child', { location: 'westus2' });
process.stdout.write(JSON.stringify({ name: group.name, node: process.versions.node }));
`;

let arm: FakeArm;

beforeAll(async () => {
  arm = await startFakeArm();
});

afterAll(async () => {
  await arm.stop();
});

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is not something the child should inherit.
  const { NODE_OPTIONS: _ignored, NODE_EXTRA_CA_CERTS: _alsoIgnored, ...rest } = process.env;
  return { ...rest, FAKE_ARM_ENDPOINT: arm.endpoint, FAKE_ARM_SUBSCRIPTION: arm.subscriptionId, ...extra };
}

test('a child process trusts the fake through NODE_EXTRA_CA_CERTS', async () => {
  const { stdout } = await run(process.execPath, ['--input-type=module', '--eval', CHILD], {
    cwd: repoRoot,
    env: childEnv({ NODE_EXTRA_CA_CERTS: arm.caCertPath }),
    timeout: 30_000,
  });
  const result = JSON.parse(stdout) as { name: string; node: string };
  expect(result.name).toBe('from-child');
  expect(Number(result.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  expect(arm.resources().map((resource) => resource.name)).toEqual(['from-child']);
});

test('without NODE_EXTRA_CA_CERTS the same child is refused by TLS verification', async () => {
  const failure = await run(process.execPath, ['--input-type=module', '--eval', CHILD], {
    cwd: repoRoot,
    env: childEnv({}),
    timeout: 30_000,
  }).then(
    () => undefined,
    (error: unknown) => error as { code?: unknown; stderr?: unknown },
  );
  expect(failure?.code).toBe(1);
  expect(String(failure?.stderr)).toMatch(/self[- ]signed certificate/i);
});
