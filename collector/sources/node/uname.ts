import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'uname',
  scope: 'node',
  output: 'uname -a: kernel release (eBPF CNIs need recent kernels)',
  run: [{ kind: 'command', argv: ['uname', '-a'], to: nodePaths.uname(NODE) }],
});
