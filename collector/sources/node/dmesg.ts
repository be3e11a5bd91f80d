import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'dmesg',
  scope: 'node',
  output: 'kernel log tail (OOM kills, netfilter and bridge messages)',
  run: [{ kind: 'command', argv: ['dmesg'], to: nodePaths.dmesg(NODE), keep: 'tail', maxBytes: 1024 * 1024 }],
});
