import { clusterPaths } from '../../../shared/bundle/paths.js';
import { jsonText, writeApiResult } from '../../cluster/context.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'server-version',
  scope: 'cluster',
  output: 'cluster/version.json: the API server version (GET /version)',
  run: async (ctx) => {
    await writeApiResult(ctx, { path: clusterPaths.version, sourceId: 'server-version' }, ctx.discovery.version, (v) => jsonText(v));
  },
});
