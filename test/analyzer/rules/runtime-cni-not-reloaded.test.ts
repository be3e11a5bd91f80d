import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST } from '../../../samples/recipes/kit.js';
import { failStuck, healFlannelOn, setCriInfo, setNetD } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';

const NO_CONFIG = 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config';

const rows: Row[] = [
  {
    name: 'crictl info still says "no network config found" although a valid config was written half an hour ago',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 1_864 }], 1_866);
      setCriInfo(n, { networkReady: false, lastCNILoadStatus: NO_CONFIG, networks: [] });
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cri/info.json', excerpt: /"lastCNILoadStatus": "cni config load failed: no network config found in \/etc\/cni\/net\.d/ },
      command: /systemctl restart containerd/,
      message: [/is valid and in \/etc\/cni\/net\.d since/, /its loaded networks are only cni-loopback/, /after the file was written/],
      first: { ruleId: 'runtime-cni-not-reloaded', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'the last reload read a half-written file; the file is fine now',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 1_500 }]);
      const parseError = 'cni config load failed: failed to load CNI config list file /etc/cni/net.d/10-flannel.conflist: error parsing configuration list: unexpected end of JSON input: invalid cni config: failed to load cni config';
      setCriInfo(n, { networkReady: false, lastCNILoadStatus: parseError, networks: [] });
      n.containerd.unshift(n.containerdLine(1_500, 'error', 'failed to reload cni configuration after receiving fs change event(WRITE         "/etc/cni/net.d/10-flannel.conflist")', parseError));
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/containerd.log', excerpt: /failed to reload cni configuration after receiving fs change event/ },
      command: /crictl info/,
      message: [/read the file while it was being written/],
    },
  },
  {
    name: 'no crictl info: sandboxes still fail long after the file was written',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 1_864 }], 1_866);
      n.missing('cri/info.json', { kind: 'command', argv: ['crictl', 'info'] }, 'absent', 'command not found: crictl');
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d.ls', excerpt: /10-flannel\.conflist/ },
      command: /systemctl restart containerd/,
      confirm: /crictl info on node-2/,
    },
  },
  {
    name: 'neither crictl info nor the file time: inconclusive, no guess',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      n.missing('cri/info.json', { kind: 'command', argv: ['crictl', 'info'] }, 'absent', 'command not found: crictl');
      n.missing('cni/net.d.ls', { kind: 'file', path: '/etc/cni/net.d' }, 'timeout', 'listing timed out after 30 s');
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: null,
    inconclusive: /neither the runtime's current CNI status nor when the file was written/,
  },
  {
    name: 'state only: containerd runs an older network than the file on disk',
    build: (kit) => {
      kit.heal();
      setCriInfo(kit.node('node-3'), { networks: [['containerd-net', '1.0.0', ['bridge', 'portmap']]] });
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/cri/info.json', excerpt: /loaded network: containerd-net \(bridge, portmap\)/ },
      command: /systemctl restart containerd/,
      message: [/still runs network containerd-net, not "cbr0"/],
    },
  },
  {
    name: 'look-alike: the errors are from before the agent wrote the config, and containerd has loaded it since',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      // The last failure (the aggregated event, 12 s ago) came before the file (8 s ago).
      setNetD(kit.node('node-2'), [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 8 }]);
      failStuck(kit, 'cni plugin not initialized', { ages: [420, 300, 180, 60] });
    },
    expected: null,
  },
  {
    name: 'look-alike: net.d is empty (nothing to reload)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      n.netD = new Map();
      setCriInfo(n, { networkReady: false, lastCNILoadStatus: NO_CONFIG, networks: [] });
      failStuck(kit, 'cni plugin not initialized');
    },
    expected: null,
    firstRule: 'cni-config-missing',
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('runtime-cni-not-reloaded', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('runtime-cni-not-reloaded', row);
  });
});
