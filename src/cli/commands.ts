/** The CLI's commands: each parses nothing (commander did), calls the engine, renders the result. */
import { UserError } from '../errors.js';
import { withCancellation } from '../engine/cancellation.js';
import { fastRollback, fastRollbackTargets, resourceGroupOf } from '../engine/fast-rollback.js';
import { recordArtifactFile, verifyArtifacts } from '../engine/artifacts.js';
import { planDeployment } from '../engine/plan.js';
import { resetDeployment } from '../engine/reset.js';
import { planRollback, rollbackDeployment } from '../engine/rollback.js';
import { assertSucceeded, runDeployment } from '../engine/run.js';
import { Session } from '../engine/session.js';
import { SCHEMA_VERSION, type StateDocument } from '../state/schema.js';
import { LocalStateStore } from '../stores/local-store.js';
import { BlobStateStore } from '../stores/blob-store.js';
import { guardFreshStart } from '../engine/fresh-start.js';
import { loadPipeline } from '../phases/pipeline/load.js';
import {
  backendOf,
  openStateSource,
  type CliStore,
  type StateSource,
  type StateSourceOptions,
} from './state-source.js';
import { resolve } from 'node:path';
import { registerSecret } from '../secrets.js';
import { MAX_SNAPSHOT_TEXT_BYTES, rekeySnapshot } from '../stores/artifact-snapshot.js';
import { writeFileAtomic } from '../stores/atomic-file.js';
import {
  CREATE_KEY_ADVICE,
  PREVIOUS_STATE_KEY_ENV,
  STATE_KEY_ENV,
  StateKey,
  type StateKeys,
} from '../stores/encryption.js';
import { readInputFile } from '../tools/read-input-file.js';
import { ConsoleReporter } from './console-reporter.js';
import { formatDuration } from '../engine/reporter.js';
import {
  configJson,
  historyJson,
  newDeploymentStatusJson,
  planJson,
  renderJson,
  runJson,
  statusJson,
  verifyJson,
} from './json.js';
import {
  CLI_IDENTITY,
  loadDefinition,
  resolveDeployment,
  resolveListing,
  settleIdentity,
  type DeploymentOptions,
} from '../engine/deployment-source.js';
import { settleDeploymentId, type SettledIdentity } from '../engine/deployment-identity.js';
import type { Deployment } from '../phases/phase.js';
import { dump } from 'js-yaml';
import { createOutput, type Output } from './output.js';
import { provideSelfCommand } from './self-command.js';
import { outputClosed } from './stdio.js';
import {
  artifactsTable,
  historyTable,
  outcomesTable,
  planTable,
  rollbackTable,
  statusTable,
  tableKit,
} from './tables.js';

/** The built-in k0rdent phases, loaded only by the commands that need them. */
const builtIn = () => import('../phases/k0rdent/index.js');

export interface GlobalOptions extends DeploymentOptions {
  readonly stateDir: string;
  /** `local` (default) or `azure-blob`; with a state URL and no backend, azure-blob. */
  readonly stateBackend?: string;
  readonly stateUrl?: string;
  /** Seconds to wait for another writer's lock (azure-blob). */
  readonly lockTimeout?: number;
  readonly color?: boolean;
  /** Path of the running CLI entry, so phase scripts can call it back. */
  readonly cliPath?: string;
}

async function setup(
  options: GlobalOptions,
  json = false,
): Promise<{ store: CliStore; source: StateSource; term: Output; reporter: ConsoleReporter }> {
  const term = createOutput(options.color === undefined ? {} : { color: options.color });
  const source = await openStateSource(await sourceOptions(options));
  const store =
    source.backend === 'azure-blob' && source.deploymentId === undefined ? unsettled(source) : source.store();
  return { store, source, term, reporter: new ConsoleReporter(term, json) };
}

/**
 * The stored state without restoring files (a blob store restores them only for a session, and only
 * with the state key).
 */
async function loadStored(store: CliStore): Promise<StateDocument | undefined> {
  return store instanceof BlobStateStore ? store.readState() : (await store.load())?.doc;
}

/** The store of the deployment a command works on (a new deployment in a container gets its own). */
function storeOf(source: StateSource, store: CliStore, deploymentId: string): CliStore {
  return source.deploymentId === deploymentId ? store : source.storeFor(deploymentId);
}

