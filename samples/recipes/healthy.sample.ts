import { defineSample } from './kit.js';

export default defineSample({
  name: 'healthy',
  description: 'A healthy three-node flannel cluster: every pod running, every node consistent',
  expect: { ruleId: '', pod: null, node: null },
  build(kit) {
    kit.heal();
    kit.scope = ['default/web-7r2rngql75-6w8j6', 'default/web-7r2rngql75-f8scb'];
  },
});
