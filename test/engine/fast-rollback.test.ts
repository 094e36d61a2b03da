import { fastRollback, fastRollbackTargets, resourceGroupOf } from '../../src/engine/fast-rollback.js';
import { parsePipeline } from '../../src/phases/pipeline/load.js';
import { RG, startHarness, type Harness } from '../phases/k0rdent/harness.js';

// `rollback --fast` on the built-in deployment against the fake ARM server, before anything was
// deployed (the scenario tests run it after a whole deployment, which is too slow to run for each
// mutant of the engine).
describe('fast rollback', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.stop();
  });

  test('only the built-in deployment can be rolled back fast, to the phases before its resource group', async () => {
    expect(await fastRollbackTargets(h.deployment())).toEqual({
      builtIn: true,
      targets: ['prepare_deployment', 'setup_network'],
    });
    const pipeline = parsePipeline('deployment: demo\nphases:\n  - name: only\n    run: echo one\n', 'p.yml');
    expect((await fastRollbackTargets(pipeline)).builtIn).toBe(false);
    expect(await resourceGroupOf(h.deployment())).toBe(RG);
  });

  test('a group that is already gone is no error; the intent is stored', async () => {
    const result = await h.fast('setup_network');
    expect(result.resourceGroup).toBe('absent');
    // Nothing had run, so nothing needed a reset.
    expect(result.reset).toEqual([]);
    const deletes = h.arm.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path.toLowerCase())).toEqual([
      expect.stringContaining(`/resourcegroups/${RG}`),
    ]);
    const doc = await h.state();
    expect(doc.events.map((e) => e.message)).toContain(`fast destroy: deleting resource group ${RG}`);
  });

  test('back to prepare_deployment also removes what it made; the events name the target', async () => {
    await h.run({ until: 'prepare_deployment' });
    expect((await h.state()).phases.prepare_deployment?.status).toBe('completed');
    const result = await h.fast('prepare_deployment');
    expect(result).toMatchObject({ resourceGroup: 'absent', reset: ['prepare_deployment'], warnings: [] });
    const doc = await h.state();
    expect(doc.phases.prepare_deployment?.status).toBe('pending');
    expect(doc.phases.prepare_deployment?.reason).toBe('keys and cloud-init removed (fast destroy)');
    const live = Object.values(doc.artifacts).filter((a) => a.phase === 'prepare_deployment' && !a.removed);
    expect(live).toEqual([]);
    const started = doc.events.find((e) => e.type === 'rollback_started');
    const finished = doc.events.find((e) => e.type === 'rollback_finished');
    expect(started?.phase).toBe('prepare_deployment');
    expect(finished).toMatchObject({
      phase: 'prepare_deployment',
      message: 'fast destroy finished: resource group absent',
      data: { reset: ['prepare_deployment'], warnings: [] },
    });
  });

  test('only a deployment with the built-in network phase can be destroyed fast', async () => {
    const pipeline = parsePipeline('deployment: demo\nphases:\n  - name: only\n    run: echo one\n', 'p.yml');
    await expect(
      fastRollback(undefined as never, pipeline, undefined as never, {
        to: 'setup_network',
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow('setup_network missing from the built-in deployment');
  });

  test('the intent is stored before the group is deleted: a failed delete leaves it on record', async () => {
    h.arm.faults.failNext(100, { status: 500, match: (r) => r.method === 'DELETE' });
    await expect(h.fast('setup_network')).rejects.toMatchObject({ statusCode: 500 });
    const doc = await h.state();
    expect(doc.events.find((e) => e.type === 'rollback_started')?.message).toBe(
      `fast destroy: deleting resource group ${RG}`,
    );
  });
});
