import { clusterPaths } from '../../../shared/bundle/paths.js';
import { kubectlListStream, writeCombined } from '../../cluster/context.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'pods-in-scope',
  scope: 'cluster',
  output: 'cluster/pods.json: the pods in scope (stuck in ContainerCreating, named by sandbox events, --pod or --selector) as a PodList',
  run: async (ctx) => {
    const list = kubectlListStream(null, 'Pod', 'v1', ctx.scope.pods.map((p) => p.pod));
    await writeCombined(ctx, { path: clusterPaths.pods, sourceId: 'pods-in-scope' }, ctx.discovery.podQueries, list);
  },
});
