import { ArmError } from './errors.js';
import type { JsonObject } from './json.js';

/** One VM size offered in one location, as `resourceSkus.list()` reports it. */
export interface VmSkuOffer {
  readonly name: string;
  readonly location: string;
  readonly zones: readonly string[];
  /** Zones where the size exists but the subscription may not use it (a `Zone` restriction). */
  readonly restrictedZones?: readonly string[];
}

export const DEFAULT_VM_SKUS: readonly VmSkuOffer[] = [
  'Standard_B2s',
  'Standard_B2ms',
  'Standard_D2s_v5',
].map((name) => ({ name, location: 'westus2', zones: ['1', '2', '3'] }));

export function skuBody(offer: VmSkuOffer): JsonObject {
  const restricted = offer.restrictedZones ?? [];
  return {
    resourceType: 'virtualMachines',
    name: offer.name,
    tier: 'Standard',
    size: offer.name.replace(/^Standard_/, ''),
    locations: [offer.location],
    locationInfo: [{ location: offer.location, zones: [...offer.zones, ...restricted] }],
    capabilities: [],
    restrictions:
      restricted.length === 0
        ? []
        : [
            {
              type: 'Zone',
              values: [offer.location],
              restrictionInfo: { locations: [offer.location], zones: [...restricted] },
              reasonCode: 'NotAvailableForSubscription',
            },
          ],
  };
}

/** ARM supports exactly one filter here: `location eq 'westus2'`. */
export function filterByLocation(
  offers: readonly VmSkuOffer[],
  filter: string | null,
): readonly VmSkuOffer[] {
  if (filter === null) return offers;
  const location = /^\s*location\s+eq\s+'([^']*)'\s*$/i.exec(filter)?.[1];
  if (location === undefined) {
    throw new ArmError(
      400,
      'InvalidFilter',
      `Unsupported $filter '${filter}'; only location eq '<location>' is.`,
    );
  }
  return offers.filter((offer) => offer.location.toLowerCase() === location.toLowerCase());
}

/**
 * Refuses a VM whose size the catalogue lists for its location but not in its zone, with the 409 ARM
 * returns; sizes the catalogue does not mention are accepted, so tests need not list every size.
 */
export function checkSkuAvailable(
  offers: readonly VmSkuOffer[],
  size: string,
  location: string,
  zones: readonly string[],
): void {
  const offer = offers.find(
    (candidate) =>
      candidate.name.toLowerCase() === size.toLowerCase() &&
      candidate.location.toLowerCase() === location.toLowerCase(),
  );
  if (offer === undefined) return;
  const unavailable = zones.filter((zone) => !offer.zones.includes(zone));
  if (unavailable.length > 0) {
    throw new ArmError(
      409,
      'SkuNotAvailable',
      `The requested VM size ${size} is currently not available in location '${location}' zones '${unavailable.join(',')}'.`,
    );
  }
}
