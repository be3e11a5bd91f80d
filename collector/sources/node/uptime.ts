import { defineSource, NODE } from '../define.js';
import { nodePaths } from '../../../shared/bundle/paths.js';

export default defineSource({
  id: 'uptime',
  scope: 'node',
  output: '/proc/uptime: when the node booted, to compare with cache and reservation file times',
  run: [{ kind: 'command', argv: ['cat', '/proc/uptime'], to: nodePaths.uptime(NODE) }],
});
