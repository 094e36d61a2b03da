/**
 * Recording shims on PATH for the external tools the built-in phases call (see shim.js, and net.js and
 * k0s.js for how strict each is): what each call's arguments were, failures on cue, the machines they
 * run on (linked to the fake ARM server's VMs) and a virtual clock.
 */
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
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
  /** When the tool started: performance.timeOrigin + performance.now(), as the fake servers record. */
  readonly at: number;
}

/** A VM as the machine the tools talk to (the fake ARM server's `machines()` have this shape). */
export interface ShimMachine {
  readonly name: string;
  readonly vmId: string;
  readonly provisioningState: string;
  readonly powerState: string;
  readonly publicIp?: string | undefined;
  readonly privateIp?: string | undefined;
  /** Whether the NSG lets SSH from the internet reach the public address (absent: it does). */
  readonly sshFromInternet?: boolean;
}

export interface ShimCluster {
  /** Nodes (hosts that run a kubelet), in the order they registered. */
  readonly nodes: string[];
  readonly version?: string;
  /** Hosts running k0s: role, noTaints, addresses, and the machine (VM id) it was installed on. */
  readonly hosts: Record<
    string,
    { role: string; noTaints: boolean; address: string; privateAddress?: string; machine: string }
  >;
  /** etcd members: name → peer (private) address. */
  readonly etcd: Record<string, string>;
  readonly taints: Record<string, string[]>;
  /** Hosts whose k0s service k0sctl re-installed because their flags changed. */
  readonly reinstalls: string[];
}

export interface ShimWorld {
  cluster: ShimCluster | null;
  releases: Record<string, unknown>;
  tunnels: Record<string, string[]>;
  wg: Record<string, { upAt: number; peers: { key: string; endpoint?: string; allowedIp?: string }[] }>;
  /** k0rdent's objects: `stuck` when their finalizers can no longer be removed (kcm is gone). */
  k0rdent: {
    management: 'present' | 'stuck' | null;
    /** `deleting`: its deletion has begun (a finalizer still runs). */
    clusterDeployments: Record<string, 'present' | 'stuck' | 'deleting'>;
    /** The Credential each ClusterDeployment names (default azure-cluster-credential). */
    credentials?: Record<string, string>;
  } | null;
  /** Objects applied with kubectl (kube-objects.js), by `Kind/namespace/name`. */
  objects?: Record<
    string,
    { kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown }
  >;
  /** CAPZ, which kcm installs: ready (default), its pod never Ready, or not installed at all. */
  capz?: 'ready' | 'not-ready' | 'absent';
  /** The CSI driver's node pods never become ready (their registrar fails). */
  csi?: { nodesNotReady?: boolean };
  /** KOF knobs: reads of the VictoriaMetrics webhook's Endpoints before its pod is Ready. */
  kof?: { endpointsPendingPolls?: number };
  /** The regional ClusterDeployment: Ready after so many reads (null: never); gone after so many reads once deleted. */
  regional?: { readyAfterPolls?: number | null; deletePolls?: number; notReadyMessage?: string };
  /** Handshake initiations lost before one gets through (WireGuard retries every 5 s). */
  lostInitiations?: number;
  /** How long `wg-quick up` takes, in virtual milliseconds (default 1100). */
  wgQuickUpMs?: number;
  /** Nodes whose CNI carries no pod traffic to or from other nodes (pods.js). */
  cniBroken?: string[];
  /** Registries no node can pull from (an image without a registry host is docker.io's). */
  unreachableRegistries?: string[];
  /** Pods by `namespace/name`, as pods.js placed them. */
  pods?: Record<string, { namespace: string; name: string; node?: string; ip?: string; pending?: string }>;
  namespaces?: Record<string, boolean>;
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
  world(): ShimWorld;
  /** Changes the shared state (e.g. to add a ClusterDeployment, or lose handshake initiations). */
  updateWorld(change: (world: ShimWorld) => void): void;
  /** Forgets the tunnel (as a new runner would not have it). */
  dropTunnels(): void;
  /** The VMs the tools run on; until this is called, every host is a running machine that never changes. */
  setMachines(machines: readonly ShimMachine[]): void;
  /** Virtual time shared with the shims: `now()` in ms, and `advance(ms)` lets it pass. */
  readonly clock: { now(): number; advance(ms: number): void };
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
  writeFileSync(join(stateDir, 'tools.json'), JSON.stringify(tools));
  for (const tool of tools) {
    const path = join(binDir, tool);
    writeFileSync(path, `#!/bin/sh\nexec "${process.execPath}" "${SCRIPT}" ${tool} "$@"\n`);
    chmodSync(path, 0o755);
  }
  const readWorld = (): ShimWorld => ({
    cluster: null,
    releases: {},
    tunnels: {},
    wg: {},
    k0rdent: null,
    ...(existsSync(join(stateDir, 'world.json'))
      ? (JSON.parse(readFileSync(join(stateDir, 'world.json'), 'utf8')) as Partial<ShimWorld>)
      : {}),
  });
  // Whole files only: a shim process may be reading at the same moment.
  const writeAtomic = (name: string, text: string) => {
    const temporary = join(stateDir, `${name}.${process.pid}.tmp`);
    writeFileSync(temporary, text);
    renameSync(temporary, join(stateDir, name));
  };
  const writeWorld = (world: ShimWorld) => {
    writeAtomic('world.json', JSON.stringify(world, null, 2));
  };
  const clockFile = join(stateDir, 'clock.json');
  const offset = () =>
    existsSync(clockFile)
      ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { offsetMs: number }).offsetMs
      : 0;
  let machinesText = '';
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
    updateWorld(change) {
      const world = readWorld();
      change(world);
      writeWorld(world);
    },
    dropTunnels() {
      const world = readWorld();
      world.tunnels = {};
      world.wg = {};
      writeWorld(world);
    },
    setMachines(machines) {
      const vms = Object.fromEntries(machines.map((m) => [m.name.toLowerCase(), m]));
      const text = JSON.stringify({ vms });
      if (text === machinesText) return;
      machinesText = text;
      writeAtomic('machines.json', text);
    },
    clock: {
      now: () => Date.now() + offset(),
      advance(ms) {
        writeAtomic('clock.json', JSON.stringify({ offsetMs: offset() + ms }));
      },
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
  appendFileSync(
    join(shims.stateDir, 'calls.jsonl'),
    JSON.stringify({ tool: '#', args: [label], at: performance.timeOrigin + performance.now() }) + '\n',
  );
}
