import { nodePaths } from '../../../shared/bundle/paths.js';
import { defineSource, NODE, RELATIVE } from '../define.js';

export default defineSource({
  id: 'cni-plugin-logs',
  scope: 'node',
  output: 'CNI plugins\' own node-side logs under /var/log (Calico CNI, AWS VPC CNI ipamd and plugin, Azure CNI, Multus, Antrea)',
  run: (options) => [
    {
      kind: 'files',
      globs: [
        '/var/log/calico/cni/*',
        '/var/log/aws-routed-eni/*',
        '/var/log/azure-vnet*.log',
        '/var/log/multus*.log',
        '/var/log/antrea/*',
      ],
      base: '/var/log',
      to: nodePaths.varLog(NODE, RELATIVE),
      keep: 'tail',
      maxBytes: Math.min(options.maxBytes, 4 * 1024 * 1024),
      maxFiles: 50,
    },
  ],
});
