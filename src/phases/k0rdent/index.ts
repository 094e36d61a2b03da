/**
 * The built-in k0rdent phases, as the entry points use them. Imported on demand (only a built-in
 * deployment needs them), which keeps them out of the start-up of pipeline deployments and of
 * state-only action steps.
 */
export {
  deploymentIdFor,
  loadK0rdentDeployment,
  resolveConfig,
  type K0rdentSourceOptions,
} from './deployment.js';
export { assertNothingLive, LiveDeploymentError } from './fresh-start.js';
export { isBuiltIn } from './parts.js';
export { FAST_TARGETS, fastDestroy } from './teardown.js';
export { plannedHosts } from './topology.js';
