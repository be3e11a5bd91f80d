import { clusterPaths } from '../../../shared/bundle/paths.js';
import type { ApiFail } from '../../cluster/api.js';
import { isAgentDaemonSet } from '../../cluster/catalog.js';
import { apiSource, recordFailure, type ClusterContext } from '../../cluster/context.js';
import type { ContainerStatusLike, PodObject } from '../../cluster/scope.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

/**
 * The kubelet answers 400 for a log that does not exist (a container still waiting to start, no
 * previous instance): that is a fact about the container, recorded `absent` with the message.
 */
function logFailure(fail: ApiFail): ApiFail {
  if (fail.code === 400 && /waiting to start|not found|is terminated|not available|ContainerCreating|PodInitializing/i.test(fail.message)) return { ...fail, kind: 'absent' };
  return fail;
}

async function collectLog(ctx: ClusterContext, pod: PodObject, container: string, previous: boolean): Promise<void> {
  const { namespace, name } = pod.metadata;
  const target = { path: clusterPaths.containerLog(namespace, name, container, previous), sourceId: 'agent-logs' };
  const query = {
    container,
    timestamps: true,
    tailLines: ctx.settings.tailLines,
    ...(ctx.settings.sinceSeconds !== undefined ? { sinceSeconds: ctx.settings.sinceSeconds } : {}),
    ...(previous ? { previous: true } : {}),
  };
  const result = await ctx.api.stream(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}/log`, { query });
  if (!result.ok) {
    recordFailure(ctx, target, logFailure(result));
    return;
  }
  await ctx.writer.write(
    { path: target.path, sourceId: target.sourceId, node: null, source: apiSource(result), startedAt: result.startedAt, durationMs: result.durationMs },
    result.value,
    { maxBytes: ctx.settings.maxBytes, keep: 'tail' },
  );
}

function restarted(status: ContainerStatusLike | undefined): boolean {
  return (status?.restartCount ?? 0) > 0 || status?.lastState?.terminated !== undefined;
}

export default defineSource<ClusterSourceDefinition>({
  id: 'agent-logs',
  scope: 'cluster',
  output:
    'cluster/logs/<ns>/<pod>/<container>.log (and .previous.log after a restart): logs of the CNI agents and kube-proxy on the nodes in scope, init containers included, with timestamps',
  run: async (ctx) => {
    const nodes = new Set(ctx.scope.nodes);
    const tasks: Array<Promise<void>> = [];
    for (const ns of ctx.settings.evidenceNamespaces) {
      const pods = await ctx.namespacePods(ns);
      // A failed pod list is recorded by namespace-pods; without it there is nothing to pick from.
      if (!pods.ok) continue;
      for (const pod of pods.value.items) {
        if (!pod.spec.nodeName || !nodes.has(pod.spec.nodeName)) continue;
        const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true && o.kind === 'DaemonSet');
        if (!owner || !isAgentDaemonSet(ns, owner.name ?? '')) continue;
        const statuses = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
        for (const container of [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])]) {
          tasks.push(collectLog(ctx, pod, container.name, false));
          if (restarted(statuses.find((s) => s.name === container.name))) tasks.push(collectLog(ctx, pod, container.name, true));
        }
      }
    }
    await Promise.all(tasks);
  },
});
