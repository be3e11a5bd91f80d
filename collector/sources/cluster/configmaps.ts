import { clusterPaths } from '../../../shared/bundle/paths.js';
import { CONFIGMAPS } from '../../cluster/catalog.js';
import { jsonText, withoutManagedFields, writeApiResult } from '../../cluster/context.js';
import type { Json } from '../../cluster/scope.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'configmaps',
  scope: 'cluster',
  output:
    'cluster/configmaps/<ns>/<name>.json: the CNI and kube-proxy ConfigMaps (kube-flannel-cfg, cilium-config, calico-config, kube-proxy, kubeadm-config for the cluster and service CIDRs, aws-node, amazon-vpc-cni), redacted by the bundle redaction filter (shared/redact) unless --no-redact',
  run: async (ctx) => {
    const wanted = CONFIGMAPS.filter((c) => ctx.settings.evidenceNamespaces.includes(c.namespace));
    await Promise.all(
      wanted.map(async ({ namespace, name }) => {
        const result = await ctx.api.json<Json>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`);
        // Secrets in data keys, embedded YAML and annotations are replaced (and counted) by the
        // writer's redaction filter, like every other artifact.
        await writeApiResult(ctx, { path: clusterPaths.configMap(namespace, name), sourceId: 'configmaps' }, result, (object) =>
          jsonText(withoutManagedFields({ apiVersion: 'v1', kind: 'ConfigMap', ...object })),
        );
      }),
    );
  },
});
