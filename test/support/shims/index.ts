/**
 * Recording shims on PATH for the external tools the built-in phases call (see shim.js): what each
 * call's arguments were, and failures on cue.
 */
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHIMMED = [
  'k0sctl',
  'helm',
  'kubectl',
  'wg-quick',
  'wg',
  'ping',
  'ssh',
  'apt-get',
  'sudo',
] as const;
export type ShimmedTool = (typeof SHIMMED)[number];

export interface ShimCall {
  readonly tool: string;
  readonly args: readonly string[];
}

export interface Shims {
  readonly binDir: string;
  readonly stateDir: string;
  /** Environment for the code under test: the shims first on PATH. */
  readonly env: Record<string, string>;
  calls(tool?: string): ShimCall[];
  clearCalls(): void;
  /** The next `times` calls of `tool` whose arguments contain `match` fail with `exit` and `stderr`. */
  failNext(
    tool: ShimmedTool,
    match: string,
    options?: { exit?: number; stderr?: string; times?: number },
  ): void;
  world(): {
    cluster: { nodes: string[] } | null;
    releases: Record<string, unknown>;
    tunnels: Record<string, string[]>;
  };
  /** Forgets the tunnel (as a new runner would not have it). */
  dropTunnels(): void;
  remove(tool: ShimmedTool): void;
  cleanup(): void;
}

const SCRIPT = fileURLToPath(new URL('./shim.js', import.meta.url));

export function createShims(tools: readonly ShimmedTool[] = SHIMMED): Shims {
  const root = mkdtempSync(join(tmpdir(), 'k0rdent-shims-'));
  const binDir = join(root, 'bin');
  const stateDir = join(root, 'state');
  mkdirSync(binDir);
  mkdirSync(stateDir);
  writeFileSync(join(stateDir, 'calls.jsonl'), '');
  for (const tool of tools) {
    const path = join(binDir, tool);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${SCRIPT}" ${tool} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const readWorld = () =>
    existsSync(join(stateDir, 'world.json'))
      ? (JSON.parse(readFileSync(join(stateDir, 'world.json'), 'utf8')) as ReturnType<Shims['world']>)
      : { cluster: null, releases: {}, tunnels: {} };
  return {
    binDir,
    stateDir,
    env: {
      PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}`,
      SHIM_STATE: stateDir,
      SHIM_INSTALL_DIR: binDir,
      SHIM_SCRIPT: SCRIPT,
    },
    calls(tool) {
      return readFileSync(join(stateDir, 'calls.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as ShimCall)
        .filter((call) => tool === undefined || call.tool === tool);
    },
    clearCalls() {
      writeFileSync(join(stateDir, 'calls.jsonl'), '');
    },
    failNext(tool, match, options = {}) {
      const file = join(stateDir, 'rules.json');
      const rules = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown[]) : [];
      rules.push({
        tool,
        match,
        exit: options.exit ?? 1,
        stderr: options.stderr ?? `${tool} failed on cue\n`,
        times: options.times ?? 1,
      });
      writeFileSync(file, JSON.stringify(rules));
    },
    world: readWorld,
    dropTunnels() {
      const world = readWorld() as ReturnType<Shims['world']> & { routes?: unknown };
      world.tunnels = {};
      world.routes = {};
      writeFileSync(join(stateDir, 'world.json'), JSON.stringify(world));
    },
    remove(tool) {
      rmSync(join(binDir, tool), { force: true });
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Appends to the calls log from the test itself (a marker between phases of a scenario). */
export function mark(shims: Shims, label: string): void {
  appendFileSync(join(shims.stateDir, 'calls.jsonl'), JSON.stringify({ tool: '#', args: [label] }) + '\n');
}
