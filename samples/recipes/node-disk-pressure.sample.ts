import { at, defineSample, hex64 } from './kit.js';
import { onlyStuckPodFails } from './lib/node-and-look-alikes.js';

/**
 * node-2's root filesystem (which holds /var/lib) is full: containerd cannot write the loopback
 * network's result cache for the stuck pod's sandbox (coreweave-253), the kubelet reports
 * DiskPressure and its image garbage collection finds nothing to free.
 */
export default defineSample({
  name: 'node-disk-pressure',
  description: "node-2's / is 100% full: writing /var/lib/cni/results fails with no space left on device",
  expect: { ruleId: 'node-disk-pressure', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const pod = onlyStuckPodFails(kit);
    const node2 = kit.node('node-2');
    node2.diskUsePercent = 100;
    const apiNode = kit.fixture.nodes.find((n) => n.metadata.name === 'node-2')!;
    const since = at(2400).replace(/\.\d+Z$/, 'Z');
    apiNode.status.conditions = (apiNode.status.conditions ?? []).map((c) =>
      c.type === 'DiskPressure' ? { ...c, status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure', lastTransitionTime: since } : c,
    );
    apiNode.spec.taints = [...(apiNode.spec.taints ?? []), { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule', timeAdded: since }];
    node2.kubelet.push(node2.klog(2390, 'E', 'kubelet.go:1508', '"Image garbage collection failed multiple times in a row" err="failed to garbage collect required amount of images. Attempted to free 7938297036 bytes, but only found 0 bytes eligible to free."'));
    for (const age of [400, 280, 160, 40]) {
      const sandbox = hex64(`failed/node-2/${pod.name}/${age}`);
      node2.failSandbox(pod, `failed to set network "cni-loopback" cached result: write /var/lib/cni/results/cni-loopback-${sandbox}-lo: no space left on device`, age);
    }
    kit.setSandboxError(
      kit.stuckPod,
      'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": failed to set network "cni-loopback" cached result: write /var/lib/cni/results/cni-loopback-{sandbox}-lo: no space left on device',
    );
  },
});
