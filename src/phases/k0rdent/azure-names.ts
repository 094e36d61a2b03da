/**
 * The Azure resource names a built-in deployment derives from its id, and the length Azure allows each
 * ("Naming rules and restrictions for Azure resources": resource group 1–90, virtual network 2–64,
 * subnet 1–80, network security group 1–80; SSH public keys have no documented limit and are held to
 * the 80 of the other Compute names). The virtual network is the tightest: an id of at most 59
 * characters fits every one. Pure.
 */

export interface DerivedName {
  readonly key: 'resourceGroup' | 'vnet' | 'subnet' | 'nsg' | 'sshKey';
  readonly what: string;
  readonly suffix: string;
  readonly max: number;
}

export const DERIVED_NAMES: readonly DerivedName[] = [
  { key: 'resourceGroup', what: 'resource group', suffix: '-resgrp', max: 90 },
  { key: 'vnet', what: 'virtual network', suffix: '-vnet', max: 64 },
  { key: 'subnet', what: 'subnet', suffix: '-subnet', max: 80 },
  { key: 'nsg', what: 'network security group', suffix: '-nsg', max: 80 },
  { key: 'sshKey', what: 'SSH public key', suffix: '-admin', max: 80 },
];

/** The longest id whose every derived name fits. */
export const MAX_BUILTIN_DEPLOYMENT_ID_LENGTH = Math.min(
  ...DERIVED_NAMES.map((n) => n.max - n.suffix.length),
);

export const BUILTIN_DEPLOYMENT_ID_RULE =
  `at most ${MAX_BUILTIN_DEPLOYMENT_ID_LENGTH} characters for the built-in deployment, so that ` +
  `<id>-vnet fits Azure's 64-character limit for virtual networks`;

/** What does not fit, one sentence per name; empty when everything does. */
export function derivedNameProblems(deploymentId: string): string[] {
  return DERIVED_NAMES.filter((n) => deploymentId.length + n.suffix.length > n.max).map(
    (n) =>
      `the ${n.what} name ${deploymentId}${n.suffix} is ${deploymentId.length + n.suffix.length} characters; Azure allows ${n.max}`,
  );
}
