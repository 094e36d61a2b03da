/**
 * The environment fails, not the input: a reader that closes the pipe, a full or read-only file
 * system, a path that cannot be a directory. Output ends quietly, a run still records its phase and
 * releases its lock, and file system failures get exit code 4 with the path and what to do.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { bundleDir, cleanEnv, cliPath, collect, runCli, scratchDir } from '../support/cli.js';
import { EXAMPLE_PIPELINE, examplePipelineCopy } from '../support/pipelines.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = scratchDir()));
afterEach(() => cleanup());

/** Runs the CLI with its standard output closed by the reader before anything is written. */
async function withClosedStdout(args: string[]) {
  const child = spawn(process.execPath, [cliPath(), ...args], {
    cwd: dir,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout.destroy();
  return collect(child, 30_000);
}

test('status, plan and config show end quietly when the reader closes the pipe', async () => {
  expect((await runCli(['run', '--pipeline', EXAMPLE_PIPELINE], { cwd: dir })).code).toBe(0);
  mkdirSync(join(dir, 'config'));
  copyFileSync('config/k0rdent-default.yaml', join(dir, 'config/k0rdent-default.yaml'));
  for (const args of [
    ['status'],
    ['plan'],
    ['history'],
    ['config', 'show', '--config', 'config/k0rdent-default.yaml'],
  ]) {
    const result = await withClosedStdout(args);
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
  }
});

test('run | head: the run stops, records the phase it was running, and releases the lock', async () => {
  writeFileSync(
    join(dir, 'pipeline.yml'),
    'deployment: piped\nphases:\n  - name: chatty\n    run: for i in $(seq 1 200); do echo "line $i"; sleep 0.05; done\n',
  );
  const started = performance.now();
  const piped = spawnSync(
    'bash',
    ['-c', `"$0" "$1" run --pipeline pipeline.yml | head -3`, process.execPath, cliPath()],
    {
      cwd: dir,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  // The phase alone would take 10 s: it was stopped when the pipe closed.
  expect(performance.now() - started).toBeLessThan(8_000);
  expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(3);
  expect(piped.stderr).toContain(
    'standard output was closed (the reader of the pipe exited): stopping the running phase',
  );
  expect(piped.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(dir, 'state/.lock'))).toBe(false);
  const status = await runCli(['status', '--json'], { cwd: dir });
  const chatty = (JSON.parse(status.stdout) as { phases: Record<string, { status: string; reason: string }> })
    .phases.chatty;
  expect(chatty).toMatchObject({
    status: 'failed',
    reason: expect.stringMatching(/^failed \(transient\): cancelled while running/),
  });
});

test('paths that cannot be what the state needs: exit 4, naming the path and what to do', async () => {
  writeFileSync(join(dir, 'occupied'), 'a file, not a directory');
  const under = await runCli(['--state-dir', 'occupied/state', 'run', '--pipeline', EXAMPLE_PIPELINE], {
    cwd: dir,
  });
  expect(under.code).toBe(4);
  expect(under.stderr).toMatch(
    /^error: cannot use occupied\/state(\/[\w.-]+)? \(\w+\): a part of that path is a file, not a directory \(ENOTDIR\)\. Move that file aside, or use another path\./,
  );
  expect((await runCli(['run', '--pipeline', EXAMPLE_PIPELINE], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, 'state/old_deployments'), 'a file where the archives go');
  const reset = await runCli(['reset', '--from', 'prepare_workspace'], { cwd: dir });
  expect(reset.code).toBe(4);
  expect(reset.stderr).toContain(
    'error: cannot use state/old_deployments (mkdir): it exists and is not a directory (EEXIST). Look at what it is, move it aside, and run again.',
  );
});

/** Root can run the CLI as `nobody`, for whom root's private state directory is out of bounds. */
const canDropRoot =
  process.getuid?.() === 0 &&
  spawnSync('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', 'true']).status === 0;

(canDropRoot ? test : test.skip)(
  'a state directory this user may not use: exit 4 naming it, and nothing changed (root, run as nobody)',
  async () => {
    const pipeline = examplePipelineCopy(dir, () => undefined);
    expect(
      (await runCli(['run', '--pipeline', pipeline, '--until', 'generate_keys'], { cwd: dir })).code,
    ).toBe(0);
    const stateFile = join(dir, 'state/deployment-state.yaml');
    const before = readFileSync(stateFile, 'utf8');
    // nobody may enter the scratch directory and read the bundle, but not the state (mode 700).
    chmodSync(dir, 0o755);
    cpSync(bundleDir(), join(dir, 'bundle'), { recursive: true });
    const result = spawnSync(
      'setpriv',
      [
        ...['--reuid', '65534', '--regid', '65534', '--clear-groups'],
        ...[process.execPath, join(dir, 'bundle/cli.js'), 'run', '--pipeline', pipeline],
      ],
      { cwd: dir, env: cleanEnv(), encoding: 'utf8', timeout: 30_000 },
    );
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(
      /^error: cannot use state\/[\w.-]+ \(\w+\): permission denied \(EACCES\)\. Give this user access to it \(or point --state-dir/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(stateFile, 'utf8')).toBe(before);
  },
);

test('a run refused by the lock (exit 3) or killed leaves no shim directory or watchdog register behind', async () => {
  expect((await runCli(['run', '--pipeline', EXAMPLE_PIPELINE], { cwd: dir })).code).toBe(0);
  // The CLI's own temporary directory, so that other processes' shims do not count.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  const env = { TMPDIR: tmp };
  const shims = () => readdirSync(tmp).filter((name) => name.startsWith('k0rdent-deploy-bin-'));
  const registers = () => readdirSync(tmp).filter((name) => name.startsWith('k0rdent-deploy-watch-'));
  writeFileSync(
    join(dir, 'state/.lock'),
    JSON.stringify({ pid: 1, host: 'elsewhere', started_at: 'x', command: 'run', token: 'ab'.repeat(16) }),
  );
  const refused = await runCli(['run'], { cwd: dir, env });
  expect(refused.code).toBe(3);
  expect(shims()).toEqual([]);
  expect(registers()).toEqual([]);
  // One left by a killed process (its pid is gone) is removed by the next run that makes one.
  const dead = spawnSync('true').pid;
  mkdirSync(join(tmp, `k0rdent-deploy-bin-${dead}-AbCdEf`));
  // The watchdog's register is removed as soon as it is opened; one is left only by a process
  // killed in between, and removed by the next run that starts a watchdog.
  writeFileSync(join(tmp, `k0rdent-deploy-watch-${dead}-0123456789abcdef`), '');
  const live = `k0rdent-deploy-watch-${process.pid}-0123456789abcdef`;
  writeFileSync(join(tmp, live), '');
  rmSync(join(dir, 'state/.lock'));
  expect((await runCli(['run', '--force', '--only', 'generate_keys'], { cwd: dir, env })).code).toBe(0);
  expect(shims()).toEqual([]);
  expect(registers()).toEqual([live]);
});

/** Root can mount a small tmpfs in a mount namespace of the CLI's own; it vanishes with it. */
const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

/** Runs the CLI in a private mount namespace, the state directory a tmpfs prepared by `prepare`. */
function runOnTmpfs(args: string[], prepare: string) {
  const out = join(dir, 'out');
  mkdirSync(join(out, 'state'), { recursive: true });
  const script = [
    'set -e',
    'mount -t tmpfs -o size=64k,mode=700 tmpfs state',
    'cp -a seed/. state/',
    prepare,
    'set +e',
    '"$0" "$@" > out/stdout 2> out/stderr; echo $? > out/code',
    'rm -f state/filler*; mount -o remount,rw state 2>/dev/null; cp -a state/. out/state/',
  ].join('\n');
  const result = spawnSync('unshare', ['-m', 'sh', '-c', script, process.execPath, cliPath(), ...args], {
    cwd: dir,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`namespace setup failed: ${result.stderr}`);
  return {
    code: Number(readFileSync(join(out, 'code'), 'utf8')),
    stderr: readFileSync(join(out, 'stderr'), 'utf8'),
    files: (name: string) => readFileSync(join(out, 'state', name), 'utf8'),
    names: () => readdirSync(join(out, 'state')),
  };
}

(canMount ? describe : describe.skip)(
  'a full or read-only state file system (root, in a mount namespace)',
  () => {
    let seedState: string;
    beforeEach(async () => {
      expect(
        (await runCli(['run', '--pipeline', EXAMPLE_PIPELINE, '--until', 'generate_keys'], { cwd: dir }))
          .code,
      ).toBe(0);
      spawnSync('mv', [join(dir, 'state'), join(dir, 'seed')]);
      mkdirSync(join(dir, 'state'));
      seedState = readFileSync(join(dir, 'seed/deployment-state.yaml'), 'utf8');
    });

    test('a full disk: exit 4 naming the file, the state as it was, no temp file left', () => {
      // One page left: the lock fits, the first commit does not.
      const full = runOnTmpfs(
        ['run'],
        'dd if=/dev/zero of=state/filler1 bs=4k count=1 2>/dev/null; dd if=/dev/zero of=state/filler bs=4k count=64 2>/dev/null || true; rm state/filler1',
      );
      expect(full.code).toBe(4);
      expect(full.stderr).toMatch(
        /error: cannot use state\/deployment-state\.(journal|yaml) \(write\w*\): no space is left on its device \(ENOSPC\)\. Free space there/,
      );
      expect(full.stderr).not.toMatch(/\n\s+at /);
      expect(full.files('deployment-state.yaml')).toBe(seedState);
      expect(full.names().filter((name) => name.includes('.tmp') || name === '.lock')).toEqual([]);
    });

    test('a read-only file system: exit 4 naming the lock it could not take', () => {
      const readOnly = runOnTmpfs(['run'], 'mount -o remount,ro state');
      expect(readOnly.code).toBe(4);
      expect(readOnly.stderr).toContain(
        'error: cannot use state/.lock (open): the file system is read-only (EROFS).',
      );
      expect(readOnly.files('deployment-state.yaml')).toBe(seedState);
    });
  },
);
