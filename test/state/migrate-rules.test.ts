import { createHash } from 'node:crypto';
import { fingerprint } from '../../src/state/canonical.js';
import { parseHlc } from '../../src/state/hlc.js';
import {
  detectLegacyFormat,
  isLegacyState,
  legacyArtifactPaths,
  LegacyEventsSchema,
  LegacyStateSchema,
  migrateLegacyState,
  normalizeLegacyShape,
  type LegacyEvents,
  type MigrationResult,
} from '../../src/state/migrate.js';
import { StateDocumentSchema } from '../../src/state/schema.js';

// The rules of the upstream migration, one at a time, on the pure function (migrate.test.ts runs
// whole upstream files through the store).

const NOW = '2026-01-01T00:00:00.000Z';
const FLAGS_OFF = { deployment_flags: { azure_children: false, kof: false } };

function migrate(
  legacy: Record<string, unknown>,
  options: {
    events?: LegacyEvents;
    files?: ReadonlyMap<string, { sha256: string; size: number }>;
  } = {},
): MigrationResult {
  const parsed = LegacyStateSchema.parse({ deployment_id: 'k0rdent-rules', ...legacy });
  const result = migrateLegacyState({
    legacy: parsed,
    ...(options.events ? { events: options.events } : {}),
    files: options.files ?? new Map(),
    now: NOW,
    secretsDir: 'state/secrets',
  });
  // Whatever the input, the result is a valid schema 2 document.
  const valid = StateDocumentSchema.safeParse(result.doc);
  if (!valid.success) throw new Error(`invalid migrated document: ${valid.error.message}`);
  return result;
}

const statusOf = (result: MigrationResult, phase: string) => result.doc.phases[phase]?.status;
const reasonOf = (result: MigrationResult, phase: string) => result.doc.phases[phase]?.reason;

describe('statuses from the phase map', () => {
  test.each([
    ['pending', 'pending'],
    ['Not Started', 'pending'],
    ['not-started', 'pending'],
    ['in_progress', 'in_progress'],
    ['In Progress', 'in_progress'],
    ['running', 'in_progress'],
    ['completed', 'completed'],
    ['complete', 'completed'],
    [' DONE ', 'completed'],
    ['deployed', 'completed'],
    ['skipped', 'skipped'],
    ['failed', 'failed'],
    ['error', 'failed'],
  ])('status %j reads as %s', (legacyStatus, expected) => {
    const result = migrate({ ...FLAGS_OFF, phases: { create_vms: { status: legacyStatus } } });
    expect(statusOf(result, 'create_vms')).toBe(expected);
    expect(reasonOf(result, 'create_vms')).toBe(`migrated: phases.create_vms.status: ${legacyStatus}`);
  });

  test('an unknown status falls through to the flags, then to pending', () => {
    const result = migrate({
      ...FLAGS_OFF,
      wg_keys_generated: true,
      phases: { prepare_deployment: { status: 'weird' }, setup_network: { status: 'weird' } },
    });
    expect(statusOf(result, 'prepare_deployment')).toBe('completed');
    expect(reasonOf(result, 'prepare_deployment')).toBe('migrated: wg_keys_generated: true');
    expect(statusOf(result, 'setup_network')).toBe('pending');
    expect(reasonOf(result, 'setup_network')).toBe('migrated: no record of it');
  });

  test("an entry's own time, skip reason and attempts are kept", () => {
    const result = migrate({
      ...FLAGS_OFF,
      last_updated: '2025-05-05T05:05:05Z',
      phases: {
        prepare_deployment: { status: 'completed', updated_at: '2025-05-01T01:00:00Z' },
        setup_network: { status: 'skipped', skipped_reason: 'network exists' },
        create_vms: { status: 'failed', updated_at: 'not a time' },
      },
    });
    const prepare = result.doc.phases.prepare_deployment!;
    expect(prepare).toMatchObject({
      updated_at: '2025-05-01T01:00:00.000Z',
      completed_at: '2025-05-01T01:00:00.000Z',
      attempts: 1,
    });
    expect(reasonOf(result, 'setup_network')).toBe('migrated: phases.setup_network.status: skipped (network exists)');
    expect(result.doc.phases.setup_network).not.toHaveProperty('completed_at');
    // A time that does not parse gives way to the file's own.
    expect(result.doc.phases.create_vms).toMatchObject({ updated_at: '2025-05-05T05:05:05.000Z', attempts: 1 });
    expect(result.doc.phases.connect_vpn).toMatchObject({ status: 'pending', attempts: 0 });
  });

  test('booleans: true is completed, false pending, each with its reason', () => {
    const result = migrate({ ...FLAGS_OFF, phases: { prepare_deployment: true, setup_network: false } });
    expect(result.format).toBe('boolean-phase-map');
    expect(statusOf(result, 'prepare_deployment')).toBe('completed');
    expect(reasonOf(result, 'prepare_deployment')).toBe('migrated: phases.prepare_deployment: true');
    expect(statusOf(result, 'setup_network')).toBe('pending');
    expect(reasonOf(result, 'setup_network')).toBe('migrated: phases.setup_network: false');
  });

  test('a phase behind a flag that is off is skipped whatever the map says', () => {
    const result = migrate({
      deployment_flags: { azure_children: 'false', kof: false },
      phases: { setup_azure_children: { status: 'completed' } },
    });
    expect(statusOf(result, 'setup_azure_children')).toBe('skipped');
    expect(reasonOf(result, 'setup_azure_children')).toBe('migrated: deployment flag azure_children is off');
    expect(result.doc.config?.flags).toEqual({ azure_children: false, kof: false });
  });

  test('flags written as the strings "true" count as on', () => {
    const result = migrate({
      deployment_flags: { azure_children: 'true', kof: true },
      phases: { setup_azure_children: { status: 'completed' }, install_kof_regional: true },
    });
    expect(result.doc.config?.flags).toEqual({ azure_children: true, kof: true });
    expect(statusOf(result, 'setup_azure_children')).toBe('completed');
    expect(statusOf(result, 'install_kof_regional')).toBe('completed');
    expect(statusOf(result, 'install_kof_mothership')).toBe('pending');
  });
});

