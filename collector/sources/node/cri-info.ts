import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, HOST_ROOT, NODE } from '../define.js';

export default defineSource({
  id: 'cri-info',
  scope: 'node',
  output: 'crictl info: the runtime\'s own view of CNI (NetworkReady, lastCNILoadStatus, loaded networks, bin and conf dirs)',
  run: [
    {
      kind: 'command',
      argv: ['crictl', 'info'],
      fallbacks: [
        ['k3s', 'crictl', 'info'],
        [`${HOST_ROOT}/var/lib/rancher/rke2/bin/crictl`, '--config', `${HOST_ROOT}/var/lib/rancher/rke2/agent/etc/crictl.yaml`, 'info'],
      ],
      to: nodePaths.criInfo(NODE),
      maxBytes: 16 * 1024 * 1024,
    },
  ],
});
