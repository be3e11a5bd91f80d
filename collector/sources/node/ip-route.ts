import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'ip-route',
  scope: 'node',
  output: 'ip route show table all',
  run: [{ kind: 'command', argv: ['ip', 'route', 'show', 'table', 'all'], to: nodePaths.ipRoute(NODE) }],
});
