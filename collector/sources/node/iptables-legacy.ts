import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'iptables-legacy',
  scope: 'node',
  output: 'iptables-legacy-save: rules in the legacy x_tables backend (a second ruleset the nft view does not show)',
  run: [{ kind: 'command', argv: ['iptables-legacy-save'], to: nodePaths.iptablesLegacySave(NODE), maxBytes: 16 * 1024 * 1024 }],
});
