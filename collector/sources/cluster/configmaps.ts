import { clusterPaths } from '../../../shared/bundle/paths.js';
import { CONFIGMAPS } from '../../cluster/catalog.js';
import { jsonText, withoutManagedFields, writeApiResult } from '../../cluster/context.js';
import { CONFIGMAP_RULE, redactConfigMap } from '../../cluster/redact.js';
import type { Json } from '../../cluster/scope.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'configmaps',
  scope: 'cluster',
  output:
    'cluster/configmaps/<ns>/<name>.json: the CNI and kube-proxy ConfigMaps (kube-flannel-cfg, cilium-config, calico-config, kube-proxy, kubeadm-config for the cluster and service CIDRs, aws-node, amazon-vpc-cni), values under secret-like key names redacted',
  run: async (ctx) => {
    const wanted = CONFIGMAPS.filter((c) => ctx.settings.evidenceNamespaces.includes(c.namespace));
    await Promise.all(
      wanted.map(async ({ namespace, name }) => {
        const result = await ctx.api.json<Json>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`);
        let redactions = 0;
        const entry = await writeApiResult(ctx, { path: clusterPaths.configMap(namespace, name), sourceId: 'configmaps' }, result, (object) => {
          const { object: redacted, count } = redactConfigMap(withoutManagedFields({ apiVersion: 'v1', kind: 'ConfigMap', ...object }));
          redactions = count;
          return jsonText(redacted);
        });
        // The writer only counts what its content filters replace; this redaction happens before it.
        if (redactions > 0) entry.redactions = { [CONFIGMAP_RULE]: redactions };
      }),
    );
  },
});
