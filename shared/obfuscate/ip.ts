/**
 * Keyed, prefix-preserving pseudonymization of IPv4 and IPv6 addresses (docs/obfuscation.md has
 * the construction and its proofs). In short, Crypto-PAn with HMAC-SHA256 as the per-prefix
 * function: output bit i = input bit i XOR f(first i input bits). Any such map is a bijection
 * that keeps the length of the common prefix of every two addresses, so subnets map onto
 * subnets of the same size and containment survives. f is forced to 0:
 *   - at and beyond bit 24 (IPv4) / 64 (IPv6): the host byte and the interface identifier stay, so .0, .1, .255 keep
 *     their roles and sub-/24 structure (Calico /26 blocks, host-local ranges) stays exact;
 *   - on the path to a special block (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/8,
 *     fd00::/8): private stays private in the same block, public stays public;
 *   - inside identity blocks (loopback, link-local, multicast, 0/8, 240/4, ::/80): kept as is,
 *     they name no customer and the analyzer reads them by value.
 */
import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';

interface Block {
  bytes: Uint8Array;
  len: number;
  identity: boolean;
}

function block(cidr: string, identity: boolean): Block {
  const [address, len] = ipaddr.parseCIDR(cidr);
  return { bytes: Uint8Array.from(address.toByteArray()), len, identity };
}

const V4_BLOCKS: readonly Block[] = [
  block('0.0.0.0/8', true),
  block('127.0.0.0/8', true),
  block('169.254.0.0/16', true),
  block('224.0.0.0/4', true),
  block('240.0.0.0/4', true),
  block('10.0.0.0/8', false),
  block('172.16.0.0/12', false),
  block('192.168.0.0/16', false),
  block('100.64.0.0/10', false),
];
const V6_BLOCKS: readonly Block[] = [
  block('::/80', true),
  block('fe80::/10', true),
  block('ff00::/8', true),
  block('fc00::/8', false),
  block('fd00::/8', false),
];

export const V4_KEPT_HOST_BITS = 8;
export const V6_KEPT_HOST_BITS = 64;

const bit = (bytes: Uint8Array, i: number): number => (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
function setBit(bytes: Uint8Array, i: number, value: number): void {
  const mask = 1 << (7 - (i & 7));
  bytes[i >> 3] = value ? bytes[i >> 3]! | mask : bytes[i >> 3]! & ~mask;
}
function samePrefix(a: Uint8Array, b: Uint8Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (bit(a, i) !== bit(b, i)) return false;
  return true;
}

const MAX_CACHE = 1 << 20;

/** One address family: the bit-level construction, forward and inverse. */
class PrefixPreservingMap {
  private readonly cache = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    private readonly family: 4 | 6,
    readonly width: number,
    readonly cap: number,
    private readonly blocks: readonly Block[],
  ) {}

  /** f(prefix of `len` bits of `bytes`): the bit XORed into output bit `len`. */
  private flip(bytes: Uint8Array, len: number): number {
    if (len >= this.cap) return 0;
    for (const b of this.blocks) {
      if (len < b.len && samePrefix(bytes, b.bytes, len)) return 0;
      if (b.identity && len >= b.len && samePrefix(bytes, b.bytes, b.len)) return 0;
    }
    const masked = Buffer.alloc(Math.ceil(len / 8));
    for (let i = 0; i < len; i++) if (bit(bytes, i)) masked[i >> 3] = masked[i >> 3]! | (1 << (7 - (i & 7)));
    const cacheKey = `${len}:${masked.toString('hex')}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const value = createHmac('sha256', this.key).update(Buffer.from([this.family, len])).update(masked).digest()[0]! & 1;
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(cacheKey, value);
    return value;
  }

  /** Bits from `keepFrom` on are copied, not mapped: the host part of `a.b.c.d/len`. */
  map(bytes: Uint8Array, keepFrom = this.width): Uint8Array {
    const out = Uint8Array.from(bytes);
    const limit = Math.min(this.cap, keepFrom);
    for (let i = 0; i < limit; i++) if (this.flip(bytes, i)) setBit(out, i, bit(bytes, i) ^ 1);
    return out;
  }

  /** The inverse: each input bit is recovered from the bits already recovered before it. */
  unmap(mapped: Uint8Array, keepFrom = this.width): Uint8Array {
    const out = Uint8Array.from(mapped);
    const limit = Math.min(this.cap, keepFrom);
    for (let i = 0; i < limit; i++) setBit(out, i, bit(mapped, i) ^ this.flip(out, i));
    return out;
  }
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseV4(text: string): Uint8Array | null {
  const m = V4.exec(text);
  return m ? Uint8Array.from(m.slice(1, 5).map(Number)) : null;
}

export function formatV4(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

export type Direction = 'map' | 'unmap';

export class AddressMapper {
  private readonly v4: PrefixPreservingMap;
  private readonly v6: PrefixPreservingMap;

  constructor(key: Buffer) {
    this.v4 = new PrefixPreservingMap(key, 4, 32, 32 - V4_KEPT_HOST_BITS, V4_BLOCKS);
    this.v6 = new PrefixPreservingMap(key, 6, 128, 128 - V6_KEPT_HOST_BITS, V6_BLOCKS);
  }

  v4Bytes(bytes: Uint8Array, prefixLen = 32, direction: Direction = 'map'): Uint8Array {
    return direction === 'map' ? this.v4.map(bytes, prefixLen) : this.v4.unmap(bytes, prefixLen);
  }

  v6Bytes(bytes: Uint8Array, prefixLen = 128, direction: Direction = 'map'): Uint8Array {
    return direction === 'map' ? this.v6.map(bytes, prefixLen) : this.v6.unmap(bytes, prefixLen);
  }

  /** `a.b.c.d` or `a.b.c.d/len`; null when it is not one. */
  mapV4Text(text: string, direction: Direction = 'map'): string | null {
    const [address, len] = text.split('/') as [string, string | undefined];
    const bytes = parseV4(address);
    const prefix = len === undefined ? 32 : Number(len);
    if (!bytes || !(prefix >= 0 && prefix <= 32)) return null;
    return `${formatV4(this.v4Bytes(bytes, prefix, direction))}${len === undefined ? '' : `/${len}`}`;
  }

  /** Any IPv6 form, with an optional `/len`; an embedded IPv4 (`::ffff:a.b.c.d`) is mapped as IPv4. */
  mapV6Text(text: string, direction: Direction = 'map'): string | null {
    const [address, len] = text.split('/') as [string, string | undefined];
    if (!ipaddr.IPv6.isValid(address) || address.includes('%')) return null;
    const prefix = len === undefined ? 128 : Number(len);
    if (!(prefix >= 0 && prefix <= 128)) return null;
    const parsed = ipaddr.IPv6.parse(address);
    const suffix = len === undefined ? '' : `/${len}`;
    if (parsed.isIPv4MappedAddress()) {
      const inner = this.v4Bytes(Uint8Array.from(parsed.toIPv4Address().toByteArray()), Math.max(0, prefix - 96), direction);
      return `::ffff:${formatV4(inner)}${suffix}`;
    }
    const out = this.v6Bytes(Uint8Array.from(parsed.toByteArray()), prefix, direction);
    return `${ipaddr.fromByteArray(Array.from(out)).toString()}${suffix}`;
  }
}
