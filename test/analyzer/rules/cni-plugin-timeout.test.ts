import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/cni-plugin-timeout.sample.js';
import { failStuckPod, useCalico } from '../../../samples/recipes/lib/agents.js';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

/** crc-snc#203: CRI-O kills Multus when its ADD runs past the runtime's deadline. */
function multusKilled(kit: SampleKit, oom: boolean): void {
  const pod = kit.stuckPod;
  kit.setSandboxError(pod, `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_${pod.metadata.name}_default_${pod.metadata.uid}_0({sandbox}): error adding pod default_${pod.metadata.name} to CNI network "multus-cni-network": netplugin failed with no error message: signal: killed`);
  const node = kit.node('node-2');
  const line = (t: string, msg: string) => `${t} node-2 crio[1847]: time="${t.replace('T', ' ').replace('+0000', '.209171978Z')}" level=error msg="${msg.replace(/"/g, '\\"')}"`;
  node.set(
    'journal/crio.log',
    [
      line('2026-11-22T10:25:10+0000', 'Error adding network: netplugin failed with no error message: signal: killed'),
      line('2026-11-22T10:25:10+0000', 'Error while adding pod to CNI network "multus-cni-network": netplugin failed with no error message: signal: killed'),
      line('2026-11-22T10:25:10+0000', 'Error deleting network: netplugin failed with no error message: context deadline exceeded'),
    ].join('\n') + '\n',
    { kind: 'command', argv: ['journalctl', '-u', 'crio', '-b', '--no-pager', '-o', 'short-iso', '-n', '5000'] },
    { exitCode: 0 },
  );
  if (oom) {
    node.set('system/dmesg.txt', '[    0.000000] Linux version 6.8.0-48-generic (buildd@lcy02-amd64-040)\n[518102.114302] multus invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=-997\n[518102.114519] Memory cgroup out of memory: Killed process 48211 (multus) total-vm:1391516kB, anon-rss:262144kB, file-rss:10240kB, shmem-rss:0kB, UID:0 pgtables:612kB oom_score_adj:-997\n', { kind: 'command', argv: ['dmesg', '-T'] });
  }
}

const rows: Row[] = [
  {
    name: 'the sample: cilium-cni times out while the agent restarts after an OOM kill',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/kube-system\/pods\.json$/, excerpt: /cilium-\w+: restartCount 4, lastState terminated OOMKilled exit 137 at 2026-11-22T10:25:38Z, started 2026-11-22T10:25:42Z/ },
      command: /kubectl -n default delete pod web-7r2rngql75-6w8j6|kubectl debug node\/node-2/,
      message: /cilium-cni gave up waiting for the cilium agent.*was restarting \(4 restarts; last exit OOMKilled/,
    },
    firstRule: 'cni-plugin-timeout',
  },
  {
    name: "the agent's hung endpoint regeneration is cited",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^cluster\/logs\/kube-system\/cilium-\w+\/cilium-agent\.log$/, excerpt: /endpoint regeneration failed.*context deadline exceeded/ },
      command: /kubectl debug node\/node-2/,
    },
  },
  {
    name: 'calico DEL hits its deadline with nothing slow in the bundle (calico#2463)',
    build: (kit) => {
      useCalico(kit);
      failStuckPod(kit, 'plugin type="calico" failed (delete): context deadline exceeded', { op: 'delete' });
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/journal\/kubelet\.log$/, excerpt: /StopPodSandbox from runtime service failed/ },
      command: /kubectl debug node\/node-2/,
      message: /DEL \(teardown\) calls time out.*shows nothing slow.*stuck terminating/,
      confirmWith: true,
    },
  },
  {
    name: "CRI-O kills multus at the deadline (signal: killed) while the default network's agent is down",
    build: (kit) => multusKilled(kit, false),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/journal\/crio\.log$/, excerpt: /netplugin failed with no error message: signal: killed/ },
      command: /journalctl -u containerd -u crio/,
      message: /the runtime killed the CNI plugin.*the flannel pod kube-flannel\/kube-flannel-ds-\w+ was down/,
    },
    firstRule: 'cni-plugin-timeout',
  },
  { name: 'look-alike: multus was OOM-killed (dmesg), not timed out', build: (kit) => multusKilled(kit, true), expected: null },
  {
    name: 'look-alike: a deadline on the API server VIP belongs to cni-apiserver-unreachable',
    build: (kit) => {
      useCalico(kit);
      failStuckPod(kit, 'plugin type="calico" failed (add): error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": context deadline exceeded');
    },
    expected: null,
    firstRule: 'cni-apiserver-unreachable',
  },
  { name: 'healthy kit', build: (kit) => kit.heal(), expected: null },
];

describe('cni-plugin-timeout', () => {
  it.each(rows)('$name', async (row) => {
    await check('cni-plugin-timeout', row, RULE_SET);
  });
});
