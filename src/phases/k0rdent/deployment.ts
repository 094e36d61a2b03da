/**
 * The built-in k0rdent deployment: the catalogue's phases with their real work, built from an
 * effective configuration and a runtime; and how a command finds its configuration and deployment id.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { PhaseGraph } from '../../graph/dag.js';
import { K0RDENT_CATALOGUE, type CatalogueEntry } from '../../graph/k0rdent-catalogue.js';
import type { StateDocument } from '../../state/schema.js';
import type { Deployment, Phase } from '../phase.js';
import { BUILTIN_DEPLOYMENT_ID_RULE, derivedNameProblems } from './azure-names.js';
import type { DeploymentParts } from './base.js';
import { DEFAULT_CONFIG_FILES, readConfigFile, validateConfig, type LoadedConfig } from './config.js';
import { CreateVms } from './create-vms.js';
import { InstallAzureCsi } from './azure-csi.js';
import { InstallK0rdent } from './install-k0rdent.js';
import { InstallKofMothership } from './kof-mothership.js';
import { InstallKofRegional } from './kof-regional.js';
import { InstallK0s } from './install-k0s.js';
import { Layout } from './layout.js';
import { registerParts } from './parts.js';
import { SetupAzureChildren } from './azure-children.js';
import { NotYetAvailablePhase, planOptional, type Switches } from './optional.js';
import { PrepareDeployment } from './prepare-deployment.js';
import { productionRuntime, type K0rdentRuntime } from './runtime.js';
import { SetupNetwork } from './setup-network.js';
import { resourceNames } from './topology.js';
import { ConnectVpn, SetupVpn } from './vpn.js';

export interface BuildOptions {
  readonly id: string;
  readonly loaded: LoadedConfig;
  readonly runtime: K0rdentRuntime;
  /** `--enable` / `--disable` of optional phases for this command. */
  readonly switches?: Switches;
}

const IMPLEMENTATIONS: Record<string, new (parts: DeploymentParts, entry: CatalogueEntry) => Phase> = {
  prepare_deployment: PrepareDeployment,
  setup_network: SetupNetwork,
  create_vms: CreateVms,
  setup_vpn: SetupVpn,
  connect_vpn: ConnectVpn,
  install_k0s: InstallK0s,
  install_k0rdent: InstallK0rdent,
};

/** Optional phases with their work; the others are catalogue entries this version skips. */
const OPTIONAL_IMPLEMENTATIONS: Record<
  string,
  new (parts: DeploymentParts, entry: CatalogueEntry, disabledBecause?: string) => Phase
> = {
  setup_azure_children: SetupAzureChildren,
  install_azure_csi: InstallAzureCsi,
  install_kof_mothership: InstallKofMothership,
  install_kof_regional: InstallKofRegional,
};

export function buildK0rdentDeployment({ id, loaded, runtime, switches }: BuildOptions): Deployment {
  // Whatever named the id (the config, an action input, the state), Azure must accept what it derives.
  const tooLong = derivedNameProblems(id);
  if (tooLong.length > 0) {
    throw new UserError(
      `deployment id ${id} is too long for the built-in deployment: ${tooLong.join('; ')}. ` +
        `Use an id of ${BUILTIN_DEPLOYMENT_ID_RULE}.`,
    );
  }
  const parts: DeploymentParts = {
    id,
    config: loaded.config,
    runtime,
    layout: new Layout(runtime.workDir, id),
    names: resourceNames(id),
  };
  const optional = planOptional(K0RDENT_CATALOGUE, loaded.config, switches);
  const phases = K0RDENT_CATALOGUE.map((entry): Phase => {
    if (entry.flag) {
      const Optional = OPTIONAL_IMPLEMENTATIONS[entry.name];
      // Built whether on or off: a phase switched off after it ran can still be undone.
      return Optional
        ? new Optional(parts, entry, optional.disabled.get(entry.name))
        : new NotYetAvailablePhase(parts, entry, optional.disabled.get(entry.name));
    }
    const Implementation = IMPLEMENTATIONS[entry.name];
    if (!Implementation) throw new Error(`no implementation for built-in phase ${entry.name}`);
    return new Implementation(parts, entry);
  });
  return registerParts(
    {
      id,
      source: { kind: 'k0rdent', ...(loaded.source === STATE_SOURCE ? {} : { file: loaded.source }) },
      phases,
      graph: PhaseGraph.buildOrThrow(K0RDENT_CATALOGUE),
      flags: optional.flags,
      config: loaded.config,
    },
    parts,
  );
}

export interface K0rdentSourceOptions {
  /** `--config`; default config/k0rdent.yaml, then config/k0rdent-default.yaml. */
  readonly config?: string;
  /** How the surface names the config option in messages (`--config`, `input config`). */
  readonly configOption?: string;
  /** Where the deployment's files go (the local state directory). */
  readonly stateDir?: string;
  readonly enable?: readonly string[];
  readonly disable?: readonly string[];
  /** How the surface names the two in messages (default `--enable`, `--disable`). */
  readonly enableOption?: string;
  readonly disableOption?: string;
  readonly onNotice?: (message: string) => void;
}

export const STATE_SOURCE = 'the configuration recorded in the state';

/** The configuration a command uses: `--config`, the default files, else the one the state recorded. */
export async function resolveConfig(
  file: string | undefined,
  stored?: StateDocument,
  option?: string,
): Promise<LoadedConfig> {
  if (file !== undefined) return readConfigFile(file, option);
  const found = DEFAULT_CONFIG_FILES.find((candidate) => existsSync(candidate));
  if (found) return readConfigFile(found);
  if (stored?.source?.kind === 'k0rdent' && stored.config?.snapshot)
    return validateConfig(stored.config.snapshot, STATE_SOURCE);
  throw new UserError(
    `no k0rdent configuration: none of ${DEFAULT_CONFIG_FILES.join(', ')} exists. ` +
      'Pass --config FILE, or copy config/k0rdent-default.yaml from the k0rdent-deploy repository to config/k0rdent.yaml.',
  );
}

/** The built-in deployment, before its id is settled (the config may pin one). */
export interface K0rdentDefinition {
  /** The config file (or the state's snapshot) the deployment is built from. */
  readonly source: string;
  /** `metadata.deployment_id`, if the config pins it. */
  readonly pinned?: string;
  deployment(id: string): Deployment;
}

export async function loadK0rdentDefinition(
  options: K0rdentSourceOptions,
  stored?: StateDocument,
): Promise<K0rdentDefinition> {
  const loaded = await resolveConfig(options.config, stored, options.configOption);
  for (const notice of loaded.notices) options.onNotice?.(notice);
  const switches: Switches = {
    ...(options.enable ? { enable: options.enable } : {}),
    ...(options.disable ? { disable: options.disable } : {}),
    ...(options.enableOption ? { enableOption: options.enableOption } : {}),
    ...(options.disableOption ? { disableOption: options.disableOption } : {}),
  };
  // Checked (and its notices told) now, before any state is touched.
  for (const notice of planOptional(K0RDENT_CATALOGUE, loaded.config, switches).notices)
    options.onNotice?.(notice);
  const pinned = loaded.config.metadata.deployment_id;
  return {
    source: loaded.source,
    ...(pinned === undefined ? {} : { pinned }),
    deployment: (id) =>
      buildK0rdentDeployment({
        id,
        loaded,
        runtime: productionRuntime(loaded.config, { workDir: resolve(options.stateDir ?? 'state') }),
        switches,
      }),
  };
}
