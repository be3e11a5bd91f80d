import { clusterPaths } from '../../../shared/bundle/paths.js';
import { kubectlListStream, writeApiResult } from '../../cluster/context.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'namespace-pods',
  scope: 'cluster',
  output: 'cluster/<ns>/pods.json: every pod of kube-system and of each CNI namespace that exists (kube-flannel, calico-system, tigera-operator, cilium)',
  run: async (ctx) => {
    await Promise.all(
      ctx.settings.evidenceNamespaces.map(async (ns) =>
        writeApiResult(ctx, { path: clusterPaths.namespacePods(ns), sourceId: 'namespace-pods' }, await ctx.namespacePods(ns), (list) => kubectlListStream(list, 'Pod', 'v1')),
      ),
    );
  },
});
