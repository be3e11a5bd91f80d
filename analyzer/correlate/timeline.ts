/**
 * The per-pod story across sources (event → kubelet → runtime → CNI plugin → node state), and
 * each node's clock offset: node times are shown as recorded, never silently shifted.
 */
import type { Evidence } from '../evidence/types.js';
import type { ClockSkew, TimelineEntry, TimelineSource } from '../model.js';
import type { LogRecordBase } from '../parsers/index.js';
import { nodePaths } from '../../shared/bundle/paths.js';
import { citationOf, type Symptom } from './symptoms.js';

const STAGE_SOURCE: Record<string, TimelineSource> = {
  event: 'event',
  kubelet: 'kubelet',
  runtime: 'runtime',
  'cni-plugin': 'cni-plugin',
  'cni-agent': 'cni-agent',
  'node-state': 'node',
  'cluster-state': 'event',
};

const MAX_PER_SOURCE_FILE = 200;

function logEntries(records: readonly LogRecordBase[], node: string | null, pod: string | null, source: TimelineSource): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const record of records) {
    if (!record.timestamp || (record.severity !== 'error' && record.severity !== 'warning')) continue;
    out.push({
      time: record.timestamp,
      node,
      pod: record.pod ? `${record.pod.namespace ?? 'default'}/${record.pod.name}` : pod,
      source,
      severity: record.severity === 'error' ? 'error' : 'warning',
      text: record.message.length > 500 ? `${record.message.slice(0, 500)}…` : record.message,
      citation: citationOf(record),
    });
    if (out.length >= MAX_PER_SOURCE_FILE) break;
  }
  return out;
}

export function buildTimeline(evidence: Evidence, symptoms: readonly Symptom[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const cited = new Set<string>();
  for (const s of symptoms) {
    if (!s.time) continue;
    cited.add(`${s.citation.file}:${s.citation.line}`);
    entries.push({
      time: s.time,
      node: s.node,
      pod: s.pod,
      source: STAGE_SOURCE[s.stage] ?? 'event',
      severity: s.stage === 'event' ? 'warning' : 'error',
      text: s.message.length > 500 ? `${s.message.slice(0, 500)}…` : s.message,
      citation: s.citation,
    });
  }
  for (const event of evidence.cluster.events) {
    if (!event.time || event.type !== 'Warning' || cited.has(`${event.file}:${event.line}`)) continue;
    entries.push({
      time: event.time,
      node: event.source.host ?? null,
      pod: event.involvedObject.kind === 'Pod' && event.involvedObject.name ? `${event.involvedObject.namespace ?? 'default'}/${event.involvedObject.name}` : null,
      source: 'event',
      severity: 'warning',
      text: `${event.reason ?? ''}: ${event.message}`,
      citation: citationOf(event, `${event.reason ?? ''} ${event.message}`),
    });
  }
  for (const log of evidence.cluster.agentLogs) {
    const node = evidence.cluster.pods.find((p) => p.namespace === log.namespace && p.name === log.pod)?.nodeName ?? null;
    entries.push(...logEntries(log.records, node, null, 'cni-agent').filter((e) => !cited.has(`${e.citation.file}:${e.citation.line}`)));
  }
  for (const node of evidence.nodes.values()) {
    for (const log of node.logs.values()) entries.push(...logEntries(log.records, node.name, null, 'cni-plugin').filter((e) => !cited.has(`${e.citation.file}:${e.citation.line}`)));
  }
  // Times parsed once, not twice per comparison: a big bundle has tens of thousands of entries.
  const keyed = entries.map((entry) => ({ entry, at: Date.parse(entry.time) }));
  keyed.sort((a, b) => a.at - b.at || a.entry.citation.file.localeCompare(b.entry.citation.file) || a.entry.citation.line - b.entry.citation.line);
  return keyed.map((k) => k.entry);
}

/**
 * The node's `date` output against the collector's clock when it ran the command. Under
 * `collect --node-only` both are the node's clock, so only cluster collections show real skew.
 */
export function clockSkew(evidence: Evidence): ClockSkew[] {
  const out: ClockSkew[] = [];
  for (const node of evidence.nodes.values()) {
    const path = nodePaths.date(node.name);
    const artifact = evidence.artifacts.get(path);
    const text = node.texts.get('system/date.txt')?.text.trim();
    if (!artifact || !text) continue;
    const nodeTime = Date.parse(text.split('\n')[0]!.replace(/^(\w{3}) (\w{3}) +(\d+) (\d\d:\d\d:\d\d) (\w+) (\d{4})$/, '$2 $3 $6 $4 $5'));
    const collectorTime = Date.parse(artifact.startedAt) + artifact.durationMs / 2;
    if (Number.isNaN(nodeTime) || Number.isNaN(collectorTime)) continue;
    const offsetSeconds = Math.round((nodeTime - collectorTime) / 1000);
    out.push({ node: node.name, offsetSeconds, basis: `${path} against the collector's clock (manifest startedAt)` });
  }
  return out;
}
