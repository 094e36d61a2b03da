import {
  baseBody,
  propertiesOf,
  requireLocation,
  sameId,
  type Companion,
  type TypeBehaviour,
} from './behaviour.js';
import { badRequest } from './errors.js';
import { cidrContains, parseCidr, parseIpv4 } from './ipv4.js';
import { copy, numberAt, objectAt, objectsAt, stringAt, stringsAt, type JsonObject } from './json.js';
import { NETWORK_SECURITY_GROUP, SECURITY_RULE, etag, removedChildren } from './network-common.js';
import type { ResourceStore } from './store.js';

const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'esp', 'ah', '*']);

/** The checks ARM makes on a rule; codes follow ARM where known, the messages are the fake's own. */
function securityRuleBody(
  nsgId: string,
  request: JsonObject,
  name: string,
  siblings: readonly JsonObject[],
): JsonObject {
  const body = copy(request);
  body.id = `${nsgId}/securityRules/${name}`;
  body.name = name;
  body.type = SECURITY_RULE;
  body.etag = etag();
  const properties = propertiesOf(body);
  const priority = numberAt(properties, 'priority');
  if (priority === undefined || !Number.isInteger(priority) || priority < 100 || priority > 4096) {
    throw badRequest(
      'SecurityRuleInvalidPriority',
      `Security rule ${name} has invalid priority ${String(priority)}.`,
    );
  }
  const direction = stringAt(properties, 'direction');
  const access = stringAt(properties, 'access');
  const protocol = stringAt(properties, 'protocol');
  if (direction !== 'Inbound' && direction !== 'Outbound') {
    throw badRequest(
      'SecurityRuleInvalidDirection',
      `Security rule ${name} needs direction Inbound or Outbound.`,
    );
  }
  if (access !== 'Allow' && access !== 'Deny') {
    throw badRequest('SecurityRuleInvalidAccess', `Security rule ${name} needs access Allow or Deny.`);
  }
  if (protocol === undefined || !PROTOCOLS.has(protocol.toLowerCase())) {
    throw badRequest(
      'SecurityRuleInvalidProtocol',
      `Security rule ${name} has invalid protocol ${String(protocol)}.`,
    );
  }
  // ARM wants each end of a rule named: an address (or list, or application security groups) and a
  // port (or list), never both the single and the list form.
  for (const [what, single, list, groups] of [
    ['source address', 'sourceAddressPrefix', 'sourceAddressPrefixes', 'sourceApplicationSecurityGroups'],
    [
      'destination address',
      'destinationAddressPrefix',
      'destinationAddressPrefixes',
      'destinationApplicationSecurityGroups',
    ],
    ['source port', 'sourcePortRange', 'sourcePortRanges', undefined],
    ['destination port', 'destinationPortRange', 'destinationPortRanges', undefined],
  ] as const) {
    const one = stringAt(properties, single);
    const many = stringsAt(properties, list);
    const asgs = groups === undefined ? [] : objectsAt(properties, groups);
    if (one !== undefined && one !== '' && many.length > 0)
      throw badRequest(
        'SecurityRuleParameterContainsUnsupportedValue',
        `Security rule ${name} has both ${single} and ${list}; give one.`,
      );
    if ((one === undefined || one === '') && many.length === 0 && asgs.length === 0)
      throw badRequest('SecurityRuleInvalidParameter', `Security rule ${name} has no ${what}.`);
  }
  const clash = siblings.find((sibling) => {
    const other = objectAt(sibling, 'properties');
    return numberAt(other, 'priority') === priority && stringAt(other, 'direction') === direction;
  });
  if (clash !== undefined) {
    throw badRequest(
      'SecurityRuleConflict',
      `Security rules ${name} and ${stringAt(clash, 'name') ?? '?'} have the same priority and direction.`,
    );
  }
  return body;
}

/** Azure's default rules: name, direction, priority, access, source, destination. */
const DEFAULT_RULES: readonly [string, string, number, string, string, string][] = [
  ['AllowVnetInBound', 'Inbound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowAzureLoadBalancerInBound', 'Inbound', 65001, 'Allow', 'AzureLoadBalancer', '*'],
  ['DenyAllInBound', 'Inbound', 65500, 'Deny', '*', '*'],
  ['AllowVnetOutBound', 'Outbound', 65000, 'Allow', 'VirtualNetwork', 'VirtualNetwork'],
  ['AllowInternetOutBound', 'Outbound', 65001, 'Allow', '*', 'Internet'],
  ['DenyAllOutBound', 'Outbound', 65500, 'Deny', '*', '*'],
];

function defaultRule(
  nsgId: string,
  [name, direction, priority, access, source, destination]: (typeof DEFAULT_RULES)[number],
): JsonObject {
  return {
    id: `${nsgId}/defaultSecurityRules/${name}`,
    name,
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: source,
      destinationAddressPrefix: destination,
      access,
      priority,
      direction,
      provisioningState: 'Succeeded',
    },
  };
}

