/** IPv4 networks in CIDR form: parsing, containment, overlap and host addresses. Pure. */

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  readonly base: number;
  readonly prefix: number;
}

export function parseAddress(text: string): number | undefined {
  const parts = text.split('.');
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

export function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** A network like `10.0.0.0/16`; the address must be the network's first address. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const address = parseAddress(match[1] ?? '');
  const prefix = Number(match[2]);
  if (address === undefined || prefix > 32 || prefix < 8) return undefined;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return undefined;
  return { base: address, prefix };
}

function end(cidr: Cidr): number {
  return cidr.base + 2 ** (32 - cidr.prefix) - 1;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && end(inner) <= end(outer);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base <= end(b) && b.base <= end(a);
}

/** The address at `offset` from the network address (offset 1 is `.1` of a /24). */
export function hostAddress(cidr: Cidr, offset: number): string {
  return formatAddress(cidr.base + offset);
}
