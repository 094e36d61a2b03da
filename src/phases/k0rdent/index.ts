/**
 * The built-in k0rdent phases, as the entry points use them. Imported on demand (only a built-in
 * deployment needs them), which keeps them out of the start-up of pipeline deployments and of
 * state-only action steps.
 */
export {
  loadK0rdentDefinition,
  resolveConfig,
  type K0rdentDefinition,
  type K0rdentSourceOptions,
} from './deployment.js';
export { isBuiltIn, partsOf } from './parts.js';
export { FAST_TARGETS, fastDestroy } from './teardown.js';
export { plannedHosts } from './topology.js';
