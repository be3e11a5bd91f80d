import { nodePaths } from '../../../shared/bundle/paths.js';
import { BASENAME, defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'cni-flannel-cache',
  scope: 'node',
  output: 'the delegate configs flannel\'s CNI plugin stores per container in /var/lib/cni/flannel/*',
  run: [{ kind: 'files', globs: ['/var/lib/cni/flannel/*'], to: nodePaths.flannelCache(NODE, BASENAME), maxBytes: 256 * 1024 }],
});
