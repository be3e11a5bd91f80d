import { describe, it } from 'vitest';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { failStuck, healFlannelOn } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { lsLine, markTerminating } from './lib/config-and-runtime.js';

const CACHE_ERROR = 'failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input';

/** The stuck pod is Terminating and its teardown fails on its cache file, which holds `content`. */
function corrupt(kit: SampleKit, content: string, o: { listing?: boolean } = {}): string {
  healFlannelOn(kit, 'node-2');
  const ids = failStuck(kit, CACHE_ERROR, { op: 'delete' });
  markTerminating(kit);
  const n = kit.node('node-2');
  const id = ids[0]!;
  const name = `cbr0-${id}-eth0`;
  n.set(`cni/results/${name}`, content, { kind: 'file', path: `/var/lib/cni/results/${name}` }, { fileMode: '-rw-------' });
  if (o.listing !== false) {
    n.set('cni/results.ls', ['# cni-evidence listing v1: /var/lib/cni/results (ls -ln --time-style=full-iso, TZ=UTC)', lsLine('drwx------', 4096, 600, '.'), lsLine('-rw-------', Buffer.byteLength(content), 1_900, name)].join('\n') + '\n', { kind: 'file', path: '/var/lib/cni/results' });
  }
  return id;
}

const rows: Row[] = [
  {
    name: 'a 0-byte cache file of the very sandbox whose StopPodSandbox fails',
    build: (kit) => void corrupt(kit, ''),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/results.ls', excerpt: /^-rw------- 0 .* cbr0-[0-9a-f]{64}-eth0$/ },
      command: /rm -f \/var\/lib\/cni\/results\/cbr0-[0-9a-f]{64}-eth0/,
      message: [/is empty \(0 bytes\)/, /every StopPodSandbox fails/, /stays Terminating/],
      first: { ruleId: 'cni-cache-corrupt', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'a truncated (invalid JSON) cache file',
    build: (kit) => void corrupt(kit, '{"kind":"cniCacheV1","containerId":"'),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/cni\/results\//, excerpt: /invalid JSON at line 1/ },
      command: /crictl stopp [0-9a-f]{64} && crictl rmp [0-9a-f]{64}/,
      message: [/is not valid JSON/],
    },
  },
  {
    name: 'the results dir was not collected: the runtime error alone, lower confidence',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      failStuck(kit, CACHE_ERROR, { op: 'delete' });
      markTerminating(kit);
      kit.node('node-2').missing('cni/results.ls', { kind: 'file', path: '/var/lib/cni/results' }, 'forbidden', 'cannot list /var/lib/cni/results: Permission denied');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/kubelet.log', excerpt: /cached result: decoding version from network config/ },
      command: /rm -f \/var\/lib\/cni\/results\/cbr0-[0-9a-f]{64}-eth0/,
      confirm: /nodes\/node-2\/cni\/results\.ls \(forbidden/,
    },
  },
  {
    name: 'state only: an empty cache file nobody has tried to tear down yet',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      const pod = n.pods[0]!;
      n.set(`cni/results/cbr0-${pod.sandboxId}-eth0`, '', { kind: 'file', path: `/var/lib/cni/results/cbr0-${pod.sandboxId}-eth0` }, { fileMode: '-rw-------' });
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: ['default/web-7r2rngql75-f8scb'],
      cite: { file: /^nodes\/node-3\/cni\/results/, excerpt: /0 bytes|-rw------- 1647/ },
      command: /find \/var\/lib\/cni\/results -type f -size 0 -ls/,
      message: [/The next teardown of sandbox/],
    },
  },
  {
    name: 'look-alike: "unexpected end of JSON input" on ADD from an agent that died (no cached result involved)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      failStuck(kit, 'plugin type="aws-cni" name="aws-cni" failed (add): add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = error reading from server: EOF: unexpected end of JSON input');
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('cni-cache-corrupt', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('cni-cache-corrupt', row);
  });
});