export async function runCommand(
  options: GlobalOptions & {
    only?: string;
    until?: string;
    force?: boolean;
    json?: boolean;
    adoptFresh?: boolean;
  },
): Promise<number> {
  const opened = await setup(options, options.json);
  const { source, term, reporter } = opened;
  const stored = await loadStored(opened.store);
  const { deployment, identity } = await resolveDeployment(options, stored, opened.store.description);
  const store = storeOf(source, opened.store, deployment.id);
  if (!options.pipeline) {
    await guardFreshStart(deployment, stored, {
      searched: store.description,
      ways: freshStartWays(deployment.id),
      adoptFresh: options.adoptFresh ?? false,
      notice: (message) => term.err(`notice: ${message}`),
      warn: (message) => term.err(`warning: ${message}`),
    });
  }
  const self = provideSelfCommand(options.cliPath);
  const session = await Session.open({ store, deployment, command: 'k0rdent-deploy run', reporter });
  const started = performance.now();
  try {
    const log = options.json ? term.err : term.out;
    log(`${term.c.bold('k0rdent-deploy')} · deployment ${term.c.bold(deployment.id)} · ${store.description}`);
    if (!stored) log(`new deployment ${deployment.id}: its id was ${identity.how}`);
    const summary = await withCancellation(
      (message) => term.err(message),
      (signal) =>
        runDeployment(session, deployment, reporter, {
          ...(options.only ? { only: options.only } : {}),
          ...(options.until ? { until: options.until } : {}),
          ...(options.force ? { force: true } : {}),
          signal,
          env: self.env,
        }),
      outputClosed,
    );
    const elapsed = performance.now() - started;
    if (options.json) {
      term.out(renderJson(runJson(summary, elapsed)));
    } else {
      term.out(outcomesTable(summary.outcomes, tableKit(term.c)));
      const counts = new Map<string, number>();
      for (const o of summary.outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
      term.out(
        `deployment ${deployment.id}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')} in ${formatDuration(elapsed)}`,
      );
      if (summary.failed) {
        term.out(
          `${term.c.red(`${summary.failed.phase} failed`)} (${summary.failed.error.class}). ` +
            `Fix the cause and run again to resume from it, or undo with: k0rdent-deploy rollback --to ${summary.failed.phase}`,
        );
      }
    }
    assertSucceeded(summary);
    return 0;
  } finally {
    await session.close();
    self.dispose();
  }
}

export async function statusCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const { store, term } = await setup(options);
  const doc = await loadStored(store);
  const listing = await resolveListing(options, doc);
  if (options.json) {
    term.out(
      renderJson(
        doc
          ? statusJson(doc, listing)
          : newDeploymentStatusJson((await namedIdentity(options))?.id ?? null, listing),
      ),
    );
    return 0;
  }
  if (!doc) {
    const named = await namedIdentity(options);
    term.out(
      `No deployment state in ${store.description} yet: ${named ? `deployment ${term.c.bold(named.id)} (${named.how})` : 'a new deployment, whose id is made on its first run'}. ` +
        'Phases that a run would start with:',
    );
  } else {
    term.out(`Deployment ${term.c.bold(doc.deployment_id)} · ${store.description}`);
  }
  term.out(statusTable(doc, listing, tableKit(term.c)));
  const artifacts = doc ? artifactsTable(doc, tableKit(term.c)) : undefined;
  if (artifacts) term.out(artifacts);
  return 0;
}

/**
 * The id a new deployment will have, when something names it (`--deployment-id`, the pipeline's
 * `deployment:`, the config's `metadata.deployment_id`); undefined when its first run will make one.
 */
async function namedIdentity(options: GlobalOptions): Promise<SettledIdentity | undefined> {
  return settleIdentity(
    await loadDefinition(options),
    options.deploymentId === undefined ? {} : { explicit: options.deploymentId },
    { ...CLI_IDENTITY, fallback: 'none' },
  );
}

