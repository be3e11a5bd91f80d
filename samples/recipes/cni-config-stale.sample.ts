import { defineSample, FLANNEL_CONFLIST } from './kit.js';
import { CILIUM_LEFTOVER_CONFLIST, failStuck, healFlannelOn, setCriInfo, setNetD } from './lib/config-and-runtime.js';

/**
 * cilium#27715-style: Cilium was tried on node-2 and uninstalled with helm while node-2 was
 * cordoned, so its agent never ran the cleanup. 05-cilium.conflist still sorts before flannel's
 * 10-flannel.conflist, and cilium-cni has no agent to talk to. Flannel itself is healthy.
 */
export default defineSample({
  name: 'cni-config-stale',
  description: 'a 05-cilium.conflist left on node-2 by an uninstalled Cilium sorts before 10-flannel.conflist: cilium-cni cannot reach an agent that no longer exists',
  expect: { ruleId: 'cni-config-stale', pod: 'default/web-7r2rngql75-6w8j6', node: 'node-2' },
  build(kit) {
    healFlannelOn(kit, 'node-2');
    const node2 = kit.node('node-2');
    setNetD(node2, [
      { name: '05-cilium.conflist', text: CILIUM_LEFTOVER_CONFLIST, secondsBefore: 9 * 86_400 },
      { name: '10-flannel.conflist', text: FLANNEL_CONFLIST, secondsBefore: 41 * 86_400 },
    ]);
    node2.binPlugins = [...node2.binPlugins, 'cilium-cni'].sort();
    const agentGone =
      'plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory';
    setCriInfo(node2, { networks: [['cilium', '0.3.1', ['cilium-cni']]] });
    failStuck(kit, `${agentGone}\nIs the agent running?`);
  },
});
