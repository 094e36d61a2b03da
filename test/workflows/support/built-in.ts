/**
 * The built-in k0rdent deployment as a user runs it from the shipped workflows, on loopback: the
 * Actions emulator (artifacts, cache, REST), the runner's OIDC service and Entra ID (real MSAL), a
 * fake ARM over HTTPS that accepts only tokens Entra issued, k0sctl and helm downloaded by the real
 * tool installer from a loopback release server (recording shims inside), and kubectl, wg, wg-quick,
 * ssh, apt-get and sudo as recording shims on PATH. The config is the user's config/k0rdent.yaml.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { platformOf } from '../../../src/tools/tool-install.js';
import { startActionsEmulator, type ActionsEmulator } from '../../support/actions-emulator/index.js';
import { startFakeArm, type FakeArm } from '../../support/fake-arm/index.js';
import { startFakeIdentity, type FakeIdentity } from '../../support/fake-identity.js';
import { createShims, type Shims } from '../../support/shims/index.js';
import { loadWorkflow, runWorkflow, type AttemptRun, type LoadedWorkflow } from './harness.js';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-000000000000';
export const STATE_KEY = 'state key of the built-in end-to-end test 0123';
const K0SCTL_VERSION = '0.30.1';
const HELM_VERSION = '3.18.4';

export interface Topology {
  readonly controllers: number;
  readonly workers: number;
}

export interface BuiltInWorld {
  readonly gh: ActionsEmulator;
  readonly arm: FakeArm;
  readonly identity: FakeIdentity;
  readonly shims: Shims;
  /** Paths the release server was asked for (tool downloads). */
  readonly downloads: readonly string[];
  deploy(runId: number, options?: DeployOptions): Promise<AttemptRun>;
  rollback(runId: number, inputs: Record<string, string | boolean>, topology?: Topology): Promise<AttemptRun>;
  /** Dispatches another workflow (e.g. the README's example) in the same world. */
  dispatch(
    workflow: LoadedWorkflow,
    runId: number,
    inputs?: Record<string, string | boolean>,
  ): Promise<AttemptRun>;
  /** Successful PUTs per VM name. */
  vmPuts(): Record<string, number>;
  stop(): Promise<void>;
}

export interface DeployOptions {
  readonly topology?: Topology;
  /** Dispatch inputs (e.g. `kof: true`). */
  readonly inputs?: Record<string, string | boolean>;
  readonly rerun?: { readonly previous: AttemptRun; readonly mode: 'all' | 'failed' };
}

export const THREE_PLUS_TWO: Topology = { controllers: 3, workers: 2 };

