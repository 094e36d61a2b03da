/** Input, output and state names of every action, as action.yml spells them (kebab-case). */

export const Inputs = {
  phase: 'phase',
  run: 'run',
  validate: 'validate',
  needs: 'needs',
  enable: 'enable',
  disable: 'disable',
  pipeline: 'pipeline',
  config: 'config',
  deploymentId: 'deployment-id',
  stateBackend: 'state-backend',
  stateUrl: 'state-url',
  adoptFresh: 'adopt-fresh',
  githubToken: 'github-token',
  stateKey: 'state-key',
  previousStateKey: 'previous-state-key',
  retentionDays: 'retention-days',
  rekey: 'rekey',
  force: 'force',
  dryRun: 'dry-run',
  to: 'to',
  destroy: 'destroy',
  fast: 'fast',
} as const;

export const Outputs = {
  ran: 'ran',
  run: 'run',
  status: 'status',
  reason: 'reason',
  deploymentId: 'deployment-id',
  stateFile: 'state-file',
  state: 'state',
  rolledBack: 'rolled-back',
} as const;

/** Values a main step hands to its post step (GITHUB_STATE, read back as STATE_<name>). */
export const States = {
  deploymentId: 'deployment-id',
  phase: 'phase',
  backend: 'backend',
  workDir: 'work-dir',
  began: 'began',
} as const;

/** Exported to the job's later steps (GITHUB_ENV) so they continue this job's lane of snapshots. */
export const LANE_ENV = 'K0RDENT_STATE_LANE';

/** Where the artifact backend keeps its working copy, under the runner's temp directory. */
export const WORK_DIR_NAME = 'k0rdent-deploy-state';

export const ACTIONS = ['phase', 'gate', 'complete', 'rollback', 'status'] as const;
export type ActionName = (typeof ACTIONS)[number];
export type Stage = 'main' | 'post';

export const STATE_BACKENDS = ['auto', 'artifact', 'local', 'azure-blob'] as const;
export type StateBackend = (typeof STATE_BACKENDS)[number];
