import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'ip-link',
  scope: 'node',
  output: 'ip -d link: interface types, MTUs, masters and states',
  run: [{ kind: 'command', argv: ['ip', '-d', 'link'], to: nodePaths.ipLink(NODE) }],
});
