import { describe, expect, it } from 'vitest';
import { ipAddrParser, ipJsonParser, ipRouteParser, ipRuleParser, type IpAddrRecord, type IpLinkRecord } from '../../../analyzer/parsers/ip.js';
import { fixture } from './helpers.js';

describe('ip -d addr (real lab output, e-cni0-conflict)', () => {
  const { records, problems } = ipAddrParser.parse(fixture('e-cni0-conflict.ip-addr.txt'), 'nodes/n1/net/ip-addr.txt');
  const links = records.filter((r): r is IpLinkRecord => r.kind === 'ip-link');
  const addrs = records.filter((r): r is IpAddrRecord => r.kind === 'ip-addr');

  it('reads every interface and address without problems', () => {
    expect(problems).toEqual([]);
    expect(links.map((l) => [l.index, l.name, l.line])).toEqual([
      [1, 'lo', 1], [2, 'cni1', 7], [3, 'veth811fc485', 14], [4, 'veth85e13888', 20],
      [5, 'cni2', 24], [6, 'veth3ed4ad3f', 29], [7, 'cni0', 33], [8, 'vethbb7c65e0', 40], [9, 'veth312a22e7', 46],
    ]);
  });

  it.each([
    ['cni0', { linkKind: 'bridge', mtu: 1450, state: 'UP', up: true, lowerUp: true, mac: 'fe:9a:67:b5:4c:41', qlen: 1000 }],
    ['veth811fc485', { linkKind: 'veth', slaveKind: 'bridge', bridgeSlaveState: 'forwarding', master: 'cni1', peerIndex: 2, linkNetns: 'cl12654-a', promiscuity: 1 }],
    ['veth85e13888', { noCarrier: true, lowerUp: false, state: 'DOWN', bridgeSlaveState: 'disabled', master: 'cni1', linkNetns: 'cl12654-b' }],
    ['cni2', { linkKind: 'bridge', state: 'DOWN', noCarrier: true }],
    ['lo', { linkType: 'loopback', mtu: 65536, state: 'UNKNOWN' }],
  ])('interface %s', (name, expected) => {
    expect(links.find((l) => l.name === name)).toMatchObject(expected);
  });

  it.each([
    ['cni0', 'inet', { cidr: '10.244.1.1/24', address: '10.244.1.1', prefixLength: 24, broadcast: '10.244.1.255', scope: 'global', label: 'cni0', line: 36 }],
    ['cni1', 'inet', { cidr: '10.99.0.1/24', scope: 'global', line: 10 }],
    ['cni1', 'inet6', { cidr: 'fe80::2c90:84ff:fe03:ddab/64', scope: 'link', flags: ['tentative'], line: 12 }],
    ['lo', 'inet', { cidr: '127.0.0.1/8', scope: 'host', line: 3 }],
  ])('address of %s (%s)', (ifName, family, expected) => {
    expect(addrs.find((a) => a.ifName === ifName && a.family === family)).toMatchObject(expected);
  });

  it('cni2 has no IPv4 address', () => {
    expect(addrs.filter((a) => a.ifName === 'cni2' && a.family === 'inet')).toEqual([]);
  });
});

describe('ip -d link (real lab output, a-exhausted)', () => {
  it('has the same interfaces, with mode and no addresses', () => {
    const { records, problems } = ipAddrParser.parse(fixture('a-exhausted.ip-link.txt'), 'ip-link.txt');
    expect(problems).toEqual([]);
    expect(records.map((r) => r.kind)).toEqual(['ip-link', 'ip-link', 'ip-link', 'ip-link']);
    expect(records[2]).toMatchObject({ name: 'veth811fc485', mode: 'DEFAULT', linkKind: 'veth', master: 'cni1', line: 6 });
  });
});

