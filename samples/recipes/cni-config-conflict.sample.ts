import { defineSample, FLANNEL_CONFLIST } from './kit.js';
import { CONTAINERD_NET_CONFLIST, failStuck, healFlannelOn, setCriInfo, setNetD } from './lib/config-and-runtime.js';

/**
 * node-2 was re-imaged and containerd reinstalled by following its getting-started guide, which
 * drops 10-containerd-net.conflist into /etc/cni/net.d. It sorts before flannel's
 * 10-flannel.conflist ("c" < "f"), so new pods get containerd's bridge on cni0 with 10.88.0.0/16,
 * and the bridge plugin refuses: cni0 already carries flannel's 10.244.1.1/24.
 */
export default defineSample({
  name: 'cni-config-conflict',
  description: "10-containerd-net.conflist from containerd's install guide shadows 10-flannel.conflist on node-2: pods get containerd's bridge network, which clashes with flannel's cni0",
  expect: { ruleId: 'cni-config-conflict', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    healFlannelOn(kit, 'node-2');
    const node2 = kit.node('node-2');
    setNetD(node2, [
      { name: '10-containerd-net.conflist', text: CONTAINERD_NET_CONFLIST, secondsBefore: 2 * 86_400 + 3_600 },
      { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 2 * 86_400 + 2_900 },
    ]);
    setCriInfo(node2, { networks: [['containerd-net', '1.0.0', ['bridge', 'portmap']]] });
    failStuck(kit, 'plugin type="bridge" failed (add): failed to set bridge addr: "cni0" already has an IP address different from 10.88.0.1/16');
  },
});
