import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDefinition, resolveDeployment } from '../../src/engine/deployment-source.js';
import { K0RDENT_PHASE_NAMES } from '../../src/graph/k0rdent-catalogue.js';
import { newDoc } from '../support/state-arbitraries.js';

// The built-in k0rdent deployment as a definition. A file of its own: loading the built-in phases
// takes seconds, which deployment-source.test.ts's other tests need not pay under mutation testing.

const DEFAULT_CONFIG = join(process.cwd(), 'config/k0rdent-default.yaml');

describe('the built-in deployment as a definition', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'k0rdent-source-built-in-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('--config loads it: not pinned unless metadata.deployment_id says so', async () => {
    const definition = await loadDefinition({ config: DEFAULT_CONFIG });
    expect(definition.kind).toBe('k0rdent');
    expect(definition.source).toBe(DEFAULT_CONFIG);
    expect(definition).not.toHaveProperty('pinned');
    const deployment = definition.deployment('k0rdent-ab12cd34');
    expect(deployment.id).toBe('k0rdent-ab12cd34');
    expect(deployment.graph.order).toEqual(expect.arrayContaining([...K0RDENT_PHASE_NAMES]));

    const pinnedFile = join(dir, 'k0rdent.yaml');
    writeFileSync(pinnedFile, 'metadata:\n  deployment_id: k0rdent-pinned01\n');
    const pinned = await loadDefinition({ config: pinnedFile });
    expect(pinned.pinned).toEqual({
      id: 'k0rdent-pinned01',
      where: `${pinnedFile} (metadata.deployment_id)`,
    });
    const resolved = await resolveDeployment({ config: pinnedFile }, undefined, 'state/');
    expect(resolved.identity).toMatchObject({ id: 'k0rdent-pinned01', source: 'pinned' });
    expect(resolved.deployment.id).toBe('k0rdent-pinned01');
  });

  test('with a k0rdent state, the config names the built-in deployment and the state its id', async () => {
    const stored = {
      ...newDoc(['prepare_deployment'], 'k0rdent-stored01'),
      source: { kind: 'k0rdent' as const },
    };
    const resolved = await resolveDeployment({ config: DEFAULT_CONFIG }, stored, 'state/');
    expect(resolved.identity).toEqual({
      id: 'k0rdent-stored01',
      source: 'stored',
      how: 'the one state/ holds',
    });
    expect(resolved.deployment.phases.map((p) => p.name)).toEqual(
      expect.arrayContaining(['prepare_deployment']),
    );
  });
});
