/**
 * Name lengths ARM enforces for the types the fake models ("Naming rules and restrictions for Azure
 * resources"). A name too long is refused with 400 `InvalidResourceName` before anything is created.
 */
import { ArmError } from './errors.js';

const MAX_LENGTH: Readonly<Record<string, number>> = {
  'microsoft.resources/resourcegroups': 90,
  'microsoft.network/virtualnetworks': 64,
  'microsoft.network/virtualnetworks/subnets': 80,
  'microsoft.network/networksecuritygroups': 80,
  'microsoft.network/networksecuritygroups/securityrules': 80,
  'microsoft.network/publicipaddresses': 80,
  'microsoft.network/networkinterfaces': 80,
  // Linux VMs (Windows: 15).
  'microsoft.compute/virtualmachines': 64,
  'microsoft.compute/disks': 80,
};

export function checkNameLength(type: string, name: string): void {
  const max = MAX_LENGTH[type.toLowerCase()];
  if (max === undefined || name.length <= max) return;
  throw new ArmError(
    400,
    'InvalidResourceName',
    `Resource name ${name} is invalid. The name can be up to ${max} characters long.`,
  );
}
