import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, FLAT, HOST_ROOT, NODE } from '../define.js';

export default defineSource({
  id: 'runtime-config',
  scope: 'node',
  output: 'containerd and CRI-O configuration (files and the effective dump) for the CNI bin_dir, conf_dir and sandbox image',
  run: [
    {
      kind: 'files',
      globs: ['/etc/containerd/config.toml', '/etc/containerd/conf.d/*', '/etc/crio/crio.conf', '/etc/crio/crio.conf.d/*'],
      to: nodePaths.runtimeConfig(NODE, FLAT),
      maxBytes: 1024 * 1024,
    },
    {
      kind: 'command',
      // The effective config (defaults filled in), read from the node's file even under --host-root.
      argv: ['containerd', '--config', `${HOST_ROOT}/etc/containerd/config.toml`, 'config', 'dump'],
      to: nodePaths.runtimeConfig(NODE, 'containerd-config-dump.toml'),
    },
    { kind: 'command', argv: ['crio', 'config'], to: nodePaths.runtimeConfig(NODE, 'crio-config.toml') },
  ],
});
