import { describe, it } from 'vitest';
import { hex64, type SampleKit } from '../../../samples/recipes/kit.js';
import { failStuck, healFlannelOn, listingText } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';

const FULL = 'plugin type="flannel" failed (add): failed to delegate add: failed to allocate for range 0: no IP addresses available in range set: 10.244.1.1-10.244.1.254';

/** `count` reservations on node-2 whose sandboxes the node no longer has (no cache, no netns). */
function deadReservations(kit: SampleKit, count: number, from = 20): string[] {
  const n = kit.node('node-2');
  const ips: string[] = [];
  for (let i = 0; i < count; i++) {
    const ip = `10.244.1.${from + i}`;
    n.reservations.set(ip, `${hex64(`dead/${ip}`)}\r\neth0`);
    ips.push(ip);
  }
  return ips;
}

/** Running pods on node-2 (cache, reservation, netns), as the kit renders them. */
function livePods(kit: SampleKit, count: number): void {
  const n = kit.node('node-2');
  for (let i = 0; i < count; i++) n.addRunningPod('default', `api-${i}`, `0f0e0d0c-0000-4000-8000-00000000000${i}`, `10.244.1.${5 + i}`);
}

/** Only these pods' network namespaces are left in /run/netns. */
function netnsOnly(kit: SampleKit, keep: number[]): void {
  const n = kit.node('node-2');
  n.set('net/netns.ls', listingText('/run/netns', n.pods.filter((_, i) => keep.includes(i)).map((p) => ({ name: `cni-${p.uid}`, size: 0, secondsBefore: 3_000, mode: '-r--r--r--' }))), { kind: 'file', path: '/run/netns' });
}

const rows: Row[] = [
  {
    name: 'after a reboot: the reservations predate the boot, the range is full of the dead',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      deadReservations(kit, 12);
      kit.node('node-2').set('system/uptime.txt', '3612.40 7011.95\n', { kind: 'file', path: '/proc/uptime' });
      failStuck(kit, FULL);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/system/uptime.txt', line: 1, excerpt: /up 60 min: booted 2026-11-22T09:29:4\dZ/ },
      command: /rm -f \/var\/lib\/cni\/networks\/cbr0\/10\.244\.1\.20 \/var\/lib\/cni\/networks\/cbr0\/10\.244\.1\.21 /,
      message: [/12 of the 12 addresses reserved in host-local network "cbr0"/, /reserved before the node rebooted/, /That is why the range is full/],
      first: { ruleId: 'ipam-leaked', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'sandboxes died without a DEL: their network namespaces are gone',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      livePods(kit, 3);
      netnsOnly(kit, []);
      failStuck(kit, FULL);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/net/netns.ls', excerpt: /\/run\/netns holds no namespace at all/ },
      command: /\/var\/lib\/cni\/results\/cbr0-[0-9a-f]{64}-eth0/,
      message: [/3 of the 3 addresses/, /its network namespace cni-0f0e0d0c-0000-4000-8000-000000000000 is gone/],
      first: { ruleId: 'ipam-leaked', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'crictl pods knows one of the three sandboxes',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      livePods(kit, 3);
      netnsOnly(kit, [0]);
      const n = kit.node('node-2');
      const p = n.pods[0]!;
      n.set('cri/pods.json', `${JSON.stringify({ items: [{ id: p.sandboxId, metadata: { name: p.name, uid: p.uid, namespace: p.namespace, attempt: 0 }, state: 'SANDBOX_READY', createdAt: '1795170000000000000', labels: {}, annotations: {}, runtimeHandler: '' }] }, null, 2)}\n`, { kind: 'command', argv: ['crictl', 'pods', '-o', 'json'] }, { exitCode: 0 });
      failStuck(kit, FULL);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cri/pods.json', line: 0, excerpt: /crictl pods lists no sandbox [0-9a-f]{12}/ },
      command: /crictl inspectp/,
      message: [/2 of the 3 addresses/, /no sandbox [0-9a-f]{12} exists \(crictl pods\)/],
    },
  },
  {
    name: 'a few leaks in a range that is full of live pods: ipam-exhausted stays the cause',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      livePods(kit, 3);
      netnsOnly(kit, [0, 1]);
      failStuck(kit, FULL);
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [],
      cite: { file: /^nodes\/node-2\/cni\/networks\/cbr0\/10\.244\.1\.7$/, line: 1, excerpt: /10\.244\.1\.7 reserved by [0-9a-f]{12} \(default\/api-2\)/ },
      command: /rm -f \/var\/lib\/cni\/networks\/cbr0\/10\.244\.1\.7/,
      message: [/1 of the 3 addresses/, /most are held by live sandboxes \(see ipam-exhausted\)/],
      first: { ruleId: 'ipam-exhausted', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'nothing shows whether the holders live (no netns listing, no uptime, no cache): inconclusive',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      deadReservations(kit, 6);
      const n = kit.node('node-2');
      n.missing('net/netns.ls', { kind: 'file', path: '/run/netns' }, 'absent', 'no such directory: /run/netns');
      n.missing('system/uptime.txt', { kind: 'file', path: '/proc/uptime' }, 'failed', 'cannot read /proc/uptime: Permission denied');
      failStuck(kit, FULL);
    },
    expected: null,
    firstRule: 'ipam-exhausted',
    inconclusive: /nothing in the bundle shows whether the sandboxes holding its 6 reservations still exist/,
  },
  {
    name: 'look-alike: the range is really full of live pods',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      livePods(kit, 3);
      failStuck(kit, FULL);
    },
    expected: null,
    firstRule: 'ipam-exhausted',
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('ipam-leaked', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('ipam-leaked', row);
  });
});
