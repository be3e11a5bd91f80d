import { defineSource, NODE } from '../define.js';
import { nodePaths } from '../../../shared/bundle/paths.js';

export default defineSource({
  id: 'netns',
  scope: 'node',
  output: 'listing of /run/netns (sandbox network namespaces; reservations without one are leaks)',
  run: [{ kind: 'listing', dir: '/run/netns', to: nodePaths.netnsListing(NODE) }],
});
