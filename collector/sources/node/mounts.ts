import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE } from '../define.js';

export default defineSource({
  id: 'mounts',
  scope: 'node',
  output: 'the mount table of the node\'s init process (is /sys/fs/bpf a bpf fs, is /var/lib/cni on tmpfs)',
  // PID 1's view, not ours: a collector pod has its own mount namespace, the host's init does not.
  run: [{ kind: 'command', argv: ['cat', '/proc/1/mounts'], to: nodePaths.mounts(NODE) }],
});
