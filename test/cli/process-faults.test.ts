/**
 * A phase's processes never outlive the run that started them, and a run never writes over a state
 * whose lock it lost. Phase scripts run in process groups of their own (so cancelling ends all a
 * script started); these tests kill the CLI the ways a lost terminal or runner does and look at
 * what is left.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, cliPath, collect, runCli, scratchDir, startCli, killGroup } from '../support/cli.js';
import { groupAlive, signal } from '../support/signals.js';
import { waitFor } from '../support/wait.js';

/**
 * `hold` records its process group (its bash is the group leader) and notes any earlier attempt's
 * group still alive, then waits for a `release-hold` file; `quick` the same for `release-quick`.
 * Every wait is bounded (30 s).
 */
const PIPELINE = `deployment: faults
phases:
${['hold', 'quick']
  .map(
    (name) => `  - name: ${name}
    run: |
      n=0
      for f in ${name}.*.pgid; do
        [ -e "$f" ] || continue
        n=$((n + 1))
        if kill -0 -- "-$(cat "$f")" 2>/dev/null; then echo "$f still running" >> overlaps.log; fi
      done
      echo $$ > ${name}.$n.pgid
      i=0; while [ ! -e release-${name} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done
`,
  )
  .join('')}`;

let dir: string;
let cleanup: () => void;
const stray: number[] = [];
beforeEach(() => {
  ({ dir, cleanup } = scratchDir());
  writeFileSync(join(dir, 'pipeline.yml'), PIPELINE);
});
afterEach(() => {
  for (const pid of stray.splice(0)) signal(pid, 'SIGKILL');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.pgid'))) {
    signal(-Number(readFileSync(join(dir, file), 'utf8')), 'SIGKILL');
  }
  cleanup();
});

async function startHolding({ listedInLock = false } = {}) {
  const phase = 'hold';
  const child = startCli(['run', '--pipeline', 'pipeline.yml', '--only', phase], { cwd: dir });
  const done = collect(child, 60_000);
  const marker = join(dir, `${phase}.0.pgid`);
  await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', `${phase} to start`);
  // Beside the lock, its group is listed as soon as it runs (written beside the spawn, not awaited).
  if (listedInLock) {
    await waitFor(() => existsSync(join(dir, 'state/.lock.processes')), 'the lock to list it');
  }
  return { child, done, pgid: Number(readFileSync(marker, 'utf8')) };
}

