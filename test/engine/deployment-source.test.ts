import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { derivedDeploymentId } from '../../src/engine/deployment-identity.js';
import {
  CLI_IDENTITY,
  loadDefinition,
  resolveDeployment,
  resolveListing,
  settleIdentity,
  type DeploymentDefinition,
  type IdentityContext,
} from '../../src/engine/deployment-source.js';
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

  test('a phase both enabled and disabled is refused, each one named once, before anything is read', async () => {
    await expect(
      loadDefinition({
        pipeline: 'not-read.yml',
        enable: ['kof', 'azure_children', 'kof'],
        disable: ['kof', 'other'],
      }),
    ).rejects.toThrow(
      new UserError(
        '--enable kof --disable kof: a phase cannot be switched on and off at once; pass one of the two',
      ),
    );
    await expect(
      loadDefinition({ enable: ['kof', 'azure_children'], disable: ['azure_children', 'kof'] }),
    ).rejects.toThrow(
      '--enable kof --disable kof, --enable azure_children --disable azure_children: a phase cannot',
    );
    // Switching a phase on, or off, alone is fine.
    for (const options of [{ enable: ['install_addons'] }, { disable: ['install_addons'] }]) {
      const definition = await loadDefinition({ pipeline: EXAMPLE_PIPELINE, ...options });
      expect(definition.kind).toBe('pipeline');
    }
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

  test('a pipeline that names its deployment pins it; one that names none needs an id from somewhere', async () => {
    expect((await loadDefinition({ pipeline: EXAMPLE_PIPELINE })).pinned).toEqual({
      id: 'local-demo',
      where: `${EXAMPLE_PIPELINE} (deployment)`,
    });
    const dir = mkdtempSync(join(tmpdir(), 'k0rdent-source-'));
    try {
      const unnamed = join(dir, 'p.yml');
      writeFileSync(unnamed, 'phases:\n  - name: only\n    run: echo one\n');
      const definition = await loadDefinition({ pipeline: unnamed });
      expect(definition).not.toHaveProperty('pinned');
      await expect(resolveDeployment({ pipeline: unnamed }, undefined, 'state/')).rejects.toThrow(
        new UserError(
          `${unnamed} names no deployment: add \`deployment: NAME\` to it, or pass --deployment-id`,
        ),
      );
      // Named on the command line, or by the state it was run with before.
      const given = await resolveDeployment(
        { pipeline: unnamed, deploymentId: 'given' },
        undefined,
        'state/',
      );
      expect(given.deployment.id).toBe('given');
      expect(given.identity).toEqual({ id: 'given', source: 'explicit', how: 'from --deployment-id' });
      const kept = await resolveDeployment({ pipeline: unnamed }, newDoc(['only'], 'kept'), 'state/');
      expect(kept.deployment.id).toBe('kept');
      expect(kept.identity).toEqual({ id: 'kept', source: 'stored', how: 'the one state/ holds' });
      await expect(
        resolveDeployment({ pipeline: unnamed, deploymentId: 'other' }, newDoc(['only'], 'kept'), 'state/'),
      ).rejects.toThrow(
        new UserError(
          `state/ holds deployment "kept", not "other" (from --deployment-id). ${CLI_IDENTITY.storedAdvice}`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe('the id of a deployment', () => {
  /** A definition as loadDefinition returns it, without loading the built-in deployment's phases. */
  function definition(kind: DeploymentDefinition['kind'], pinned?: string): DeploymentDefinition {
    return {
      kind,
      source: './config\\k0rdent.yaml',
      ...(pinned === undefined
        ? {}
        : { pinned: { id: pinned, where: 'k0rdent.yaml (metadata.deployment_id)' } }),
      deployment: () => {
        throw new Error('not needed to settle the id');
      },
    };
  }
  const derive: IdentityContext = {
    explicitName: 'input deployment-id',
    storedAdvice: 'Use another state-key.',
    fallback: { derive: { repository: 'acme/infra' } },
  };

  test('an explicit id, then the pinned one, then the stored one; disagreements name both sides', () => {
    const stored = { id: 'k0rdent-stored01', where: 'the state' };
    expect(settleIdentity(definition('k0rdent'), { explicit: 'k0rdent-given001' }, CLI_IDENTITY)).toEqual({
      id: 'k0rdent-given001',
      source: 'explicit',
      how: 'from --deployment-id',
    });
    expect(settleIdentity(definition('k0rdent', 'k0rdent-pinned01'), {}, CLI_IDENTITY)).toEqual({
      id: 'k0rdent-pinned01',
      source: 'pinned',
      how: 'pinned by k0rdent.yaml (metadata.deployment_id)',
    });
    expect(settleIdentity(definition('k0rdent'), { stored }, CLI_IDENTITY)).toEqual({
      id: 'k0rdent-stored01',
      source: 'stored',
      how: 'the one the state holds',
    });
    expect(() => settleIdentity(definition('k0rdent', 'k0rdent-pinned01'), { stored }, derive)).toThrow(
      new UserError(
        'the state holds deployment "k0rdent-stored01", not "k0rdent-pinned01" (from k0rdent.yaml (metadata.deployment_id)). Use another state-key.',
      ),
    );
    expect(() => settleIdentity(definition('pipeline', 'p1'), { explicit: 'p2' }, derive)).toThrow(
      'input deployment-id is "p2", but k0rdent.yaml (metadata.deployment_id) pins "p1"',
    );
  });

  test('a new built-in deployment gets a generated id on the command line', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const settled = settleIdentity(definition('k0rdent'), {}, CLI_IDENTITY);
      expect(settled).toMatchObject({
        source: 'generated',
        how: 'made for this new deployment and kept in its state',
      });
      expect(settled?.id).toMatch(/^k0rdent-[a-z0-9]{8}$/);
      ids.add(settled!.id);
    }
    // Random, not derived: five new deployments, five ids (a collision is 5 in 36^8).
    expect(ids.size).toBe(5);
  });

  test('in GitHub Actions a new built-in deployment gets an id derived from the repository and the config path', () => {
    const settled = settleIdentity(definition('k0rdent'), {}, derive);
    // The path as a workflow names it on any runner: forward slashes, no leading ./
    expect(settled).toEqual({
      id: derivedDeploymentId('k0rdent', 'acme/infra', 'config/k0rdent.yaml'),
      source: 'derived',
      how:
        'derived from the repository acme/infra and the config file config/k0rdent.yaml ' +
        '(set input deployment-id or metadata.deployment_id to choose another)',
    });
    expect(settleIdentity(definition('k0rdent'), {}, derive)).toEqual(settled);
  });

  test('without a fallback, or for a pipeline, nothing names a new deployment', () => {
    expect(settleIdentity(definition('k0rdent'), {}, { ...CLI_IDENTITY, fallback: 'none' })).toBeUndefined();
    expect(settleIdentity(definition('pipeline'), {}, CLI_IDENTITY)).toBeUndefined();
    expect(settleIdentity(definition('pipeline'), {}, derive)).toBeUndefined();
  });
});
