import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, HOST_ROOT, NODE } from '../define.js';

export default defineSource({
  id: 'cri-pods',
  scope: 'node',
  output: 'crictl pods -o json: every pod sandbox the runtime knows, with its state (NotReady ones are the stuck ones)',
  run: [
    {
      kind: 'command',
      argv: ['crictl', 'pods', '-o', 'json'],
      // k3s ships crictl as a subcommand; rke2 ships it beside its own crictl.yaml.
      fallbacks: [
        ['k3s', 'crictl', 'pods', '-o', 'json'],
        [`${HOST_ROOT}/var/lib/rancher/rke2/bin/crictl`, '--config', `${HOST_ROOT}/var/lib/rancher/rke2/agent/etc/crictl.yaml`, 'pods', '-o', 'json'],
      ],
      to: nodePaths.criPods(NODE),
      maxBytes: 16 * 1024 * 1024,
    },
  ],
});
