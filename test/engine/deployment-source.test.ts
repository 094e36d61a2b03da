import { join } from 'node:path';
import { loadDefinition, resolveDeployment, resolveListing } from '../../src/engine/deployment-source.js';
import { UserError } from '../../src/errors.js';
import { K0RDENT_CATALOGUE } from '../../src/graph/k0rdent-catalogue.js';
import type { StateDocument } from '../../src/state/schema.js';
import { EXAMPLE_PHASES, EXAMPLE_PIPELINE } from '../support/pipelines.js';
import { newDoc } from '../support/state-arbitraries.js';

const DEFAULT_CONFIG = join(process.cwd(), 'config/k0rdent-default.yaml');

function storedWith(source: StateDocument['source'], phases = ['one', 'two']): StateDocument {
  return { ...newDoc(phases, 'stored-one'), ...(source ? { source } : {}) };
}

describe('which deployment a command works on', () => {
  test('--pipeline loads that pipeline; with --config as well it is refused', async () => {
    const { deployment } = await resolveDeployment({ pipeline: EXAMPLE_PIPELINE }, undefined, 'state/');
    expect(deployment.id).toBe('local-demo');
    expect(deployment.graph.order).toEqual(EXAMPLE_PHASES);
    await expect(loadDefinition({ pipeline: EXAMPLE_PIPELINE, config: DEFAULT_CONFIG })).rejects.toThrow(
      new UserError('use either --pipeline or --config, not both'),
    );
  });

  test('without --pipeline, the pipeline the state was last run with, while its file exists', async () => {
    const stored = storedWith({ kind: 'pipeline', file: EXAMPLE_PIPELINE });
    const definition = await loadDefinition({}, stored);
    expect(definition).toMatchObject({ kind: 'pipeline', source: EXAMPLE_PIPELINE });
    expect(definition.deployment('stored-one').graph.order).toEqual(EXAMPLE_PHASES);
    await expect(loadDefinition({ config: DEFAULT_CONFIG }, stored)).rejects.toThrow(/not both/);
  });

  test('a pipeline deployment whose file is gone asks for --pipeline', async () => {
    await expect(loadDefinition({}, storedWith({ kind: 'pipeline', file: 'gone.yml' }))).rejects.toThrow(
      new UserError(
        'the state holds pipeline deployment stored-one, whose pipeline file gone.yml is gone; pass --pipeline FILE',
      ),
    );
    await expect(loadDefinition({}, storedWith({ kind: 'pipeline' }))).rejects.toThrow(
      'whose pipeline file (unknown) is gone',
    );
  });
  // The built-in k0rdent deployment is loaded by the CLI and action tests: importing it here costs
  // seconds, once per mutant under mutation testing.
});

describe('the phases a command lists', () => {
  test('a pipeline’s phases in order with their display names', async () => {
    const listing = await resolveListing({ pipeline: EXAMPLE_PIPELINE });
    expect(listing.map((p) => p.name)).toEqual(EXAMPLE_PHASES);
    expect(listing[0]).toEqual({ name: 'prepare_workspace', displayName: 'Prepare the workspace' });
    expect(await resolveListing({}, storedWith({ kind: 'pipeline', file: EXAMPLE_PIPELINE }))).toEqual(
      listing,
    );
  });

  test('the built-in catalogue without state or for a k0rdent state; the recorded phases when the pipeline is gone', async () => {
    const catalogue = K0RDENT_CATALOGUE.map((e) => ({ name: e.name, displayName: e.displayName }));
    expect(await resolveListing({})).toEqual(catalogue);
    expect(await resolveListing({}, storedWith({ kind: 'k0rdent' }))).toEqual(catalogue);
    expect(await resolveListing({}, storedWith({ kind: 'pipeline', file: 'gone.yml' }))).toEqual([
      { name: 'one', displayName: 'one' },
      { name: 'two', displayName: 'two' },
    ]);
    expect(await resolveListing({}, storedWith(undefined))).toEqual([
      { name: 'one', displayName: 'one' },
      { name: 'two', displayName: 'two' },
    ]);
  });
});
