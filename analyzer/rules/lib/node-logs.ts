/**
 * Log lines that belong to one node, wherever the bundle keeps them: the node's journals (kubelet,
 * containerd, crio, flanneld…), its CNI plugin logs under /var/log, and the container logs of the
 * CNI agent pods scheduled on it (calico-node, kube-flannel, cilium-agent, aws-node).
 */
import type { AgentLog, NodeEvidence } from '../../evidence/types.js';
import type { LogRecordBase, LogSeverity } from '../../parsers/index.js';
import type { RuleContext } from '../define.js';

export interface LogHit {
  record: LogRecordBase;
  file: string;
  /** Where the line comes from, for messages: `kubelet journal`, `calico-node log (calico-system/calico-node-x)`. */
  where: string;
  /** The message and its structured fields, as one searchable text. */
  text: string;
}

/** Message plus fields: logfmt/calico lines keep the interesting part (`error=exit status 4`) in fields. */
// Every rule that searches logs asks for the same text; records are not changed after loading.
const RECORD_TEXT = new WeakMap<LogRecordBase, string>();

export function recordText(record: LogRecordBase): string {
  const cached = RECORD_TEXT.get(record);
  if (cached !== undefined) return cached;
  const fields = Object.entries(record.fields)
    .filter(([k]) => !/^(time|ts|timestamp|level|lvl|msg|message|caller|logger)$/i.test(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const text = fields ? `${record.message} ${fields}` : record.message;
  RECORD_TEXT.set(record, text);
  return text;
}

/** Agent container logs of the pods that run on `node` (by the pod's spec.nodeName). */
export function agentLogsOnNode(ctx: RuleContext, node: string): AgentLog[] {
  return ctx.evidence.cluster.agentLogs.filter((log) => ctx.evidence.cluster.pods.some((p) => p.namespace === log.namespace && p.name === log.pod && p.nodeName === node));
}

export interface LogSearch {
  /** Severities to keep; default error and warning. */
  severities?: readonly LogSeverity[];
  /** Skip these citations (`file:line`), e.g. lines already counted as symptoms. */
  exclude?: ReadonlySet<string>;
  /** Lines matching this are not hits even when `pattern` matches. */
  unless?: RegExp;
  /** Stop after this many hits. */
  limit?: number;
}

/** Every kept log line of a node (journals, node logs, agent logs on it) whose text matches. */
export function logHits(ctx: RuleContext, node: string, pattern: RegExp, search: LogSearch = {}): LogHit[] {
  const severities = new Set<LogSeverity>(search.severities ?? ['error', 'warning']);
  const limit = search.limit ?? 50;
  const hits: LogHit[] = [];
  const consider = (record: LogRecordBase, file: string, where: string): boolean => {
    if (!severities.has(record.severity)) return true;
    if (search.exclude?.has(`${file}:${record.line}`)) return true;
    const text = recordText(record);
    if (!pattern.test(text) || search.unless?.test(text)) return true;
    hits.push({ record, file, where, text });
    return hits.length < limit;
  };
  const evidence: NodeEvidence | undefined = ctx.evidence.nodes.get(node);
  if (evidence) {
    for (const [unit, log] of evidence.journals) {
      for (const record of log.records) {
        if (record.kind !== 'journal-entry') continue;
        if (!consider(record, log.file, `${unit} journal`)) return hits;
      }
    }
    for (const log of evidence.logs.values()) {
      for (const record of log.records) if (!consider(record, log.file, log.file.replace(/^nodes\/[^/]+\/logs\//, '/var/log/'))) return hits;
    }
  }
  for (const log of agentLogsOnNode(ctx, node)) {
    for (const record of log.records) if (!consider(record, log.file, `${log.container} log (${log.namespace}/${log.pod}${log.previous ? ', previous container' : ''})`)) return hits;
  }
  return hits;
}

/** `<ns>/<name>` of the pods named by symptoms, without duplicates. */
export function podsOf(symptoms: readonly { pod: string | null }[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))].sort();
}

/** `file:line` keys, to exclude lines already cited as symptoms from a log search. */
export function citationKeys(items: readonly { citation: { file: string; line: number } }[]): Set<string> {
  return new Set(items.map((i) => `${i.citation.file}:${i.citation.line}`));
}

/**
 * How many failed attempts the symptoms stand for: one event carries a count, and each attempt
 * also leaves kubelet and runtime lines, so lines are not attempts.
 */
export function attemptCount(symptoms: readonly { stage: string; count: number; sandboxId?: string }[]): number {
  const events = symptoms.filter((s) => s.stage === 'event');
  if (events.length > 0) return events.reduce((n, s) => n + Math.max(1, s.count), 0);
  const sandboxes = new Set(symptoms.map((s) => s.sandboxId).filter((id): id is string => id !== undefined));
  return sandboxes.size > 0 ? sandboxes.size : symptoms.length;
}

const STAGE_PREFERENCE = ['event', 'runtime', 'kubelet', 'cni-plugin', 'cni-agent', 'node-state', 'cluster-state'];

/**
 * Up to `max` symptoms to cite, one per source first (the event the user saw, then the runtime's
 * own line, then the kubelet's), so a finding shows the failure at each layer instead of repeats.
 */
export function representative<S extends { stage: string }>(symptoms: readonly S[], max = 2): S[] {
  const out: S[] = [];
  for (const stage of STAGE_PREFERENCE) {
    const s = symptoms.find((x) => x.stage === stage);
    if (s && out.length < max) out.push(s);
  }
  for (const s of symptoms) if (out.length < max && !out.includes(s)) out.push(s);
  return out;
}
