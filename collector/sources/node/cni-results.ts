import { nodePaths } from '../../../shared/bundle/paths.js';
import { BASENAME, defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'cni-results',
  scope: 'node',
  output: 'libcni result cache /var/lib/cni/results/* (zero-byte and invalid files included) and its listing',
  run: [
    { kind: 'listing', dir: '/var/lib/cni/results', to: nodePaths.resultsListing(NODE) },
    // A 0-byte file here is the evidence behind "failed to get network ... cached result: unexpected end of JSON input".
    { kind: 'files', globs: ['/var/lib/cni/results/*'], to: nodePaths.result(NODE, BASENAME), maxBytes: 1024 * 1024 },
  ],
});
