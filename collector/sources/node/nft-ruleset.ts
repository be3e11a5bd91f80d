import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'nft-ruleset',
  scope: 'node',
  output: 'nft list ruleset (the nf_tables view, including iptables-nft tables)',
  run: [{ kind: 'command', argv: ['nft', 'list', 'ruleset'], to: nodePaths.nftRuleset(NODE), maxBytes: 16 * 1024 * 1024 }],
});
