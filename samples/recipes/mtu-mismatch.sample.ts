import { defineSample } from './kit.js';

/**
 * node-3 was added from another rack whose network carries 1450-byte frames. flannel sized
 * flannel.1 before the NIC's MTU was lowered, so it kept 1450: VXLAN packets of 1500 bytes leave
 * a 1450-byte NIC, and node-1/node-2 send node-3 1500-byte packets it cannot take. Nothing fails
 * to start; large transfers to and from pods on node-3 hang.
 */
export default defineSample({
  name: 'mtu-mismatch',
  description: 'node-3 sits on a 1450-MTU network (eth0 1450) but flannel.1 and cni0 stay at 1450',
  expect: { ruleId: 'mtu-mismatch', pod: null, node: 'node-3' },
  build(kit) {
    kit.heal();
    kit.scope = ['default/web-7r2rngql75-6w8j6', 'default/web-7r2rngql75-f8scb'];
    kit.node('node-3').mtu = { eth0: 1450, flannel: 1450, cni0: 1450 };
  },
});
