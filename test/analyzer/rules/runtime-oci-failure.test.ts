import { describe, it } from 'vitest';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { failSandboxBeforeNetwork, onlyStuckPodFails, setRuntimeConfig } from '../../../samples/recipes/lib/node-and-look-alikes.js';
import { check, STUCK, type Row } from './lib/rows.js';

const RULE = 'runtime-oci-failure';
const UID = '38a5b56a-1f4e-4b40-997b-0be7f5e7647a';

/** The stuck pod's sandbox fails with `error` ({sandbox} = the sandbox id) in events and journals. */
function sandboxFails(kit: SampleKit, error: string, eventPrefix = 'Failed to create pod sandbox: rpc error: code = Unknown desc = '): void {
  const pod = onlyStuckPodFails(kit);
  for (const age of [300, 120]) failSandboxBeforeNetwork(kit.node('node-2'), pod, error, age);
  kit.setSandboxError(kit.stuckPod, `${eventPrefix}${error}`);
}

const TASK = 'failed to start sandbox container task "{sandbox}": failed to create shim task: OCI runtime create failed: runc create failed: ';

const rows: Row[] = [
  {
    name: 'containerd on the systemd driver, the kubelet on cgroupfs: runc refuses the cgroupfs path',
    build: (kit) => {
      for (const n of kit.nodes.values()) setRuntimeConfig(n, { systemdCgroup: n.name === 'node-2' });
      sandboxFails(kit, `${TASK}expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/kubepods/burstable/pod${UID}/{sandbox}" instead: unknown`);
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/cri/info.json', excerpt: /"SystemdCgroup": true/ },
      command: /node\/node-2 .*cgroupDriver .*SystemdCgroup/,
      message: [/different cgroup drivers/, /The kubelet uses cgroupfs .* while the runtime uses systemd/],
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'k8s-107403: dockershim with Docker on systemd rejects the cgroup parent',
    build: (kit) => {
      for (const n of kit.nodes.values()) {
        n.missing('runtime/containerd-config-dump.toml', { kind: 'command', argv: ['containerd', 'config', 'dump'] }, 'absent', 'command not found: containerd');
        n.missing('cri/info.json', { kind: 'command', argv: ['crictl', 'info'] }, 'absent', 'command not found: crictl');
      }
      sandboxFails(kit, 'failed to create a sandbox for pod "web-7r2rngql75-6w8j6": Error response from daemon: cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"', 'Failed create pod sandbox: rpc error: code = Unknown desc = ');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /cgroup-parent for systemd cgroup should be a valid slice/ },
      command: /node\/node-2/,
      message: [/The kubelet uses cgroupfs \(as the error shows\) while the runtime uses systemd/],
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'lab pitfall: runc sees no cgroup mount although the host mounts cgroup2',
    build: (kit) => sandboxFails(kit, `${TASK}no cgroup mount found in mountinfo: unknown`),
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/system/mounts.txt', line: 5, excerpt: /cgroup2 \/sys\/fs\/cgroup cgroup2/ },
      command: /node\/node-2 .*mountinfo/,
      message: [/mount namespace that hides them/],
    },
  },
  {
    name: "lab pitfall: runc init dies (can't get final child's PID from pipe): medium, read the runtime log",
    build: (kit) => sandboxFails(kit, `${TASK}unable to start container process: can't get final child's PID from pipe: EOF: unknown`),
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/journal/containerd.log', excerpt: /RunPodSandbox .*failed to start sandbox container task/ },
      command: /node\/node-2 .*nsexec\|oom_score_adj/,
      confirm: /dmesg/,
    },
  },
  {
    name: 'the kubelet itself refuses to start: cgroup driver misconfiguration, no pod',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      n.kubelet.push(n.klog(100, 'E', 'run.go:74', String.raw`"command failed" err="failed to run Kubelet: misconfiguration: kubelet cgroup driver: \"systemd\" is different from docker cgroup driver: \"cgroupfs\""`));
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-3'],
      pods: [],
      cite: { file: 'nodes/node-3/journal/kubelet.log', excerpt: /misconfiguration: kubelet cgroup driver/ },
      command: /node\/node-3/,
      message: [/the kubelet refuses to start/, /The kubelet uses systemd \(as the error shows\) while the runtime uses cgroupfs/, /The kubelet cannot run pods on the node/],
      first: { ruleId: RULE, pod: null, node: 'node-3' },
    },
  },
  {
    name: 'systemd cgroup flag without systemd, and no runtime config in the bundle: medium',
    build: (kit) => {
      const n = kit.node('node-2');
      n.missing('runtime/containerd-config-dump.toml', { kind: 'command', argv: ['containerd', 'config', 'dump'] }, 'failed', 'exit status 1: open /etc/containerd/config.toml: permission denied');
      n.missing('cri/info.json', { kind: 'command', argv: ['crictl', 'info'] }, 'absent', 'command not found: crictl');
      sandboxFails(kit, `${TASK}systemd cgroup flag passed, but systemd support for managing cgroups is not available: unknown`);
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /systemd cgroup flag passed/ },
      command: /node\/node-2/,
      confirm: /containerd-config-dump\.toml \(failed/,
    },
  },
  {
    name: "look-alike: an app container whose command does not exist is not a sandbox failure",
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      n.containerd.push(n.containerdLine(150, 'error', 'StartContainer for "9f1c2b3a4d5e" failed', 'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "python": executable file not found in $PATH: unknown'));
    },
    expected: null,
  },
  {
    name: 'look-alike: a CNI failure (the cni0 conflict) is not the OCI runtime',
    build: () => {},
    expected: null,
    firstNot: RULE,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe(RULE, () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => { await check(RULE, row); });
});
