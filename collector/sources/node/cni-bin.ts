import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'cni-bin',
  scope: 'node',
  output: '/opt/cni/bin listing with size, mode and sha256 of each plugin, and each plugin\'s CNI VERSION answer',
  run: [
    { kind: 'listing', dir: '/opt/cni/bin', to: nodePaths.binListing(NODE), withSha256: true, versionsTo: nodePaths.binVersions(NODE), versionsSkip: ['install', 'calico-install'] },
  ],
});
