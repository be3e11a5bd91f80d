import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'iptables-nft',
  scope: 'node',
  output: 'iptables-save of the nf_tables backend; its stderr keeps "iptables-legacy tables present", the mixed-backend signal',
  run: [
    { kind: 'command', argv: ['iptables-nft-save'], fallbacks: [['iptables-save']], to: nodePaths.iptablesSave(NODE), maxBytes: 16 * 1024 * 1024 },
  ],
});