export async function planCommand(
  options: GlobalOptions & { only?: string; until?: string; force?: boolean; json?: boolean },
): Promise<number> {
  const opened = await setup(options);
  const { term } = opened;
  // Validators look at files: a blob store restores the recorded ones first.
  const stored =
    opened.store instanceof BlobStateStore
      ? (await opened.store.load())?.doc
      : await loadStored(opened.store);
  const { deployment, identity } = await resolveDeployment(options, stored, opened.store.description);
  const store = storeOf(opened.source, opened.store, deployment.id);
  // A deployment whose id is made on its first run has none yet: a made-up one would change every call.
  const shownId = identity.source === 'generated' ? null : deployment.id;
  const self = provideSelfCommand(options.cliPath);
  try {
    const steps = await planDeployment(stored, deployment, {
      ...(options.only ? { only: options.only } : {}),
      ...(options.until ? { until: options.until } : {}),
      ...(options.force ? { force: true } : {}),
      env: { ...store.childEnv(), ...self.env },
    });
    if (options.json) {
      term.out(renderJson(planJson(shownId, stored !== undefined, steps)));
      return 0;
    }
    term.out(
      stored
        ? `Plan for deployment ${term.c.bold(deployment.id)} (nothing is changed):`
        : `Plan for ${shownId === null ? 'a new deployment, whose id is made on its first run' : `new deployment ${term.c.bold(shownId)} (${identity.how})`} (nothing is changed):`,
    );
    term.out(planTable(steps, tableKit(term.c)));
    return 0;
  } finally {
    self.dispose();
  }
}

export async function resetCommand(
  options: GlobalOptions & { from: string; dryRun?: boolean },
): Promise<number> {
  const { store, term, reporter } = await setup(options);
  const stored = await loadStored(store);
  if (!stored) throw new UserError(`no deployment state in ${store.description}; nothing to reset`);
  const { deployment } = await resolveDeployment(options, stored, store.description);
  if (options.dryRun) {
    const preview = resetDeployment(stored, deployment, options.from, dryStamp(), 'dry run');
    term.out(describeReset(preview.reset, options.from, true));
    return 0;
  }
  const session = await Session.open({ store, deployment, command: 'k0rdent-deploy reset', reporter });
  try {
    const before = session.doc;
    let result: ReturnType<typeof resetDeployment> | undefined;
    session.change((doc, stamp) => {
      result = resetDeployment(doc, deployment, options.from, stamp, `reset from ${options.from} by request`);
      return result.doc;
    });
    await session.commit();
    term.out(describeReset(result?.reset ?? [], options.from, false));
    if (result?.full)
      term.out(
        `every phase is pending now; the previous state was archived to ${await session.archive(before, 'before-reset')}`,
      );
    return 0;
  } finally {
    await session.close();
  }
}

function describeReset(reset: readonly string[], from: string, dryRun: boolean): string {
  if (reset.length === 0) return `nothing to reset: ${from} and the phases that need it are already pending`;
  return `${dryRun ? 'would reset' : 'reset'} to pending: ${reset.join(', ')}`;
}

export async function rollbackCommand(
  options: GlobalOptions & {
    to: string;
    dryRun?: boolean;
    force?: boolean;
    destroy?: boolean;
    fast?: boolean;
  },
): Promise<number> {
  const { store, term, reporter } = await setup(options);
  const stored = await loadStored(store);
  if (!stored) throw new UserError(`no deployment state in ${store.description}; nothing to roll back`);
  const { deployment } = await resolveDeployment(options, stored, store.description);
  if (options.fast) return fastRollbackCommand(options, deployment);
  if (options.dryRun) {
    const steps = planRollback(stored, deployment, options.to, options.destroy ?? true);
    term.out(
      steps.length === 0
        ? `nothing to roll back: ${options.to} and the phases after it are pending`
        : `Rollback to ${options.to} would, newest first (nothing is changed):`,
    );
    if (steps.length > 0) term.out(rollbackTable(steps, tableKit(term.c)));
    return 0;
  }
  const self = provideSelfCommand(options.cliPath);
  const session = await Session.open({ store, deployment, command: 'k0rdent-deploy rollback', reporter });
  try {
    const summary = await withCancellation(
      (message) => term.err(message),
      (signal) =>
        rollbackDeployment(session, deployment, reporter, {
          to: options.to,
          destroy: options.destroy ?? true,
          ...(options.force ? { force: true } : {}),
          signal,
          env: self.env,
        }),
      outputClosed,
    );
    term.out(
      summary.steps.length === 0 ? 'nothing to roll back' : rollbackTable(summary.steps, tableKit(term.c)),
    );
    if (summary.archivedTo)
      term.out(`every phase is pending now; the previous state was archived to ${summary.archivedTo}`);
    return summary.steps.some((s) => s.result === 'failed') ? 1 : 0;
  } finally {
    await session.close();
    self.dispose();
  }
}

