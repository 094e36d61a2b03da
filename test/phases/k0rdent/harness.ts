/**
 * Scenarios through the engine with real peers: the fake ARM server (HTTPS, the real @azure/arm-*
 * clients), recording shims for the tools on PATH, and the local state store in a scratch folder.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AzureGateway } from '../../../src/azure/gateway.js';
import { GRAPH_ENDPOINT, GraphClient } from '../../../src/azure/graph.js';
import { RoleAssignments } from '../../../src/azure/role-assignments.js';
import { fastRollback, type FastRollbackResult } from '../../../src/engine/fast-rollback.js';
import { silentReporter, type Reporter } from '../../../src/engine/reporter.js';
import { rollbackDeployment, type RollbackSummary } from '../../../src/engine/rollback.js';
import { runDeployment, type RunSummary } from '../../../src/engine/run.js';
import { Session } from '../../../src/engine/session.js';
import type { Deployment, Phase } from '../../../src/phases/phase.js';
import { parseConfig, validateConfig, type LoadedConfig } from '../../../src/phases/k0rdent/config.js';
import { partsOf, registerParts } from '../../../src/phases/k0rdent/parts.js';
import { buildK0rdentDeployment } from '../../../src/phases/k0rdent/deployment.js';
import type { K0rdentRuntime } from '../../../src/phases/k0rdent/runtime.js';
import type { StateDocument } from '../../../src/state/schema.js';
import { LocalStateStore } from '../../../src/stores/local-store.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm/index.js';
import { createShims, SHIMMED, type Shims, type ShimmedTool } from '../../support/shims/index.js';

export const DEPLOYMENT_ID = 'k0rdent-scenario';
export const RG = `${DEPLOYMENT_ID}-resgrp`;
export const VM_TYPE = 'Microsoft.Compute/virtualMachines';

export interface Topology {
  readonly controllers: number;
  readonly workers: number;
}

export interface Harness {
  readonly arm: FakeArm;
  readonly shims: Shims;
  readonly dir: string;
  readonly stateDir: string;
  readonly warnings: string[];
  /** What the phases reported as information (context.output.info). */
  readonly infos: string[];
  /** The configuration's notices (what the CLI prints as `notice:`), each once. */
  readonly notices: string[];
  deployment(topology?: Topology, overrides?: Record<string, unknown>, id?: string): Deployment;
  run(options?: {
    topology?: Topology;
    signal?: AbortSignal;
    only?: string;
    until?: string;
    overrides?: Record<string, unknown>;
    /** Another deployment id than DEPLOYMENT_ID (the state directory is shared). */
    id?: string;
  }): Promise<RunSummary>;
  rollback(
    to: string,
    options?: {
      destroy?: boolean;
      force?: boolean;
      topology?: Topology;
      overrides?: Record<string, unknown>;
    },
  ): Promise<RollbackSummary>;
  fast(to: 'prepare_deployment' | 'setup_network'): Promise<FastRollbackResult>;
  state(): Promise<StateDocument>;
  vmPuts(): Map<string, number[]>;
  stop(): Promise<void>;
}

export const THREE_PLUS_TWO: Topology = { controllers: 3, workers: 2 };

