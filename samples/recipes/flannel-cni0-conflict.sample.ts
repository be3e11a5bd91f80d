import { defineSample } from './kit.js';

/**
 * The README's demo: a three-node kubeadm cluster where node-2 was re-registered with a new
 * podCIDR; cni0 there keeps the old gateway and flannel's DaemonSet pod crash-loops.
 */
export default defineSample({
  name: 'flannel-cni0-conflict',
  description: 'node-2 got podCIDR 10.244.1.0/24 but cni0 still holds 10.244.5.1/24 from before it re-registered',
  expect: { ruleId: 'podcidr-mismatch', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    const node2 = kit.node('node-2');
    node2.cni0 = '10.244.5.1/24';
    const pod = kit.stuckPod;
    const ref = { namespace: pod.metadata.namespace!, name: pod.metadata.name, uid: pod.metadata.uid! };
    for (const age of [420, 300, 180, 60]) {
      node2.failSandbox(ref, 'plugin type="flannel" failed (add): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24', age);
    }
  },
});
