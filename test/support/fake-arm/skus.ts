import { ArmError } from './errors.js';
import type { JsonObject } from './json.js';

/**
 * One VM size offered in one location, as `resourceSkus.list()` reports it. Capabilities are the
 * name/value strings ARM lists for a size (`HyperVGenerations: "V1,V2"`, `CpuArchitectureType: "Arm64"`,
 * `LowPriorityCapable: "False"`, ...); a size without them reports none, as old sizes do.
 */
export interface VmSkuOffer {
  readonly name: string;
  readonly location: string;
  readonly zones: readonly string[];
  /** Zones where the size exists but the subscription may not use it (a `Zone` restriction). */
  readonly restrictedZones?: readonly string[];
  readonly capabilities?: Readonly<Record<string, string>>;
}

const x64 = (generations: string, spot: boolean, vCPUs: number, memoryGB: number) => ({
  vCPUs: String(vCPUs),
  MemoryGB: String(memoryGB),
  HyperVGenerations: generations,
  CpuArchitectureType: 'x64',
  LowPriorityCapable: spot ? 'True' : 'False',
});

/**
 * A few real sizes with the capabilities Azure lists for them: B-series cannot run as Spot, the
 * `p` sizes are Arm64 (Generation 2 only), Av2 boots Generation 1 images only.
 */
export const DEFAULT_VM_SKUS: readonly VmSkuOffer[] = [
  { name: 'Standard_B2s', capabilities: x64('V1,V2', false, 2, 4) },
  { name: 'Standard_B2ms', capabilities: x64('V1,V2', false, 2, 8) },
  { name: 'Standard_D2s_v5', capabilities: x64('V1,V2', true, 2, 8) },
  { name: 'Standard_D4s_v5', capabilities: x64('V1,V2', true, 4, 16) },
  {
    name: 'Standard_D2ps_v5',
    capabilities: { ...x64('V2', true, 2, 8), CpuArchitectureType: 'Arm64' },
  },
  { name: 'Standard_A2_v2', capabilities: x64('V1', true, 2, 4) },
].map((offer) => ({ ...offer, location: 'westus2', zones: ['1', '2', '3'] }));

export function skuBody(offer: VmSkuOffer): JsonObject {
  const restricted = offer.restrictedZones ?? [];
  return {
    resourceType: 'virtualMachines',
    name: offer.name,
    tier: 'Standard',
    size: offer.name.replace(/^Standard_/, ''),
    locations: [offer.location],
    locationInfo: [{ location: offer.location, zones: [...offer.zones, ...restricted] }],
    capabilities: Object.entries(offer.capabilities ?? {}).map(([name, value]) => ({ name, value })),
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

export function findSku(
  offers: readonly VmSkuOffer[],
  size: string,
  location: string,
): VmSkuOffer | undefined {
  return offers.find(
    (candidate) =>
      candidate.name.toLowerCase() === size.toLowerCase() &&
      candidate.location.toLowerCase() === location.toLowerCase(),
  );
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
  const offer = findSku(offers, size, location);
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
