/**
 * Runner tool installation with the real @actions/tool-cache and @actions/cache: a download from a
 * loopback server, the runner's tool cache on the second call, a binary found inside a tarball, and
 * on a fresh runner of a later run the Actions cache (the emulator's CacheService over Azurite)
 * instead of a second download.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startActionsEmulator, type ActionsEmulator } from '../support/actions-emulator/index.js';
import { downloadUrl, installTool, platformOf } from '../../src/tools/tool-install.js';

let root: string;
let gh: ActionsEmulator;
let server: Server;
let base: string;
const served: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'k0rdent-tools-'));
  const { os, arch } = platformOf();
  const files = new Map<string, Buffer>();
  files.set(`/k0sctl/v0.30.1/k0sctl-${os}-${arch}`, Buffer.from('#!/bin/sh\necho k0sctl v0.30.1\n'));
  const pack = join(root, 'pack', `${os}-${arch}`);
  mkdirSync(pack, { recursive: true });
  writeFileSync(join(pack, 'helm'), '#!/bin/sh\necho helm v3.18.4\n', { mode: 0o755 });
  execFileSync('tar', ['czf', join(root, 'helm.tgz'), '-C', join(root, 'pack'), `${os}-${arch}`]);
  files.set(`/helm/helm-v3.18.4-${os}-${arch}.tar.gz`, readFileSync(join(root, 'helm.tgz')));
  server = createServer((request, response) => {
    served.push(request.url ?? '');
    const body = files.get(request.url ?? '');
    response.writeHead(body ? 200 : 404);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gh = await startActionsEmulator();
  // The clients report on stdout (progress, and their own ::warning:: lines); keep it for the asserts.
  process.stdout.write = (chunk: string | Uint8Array) => {
    printed.push(chunk.toString());
    return true;
  };
  freshRunner({ runId: 1 });
});

afterAll(async () => {
  process.stdout.write = restoreStdout;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await gh.stop();
  rmSync(root, { recursive: true, force: true });
});

const restoreStdout = process.stdout.write.bind(process.stdout);
const printed: string[] = [];
const saved = { ...process.env };

/** A new runner machine: empty tool cache and temp folder (same paths, as on hosted runners). */
function freshRunner(options: { runId: number; cacheService?: boolean }): void {
  process.env = { ...saved, ...gh.runnerEnv({ runId: options.runId, job: 'cluster' }) };
  if (options.cacheService === false) delete process.env.ACTIONS_RESULTS_URL;
  process.env.RUNNER_TOOL_CACHE = join(root, 'toolcache');
  process.env.RUNNER_TEMP = join(root, 'temp');
  process.env.GITHUB_WORKSPACE = join(root, 'workspace');
  for (const dir of ['toolcache', 'temp', 'workspace']) {
    rmSync(join(root, dir), { recursive: true, force: true });
    mkdirSync(join(root, dir));
  }
}

test('the URL template is filled with version, os and arch', () => {
  const { os, arch } = platformOf();
  expect(
    downloadUrl({
      name: 'k0sctl',
      version: 'v0.30.1',
      urlTemplate: 'https://x/v{version}/k0sctl-{os}-{arch}',
    }),
  ).toBe(`https://x/v0.30.1/k0sctl-${os}-${arch}`);
});

const k0sctl = () => ({
  name: 'k0sctl' as const,
  version: '0.30.1',
  urlTemplate: `${base}/k0sctl/v{version}/k0sctl-{os}-{arch}`,
});
const downloads = () => served.filter((url) => url.startsWith('/k0sctl')).length;

test('k0sctl is downloaded once and saved to the Actions cache, then found in the tool cache', async () => {
  const first = await installTool(k0sctl());
  expect(first.source).toBe('download');
  expect(execFileSync(join(first.dir, 'k0sctl')).toString()).toBe('k0sctl v0.30.1\n');
  const entries = gh.cacheEntries();
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({
    finalized: true,
    key: expect.stringMatching(/^k0rdent-deploy-tool-k0sctl-0\.30\.1-/),
  });

  const second = await installTool(k0sctl());
  expect(second).toEqual({ dir: first.dir, source: 'tool-cache' });
  expect(downloads()).toBe(1);
});

test('a fresh runner of a later run restores k0sctl from the Actions cache, not the network', async () => {
  freshRunner({ runId: 2 });
  const warnings: string[] = [];
  const restored = await installTool(k0sctl(), (message) => warnings.push(message));
  expect(warnings).toEqual([]);
  expect(restored.source).toBe('actions-cache');
  expect(execFileSync(join(restored.dir, 'k0sctl')).toString()).toBe('k0sctl v0.30.1\n');
  expect(downloads()).toBe(1);
  expect(gh.requests.count({ service: 'twirp', operation: 'GetCacheEntryDownloadURL' })).toBe(2);
  expect(gh.cacheEntries()).toHaveLength(1); // nothing saved again
});

test('a cache service that refuses is a runner warning; the tool is downloaded', async () => {
  freshRunner({ runId: 3 });
  gh.failNext({ service: 'twirp', operation: 'GetCacheEntryDownloadURL', status: 403, times: 1 });
  const warnings: string[] = [];
  const installed = await installTool(k0sctl(), (message) => warnings.push(message));
  expect(installed.source).toBe('download');
  // @actions/cache turns a failed restore into its own runner warning and a miss.
  expect(printed.join('')).toMatch(/::warning::Failed to restore: .*403/);
  expect(warnings).toEqual([]);
  expect(downloads()).toBe(2);
});

test('without a cache service (self-hosted, no results URL) the tool is downloaded', async () => {
  freshRunner({ runId: 4, cacheService: false });
  const before = gh.requests.count({ service: 'twirp' });
  const installed = await installTool(k0sctl());
  expect(installed.source).toBe('download');
  expect(gh.requests.count({ service: 'twirp' })).toBe(before);
});

test('helm comes out of its tarball', async () => {
  const installed = await installTool({
    name: 'helm',
    version: '3.18.4',
    urlTemplate: `${base}/helm/helm-v{version}-{os}-{arch}.tar.gz`,
  });
  expect(execFileSync(join(installed.dir, 'helm')).toString()).toBe('helm v3.18.4\n');
});

test('a version that does not exist fails with the download error', async () => {
  await expect(
    installTool({
      name: 'k0sctl',
      version: '9.9.9',
      urlTemplate: `${base}/k0sctl/v{version}/k0sctl-{os}-{arch}`,
    }),
  ).rejects.toThrow(/404/);
});
