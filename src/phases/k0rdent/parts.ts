/** The runtime parts behind a built-in Deployment, for operations that span phases (fast destroy, tunnel teardown). */
import { UserError } from '../../errors.js';
import type { Deployment } from '../phase.js';
import type { DeploymentParts } from './base.js';

const registry = new WeakMap<Deployment, DeploymentParts>();

export function registerParts(deployment: Deployment, parts: DeploymentParts): Deployment {
  registry.set(deployment, parts);
  return deployment;
}

export function partsOf(deployment: Deployment): DeploymentParts {
  const parts = registry.get(deployment);
  if (!parts) throw new UserError(`deployment ${deployment.id} is not the built-in k0rdent deployment`);
  return parts;
}

export function isBuiltIn(deployment: Deployment): boolean {
  return registry.has(deployment);
}
