import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/cni-agent-unauthorized.sample.js';
import { failStuckPod, flannelPodOn, healAgent, klog, logText, setAgentLogs, setAgentState, useCalico } from '../../../samples/recipes/lib/agents.js';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

/** talos-breadnet#618: flannel's service account may not read its own pod, so flanneld never writes subnet.env. */
function flannelForbidden(kit: SampleKit): void {
  const pod = flannelPodOn(kit, 'node-2');
  healAgent(kit, pod);
  setAgentState(kit, pod, 'kube-flannel', { state: 'crashloop', restarts: 14, lastFinishedBefore: 200 });
  const s = 203;
  setAgentLogs(kit, pod, 'kube-flannel', {
    previous: logText([
      [s, klog(s, 'I', 'main.go:211', 'CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network kubeSubnetMgr:true ipMasq:true subnetFile:/run/flannel/subnet.env}')],
      [s, klog(s, 'W', 'client_config.go:618', 'Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.')],
      [s - 1, klog(s - 1, 'E', 'main.go:230', `Failed to create SubnetManager: error retrieving pod spec for 'kube-flannel/${pod.metadata.name}': pods "${pod.metadata.name}" is forbidden: User "system:serviceaccount:kube-flannel:flannel" cannot get resource "pods" in API group "" in the namespace "kube-flannel"`)],
    ]),
  });
  kit.node('node-2').subnetEnv = null;
  failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
}

const rows: Row[] = [
  {
    name: 'the sample: calico-kubeconfig three days old, token refresh failing, ADD Unauthorized',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/cni\/net\.d\.ls$/, excerpt: /calico-kubeconfig modified 2026-11-19T06:30/ },
      command: /kubectl -n kube-system delete pod -l k8s-app=calico-node --field-selector spec\.nodeName=node-2/,
      message: /rejected as Unauthorized \(HTTP 401\).*last written 76 h before this bundle, longer than the 24 h/,
    },
    firstRule: 'cni-agent-unauthorized',
  },
  {
    name: "calico-node's own refresh errors are cited",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/logs\/kube-system\/calico-node-\w+\/calico-node\.log$/, excerpt: /Unable to create token for CNI kubeconfig error=Unauthorized/ },
      command: /chroot \/host sh -c "grep token: \/etc\/cni\/net\.d\/calico-kubeconfig/,
    },
  },
  {
    name: 'RBAC: flannel forbidden to read its pod, subnet.env never written (ranks above the subnet.env finding)',
    build: flannelForbidden,
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /kube-flannel\.previous\.log$/, excerpt: /is forbidden: User \\?"system:serviceaccount:kube-flannel:flannel\\?" cannot get resource/ },
      command: /kubectl auth can-i get pods --as=system:serviceaccount:kube-flannel:flannel/,
      message: /refuses system:serviceaccount:kube-flannel:flannel permission to get pods.*RBAC, HTTP 403.*loadFlannelSubnetEnv failed/,
    },
    firstRule: 'cni-agent-unauthorized',
  },
  {
    name: 'look-alike: the API is unreachable (i/o timeout), not unauthorized',
    build: (kit) => {
      useCalico(kit);
      failStuckPod(kit, 'plugin type="calico" failed (add): error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.96.0.1:443: i/o timeout');
    },
    expected: null,
    firstRule: 'cni-apiserver-unreachable',
  },
  {
    name: 'symptom without state: Unauthorized, but no net.d listing and a recent refresh in the log',
    build: (kit) => {
      useCalico(kit);
      kit.node('node-2').missing('cni/net.d.ls', { kind: 'file', path: '/etc/cni/net.d' }, 'failed', 'ls: cannot open directory /etc/cni/net.d: Permission denied');
      failStuckPod(kit, 'plugin type="calico" failed (delete): error getting ClusterInformation: connection is unauthorized: Unauthorized', { op: 'delete' });
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/journal\/kubelet\.log$/, excerpt: /StopPodSandbox from runtime service failed/ },
      command: /kubectl debug node\/node-2/,
      confirmWith: true,
    },
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
  { name: 'healthy calico cluster', build: (kit) => { kit.heal(); useCalico(kit); }, expected: null },
];

describe('cni-agent-unauthorized', () => {
  it.each(rows)('$name', async (row) => {
    await check('cni-agent-unauthorized', row, RULE_SET);
  });
});