describe('statuses from the upstream flags', () => {
  test.each([
    ['prepare_deployment', { wg_keys_generated: true }, 'wg_keys_generated: true'],
    ['setup_vpn', { wg_laptop_config_created: 'true' }, 'wg_laptop_config_created: true'],
    ['connect_vpn', { wg_vpn_connected: true }, 'wg_vpn_connected: true'],
    ['install_k0s', { k0s_cluster_deployed: true }, 'k0s_cluster_deployed: true'],
    ['install_k0rdent', { k0rdent_installed: true }, 'k0rdent_installed: true'],
  ])('%s is completed by %j', (phase, flags, because) => {
    const result = migrate({ ...FLAGS_OFF, ...flags });
    expect(statusOf(result, phase)).toBe('completed');
    expect(reasonOf(result, phase)).toBe(`migrated: ${because}`);
    // Only that phase: no flag implies another.
    const completed = Object.entries(result.doc.phases).filter(([, r]) => r.status === 'completed');
    expect(completed.map(([name]) => name)).toEqual([phase]);
  });

  test('a flag set to false, or the string "false", completes nothing', () => {
    const result = migrate({ ...FLAGS_OFF, wg_keys_generated: 'false', k0s_cluster_deployed: false });
    expect(statusOf(result, 'prepare_deployment')).toBe('pending');
    expect(statusOf(result, 'install_k0s')).toBe('pending');
  });

  test('the network needs all three Azure statuses created', () => {
    const all = { azure_rg_status: 'created', azure_network_status: 'created', azure_ssh_key_status: 'created' };
    expect(statusOf(migrate({ ...FLAGS_OFF, ...all }), 'setup_network')).toBe('completed');
    expect(reasonOf(migrate({ ...FLAGS_OFF, ...all }), 'setup_network')).toBe(
      'migrated: azure_rg_status, azure_network_status, azure_ssh_key_status: created',
    );
    for (const key of Object.keys(all)) {
      const one = migrate({ ...FLAGS_OFF, ...all, [key]: 'creating' });
      expect(statusOf(one, 'setup_network')).toBe('pending');
    }
  });

  test('the VMs need at least one VM and every VM Succeeded (any case)', () => {
    const succeeded = migrate({ ...FLAGS_OFF, vm_states: { a: { state: 'SUCCEEDED' }, b: { state: 'succeeded' } } });
    expect(statusOf(succeeded, 'create_vms')).toBe('completed');
    expect(reasonOf(succeeded, 'create_vms')).toBe('migrated: vm_states: 2 VM(s) Succeeded');
    expect(statusOf(migrate({ ...FLAGS_OFF, vm_states: {} }), 'create_vms')).toBe('pending');
    const oneFailed = migrate({ ...FLAGS_OFF, vm_states: { a: { state: 'Succeeded' }, b: { state: 'Failed' } } });
    expect(statusOf(oneFailed, 'create_vms')).toBe('pending');
    const unknown = migrate({ ...FLAGS_OFF, vm_states: { a: { state: 'Succeeded' }, b: null, c: {} } });
    expect(statusOf(unknown, 'create_vms')).toBe('pending');
    // The VMs' states are kept as a fact either way.
    expect(oneFailed.doc.facts.vm_states?.value).toEqual({ a: { state: 'Succeeded' }, b: { state: 'Failed' } });
    expect(migrate(FLAGS_OFF).doc.facts.vm_states).toBeUndefined();
  });
});

