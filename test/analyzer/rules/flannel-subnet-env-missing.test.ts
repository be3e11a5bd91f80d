import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/flannel-subnet-env-missing.sample.js';
import { failStuckPod, flannelPodOn, healAgent, klog, logText, setAgentLogs, setAgentState, useCalico } from '../../../samples/recipes/lib/agents.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

const SUBNET_ENV = 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory';

const rows: Row[] = [
  {
    name: 'the sample: node-2 rebooted, flannel stuck pulling its init image, no subnet.env',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/flannel\/subnet\.env$/, excerpt: /absent \(no such file or directory\)/ },
      command: /kubectl debug node\/node-2 .* cat \/run\/flannel\/subnet\.env/,
      message: /flanneld on node-2 is not running: init container install-cni-plugin does not complete \(ImagePullBackOff\)/,
    },
    firstRule: 'flannel-subnet-env-missing',
  },
  {
    name: 'the cause is another rule: flannel forbidden by RBAC, so this finding is the consequence',
    build: (kit) => {
      const pod = flannelPodOn(kit, 'node-2');
      healAgent(kit, pod);
      setAgentState(kit, pod, 'kube-flannel', { state: 'crashloop', restarts: 5 });
      setAgentLogs(kit, pod, 'kube-flannel', { previous: logText([[320, klog(320, 'E', 'main.go:230', `Failed to create SubnetManager: error retrieving pod spec for 'kube-flannel/${pod.metadata.name}': pods "${pod.metadata.name}" is forbidden: User "system:serviceaccount:kube-flannel:flannel" cannot get resource "pods" in API group "" in the namespace "kube-flannel"`)]]) });
      kit.node('node-2').subnetEnv = null;
      failStuckPod(kit, SUBNET_ENV);
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /kube-flannel\.previous\.log$/, excerpt: /is forbidden: User/ },
      command: /kubectl -n kube-flannel logs kube-flannel-ds-\w+ -c kube-flannel --previous/,
      message: /because the API server rejects its service account \(RBAC or token\) \(see cni-agent-unauthorized\)/,
    },
    firstRule: 'cni-agent-unauthorized',
  },
  {
    name: 'an incomplete subnet.env (no FLANNEL_NETWORK)',
    build: (kit) => {
      healAgent(kit, flannelPodOn(kit, 'node-2'));
      kit.node('node-2').subnetEnv = 'FLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n';
      failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: /run/flannel/subnet.env is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK, FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/flannel\/subnet\.env$/, excerpt: /subnet\.env lacks FLANNEL_NETWORK/ },
      command: /cat \/run\/flannel\/subnet\.env/,
    },
  },
  {
    name: 'symptom without state: the errors are old and subnet.env exists now',
    build: (kit) => {
      healAgent(kit, flannelPodOn(kit, 'node-2'));
      failStuckPod(kit, SUBNET_ENV);
    },
    expected: {
      severity: 'warning',
      confidence: 'low',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/flannel\/subnet\.env$/, excerpt: /FLANNEL_SUBNET=10\.244\.1\.1\/24/ },
      command: /node-2/,
      message: /exists now .* so flanneld wrote it after these failures/,
    },
  },
  {
    name: 'state only: flannel node-3 has no subnet.env yet, no pod has failed there',
    build: (kit) => {
      kit.heal();
      kit.node('node-3').subnetEnv = null;
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: /^nodes\/node-3\/flannel\/subnet\.env$/, excerpt: /absent/ },
      command: /chroot \/host cat \/run\/flannel\/subnet\.env/,
      message: /flannel is the CNI but \/run\/flannel\/subnet\.env is missing: the next pod sandbox on the node will fail/,
    },
  },
  { name: 'look-alike: a calico cluster has no subnet.env and needs none', build: (kit) => { kit.heal(); useCalico(kit); }, expected: null },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
];

describe('flannel-subnet-env-missing', () => {
  it.each(rows)('$name', async (row) => {
    await check('flannel-subnet-env-missing', row, RULE_SET);
  });
});