describe('ip addr text: other devices', () => {
  it.each([
    {
      name: 'flannel VXLAN device (ip -d addr, measured here)',
      text: [
        '5: flannel.1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN group default qlen 1000',
        '    link/ether 3e:4f:13:31:ce:50 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 ',
        '    vxlan id 1 local 10.0.0.5 dev eth0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 65536 tso_max_segs 65535 gro_max_size 65536 ',
        '    inet 10.244.1.0/32 scope global flannel.1',
        '       valid_lft forever preferred_lft forever',
      ].join('\n'),
      link: { name: 'flannel.1', mtu: 1450, linkKind: 'vxlan', vxlan: { id: 1, local: '10.0.0.5', dev: 'eth0', dstport: 8472, learning: false } },
      addr: { cidr: '10.244.1.0/32', label: 'flannel.1', line: 4 },
    },
    {
      name: 'macvlan with a parent by name',
      text: '6: mv0@veth1: <BROADCAST,MULTICAST,M-DOWN> mtu 1500 qdisc noop state DOWN group default qlen 1000\n    link/ether 06:bf:95:09:a9:a5 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 \n    macvlan mode bridge bcqueuelen 1000 usedbcqueuelen 1000 numtxqueues 1',
      link: { name: 'mv0', parent: 'veth1', linkKind: 'macvlan', up: false },
    },
    {
      name: 'secondary dynamic address and an altname',
      text: '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP group default qlen 1000\n    link/ether 02:aa:bb:cc:dd:ee brd ff:ff:ff:ff:ff:ff\n    altname enp0s5\n    inet 10.0.1.20/24 metric 100 brd 10.0.1.255 scope global secondary dynamic eth0\n       valid_lft 3000sec preferred_lft 3000sec',
      link: { name: 'eth0', mtu: 9001, altnames: ['enp0s5'] },
      addr: { cidr: '10.0.1.20/24', flags: ['secondary', 'dynamic'], label: 'eth0', line: 4 },
    },
  ])('$name', ({ text, link, addr }) => {
    const { records, problems } = ipAddrParser.parse(text, 'ip-addr.txt');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ kind: 'ip-link', line: 1, ...link });
    if (addr) expect(records[1]).toMatchObject({ kind: 'ip-addr', ...addr });
  });

  it.each([
    ['text before any interface', '    inet 10.0.0.1/24 scope global eth0', 1],
    ['garbage line', '1: lo: <LOOPBACK,UP> mtu 65536\nthis is not ip output', 2],
    ['an address that is not an address', '1: lo: <LOOPBACK,UP> mtu 65536\n    inet nonsense scope host lo', 2],
  ])('bad input: %s', (_n, text, line) => {
    const { problems } = ipAddrParser.parse(text, 'ip-addr.txt');
    expect(problems.map((p) => p.line)).toEqual([line]);
  });

  it('binary input is one problem, no records', () => {
    expect(ipAddrParser.parse('\u0000\u0000\u0000', 'x')).toEqual({ records: [], problems: [{ file: 'x', line: 0, message: 'binary content in ip output' }] });
  });
});

