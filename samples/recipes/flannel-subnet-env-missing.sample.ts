import { defineSample } from './kit.js';
import { failStuckPod, flannelPodOn, healAgent, LO, nic, setAgentState, writeIp } from './lib/agents.js';

/**
 * kubelet#46: node-2 rebooted (so /run, a tmpfs, lost flannel's subnet.env) and its flannel pod
 * cannot start again: the registry is unreachable from node-2 and the install-cni-plugin image
 * was garbage-collected. Until flanneld runs and rewrites /run/flannel/subnet.env, every sandbox
 * ADD on node-2 fails in the flannel plugin.
 */
export default defineSample({
  name: 'flannel-subnet-env-missing',
  description: 'node-2 rebooted and its flannel pod is stuck pulling an init image, so /run/flannel/subnet.env was never rewritten',
  expect: { ruleId: 'flannel-subnet-env-missing', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const flannel = flannelPodOn(kit, 'node-2');
    healAgent(kit, flannel);
    setAgentState(kit, flannel, 'kube-flannel', { state: 'image-pull', initContainer: 'install-cni-plugin' });
    delete kit.fixture.logs[`kube-flannel/${flannel.metadata.name}/kube-flannel`];
    const node2 = kit.node('node-2');
    node2.subnetEnv = null;
    // After the reboot flannel.1 and cni0 are gone too: flanneld and the bridge plugin create them.
    writeIp(node2, [LO, nic(node2)]);
    failStuckPod(kit, 'plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory');
  },
});