/** Whether an address prefix or service tag of a rule covers `address` (a VM's private address). */
function coversPrivate(prefix: string, address: string): boolean {
  if (prefix === '*' || prefix.toLowerCase() === 'virtualnetwork') return true;
  if (parseIpv4(prefix) !== undefined) return prefix === address;
  if (!/^[\d.]+\/\d+$/.test(prefix)) return false;
  return cidrContains(parseCidr(prefix), parseCidr(`${address}/32`));
}

/** Whether a source prefix or tag takes in any host on the internet (the runner, whose address is unknown). */
function coversInternet(prefix: string): boolean {
  return ['*', 'internet', '0.0.0.0/0'].includes(prefix.toLowerCase());
}

function coversPort(range: string, port: number): boolean {
  if (range === '*') return true;
  const [low, high] = range.split('-').map(Number);
  return low !== undefined && port >= low && port <= (high ?? low);
}

/**
 * Whether the NSG lets a connection from the internet reach `privateAddress` on `protocol`/`port`: its
 * inbound rules and Azure's defaults in priority order, the first that matches decides (Azure checks
 * inbound traffic against the VM's private address, after the public IP is translated).
 */
export function allowsFromInternet(
  store: ResourceStore,
  nsgId: string,
  privateAddress: string,
  protocol: 'Tcp' | 'Udp',
  port: number,
): boolean {
  const rules = [
    ...store.children(nsgId, SECURITY_RULE).map((rule) => rule.body),
    ...DEFAULT_RULES.map((rule) => defaultRule(nsgId, rule)),
  ]
    .map((rule) => objectAt(rule, 'properties'))
    .filter((p) => stringAt(p, 'direction') === 'Inbound')
    .sort((a, b) => (numberAt(a, 'priority') ?? 0) - (numberAt(b, 'priority') ?? 0));
  const all = (p: JsonObject | undefined, single: string, list: string) =>
    [stringAt(p, single), ...stringsAt(p, list)].filter((v): v is string => v !== undefined && v !== '');
  const match = rules.find((p) => {
    const ruleProtocol = (stringAt(p, 'protocol') ?? '').toLowerCase();
    return (
      (ruleProtocol === '*' || ruleProtocol === protocol.toLowerCase()) &&
      all(p, 'sourceAddressPrefix', 'sourceAddressPrefixes').some(coversInternet) &&
      all(p, 'destinationAddressPrefix', 'destinationAddressPrefixes').some((d) =>
        coversPrivate(d, privateAddress),
      ) &&
      all(p, 'destinationPortRange', 'destinationPortRanges').some((r) => coversPort(r, port))
    );
  });
  return stringAt(match, 'access') === 'Allow';
}

export const networkSecurityGroupBehaviour: TypeBehaviour = {
  type: NETWORK_SECURITY_GROUP,
  longRunning: true,
  tracked: true,
  inUse: { status: 400, code: 'InUseNetworkSecurityGroupCannotBeDeleted' },
  plan(context) {
    requireLocation(context);
    const body = baseBody(context, { etag: true });
    const properties = propertiesOf(body);
    const requested = objectsAt(properties, 'securityRules');
    delete properties.securityRules;
    delete properties.defaultSecurityRules;
    const companions: Companion[] = [];
    for (const rule of requested) {
      const name = stringAt(rule, 'name');
      if (name === undefined) throw badRequest('InvalidRequestFormat', 'Every security rule needs a name.');
      const ruleBody = securityRuleBody(
        context.id,
        rule,
        name,
        companions.map((companion) => companion.body),
      );
      companions.push({ id: stringAt(ruleBody, 'id') ?? '', type: SECURITY_RULE, name, body: ruleBody });
    }
    const removes = removedChildren(
      context.store,
      context.id,
      SECURITY_RULE,
      companions.map((companion) => companion.name),
      'InUseNetworkSecurityGroupCannotBeDeleted',
    );
    return { body, companions, removes };
  },
  render(resource, store) {
    const body = copy(resource.body);
    const properties = propertiesOf(body);
    properties.securityRules = store.children(resource.id, SECURITY_RULE).map((rule) => copy(rule.body));
    properties.defaultSecurityRules = DEFAULT_RULES.map((rule) => defaultRule(resource.id, rule));
    return body;
  },
};

export const securityRuleBehaviour: TypeBehaviour = {
  type: SECURITY_RULE,
  longRunning: true,
  tracked: false,
  plan(context) {
    const nsgId = context.id.slice(0, context.id.toLowerCase().lastIndexOf('/securityrules/'));
    const siblings = context.store
      .children(nsgId, SECURITY_RULE)
      .filter((rule) => !sameId(rule.id, context.id))
      .map((rule) => rule.body);
    return { body: securityRuleBody(nsgId, context.request, context.name, siblings) };
  },
};
