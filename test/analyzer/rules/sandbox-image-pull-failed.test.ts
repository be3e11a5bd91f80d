import { describe, it } from 'vitest';
import type { SampleKit } from '../../../samples/recipes/kit.js';
import { failSandboxBeforeNetwork, onlyStuckPodFails, setRuntimeConfig } from '../../../samples/recipes/lib/node-and-look-alikes.js';
import { check, STUCK, type Row } from './lib/rows.js';

const RULE = 'sandbox-image-pull-failed';
const MIRROR = 'registry.corp.example:5000/k8s';

/** The stuck pod's sandbox fails with `error` from the runtime (events and journal lines). */
function sandboxFails(kit: SampleKit, error: string, eventPrefix = 'Failed to create pod sandbox: rpc error: code = Unknown desc = '): void {
  const pod = onlyStuckPodFails(kit);
  for (const age of [300, 120]) failSandboxBeforeNetwork(kit.node('node-2'), pod, error, age);
  kit.setSandboxError(kit.stuckPod, `${eventPrefix}${error}`);
}

function pullError(image: string, tail: string): string {
  return `failed to get sandbox image "${image}": failed to pull image "${image}": failed to pull and unpack image "${image}": ${tail}`;
}

function missingRuntimeConfig(kit: SampleKit, nodes: string[]): void {
  for (const name of nodes) {
    const n = kit.node(name);
    n.missing('runtime/containerd-config-dump.toml', { kind: 'command', argv: ['containerd', '--config', '/etc/containerd/config.toml', 'config', 'dump'] }, 'failed', 'exit status 1: permission denied');
    n.missing('cri/info.json', { kind: 'command', argv: ['crictl', 'info'] }, 'absent', 'command not found: crictl');
  }
}

const rows: Row[] = [
  {
    name: 'containerd-8653: air-gapped node-2 still points sandbox_image at registry.k8s.io',
    build: (kit) => {
      const kubeadm = kit.fixture.configMaps.find((c) => c.metadata.name === 'kubeadm-config')!;
      kubeadm.data = { ...kubeadm.data, ClusterConfiguration: (kubeadm.data?.['ClusterConfiguration'] ?? '').replace('imageRepository: registry.k8s.io', `imageRepository: ${MIRROR}`) };
      for (const n of kit.nodes.values()) setRuntimeConfig(n, { sandboxImage: n.name === 'node-2' ? 'registry.k8s.io/pause:3.6' : `${MIRROR}/pause:3.10` });
      sandboxFails(kit, pullError('registry.k8s.io/pause:3.6', 'failed to resolve reference "registry.k8s.io/pause:3.6": failed to do request: Head "https://registry.k8s.io/v2/pause/manifests/3.6": dial tcp: lookup registry.k8s.io on 192.168.56.1:53: server misbehaving'));
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/runtime/containerd-config-dump.toml', line: 25, excerpt: /^sandbox_image = "registry\.k8s\.io\/pause:3\.6"$/ },
      command: /node\/node-2 .*sandbox_image.*registry\.corp\.example:5000\/k8s\/pause:3\.10.*systemctl restart containerd/,
      message: [/cannot resolve registry\.k8s\.io/, /kubeadm imageRepository/, /node-1, node-3 use registry\.corp\.example:5000\/k8s\/pause:3\.10/],
      first: { ruleId: RULE, pod: STUCK, node: 'node-2' },
    },
  },
  {
    name: 'nixpkgs-39833: dockershim cannot pull a bare "pause" image',
    build: (kit) => {
      missingRuntimeConfig(kit, ['node-2']);
      sandboxFails(kit, `failed pulling image "pause": Error response from daemon: pull access denied for pause, repository does not exist or may require 'docker login'`, 'Failed create pod sandbox: rpc error: code = Unknown desc = ');
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /pull access denied for pause/ },
      command: /node\/node-2/,
      message: [/docker\.io refuses the pull/, /node-1, node-3 use registry\.k8s\.io\/pause:3\.10/],
    },
  },
  {
    name: 'CRI-O: the pause image registry does not resolve',
    build: (kit) => {
      kit.node('node-2').set('runtime/crio-config.toml', '[crio]\n  root = "/var/lib/containers/storage"\n\n[crio.image]\n  default_transport = "docker://"\n  pause_image = "registry.k8s.io/pause:3.10"\n  pause_command = "/pause"\n', { kind: 'command', argv: ['crio', 'config'] }, { exitCode: 0 });
      sandboxFails(
        kit,
        'error creating pod sandbox with name "k8s_web-7r2rngql75-6w8j6_default_38a5b56a-1f4e-4b40-997b-0be7f5e7647a_0": initializing source docker://registry.k8s.io/pause:3.10: pinging container registry registry.k8s.io: Get "https://registry.k8s.io/v2/": dial tcp: lookup registry.k8s.io on 192.168.56.1:53: no such host',
      );
    },
    expected: {
      severity: 'critical',
      confidence: 'high',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'nodes/node-2/runtime/crio-config.toml', line: 6, excerpt: /pause_image = "registry\.k8s\.io\/pause:3\.10"/ },
      command: /node\/node-2 .*crio config .*pause_image/,
      message: [/cannot resolve registry\.k8s\.io/],
    },
  },
  {
    name: 'no runtime config anywhere in the bundle: medium, asks for sandbox_image',
    build: (kit) => {
      missingRuntimeConfig(kit, ['node-1', 'node-2', 'node-3']);
      sandboxFails(kit, pullError('registry.k8s.io/pause:3.10', 'failed to resolve reference "registry.k8s.io/pause:3.10": failed to do request: Head "https://registry.k8s.io/v2/pause/manifests/3.10": dial tcp 34.96.108.209:443: i/o timeout'));
    },
    expected: {
      severity: 'critical',
      confidence: 'medium',
      nodes: ['node-2'],
      pods: [STUCK],
      cite: { file: 'cluster/events.json', excerpt: /failed to get sandbox image/ },
      command: /node\/node-2 .*crictl pull registry\.k8s\.io\/pause:3\.10/,
      message: [/cannot reach registry\.k8s\.io/],
      confirm: /sandbox_image on node-2/,
    },
  },
  {
    name: 'look-alike: an application image that cannot be pulled is not a sandbox failure',
    build: (kit) => {
      kit.heal();
      const n = kit.node('node-3');
      n.kubelet.push(n.klog(200, 'E', 'pod_workers.go:1301', String.raw`"Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with ErrImagePull: \"failed to pull and unpack image \\\"registry.corp.example:5000/shop/api:1.4.2\\\": failed to resolve reference \\\"registry.corp.example:5000/shop/api:1.4.2\\\": not found\"" pod="default/web-7r2rngql75-f8scb"`));
      n.containerd.push(n.containerdLine(200, 'error', 'PullImage "registry.corp.example:5000/shop/api:1.4.2" failed', 'failed to pull and unpack image "registry.corp.example:5000/shop/api:1.4.2": failed to resolve reference "registry.corp.example:5000/shop/api:1.4.2": not found'));
    },
    expected: null,
  },
  {
    name: 'look-alike: a CNI failure (the cni0 conflict) is not an image pull',
    build: () => {},
    expected: null,
    firstNot: RULE,
  },
  { name: 'healthy cluster', build: (kit) => kit.heal(), expected: null },
];

describe(RULE, () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => { await check(RULE, row); });
});
