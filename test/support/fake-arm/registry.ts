import { genericBehaviour, type TypeBehaviour } from './behaviour.js';
import { diskBehaviour, virtualMachineBehaviour } from './compute.js';
import { sshPublicKeyBehaviour } from './ssh-keys.js';
import { networkInterfaceBehaviour, publicIpAddressBehaviour } from './network-interface.js';
import { networkSecurityGroupBehaviour, securityRuleBehaviour } from './security-group.js';
import { subnetBehaviour, virtualNetworkBehaviour } from './virtual-network.js';

const KNOWN: readonly TypeBehaviour[] = [
  virtualNetworkBehaviour,
  subnetBehaviour,
  networkSecurityGroupBehaviour,
  securityRuleBehaviour,
  publicIpAddressBehaviour,
  networkInterfaceBehaviour,
  virtualMachineBehaviour,
  diskBehaviour,
  sshPublicKeyBehaviour,
];

const byType = new Map(KNOWN.map((behaviour) => [behaviour.type.toLowerCase(), behaviour]));

/** The behaviour of a resource type; types the fake does not model are stored generically. */
export function behaviourFor(type: string): TypeBehaviour {
  return byType.get(type.toLowerCase()) ?? genericBehaviour(type);
}

/** Whether `parent/segment` is a child resource type (so `.../parent/x/segment` is a collection). */
export function isChildType(parentType: string, segment: string): boolean {
  return byType.has(`${parentType}/${segment}`.toLowerCase());
}