/** `rollback --fast`: delete the resource group at once (built-in deployment only). */
async function fastRollbackCommand(
  options: GlobalOptions & { to: string; dryRun?: boolean; destroy?: boolean },
  deployment: Deployment,
): Promise<number> {
  const { store, term, reporter } = await setup(options);
  const { builtIn, targets } = await fastRollbackTargets(deployment);
  const to = targets.find((target) => target === options.to);
  if (!builtIn || options.destroy === false || !to) {
    throw new UserError(
      `--fast needs the built-in deployment, no --no-destroy, and --to ${targets.join(' or ')} (got --to ${options.to})`,
    );
  }
  const group = await resourceGroupOf(deployment);
  if (options.dryRun) {
    term.out(`would delete resource group ${group} with everything in it, then reset from ${to}`);
    return 0;
  }
  const session = await Session.open({
    store,
    deployment,
    command: 'k0rdent-deploy rollback --fast',
    reporter,
  });
  try {
    const result = await withCancellation(
      (message) => term.err(message),
      (signal) => fastRollback(session, deployment, reporter, { to, signal }),
      outputClosed,
    );
    term.out(
      `resource group ${group} ${result.resourceGroup}; reset to pending: ${result.reset.join(', ') || 'nothing'}`,
    );
    return result.warnings.length > 0 ? 1 : 0;
  } finally {
    await session.close();
  }
}

/** `config validate`: every problem with its key path and allowed values (exit 2), else a summary. */
export async function configValidateCommand(options: GlobalOptions): Promise<number> {
  const { store, term } = await setup(options);
  const { plannedHosts, resolveConfig } = await builtIn();
  const loaded = await resolveConfig(options.config, await loadStored(store));
  for (const notice of loaded.notices) term.err(`notice: ${notice}`);
  const hosts = plannedHosts(loaded.config);
  const controllers = hosts.filter((h) => h.role === 'controller').length;
  term.out(
    `${loaded.source} is valid: ${controllers} controller(s) and ${hosts.length - controllers} worker(s) in ${loaded.config.azure.location}, ` +
      `k0s ${loaded.config.software.k0s.version}, k0rdent ${loaded.config.software.k0rdent.version}`,
  );
  return 0;
}

/** `config show`: the effective configuration with defaults, and the deployment id it belongs to. */
export async function configShowCommand(options: GlobalOptions & { json?: boolean }): Promise<number> {
  const { store, term } = await setup(options);
  const stored = await loadStored(store);
  const { resolveConfig } = await builtIn();
  const loaded = await resolveConfig(options.config, stored);
  for (const notice of loaded.notices) term.err(`notice: ${notice}`);
  const pinned = loaded.config.metadata.deployment_id;
  const id = settleDeploymentId({
    ...(options.deploymentId === undefined
      ? {}
      : { explicit: { id: options.deploymentId, where: CLI_IDENTITY.explicitName } }),
    ...(pinned === undefined
      ? {}
      : { pinned: { id: pinned, where: `${loaded.source} (metadata.deployment_id)` } }),
    ...(stored?.source?.kind === 'k0rdent'
      ? {
          stored: {
            id: stored.deployment_id,
            where: store.description,
            advice: CLI_IDENTITY.storedAdvice,
          },
        }
      : {}),
  })?.id;
  if (options.json) {
    term.out(renderJson(configJson(loaded.source, id ?? null, loaded.config)));
    return 0;
  }
  term.out(`# effective configuration from ${loaded.source}, every default filled in`);
  term.out(
    `# deployment: ${id ?? 'not created yet (its id is made on the first run and kept in the state)'}`,
  );
  term.out(dump(loaded.config, { lineWidth: -1, noRefs: true }).trimEnd());
  return 0;
}

export async function artifactRecordCommand(
  options: GlobalOptions & { name: string; path: string; sensitive?: boolean; phase?: string },
): Promise<number> {
  const { store, reporter, term } = await setup(options);
  const stored = await loadStored(store);
  if (!stored)
    throw new UserError(
      `no deployment state in ${store.description}; artifacts are recorded by a running deployment`,
    );
  const session = await Session.open({
    store,
    deployment: {
      id: stored.deployment_id,
      source: stored.source ?? { kind: 'pipeline' },
      phases: [],
      flags: stored.config?.flags ?? {},
      config: stored.config?.snapshot ?? null,
    },
    command: 'k0rdent-deploy artifact record',
    reporter,
  });
  try {
    const phase = options.phase ?? process.env.K0RDENT_PHASE;
    await recordArtifactFile(session, {
      name: options.name,
      path: options.path,
      sensitive: options.sensitive ?? false,
      ...(phase ? { phase } : {}),
    });
    const record = session.doc.artifacts[options.name];
    term.out(
      `recorded artifact ${options.name}: ${record?.path ?? options.path} (${record?.size ?? 0} bytes, sha256 ${record?.sha256.slice(0, 12) ?? ''}…)`,
    );
    return 0;
  } finally {
    await session.close();
  }
}

