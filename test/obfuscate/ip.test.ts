import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { AddressMapper, formatV4, parseV4 } from '../../shared/obfuscate/ip.js';

const key = randomBytes(32);
const mapper = new AddressMapper(key);

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => Uint8Array.from(o));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 });
const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));

function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length * 8; i++) {
    const bit = (x: Uint8Array) => (x[i >> 3]! >> (7 - (i & 7))) & 1;
    if (bit(a) !== bit(b)) return i;
  }
  return a.length * 8;
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) => ipaddr.parseCIDR(c) as [ipaddr.IPv4, number]);
const IDENTITY = ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '240.0.0.0/4'].map((c) => ipaddr.parseCIDR(c) as [ipaddr.IPv4, number]);
const blockOf = (bytes: Uint8Array) => {
  const a = ipaddr.fromByteArray(Array.from(bytes)) as ipaddr.IPv4;
  return [...PRIVATE, ...IDENTITY].find((b) => a.match(b)) ?? null;
};

/** A private cluster CIDR and a pod CIDR inside it (random bits under the block prefix), as text, and the pod CIDR's first host. */
const clusterAndPodCidr = fc
  .tuple(fc.constantFrom(...PRIVATE), fc.integer({ min: 8, max: 20 }), fc.integer({ min: 1, max: 10 }), v4)
  .map(([[base, blockLen], clusterLen, extra, random]) => {
    const len = Math.max(clusterLen, blockLen);
    const podLen = Math.min(len + extra, 30);
    const block = Uint8Array.from(base.toByteArray());
    const addr = Uint8Array.from(random);
    for (let i = 0; i < blockLen; i++) {
      const mask = 1 << (7 - (i & 7));
      addr[i >> 3] = (addr[i >> 3]! & ~mask) | (block[i >> 3]! & mask);
    }
    const network = (l: number) => {
      const out = Uint8Array.from(addr);
      for (let i = l; i < 32; i++) out[i >> 3] = out[i >> 3]! & ~(1 << (7 - (i & 7)));
      return out;
    };
    const first = network(podLen);
    first[3] = first[3]! | 1;
    return { cluster: `${formatV4(network(len))}/${len}`, pod: `${formatV4(network(podLen))}/${podLen}`, host: formatV4(first) };
  });

