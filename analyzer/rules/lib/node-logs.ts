/**
 * Log lines that belong to one node, wherever the bundle keeps them: the node's journals (kubelet,
 * containerd, crio, flanneld…), its CNI plugin logs under /var/log, and the container logs of the
 * CNI agent pods scheduled on it (calico-node, kube-flannel, cilium-agent, aws-node).
 */
import type { AgentLog, Evidence, NodeEvidence } from '../../evidence/types.js';
import type { LogRecordBase, LogSeverity } from '../../parsers/index.js';
import type { RuleContext } from '../define.js';
import { mayMatch, prefilterOf } from './prefilter.js';

export interface LogHit {
  record: LogRecordBase;
  file: string;
  /** Where the line comes from, for messages: `kubelet journal`, `calico-node log (calico-system/calico-node-x)`. */
  where: string;
  /** The message and its structured fields, as one searchable text. */
  text: string;
}

const SKIPPED_FIELD = /^(time|ts|timestamp|level|lvl|msg|message|caller|logger)$/i;

/** Message plus fields: logfmt/calico lines keep the interesting part (`error=exit status 4`) in fields. */
export function recordText(record: LogRecordBase): string {
  // `k=v` of the other fields in key order, joined by spaces (one string, no arrays per record).
  let fields = '';
  for (const k of Object.keys(record.fields)) {
    if (SKIPPED_FIELD.test(k)) continue;
    fields = fields ? `${fields} ${k}=${record.fields[k]}` : `${k}=${record.fields[k]}`;
  }
  return fields ? `${record.message} ${fields}` : record.message;
}

/** Agent container logs of the pods that run on `node` (by the pod's spec.nodeName). */
export function agentLogsOnNode(ctx: RuleContext, node: string): AgentLog[] {
  return ctx.evidence.cluster.agentLogs.filter((log) => ctx.evidence.cluster.pods.some((p) => p.namespace === log.namespace && p.name === log.pod && p.nodeName === node));
}

/** Where a line comes from: its file and, for messages, how to name it. */
interface LineSource {
  readonly file: string;
  readonly where: string;
}

/** Kept log lines as parallel arrays (no object per line): record, searched text, source. */
interface Lines {
  readonly records: LogRecordBase[];
  /** `recordText` of each record, built once per analysis. */
  readonly texts: string[];
  readonly sources: LineSource[];
}

interface NodeIndex {
  /** Every line, in `logHits` order. */
  all: Lines;
  /** The lines of some severities (same order), by the sorted severities. */
  bySeverities: Map<string, Lines>;
}

/**
 * Per analysis (rules/run.ts resets it), per node: the lines `logHits` searches, in its order
 * (journals, node logs, agent logs of the pods on the node). Every rule that searches a node's logs
 * used to rebuild the message+fields text of every record and to walk every line of every
 * severity; now the first one builds the texts, for all, and the lines are kept by severity.
 */
const LOG_INDEX = new WeakMap<Evidence, Map<string, NodeIndex>>();

/** Forget the indexed lines of this evidence: the next rule run indexes them afresh. */
export function resetLogIndex(evidence: Evidence): void {
  LOG_INDEX.delete(evidence);
}

function nodeIndex(ctx: RuleContext, node: string): NodeIndex {
  let byNode = LOG_INDEX.get(ctx.evidence);
  if (!byNode) LOG_INDEX.set(ctx.evidence, (byNode = new Map()));
  let index = byNode.get(node);
  if (index) return index;
  const all: Lines = { records: [], texts: [], sources: [] };
  const add = (record: LogRecordBase, source: LineSource) => {
    all.records.push(record);
    all.texts.push(recordText(record));
    all.sources.push(source);
  };
  const evidence: NodeEvidence | undefined = ctx.evidence.nodes.get(node);
  if (evidence) {
    for (const [unit, log] of evidence.journals) {
      const source = { file: log.file, where: `${unit} journal` };
      for (const record of log.records) if (record.kind === 'journal-entry') add(record, source);
    }
    for (const log of evidence.logs.values()) {
      const source = { file: log.file, where: log.file.replace(/^nodes\/[^/]+\/logs\//, '/var/log/') };
      for (const record of log.records) add(record, source);
    }
  }
  for (const log of agentLogsOnNode(ctx, node)) {
    const source = { file: log.file, where: `${log.container} log (${log.namespace}/${log.pod}${log.previous ? ', previous container' : ''})` };
    for (const record of log.records) add(record, source);
  }
  index = { all, bySeverities: new Map() };
  byNode.set(node, index);
  return index;
}

/** The node's lines of these severities, in `logHits` order. */
function nodeLines(ctx: RuleContext, node: string, severities: ReadonlySet<LogSeverity>): Lines {
  const index = nodeIndex(ctx, node);
  const key = [...severities].sort().join(',');
  let lines = index.bySeverities.get(key);
  if (!lines) {
    const { records, texts, sources } = index.all;
    lines = { records: [], texts: [], sources: [] };
    for (let i = 0; i < records.length; i++) {
      if (!severities.has(records[i]!.severity)) continue;
      lines.records.push(records[i]!);
      lines.texts.push(texts[i]!);
      lines.sources.push(sources[i]!);
    }
    index.bySeverities.set(key, lines);
  }
  return lines;
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

const stateful = (re: RegExp | undefined) => re !== undefined && (re.global || re.sticky);

/** Every kept log line of a node (journals, node logs, agent logs on it) whose text matches. */
export function logHits(ctx: RuleContext, node: string, pattern: RegExp, search: LogSearch = {}): LogHit[] {
  const severities = new Set<LogSeverity>(search.severities ?? ['error', 'warning']);
  const limit = search.limit ?? 50;
  const { exclude, unless } = search;
  const hits: LogHit[] = [];
  // A stateful (g or y) regex keeps lastIndex between tests: run it exactly as often as before.
  const careful = stateful(pattern) || stateful(unless);
  const pf = careful ? null : prefilterOf(pattern);
  const { records, texts, sources } = nodeLines(ctx, node, severities);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const text = texts[i]!;
    if (careful) {
      if (exclude?.has(`${sources[i]!.file}:${record.line}`)) continue;
      if (!pattern.test(text) || unless?.test(text)) continue;
    } else {
      // Same outcome, cheapest test first: most lines fail the prefilter, the citation key is built for hits only.
      if (!mayMatch(pf, text) || !pattern.test(text) || unless?.test(text)) continue;
      if (exclude?.has(`${sources[i]!.file}:${record.line}`)) continue;
    }
    hits.push({ record, file: sources[i]!.file, where: sources[i]!.where, text });
    if (hits.length >= limit) break;
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
