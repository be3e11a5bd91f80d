import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'ip-addr',
  scope: 'node',
  output: 'ip -d addr: every interface with its addresses (cni0, flannel.1, veths) and driver details',
  run: [{ kind: 'command', argv: ['ip', '-d', 'addr'], to: nodePaths.ipAddr(NODE) }],
});