export async function artifactVerifyCommand(
  options: GlobalOptions & { name?: string; json?: boolean },
): Promise<number> {
  const { store, term } = await setup(options);
  const stored = await loadStored(store);
  if (!stored) throw new UserError(`no deployment state in ${store.description}; no artifacts to verify`);
  const results = await verifyArtifacts(stored, options.name);
  if (options.json) {
    term.out(renderJson(verifyJson(stored, results)));
  } else {
    if (results.length === 0) term.out('no artifacts recorded');
    for (const r of results) {
      term.out(
        r.check.ok
          ? `${term.c.green('ok')}       ${r.name} (${r.path})`
          : `${term.c.red(r.check.problem.padEnd(8))} ${r.name}: ${r.check.detail}`,
      );
    }
  }
  return results.every((r) => r.check.ok) ? 0 : 1;
}

export async function historyCommand(
  options: GlobalOptions & { json?: boolean; limit?: number; versions?: boolean },
): Promise<number> {
  const { store, term } = await setup(options);
  if (options.versions) return versionsOf(store, term, options.json ?? false);
  const stored = await loadStored(store);
  if (!stored) throw new UserError(`no deployment state in ${store.description} yet`);
  const events = options.limit === undefined ? stored.events : stored.events.slice(-options.limit);
  term.out(options.json ? renderJson(historyJson(stored, events)) : historyTable(events, tableKit(term.c)));
  return 0;
}

/** `history --versions`: the stored versions of an azure-blob state, or how to keep them. */
async function versionsOf(store: CliStore, term: Output, json: boolean): Promise<number> {
  if (!(store instanceof BlobStateStore)) {
    throw new UserError(
      '--versions lists the versions blob storage keeps of an azure-blob state (--state-backend azure-blob); a local state keeps its history in its events',
    );
  }
  const versions = await store.versions();
  if (versions === undefined) {
    const { account } = store.layout.location;
    term.out(
      `storage account ${account} keeps no versions of ${store.description}: blob versioning is off. Turn it on to keep ` +
        `every earlier state: az storage account blob-service-properties update --account-name ${account} --enable-versioning true ` +
        '(the events of the current state are in `k0rdent-deploy history`)',
    );
    return 0;
  }
  if (json) {
    term.out(JSON.stringify(versions, null, 2));
    return 0;
  }
  for (const v of versions) {
    term.out(
      `${v.versionId}  ${v.at?.toISOString() ?? '?'}  ${String(v.size).padStart(8)} bytes${v.current ? '  (current)' : ''}`,
    );
  }
  return 0;
}

export async function migrateCommand(options: GlobalOptions & { dryRun?: boolean }): Promise<number> {
  const { store, term } = await setup(options);
  if (!(store instanceof LocalStateStore)) {
    throw new UserError(
      'migrate works on a local state directory (--state-dir); move the result to blob storage afterwards with `k0rdent-deploy state push --to azure-blob`',
    );
  }
  const loaded = await store.load();
  if (!loaded) throw new UserError(`no state file in ${store.description} to migrate`);
  if (!loaded.migration) {
    term.out(`${store.description} is already at schema ${SCHEMA_VERSION}; nothing to migrate`);
    return 0;
  }
  term.out(
    `${options.dryRun ? 'Would migrate' : 'Migrating'} ${store.description} from the upstream ${loaded.migration.format} format:`,
  );
  for (const note of loaded.migration.notes) term.out(`  - ${note}`);
  if (options.dryRun) return 0;
  const lock = await store.lock({
    command: 'k0rdent-deploy migrate',
    onWarning: (m) => term.err(`warning: ${m}`),
  });
  try {
    await store.save(loaded.doc);
  } finally {
    await lock.release();
  }
  term.out(`written ${store.file}; the original is kept as ${store.file}.pre-v2.bak`);
  return 0;
}

