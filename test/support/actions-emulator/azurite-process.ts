/**
 * Runs a real Azurite blob service as a child process on a free loopback port, in-memory, and stops
 * it. Azurite needs Node >= 22; the child runs on `process.execPath`, which under `npm test`/`npx
 * jest` is the pinned Node 24 (pass `nodePath` otherwise).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, sleep } from './http-io.js';

export interface AzuriteOptions {
  readonly nodePath?: string;
  /** Upper bound for start-up (spawn to first HTTP answer), per attempt. */
  readonly startTimeoutMs?: number;
  /**
   * Serve HTTPS with this certificate and accept Entra ID bearer tokens (`--oauth basic`: Azurite
   * checks a token's issuer, audience and lifetime, and refuses bearer tokens over plain HTTP).
   */
  readonly oauth?: { readonly certPath: string; readonly keyPath: string; readonly certPem: string };
}

export interface AzuriteBlob {
  /** `http://127.0.0.1:<port>` (`https://` with `oauth`) */
  readonly origin: string;
  readonly port: number;
  stop(): Promise<void>;
}

const START_ATTEMPTS = 3; // a free port can be taken between our probe and Azurite's bind
const READY_POLL_MS = 50;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL_BYTES = 8 * 1024;

async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, LOOPBACK, resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) =>
    probe.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port from probe listener');
  return address.port;
}

function azuriteBlobMain(): string {
  // azurite has no "exports" map, so its bin script resolves as a plain subpath.
  return createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
}

/** Keeps the last few KB of the child's output for error messages. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) =>
        child.once('exit', () => {
          resolve();
        }),
      );
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    exited(child).then(() => true),
    new Promise<boolean>(
      (resolve) =>
        (timer = setTimeout(() => {
          resolve(false);
        }, ms)),
    ),
  ]);
  clearTimeout(timer);
  return done;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM'); // Azurite closes its server on SIGTERM
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, STOP_TIMEOUT_MS);
}

/** One request that gets any answer at all; over HTTPS trusting only Azurite's own certificate. */
async function answers(origin: string, ca: string | undefined): Promise<boolean> {
  const url = `${origin}/devstoreaccount1?comp=list`;
  if (ca === undefined) {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return true;
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, timeout: 1_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until Azurite answers HTTP at all (any status), bounded by attempts and time. */
async function waitUntilReady(
  origin: string,
  child: ChildProcess,
  timeoutMs: number,
  ca: string | undefined,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const maxPolls = Math.ceil(timeoutMs / READY_POLL_MS) + 1;
  for (let poll = 0; poll < maxPolls && Date.now() < deadline; poll++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      return await answers(origin, ca);
    } catch {
      await sleep(READY_POLL_MS);
    }
  }
  return false;
}

/** The parent's environment minus AZURITE_DB, whose mere presence switches Azurite to SQL metadata. */
function azuriteEnv(): NodeJS.ProcessEnv {
  const { AZURITE_DB: _ignored, ...env } = process.env;
  return env;
}

export async function startAzuriteBlob(options: AzuriteOptions = {}): Promise<AzuriteBlob> {
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const nodePath = options.nodePath ?? process.execPath;
  const main = azuriteBlobMain();
  const failures: string[] = [];
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freeLoopbackPort();
    // --inMemoryPersistence forbids --location, so the scratch directory is the child's cwd
    // (Azurite may still drop small files into its working directory).
    const cwd = await mkdtemp(join(tmpdir(), 'azurite-'));
    const child = spawn(
      nodePath,
      [
        main,
        '--blobHost',
        LOOPBACK,
        '--blobPort',
        String(port),
        '--inMemoryPersistence',
        '--extentMemoryLimit',
        '512',
        '--skipApiVersionCheck',
        '--disableTelemetry',
        '--disableProductStyleUrl', // account name always from the path, whatever the Host header
        '--loose',
        '--silent',
        ...(options.oauth
          ? ['--cert', options.oauth.certPath, '--key', options.oauth.keyPath, '--oauth', 'basic']
          : []),
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: azuriteEnv() },
    );
    // If the test process dies without calling stop(), do not leave Azurite behind.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const output = tail(child);
    const origin = `${options.oauth ? 'https' : 'http'}://${LOOPBACK}:${port}`;
    if (await waitUntilReady(origin, child, timeoutMs, options.oauth?.certPem)) {
      return {
        origin,
        port,
        stop: async () => {
          await stopChild(child);
          process.off('exit', killOnExit);
          await rm(cwd, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    process.off('exit', killOnExit);
    await rm(cwd, { recursive: true, force: true });
    failures.push(`attempt ${attempt} (port ${port}): ${output().trim() || 'no output'}`);
  }
  throw new Error(`Azurite did not start:\n${failures.join('\n')}`);
}
