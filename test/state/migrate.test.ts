import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { statusOf } from '../../src/state/document.js';
import { K0RDENT_PHASE_NAMES } from '../../src/graph/k0rdent-catalogue.js';
import { LocalStateStore } from '../../src/stores/local-store.js';
import { StateDocumentSchema } from '../../src/state/schema.js';
import { scratchDir } from '../support/cli.js';

const fixtures = join(process.cwd(), 'test/fixtures/upstream');

let dir: string;
let cleanup: () => void;
let cwd: string;
beforeEach(() => {
  ({ dir, cleanup } = scratchDir());
  cwd = process.cwd();
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  cleanup();
});

function install(fixture: string, events?: string): LocalStateStore {
  mkdirSync(join(dir, 'state'));
  copyFileSync(join(fixtures, fixture), join(dir, 'state/deployment-state.yaml'));
  if (events) copyFileSync(join(fixtures, events), join(dir, 'state/deployment-events.yaml'));
  return new LocalStateStore(join(dir, 'state'));
}

function statuses(doc: Parameters<typeof statusOf>[0]): Record<string, string> {
  return Object.fromEntries(K0RDENT_PHASE_NAMES.map((p) => [p, statusOf(doc, p)]));
}

describe('migration of upstream state files', () => {
  test('the WireGuard port the VMs listen on is carried over as the recorded port', async () => {
    const doc = (await install('phase-string.yaml').load())!.doc;
    expect(doc.facts.wireguard_port?.value).toBe(41873);
    expect(doc.events.at(-1)?.data).toMatchObject({
      notes: expect.arrayContaining(['WireGuard port 41873 carried over from config.wireguard_port']),
    });
  });

  test("the docs' shape (deployment: {id, started_at}, phases as booleans, wireguard.peers) migrates", async () => {
    const loaded = await install('docs-shape.yaml').load();
    expect(loaded?.migration?.format).toBe('boolean-phase-map');
    const doc = loaded!.doc;
    expect(StateDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.deployment_id).toBe('k0rdent-d0c5h4p3');
    expect(doc.created_at).toBe('2025-06-02T10:00:00.000Z');
    expect(statuses(doc)).toMatchObject({
      prepare_deployment: 'completed',
      setup_network: 'completed',
      create_vms: 'pending',
    });
    expect(doc.facts.wireguard_peers?.value).toEqual({
      'k0s-controller': { ip: '192.168.100.11', public_key: 'b1JmW7m0fFQ1z6lWm8b3u5uQ9oS2e4m9q7c1a2p3r4s=' },
    });
    expect(doc.facts.wireguard_port?.value).toBe(43210);
  });

  test('phase-string shape: flags and the top-level phase imply statuses; private keys leave the document', async () => {
    const store = install('phase-string.yaml');
    const loaded = await store.load();
    expect(loaded?.migration?.format).toBe('phase-string');
    const doc = loaded!.doc;
    expect(StateDocumentSchema.safeParse(doc).success).toBe(true);
    expect(doc.deployment_id).toBe('k0rdent-q7x2m9ab');
    expect(statuses(doc)).toEqual({
      prepare_deployment: 'completed',
      setup_network: 'completed',
      create_vms: 'completed',
      setup_vpn: 'completed',
      connect_vpn: 'completed',
      install_k0s: 'in_progress',
      install_k0rdent: 'pending',
      setup_azure_children: 'skipped',
      install_azure_csi: 'skipped',
      install_kof_mothership: 'skipped',
      install_kof_regional: 'skipped',
    });
    expect(doc.phases.setup_network?.reason).toBe('migrated: azure_rg_status, azure_network_status, azure_ssh_key_status: created');
    expect(doc.phases.install_k0s?.reason).toBe('migrated: top-level phase install_k0s with status in_progress');
    expect(doc.config?.flags).toEqual({ azure_children: false, kof: false });
    expect(doc.facts.vm_states?.value).toMatchObject({ 'k0s-worker-1': { state: 'Succeeded' } });
    const migrated = doc.events.at(-1)!;
    expect(migrated).toMatchObject({ type: 'migrated', message: 'migrated from the upstream phase-string state format' });
    expect(migrated.data?.notes).toContain('create_vms: completed (vm_states: 2 VM(s) Succeeded)');

    const text = JSON.stringify(doc);
    expect(text).not.toContain('qH0uH8Dd2yTz6m2C4');
    expect(text).not.toContain('cF3m9Qp1vT0kL2x8Z');
    expect(doc.artifacts.wireguard_private_key_hub).toMatchObject({ sensitive: true, path: 'state/secrets/wireguard/hub.key' });
    expect(doc.facts.wireguard_peers?.value).toMatchObject({ hub: { ip: '192.168.100.1', public_key: expect.any(String) } });
  });

  test('the first write keeps the original next to the file and writes the keys with mode 600', async () => {
    const original = readFileSync(join(fixtures, 'phase-string.yaml'), 'utf8');
    const store = install('phase-string.yaml');
    const loaded = await store.load();
    await store.save(loaded!.doc);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml.pre-v2.bak'), 'utf8')).toBe(original);
    const key = join(dir, 'state/secrets/wireguard/k0s_controller.key');
    expect(readFileSync(key, 'utf8')).toBe('cF3m9Qp1vT0kL2x8Z5n7W4r6Y1u3i5o7p9a2s4d6f8g=');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml'), 'utf8')).toMatch(/^# k0rdent-deploy deployment state \(schema 2\)/);
    // A later load is of schema 2: nothing more to migrate, and the backup is not rewritten.
    writeFileSync(join(dir, 'state/deployment-state.yaml.pre-v2.bak'), 'kept');
    const again = await new LocalStateStore(join(dir, 'state')).load();
    expect(again?.migration).toBeUndefined();
    await new LocalStateStore(join(dir, 'state')).save(again!.doc);
    expect(readFileSync(join(dir, 'state/deployment-state.yaml.pre-v2.bak'), 'utf8')).toBe('kept');
  });

  test('partial phase map: recorded statuses win, flags fill the gaps, events and artifacts come along', async () => {
    mkdirSync(join(dir, 'k0sctl-config'));
    writeFileSync(join(dir, 'k0sctl-config/k0rdent-m3n4b5v6-k0sctl.yaml'), 'apiVersion: k0sctl.k0sproject.io/v1beta1\n');
    writeFileSync(join(dir, 'k0sctl-config/k0rdent-m3n4b5v6-kubeconfig'), 'apiVersion: v1\nkind: Config\n');
    chmodSync(join(dir, 'k0sctl-config/k0rdent-m3n4b5v6-kubeconfig'), 0o600);
    const store = install('phase-map-partial.yaml', 'phase-map-partial.events.yaml');
    const loaded = await store.load();
    expect(loaded?.migration?.format).toBe('phase-map');
    const doc = loaded!.doc;
    expect(statuses(doc)).toMatchObject({
      setup_vpn: 'completed',
      connect_vpn: 'completed',
      install_k0s: 'completed',
      install_k0rdent: 'in_progress',
      setup_azure_children: 'pending',
      install_kof_regional: 'skipped',
    });
    expect(doc.phases.install_k0s?.reason).toBe('migrated: k0s_cluster_deployed: true');
    expect(doc.phases.connect_vpn?.reason).toBe('migrated: before top-level phase install_k0rdent');
    expect(doc.phases.install_k0rdent?.reason).toBe('migrated: phases.install_k0rdent.status: in_progress');
    expect(doc.artifacts.k0sctl_config).toMatchObject({ size: 41, sensitive: false });
    expect(doc.artifacts.kubeconfig).toMatchObject({ sensitive: true });
    expect(doc.artifacts.laptop_wg_config).toBeUndefined();
    expect(loaded!.migration!.notes).toContain('artifact laptop_wg_config: file wireguard/wgk0m3n4b5v6.conf not found; not migrated');
    const imported = doc.events.filter((e) => e.type === 'note');
    expect(imported.map((e) => e.message)).toEqual([
      'deployment_started: Starting k0rdent deployment',
      'phase_completed: Azure network ready',
      'phase_started: Installing k0rdent',
    ]);
    expect(imported[1]?.phase).toBe('setup_network');
  });

  test('boolean phase map: true is completed, false and absent are pending, disabled flags skip', async () => {
    const loaded = await install('boolean-phase-map.yaml').load();
    expect(loaded?.migration?.format).toBe('boolean-phase-map');
    expect(statuses(loaded!.doc)).toEqual({
      prepare_deployment: 'completed',
      setup_network: 'completed',
      create_vms: 'completed',
      setup_vpn: 'completed',
      connect_vpn: 'pending',
      install_k0s: 'pending',
      install_k0rdent: 'pending',
      setup_azure_children: 'skipped',
      install_azure_csi: 'pending',
      install_kof_mothership: 'pending',
      install_kof_regional: 'pending',
    });
  });

  test('loading migrates in memory only: the file is untouched until a write', async () => {
    const store = install('boolean-phase-map.yaml');
    const before = readFileSync(store.file, 'utf8');
    await store.load();
    expect(readFileSync(store.file, 'utf8')).toBe(before);
  });
});