describe('statuses from the top-level phase', () => {
  test('phases before it are completed; it takes the top-level status; later ones are pending', () => {
    const result = migrate({ ...FLAGS_OFF, phase: 'create_vms', status: 'failed' });
    expect(result.format).toBe('phase-string');
    expect(statusOf(result, 'prepare_deployment')).toBe('completed');
    expect(reasonOf(result, 'setup_network')).toBe('migrated: before top-level phase create_vms');
    expect(statusOf(result, 'create_vms')).toBe('failed');
    expect(reasonOf(result, 'create_vms')).toBe('migrated: top-level phase create_vms with status failed');
    expect(statusOf(result, 'setup_vpn')).toBe('pending');
  });

  test('without a top-level status, or with one it cannot read, the phase was in progress', () => {
    const bare = migrate({ ...FLAGS_OFF, phase: 'setup_vpn' });
    expect(statusOf(bare, 'setup_vpn')).toBe('in_progress');
    expect(reasonOf(bare, 'setup_vpn')).toBe('migrated: top-level phase setup_vpn with status unknown');
    expect(statusOf(migrate({ ...FLAGS_OFF, phase: 'setup_vpn', status: 'odd' }), 'setup_vpn')).toBe('in_progress');
  });

  test.each(['completed', 'deployed', 'done'])('"%s" marks every phase without a flag completed', (marker) => {
    const result = migrate({ deployment_flags: { azure_children: true, kof: false }, phase: marker });
    expect(statusOf(result, 'install_k0rdent')).toBe('completed');
    expect(reasonOf(result, 'prepare_deployment')).toBe(`migrated: top-level phase ${marker}`);
    // A phase behind a flag that is on has no record of its own.
    expect(statusOf(result, 'setup_azure_children')).toBe('pending');
    expect(statusOf(result, 'install_kof_regional')).toBe('skipped');
    expect(result.notes.some((n) => n.includes('is not a known phase'))).toBe(false);
  });

  test('an unknown top-level phase is ignored with a note', () => {
    const result = migrate({ ...FLAGS_OFF, phase: 'install_everything', status: 'completed' });
    expect(result.notes).toContain('top-level phase "install_everything" is not a known phase; ignored');
    expect(statusOf(result, 'prepare_deployment')).toBe('pending');
  });

  test('the phase map wins over the flags, and the flags over the top-level phase', () => {
    const result = migrate({
      ...FLAGS_OFF,
      phase: 'install_k0rdent',
      status: 'in_progress',
      k0s_cluster_deployed: false,
      k0rdent_installed: true,
      phases: { prepare_deployment: { status: 'failed' } },
    });
    expect(statusOf(result, 'prepare_deployment')).toBe('failed');
    expect(statusOf(result, 'install_k0s')).toBe('completed');
    expect(reasonOf(result, 'install_k0s')).toBe('migrated: before top-level phase install_k0rdent');
    expect(reasonOf(result, 'install_k0rdent')).toBe('migrated: k0rdent_installed: true');
  });
});