/** The CLI's watchdog: its child `/bin/sh -c` in a session of its own. */
function watchdogOf(cli: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (ppid === cli && cmdline[0] === '/bin/sh' && cmdline[1] === '-c') return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no watchdog under pid ${cli}`);
}

test.each([
  ['the CLI alone', (child: { pid?: number }) => signal(child.pid!, 'SIGKILL')],
  ['the CLI and its process group', (child: Parameters<typeof killGroup>[0]) => killGroup(child, 'SIGKILL')],
])('SIGKILL of %s ends the running phase too', async (_what, kill) => {
  // Once the group is listed, the watchdog has been told too (a kill before that: the next test).
  const { child, done, pgid } = await startHolding({ listedInLock: true });
  expect(groupAlive(pgid)).toBe(true);
  kill(child);
  expect((await done).signal).toBe('SIGKILL');
  await waitFor(() => !groupAlive(pgid), 'the phase to end with the CLI', 20_000);
});

/** Processes working in `cwd` (a phase's script and what it started; the CLI's watchdog too, briefly). */
function processesIn(cwd: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readlinkSync(`/proc/${entry}/cwd`) === cwd;
      } catch {
        return false; // Gone meanwhile, or not ours to look at.
      }
    })
    .map(Number);
}

/** Root can mount a small tmpfs in a mount namespace of the CLI's own; it vanishes with it. */
const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;

(canMount ? test : test.skip)(
  'with its temporary directory full, SIGKILL of the CLI still ends the running phase (the register goes down the pipe)',
  async () => {
    // 16 pages, 15 filled before the run: the CLI's shim takes the last one, so the watchdog's
    // register file is made but its first write fails (ENOSPC).
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const script = [
      'set -e',
      'mount -t tmpfs -o size=64k,mode=700 tmpfs "$TMPDIR"',
      'dd if=/dev/zero of="$TMPDIR/filler" bs=4k count=15 2>/dev/null',
      'exec "$0" "$@"',
    ].join('\n');
    const child = spawn(
      'unshare',
      [
        '-m',
        'sh',
        '-c',
        script,
        process.execPath,
        cliPath(),
        'run',
        '--pipeline',
        'pipeline.yml',
        '--only',
        'hold',
      ],
      { cwd: dir, env: cleanEnv({ TMPDIR: tmp }), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    const done = collect(child, 60_000);
    const marker = join(dir, 'hold.0.pgid');
    await waitFor(() => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', 'hold to start');
    const pgid = Number(readFileSync(marker, 'utf8'));
    // The run is the CLI itself (unshare and sh exec into it), its watchdog already told.
    await waitFor(() => existsSync(join(dir, 'state/.lock.processes')), 'the lock to list the phase');
    signal(child.pid!, 'SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    await waitFor(() => !groupAlive(pgid), 'the phase to end with the CLI', 20_000);
  },
);

test('SIGKILL between spawning a phase and registering its group still ends the phase', async () => {
  // The failpoint kills the CLI right after the spawn, before the watchdog hears of the group: only
  // the announcement the command carries in its environment leads the watchdog to it.
  const killed = await runCli(['run', '--pipeline', 'pipeline.yml', '--only', 'hold'], {
    cwd: dir,
    env: { K0RDENT_FAILPOINTS: 'spawn:before-track' },
  });
  expect(killed.signal).toBe('SIGKILL');
  // Without the watchdog the phase would wait 30 s for release-hold, here well past this bound.
  await waitFor(() => processesIn(dir).length === 0, 'the phase to end with the CLI', 20_000);
});

test("a run that takes over a dead run's lock ends its phase before running that phase again", async () => {
  const first = await startHolding({ listedInLock: true });
  // The watchdog is stopped too (as by a `kill -STOP -1`, or an OOM kill of both): only the lock is left.
  const watchdog = watchdogOf(first.child.pid!);
  stray.push(watchdog);
  signal(watchdog, 'SIGSTOP');
  signal(first.child.pid!, 'SIGKILL');
  await first.done;
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(groupAlive(first.pgid)).toBe(true);

  const second = startCli(['run', '--pipeline', 'pipeline.yml', '--only', 'hold'], { cwd: dir });
  const done = collect(second, 60_000);
  await waitFor(() => existsSync(join(dir, 'hold.1.pgid')), 'the second attempt to start');
  writeFileSync(join(dir, 'release-hold'), '');
  const result = await done;
  expect(result.code).toBe(0);
  expect(result.stderr).toMatch(/took over a stale lock .*; ended 1 process group\(s\) it had left running/);
  expect(groupAlive(first.pgid)).toBe(false);
  expect(existsSync(join(dir, 'overlaps.log'))).toBe(false);
});

test('a run whose lock was taken (its state directory deleted meanwhile) stops without writing', async () => {
  // Once the holder has listed its phase beside the lock: no write of its own races the removal.
  const first = await startHolding({ listedInLock: true });
  rmSync(join(dir, 'state'), { recursive: true });
  // A second run finds no lock, takes a new one and works while the first one's phase still runs.
  const second = startCli(['run', '--pipeline', 'pipeline.yml', '--only', 'quick'], { cwd: dir });
  const secondDone = collect(second, 60_000);
  await waitFor(() => existsSync(join(dir, 'quick.0.pgid')), 'the second run to start quick');
  writeFileSync(join(dir, 'release-hold'), '');
  const stopped = await first.done;
  expect(stopped.code).toBe(3);
  expect(stopped.stderr).toContain(
    `lost the lock on local state directory state while running: it is now held by pid ${second.pid} on host`,
  );
  expect(stopped.stderr).toContain('This run stopped without writing anything more');
  writeFileSync(join(dir, 'release-quick'), '');
  expect((await secondDone).code).toBe(0);
  const status = await runCli(['status', '--json'], { cwd: dir });
  const phases = (JSON.parse(status.stdout) as { phases: Record<string, { status: string }> }).phases;
  // The first run's phase finished after its lock was gone: it recorded nothing in the new state.
  expect(phases.hold?.status).toBe('pending');
  expect(phases.quick?.status).toBe('completed');
});

test('a run whose state directory was deleted under it stops at its next commit, and recreates nothing', async () => {
  // Once the holder has listed its phase beside the lock: no write of its own races the removal.
  const first = await startHolding({ listedInLock: true });
  rmSync(join(dir, 'state'), { recursive: true });
  writeFileSync(join(dir, 'release-hold'), '');
  const stopped = await first.done;
  expect(stopped.code).toBe(3);
  expect(stopped.stderr).toMatch(
    /lost the lock .*state\/\.lock was removed \(was the state directory deleted or moved\?\)/,
  );
  expect(existsSync(join(dir, 'state'))).toBe(false);
});
