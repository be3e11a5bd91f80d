import { describe, it } from 'vitest';
import { hex64 } from '../../../samples/recipes/kit.js';
import { addCalicoNode, onlyStuckPodFails } from '../../../samples/recipes/lib/node-and-look-alikes.js';
import { check, STUCK, type Row } from './lib/rows.js';

const RULE = 'iptables-lock-contention';
const EVENT = 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": ';

/** The stuck pod's ADD fails inside the portmap plugin with `tail` after the iptables command. */
function portmapFails(tail: string) {
  return (kit: Parameters<Row['build']>[0]) => {
    const pod = onlyStuckPodFails(kit);
    const error = (id: string) => `plugin type="portmap" failed (add): unable to setup DNAT: running [/usr/sbin/iptables -t nat -N CNI-DN-${hex64(id).slice(0, 21)} --wait]: ${tail}`;
    for (const age of [300, 120]) kit.node('node-2').failSandbox(pod, error(`dn/${age}`), age);
    kit.setSandboxError(kit.stuckPod, `${EVENT}${error('dn/event')}`);
  };
}

const FELIX_LOG = [
  '2026-11-22 10:02:59.942 [INFO][15833] felix/int_dataplane.go 1869: Applying dataplane updates',
  '2026-11-22 10:02:59.942 [WARNING][15833] felix/table.go 1263: Failed to execute ip(6)tables-restore command error=exit status 4 errorOutput="Another app is currently holding the xtables lock. Stopped waiting after 10s.\\n" ipVersion=0x4 table="mangle"',
  '2026-11-22 10:03:09.971 [ERROR][15833] felix/table.go 778: Failed to program iptables, loading diags before panic. error=exit status 4 ipVersion=0x4 table="mangle"',
  '',
].join('\n');

const rows: Row[] = [
  {
    name: 'the sandbox error says another app holds the xtables lock',
    build: portmapFails('exit status 4: Another app is currently holding the xtables lock. Stopped waiting after 5s.'),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /Another app is currently holding the xtables lock/ },
      command: /kubectl debug node\/node-2 .*xtables\.lock/,
      message: [/kube-proxy/, /flannel/],
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'exit status 4 with "Resource temporarily unavailable" only: medium, several writers on the node',
    build: portmapFails('exit status 4: iptables: Resource temporarily unavailable.'),
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/containerd.log', excerpt: /RunPodSandbox.*plugin type=.*portmap/ },
      command: /node\/node-2/,
      message: [/RESOURCE_PROBLEM/],
      confirm: /ps -eo/,
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'Felix cannot program iptables on node-2 (calico-2179), no failing pod',
    build: (kit) => {
      kit.heal();
      addCalicoNode(kit, 'node-2', FELIX_LOG);
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [],
      cite: { file: /^cluster\/logs\/kube-system\/calico-node-[a-z]+\/calico-node\.log$/, line: 2, excerpt: /holding the xtables lock/ },
      command: /node\/node-2/,
      first: { ruleId: RULE, pod: null, node: 'node-2' },
    },
  },
  {
    name: "the kubelet's own iptables calls time out on the lock",
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      n.kubelet.push(n.klog(200, 'E', 'kubelet_network_linux.go:80', String.raw`"Failed to ensure that iptables hint chain exists" err="error creating chain \"KUBE-IPTABLES-HINT\": exit status 4: Another app is currently holding the xtables lock. Stopped waiting after 5s.\n"`));
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/journal/kubelet.log', line: 4, excerpt: /KUBE-IPTABLES-HINT/ },
      command: /node\/node-3/,
    },
  },
  {
    name: "only the collector's iptables-save met the lock: low",
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-1');
      const dump = n.render().get('net/iptables-save.txt')!;
      n.set('net/iptables-save.txt', dump.text, dump.source, { exitCode: 0, stderr: 'Another app is currently holding the xtables lock; still 4s 0us time ahead to have a chance to grab the lock...\n' });
    },
    expected: {
      severity: 'warning',
      confidence: 'low',
      nodes: ['node-1'],
      pods: [],
      cite: { file: 'nodes/node-1/net/iptables-save.txt#stderr', line: 1, excerpt: /xtables lock/ },
      command: /node\/node-1/,
    },
  },
  {
    name: 'exit status 4 but no iptables dump and no other writer in the bundle: low, says what to check',
    build: (kit) => {
      portmapFails('exit status 4: iptables: Resource temporarily unavailable.')(kit);
      const n = kit.node('node-2');
      n.missing('net/iptables-save.txt', { kind: 'command', argv: ['iptables-nft-save'] }, 'failed', 'command not found: iptables-nft-save, iptables-save');
      n.missing('net/iptables-legacy-save.txt', { kind: 'command', argv: ['iptables-legacy-save'] }, 'absent', 'command not found: iptables-legacy-save');
    },
    expected: {
      severity: 'critical',
      confidence: 'low',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /Resource temporarily unavailable/ },
      command: /node\/node-2/,
      confirm: /kube-proxy/,
    },
  },
  {
    name: 'look-alike: the nat table is missing (exit status 3, not the lock)',
    build: portmapFails("exit status 3: iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded."),
    expected: null,
    firstNot: RULE,
  },
  {
    name: 'look-alike: rules in both backends (calico-3709) are not lock contention',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-2');
      const dump = n.render().get('net/iptables-save.txt')!;
      n.set('net/iptables-save.txt', dump.text, dump.source, { exitCode: 0, stderr: '# Warning: iptables-legacy tables present, use iptables-legacy-save to see them\n' });
      n.set('net/iptables-legacy-save.txt', '# Generated by iptables-save v1.8.7 on Sun Nov 22 10:29:41 2026\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:cali-FORWARD - [0:0]\n-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD\nCOMMIT\n', { kind: 'command', argv: ['iptables-legacy-save'] }, { exitCode: 0 });
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe(RULE, () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => { await check(RULE, row); });
});
