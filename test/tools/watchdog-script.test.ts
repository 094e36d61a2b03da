/**
 * The watchdog's script on its own: which groups it ends when its pipe closes, given the registers
 * it was handed through its file (descriptor 3) or down the pipe. The CLI-level tests
 * (test/cli/process-faults.test.ts) kill real runs; these pin the register's format and the
 * fallback to the pipe, which a run only takes when its temporary directory is full.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SPAWN_ENV, WATCHDOG_SCRIPT } from '../../src/tools/process-groups.js';
import { groupAlive as alive, signal } from '../support/signals.js';
import { waitFor } from '../support/wait.js';

const TOKEN = '0123456789abcdef';
const started: number[] = [];

afterEach(() => {
  for (const pgid of started.splice(0)) signal(-pgid, 'SIGKILL');
});

/** A process group of its own (a `sleep`, bounded at 60 s), as a phase's command would be. */
function group(env: Record<string, string> = {}): number {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore', env: { ...process.env, ...env } });
  const pgid = child.pid!;
  started.push(pgid);
  return pgid;
}

/** Starts the watchdog, its register file holding `fileText` (none when undefined). */
function watchdog(fileText?: string): { child: ChildProcess; exited: Promise<number | null> } {
  let reader: number | undefined;
  if (fileText !== undefined) {
    const path = join(tmpdir(), `watchdog-script-test-${process.pid}-${Math.random().toString(16).slice(2)}`);
    const writer = openSync(path, 'wx', 0o600);
    writeSync(writer, fileText, 0);
    closeSync(writer);
    reader = openSync(path, 'r');
    unlinkSync(path);
  }
  const child = spawn(
    '/bin/sh',
    ['-c', WATCHDOG_SCRIPT, 'test-watchdog', TOKEN, reader === undefined ? 'pipe' : 'file'],
    { stdio: ['pipe', 'ignore', 'ignore', ...(reader === undefined ? [] : [reader])] },
  );
  if (reader !== undefined) closeSync(reader);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

async function closeAndWait(dog: { child: ChildProcess; exited: Promise<number | null> }) {
  dog.child.stdin!.end();
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  expect(await Promise.race([dog.exited, timeout])).toBe(0);
}

test('the register in its file: the groups in it are ended when the pipe closes', async () => {
  const a = group();
  const b = group();
  const dog = watchdog(`+${a}\n.\n`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(alive(a)).toBe(true);
  await closeAndWait(dog);
  expect(alive(a)).toBe(false);
  expect(alive(b)).toBe(true);
});

test('bytes after the end mark (left by a longer register) are not read', async () => {
  const ended = group();
  const stale = group();
  await closeAndWait(watchdog(`+${ended}\n.\n+${stale}\n.\n`));
  expect(alive(ended)).toBe(false);
  expect(alive(stale)).toBe(true);
});

test('a register without its end mark ends nothing', async () => {
  const a = group();
  await closeAndWait(watchdog(`+${a}\n`));
  expect(alive(a)).toBe(true);
});

test('an empty register file (nothing started yet) ends nothing', async () => {
  const a = group();
  await closeAndWait(watchdog(''));
  expect(alive(a)).toBe(true);
});

test('down the pipe: the last whole register counts, a torn one after it does not', async () => {
  const first = group();
  const second = group();
  const dog = watchdog();
  dog.child.stdin!.write(`+${second}\n.\n+${first}\n.\n+${second}\n`);
  await closeAndWait(dog);
  expect(alive(first)).toBe(false);
  expect(alive(second)).toBe(true);
});

test('a register down the pipe wins over the file (the run fell back when its file filled up)', async () => {
  const inFile = group();
  const piped = group();
  const dog = watchdog(`+${inFile}\n.\n`);
  dog.child.stdin!.write(`+${piped}\n.\n`);
  await closeAndWait(dog);
  expect(alive(piped)).toBe(false);
  expect(alive(inFile)).toBe(true);
});

test('a command announced and never registered is found by its announcement', async () => {
  const announced = group({ [SPAWN_ENV]: `${TOKEN}-7` });
  const other = group({ [SPAWN_ENV]: `${TOKEN}-8` });
  // /proc/<pid>/environ is readable once the exec is done.
  await waitFor(() => {
    try {
      return readFileSync(`/proc/${announced}/environ`, 'utf8').includes(SPAWN_ENV);
    } catch {
      return false;
    }
  }, 'the announced command to start');
  await closeAndWait(watchdog(`?7\n.\n`));
  expect(alive(announced)).toBe(false);
  expect(alive(other)).toBe(true);
});

test('ids that are not numbers are ignored', async () => {
  const a = group();
  await closeAndWait(watchdog(`+-1\n+${a} 1\n+$(true)\n?x\n.\n`));
  expect(alive(a)).toBe(true);
});
