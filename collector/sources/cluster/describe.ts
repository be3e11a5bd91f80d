import { clusterPaths } from '../../../shared/bundle/paths.js';
import { describePod, eventsOfPod, type EventLike } from '../../cluster/describe.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

export default defineSource<ClusterSourceDefinition>({
  id: 'describe',
  scope: 'cluster',
  output: 'cluster/describe/<ns>/<pod>.txt: `kubectl describe pod` text of each pod in scope, rendered from its JSON and events',
  run: async (ctx) => {
    const { warningEvents, podEvents } = ctx.discovery;
    const events: EventLike[] = [...(warningEvents.ok ? warningEvents.value.items : []), ...podEvents.flatMap((r) => (r.ok ? r.value.items : []))];
    const from = ['cluster/pods.json', 'cluster/events.json'];
    for (const { pod } of ctx.scope.pods) {
      const started = Date.now();
      const text = describePod(pod, eventsOfPod(pod, events), ctx.now);
      await ctx.writer.write(
        { path: clusterPaths.describe(pod.metadata.namespace, pod.metadata.name), sourceId: 'describe', node: null, source: { kind: 'derived', from }, startedAt: new Date(started), durationMs: Date.now() - started },
        text,
      );
    }
  },
});
