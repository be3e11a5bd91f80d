import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/podcidr-overlap.sample.js';
import { failStuckPod, flannelPodOn, healAgent, klog, logText, setAgentLogs, setAgentState } from '../../../samples/recipes/lib/agents.js';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

function setCluster(kit: SampleKit, from: string, to: string): void {
  const cm = kit.fixture.configMaps.find((c) => c.metadata.name === 'kubeadm-config')!;
  cm.data!['ClusterConfiguration'] = cm.data!['ClusterConfiguration']!.replace(from, to);
}

/** kubeadm init --pod-network-cidr=10.10.0.0/16 with flannel's default 10.244.0.0/16 the other way round. */
function flannelWrongNetwork(kit: SampleKit): void {
  const cfg = kit.fixture.configMaps.find((c) => c.metadata.name === 'kube-flannel-cfg')!;
  cfg.data!['net-conf.json'] = cfg.data!['net-conf.json']!.replace('10.244.0.0/16', '10.10.0.0/16');
  const pod = flannelPodOn(kit, 'node-2');
  healAgent(kit, pod);
  setAgentState(kit, pod, 'kube-flannel', { state: 'crashloop', restarts: 9 });
  setAgentLogs(kit, pod, 'kube-flannel', { previous: logText([[330, klog(330, 'E', 'main.go:359', 'Error registering network: failed to acquire lease: subnet "10.10.0.0/16" specified in the flannel net config doesn\'t contain "10.244.1.0/24" PodCIDR of the "node-2" node')]]) });
  kit.node('node-2').subnetEnv = null;
  failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
}

const rows: Row[] = [
  {
    name: "the sample: Calico's 192.168.0.0/16 pool contains the nodes' 192.168.56.0/24",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-1', 'node-2', 'node-3'],
      pods: [],
      cite: { file: /^cluster\/logs\/kube-system\/calico-node-\w+\/calico-node\.log$/, excerpt: /Created default IPv4 pool \(192\.168\.0\.0\/16\)/ },
      command: /kubectl debug node\/node-1 .* ip route/,
      message: /The pod network 192\.168\.0\.0\/16 \(Calico IPv4 pool\) overlaps the hosts' own network: node-1's InternalIP 192\.168\.56\.11/,
    },
    firstRule: 'podcidr-overlap',
  },
  {
    name: "the nodes' InternalIPs are cited",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-1', 'node-2', 'node-3'],
      pods: [],
      cite: { file: /^cluster\/nodes\.json$/, excerpt: /node node-2: InternalIP 192\.168\.56\.12/ },
      command: /node-1/,
    },
  },
  {
    name: 'two nodes with the same podCIDR',
    build: (kit) => {
      kit.heal();
      const n3 = kit.fixture.nodes.find((n) => n.metadata.name === 'node-3')!;
      n3.spec.podCIDR = '10.244.1.0/24';
      n3.spec.podCIDRs = ['10.244.1.0/24'];
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2', 'node-3'],
      pods: [],
      cite: { file: /^cluster\/nodes\.json$/, excerpt: /node node-3: spec\.podCIDR 10\.244\.1\.0\/24/ },
      command: /kubectl drain node-3/,
      message: /node-2 \(podCIDR 10\.244\.1\.0\/24\) and node-3 \(podCIDR 10\.244\.1\.0\/24\) hand out addresses from overlapping ranges/,
    },
  },
  {
    name: "flannel's Network does not contain the podCIDRs: flanneld refuses the lease (ranks first for the stuck pod)",
    build: flannelWrongNetwork,
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-1', 'node-2', 'node-3'],
      pods: [STUCK],
      cite: { file: /^cluster\/configmaps\/kube-flannel\/kube-flannel-cfg\.json$/, excerpt: /net-conf\.json "Network": "10\.10\.0\.0\/16"/ },
      command: /kubectl -n kube-flannel edit configmap kube-flannel-cfg/,
      message: /Network 10\.10\.0\.0\/16 does not contain the podCIDR of node-1, node-2, node-3.*allocates from 10\.244\.0\.0\/16 \(kubeadm podSubnet\)/,
    },
    firstRule: 'podcidr-overlap',
  },
  {
    name: 'the pod network overlaps the Service CIDR',
    build: (kit) => {
      kit.heal();
      setCluster(kit, 'serviceSubnet: 10.96.0.0/12', 'serviceSubnet: 10.240.0.0/12');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: [],
      pods: [],
      cite: { file: /^cluster\/configmaps\/kube-system\/kubeadm-config\.json$/, excerpt: /serviceSubnet: 10\.240\.0\.0\/12/ },
      command: /kubeadm-config/,
      message: /overlaps the Service CIDR 10\.240\.0\.0\/12/,
    },
  },
  {
    name: 'only a host route overlaps (a lab bridge on node-3): a warning',
    build: (kit) => {
      kit.heal();
      const node3 = kit.node('node-3');
      node3.set('net/ip-route.txt', 'default via 192.168.56.1 dev eth0 proto static \n10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink \n10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink \n10.244.2.0/24 dev cni0 proto kernel scope link src 10.244.2.1 \n10.244.128.0/24 dev virbr0 proto kernel scope link src 10.244.128.1 linkdown \n192.168.56.0/24 dev eth0 proto kernel scope link src 192.168.56.13 \n', { kind: 'command', argv: ['ip', 'route', 'show', 'table', 'all'] });
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: /^nodes\/node-3\/net\/ip-route\.txt$/, excerpt: /10\.244\.128\.0\/24 dev virbr0/ },
      command: /kubectl debug node\/node-3/,
    },
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
];

describe('podcidr-overlap', () => {
  it.each(rows)('$name', async (row) => {
    await check('podcidr-overlap', row, RULE_SET);
  });
});
