import { nodePaths } from '../../../shared/bundle/paths.js';
import { BASENAME, defineSource, NODE, PARENT } from '../define.js';

export default defineSource({
  id: 'cni-networks',
  scope: 'node',
  output: 'host-local IPAM reservations /var/lib/cni/networks/<net>/* (one file per reserved IP, holding the container id) and their listing',
  run: [
    { kind: 'listing', dir: '/var/lib/cni/networks', to: nodePaths.networksListing(NODE), depth: 2 },
    { kind: 'files', globs: ['/var/lib/cni/networks/*/*'], to: nodePaths.network(NODE, PARENT, BASENAME), maxBytes: 64 * 1024, maxFiles: 2000 },
  ],
});
