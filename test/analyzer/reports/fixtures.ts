/**
 * Hand-built AnalysisResults for the report tests. The message texts are real ones (flannel/bridge
 * errors as reproduced in the lab, kubelet and containerd wording as they log it), so the reports
 * are judged on what an on-call engineer would actually see.
 */
import type { AnalysisResult, Citation, TimelineEntry } from '../../../analyzer/model.js';

const CHECKOUT_SANDBOX = 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb';
const COREDNS_SANDBOX = '3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d';
const BRIDGE_ERROR = 'plugin type="flannel" failed (add): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24';
const q = (text: string) => text.replace(/"/g, '\\"');

export const CHECKOUT = 'shop/checkout-7d9c5b8f6-x2k4p';
export const COREDNS = 'kube-system/coredns-5d78c9869d-qlm8v';

const cite = {
  checkoutEvent: {
    file: 'cluster/events.json',
    line: 42,
    excerpt: `      "message": "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \\"${CHECKOUT_SANDBOX}\\": ${q(BRIDGE_ERROR)}",`,
  },
  corednsEvent: {
    file: 'cluster/events.json',
    line: 118,
    excerpt: `      "message": "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox \\"${COREDNS_SANDBOX}\\": ${q(BRIDGE_ERROR)}",`,
  },
  checkoutKubelet: {
    file: 'nodes/node-2/journal/kubelet.log',
    line: 1893,
    excerpt: `Nov 22 09:41:07 node-2 kubelet[1187]: E1122 09:41:07.512334    1187 remote_runtime.go:193] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox \\"${CHECKOUT_SANDBOX}\\": ${q(BRIDGE_ERROR)}"`,
  },
  corednsKubelet: {
    file: 'nodes/node-2/journal/kubelet.log',
    line: 1915,
    excerpt: `Nov 22 09:41:20 node-2 kubelet[1187]: E1122 09:41:20.391004    1187 remote_runtime.go:193] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox \\"${COREDNS_SANDBOX}\\": ${q(BRIDGE_ERROR)}"`,
  },
  checkoutContainerd: {
    file: 'nodes/node-2/journal/containerd.log',
    line: 5530,
    excerpt: `Nov 22 09:41:07 node-2 containerd[902]: time="2026-11-22T09:41:07.498611200Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:checkout-7d9c5b8f6-x2k4p,Uid:86e6fe9f-9b98-4bbe-9ede-1077f09077ee,Namespace:shop,Attempt:0,} failed, error" error="failed to setup network for sandbox \\"${CHECKOUT_SANDBOX}\\": ${q(BRIDGE_ERROR)}"`,
  },
  corednsContainerd: {
    file: 'nodes/node-2/journal/containerd.log',
    line: 5561,
    excerpt: `Nov 22 09:41:20 node-2 containerd[902]: time="2026-11-22T09:41:20.377120551Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:coredns-5d78c9869d-qlm8v,Uid:64134de2-528f-4dbb-a177-951d5bdbd224,Namespace:kube-system,Attempt:0,} failed, error" error="failed to setup network for sandbox \\"${COREDNS_SANDBOX}\\": ${q(BRIDGE_ERROR)}"`,
  },
  subnetEnv: { file: 'nodes/node-2/flannel/subnet.env', line: 2, excerpt: 'FLANNEL_SUBNET=10.244.1.1/24' },
  cni0Addr: { file: 'nodes/node-2/net/ip-addr.txt', line: 7, excerpt: '    inet 10.244.7.1/24 brd 10.244.7.255 scope global cni0' },
  podCidr: { file: 'cluster/nodes.json', line: 212, excerpt: '        "podCIDR": "10.244.1.0/24",' },
  registered: { file: 'cluster/events.json', line: 18, excerpt: '      "message": "Node node-2 event: Registered Node node-2 in Controller",' },
  nodeCreated: { file: 'cluster/nodes.json', line: 171, excerpt: '        "creationTimestamp": "2026-11-22T09:37:58Z",' },
  flannelCm: { file: 'cluster/configmaps/kube-flannel/kube-flannel-cfg.json', line: 9, excerpt: '    "net-conf.json": "{\\n  \\"Network\\": \\"10.244.0.0/16\\",\\n  \\"Backend\\": {\\n    \\"Type\\": \\"vxlan\\"\\n  }\\n}\\n"' },
} satisfies Record<string, Citation>;

function entry(time: string, node: string | null, pod: string | null, source: TimelineEntry['source'], severity: TimelineEntry['severity'], text: string, citation: Citation): TimelineEntry {
  return { time, node, pod, source, severity, text, citation };
}

const flannelTimeline: TimelineEntry[] = [
  entry('2026-11-22T09:37:58Z', 'node-2', null, 'event', 'info', 'RegisteredNode: Node node-2 event: Registered Node node-2 in Controller', cite.registered),
  entry('2026-11-22T09:38:12Z', 'node-2', null, 'node', 'info', '/run/flannel/subnet.env written: FLANNEL_SUBNET=10.244.1.1/24', cite.subnetEnv),
  entry('2026-11-22T09:40:55.118Z', 'node-2', CHECKOUT, 'kubelet', 'info', '"SyncLoop ADD" source="api" pods=["shop/checkout-7d9c5b8f6-x2k4p"]', { file: 'nodes/node-2/journal/kubelet.log', line: 1871, excerpt: 'Nov 22 09:40:55 node-2 kubelet[1187]: I1122 09:40:55.118220    1187 kubelet.go:2420] "SyncLoop ADD" source="api" pods=["shop/checkout-7d9c5b8f6-x2k4p"]' }),
  entry('2026-11-22T09:41:07.498Z', 'node-2', CHECKOUT, 'runtime', 'error', `RunPodSandbox failed: ${BRIDGE_ERROR}`, cite.checkoutContainerd),
  entry('2026-11-22T09:41:07.512Z', 'node-2', CHECKOUT, 'kubelet', 'error', `"RunPodSandbox from runtime service failed": ${BRIDGE_ERROR}`, cite.checkoutKubelet),
  entry('2026-11-22T09:41:07.513Z', 'node-2', CHECKOUT, 'kubelet', 'error', '"Failed to create sandbox for pod" pod="shop/checkout-7d9c5b8f6-x2k4p"', { file: 'nodes/node-2/journal/kubelet.log', line: 1894, excerpt: 'Nov 22 09:41:07 node-2 kubelet[1187]: E1122 09:41:07.512398    1187 kuberuntime_sandbox.go:72] "Failed to create sandbox for pod" err="rpc error: code = Unknown desc = failed to setup network for sandbox" pod="shop/checkout-7d9c5b8f6-x2k4p"' }),
  entry('2026-11-22T09:41:08Z', 'node-2', CHECKOUT, 'event', 'warning', `FailedCreatePodSandbox: ${BRIDGE_ERROR}`, cite.checkoutEvent),
  entry('2026-11-22T09:41:20.004Z', 'node-2', COREDNS, 'kubelet', 'info', '"SyncLoop ADD" source="api" pods=["kube-system/coredns-5d78c9869d-qlm8v"]', { file: 'nodes/node-2/journal/kubelet.log', line: 1902, excerpt: 'Nov 22 09:41:20 node-2 kubelet[1187]: I1122 09:41:20.004113    1187 kubelet.go:2420] "SyncLoop ADD" source="api" pods=["kube-system/coredns-5d78c9869d-qlm8v"]' }),
  entry('2026-11-22T09:41:20.377Z', 'node-2', COREDNS, 'runtime', 'error', `RunPodSandbox failed: ${BRIDGE_ERROR}`, cite.corednsContainerd),
  entry('2026-11-22T09:41:20.391Z', 'node-2', COREDNS, 'kubelet', 'error', `"RunPodSandbox from runtime service failed": ${BRIDGE_ERROR}`, cite.corednsKubelet),
  entry('2026-11-22T09:41:21Z', 'node-2', COREDNS, 'event', 'warning', `FailedCreatePodSandbox: ${BRIDGE_ERROR}`, cite.corednsEvent),
  entry('2026-11-22T09:42:31Z', 'node-1', 'shop/checkout-7d9c5b8f6-m8q2z', 'event', 'info', 'Scheduled: Successfully assigned shop/checkout-7d9c5b8f6-m8q2z to node-1', { file: 'cluster/events.json', line: 160, excerpt: '      "message": "Successfully assigned shop/checkout-7d9c5b8f6-m8q2z to node-1",' }),
  entry('2026-11-22T09:42:35Z', 'node-1', 'shop/checkout-7d9c5b8f6-m8q2z', 'event', 'info', 'Started: Started container checkout', { file: 'cluster/events.json', line: 176, excerpt: '      "message": "Started container checkout",' }),
  entry('2026-11-22T09:43:02.7Z', 'node-3', 'shop/cart-6f5d8c7b9-p4w7n', 'kubelet', 'info', '"SyncLoop (PLEG): event for pod" pod="shop/cart-6f5d8c7b9-p4w7n" event={"Type":"ContainerStarted"}', { file: 'nodes/node-3/journal/kubelet.log', line: 4410, excerpt: 'Nov 22 09:43:02 node-3 kubelet[1090]: I1122 09:43:02.700146    1090 kubelet.go:2452] "SyncLoop (PLEG): event for pod" pod="shop/cart-6f5d8c7b9-p4w7n" event={"ID":"2e7d2c03","Type":"ContainerStarted"}' }),
  entry('2026-11-22T09:44:51Z', 'node-2', CHECKOUT, 'event', 'warning', `FailedCreatePodSandbox (x14 over 3m44s): ${BRIDGE_ERROR}`, { ...cite.checkoutEvent, line: 44, excerpt: '      "count": 14,' }),
  entry('2026-11-22T09:45:10Z', null, null, 'collector', 'info', 'Collection started (mode cluster, 3 nodes)', { file: 'manifest.json', line: 0, excerpt: '' }),
];

/** (1) flannel left cni0 with the address of node-2's previous subnet: two pods fail on node-2. */
export const flannelConflict: AnalysisResult = {
  schemaVersion: '1.0',
  tool: { name: 'cni-evidence', version: '0.1.0' },
  analyzedAt: '2026-11-22T10:02:44.318Z',
  bundle: {
    location: 'samples/flannel-cni0-conflict.tgz',
    formatVersion: '1.0',
    createdAt: '2026-11-22T09:45:10Z',
    mode: 'cluster',
    completion: { state: 'complete' },
    redacted: true,
    obfuscated: false,
    integrity: { ok: true, problems: [] },
    nodes: ['node-1', 'node-2', 'node-3'],
  },
  diagnoses: [CHECKOUT, COREDNS].map((pod) => {
    const checkout = pod === CHECKOUT;
    return {
      pod,
      node: 'node-2',
      ruleId: 'cni0-address-conflict',
      findingId: 'cni0-address-conflict:node-2',
      severity: 'critical' as const,
      confidence: 'high' as const,
      title: 'Bridge cni0 has an address from an old pod subnet',
      summary:
        "cni0 on node-2 still has 10.244.7.1/24, but node-2's podCIDR is now 10.244.1.0/24; the bridge plugin refuses to re-address cni0, so every new pod on node-2 fails to get a network.",
      causalChain: [
        { stage: 'event' as const, text: `FailedCreatePodSandbox for ${pod}: "cni0" already has an IP address different from 10.244.1.1/24`, citation: checkout ? cite.checkoutEvent : cite.corednsEvent },
        { stage: 'kubelet' as const, text: "kubelet's RunPodSandbox call to containerd failed with the same error", citation: checkout ? cite.checkoutKubelet : cite.corednsKubelet },
        { stage: 'runtime' as const, text: `containerd ran the flannel CNI plugin for sandbox ${(checkout ? CHECKOUT_SANDBOX : COREDNS_SANDBOX).slice(0, 12)}… and ADD failed`, citation: checkout ? cite.checkoutContainerd : cite.corednsContainerd },
        { stage: 'cni-plugin' as const, text: 'flannel delegates to the bridge plugin with FLANNEL_SUBNET=10.244.1.1/24, so bridge wants cni0 = 10.244.1.1/24', citation: cite.subnetEnv },
        { stage: 'node-state' as const, text: 'cni0 on node-2 still has 10.244.7.1/24 from an earlier flannel lease', citation: cite.cni0Addr },
        { stage: 'cluster-state' as const, text: "node-2's podCIDR is 10.244.1.0/24: the node was registered again and given a new range", citation: cite.podCidr },
      ],
      blastRadius: {
        kind: 'node' as const,
        nodes: ['node-2'],
        pods: [CHECKOUT, COREDNS],
        explanation: 'node-1 and node-3 have cni0 = the .1 of their own podCIDR; only node-2 was registered again (09:37:58) and kept its old cni0 address.',
      },
      nextStep: {
        text: 'Delete cni0 on node-2 (the bridge plugin recreates it as 10.244.1.1/24 for the next pod), then delete the failing pods.',
        command: 'ssh node-2 sudo ip link delete cni0',
      },
      alternatives: ['node-podcidr-changed:node-2'],
      score: 0.94,
    };
  }),
  findings: [
    {
      id: 'cni0-address-conflict:node-2',
      ruleId: 'cni0-address-conflict',
      severity: 'critical',
      confidence: 'high',
      title: 'Bridge cni0 has an address from an old pod subnet',
      message:
        "The bridge plugin sets cni0's address from flannel's FLANNEL_SUBNET. cni0 on node-2 already has 10.244.7.1/24, from the subnet node-2 had before it was registered again, and the plugin will not replace an address it did not set. Every pod sandbox on node-2 fails in CNI ADD until cni0 is removed.",
      scope: { nodes: ['node-2'], pods: [CHECKOUT, COREDNS] },
      citations: [cite.cni0Addr, cite.subnetEnv, cite.podCidr, cite.checkoutEvent, cite.checkoutKubelet],
      remediation: [
        { text: 'Delete the stale bridge on node-2; the bridge plugin recreates it with 10.244.1.1/24.', command: 'ssh node-2 sudo ip link delete cni0' },
        { text: 'Delete the failing checkout pod so its ReplicaSet re-creates it.', command: 'kubectl -n shop delete pod checkout-7d9c5b8f6-x2k4p' },
        { text: 'Delete the failing CoreDNS pod the same way.', command: 'kubectl -n kube-system delete pod coredns-5d78c9869d-qlm8v' },
        { text: 'Watch the replacements start on node-2.', command: 'kubectl get pods -A -o wide --field-selector spec.nodeName=node-2' },
      ],
      confirmWith: ['The kube-flannel pod log on node-2 (forbidden in this bundle): the subnet lease flannel acquired at 09:38'],
      cni: true,
    },
    {
      id: 'node-podcidr-changed:node-2',
      ruleId: 'node-podcidr-changed',
      severity: 'warning',
      confidence: 'low',
      title: "node-2's podCIDR changed when it was registered again",
      message:
        'node-2 was deleted and registered again at 09:37:58 and got 10.244.1.0/24. Reservations and routes from the old range may remain. This alone produces the same symptom, but here the stale cni0 address explains every failure, so it ranks lower.',
      scope: { nodes: ['node-2'], pods: [] },
      citations: [cite.registered, cite.nodeCreated],
      remediation: [
        { text: 'List the host-local reservations on node-2.', command: 'ssh node-2 ls /var/lib/cni/networks/cbr0' },
        { text: 'Remove reservations outside 10.244.1.0/24 from that folder.' },
      ],
      confirmWith: ['nodes/node-2/cni/networks.ls: host-local reservations from the old range'],
      cni: true,
    },
    {
      id: 'flannel-backend:cluster',
      ruleId: 'flannel-backend',
      severity: 'info',
      confidence: 'high',
      title: 'flannel vxlan backend, network 10.244.0.0/16',
      message: 'All three nodes run flannel with the vxlan backend from the kube-flannel-cfg ConfigMap.',
      scope: { nodes: ['node-1', 'node-2', 'node-3'], pods: [] },
      citations: [cite.flannelCm],
      remediation: [],
      confirmWith: [],
      cni: true,
    },
  ],
  inconclusive: [
    {
      ruleId: 'host-local-ipam-leak',
      scope: { nodes: ['node-2'], pods: [] },
      reason: 'The host-local reservations on node-2 were not collected, so leaked addresses from the old range cannot be counted.',
      missing: ['nodes/node-2/cni/networks.ls', 'nodes/node-2/cni/networks/cbr0/*'],
    },
  ],
  timeline: flannelTimeline,
  clockSkew: [{ node: 'node-3', offsetSeconds: 2.4, basis: 'system/date.txt against the collector clock' }],
  gaps: [
    {
      path: 'cluster/logs/kube-flannel/kube-flannel-ds-8x7kq/kube-flannel.log',
      node: null,
      status: 'forbidden',
      reason: 'pods "kube-flannel-ds-8x7kq" is forbidden: User "system:serviceaccount:support:cni-evidence" cannot get resource "pods/log" in API group "" in the namespace "kube-flannel"',
    },
    {
      path: 'nodes/node-2/journal/kubelet.log',
      node: 'node-2',
      status: 'truncated',
      reason: 'cut at the 64 MiB cap (the journal tail was 2.1 GiB); entries before 2026-11-22T08:12:40Z are missing',
    },
  ],
  parseProblems: [{ file: 'nodes/node-2/journal/kubelet.log', line: 1, message: 'first line starts mid-record (cut by the size cap)' }],
  stats: { files: 212, records: 18433, rulesRun: 41, durationMs: 1234 },
};

/** (2) Nothing wrong: one informational finding and a quiet timeline. */
export const healthy: AnalysisResult = {
  schemaVersion: '1.0',
  tool: { name: 'cni-evidence', version: '0.1.0' },
  analyzedAt: '2026-11-23T14:05:12.004Z',
  bundle: {
    location: 'healthy-cluster.tgz',
    formatVersion: '1.0',
    createdAt: '2026-11-23T14:01:40Z',
    mode: 'cluster',
    completion: { state: 'complete' },
    redacted: true,
    obfuscated: true,
    integrity: { ok: true, problems: [] },
    nodes: ['node-5e21', 'node-a0c4'],
  },
  diagnoses: [],
  findings: [
    {
      id: 'cni-config-consistent:cluster',
      ruleId: 'cni-config-consistent',
      severity: 'info',
      confidence: 'high',
      title: 'One CNI config on every node: 10-calico.conflist',
      message: 'Both nodes have the same CNI config (calico, cniVersion 0.3.1) and every plugin it names is in /opt/cni/bin.',
      scope: { nodes: ['node-5e21', 'node-a0c4'], pods: [] },
      citations: [
        { file: 'nodes/node-5e21/cni/net.d/10-calico.conflist', line: 3, excerpt: '  "cniVersion": "0.3.1",' },
        { file: 'nodes/node-a0c4/cni/net.d/10-calico.conflist', line: 3, excerpt: '  "cniVersion": "0.3.1",' },
      ],
      remediation: [],
      confirmWith: [],
      cni: true,
    },
  ],
  inconclusive: [],
  timeline: [
    entry('2026-11-23T13:58:02Z', 'node-a0c4', 'ns-41b7/pod-9c2e', 'event', 'info', 'Scheduled: Successfully assigned ns-41b7/pod-9c2e to node-a0c4', { file: 'cluster/events.json', line: 12, excerpt: '      "message": "Successfully assigned ns-41b7/pod-9c2e to node-a0c4",' }),
    entry('2026-11-23T13:58:03.114Z', 'node-a0c4', 'ns-41b7/pod-9c2e', 'cni-plugin', 'info', 'Calico CNI IPAM assigned addresses IPv4=[192.0.2.66/26]', { file: 'nodes/node-a0c4/logs/calico/cni/cni.log', line: 88, excerpt: '2026-11-23 13:58:03.114 [INFO][24415] ipam/ipam_plugin.go 287: Calico CNI IPAM assigned addresses IPv4=[192.0.2.66/26] IPv6=[] ContainerID="2e7d2c03a950"' }),
    entry('2026-11-23T13:58:05Z', 'node-a0c4', 'ns-41b7/pod-9c2e', 'event', 'info', 'Started: Started container app', { file: 'cluster/events.json', line: 30, excerpt: '      "message": "Started container app",' }),
    entry('2026-11-23T14:01:40Z', null, null, 'collector', 'info', 'Collection started (mode cluster, 2 nodes)', { file: 'manifest.json', line: 0, excerpt: '' }),
  ],
  clockSkew: [],
  gaps: [],
  parseProblems: [],
  stats: { files: 96, records: 5120, rulesRun: 41, durationMs: 412 },
};

export const HOSTILE_POD = 'default/<script>alert(1)</script>';
export const HOSTILE_LOG_TEXT = `"Error syncing pod, skipping" pod="${HOSTILE_POD}" note="</td><td>injected</td>"`;
/** A log line that would clear the reader's terminal and print a fake verdict if passed through raw. */
export const ANSI_LOG_TEXT = 'sandbox 18ac3e7343f0 status \u001b[2J\u001b[32mALL CLEAR\u001b[0m \u202egnp.exe';

const legacyRule = { file: 'nodes/worker-7/net/iptables-legacy-save.txt', line: 14, excerpt: '-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU' };
const nftWarning = { file: 'nodes/worker-7/net/iptables-save.txt', line: 1, excerpt: '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them' };
const caliRule = { file: 'nodes/worker-7/net/iptables-save.txt', line: 9, excerpt: '-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD' };
const hostileCitation = { file: 'nodes/worker-7/journal/kubelet.log', line: 880, excerpt: `Nov 22 10:02:14 worker-7 kubelet[2211]: E1122 10:02:14.220871    2211 pod_workers.go:1301] ${HOSTILE_LOG_TEXT}` };

/** (3) `collect --node-only` on one node, interrupted: a node-level problem and hostile names. */
export const nodeOnly: AnalysisResult = {
  schemaVersion: '1.0',
  tool: { name: 'cni-evidence', version: '0.1.0' },
  analyzedAt: '2026-11-22T10:20:03.551Z',
  bundle: {
    location: '/tmp/cni-evidence-worker-7-20261122T101500Z.tgz',
    formatVersion: '1.0',
    createdAt: '2026-11-22T10:15:00Z',
    mode: 'node',
    completion: { state: 'partial', reason: 'interrupted (SIGINT) after 41 of 58 artifacts' },
    redacted: true,
    obfuscated: false,
    integrity: {
      ok: false,
      problems: [{ path: 'nodes/worker-7/net/iptables-save.txt', kind: 'checksum-mismatch', message: 'sha256 is 3f5a9c0e…, the manifest says 9c1d44b2…' }],
    },
    nodes: ['worker-7'],
  },
  diagnoses: [
    {
      pod: null,
      node: 'worker-7',
      ruleId: 'iptables-backend-mismatch',
      findingId: 'iptables-backend-mismatch:worker-7',
      severity: 'critical',
      confidence: 'high',
      title: 'kube-proxy and Calico write to different iptables backends',
      summary: "On worker-7, kube-proxy's KUBE-* rules are in the legacy tables while Calico's cali-* rules are in nf_tables, so Service traffic from pods on worker-7 is not handled the way either expects.",
      causalChain: [
        { stage: 'node-state', text: 'iptables-nft-save warned that legacy tables are present', citation: nftWarning },
        { stage: 'node-state', text: "kube-proxy's Service rules are in the legacy tables", citation: legacyRule },
        { stage: 'cni-agent', text: 'calico-node (FELIX_IPTABLESBACKEND=auto) picked nft and programs its cali-* chains there', citation: caliRule },
      ],
      blastRadius: {
        kind: 'node',
        nodes: ['worker-7'],
        pods: [],
        explanation: 'Only worker-7 is in this node-only bundle; nodes built from the same image probably share the mismatch.',
      },
      nextStep: {
        text: 'Pin Calico to the iptables backend kube-proxy uses (legacy).',
        command: 'kubectl -n calico-system set env daemonset/calico-node FELIX_IPTABLESBACKEND=Legacy',
      },
      alternatives: [],
      score: 0.9,
    },
  ],
  findings: [
    {
      id: 'sandbox-not-ready:worker-7',
      ruleId: 'sandbox-not-ready',
      severity: 'info',
      confidence: 'medium',
      title: 'A pod sandbox on worker-7 is NotReady',
      message: 'crictl pods lists one sandbox as NotReady since 10:02; kubelet keeps retrying it.',
      scope: { nodes: ['worker-7'], pods: [HOSTILE_POD] },
      citations: [{ file: 'nodes/worker-7/cri/pods.json', line: 31, excerpt: '      "name": "<script>alert(1)</script>",' }, hostileCitation],
      remediation: [
        { text: 'List the NotReady sandboxes on worker-7.', command: 'ssh worker-7 sudo crictl pods --state NotReady' },
        // A command with the bundle's (hostile) pod name filled in: it must stay text in every format.
        { text: 'See why kubelet keeps retrying the pod.', command: `kubectl -n default describe pod '${HOSTILE_POD.slice('default/'.length)}'` },
      ],
      confirmWith: [],
      cni: false,
    },
    {
      id: 'iptables-backend-mismatch:worker-7',
      ruleId: 'iptables-backend-mismatch',
      severity: 'critical',
      confidence: 'high',
      title: 'kube-proxy and Calico write to different iptables backends',
      message:
        'iptables-nft-save found legacy tables on worker-7. kube-proxy programs Services with iptables-legacy while Calico programs nf_tables; each sees only its own rules, so NAT and policy for pod traffic depend on which runs first.',
      scope: { nodes: ['worker-7'], pods: [] },
      citations: [nftWarning, legacyRule, caliRule],
      remediation: [
        { text: 'Pin Calico to the legacy backend kube-proxy uses.', command: 'kubectl -n calico-system set env daemonset/calico-node FELIX_IPTABLESBACKEND=Legacy' },
        { text: 'Or move kube-proxy to nft: use an image whose iptables is iptables-nft, then reboot worker-7 to clear the legacy tables.' },
      ],
      confirmWith: ['nodes/worker-7/net/nft-ruleset.txt (timed out here): the nf_tables view of the same rules'],
      cni: true,
    },
    {
      id: 'conntrack-insert-failed:worker-7',
      ruleId: 'conntrack-insert-failed',
      severity: 'warning',
      confidence: 'low',
      title: 'conntrack insert_failed is not zero on worker-7',
      message: 'conntrack -S shows insert_failed=212 on cpu=1: racing NAT of parallel UDP packets (DNS) drops some of them.',
      scope: { nodes: ['worker-7'], pods: [] },
      citations: [{ file: 'nodes/worker-7/net/conntrack-stats.txt', line: 2, excerpt: 'cpu=1   \tfound=0 invalid=1180 insert=0 insert_failed=212 drop=212 early_drop=0 error=0 search_restart=3' }],
      remediation: [{ text: 'Check again after the backend fix: insert_failed should stop growing.', command: 'ssh worker-7 sudo conntrack -S' }],
      confirmWith: [],
      cni: true,
    },
  ],
  inconclusive: [
    {
      ruleId: 'pod-event-correlation',
      scope: { nodes: ['worker-7'], pods: [] },
      reason: 'A node-only bundle has no pod events, so node problems cannot be tied to failing pods.',
      missing: ['cluster/events.json (collect with cluster access)'],
    },
  ],
  timeline: [
    entry('2026-11-22T10:01:58.004Z', 'worker-7', null, 'cni-agent', 'warning', 'Failed to program iptables, loading diags before panic. error=exit status 4 table="mangle"', { file: 'nodes/worker-7/logs/calico/felix.log', line: 311, excerpt: '2026-11-22 10:01:58.004 [ERROR][15833] table.go 778: Failed to program iptables, loading diags before panic. error=exit status 4 ipVersion=0x4 table="mangle"' }),
    entry('2026-11-22T10:02:14.220Z', 'worker-7', HOSTILE_POD, 'kubelet', 'error', HOSTILE_LOG_TEXT, hostileCitation),
    entry('2026-11-22T10:02:15Z', 'worker-7', HOSTILE_POD, 'runtime', 'warning', ANSI_LOG_TEXT, { file: 'nodes/worker-7/journal/containerd.log', line: 77, excerpt: ANSI_LOG_TEXT }),
    entry('2026-11-22T10:15:00Z', null, null, 'collector', 'info', 'Collection started (mode node, node worker-7)', { file: 'manifest.json', line: 0, excerpt: '' }),
    entry('2026-11-22T10:15:41Z', null, null, 'collector', 'warning', 'Collection interrupted (SIGINT) after 41 of 58 artifacts', { file: 'manifest.json', line: 0, excerpt: '' }),
  ],
  clockSkew: [],
  gaps: [
    { path: 'cluster/events.json', node: null, status: 'skipped', reason: 'node-only collection (--node-only)' },
    { path: 'nodes/worker-7/net/nft-ruleset.txt', node: 'worker-7', status: 'timeout', reason: 'nft list ruleset did not answer within 10 s' },
    { path: 'nodes/worker-7/journal/containerd.log', node: 'worker-7', status: 'failed', reason: 'journalctl exited 1: Failed to open files: No data available' },
    { path: 'nodes/worker-7/flannel/subnet.env', node: 'worker-7', status: 'absent', reason: 'no such file: /run/flannel/subnet.env' },
  ],
  parseProblems: [],
  stats: { files: 41, records: 2310, rulesRun: 41, durationMs: 388 },
};

export const FIXTURES = { flannelConflict, healthy, nodeOnly } as const;
export type FixtureName = keyof typeof FIXTURES;
