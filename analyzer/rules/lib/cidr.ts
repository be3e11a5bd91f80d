/** CIDR arithmetic for rules (pod CIDRs, bridge addresses, IPAM ranges), on ipaddr.js. */
import ipaddr from 'ipaddr.js';

export interface Cidr {
  text: string;
  family: 4 | 6;
  /** The network address (host bits cleared). */
  network: string;
  prefix: number;
  /** Host bits were set in the text (10.244.1.1/24 names the network 10.244.1.0/24). */
  hostBitsSet: boolean;
}

export function parseCidr(text: string | undefined): Cidr | undefined {
  if (!text) return undefined;
  try {
    const [address, prefix] = ipaddr.parseCIDR(text.trim());
    const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(text.trim()) : ipaddr.IPv6.networkAddressFromCIDR(text.trim());
    return {
      text: text.trim(),
      family: address.kind() === 'ipv4' ? 4 : 6,
      network: network.toString(),
      prefix,
      hostBitsSet: network.toString() !== address.toString(),
    };
  } catch {
    return undefined;
  }
}

/** The network in canonical form: `10.244.1.1/24` → `10.244.1.0/24`. */
export function networkOf(text: string | undefined): string | undefined {
  const cidr = parseCidr(text);
  return cidr ? `${cidr.network}/${cidr.prefix}` : undefined;
}

export function sameNetwork(a: string | undefined, b: string | undefined): boolean {
  const x = networkOf(a);
  return x !== undefined && x === networkOf(b);
}

/** True when `inner` (an address or a CIDR) lies inside `outer`. */
export function contains(outer: string | undefined, inner: string | undefined): boolean {
  const o = parseCidr(outer);
  if (!o || !inner) return false;
  try {
    const address = ipaddr.parse(inner.split('/')[0]!.trim());
    if ((address.kind() === 'ipv4' ? 4 : 6) !== o.family) return false;
    const innerPrefix = inner.includes('/') ? Number(inner.split('/')[1]) : o.family === 4 ? 32 : 128;
    return innerPrefix >= o.prefix && address.match(ipaddr.parse(o.network), o.prefix);
  } catch {
    return false;
  }
}

export function overlaps(a: string | undefined, b: string | undefined): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y || x.family !== y.family) return false;
  return contains(`${x.network}/${x.prefix}`, y.network) || contains(`${y.network}/${y.prefix}`, x.network);
}

/** Usable addresses a host-local range hands out (network, broadcast and gateway excluded). */
export function usableAddresses(cidr: string | undefined): number | undefined {
  const c = parseCidr(cidr);
  if (!c || c.family !== 4) return undefined;
  const hostBits = 32 - c.prefix;
  if (hostBits < 2) return 0;
  return 2 ** hostBits - 3;
}

/** IPv4 address as a number, for range arithmetic. */
export function ipv4ToNumber(address: string): number | undefined {
  try {
    const parsed = ipaddr.parse(address.trim());
    if (parsed.kind() !== 'ipv4') return undefined;
    return (parsed as ipaddr.IPv4).octets.reduce((n, o) => n * 256 + o, 0);
  } catch {
    return undefined;
  }
}
