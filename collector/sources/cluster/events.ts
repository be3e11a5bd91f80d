import { clusterPaths } from '../../../shared/bundle/paths.js';
import { isSandboxEvent } from '../../cluster/catalog.js';
import { kubectlListStream, writeCombined } from '../../cluster/context.js';
import type { EventObject } from '../../cluster/scope.js';
import { defineSource, type ClusterSourceDefinition } from '../define.js';

function eventTime(e: EventObject): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

export default defineSource<ClusterSourceDefinition>({
  id: 'events',
  scope: 'cluster',
  output:
    'cluster/events.json: an EventList of the sandbox and network Warning events cluster-wide, every Warning from the nodes in scope, and all events of the pods in scope, oldest first',
  run: async (ctx) => {
    const { warningEvents, podEvents } = ctx.discovery;
    const scopeUids = new Set(ctx.scope.pods.map((p) => p.pod.metadata.uid).filter((u): u is string => !!u));
    const scopeNodes = new Set(ctx.scope.nodes);
    const kept = new Map<string, EventObject>();
    const keep = (e: EventObject): void => {
      kept.set(e.metadata.uid ?? `${e.metadata.namespace ?? ''}/${e.metadata.name}`, e);
    };
    for (const e of warningEvents.ok ? warningEvents.value.items : []) {
      const host = e.source?.host ?? (e.involvedObject?.kind === 'Node' ? e.involvedObject.name : undefined);
      if (isSandboxEvent(e.reason, e.message) || scopeUids.has(e.involvedObject?.uid ?? '') || (host !== undefined && scopeNodes.has(host))) keep(e);
    }
    for (const result of podEvents) for (const e of result.ok ? result.value.items : []) keep(e);
    const items = [...kept.values()].sort((a, b) => eventTime(a) - eventTime(b));
    const list = kubectlListStream(warningEvents.ok ? warningEvents.value : null, 'Event', 'v1', items);
    await writeCombined(ctx, { path: clusterPaths.events, sourceId: 'events' }, [warningEvents, ...podEvents], list);
  },
});
