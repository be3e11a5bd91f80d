/**
 * Symptoms: every place the bundle says a pod sandbox failed to get (or give back) its network,
 * from the event the user saw down to the runtime's own line. Rules explain symptoms; the
 * diagnosis joins them per pod.
 */
import type { Citation, ChainStage } from '../model.js';
import type { Evidence } from '../evidence/types.js';
import type { JournalEntry, K8sEventRecord, LogRecordBase } from '../parsers/index.js';
import { excerptOf } from '../parsers/types.js';

export type SymptomOp = 'add' | 'delete' | 'status' | 'other';

export interface Symptom {
  /** `<ns>/<name>` when the line names the pod. */
  pod: string | null;
  node: string | null;
  sandboxId?: string;
  op: SymptomOp;
  stage: ChainStage;
  /** The whole message (event message, or the log line's message plus its err field). */
  message: string;
  time?: string;
  citation: Citation;
  cniPluginType?: string;
  /** Events repeat: how many times this one was seen. */
  count: number;
}

const SANDBOX_EVENT_REASONS = new Set(['FailedCreatePodSandBox', 'FailedKillPod', 'FailedPodSandBoxStatus', 'NetworkNotReady']);

// Words that mark a line as a network-setup failure rather than any other runtime error.
const NETWORK_FAILURE = /failed to (?:set ?up|setup|destroy|teardown|tear down) (?:the )?(?:network|sandbox container)|networkplugin|cni plugin not initialized|network plugin (?:returns error|is not ready)|networkready=false|failed \((?:add|delete|del|check)\)|cni config|network for pod|failed to get network|podsandbox|pod sandbox|runpodsandbox|stoppodsandbox|killpodsandbox|createpodsandbox/i;

export function operationOf(text: string): SymptomOp {
  const t = text.toLowerCase();
  if (/failed \((?:delete|del)\)|destroy network|teardown|tear down|stoppodsandbox|killpodsandbox|failedkillpod|killpod|failed to get network .* cached result/.test(t)) return 'delete';
  if (/failed \(add\)|set ?up (?:the )?(?:network|sandbox)|setup network|runpodsandbox|createpodsandbox|failedcreatepodsandbox|create pod sandbox/.test(t)) return 'add';
  if (/network ?plugin ?not ?ready|networkready=false|cni plugin not initialized|network plugin (?:returns error|is not ready)|networkplugin.*not ready/.test(t)) return 'status';
  return 'other';
}

export function citationOf(record: { file: string; line: number; raw?: string }, text?: string): Citation {
  return { file: record.file, line: record.line, excerpt: excerptOf(text ?? record.raw ?? '', 400) };
}

function podKey(ns: string | undefined, name: string | undefined): string | null {
  return name ? `${ns ?? 'default'}/${name}` : null;
}

function logMessage(record: LogRecordBase): string {
  const err = record.fields['err'] ?? record.fields['error'];
  return err && !record.message.includes(err) ? `${record.message}: ${err}` : record.message;
}

/**
 * Whether an undecoded log line could decode to a symptom record (isSymptomRecord). Decoding
 * only unquotes: each escape becomes one quote, backslash or control character, none of which
 * NETWORK_FAILURE can match, so a match in the decoded message or error is a match in the raw
 * line too; only \u, \U and \x escapes make arbitrary characters, and they send the line to the
 * decoder. The message and error are joined with ": ", which no alternative holds. So false means
 * "certainly not a symptom".
 */
export function mayBeSymptomLine(raw: string): boolean {
  return NETWORK_FAILURE.test(raw) || /\\[uUx]/.test(raw);
}

/** Whether a log record becomes a symptom (the loader keeps these first when it must thin a log). */
export function isSymptomRecord(record: LogRecordBase): boolean {
  return (record.severity === 'error' || record.severity === 'warning') && NETWORK_FAILURE.test(logMessage(record));
}

function symptomFromLog(record: LogRecordBase, node: string, stage: ChainStage): Symptom | null {
  // isSymptomRecord, with the message built once.
  if (record.severity !== 'error' && record.severity !== 'warning') return null;
  const message = logMessage(record);
  if (!NETWORK_FAILURE.test(message)) return null;
  const symptom: Symptom = {
    pod: record.pod ? podKey(record.pod.namespace, record.pod.name) : null,
    node,
    op: operationOf(message),
    stage,
    message,
    citation: citationOf(record),
    count: 1,
  };
  if (record.sandboxIds[0]) symptom.sandboxId = record.sandboxIds[0];
  if (record.timestamp) symptom.time = record.timestamp;
  if (record.cniPluginType) symptom.cniPluginType = record.cniPluginType;
  return symptom;
}

