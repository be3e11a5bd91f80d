import { describe, it } from 'vitest';
import sample from '../../../samples/recipes/bpf-fs-not-mounted.sample.js';
import { ciliumHealthyLog, logText, logrusLine, setAgentLogs, useCalico, useCilium } from '../../../samples/recipes/lib/agents.js';
import { check, STUCK, type Row } from './lib/rows.js';
import { RULE_SET } from './lib/agents-and-control-plane.js';

const FALLBACK = 'BPF filesystem is going to be mounted automatically in /run/cilium/bpffs. However, it probably means that Cilium is running inside container and BPFFS is not mounted on the host. for more information, see: https://cilium.link/err-bpf-mount';

const rows: Row[] = [
  {
    name: 'the sample: no bpffs on node-2, cilium-agent cannot mount its fallback and crash-loops',
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/system\/mounts\.txt$/, excerpt: /no bpf filesystem at \/sys\/fs\/bpf among 6 mounts/ },
      command: /kubectl debug node\/node-2 .*mount -t bpf bpffs \/sys\/fs\/bpf/,
      message: /On node-2, Cilium pins its eBPF maps under \/sys\/fs\/bpf, but no bpf filesystem is mounted there.*Unable to mount BPF filesystem: failed to mount \/run\/cilium\/bpffs: operation not permitted.*node-1, node-3 have the mount/,
    },
    firstRule: 'bpf-fs-not-mounted',
  },
  {
    name: "the agent's warning is cited",
    build: (kit) => sample.build(kit),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /cilium-agent\.previous\.log$/, excerpt: /BPFFS is not mounted on the host/ },
      command: /kubectl -n kube-system delete pod -l k8s-app=cilium,app\.kubernetes\.io\/name=cilium-agent,app\.kubernetes\.io\/part-of=cilium --field-selector spec\.nodeName=node-2/,
    },
  },
  {
    name: 'the agent runs on its in-container fallback: a warning (maps lost on every restart)',
    build: (kit) => {
      kit.heal();
      const cilium = useCilium(kit);
      const node2 = kit.node('node-2');
      node2.bpfMounted = false;
      setAgentLogs(kit, cilium.get('node-2')!, 'cilium-agent', { current: ciliumHealthyLog(node2, 4 * 86_400 - 4, 'v1.16.5').replace(/^.*Detected mounted BPF filesystem.*$/m, logText([[4 * 86_400 - 5, logrusLine(4 * 86_400 - 5, 'warning', FALLBACK, { subsys: 'bpf' })]]).trimEnd()) });
    },
    expected: {
      severity: 'warning',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [],
      cite: { file: /cilium-agent\.log$/, excerpt: /BPF filesystem is going to be mounted automatically/ },
      command: /kubectl debug node\/node-2/,
      message: /fell back to a bpffs inside its own container/,
    },
  },
  {
    name: 'symptom without state: the agent complains, but mounts.txt was not collected',
    build: (kit) => {
      kit.heal();
      const cilium = useCilium(kit);
      const node2 = kit.node('node-2');
      node2.missing('system/mounts.txt', { kind: 'file', path: '/proc/1/mounts' }, 'failed', 'permission denied');
      setAgentLogs(kit, cilium.get('node-2')!, 'cilium-agent', { current: logText([[600, logrusLine(600, 'warning', FALLBACK, { subsys: 'bpf' })]]) });
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [],
      cite: { file: /cilium-agent\.log$/, excerpt: /BPFFS is not mounted on the host/ },
      command: /kubectl debug node\/node-2/,
      confirmWith: true,
    },
  },
  { name: 'look-alike: flannel needs no bpffs', build: (kit) => { kit.heal(); kit.node('node-2').bpfMounted = false; }, expected: null },
  { name: 'look-alike: Calico with the iptables dataplane needs no bpffs', build: (kit) => { kit.heal(); useCalico(kit); kit.node('node-2').bpfMounted = false; }, expected: null },
  { name: 'healthy cilium cluster', build: (kit) => { kit.heal(); useCilium(kit); }, expected: null },
];

describe('bpf-fs-not-mounted', () => {
  it.each(rows)('$name', async (row) => {
    await check('bpf-fs-not-mounted', row, RULE_SET);
  });
});
