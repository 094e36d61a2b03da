import { badRequest } from './errors.js';

/** An IPv4 CIDR block as integers, for the fake's address allocation. */
export interface Cidr {
  readonly network: number;
  readonly size: number;
}

export function parseIpv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): Cidr {
  const [address, prefixText] = cidr.split('/');
  const base = address === undefined ? undefined : parseIpv4(address);
  const prefix = Number(prefixText);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw badRequest('InvalidAddressPrefixFormat', `Address prefix ${cidr} is not a valid IPv4 CIDR.`);
  }
  const size = 2 ** (32 - prefix);
  return { network: base - (base % size), size };
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.network >= outer.network && inner.network + inner.size <= outer.network + outer.size;
}

/**
 * The first address of a subnet Azure would hand out: it reserves the network address, the next three
 * (gateway and DNS) and the broadcast address, so a /24 starts at .4 and ends at .254.
 */
export function firstFreeAddress(subnet: Cidr, used: ReadonlySet<string>): string | undefined {
  const last = subnet.network + subnet.size - 2;
  // Bounded by the subnet size; ARM subnets are at most a /8 and realistically a /16 or smaller.
  for (let candidate = subnet.network + 4; candidate <= last; candidate += 1) {
    const text = formatIpv4(candidate);
    if (!used.has(text)) return text;
  }
  return undefined;
}

/** Documentation ranges (RFC 5737): the fake's public IPs can never collide with a real host. */
const PUBLIC_RANGES = ['203.0.113.0/24', '198.51.100.0/24', '192.0.2.0/24'].map(parseCidr);

export function firstFreePublicAddress(used: ReadonlySet<string>): string | undefined {
  for (const range of PUBLIC_RANGES) {
    const found = firstFreeAddress(range, used);
    if (found !== undefined) return found;
  }
  return undefined;
}
