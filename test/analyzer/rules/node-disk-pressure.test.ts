import { describe, it } from 'vitest';
import { at, hex64, type SampleKit } from '../../../samples/recipes/kit.js';
import { onlyStuckPodFails } from '../../../samples/recipes/lib/node-and-look-alikes.js';
import { check, STUCK, type Row } from './lib/rows.js';

const RULE = 'node-disk-pressure';
const DF = { kind: 'command' as const, argv: ['df', '-P', '/', '/var', '/var/lib', '/var/lib/cni', '/run'] };

/** The coreweave-253 ADD: containerd cannot write the loopback result cache. */
function loopbackCacheWriteFails(kit: SampleKit): void {
  const pod = onlyStuckPodFails(kit);
  const n = kit.node('node-2');
  for (const age of [300, 120]) {
    const sandbox = hex64(`failed/node-2/${pod.name}/${age}`);
    n.failSandbox(pod, `failed to set network "cni-loopback" cached result: write /var/lib/cni/results/cni-loopback-${sandbox}-lo: no space left on device`, age);
  }
  kit.setSandboxError(kit.stuckPod, 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": failed to set network "cni-loopback" cached result: write /var/lib/cni/results/cni-loopback-{sandbox}-lo: no space left on device');
}

function diskPressure(kit: SampleKit, node: string): void {
  const apiNode = kit.fixture.nodes.find((n) => n.metadata.name === node)!;
  const since = at(1800).replace(/\.\d+Z$/, 'Z');
  apiNode.status.conditions = (apiNode.status.conditions ?? []).map((c) => (c.type === 'DiskPressure' ? { ...c, status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', lastTransitionTime: since } : c));
  apiNode.spec.taints = [...(apiNode.spec.taints ?? []), { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule', timeAdded: since }];
}

/** A pod stuck terminating whose cache file is 0 bytes: every DEL fails decoding it. */
function emptyCacheBlocksDelete(kit: SampleKit): void {
  const pod = onlyStuckPodFails(kit);
  kit.stuckPod.metadata.deletionTimestamp = at(600).replace(/\.\d+Z$/, 'Z');
  const n = kit.node('node-2');
  const sandbox = hex64('sandbox/node-2/empty-cache');
  n.set(`cni/results/cbr0-${sandbox}-eth0`, '', { kind: 'file', path: `/var/lib/cni/results/cbr0-${sandbox}-eth0` }, { fileMode: '-rw-------' });
  const error = `plugin type="flannel" failed (delete): failed to get network "cbr0" cached result: decoding version from network config: unexpected end of JSON input`;
  n.failSandbox(pod, error, 100, 'delete');
  kit.setSandboxError(kit.stuckPod, `error killing pod: failed to "KillPodSandbox" for "${pod.uid}" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"${sandbox}\\": ${error}"`, 'FailedKillPod');
}

const rows: Row[] = [
  {
    name: 'coreweave-253: the loopback cache write fails on a 100% full / with DiskPressure',
    build: (kit) => {
      loopbackCacheWriteFails(kit);
      kit.node('node-2').diskUsePercent = 100;
      diskPressure(kit, 'node-2');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/system/df.txt', line: 2, excerpt: /100% \/$/ },
      command: /node\/node-2 .*df -h/,
      message: [/\/dev\/sda1 \(\/, \/var, \/var\/lib\) is 100% used/, /DiskPressure=True/, /CNI plugin itself is fine/],
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'no space left on device, but the node has no df in the bundle: medium, asks for df',
    build: (kit) => {
      loopbackCacheWriteFails(kit);
      kit.node('node-2').missing('system/df.txt', DF, 'failed', 'exit status 1: df: /host/var/lib/cni: No such file or directory');
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /no space left on device/ },
      command: /node\/node-2/,
      confirm: /df -h \/var\/lib\/cni/,
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'no space left on device while df shows 41%: another filesystem or inodes, medium',
    build: loopbackCacheWriteFails,
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/containerd.log', excerpt: /RunPodSandbox.*cni-loopb/ },
      command: /node\/node-2/,
      message: [/df shows no full filesystem/, /inodes/],
      confirm: /df -i/,
    },
  },
  {
    name: 'a 97% full disk with DiskPressure and no failing pod yet: node-level',
    build: (kit) => {
      kit.heal();
      kit.node('node-3').diskUsePercent = 97;
      diskPressure(kit, 'node-3');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'cluster/nodes.json', excerpt: /node-3 DiskPressure=True/ },
      command: /node\/node-3 .*crictl rmi --prune/,
      first: { ruleId: RULE, pod: null, node: 'node-3' },
    },
  },
  {
    name: 'DiskPressure from the API only (the node was not collected): warning, medium',
    build: (kit) => {
      kit.heal();
      kit.nodeEvidence = ['node-1', 'node-2'];
      diskPressure(kit, 'node-3');
    },
    expected: {
      severity: 'warning',
      confidence: 'medium',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'cluster/nodes.json', excerpt: /taint node\.kubernetes\.io\/disk-pressure:NoSchedule/ },
      command: /node\/node-3/,
      confirm: /system\/df\.txt/,
    },
  },
  {
    name: 'a full disk left an empty cache file that now blocks the DEL (containerd-8197)',
    build: (kit) => {
      emptyCacheBlocksDelete(kit);
      kit.node('node-2').diskUsePercent = 100;
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: /^nodes\/node-2\/cni\/results\/cbr0-[0-9a-f]{64}-eth0$/, excerpt: /0 bytes/ },
      command: /find \/var\/lib\/cni\/results -type f -size 0/,
      message: [/teardown of default\/web-7r2rngql75-6w8j6 fails/, /is empty \(cbr0-[0-9a-f]{64}-eth0\), the mark of a write cut short at full disk/],
    },
  },
  {
    name: 'look-alike: an empty cache file on a node with plenty of space is not a disk problem',
    build: emptyCacheBlocksDelete,
    expected: null,
    firstNot: RULE,
  },
  {
    name: 'look-alike: a 90% full disk is not full',
    build: (kit) => {
      kit.heal();
      kit.node('node-1').diskUsePercent = 90;
    },
    expected: null,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe(RULE, () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => { await check(RULE, row); });
});
