import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'ip-rule',
  scope: 'node',
  output: 'ip rule (policy routing used by AWS VPC CNI, Cilium and others)',
  run: [{ kind: 'command', argv: ['ip', 'rule'], to: nodePaths.ipRule(NODE) }],
});