describe('ip route', () => {
  it('real lab routes (f-leak)', () => {
    const { records, problems } = ipRouteParser.parse(fixture('f-leak.ip-route.txt'), 'ip-route.txt');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.line, r.dst, r.dev, r.src, r.proto, r.scope, r.table])).toEqual([
      [1, '10.98.0.0/24', 'cni2', '10.98.0.1', 'kernel', 'link', 'main'],
      [2, '10.99.0.0/24', 'cni1', '10.99.0.1', 'kernel', 'link', 'main'],
      [3, '10.244.1.0/24', 'cni0', '10.244.1.1', 'kernel', 'link', 'main'],
    ]);
  });

  it.each([
    ['default via 10.244.1.5 dev br0 proto dhcp metric 100 linkdown ', { type: 'unicast', dst: 'default', via: '10.244.1.5', dev: 'br0', proto: 'dhcp', metric: 100, flags: ['linkdown'], family: 4 }],
    ['blackhole 10.244.9.0/24 proto bird ', { type: 'blackhole', dst: '10.244.9.0/24', proto: 'bird', table: 'main' }],
    ['local 10.244.1.1 dev br0 table local proto kernel scope host src 10.244.1.1 ', { type: 'local', dst: '10.244.1.1', table: 'local', scope: 'host' }],
    ['10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink ', { dst: '10.244.2.0/24', via: '10.244.2.0', dev: 'flannel.1', flags: ['onlink'] }],
    ['fe80::/64 dev br0 proto kernel metric 256 linkdown pref medium', { family: 6, dst: 'fe80::/64', metric: 256, pref: 'medium', flags: ['linkdown'] }],
    ['multicast ff00::/8 dev flannel.1 table local proto kernel metric 256 pref medium', { type: 'multicast', family: 6, table: 'local' }],
    ['10.0.0.0/8 via inet6 fe80::1 dev eth0 mtu lock 1400', { via: 'fe80::1', mtu: 1400 }],
  ])('%s', (line, expected) => {
    const { records, problems } = ipRouteParser.parse(line, 'r.txt');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ kind: 'ip-route', line: 1, ...expected });
  });

  it('multipath nexthops attach to their route', () => {
    const text = 'default proto bird metric 20\n\tnexthop via 10.0.0.1 dev eth0 weight 1\n\tnexthop via 10.0.0.2 dev eth1 weight 1';
    const { records } = ipRouteParser.parse(text, 'r.txt');
    expect(records).toHaveLength(1);
    expect(records[0]!.nexthops).toEqual([{ via: '10.0.0.1', dev: 'eth0', weight: 1 }, { via: '10.0.0.2', dev: 'eth1', weight: 1 }]);
  });

  it.each([
    ['not a route', 'Error: ipv4: FIB table does not exist.', 1],
    ['dangling nexthop', '\tnexthop via 10.0.0.1 dev eth0', 1],
  ])('bad input: %s', (_n, text, line) => {
    expect(ipRouteParser.parse(text, 'r.txt').problems.map((p) => p.line)).toEqual([line]);
  });
});

describe('ip rule', () => {
  it.each([
    ['0:\tfrom all lookup local', { priority: 0, from: 'all', table: 'local', action: 'lookup', not: false }],
    ['100:\tfrom all fwmark 0x200/0xf00 lookup 2004', { priority: 100, fwmark: '0x200/0xf00', table: '2004' }],
    ['9:\tnot from all fwmark 0x200/0xf00 lookup 200', { not: true, fwmark: '0x200/0xf00' }],
    ['512:\tfrom all to 10.0.1.5 lookup main', { to: '10.0.1.5', table: 'main' }],
    ['1000:\tfrom all iif eth0 blackhole', { iif: 'eth0', action: 'blackhole' }],
  ])('%s', (line, expected) => {
    expect(ipRuleParser.parse(line, 'rule.txt').records[0]).toMatchObject({ kind: 'ip-rule', line: 1, ...expected });
  });

  it('garbage is a problem at its line', () => {
    expect(ipRuleParser.parse('0:\tfrom all lookup local\nRTNETLINK answers: Operation not permitted', 'rule.txt').problems).toEqual([
      { file: 'rule.txt', line: 2, message: 'not an ip rule line', excerpt: 'RTNETLINK answers: Operation not permitted' },
    ]);
  });
});

