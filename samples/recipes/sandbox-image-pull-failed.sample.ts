import { defineSample } from './kit.js';
import { failSandboxBeforeNetwork, onlyStuckPodFails, setRuntimeConfig } from './lib/node-and-look-alikes.js';

const MIRROR = 'registry.corp.example:5000/k8s';

/**
 * An air-gapped cluster that pulls everything from a mirror (kubeadm imageRepository). node-2 was
 * reinstalled and its containerd config regenerated with `containerd config default`, so its
 * sandbox_image is registry.k8s.io/pause:3.8 again, a name its DNS cannot resolve
 * (containerd-8653). No CNI plugin ever runs for the stuck pod.
 */
export default defineSample({
  name: 'sandbox-image-pull-failed',
  description: "node-2's containerd still points sandbox_image at registry.k8s.io/pause:3.8, which the air-gapped node cannot resolve",
  expect: { ruleId: 'sandbox-image-pull-failed', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const pod = onlyStuckPodFails(kit);
    const kubeadm = kit.fixture.configMaps.find((c) => c.metadata.name === 'kubeadm-config')!;
    kubeadm.data = { ...kubeadm.data, ClusterConfiguration: (kubeadm.data?.['ClusterConfiguration'] ?? '').replace('imageRepository: registry.k8s.io', `imageRepository: ${MIRROR}`) };
    for (const node of kit.nodes.values()) setRuntimeConfig(node, { sandboxImage: node.name === 'node-2' ? 'registry.k8s.io/pause:3.8' : `${MIRROR}/pause:3.10` });
    const image = 'registry.k8s.io/pause:3.8';
    const error = `failed to get sandbox image "${image}": failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://registry.k8s.io/v2/pause/manifests/3.8": dial tcp: lookup registry.k8s.io on 192.168.56.1:53: server misbehaving`;
    const node2 = kit.node('node-2');
    for (const age of [420, 300, 180, 60]) failSandboxBeforeNetwork(node2, pod, error, age);
    kit.setSandboxError(kit.stuckPod, `Failed to create pod sandbox: rpc error: code = Unknown desc = ${error}`);
  },
});
