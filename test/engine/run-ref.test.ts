import { hostname, userInfo } from 'node:os';
import { currentRun, newNodeId, RUN_ID_ENV } from '../../src/engine/run-ref.js';
import { NODE_PATTERN } from '../../src/state/hlc.js';

describe('which run a change belongs to', () => {
  test('in GitHub Actions: the run, its attempt, the job, the actor and the workflow', () => {
    expect(
      currentRun({
        GITHUB_RUN_ID: '123',
        GITHUB_RUN_ATTEMPT: '3',
        GITHUB_JOB: 'deploy',
        GITHUB_ACTOR: 'octocat',
        GITHUB_WORKFLOW: 'k0rdent',
      }),
    ).toStrictEqual({ run_id: '123', attempt: 3, job: 'deploy', actor: 'octocat', workflow: 'k0rdent' });
  });

  test('missing or unusable Actions variables fall back to attempt 1 and "unknown", never to a wrong value', () => {
    expect(currentRun({ GITHUB_RUN_ID: '7' })).toStrictEqual({
      run_id: '7',
      attempt: 1,
      job: 'unknown',
      actor: 'unknown',
    });
    for (const attempt of ['0', '-2', '1.5', 'x', ''])
      expect(currentRun({ GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: attempt }).attempt).toBe(1);
    expect(currentRun({ GITHUB_RUN_ID: '7', GITHUB_WORKFLOW: '' })).not.toHaveProperty('workflow');
  });

  test('outside Actions: one local run per process, named by its start time, by this user on this machine', () => {
    const run = currentRun({});
    expect(run.run_id).toMatch(new RegExp(`^local-\\d{8}T\\d{6}-${process.pid}$`));
    expect(run).toMatchObject({ attempt: 1, job: 'cli', actor: `${userInfo().username}@${hostname()}` });
    // A phase's child process joins its parent's run.
    expect(currentRun({ [RUN_ID_ENV]: 'local-parent' }).run_id).toBe('local-parent');
  });

  test('clock node ids are random and fit the clock format', () => {
    const ids = new Set(Array.from({ length: 20 }, () => newNodeId()));
    expect(ids.size).toBe(20);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{10}$/);
      expect(NODE_PATTERN.test(id)).toBe(true);
    }
  });
});
