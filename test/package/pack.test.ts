/**
 * The npm package as a user gets it: `npm pack` of this repository, installed offline into a
 * temporary prefix (so it can have no dependency to fetch), run from a directory outside the clone
 * with Node 24 on PATH: `--version`, `status`, and the example pipeline it ships. Then what an older
 * Node.js meets: the advice of dist/older-node.js, for the installed package and for a clone before
 * and after `npm ci`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { cleanEnv, scratchDir } from '../support/cli.js';

const repo = process.cwd();
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  dependencies?: Record<string, string>;
};
const work = scratchDir('k0rdent-deploy-pack-');
const prefix = join(work.dir, 'prefix');
const installed = join(prefix, 'lib/node_modules/k0rdent-deploy');
const bin = join(prefix, 'bin/k0rdent-deploy');
let packed: { filename: string; files: { path: string }[] };

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--cache', join(work.dir, 'npm-cache')], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/** Runs the installed command the way a user's shell does: by its bin link, Node 24 first on PATH. */
function k0rdentDeploy(args: string[], cwd: string) {
  return spawnSync(bin, args, {
    cwd,
    encoding: 'utf8',
    env: cleanEnv({ PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` }),
    timeout: 60_000,
  });
}

beforeAll(() => {
  [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work.dir], repo)) as [typeof packed];
  npm(['install', '--global', '--offline', '--prefix', prefix, join(work.dir, packed.filename)], work.dir);
}, 240_000);

afterAll(() => work.cleanup());

test('the tarball holds the bundle, the licence and the example, and nothing of the sources', () => {
  const paths = packed.files.map((f) => f.path);
  for (const file of [
    'package.json',
    'README.md',
    'LICENSE',
    'dist/cli.js',
    'dist/older-node.js',
    'dist/index.js',
  ])
    expect(paths).toContain(file);
  expect(paths).toContain('examples/local/pipeline.yml');
  expect(paths.filter((p) => /^(src|test|bench|scripts|node_modules)\//.test(p))).toEqual([]);
});

test('the published manifest has no runtime dependencies and asks for Node 24', () => {
  const published = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(published.dependencies).toBeUndefined();
  expect(published.private).toBeUndefined();
  expect(published.engines).toEqual({ node: '>=24' });
  expect(published.bin).toEqual({ 'k0rdent-deploy': 'dist/cli.js' });
  expect(manifest.dependencies).toBeUndefined();
});

test('the installed command runs --version, status and the example pipeline from any directory', () => {
  const cwd = join(work.dir, 'elsewhere');
  mkdirSync(cwd);
  const version = k0rdentDeploy(['--version'], cwd);
  expect(version.stderr).toBe('');
  expect(version.stdout.trim()).toBe(manifest.version);

  const fresh = k0rdentDeploy(['status', '--pipeline', join(installed, 'examples/local/pipeline.yml')], cwd);
  expect(fresh.status).toBe(0);
  expect(fresh.stdout).toContain('No deployment state');

  const run = k0rdentDeploy(['run', '--pipeline', join(installed, 'examples/local/pipeline.yml')], cwd);
  expect({ code: run.status, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const status = k0rdentDeploy(['status', '--json'], cwd);
  expect(status.status).toBe(0);
  const phases = (JSON.parse(status.stdout) as { phases: Record<string, { status: string }> }).phases;
  expect(Object.entries(phases).map(([name, p]) => `${name}:${p.status}`)).toEqual([
    'prepare_workspace:completed',
    'generate_keys:completed',
    'render_config:completed',
    'start_cluster:completed',
    'install_addons:skipped',
  ]);
});

/** dist/older-node.js is what dist/cli.js runs on a Node older than 24; started directly here. */
function olderNode(dist: string) {
  return spawnSync(process.execPath, [join(dist, 'older-node.js'), '--version'], {
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 60_000,
  });
}

test('on an older Node the installed package says what to install', () => {
  const result = olderNode(join(installed, 'dist'));
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('k0rdent-deploy needs Node.js 24 or newer');
  expect(result.stderr).toContain('Install Node.js 24');
});

test('on an older Node a clone says to run npm ci first, and after npm ci runs under the pinned Node', () => {
  const clone = join(work.dir, 'clone');
  cpSync(join(installed, 'dist'), join(clone, 'dist'), { recursive: true });
  copyFileSync(join(repo, 'package-lock.json'), join(clone, 'package-lock.json'));
  const before = olderNode(join(clone, 'dist'));
  expect(before.status).toBe(2);
  expect(before.stderr).toContain(`run \`npm ci\` in ${clone}`);

  // What npm ci leaves behind: the pinned Node binary at node_modules/node/bin/node.
  mkdirSync(join(clone, 'node_modules/node/bin'), { recursive: true });
  symlinkSync(process.execPath, join(clone, 'node_modules/node/bin/node'));
  const after = olderNode(join(clone, 'dist'));
  expect({ code: after.status, stdout: after.stdout.trim(), stderr: after.stderr }).toEqual({
    code: 0,
    stdout: manifest.version,
    stderr: '',
  });
});

// The machine's own Node, when it is older than 24 (this repository's CI image has Node 20).
const systemNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
const systemMajor = systemNode.status === 0 ? Number(systemNode.stdout.split('.')[0]) : undefined;
(systemMajor !== undefined && systemMajor < 24 ? test : test.skip)(
  'the installed command, started by an older system Node, says what to install',
  () => {
    const result = spawnSync('/usr/bin/node', [join(installed, 'dist/cli.js'), 'status'], {
      encoding: 'utf8',
      env: cleanEnv(),
      timeout: 60_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`this is Node.js v${systemNode.stdout.trim()}`);
    expect(result.stderr).toContain('Install Node.js 24');
  },
);
