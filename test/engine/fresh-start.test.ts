import { guardFreshStart, type FreshStartGuard } from '../../src/engine/fresh-start.js';
import { UserError } from '../../src/errors.js';
import { parsePipeline } from '../../src/phases/pipeline/load.js';
import { createClients } from '../support/fake-arm/clients.js';
import { newDoc } from '../support/state-arbitraries.js';
import { DEPLOYMENT_ID, RG, startHarness, type Harness } from '../phases/k0rdent/harness.js';

// The engine's side of "never start fresh over a live deployment", against the fake ARM server:
// which deployments ask Azure, and what the user is told (test/phases/k0rdent/fresh-start.test.ts
// runs it through the CLI and the action).
describe('guardFreshStart', () => {
  let h: Harness;
  let notices: string[];
  let warnings: string[];
  const guard = (adoptFresh: boolean, signal?: AbortSignal): FreshStartGuard => ({
    searched: 'local state directory ./state',
    ways: ['pass --state-dir where the state is', 'pass --adopt-fresh to start over knowingly'],
    adoptFresh,
    notice: (m) => notices.push(m),
    warn: (m) => warnings.push(m),
    ...(signal ? { signal } : {}),
  });
  /** What a deployment left running: an NSG in its group, tagged with its id. */
  const seedLiveGroup = async () => {
    const { resources, network } = createClients(h.arm);
    const tags = { 'k0rdent-deployment': DEPLOYMENT_ID };
    await resources.resourceGroups.createOrUpdate(RG, { location: 'westus2', tags });
    await network.networkSecurityGroups.createOrUpdate(
      RG,
      'left-nsg',
      { location: 'westus2', tags },
      h.arm.pollOptions,
    );
  };

  beforeEach(async () => {
    h = await startHarness();
    notices = [];
    warnings = [];
  });
  afterEach(async () => {
    await h.stop();
  });

  test('a deployment with state, or of a user pipeline, does not ask Azure', async () => {
    await seedLiveGroup();
    const seeded = h.arm.requests.length;
    await guardFreshStart(h.deployment(), newDoc(['prepare_deployment']), guard(false));
    const pipeline = parsePipeline('deployment: demo\nphases:\n  - name: only\n    run: echo one\n', 'p.yml');
    await guardFreshStart(pipeline, undefined, guard(false));
    expect(h.arm.requests).toHaveLength(seeded);
    expect([...notices, ...warnings]).toEqual([]);
  });

  test('nothing tagged in Azure: a fresh start, silently', async () => {
    await guardFreshStart(h.deployment(), undefined, guard(false));
    expect(h.arm.requests.length).toBeGreaterThan(0);
    expect([...notices, ...warnings]).toEqual([]);
  });

  test('resources tagged with the id: stops, naming them and every way on', async () => {
    await seedLiveGroup();
    const error = await guardFreshStart(h.deployment(), undefined, guard(false)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(
      `deployment ${DEPLOYMENT_ID} has no state in local state directory ./state`,
    );
    expect((error as Error).message).toContain(`networkSecurityGroups left-nsg (${RG})`);
    expect((error as Error).message).toContain(
      '(1) pass --state-dir where the state is; (2) pass --adopt-fresh to start over knowingly',
    );
  });

  test('adopt-fresh over tagged resources: goes on, warning what it found', async () => {
    await seedLiveGroup();
    await guardFreshStart(h.deployment(), undefined, guard(true));
    expect(notices).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^starting fresh as asked, although: deployment ${DEPLOYMENT_ID} has no state in .*left-nsg \\(${RG}\\)`,
      ),
    );
    expect(warnings[0]).not.toContain('Starting fresh would');
  });

  test('adopt-fresh when Azure cannot be asked: goes on, saying it could not check', async () => {
    h.arm.faults.failNext(100, { status: 500, match: (r) => r.method === 'GET' });
    await guardFreshStart(h.deployment(), undefined, guard(true));
    expect(warnings).toEqual([
      `starting deployment ${DEPLOYMENT_ID} fresh as asked; Azure could not be checked first`,
    ]);
  });

  test('without adopt-fresh, an Azure that cannot be asked stops the start', async () => {
    h.arm.faults.failNext(100, { status: 500, match: (r) => r.method === 'GET' });
    await expect(guardFreshStart(h.deployment(), undefined, guard(false))).rejects.toThrow(
      /Azure could not be asked whether resources of it still run/,
    );
  });

  test('an aborted signal reaches the Azure call', async () => {
    const aborted = AbortSignal.abort();
    await expect(guardFreshStart(h.deployment(), undefined, guard(false, aborted))).rejects.toThrow();
    expect(warnings).toEqual([]);
  });
});