export interface HarnessOptions {
  readonly pollsBeforeDone?: number;
  /** Addresses the fake ARM gives public IPs (a VM stand-in's), instead of documentation ranges. */
  readonly publicIpAddresses?: readonly string[];
  /** The tools that are shims (default all); the others come from `path`. */
  readonly shimmed?: readonly ShimmedTool[];
  /** Folders searched before the shims: real tools, or wrappers that run them in a namespace. */
  readonly path?: readonly string[];
  /** sshd's port on the VMs (runtime.sshPort). */
  readonly sshPort?: number;
  /**
   * How waits pass: `virtual` (default) keeps the configured intervals and moves a clock shared with
   * the shims on by each sleep at once, so a 10-minute budget runs out in as many checks as it would
   * have; `short` (for real peers, which keep real time) sleeps at most `maxSleepMs` with the poll
   * intervals of the VM and kubeconfig checks cut to 5 ms.
   */
  readonly time?: 'short' | 'virtual';
  /** The longest real sleep (default 5 ms): a real peer polled in a loop may want a gentler pace. */
  readonly maxSleepMs?: number;
  /** Changes to the validated configuration before the deployment is built from it. */
  readonly adjustConfig?: (loaded: LoadedConfig) => LoadedConfig;
  /** Changes to the built deployment's phases (a stand-in for a phase another part provides). */
  readonly adjustPhases?: (phases: readonly Phase[], runtime: K0rdentRuntime) => readonly Phase[];
  /** More environment for the phases (e.g. a supplied client secret). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A config file to deploy as it is (a user's `--config`), instead of the scenario's base config with
   * its topology and overrides.
   */
  readonly configFile?: string;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const arm = await startFakeArm({
    pollsBeforeDone: options.pollsBeforeDone ?? 1,
    ...(options.publicIpAddresses ? { publicIpAddresses: options.publicIpAddresses } : {}),
  });
  const shims = createShims(options.shimmed ?? SHIMMED);
  // The tools see the VMs the fake holds: a re-created VM is a new machine, a deallocated one is silent.
  arm.onChange(() => {
    shims.setMachines(arm.machines());
  });
  const dir = mkdtempSync(join(tmpdir(), 'k0rdent-scenario-'));
  const stateDir = join(dir, 'state');
  // Artifact paths are recorded relative to the working directory, as when a user runs the CLI in
  // their checkout: the scenario works inside its own folder, and puts the old one back at stop().
  const previousCwd = process.cwd();
  process.chdir(dir);
  const warnings: string[] = [];
  const infos: string[] = [];
  const notices: string[] = [];
  const env = {
    ...shims.env,
    ...options.env,
    PATH: [...(options.path ?? []), shims.binDir].join(delimiter),
    HOME: dir,
  };
  const time = options.time ?? 'virtual';
  const clock = {
    now: () => (time === 'virtual' ? shims.clock.now() : Date.now()),
    sleep: async (ms: number, signal: AbortSignal) => {
      // Virtual time, shared with the shims: a wait of seconds passes at once, in the order it would.
      if (time === 'virtual') shims.clock.advance(ms);
      await sleep(Math.min(ms, options.maxSleepMs ?? 5), undefined, { signal }).catch(() => undefined);
    },
  };
  const runtime: K0rdentRuntime = {
    workDir: stateDir,
    env,
    azure: (signal) =>
      AzureGateway.create({
        subscriptionId: arm.subscriptionId,
        credential: arm.credential,
        clientOptions: { ...arm.clientOptions },
        pollIntervalMs: 0,
        retryDelayMs: 5,
        signal,
      }),
    graph: (signal) =>
      GraphClient.create({
        credential: arm.credential,
        endpoint: arm.graph.endpoint,
        audience: GRAPH_ENDPOINT,
        clientOptions: { ...arm.clientOptions },
        signal,
      }),
    roleAssignments: (signal) =>
      RoleAssignments.create({
        credential: arm.credential,
        endpoint: arm.endpoint,
        clientOptions: { ...arm.clientOptions },
        signal,
      }),
    tenantId: arm.directory.tenantId,
    toolEnv: () => Promise.resolve(env),
    sleep: clock.sleep,
    now: clock.now,
    // In virtual time the configured intervals cost nothing, and a wait that cannot end reaches its
    // real deadline after as many polls as it would for real.
    ...(time === 'short' ? { timing: { checkIntervalMs: 5, retryDelayMs: 5 } } : {}),
    ...(options.sshPort !== undefined ? { sshPort: options.sshPort } : {}),
  };
  const reporter: Reporter = {
    ...silentReporter,
    warn: (m) => warnings.push(m),
    info: (m) => infos.push(m),
  };
  const deployment = (
    topology: Topology = THREE_PLUS_TWO,
    overrides: Record<string, unknown> = {},
    id = DEPLOYMENT_ID,
  ): Deployment => {
    if (options.configFile && Object.keys(overrides).length > 0) {
      throw new Error('a scenario with a config file deploys it as it is: no overrides');
    }
    const loaded = options.configFile
      ? parseConfig(readFileSync(options.configFile, 'utf8'), options.configFile)
      : validateConfig(
          {
            azure: { location: 'westus2' },
            cluster: {
              controllers: { count: topology.controllers, zones: [1, 2, 3] },
              workers: { count: topology.workers, zones: [1, 2] },
            },
            network: { wireguard_port: 51820 },
            ...overrides,
          },
          'scenario config',
        );
    for (const notice of loaded.notices) if (!notices.includes(notice)) notices.push(notice);
    const built = buildK0rdentDeployment({
      id,
      loaded: options.adjustConfig ? options.adjustConfig(loaded) : loaded,
      runtime,
    });
    if (!options.adjustPhases) return built;
    const adjusted = { ...built, phases: options.adjustPhases(built.phases, runtime) };
    return registerParts(adjusted, partsOf(built));
  };
  const store = new LocalStateStore(stateDir);
  const withSession = async <T>(d: Deployment, work: (session: Session) => Promise<T>): Promise<T> => {
    const session = await Session.open({ store, deployment: d, command: 'scenario', reporter });
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  };
  return {
    arm,
    shims,
    dir,
    stateDir,
    warnings,
    infos,
    notices,
    deployment,
    run: ({ topology, signal, only, until, overrides, id } = {}) => {
      const d = deployment(topology, overrides, id);
      return withSession(d, (session) =>
        runDeployment(session, d, reporter, {
          ...(signal ? { signal } : {}),
          ...(only ? { only } : {}),
          ...(until ? { until } : {}),
        }),
      );
    },
    rollback: (to, { destroy = true, force = false, topology, overrides } = {}) => {
      const d = deployment(topology, overrides);
      return withSession(d, (session) => rollbackDeployment(session, d, reporter, { to, destroy, force }));
    },
    fast: (to) => {
      const d = deployment();
      // The orchestration `rollback --fast` and the rollback action's `fast: true` run.
      return withSession(d, (session) =>
        fastRollback(session, d, reporter, { to, signal: new AbortController().signal }),
      );
    },
    state: async () => {
      const loaded = await store.load();
      if (!loaded) throw new Error('no state');
      return loaded.doc;
    },
    vmPuts: () => {
      const puts = new Map<string, number[]>();
      for (const r of arm.requests) {
        const match = /\/virtualmachines\/([^/]+)$/.exec(r.path);
        if (r.method !== 'PUT' || !match?.[1]) continue;
        puts.set(match[1], [...(puts.get(match[1]) ?? []), r.status]);
      }
      return puts;
    },
    stop: async () => {
      process.chdir(previousCwd);
      await arm.stop();
      shims.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function decisions(summary: RunSummary): Record<string, string> {
  return Object.fromEntries(summary.outcomes.map((o) => [o.phase, o.decision]));
}

export function statuses(doc: StateDocument): Record<string, string> {
  return Object.fromEntries(Object.entries(doc.phases).map(([name, record]) => [name, record.status]));
}
