/**
 * ARM request paths, parsed. ARM matches every segment case-insensitively (the SDKs themselves mix
 * `/resourcegroups/` and `/resourceGroups/`), so lookups use a lower-cased key while responses keep the
 * casing a resource was created with.
 */
export type ArmPath =
  | { kind: 'resourceGroups'; subscription: string }
  | { kind: 'resources'; subscription: string }
  | { kind: 'resourceGroup'; subscription: string; resourceGroup: string }
  | { kind: 'collection'; subscription: string; resourceGroup?: string; type: string }
  | { kind: 'resource'; subscription: string; resourceGroup: string; type: string; names: string[] }
  | {
      kind: 'action';
      subscription: string;
      resourceGroup: string;
      type: string;
      names: string[];
      action: string;
    }
  | { kind: 'operation'; subscription: string; operationId: string; style: 'status' | 'result' }
  | {
      kind: 'vmImage';
      subscription: string;
      location: string;
      publisher: string;
      offer: string;
      sku: string;
      /** Absent: the list of versions. */
      version?: string;
    }
  | { kind: 'unknown' };

/** The provider namespace used for the fake's own operation-status URLs. */
export const OPERATIONS_NAMESPACE = 'Microsoft.FakeArm';

/**
 * `names` and `type` line up: type `Microsoft.Network/virtualNetworks/subnets` has names `[vnet, subnet]`.
 * A trailing odd segment is a child collection when the type knows that child, otherwise an action
 * (`instanceView`, `generateKeyPair`); `isChildType` decides.
 */
export function parseArmPath(
  pathname: string,
  isChildType: (parentType: string, segment: string) => boolean,
): ArmPath {
  const segments = pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment));
  const lower = segments.map((segment) => segment.toLowerCase());
  const subscription = segments[1];
  if (lower[0] !== 'subscriptions' || subscription === undefined) return { kind: 'unknown' };

  if (lower[2] === 'providers') {
    const namespace = segments[3];
    const second = lower[4];
    const third = segments[5];
    if (namespace?.toLowerCase() === OPERATIONS_NAMESPACE.toLowerCase() && third !== undefined) {
      if (second === 'operations' && segments.length === 6) {
        return { kind: 'operation', subscription, operationId: third, style: 'status' };
      }
      if (second === 'operationresults' && segments.length === 6) {
        return { kind: 'operation', subscription, operationId: third, style: 'result' };
      }
    }
    const image = vmImagePath(subscription, segments, lower);
    if (image !== undefined) return image;
    if (namespace !== undefined && segments[4] !== undefined && segments.length === 5) {
      return { kind: 'collection', subscription, type: `${namespace}/${segments[4]}` };
    }
    return { kind: 'unknown' };
  }

  if (lower[2] === 'resources' && segments.length === 3) return { kind: 'resources', subscription };
  if (lower[2] !== 'resourcegroups') return { kind: 'unknown' };
  const resourceGroup = segments[3];
  if (resourceGroup === undefined) return { kind: 'resourceGroups', subscription };
  if (segments.length === 4) return { kind: 'resourceGroup', subscription, resourceGroup };
  const namespace = segments[5];
  const firstType = segments[6];
  if (lower[4] !== 'providers' || namespace === undefined || firstType === undefined)
    return { kind: 'unknown' };

  // After the namespace the segments alternate type / name: type, name, childType, childName, ...
  const rest = segments.slice(6);
  const typeParts: string[] = [];
  const names: string[] = [];
  for (let index = 0; index < rest.length; index += 2) {
    const typePart = rest[index];
    const name = rest[index + 1];
    if (typePart === undefined) break;
    const typeSoFar = [namespace, ...typeParts].join('/');
    if (name === undefined) {
      if (typeParts.length === 0) {
        return { kind: 'collection', subscription, resourceGroup, type: `${namespace}/${typePart}` };
      }
      if (isChildType(typeSoFar, typePart)) {
        return { kind: 'collection', subscription, resourceGroup, type: `${typeSoFar}/${typePart}` };
      }
      return { kind: 'action', subscription, resourceGroup, type: typeSoFar, names, action: typePart };
    }
    typeParts.push(typePart);
    names.push(name);
  }
  return { kind: 'resource', subscription, resourceGroup, type: [namespace, ...typeParts].join('/'), names };
}

/** `/subscriptions/s/providers/Microsoft.Compute/locations/l/publishers/p/artifacttypes/vmimage/offers/o/skus/k/versions[/v]` */
function vmImagePath(subscription: string, segments: string[], lower: string[]): ArmPath | undefined {
  const shape = [
    'microsoft.compute',
    'locations',
    '',
    'publishers',
    '',
    'artifacttypes',
    'vmimage',
    'offers',
    '',
    'skus',
    '',
    'versions',
  ];
  if (segments.length !== 15 && segments.length !== 16) return undefined;
  if (!shape.every((expected, i) => expected === '' || lower[i + 3] === expected)) return undefined;
  const [location, publisher, offer, sku] = [segments[5], segments[7], segments[11], segments[13]];
  if (location === undefined || publisher === undefined || offer === undefined || sku === undefined)
    return undefined;
  const version = segments[15];
  return {
    kind: 'vmImage',
    subscription,
    location,
    publisher,
    offer,
    sku,
    ...(version === undefined ? {} : { version }),
  };
}

/** `/subscriptions/s/resourceGroups/rg/providers/Ns/type/name[/child/name]` from its parts. */
export function buildResourceId(
  subscription: string,
  resourceGroup: string,
  type: string,
  names: readonly string[],
): string {
  const [namespace, ...typeParts] = type.split('/');
  const pairs = typeParts.map((typePart, index) => `${typePart}/${names[index] ?? ''}`);
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/${namespace ?? ''}/${pairs.join('/')}`;
}

export function resourceGroupId(subscription: string, resourceGroup: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}`;
}

export function idKey(id: string): string {
  return id.toLowerCase().replace(/\/+$/, '');
}

/** The resource group segment of any resource id, or undefined for subscription-level ids. */
export function resourceGroupOf(id: string): string | undefined {
  const match = /\/resourcegroups\/([^/]+)/i.exec(id);
  return match?.[1];
}
