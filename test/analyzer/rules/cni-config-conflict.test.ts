import { describe, it } from 'vitest';
import { FLANNEL_CONFLIST } from '../../../samples/recipes/kit.js';
import { CILIUM_LEFTOVER_CONFLIST, CONTAINERD_NET_CONFLIST, failStuck, healFlannelOn, setCriInfo, setNetD } from '../../../samples/recipes/lib/config-and-runtime.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { addCiliumAgents } from './lib/config-and-runtime.js';

const PODMAN = `{
  "cniVersion": "0.4.0",
  "name": "podman",
  "plugins": [
    { "type": "bridge", "bridge": "cni-podman0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "routes": [{ "dst": "0.0.0.0/0" }], "ranges": [[{ "subnet": "10.88.0.0/16", "gateway": "10.88.0.1" }]] } },
    { "type": "portmap", "capabilities": { "portMappings": true } },
    { "type": "firewall" },
    { "type": "tuning" }
  ]
}
`;
const MULTUS = `{
  "cniVersion": "0.3.1",
  "name": "multus-cni-network",
  "type": "multus",
  "capabilities": { "portMappings": true },
  "kubeconfig": "/etc/cni/net.d/multus.d/multus.kubeconfig",
  "delegates": [${FLANNEL_CONFLIST.trim()}]
}
`;

const rows: Row[] = [
  {
    name: "containerd's example 10-containerd-net.conflist shadows flannel and its bridge clashes with cni0",
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      const n = kit.node('node-2');
      setNetD(n, [
        { name: '10-containerd-net.conflist', text: CONTAINERD_NET_CONFLIST, secondsBefore: 90_000 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 89_000 },
      ]);
      setCriInfo(n, { networks: [['containerd-net', '1.0.0', ['bridge', 'portmap']]] });
      failStuck(kit, 'plugin type="bridge" failed (add): failed to set bridge addr: "cni0" already has an IP address different from 10.88.0.1/16');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/net/ip-addr.txt', excerpt: /cni0 inet 10\.244\.1\.1\/24 \(set up by Flannel\)/ },
      command: /mv \/etc\/cni\/net\.d\/10-containerd-net\.conflist \/root\/cni-disabled\//,
      message: [/uses the lexically first: 10-containerd-net\.conflist/, /10-flannel\.conflist of Flannel, the CNI the cluster runs, is never used/, /addresses from 10\.88\.0\.0\/16/],
      first: { ruleId: 'cni-config-conflict', pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'two CNIs installed: Cilium rolled out beside Flannel, 05-cilium.conflist wins (no failure yet)',
    build: (kit) => {
      kit.heal();
      addCiliumAgents(kit);
      const n = kit.node('node-3');
      setNetD(n, [
        { name: '05-cilium.conflist', text: CILIUM_LEFTOVER_CONFLIST, secondsBefore: 3 * 86_400 - 60 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 30 * 86_400 },
      ]);
      n.binPlugins = [...n.binPlugins, 'cilium-cni'].sort();
      setCriInfo(n, { networks: [['cilium', '0.3.1', ['cilium-cni']]] });
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'cluster/kube-system/daemonsets.json', excerpt: /DaemonSet kube-system\/cilium: 3\/3 ready/ },
      command: /kubectl -n kube-system get pods -o wide --field-selector spec\.nodeName=node-3/,
      message: [/05-cilium\.conflist of Cilium, whose agent also runs in the cluster/, /pods get Cilium's network and IPAM/],
    },
  },
  {
    name: 'look-alike: the shadowing config belongs to a removed CNI (stale, not a conflict)',
    build: (kit) => {
      healFlannelOn(kit, 'node-2');
      setNetD(kit.node('node-2'), [
        { name: '05-cilium.conflist', text: CILIUM_LEFTOVER_CONFLIST, secondsBefore: 9 * 86_400 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 41 * 86_400 },
      ]);
      failStuck(kit, 'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory');
    },
    expected: null,
    firstRule: 'cni-config-stale',
  },
  {
    name: "podman's 87-podman-bridge.conflist sorts after flannel's: harmless",
    build: (kit) => {
      kit.heal();
      setNetD(kit.node('node-3'), [
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 30 * 86_400 },
        { name: '87-podman-bridge.conflist', text: PODMAN, secondsBefore: 2 * 86_400 },
      ]);
    },
    expected: null,
  },
  {
    name: 'multus wraps flannel in 00-multus.conf: by design, not a conflict',
    build: (kit) => {
      kit.heal();
      setNetD(kit.node('node-3'), [
        { name: '00-multus.conf', text: MULTUS, secondsBefore: 20 * 86_400 },
        { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 30 * 86_400 },
      ]);
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe('cni-config-conflict', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    await check('cni-config-conflict', row);
  });
});
