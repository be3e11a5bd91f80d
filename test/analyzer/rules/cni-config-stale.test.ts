import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST } from '../../../samples/recipes/kit.js';
import { useCilium } from '../../../samples/recipes/lib/agents.js';
import { setAgentState } from '../../../samples/recipes/lib/agents.js';
import { CILIUM_LEFTOVER_CONFLIST, failStuck, healFlannelOn, setNetD } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { addCiliumAgents } from './lib/config-and-runtime.js';

const CILIUM_GONE = 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory';
const ANTREA = `{
    "cniVersion": "0.3.0",
    "name": "antrea",
    "plugins": [
        { "type": "antrea", "ipam": { "type": "host-local" } },
        { "type": "portmap", "capabilities": { "portMappings": true } },
        { "type": "bandwidth", "capabilities": { "bandwidth": true } }
    ]
}
`;

const rows: Row[] = [
  {
    name: 'uninstalled Cilium left 05-cilium.conflist on node-2',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [
        { name: '05-cilium.conflist', text: CILIUM_LEFTOVER_CONFLIST, secondsBefore: 9 * 86_400 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 41 * 86_400 },
      ]);
      n.binPlugins = [...n.binPlugins, 'cilium-cni'].sort();
      failStuck(kit, `${CILIUM_GONE}\nIs the agent running?`);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/kube-flannel/daemonsets.json', excerpt: /no Cilium DaemonSet in kube-system, kube-flannel; the cluster runs kube-flannel\/kube-flannel-ds/ },
      command: /mv \/etc\/cni\/net\.d\/05-cilium\.conflist \/root\/cni-disabled\/ && rm -f \/opt\/cni\/bin\/cilium-cni/,
      message: [/Cilium is not installed in the cluster/, /10-flannel\.conflist sorts after it and is never used/],
      first: { ruleId: 'cni-config-stale', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'leftover Antrea config (the plugin dials a socket that no agent serves)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      setNetD(kit.node('node-2'), [
        { name: '10-antrea.conflist', text: ANTREA, secondsBefore: 60 * 86_400 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 41 * 86_400 },
      ]);
      failStuck(kit, 'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial unix /var/run/antrea/cni.sock: connect: no such file or directory"');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cni/net.d/10-antrea.conflist', excerpt: /"name": "antrea", plugins "antrea", "portmap", "bandwidth"/ },
      command: /mv \/etc\/cni\/net\.d\/10-antrea\.conflist/,
      message: [/Antrea is not installed/],
    },
  },
  {
    name: 'state only: the leftover is there but no pod has hit it yet',
    build: (kit) => {
      kit.heal();
      setNetD(kit.node('node-3'), [
        { name: '05-cilium.conflist', text: CILIUM_LEFTOVER_CONFLIST, secondsBefore: 9 * 86_400 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 41 * 86_400 },
      ]);
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/cni/net.d/05-cilium.conflist', excerpt: /cilium-cni/ },
      command: /05-cilium\.conflist/,
    },
  },
  {
    name: 'look-alike: Cilium is installed and its agent on node-2 crash-loops (agent down, not stale)',
    build: (kit) => {
      const pods = useCilium(kit);
      setAgentState(kit, pods.get('node-2')!, 'cilium-agent', { state: 'crashloop', restarts: 9 });
      failStuck(kit, CILIUM_GONE);
    },
    expected: null,
  },
  {
    name: 'look-alike: both Cilium and Flannel are installed (a conflict, not a leftover)',
    build: (kit) => {
      kit.heal();
      addCiliumAgents(kit);
      setNetD(kit.node('node-3'), [
        { name: '05-cilium.conflist', text: CILIUM_LEFTOVER_CONFLIST, secondsBefore: 3 * 86_400 - 60 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 30 * 86_400 },
      ]);
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('cni-config-stale', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('cni-config-stale', row);
  });
});
