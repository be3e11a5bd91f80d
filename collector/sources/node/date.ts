import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'date',
  scope: 'node',
  output: 'the node clock in UTC, to line up journal times and file mtimes',
  run: [{ kind: 'command', argv: ['date', '-u', '+%Y-%m-%dT%H:%M:%SZ'], to: nodePaths.date(NODE) }],
});
