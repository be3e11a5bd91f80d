import { clusterPaths } from '../../../shared/bundle/paths.js';
import { kubectlListStream, writeApiResult } from '../../cluster/context.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'nodes',
  scope: 'cluster',
  output: 'cluster/nodes.json: every node (podCIDRs, conditions, taints, addresses, kernel, runtime and kubelet versions) as a NodeList',
  run: async (ctx) => {
    await writeApiResult(ctx, { path: clusterPaths.nodes, sourceId: 'nodes' }, ctx.discovery.nodes, (list) => kubectlListStream(list, 'Node', 'v1'));
  },
});