/** What a command on a container with no deployment yet sees: no state, and nothing to lock. */
function unsettled(source: StateSource): CliStore {
  const none = (): never => {
    throw new UserError(`no deployment state in ${source.description} yet; run a deployment first`);
  };
  return {
    description: source.description,
    childEnv: () => ({}),
    load: () => Promise.resolve(undefined),
    save: none,
    lock: none,
    archive: none,
  };
}

/** The options that say where the state is, with a pipeline's or config's pinned id for a container. */
async function sourceOptions(options: GlobalOptions): Promise<StateSourceOptions> {
  const deploymentId =
    options.deploymentId ?? (backendOf(options) === 'azure-blob' ? await pinnedId(options) : undefined);
  return {
    stateDir: options.stateDir,
    ...(options.stateBackend === undefined ? {} : { stateBackend: options.stateBackend }),
    ...(options.stateUrl === undefined ? {} : { stateUrl: options.stateUrl }),
    ...(deploymentId === undefined ? {} : { deploymentId }),
    ...(options.lockTimeout === undefined ? {} : { lockTimeout: options.lockTimeout }),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  };
}

/** The id a pipeline file or a k0rdent config pins, if any (a container may hold several deployments). */
async function pinnedId(options: GlobalOptions): Promise<string | undefined> {
  if (options.pipeline !== undefined) return (await loadPipeline(options.pipeline, options)).pinned;
  if (options.config === undefined) return undefined;
  const { resolveConfig } = await builtIn();
  return (await resolveConfig(options.config)).config.metadata.deployment_id;
}

/** Where the state of a deployment that Azure knows may be, in the command line's terms. */
function freshStartWays(id: string): string[] {
  return [
    `when a workflow deployed it, its state is in workflow artifacts: k0rdent-deploy state pull --repo OWNER/REPO --deployment ${id}`,
    `when it lives in blob storage: run with --state-backend azure-blob --state-url https://ACCOUNT.blob.core.windows.net/CONTAINER (or pull it with state pull --from azure-blob)`,
    'when it lives in another directory: --state-dir DIR',
    'to knowingly start over with new keys (the running VMs keep the old ones until they are re-created): --adopt-fresh',
  ];
}

function dryStamp() {
  return {
    hlc: '1970-01-01T00:00:00.000Z#000000@dry-run',
    at: new Date().toISOString(),
    run: { run_id: 'dry-run', attempt: 1, job: 'cli', actor: 'dry-run' },
  };
}

/** The keys of `state rekey`, from the environment (never from arguments: they would show in `ps`). */
function keysFromEnvironment(): StateKeys {
  const current = process.env[STATE_KEY_ENV];
  const previous = process.env[PREVIOUS_STATE_KEY_ENV];
  if (!current)
    throw new UserError(`${STATE_KEY_ENV} is not set: it holds the new state-key. ${CREATE_KEY_ADVICE}`);
  registerSecret(current);
  if (previous) registerSecret(previous);
  return {
    current: StateKey.fromSecret(current),
    ...(previous ? { previous: StateKey.fromSecret(previous) } : {}),
  };
}

/**
 * `state rekey [SNAPSHOT...]`: re-encrypts state snapshot files (downloaded or archived state
 * artifacts) under the current key. A local state directory keeps nothing encrypted.
 */
export async function stateRekeyCommand(options: GlobalOptions & { snapshots: string[] }): Promise<number> {
  const term = createOutput(options.color === undefined ? {} : { color: options.color });
  if (options.snapshots.length === 0) {
    term.out(
      'nothing to rekey: a local state directory keeps nothing encrypted. For state kept in workflow artifacts, ' +
        'run actions/status with rekey: true (state-key: the new key, previous-state-key: the old one); ' +
        'to re-encrypt snapshot files you downloaded, name them here.',
    );
    return 0;
  }
  const keys = keysFromEnvironment();
  for (const file of options.snapshots) {
    const text = await readInputFile(file, {
      what: 'snapshot file',
      option: 'state rekey',
      maxBytes: MAX_SNAPSHOT_TEXT_BYTES,
    });
    const rekeyed = rekeySnapshot(text, file, keys);
    await writeFileAtomic(resolve(file), rekeyed.text, 0o600);
    term.out(
      `${file}: re-encrypted under state-key id ${keys.current.id} (${rekeyed.sensitive} sensitive file(s))`,
    );
  }
  return 0;
}
