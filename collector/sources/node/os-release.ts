import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'os-release',
  scope: 'node',
  output: '/etc/os-release (distribution and version)',
  run: [{ kind: 'files', globs: ['/etc/os-release'], to: nodePaths.osRelease(NODE), absent: nodePaths.osRelease(NODE), maxBytes: 64 * 1024 }],
});
