import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/podcidr-missing.sample.js';
import { failStuckPod, flannelPodOn, healAgent, klog, logText, removeFlannel, setAgentLogs, setAgentState, useCilium } from '../../../samples/recipes/lib/agents.js';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET, useAntrea } from './lib/agents-and-control-plane.js';

const ANTREA_SOCK = 'plugin type="antrea" failed (add): rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /var/run/antrea/cni.sock: connect: no such file or directory"';

function dropPodCidr(kit: SampleKit, node: string): void {
  const n = kit.fixture.nodes.find((x) => x.metadata.name === node)!;
  delete n.spec.podCIDR;
  delete n.spec.podCIDRs;
}

function flannelNoLease(kit: SampleKit): void {
  const pod = flannelPodOn(kit, 'node-2');
  healAgent(kit, pod);
  setAgentState(kit, pod, 'kube-flannel', { state: 'crashloop', restarts: 8 });
  setAgentLogs(kit, pod, 'kube-flannel', { previous: logText([[312, klog(312, 'E', 'main.go:359', 'Error registering network: failed to acquire lease: node "node-2" pod cidr not assigned')]]) });
  kit.node('node-2').subnetEnv = null;
  failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
}

const rows: Row[] = [
  {
    name: 'the sample: kubeadm lost podSubnet, node-2 re-joined without a podCIDR, flannel gets no lease',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/nodes\.json$/, excerpt: /^node node-2: spec\.podCIDR is empty$/ },
      command: /kubectl get node node-2 -o jsonpath='\{\.spec\.podCIDR\}/,
      message: /pod cidr not assigned.*kubeadm-config has no networking\.podSubnet.*\(node-1, node-3 keep the ones they were given before\)/,
    },
    firstRule: 'podcidr-missing',
  },
  {
    name: 'the kubeadm ClusterConfiguration without podSubnet is cited',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/configmaps\/kube-system\/kubeadm-config\.json$/, excerpt: /networking: no podSubnet/ },
      command: /kubectl -n kube-flannel delete pod -l app=flannel,k8s-app=flannel --field-selector spec\.nodeName=node-2/,
    },
  },
  {
    name: 'the cluster CIDR is exhausted: a /23 holds two node subnets, both taken',
    build: (kit) => {
      const cm = kit.fixture.configMaps.find((c) => c.metadata.name === 'kubeadm-config')!;
      cm.data!['ClusterConfiguration'] = cm.data!['ClusterConfiguration']!.replace('podSubnet: 10.244.0.0/16', 'podSubnet: 10.244.0.0/23');
      const n3 = kit.fixture.nodes.find((x) => x.metadata.name === 'node-3')!;
      n3.spec.podCIDR = '10.244.1.0/24';
      n3.spec.podCIDRs = ['10.244.1.0/24'];
      dropPodCidr(kit, 'node-2');
      flannelNoLease(kit);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /kube-flannel\.previous\.log$/, excerpt: /pod cidr not assigned/ },
      command: /kubectl get nodes -o custom-columns=NAME:\.metadata\.name,PODCIDR:\.spec\.podCIDR/,
      message: /the cluster CIDR 10\.244\.0\.0\/23 is exhausted: it holds 2 node subnets of \/24 and 2 nodes already have one/,
    },
    firstRule: 'podcidr-missing',
  },
  {
    name: 'antrea needs the podCIDR; its agent is down and the plugin finds no socket',
    build: (kit) => {
      removeFlannel(kit);
      useAntrea(kit, (node) => logText([[3000, klog(3000, 'I', 'agent.go:921', `"Waiting for Node PodCIDR configuration to complete" nodeName="${node}"`)]]));
      dropPodCidr(kit, 'node-2');
      const antrea = kit.fixture.pods.find((p) => p.metadata.name.startsWith('antrea-agent-') && p.spec.nodeName === 'node-2')!;
      setAgentState(kit, antrea, 'antrea-agent', { state: 'crashloop', restarts: 6 });
      failStuckPod(kit, ANTREA_SOCK);
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/nodes\.json$/, excerpt: /node node-2: spec\.podCIDR is empty/ },
      command: /kubectl get node node-2/,
      message: /antrea takes the node's pod subnet from it.*antrea\/cni\.sock/,
    },
  },
  {
    name: 'look-alike: flannel says "pod cidr not assigned" but nodes.json shows one (the agent could not read the node)',
    build: (kit) => flannelNoLease(kit),
    expected: null,
  },
  {
    name: 'symptom without state: the node is missing from nodes.json',
    build: (kit) => {
      flannelNoLease(kit);
      kit.fixture.nodes = kit.fixture.nodes.filter((n) => n.metadata.name !== 'node-2');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /kube-flannel\.previous\.log$/, excerpt: /pod cidr not assigned/ },
      command: /kubectl get node node-2/,
      confirmWith: true,
    },
  },
  {
    name: "look-alike: Cilium's cluster-pool IPAM needs no podCIDR",
    build: (kit) => {
      kit.heal();
      useCilium(kit);
      for (const n of ['node-1', 'node-2', 'node-3']) dropPodCidr(kit, n);
    },
    expected: null,
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
];

describe('podcidr-missing', () => {
  it.each(rows)('$name', async (row) => {
    await check('podcidr-missing', row, RULE_SET);
  });
});
