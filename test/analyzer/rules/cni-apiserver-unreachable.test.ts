import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/cni-apiserver-unreachable.sample.js';
import { failStuckPod, flannelPodOn, healAgent, klog, kubeProxyNat, logText, setAgentLogs, setAgentState, useCalico, writeIptables } from '../../../samples/recipes/lib/agents.js';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

function apiserverRestarting(kit: SampleKit): void {
  const api = kit.fixture.pods.find((p) => p.metadata.name === 'kube-apiserver-node-1')!;
  const c = (api.status.containerStatuses as unknown as Array<Record<string, unknown>>)[0]!;
  Object.assign(c, { ready: false, restartCount: 6, state: { running: { startedAt: '2026-11-22T10:29:31Z' } }, lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt: '2026-11-22T10:21:02Z', finishedAt: '2026-11-22T10:29:30Z' } } });
}

/** flanneld cannot read its pod through the VIP: it never writes subnet.env. */
function flannelNoApi(kit: SampleKit): void {
  for (const node of kit.nodes.values()) {
    writeIptables(node, [':FLANNEL-FWD - [0:0]', '-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD'], [':FLANNEL-POSTRTG - [0:0]', ...kubeProxyNat(), '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG']);
  }
  const pod = flannelPodOn(kit, 'node-2');
  healAgent(kit, pod);
  setAgentState(kit, pod, 'kube-flannel', { state: 'crashloop', restarts: 6, lastFinishedBefore: 250 });
  const s = 283;
  setAgentLogs(kit, pod, 'kube-flannel', {
    previous: logText([
      [s, klog(s, 'I', 'main.go:211', 'CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 kubeSubnetMgr:true ipMasq:true subnetFile:/run/flannel/subnet.env}')],
      [s - 30, klog(s - 30, 'E', 'main.go:230', `Failed to create SubnetManager: error retrieving pod spec for 'kube-flannel/${pod.metadata.name}': Get "https://10.96.0.1:443/api/v1/namespaces/kube-flannel/pods/${pod.metadata.name}": dial tcp 10.96.0.1:443: i/o timeout`)],
    ]),
  });
  kit.node('node-2').subnetEnv = null;
  failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
}

const rows: Row[] = [
  {
    name: 'the sample: kube-proxy down on node-2, no Service rules, Calico times out on 10.96.0.1',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/net\/iptables-save\.txt$/, excerpt: /node-2: \*nat has no KUBE-SERVICES chain/ },
      command: /kubectl debug node\/node-2 .*iptables-save -t nat \| grep -- "-d 10\.96\.0\.1\/32".*https:\/\/10\.96\.0\.1:443\/healthz/,
      message: /at 10\.96\.0\.1:443 \(the kubernetes Service VIP\).*kube-proxy has not synced any Service on node-2.*kube-proxy on node-2 \(kube-proxy-\w+\) is waiting \(CrashLoopBackOff, 11 restarts\)/,
    },
    firstRule: 'cni-apiserver-unreachable',
  },
  {
    name: "a healthy node's rule for the VIP is cited for comparison",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-1\/net\/iptables-save\.txt$/, excerpt: /-A KUBE-SERVICES -d 10\.96\.0\.1\/32 -p tcp .*--dport 443/ },
      command: /kubectl -n kube-system delete pod -l k8s-app=kube-proxy --field-selector spec\.nodeName=node-2/,
    },
  },
  {
    name: 'the VIP is programmed but the API server restarts: EOF (calico#9624)',
    build: (kit) => {
      useCalico(kit);
      apiserverRestarting(kit);
      failStuckPod(kit, 'plugin type="calico" failed (delete): error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": EOF', { op: 'delete' });
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/kube-system\/pods\.json$/, excerpt: /kube-system\/kube-apiserver-node-1: is running but not Ready \(6 restarts\)/ },
      command: /https:\/\/10\.96\.0\.1:443\/healthz/,
      message: /kube-proxy did program 10\.96\.0\.1:443 on node-2.*The API server kube-apiserver-node-1 is running but not Ready/,
    },
    firstRule: 'cni-apiserver-unreachable',
  },
  {
    name: 'symptom only: an overloaded API server (calico#8441), path and pods look fine',
    build: (kit) => {
      useCalico(kit);
      failStuckPod(kit, 'plugin type="calico" failed (add): the server was unable to return a response in the time allotted, but may still be processing the request (get namespaces default)');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/events\.json$/, excerpt: /the server was unable to return a response in the time allotted/ },
      command: /kubectl get --raw '\/readyz\?verbose'/,
      message: /answered too slowly rather than not at all/,
      confirmWith: true,
    },
  },
  {
    name: "flannel's SubnetManager times out on the VIP: ranks above the missing subnet.env it causes",
    build: flannelNoApi,
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /kube-flannel\.previous\.log$/, excerpt: /Failed to create SubnetManager: error retrieving pod spec .*dial tcp 10\.96\.0\.1:443: i\/o timeout/ },
      command: /kubectl -n kube-flannel delete pod -l app=flannel,k8s-app=flannel --field-selector spec\.nodeName=node-2/,
      message: /the flannel agent cannot reach the Kubernetes API server at 10\.96\.0\.1:443.*loadFlannelSubnetEnv failed/,
    },
    firstRule: 'cni-apiserver-unreachable',
  },
  {
    name: 'look-alike: Unauthorized is a credentials problem, not reachability',
    build: (kit) => {
      useCalico(kit);
      failStuckPod(kit, 'plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized');
    },
    expected: null,
    firstRule: 'cni-agent-unauthorized',
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
  { name: 'healthy calico cluster', build: (kit) => { kit.heal(); useCalico(kit); }, expected: null },
];

describe('cni-apiserver-unreachable', () => {
  it.each(rows)('$name', async (row) => {
    await check('cni-apiserver-unreachable', row, RULE_SET);
  });
});
