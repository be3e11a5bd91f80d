import { defineSample } from './kit.js';
import { failSandboxBeforeNetwork, onlyStuckPodFails, setRuntimeConfig } from './lib/node-and-look-alikes.js';

/**
 * Someone switched containerd on node-2 to the systemd cgroup driver (SystemdCgroup = true) but
 * left the kubelet on cgroupfs, like the rest of the cluster: runc refuses the kubelet's
 * cgroupfs-style path for every sandbox (the containerd face of k8s-107403).
 */
export default defineSample({
  name: 'runtime-oci-failure',
  description: 'node-2: containerd uses SystemdCgroup = true, the kubelet cgroupfs; runc create fails for every sandbox',
  expect: { ruleId: 'runtime-oci-failure', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const pod = onlyStuckPodFails(kit);
    for (const node of kit.nodes.values()) setRuntimeConfig(node, { systemdCgroup: node.name === 'node-2' });
    const error = (sandbox: string) =>
      `failed to start sandbox container task "${sandbox}": failed to create shim task: OCI runtime create failed: runc create failed: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/kubepods/burstable/pod${pod.uid}/${sandbox}" instead: unknown`;
    const node2 = kit.node('node-2');
    for (const age of [420, 300, 180, 60]) failSandboxBeforeNetwork(node2, pod, error('{sandbox}'), age);
    kit.setSandboxError(kit.stuckPod, `Failed to create pod sandbox: rpc error: code = Unknown desc = ${error('{sandbox}')}`);
  },
});