describe('ip -j (measured here with iproute2 6.1)', () => {
  it('addr JSON: links, kinds and addresses with lines', () => {
    const text = JSON.stringify([
      { ifindex: 2, ifname: 'br0', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], mtu: 1500, qdisc: 'noqueue', operstate: 'DOWN', group: 'default', txqlen: 1000, link_type: 'ether', address: 'ea:e1:5a:dd:39:02', broadcast: 'ff:ff:ff:ff:ff:ff', linkinfo: { info_kind: 'bridge', info_data: { stp_state: 0 } }, addr_info: [{ family: 'inet', local: '10.244.1.1', prefixlen: 24, scope: 'global', label: 'br0' }, { family: 'inet6', local: 'fe80::ccc3:64ff:fe75:e9a3', prefixlen: 64, scope: 'link', tentative: true }] },
      { ifindex: 4, link: 'veth1', ifname: 'veth0', flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP', 'M-DOWN'], mtu: 1500, master: 'br0', operstate: 'LOWERLAYERDOWN', link_type: 'ether', linkinfo: { info_kind: 'veth', info_slave_kind: 'bridge', info_slave_data: { state: 'disabled' } }, addr_info: [] },
      { ifindex: 5, ifname: 'flannel.1', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], mtu: 1450, operstate: 'UNKNOWN', linkinfo: { info_kind: 'vxlan', info_data: { id: 1, port_range: { low: 0, high: 0 }, port: 8472, learning: false, ttl: 0 } }, addr_info: [] },
    ], null, 2);
    const { records, problems } = ipJsonParser.parse(text, 'ip-addr.json');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.kind, r.line])).toEqual([['ip-link', 2], ['ip-addr', 26], ['ip-addr', 33], ['ip-link', 42], ['ip-link', 66]]);
    expect(records[0]).toMatchObject({ name: 'br0', linkKind: 'bridge', noCarrier: true, state: 'DOWN' });
    expect(records[1]).toMatchObject({ ifName: 'br0', cidr: '10.244.1.1/24', scope: 'global', label: 'br0' });
    expect(records[2]).toMatchObject({ family: 'inet6', flags: ['tentative'] });
    expect(records[3]).toMatchObject({ name: 'veth0', parent: 'veth1', master: 'br0', linkKind: 'veth', slaveKind: 'bridge', bridgeSlaveState: 'disabled' });
    expect(records[4]).toMatchObject({ name: 'flannel.1', vxlan: { id: 1, dstport: 8472, learning: false } });
  });

  it('route and rule JSON', () => {
    const routes = '[{"dst":"default","gateway":"10.244.1.5","dev":"br0","protocol":"dhcp","metric":100,"flags":["linkdown"]},{"type":"blackhole","dst":"10.244.9.0/24","protocol":"static","flags":[]},{"type":"local","dst":"10.244.1.1","dev":"br0","table":"local","protocol":"kernel","scope":"host","prefsrc":"10.244.1.1","flags":[]}]';
    expect(ipJsonParser.parse(routes, 'r.json').records).toEqual([
      { kind: 'ip-route', file: 'r.json', line: 1, family: 4, type: 'unicast', dst: 'default', table: 'main', flags: ['linkdown'], nexthops: [], via: '10.244.1.5', dev: 'br0', proto: 'dhcp', metric: 100 },
      { kind: 'ip-route', file: 'r.json', line: 1, family: 4, type: 'blackhole', dst: '10.244.9.0/24', table: 'main', flags: [], nexthops: [], proto: 'static' },
      { kind: 'ip-route', file: 'r.json', line: 1, family: 4, type: 'local', dst: '10.244.1.1', table: 'local', flags: [], nexthops: [], dev: 'br0', proto: 'kernel', scope: 'host', src: '10.244.1.1' },
    ]);
    const rules = '[{"priority":0,"src":"all","table":"local"},{"priority":100,"src":"all","fwmark":"0x200","fwmask":"0xf00","table":"2004"}]';
    expect(ipJsonParser.parse(rules, 'rule.json').records).toEqual([
      { kind: 'ip-rule', file: 'rule.json', line: 1, priority: 0, not: false, action: 'lookup', from: 'all', table: 'local' },
      { kind: 'ip-rule', file: 'rule.json', line: 1, priority: 100, not: false, action: 'lookup', from: 'all', fwmark: '0x200/0xf00', table: '2004' },
    ]);
  });

  it.each([
    ['truncated', '[{"ifindex":1,"ifname":"lo",', 1, 'invalid JSON'],
    ['not an array', '{"ifindex":1}', 1, 'not a JSON array'],
    ['unknown element', '[\n  {"foo": 1}\n]', 2, 'unrecognized ip -j element'],
  ])('bad input: %s', (_n, text, line, message) => {
    const { problems } = ipJsonParser.parse(text, 'x.json');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(line);
    expect(problems[0]!.message).toContain(message);
  });
});
