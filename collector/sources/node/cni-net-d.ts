import { nodePaths } from '../../../shared/bundle/paths.js';
import { BASENAME, defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'cni-net-d',
  scope: 'node',
  output: 'every file in /etc/cni/net.d verbatim (empty, invalid and unreadable ones too) and its listing',
  run: [
    { kind: 'listing', dir: '/etc/cni/net.d', to: nodePaths.netDListing(NODE), depth: 2 },
    // The runtime loads the lexically first valid file; every file matters, so none is capped low.
    { kind: 'files', globs: ['/etc/cni/net.d/*'], to: nodePaths.netD(NODE, BASENAME), maxBytes: 1024 * 1024 },
  ],
});