describe('prefix-preserving IPv4 mapping', () => {
  it('keeps the common prefix length of every two addresses (so subnets map onto subnets)', () => {
    fc.assert(fc.property(v4, v4, (a, b) => commonPrefix(mapper.v4Bytes(a), mapper.v4Bytes(b)) === commonPrefix(a, b)), { numRuns: 2000 });
  });

  it('is a bijection: unmapping gives the address back', () => {
    fc.assert(fc.property(v4, (a) => formatV4(mapper.v4Bytes(mapper.v4Bytes(a), 32, 'unmap')) === formatV4(a)), { numRuns: 2000 });
  });

  it('keeps a pod CIDR inside the cluster CIDR, canonical, and its .1 gateway inside it (the first host, for /24 and longer)', () => {
    fc.assert(
      fc.property(clusterAndPodCidr, ({ cluster, pod, host }) => {
        const mc = ipaddr.parseCIDR(mapper.mapV4Text(cluster)!) as [ipaddr.IPv4, number];
        const mp = ipaddr.parseCIDR(mapper.mapV4Text(pod)!) as [ipaddr.IPv4, number];
        expect(mp[0].match(mc)).toBe(true);
        expect(mp[1]).toBe(Number(pod.split('/')[1]));
        expect(ipaddr.IPv4.networkAddressFromCIDR(mapper.mapV4Text(pod)!).toString()).toBe(mp[0].toString());
        expect(ipaddr.IPv4.networkAddressFromCIDR(mapper.mapV4Text(cluster)!).toString()).toBe(mc[0].toString());
        const gw = ipaddr.parse(mapper.mapV4Text(host)!) as ipaddr.IPv4;
        expect(gw.match(mp)).toBe(true);
        expect(gw.octets[3]).toBe(Number(host.split('.')[3]));
        // The first host stays the first host for /24 and longer; shorter subnets keep the host byte only (docs/obfuscation.md says why).
        if (mp[1] >= 24) {
          const expectedFirst = mp[0].toByteArray();
          expectedFirst[3] = expectedFirst[3]! | 1;
          expect(gw.toString()).toBe(expectedFirst.join('.'));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps two addresses of one /24 in one mapped /24, and the host byte (.0, .1, .255) as it is', () => {
    fc.assert(
      fc.property(v4, fc.nat(255), (a, last) => {
        const b = Uint8Array.from([a[0]!, a[1]!, a[2]!, last]);
        const [ma, mb] = [mapper.v4Bytes(a), mapper.v4Bytes(b)];
        expect(formatV4(ma.subarray(0, 3))).toBe(formatV4(mb.subarray(0, 3)));
        expect(ma[3]).toBe(a[3]);
        expect(mb[3]).toBe(last);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps private addresses in their block, public ones public, and special ones unchanged', () => {
    fc.assert(
      fc.property(v4, (a) => {
        const before = blockOf(a);
        const mapped = mapper.v4Bytes(a);
        const after = blockOf(mapped);
        expect(after).toBe(before);
        if (before && IDENTITY.includes(before)) expect(formatV4(mapped)).toBe(formatV4(a));
      }),
      { numRuns: 2000 },
    );
  });

  it('is deterministic for one key (across mappers, in any order) and differs between keys', () => {
    fc.assert(
      fc.property(keyArb, keyArb, fc.array(v4, { minLength: 20, maxLength: 20 }), (k1, k2, addresses) => {
        const one = new AddressMapper(k1);
        const again = new AddressMapper(Buffer.from(k1));
        const forward = addresses.map((a) => formatV4(one.v4Bytes(a)));
        const backward = [...addresses].reverse().map((a) => formatV4(again.v4Bytes(a))).reverse();
        expect(backward).toEqual(forward);
        if (!k1.equals(k2)) {
          const other = addresses.map((a) => formatV4(new AddressMapper(k2).v4Bytes(a)));
          const mappable = addresses.filter((a) => !blockOf(a) || PRIVATE.includes(blockOf(a)!));
          if (mappable.length > 0) expect(other).not.toEqual(forward);
        }
      }),
      { numRuns: 50 },
    );
  });

  it.each([
    // The case sos gets wrong: the cluster CIDR and a node's pod CIDR.
    ['10.244.0.0/16', '10.244.1.0/24'],
    ['10.96.0.0/12', '10.96.0.10/32'],
    ['192.168.0.0/16', '192.168.56.0/24'],
    ['172.16.0.0/12', '172.20.3.0/24'],
    ['10.0.0.0/8', '10.200.64.0/26'],
  ])('explicit: %s contains %s after mapping', (outer, inner) => {
    const mo = ipaddr.parseCIDR(mapper.mapV4Text(outer)!);
    const mi = ipaddr.parseCIDR(mapper.mapV4Text(inner)!);
    expect(mi[0].match(mo)).toBe(true);
    expect(mapper.mapV4Text(outer)!.split('/')[0]!.split('.').slice(Math.ceil(Number(outer.split('/')[1]) / 8)).every((o) => o === '0')).toBe(true);
  });

  it.each(['127.0.0.1', '0.0.0.0', '0.0.0.0/0', '169.254.169.254', '224.0.0.251', '255.255.255.255', '255.255.255.0'])('%s is kept as it is', (address) => {
    expect(mapper.mapV4Text(address)).toBe(address);
  });
});

describe('prefix-preserving IPv6 mapping', () => {
  it('keeps common prefix lengths and inverts', () => {
    fc.assert(
      fc.property(v6, v6, (a, b) => {
        const [ma, mb] = [mapper.v6Bytes(a), mapper.v6Bytes(b)];
        expect(commonPrefix(ma, mb)).toBe(commonPrefix(a, b));
        expect(Buffer.from(mapper.v6Bytes(ma, 128, 'unmap')).equals(Buffer.from(a))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps ULA pod networks ULA, the interface identifier (::1 stays ::1), and a /64 inside its /56', () => {
    const cluster = mapper.mapV6Text('fd00:10:244::/56')!;
    const node = mapper.mapV6Text('fd00:10:244:1::/64')!;
    const gw = mapper.mapV6Text('fd00:10:244:1::1')!;
    expect(cluster.startsWith('fd')).toBe(true);
    expect(ipaddr.parseCIDR(node)[0].match(ipaddr.parseCIDR(cluster))).toBe(true);
    expect(ipaddr.parse(gw).match(ipaddr.parseCIDR(node))).toBe(true);
    expect(gw.endsWith('::1')).toBe(true);
  });

  it.each(['::1', '::', 'fe80::14f3:b2ff:fe8f:3e11', 'ff02::1', 'fe80::/64'])('%s is kept as it is', (address) => {
    expect(mapper.mapV6Text(address)).toBe(address);
  });

  it('maps an IPv4-mapped address through the IPv4 mapping', () => {
    expect(mapper.mapV6Text('::ffff:10.244.1.4')).toBe(`::ffff:${mapper.mapV4Text('10.244.1.4')}`);
  });
});
