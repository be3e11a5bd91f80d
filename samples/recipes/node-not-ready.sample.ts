import { defineSample } from './kit.js';
import { nodeCollectionFailed, nodeStoppedReporting } from './lib/node-and-look-alikes.js';

/**
 * node-3 went dark 25 minutes before the collection: its kubelet stopped posting status, the node
 * controller tainted it unreachable, and the collector pod never started there, so the bundle has
 * no node evidence for it, only the manifest's timeouts.
 */
export default defineSample({
  name: 'node-not-ready',
  description: 'node-3: Kubelet stopped posting node status; its node collection timed out',
  expect: { ruleId: 'node-not-ready', pod: null, node: 'node-3' },
  build(kit) {
    kit.heal();
    kit.scope = ['default/web-7r2rngql75-6w8j6', 'default/web-7r2rngql75-f8scb'];
    nodeStoppedReporting(kit, 'node-3');
    nodeCollectionFailed(kit.node('node-3'), 'timeout', 'node pod not running after 120s (Pending; node NotReady: Kubelet stopped posting node status.)');
  },
});