describe('times and stamps', () => {
  test('last_updated dates the records; created_at the document; a missing or broken time falls back', () => {
    const both = migrate({ ...FLAGS_OFF, created_at: '2025-01-01T00:00:00Z', last_updated: '2025-02-02T00:00:00Z' });
    expect(both.doc.created_at).toBe('2025-01-01T00:00:00.000Z');
    expect(both.doc.phases.prepare_deployment?.updated_at).toBe('2025-02-02T00:00:00.000Z');
    const createdOnly = migrate({ ...FLAGS_OFF, created_at: '2025-01-01T00:00:00Z' });
    expect(createdOnly.doc.phases.prepare_deployment?.updated_at).toBe('2025-01-01T00:00:00.000Z');
    const updatedOnly = migrate({ ...FLAGS_OFF, last_updated: '2025-02-02T00:00:00Z' });
    expect(updatedOnly.doc.created_at).toBe('2025-02-02T00:00:00.000Z');
    const none = migrate({ ...FLAGS_OFF, created_at: 'yesterday', last_updated: 'soon' });
    expect(none.doc.created_at).toBe(NOW);
    expect(none.doc.config?.updated_at).toBe(NOW);
    // YAML timestamps arrive as dates.
    const dated = migrate({ ...FLAGS_OFF, last_updated: new Date('2025-03-03T03:03:03Z') });
    expect(dated.doc.phases.setup_network?.updated_at).toBe('2025-03-03T03:03:03.000Z');
  });

  test('every record gets its own stamp, in order, from the migration at the file time', () => {
    const result = migrate({
      ...FLAGS_OFF,
      last_updated: '2025-02-02T00:00:00Z',
      wireguard_peers: { hub: { ip: '10.0.0.1', private_key: 'k' } },
      vm_states: { a: { state: 'Succeeded' } },
      config: { wireguard_port: 51820 },
    });
    const { doc } = result;
    const stamps = [
      ...Object.values(doc.phases).map((r) => r.hlc),
      doc.artifacts.wireguard_private_key_hub!.hlc,
      doc.facts.wireguard_peers!.hlc,
      doc.facts.wireguard_port!.hlc,
      doc.facts.vm_states!.hlc,
      doc.config!.hlc,
      doc.events.at(-1)!.id,
    ];
    const parsed = stamps.map(parseHlc);
    expect(parsed.map((p) => p.counter)).toEqual(stamps.map((_, i) => i));
    expect(new Set(parsed.map((p) => p.node))).toEqual(new Set(['migrated']));
    expect(new Set(parsed.map((p) => p.wall))).toEqual(new Set([Date.parse('2025-02-02T00:00:00Z')]));
    expect(doc.events.at(-1)).toMatchObject({ at: '2025-02-02T00:00:00.000Z', type: 'migrated' });
  });

  test('the run is the migration, by the deployer when known', () => {
    const run = migrate({ ...FLAGS_OFF, deployer: 'alice@laptop' }).doc.events.at(-1)!.run;
    expect(run).toEqual({ run_id: 'migration', attempt: 1, job: 'migrate', actor: 'alice@laptop' });
    expect(migrate(FLAGS_OFF).doc.events.at(-1)!.run?.actor).toBe('unknown');
  });
});

describe('artifacts', () => {
  const file = (text: string) => ({ sha256: createHash('sha256').update(text).digest('hex'), size: text.length });

  test('each file found is recorded under a safe name; missing and escaping paths are noted', () => {
    const files = new Map([
      ['out/kubeconfig', file('kube')],
      ['out/K0s Config.yaml', file('k0s')],
      ['out/9lives', file('nine')],
      ['out/tokens.txt', file('t')],
    ]);
    const result = migrate(
      {
        ...FLAGS_OFF,
        last_updated: '2025-02-02T00:00:00Z',
        artifacts: {
          'Admin-Kubeconfig': { path: 'out/kubeconfig', updated_at: '2025-01-10T00:00:00Z' },
          'k0s config!': { path: 'out/K0s Config.yaml', metadata: { hosts: 3, ha: true, by: 'k0sctl' } },
          '9lives': { path: 'out/9lives', metadata: { nested: { no: 1 } } },
          join_token: { path: 'out/tokens.txt', updated_at: 'never' },
          gone: { path: 'out/gone' },
          outside: { path: '../elsewhere/key' },
          absolute: { path: '/etc/passwd' },
        },
      },
      { files },
    );
    const { artifacts } = result.doc;
    expect(Object.keys(artifacts).sort()).toEqual(['admin_kubeconfig', 'join_token', 'k0s_config', 'x_9lives']);
    expect(artifacts.admin_kubeconfig).toMatchObject({
      path: 'out/kubeconfig',
      sha256: file('kube').sha256,
      size: 4,
      sensitive: true,
      updated_at: '2025-01-10T00:00:00.000Z',
    });
    expect(artifacts.k0s_config).toMatchObject({ sensitive: false, metadata: { hosts: 3, ha: true, by: 'k0sctl' } });
    expect(artifacts.x_9lives).not.toHaveProperty('metadata');
    expect(artifacts.x_9lives?.sensitive).toBe(false);
    expect(artifacts.join_token).toMatchObject({ sensitive: true, updated_at: '2025-02-02T00:00:00.000Z' });
    expect(result.notes).toEqual(
      expect.arrayContaining([
        'artifact gone: file out/gone not found; not migrated',
        'artifact outside: path ../elsewhere/key is outside the working directory; not migrated',
        'artifact absolute: path /etc/passwd is outside the working directory; not migrated',
      ]),
    );
    expect(legacyArtifactPaths(LegacyStateSchema.parse({ deployment_id: 'x', artifacts: { a: { path: 'p/q' } } }))).toEqual([
      'p/q',
    ]);
    expect(legacyArtifactPaths(LegacyStateSchema.parse({ deployment_id: 'x' }))).toEqual([]);
  });

  test.each(['ssh_key', 'SECRET_store', 'api-token', 'kubeconfig_admin'])('%s is sensitive', (name) => {
    const result = migrate({ ...FLAGS_OFF, artifacts: { [name]: { path: 'f' } } }, { files: new Map([['f', file('x')]]) });
    expect(Object.values(result.doc.artifacts)[0]?.sensitive).toBe(true);
  });
});

