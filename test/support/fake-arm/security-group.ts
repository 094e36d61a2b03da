import {
  baseBody,
  propertiesOf,
  requireLocation,
  sameId,
  type Companion,
  type TypeBehaviour,
} from './behaviour.js';
import { badRequest } from './errors.js';
import { copy, numberAt, objectAt, objectsAt, stringAt, type JsonObject } from './json.js';
import { NETWORK_SECURITY_GROUP, SECURITY_RULE, etag, removedChildren } from './network-common.js';

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

const DEFAULT_RULES: readonly [string, string, number, string][] = [
  ['AllowVnetInBound', 'Inbound', 65000, 'Allow'],
  ['AllowAzureLoadBalancerInBound', 'Inbound', 65001, 'Allow'],
  ['DenyAllInBound', 'Inbound', 65500, 'Deny'],
  ['AllowVnetOutBound', 'Outbound', 65000, 'Allow'],
  ['AllowInternetOutBound', 'Outbound', 65001, 'Allow'],
  ['DenyAllOutBound', 'Outbound', 65500, 'Deny'],
];

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
    properties.defaultSecurityRules = DEFAULT_RULES.map(([name, direction, priority, access]) => ({
      id: `${resource.id}/defaultSecurityRules/${name}`,
      name,
      type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
      properties: {
        protocol: '*',
        sourcePortRange: '*',
        destinationPortRange: '*',
        sourceAddressPrefix: '*',
        destinationAddressPrefix: '*',
        access,
        priority,
        direction,
        provisioningState: 'Succeeded',
      },
    }));
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