export async function startBuiltInWorld(): Promise<BuiltInWorld> {
  const [deployWorkflow, rollbackWorkflow] = await Promise.all([
    loadWorkflow('.github/workflows/deploy.yml'),
    loadWorkflow('.github/workflows/rollback.yml'),
  ]);
  const root = mkdtempSync(join(tmpdir(), 'built-in-e2e-'));
  const gh = await startActionsEmulator({ owner: 'acme', repo: 'infra' });
  const identity = await startFakeIdentity({ tenantId: TENANT, clientId: CLIENT });
  const arm = await startFakeArm({ pollsBeforeDone: 0, acceptToken: (token) => identity.issued(token) });
  const shims = createShims();
  // KOF's regional cluster is Ready on the first read and gone on the first read after its deletion
  // (the phases wait in real time here, 30 s between reads).
  shims.updateWorld((w) => {
    w.regional = { readyAfterPolls: 1, deletePolls: 1 };
  });
  // The tools see the VMs the fake holds: a re-created VM is a new machine, a deallocated one is silent.
  arm.onChange(() => {
    shims.setMachines(arm.machines());
  });
  const caFile = join(root, 'ca.pem');
  writeFileSync(caFile, arm.caCertPem + identity.caCertPem);
  const releases = await startReleaseServer(root, shims);

  const config = (topology: Topology) =>
    dump({
      azure: {
        location: 'westus2',
        resource_manager_endpoint: arm.endpoint,
        graph_endpoint: arm.graph.endpoint,
      },
      // What KOF needs when a dispatch switches it on (the config leaves it off).
      kof: { regional: { domain: 'regional.example.com', admin_email: 'admin@example.com' } },
      cluster: {
        controllers: { count: topology.controllers, zones: [1, 2, 3] },
        workers: { count: topology.workers, zones: [1, 2] },
      },
      software: {
        k0sctl: { version: K0SCTL_VERSION, url: `${releases.base}/k0sctl/v{version}/k0sctl-{os}-{arch}` },
        helm: { version: HELM_VERSION, url: `${releases.base}/helm/helm-v{version}-{os}-{arch}.tar.gz` },
      },
    });

  const common = (runId: number, topology: Topology) => ({
    gh,
    root,
    runId,
    checkout: [],
    files: { 'config/k0rdent.yaml': config(topology) },
    secrets: {
      AZURE_CLIENT_ID: CLIENT,
      AZURE_TENANT_ID: TENANT,
      AZURE_SUBSCRIPTION_ID: arm.subscriptionId,
      K0RDENT_STATE_KEY: STATE_KEY,
    },
    oidc: { url: identity.oidcRequestUrl, token: identity.oidcRequestToken },
    env: {
      ...shims.env,
      NODE_EXTRA_CA_CERTS: caFile,
      AZURE_AUTHORITY_HOST: identity.authorityHost,
    },
  });

  return {
    gh,
    arm,
    identity,
    shims,
    downloads: releases.served,
    deploy: (runId, options = {}) =>
      runWorkflow(deployWorkflow, {
        ...common(runId, options.topology ?? THREE_PLUS_TWO),
        inputs: options.inputs ?? {},
        ...(options.rerun ? { rerun: options.rerun } : {}),
      }),
    rollback: (runId, inputs, topology = THREE_PLUS_TWO) =>
      runWorkflow(rollbackWorkflow, { ...common(runId, topology), inputs }),
    dispatch: (workflow, runId, inputs = {}) =>
      runWorkflow(workflow, { ...common(runId, THREE_PLUS_TWO), inputs }),
    vmPuts: () => {
      const puts: Record<string, number> = {};
      for (const request of arm.requests) {
        const vm = /\/virtualmachines\/([^/?]+)$/i.exec(request.path.split('?')[0] ?? '')?.[1];
        if (request.method === 'PUT' && vm && request.status < 300) puts[vm] = (puts[vm] ?? 0) + 1;
      }
      return puts;
    },
    stop: async () => {
      await Promise.all([gh.stop(), identity.stop(), arm.stop(), closeServer(releases.server)]);
      shims.cleanup();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * k0sctl and helm as their releases ship them (a bare binary; a tarball with `<os>-<arch>/helm`),
 * each a recording shim inside, served the way the tool installer downloads them.
 */
async function startReleaseServer(
  root: string,
  shims: Shims,
): Promise<{ server: Server; base: string; served: string[] }> {
  const { os, arch } = platformOf();
  const shim = (tool: string) =>
    `#!/bin/sh\nexec "${process.execPath}" "${shims.env.SHIM_SCRIPT ?? ''}" ${tool} "$@"\n`;
  const files = new Map<string, Buffer>();
  files.set(`/k0sctl/v${K0SCTL_VERSION}/k0sctl-${os}-${arch}`, Buffer.from(shim('k0sctl')));
  const pack = join(root, 'helm-pack');
  mkdirSync(join(pack, `${os}-${arch}`), { recursive: true });
  writeFileSync(join(pack, `${os}-${arch}`, 'helm'), shim('helm'), { mode: 0o755 });
  const tarball = join(mkdtempSync(join(root, 'helm-')), 'helm.tar.gz');
  execFileSync('tar', ['czf', tarball, '-C', pack, `${os}-${arch}`]);
  files.set(`/helm/helm-v${HELM_VERSION}-${os}-${arch}.tar.gz`, readFileSync(tarball));
  const served: string[] = [];
  const server = createServer((request, response) => {
    served.push(request.url ?? '');
    const body = files.get(request.url ?? '');
    response.writeHead(body ? 200 : 404);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