describe('WireGuard peers', () => {
  test('private keys leave the document as secrets; the public part stays as a fact', () => {
    const result = migrate({
      ...FLAGS_OFF,
      last_updated: '2025-02-02T00:00:00Z',
      wireguard_peers: {
        'K0s-Controller': { ip: '10.0.0.2', role: 'controller', private_key: 'private-one=', public_key: 'pub' },
        laptop: { ip: '10.0.0.9', keys_generated_at: '2025-01-05T10:00:00Z', public_key: 'pub2' },
        odd: { ip: '10.0.0.3', keys_generated_at: 'whenever' },
      },
    });
    expect(result.secrets).toEqual([
      {
        artifact: 'wireguard_private_key_k0s_controller',
        path: 'state/secrets/wireguard/k0s_controller.key',
        value: 'private-one=',
        phase: 'prepare_deployment',
      },
    ]);
    expect(result.doc.artifacts.wireguard_private_key_k0s_controller).toEqual({
      hlc: expect.any(String),
      updated_at: '2025-02-02T00:00:00.000Z',
      path: 'state/secrets/wireguard/k0s_controller.key',
      sha256: createHash('sha256').update('private-one=').digest('hex'),
      size: 12,
      phase: 'prepare_deployment',
      sensitive: true,
      metadata: { host: 'K0s-Controller', source: 'migrated from plaintext state' },
    });
    expect(result.notes).toContain('moved 1 WireGuard private key(s) out of the state document into protected files');
    expect(result.doc.facts.wireguard_peers?.value).toEqual({
      'K0s-Controller': { ip: '10.0.0.2', role: 'controller', public_key: 'pub' },
      laptop: { ip: '10.0.0.9', keys_generated_at: '2025-01-05T10:00:00.000Z', public_key: 'pub2' },
      odd: { ip: '10.0.0.3', keys_generated_at: '2025-02-02T00:00:00.000Z' },
    });
    expect(JSON.stringify(result.doc)).not.toContain('private-one=');
  });

  test('without private keys there is nothing to move; without peers no fact', () => {
    const result = migrate({ ...FLAGS_OFF, wireguard_peers: { hub: { ip: '10.0.0.1' } } });
    expect(result.secrets).toEqual([]);
    expect(result.notes.some((n) => n.startsWith('moved'))).toBe(false);
    expect(migrate({ ...FLAGS_OFF, wireguard_peers: {} }).doc.facts.wireguard_peers).toBeUndefined();
  });
});

