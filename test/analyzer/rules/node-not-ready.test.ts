import { describe, it } from 'vitest';
import { at, type SampleKit } from '../../../samples/recipes/kit.js';
import { nodeCollectionFailed, nodeStoppedReporting, onlyStuckPodFails } from '../../../samples/recipes/lib/node-and-look-alikes.js';
import { check, STUCK, type Row } from './lib/rows.js';

const RULE = 'node-not-ready';
const CNI_NOT_READY = 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

function setReady(kit: SampleKit, node: string, status: 'False' | 'Unknown', reason: string, message: string): void {
  const apiNode = kit.fixture.nodes.find((n) => n.metadata.name === node)!;
  const since = at(900).replace(/\.\d+Z$/, 'Z');
  apiNode.status.conditions = (apiNode.status.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status, reason, message, lastTransitionTime: since } : c));
  if (status === 'False') apiNode.spec.taints = [...(apiNode.spec.taints ?? []), { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: since }];
}

const rows: Row[] = [
  {
    name: 'node-3 stopped posting status and its collection timed out',
    build: (kit) => {
      kit.heal();
      nodeStoppedReporting(kit, 'node-3');
      nodeCollectionFailed(kit.node('node-3'), 'timeout', 'node pod not running after 120s (Pending; node NotReady: Kubelet stopped posting node status.)');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'manifest.json', line: 0, excerpt: /^nodes\/node-3\/.*: timeout \(node pod not running after 120s/ },
      command: /ssh node-3 /,
      message: [/Ready is Unknown \("Kubelet stopped posting node status\."\)/, /node's own evidence is missing from this bundle/],
      confirm: /journalctl -u kubelet/,
      first: { ruleId: RULE, pod: null, node: 'node-3' },
    },
  },
  {
    name: "status Unknown without taints yet, and the kubelet's journal says why: medium",
    build: (kit) => {
      kit.heal();
      setReady(kit, 'node-1', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
      const n = kit.node('node-1');
      n.kubelet.push(n.klog(120, 'E', 'kubelet_node_status.go:549', String.raw`"Error updating node status, will retry" err="error getting node \"node-1\": Get \"https://192.168.56.11:6443/api/v1/nodes/node-1?timeout=10s\": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2026-11-22T10:28:00Z is after 2026-11-21T09:12:44Z"`));
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-1'],
      pods: [],
      cite: { file: 'nodes/node-1/journal/kubelet.log', excerpt: /certificate has expired/ },
      command: /kubectl describe node node-1/,
      message: [/The kubelet's journal says why: Error updating node status/],
    },
  },
  {
    name: 'a pod bound to the unreachable node with no sandbox error is explained by it',
    build: (kit) => {
      onlyStuckPodFails(kit);
      kit.fixture.events = kit.fixture.events.filter((e) => !(e.involvedObject.name === kit.stuckPod.metadata.name && e.reason === 'FailedCreatePodSandBox'));
      nodeStoppedReporting(kit, 'node-2');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/nodes.json', excerpt: /taints: node\.kubernetes\.io\/unreachable:NoSchedule/ },
      command: /ssh node-2 /,
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'the container runtime is down (PLEG)',
    build: (kit) => {
      kit.heal();
      setReady(kit, 'node-3', 'False', 'KubeletNotReady', 'container runtime is down, PLEG is not healthy: pleg was last seen active 4m12.3s ago; threshold is 3m0s');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'cluster/nodes.json', excerpt: /Ready=False reason=KubeletNotReady message="container runtime is down/ },
      command: /node\/node-3 .*systemctl restart containerd/,
      message: [/container runtime is not healthy/],
    },
  },
  {
    name: 'look-alike: NotReady because the CNI config is missing: a warning that points at the CNI rule',
    build: (kit) => {
      const pod = onlyStuckPodFails(kit);
      const n = kit.node('node-2');
      n.netD.clear();
      setReady(kit, 'node-2', 'False', 'KubeletNotReady', CNI_NOT_READY);
      n.kubelet.push(n.klog(200, 'E', 'kubelet.go:3002', `"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"`));
      n.failSandbox(pod, 'cni plugin not initialized', 100);
      kit.setSandboxError(kit.stuckPod, 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": cni plugin not initialized');
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [],
      cite: { file: 'cluster/nodes.json', excerpt: /NetworkReady=false/ },
      command: /node\/node-2 .*crictl info/,
      message: [/This is a CNI problem, not a node one/, /see cni-config-missing/],
    },
    firstNot: RULE,
  },
  {
    name: 'look-alike: a cordoned node is Ready',
    build: (kit) => {
      kit.heal();
      const apiNode = kit.fixture.nodes.find((n) => n.metadata.name === 'node-2')!;
      apiNode.spec.unschedulable = true;
      apiNode.spec.taints = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: at(600).replace(/\.\d+Z$/, 'Z') }];
    },
    expected: null,
  },
  {
    name: 'look-alike: Ready with NetworkUnavailable=True (no route yet) is only info',
    build: (kit) => {
      kit.heal();
      const apiNode = kit.fixture.nodes.find((n) => n.metadata.name === 'node-3')!;
      apiNode.status.conditions = (apiNode.status.conditions ?? []).map((c) => (c.type === 'NetworkUnavailable' ? { ...c, status: 'True', reason: 'NoRouteCreated', message: 'Node created without a route' } : c));
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe(RULE, () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => { await check(RULE, row); });
});
