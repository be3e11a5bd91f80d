import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'conntrack-stats',
  scope: 'node',
  output: 'conntrack -S: per-cpu conntrack counters (insert_failed, drop)',
  run: [{ kind: 'command', argv: ['conntrack', '-S'], to: nodePaths.conntrackStats(NODE) }],
});
