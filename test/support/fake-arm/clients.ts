import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { FakeArm } from './index.js';

export interface ArmClients {
  readonly resources: ResourceManagementClient;
  readonly network: NetworkManagementClient;
  readonly compute: ComputeManagementClient;
}

/** The three real SDK clients, pointed at the fake and trusting its certificate. */
export function createClients(arm: FakeArm): ArmClients {
  return {
    resources: new ResourceManagementClient(arm.credential, arm.subscriptionId, arm.clientOptions),
    network: new NetworkManagementClient(arm.credential, arm.subscriptionId, arm.clientOptions),
    compute: new ComputeManagementClient(arm.credential, arm.subscriptionId, arm.clientOptions),
  };
}