describe('the WireGuard port', () => {
  test.each([
    [51820, 51820],
    ['51820', 51820],
    [' 443 ', 443],
    [1, 1],
    [65535, 65535],
  ])('%j is carried over as %d', (value, port) => {
    const result = migrate({ ...FLAGS_OFF, config: { wireguard_port: value } });
    expect(result.doc.facts.wireguard_port?.value).toBe(port);
    expect(result.notes).toContain(`WireGuard port ${port} carried over from config.wireguard_port`);
  });

  test.each([0, 65536, 51820.5, -1, 'abc', '12a', true])('%j is not a port, and says so', (value) => {
    const result = migrate({ ...FLAGS_OFF, config: { wireguard_port: value } });
    expect(result.doc.facts.wireguard_port).toBeUndefined();
    expect(result.notes).toContain(`config.wireguard_port ${JSON.stringify(value)} is not a port; not carried over`);
  });

  test('no port, no fact and no note', () => {
    const result = migrate(FLAGS_OFF);
    expect(result.doc.facts).toEqual({});
    expect(result.notes.some((n) => n.includes('wireguard_port'))).toBe(false);
  });
});

describe('configuration and source', () => {
  test("the config snapshot keeps the file's config and names its source file", () => {
    const result = migrate({
      deployment_flags: { azure_children: true, kof: false },
      source_config_file: 'config/k0rdent.yaml',
      config: { location: 'westeurope', controllers: 3 },
    });
    const snapshot = { controllers: 3, location: 'westeurope', source_config_file: 'config/k0rdent.yaml' };
    expect(result.doc.config).toMatchObject({
      snapshot,
      fingerprint: fingerprint(snapshot),
      flags: { azure_children: true, kof: false },
    });
    expect(result.doc.source).toEqual({ kind: 'k0rdent', file: 'config/k0rdent.yaml' });
    const bare = migrate(FLAGS_OFF);
    expect(bare.doc.source).toEqual({ kind: 'k0rdent' });
    expect(bare.doc.config?.snapshot).toEqual({});
    expect(bare.doc.config?.fingerprint).toBe(fingerprint({}));
  });

  test('the migrated event lists every note, including one per phase', () => {
    const result = migrate({ ...FLAGS_OFF, phase: 'nowhere' });
    const event = result.doc.events.at(-1)!;
    expect(event).toMatchObject({ type: 'migrated', message: 'migrated from the upstream phase-string state format' });
    expect(event.data).toEqual({ format: 'phase-string', notes: result.notes });
    expect(result.notes).toContain('prepare_deployment: pending (no record of it)');
    expect(result.notes).toContain('setup_azure_children: skipped (deployment flag azure_children is off)');
  });
});

describe('upstream events', () => {
  test('imported as notes, in time order before the migration, with their phase when it is a name', () => {
    const events = LegacyEventsSchema.parse({
      events: [
        { timestamp: '2025-01-02T00:00:00Z', action: 'phase_started', message: 'Creating VMs', phase: 'create_vms' },
        { timestamp: '2025-01-01T00:00:00Z', action: 'deployment_started', message: 'Starting  ' },
        { timestamp: 'garbage', message: 'no action', phase: 'Not A Phase' },
        { action: 'bare' },
      ],
    });
    const result = migrate({ ...FLAGS_OFF, last_updated: '2025-02-02T00:00:00Z' }, { events });
    const notes = result.doc.events.filter((e) => e.type === 'note');
    expect(notes.map((e) => e.message)).toEqual([
      'deployment_started: Starting',
      'phase_started: Creating VMs',
      'event: no action',
      'bare:',
    ]);
    expect(notes.map((e) => e.phase)).toEqual([undefined, 'create_vms', undefined, undefined]);
    expect(notes.map((e) => e.at)).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-02T00:00:00.000Z',
      '2025-02-02T00:00:00.000Z',
      '2025-02-02T00:00:00.000Z',
    ]);
    expect(new Set(notes.map((e) => parseHlc(e.id).node))).toEqual(new Set(['upstream-events']));
    expect(notes.every((e) => e.id < result.doc.events.at(-1)!.id)).toBe(true);
    expect(result.notes).toContain('imported 4 event(s) from the upstream events file');
  });

  test('an event dated after the file is stamped at the file time, keeping its date', () => {
    const events = LegacyEventsSchema.parse({ events: [{ timestamp: '2030-01-01T00:00:00Z', action: 'late' }] });
    const result = migrate({ ...FLAGS_OFF, last_updated: '2025-02-02T00:00:00Z' }, { events });
    const note = result.doc.events[0]!;
    expect(note.at).toBe('2030-01-01T00:00:00.000Z');
    expect(parseHlc(note.id).wall).toBe(Date.parse('2025-02-02T00:00:00Z'));
  });

  test('no events file, or an empty one, imports nothing', () => {
    expect(migrate(FLAGS_OFF).notes.some((n) => n.startsWith('imported'))).toBe(false);
    const empty = migrate(FLAGS_OFF, { events: LegacyEventsSchema.parse({ events: null }) });
    expect(empty.doc.events.map((e) => e.type)).toEqual(['migrated']);
  });
});

