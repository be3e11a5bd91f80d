import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST } from '../../../samples/recipes/kit.js';
import { flannelPodOn, setAgentState } from '../../../samples/recipes/lib/agents.js';
import { failStuck, healFlannelOn, setCriInfo, setNetD, setNetworkNotReady } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';

const NOT_INIT = 'cni plugin not initialized';
const initLine = (kit: Parameters<Row['build']>[0]) => {
  const n = kit.node('node-2');
  n.containerd.unshift(n.containerdLine(1_880, 'error', 'failed to load cni during init, please check CRI plugin status before setting up network for pods', 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config'));
};

const rows: Row[] = [
  {
    name: 'empty net.d while the flannel pod is stuck in its install-cni init container',
    build: (kit) => {
      kit.node('node-2').netD = new Map();
      setAgentState(kit, flannelPodOn(kit, 'node-2'), 'kube-flannel', { state: 'init-crashloop', initContainer: 'install-cni' });
      initLine(kit);
      failStuck(kit, NOT_INIT);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d.ls', line: 2, excerpt: /\/etc\/cni\/net\.d lists no file at all/ },
      command: /kubectl -n kube-flannel describe pod kube-flannel-ds-/,
      message: [/\/etc\/cni\/net\.d is empty/, /Init:1\/2 \(install-cni CrashLoopBackOff\)/, /has not written the file yet/],
      first: { ruleId: 'cni-config-missing', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: '/etc/cni/net.d does not exist at all',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      n.netD = new Map();
      n.missing('cni/net.d.ls', { kind: 'file', path: '/etc/cni/net.d' }, 'absent', 'no such directory: /etc/cni/net.d');
      initLine(kit);
      failStuck(kit, NOT_INIT);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d.ls', line: 0, excerpt: /no such directory/ },
      command: /ls -la \/etc\/cni\/net\.d/,
      message: [/\/etc\/cni\/net\.d does not exist/, /is ready on node-2, yet the file is not there/],
      first: { ruleId: 'cni-config-missing', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'only a renamed 10-flannel.conflist.bak, which libcni skips',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      setNetD(kit.node('node-2'), [{ name: '10-flannel.conflist.bak', text: FLANNEL_CONFLIST, secondsBefore: 3_000 }]);
      setNetworkNotReady(kit, 'node-2', 2_990);
      failStuck(kit, NOT_INIT);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/nodes.json', excerpt: /node-2 Ready=False: container runtime network not ready/ },
      command: /ls -la \/etc\/cni\/net\.d/,
      message: [/holds only 10-flannel\.conflist\.bak, which libcni skips/],
    },
  },
  {
    name: 'state only: node-3 has an empty net.d and no pod fails there yet',
    build: (kit) => {
      kit.heal();
      kit.node('node-3').netD = new Map();
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/cni/net.d.ls', excerpt: /lists no file at all/ },
      command: /ls -la \/etc\/cni\/net\.d/,
      confirm: /crictl info on node-3/,
      first: { ruleId: 'cni-config-missing', pod: null, node: 'node-3' },
    },
  },
  {
    name: 'symptom, but the collector was not allowed to list net.d: inconclusive, no guess',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      n.netD = new Map();
      n.missing('cni/net.d.ls', { kind: 'file', path: '/etc/cni/net.d' }, 'forbidden', 'cannot list /etc/cni/net.d: Permission denied');
      initLine(kit);
      failStuck(kit, NOT_INIT);
    },
    expected: null,
    inconclusive: /could not read \/etc\/cni\/net\.d/,
  },
  {
    name: 'look-alike: the config is on disk but containerd never reloaded it',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 1_800 }], 1_805);
      setCriInfo(n, { networkReady: false, lastCNILoadStatus: 'cni config load failed: no network config found in /etc/cni/net.d: cni plugin not initialized: failed to load cni config', networks: [] });
      failStuck(kit, NOT_INIT);
    },
    expected: null,
    firstRule: 'runtime-cni-not-reloaded',
  },
  {
    name: 'look-alike: the config is there but truncated',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      setNetD(kit.node('node-2'), [{ name: '10-flannel.conflist', text: FLANNEL_CONFLIST.slice(0, 120), secondsBefore: 1_800 }]);
      failStuck(kit, NOT_INIT);
    },
    expected: null,
    firstRule: 'cni-config-invalid',
  },
  {
    name: 'a k3s node: /etc/cni/net.d is empty, its config lives under /var/lib/rancher',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      n.netD = new Map();
      const dir = '/var/lib/rancher/k3s/agent/etc/cni/net.d';
      n.set('distro/k3s/cni/net.d/10-flannel.conflist', FLANNEL_CONFLIST, { kind: 'file', path: `${dir}/10-flannel.conflist` });
      n.set('distro/k3s/cni/net.d.ls', `# cni-evidence listing v1: ${dir}\n`, { kind: 'file', path: dir });
      setCriInfo(n, { confDir: dir, binDir: '/var/lib/rancher/k3s/data/current/bin' });
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('cni-config-missing', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('cni-config-missing', row);
  });
});
