/**
 * Runner tool installation with the real @actions/tool-cache: a download from a loopback server, the
 * runner's tool cache on the second call, a binary found inside a tarball. (No Actions cache service
 * runs here, so the cache step is skipped as it is on a runner without one.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadUrl, installTool, platformOf } from '../../src/tools/tool-install.js';

let root: string;
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
  process.env.RUNNER_TOOL_CACHE = join(root, 'toolcache');
  process.env.RUNNER_TEMP = join(root, 'temp');
  delete process.env.ACTIONS_CACHE_URL;
  delete process.env.ACTIONS_RESULTS_URL;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

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

test('k0sctl is downloaded once, then found in the tool cache', async () => {
  const spec = {
    name: 'k0sctl' as const,
    version: '0.30.1',
    urlTemplate: `${base}/k0sctl/v{version}/k0sctl-{os}-{arch}`,
  };
  const first = await installTool(spec);
  expect(first.source).toBe('download');
  expect(execFileSync(join(first.dir, 'k0sctl')).toString()).toBe('k0sctl v0.30.1\n');
  const second = await installTool(spec);
  expect(second).toEqual({ dir: first.dir, source: 'tool-cache' });
  expect(served.filter((url) => url.startsWith('/k0sctl'))).toHaveLength(1);
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
