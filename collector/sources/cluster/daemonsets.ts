import { clusterPaths } from '../../../shared/bundle/paths.js';
import { kubectlListStream, writeApiResult } from '../../cluster/context.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'daemonsets',
  scope: 'cluster',
  output: 'cluster/<ns>/daemonsets.json: the DaemonSets (CNI agents, kube-proxy) of kube-system and each CNI namespace, with their rollout status',
  run: async (ctx) => {
    await Promise.all(
      ctx.settings.evidenceNamespaces.map(async (ns) => {
        const result = await ctx.api.list(`/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/daemonsets`);
        await writeApiResult(ctx, { path: clusterPaths.namespaceDaemonSets(ns), sourceId: 'daemonsets' }, result, (list) => kubectlListStream(list, 'DaemonSet', 'apps/v1'));
      }),
    );
  },
});
