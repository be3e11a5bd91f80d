import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/kernel-incompatible.sample.js';
import { failStuckPod, flannelPodOn, healAgent, klog, logText, setAgentLogs, setAgentState, useCilium } from '../../../samples/recipes/lib/agents.js';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

function kernel(kit: SampleKit, node: string, release: string, os = 'Ubuntu 20.04.6 LTS'): void {
  kit.node(node).set('system/uname.txt', `Linux ${node} ${release} #1 SMP PREEMPT_DYNAMIC Mon Jan 8 10:00:00 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux\n`, { kind: 'command', argv: ['uname', '-a'] });
  const api = kit.fixture.nodes.find((n) => n.metadata.name === node)!;
  Object.assign(api.status.nodeInfo!, { kernelVersion: release, osImage: os });
}

const rows: Row[] = [
  {
    name: 'the sample: CentOS 7 kernel 3.10 under Cilium 1.14, the agent exits at its kernel probe',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/system\/uname\.txt$/, excerpt: /3\.10\.0-1127\.el7\.x86_64/ },
      command: /kubectl -n kube-system logs cilium-\w+ -c cilium-agent --previous \| grep -iE 'kernel/,
      message: /the kernel is 3\.10\.0-1127\.el7\.x86_64, below the 4\.19\.57 that Cilium 1\.14\.4 requires.*Other nodes: node-1 6\.8\.0-48-generic/,
    },
    firstRule: 'kernel-incompatible',
  },
  {
    name: "the agent's own verdict is cited",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /cilium-agent\.previous\.log$/, excerpt: /kernel version: NOT OK: minimal supported kernel version is >= 4\.19\.57/ },
      command: /kubectl get nodes -o custom-columns=NAME:\.metadata\.name,KERNEL/,
    },
  },
  {
    name: 'flannel on a kernel without VXLAN support',
    build: (kit) => {
      const pod = flannelPodOn(kit, 'node-2');
      healAgent(kit, pod);
      setAgentState(kit, pod, 'kube-flannel', { state: 'crashloop', restarts: 10 });
      setAgentLogs(kit, pod, 'kube-flannel', { previous: logText([[300, klog(300, 'E', 'main.go:359', 'Error registering network: failed to configure interface flannel.1: failed to create vxlan device flannel.1: operation not supported')]]) });
      kit.node('node-2').set('system/dmesg.txt', '[    0.000000] Linux version 5.15.0-1034-realtime\n[  412.118301] vxlan: Unknown symbol udp_tunnel_sock_release (err -2)\n', { kind: 'command', argv: ['dmesg', '-T'] });
      kernel(kit, 'node-2', '5.15.0-1034-realtime');
      kit.node('node-2').subnetEnv = null;
      failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/system\/dmesg\.txt$/, excerpt: /vxlan: Unknown symbol udp_tunnel_sock_release/ },
      command: /kubectl -n kube-flannel logs kube-flannel-ds-\w+ -c kube-flannel --previous/,
      message: /the agent fails on a kernel feature: "Error registering network: failed to configure interface flannel\.1: failed to create vxlan device flannel\.1: operation not supported"/,
    },
    firstRule: 'kernel-incompatible',
  },
  {
    name: 'state only: Cilium 1.16 on a 5.3 kernel, the agent still runs',
    build: (kit) => {
      kit.heal();
      useCilium(kit);
      kernel(kit, 'node-3', '5.3.18-59.37-default', 'SUSE Linux Enterprise Server 15 SP3');
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: /^nodes\/node-3\/system\/uname\.txt$/, excerpt: /5\.3\.18-59\.37-default/ },
      command: /kubectl debug node\/node-3/,
      message: /below the 5\.4\.0 that Cilium 1\.16\.5 requires.*runs for now/,
    },
  },
  { name: "look-alike: RHEL 8's 4.18 counts as new enough for Cilium 1.16", build: (kit) => { kit.heal(); useCilium(kit); kernel(kit, 'node-2', '4.18.0-553.el8_10.x86_64', 'Red Hat Enterprise Linux 8.10 (Ootpa)'); }, expected: null },
  { name: 'look-alike: an old kernel under flannel, which needs no eBPF', build: (kit) => { kit.heal(); kernel(kit, 'node-2', '4.4.0-210-generic'); }, expected: null },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
  { name: 'healthy cilium cluster', build: (kit) => { kit.heal(); useCilium(kit); }, expected: null },
];

describe('kernel-incompatible', () => {
  it.each(rows)('$name', async (row) => {
    await check('kernel-incompatible', row, RULE_SET);
  });
});