function eventNode(event: K8sEventRecord, evidence: Evidence): string | null {
  if (event.source.host) return event.source.host;
  const pod = evidence.cluster.pods.find((p) => p.namespace === event.involvedObject.namespace && p.name === event.involvedObject.name);
  return pod?.nodeName ?? null;
}

const RUNTIME_UNITS = new Set(['containerd', 'crio', 'docker', 'cri-docker', 'k3s', 'k3s-agent', 'rke2-server', 'rke2-agent']);

export function collectSymptoms(evidence: Evidence): Symptom[] {
  const symptoms: Symptom[] = [];
  for (const event of evidence.cluster.events) {
    if (!event.reason || !SANDBOX_EVENT_REASONS.has(event.reason)) continue;
    const symptom: Symptom = {
      pod: event.involvedObject.kind === 'Pod' || !event.involvedObject.kind ? podKey(event.involvedObject.namespace ?? event.namespace, event.involvedObject.name) : null,
      node: eventNode(event, evidence),
      op: event.reason === 'FailedKillPod' ? 'delete' : event.reason === 'NetworkNotReady' ? 'status' : operationOf(`${event.reason} ${event.message}`),
      stage: 'event',
      message: event.message,
      citation: citationOf(event, `${event.type ?? ''} ${event.reason} ${event.message}`.trim()),
      count: event.count,
    };
    const sandbox = /sandbox(?: container)? \\?"([0-9a-f]{12,64})/.exec(event.message);
    if (sandbox) symptom.sandboxId = sandbox[1]!;
    if (event.time) symptom.time = event.time;
    const plugin = /plugin type="([^"]+)"/.exec(event.message);
    if (plugin) symptom.cniPluginType = plugin[1]!;
    symptoms.push(symptom);
  }
  // Hand-collected bundles carry `kubectl describe` text instead of events.json.
  if (evidence.cluster.events.length === 0) {
    for (const event of evidence.cluster.describeEvents) {
      if (!event.reason || !SANDBOX_EVENT_REASONS.has(event.reason)) continue;
      const pod = evidence.cluster.describePods.find((p) => p.file === event.file);
      symptoms.push({
        pod: pod ? podKey(pod.namespace, pod.name) : null,
        node: pod?.node ?? null,
        op: event.reason === 'FailedKillPod' ? 'delete' : operationOf(`${event.reason} ${event.message}`),
        stage: 'event',
        message: event.message,
        citation: citationOf(event, `${event.type} ${event.reason} ${event.message}`),
        count: event.count ?? 1,
        ...(event.sandboxIds[0] ? { sandboxId: event.sandboxIds[0] } : {}),
      });
    }
  }
  for (const node of evidence.nodes.values()) {
    for (const [unit, log] of node.journals) {
      const stage: ChainStage = unit === 'kubelet' ? 'kubelet' : RUNTIME_UNITS.has(unit) ? 'runtime' : 'cni-agent';
      for (const record of log.records) {
        if (record.kind !== 'journal-entry') continue;
        const symptom = symptomFromLog(record as JournalEntry, node.name, stage);
        if (symptom) symptoms.push(symptom);
      }
    }
    for (const log of node.logs.values()) {
      for (const record of log.records) {
        const symptom = symptomFromLog(record, node.name, /containerd/.test(log.file) ? 'runtime' : 'cni-plugin');
        if (symptom) symptoms.push(symptom);
      }
    }
  }
  return symptoms;
}

/** The innermost error of a wrapped runtime message: what the CNI plugin itself said. */
export function innermostError(message: string): string {
  const unescaped = message.replace(/\\"/g, '"');
  const plugin = /plugin type="[^"]+"(?: name="[^"]+")? failed \((?:add|delete|del|check)\): (.*)$/.exec(unescaped);
  if (plugin) return plugin[1]!.replace(/"+$/, '').trim();
  const network = /failed to (?:setup|set up|destroy|teardown) network for (?:sandbox|pod) "[^"]*"(?: network)?: (.*)$/.exec(unescaped);
  if (network) return network[1]!.replace(/"+$/, '').trim();
  const desc = /desc = (.*)$/.exec(unescaped);
  return (desc ? desc[1]! : unescaped).trim();
}
