import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'flannel-subnet-env',
  scope: 'node',
  output: '/run/flannel/subnet.env (absent is evidence too: flannel\'s plugin fails without it)',
  run: [
    { kind: 'files', globs: ['/run/flannel/subnet.env'], to: nodePaths.flannelSubnetEnv(NODE), absent: nodePaths.flannelSubnetEnv(NODE), maxBytes: 64 * 1024 },
  ],
});
