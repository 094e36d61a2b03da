/**
 * The README's example workflow, as a user copies it: taken from the README's text, with only the
 * action references pointed at this checkout (`k0rdent/k0rdent-deploy/actions/x@v1` → `./actions/x`),
 * dispatched to deploy the built-in phases against the fake Azure, then to roll back, then to deploy
 * again.
 */
import { readFileSync } from 'node:fs';
import { loadWorkflowText, type AttemptRun, type JobRun } from './support/harness.js';
import { startBuiltInWorld, type BuiltInWorld } from './support/built-in.js';

const CORE = [
  'prepare-deployment',
  'setup-network',
  'create-vms',
  'setup-vpn',
  'connect-vpn',
  'install-k0s',
  'install-k0rdent',
];

let world: BuiltInWorld;

beforeAll(async () => {
  world = await startBuiltInWorld();
});

afterAll(async () => {
  await world.stop();
});

function readmeExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Example: deploy, re-run, roll back'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('the README has no example workflow');
  const local = block.replace(/k0rdent\/k0rdent-deploy\/actions\/([a-z0-9-]+)@v1/g, './actions/$1');
  expect(local).not.toContain('k0rdent/k0rdent-deploy');
  return local;
}

function job(run: AttemptRun, id: string): JobRun {
  const found = run.jobs.get(id);
  if (!found) throw new Error(`no job ${id}`);
  return found;
}

/** The phase steps of the deploy job: `uses` without `./actions/`, with the outputs they set. */
function phaseSteps(run: JobRun): Record<string, Record<string, string>> {
  return Object.fromEntries(
    run.steps
      .filter((s) => s.uses && CORE.includes(s.uses.replace('./actions/', '')))
      .map((s) => [s.uses?.replace('./actions/', '') ?? '', { outcome: s.outcome, ...s.outputs }]),
  );
}

test('the README example deploys, rolls back on dispatch and resumes at the phase rolled back', async () => {
  const workflow = await loadWorkflowText('.github/workflows/k0rdent.yml', readmeExample());

  const first = await world.dispatch(workflow, 1, { 'rollback-to': '' });
  const deploy = job(first, 'deploy');
  expect(deploy.result).toBe('success');
  expect(job(first, 'rollback').result).toBe('skipped');
  const steps = phaseSteps(deploy);
  expect(Object.keys(steps)).toEqual(CORE);
  for (const phase of CORE)
    expect([phase, steps[phase]]).toEqual([
      phase,
      expect.objectContaining({ outcome: 'success', status: 'completed', ran: 'true' }),
    ]);
  const id = steps['prepare-deployment']?.['deployment-id'];
  expect(id).toMatch(/^k0rdent-[a-z0-9]{8}$/);

  const rollback = await world.dispatch(workflow, 2, { 'rollback-to': 'install_k0rdent' });
  expect(job(rollback, 'deploy').result).toBe('skipped');
  const undo = job(rollback, 'rollback');
  expect(undo.result).toBe('success');
  const log = undo.steps.map((s) => `${s.result?.stdout ?? ''}${s.result?.stderr ?? ''}`).join('');
  expect(log).toContain(id);
  expect(world.shims.calls('helm').some((call) => call.args.includes('uninstall'))).toBe(true);

  const again = await world.dispatch(workflow, 3, { 'rollback-to': '' });
  const resumed = phaseSteps(job(again, 'deploy'));
  // connect_vpn is scoped to the runner: the tunnel is brought up again on every new runner.
  const skipped = CORE.filter((phase) => phase !== 'connect-vpn' && phase !== 'install-k0rdent');
  for (const phase of skipped) expect([phase, resumed[phase]?.ran]).toEqual([phase, 'false']);
  expect(resumed['connect-vpn']).toMatchObject({ ran: 'true', status: 'completed' });
  expect(resumed['install-k0rdent']).toMatchObject({ ran: 'true', status: 'completed' });
  expect(resumed['prepare-deployment']?.['deployment-id']).toBe(id);
}, 900_000);