describe('recognising and normalising legacy files', () => {
  test('a legacy file has no schema_version and names a deployment', () => {
    expect(isLegacyState({ deployment_id: 'x' })).toBe(true);
    expect(isLegacyState({ deployment: { id: 'x' } })).toBe(true);
    expect(isLegacyState({ deployment: 'x' })).toBe(false);
    expect(isLegacyState({ deployment: null })).toBe(false);
    expect(isLegacyState({ deployment_id: 'x', schema_version: 2 })).toBe(false);
    expect(isLegacyState({ phase: 'create_vms' })).toBe(false);
    expect(isLegacyState(null)).toBe(false);
    expect(isLegacyState('deployment_id')).toBe(false);
  });

  test('the format follows the phase map', () => {
    const parse = (extra: Record<string, unknown>) => LegacyStateSchema.parse({ deployment_id: 'x', ...extra });
    expect(detectLegacyFormat(parse({}))).toBe('phase-string');
    expect(detectLegacyFormat(parse({ phases: { a: { status: 'done' } } }))).toBe('phase-map');
    expect(detectLegacyFormat(parse({ phases: { a: { status: 'done' }, b: true } }))).toBe('boolean-phase-map');
  });

  test("the docs' nested shape reads as the flat keys, which win where both exist", () => {
    expect(
      normalizeLegacyShape({
        deployment: { id: 'nested', started_at: '2025-01-01T00:00:00Z' },
        wireguard: { peers: { hub: { wireguard_ip: '10.0.0.1', public_key: 'p' }, raw: 'text' } },
      }),
    ).toEqual({
      deployment_id: 'nested',
      created_at: '2025-01-01T00:00:00Z',
      wireguard_peers: { hub: { ip: '10.0.0.1', public_key: 'p' }, raw: 'text' },
    });
    expect(
      normalizeLegacyShape({
        deployment_id: 'flat',
        created_at: 'flat-time',
        deployment: { id: 'nested', started_at: 'nested-time' },
        wireguard: { peers: { hub: { wireguard_ip: '10.0.0.1', ip: '10.0.0.5' } } },
      }),
    ).toEqual({ deployment_id: 'flat', created_at: 'flat-time', wireguard_peers: { hub: { ip: '10.0.0.5' } } });
    // Flat peers win over nested ones, which then stay as they were.
    const both = { wireguard_peers: { a: {} }, wireguard: { peers: { b: {} } } };
    expect(normalizeLegacyShape(both)).toEqual(both);
    expect(normalizeLegacyShape({ deployment: { other: 1 } })).toEqual({});
    expect(normalizeLegacyShape({ wireguard: { peers: ['a'] } })).toEqual({ wireguard: { peers: ['a'] } });
  });

  test('the legacy schema takes the spellings upstream wrote and refuses an empty id', () => {
    const parsed = LegacyStateSchema.safeParse({
      deployment_id: 'x',
      created_at: new Date(0),
      wg_keys_generated: 'true',
      k0s_cluster_deployed: 'false',
      deployment_flags: { kof: 'true', azure_children: false },
      vm_states: { a: null, b: { state: 'Succeeded' } },
      phases: { a: true, b: { status: 'done', updated_at: new Date(0), skipped_reason: 'r' } },
      wireguard_peers: { hub: { ip: '1', role: 'hub', private_key: 'k', public_key: 'p', keys_generated_at: new Date(0) } },
      extra_key: 'kept',
    });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toMatchObject({ extra_key: 'kept' });
    expect(LegacyStateSchema.safeParse({ deployment_id: '' }).success).toBe(false);
    expect(LegacyStateSchema.safeParse({ deployment_id: 'x', wg_keys_generated: 'yes' }).success).toBe(false);
    expect(LegacyStateSchema.safeParse({ deployment_id: 'x', phases: { a: 'done' } }).success).toBe(false);
    expect(LegacyStateSchema.safeParse({ deployment_id: 'x', artifacts: { a: {} } }).success).toBe(false);
    expect(LegacyEventsSchema.safeParse({ events: [{ action: 1 }] }).success).toBe(false);
  });
});
