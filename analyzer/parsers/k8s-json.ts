/**
 * Kubernetes API JSON as the collector writes it (`JSON.stringify(x, null, 2)`) or as
 * `kubectl get -o json` prints it: typed lists (PodList, EventList, NodeList, DaemonSetList,
 * ConfigMapList), `kind: List` with mixed items, or a single object. List items carry no `kind`
 * of their own, so the list's kind names them; objects with no kind at all are recognized by shape.
 *
 * Records are normalized for rules (pod, event, node, daemonset, configmap, status, and a generic
 * object). Each item's line is the line of its `metadata.name` value, located by the JSON scanner
 * rather than by text search, so it is exact in pretty-printed files and 1 in minified ones.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { lineOfPath, parseJsonDocument, type JsonDocument, type JsonPath } from './lib/json.js';
import { looksBinary, problem } from './lib/text.js';
import { arr, bool, isObject, nonEmpty, num, obj, setIf, str, strList, strMap, type JsonObject } from './lib/values.js';

export interface K8sCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
}

export interface K8sContainerState {
  state: 'waiting' | 'running' | 'terminated' | 'unknown';
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startedAt?: string;
  finishedAt?: string;
}

export interface K8sContainerStatus {
  name: string;
  init: boolean;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image?: string;
  containerID?: string;
  state: K8sContainerState;
  lastState?: K8sContainerState;
}

export interface K8sOwnerRef {
  kind: string;
  name: string;
  uid?: string;
  controller: boolean;
}

interface K8sBase {
  file: string;
  line: number;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: string;
}

export interface K8sPodRecord extends K8sBase {
  kind: 'k8s-pod';
  namespace: string;
  nodeName?: string;
  phase?: string;
  /** Pod-level reason/message (Evicted, NodeLost, …). */
  reason?: string;
  message?: string;
  /** Host-network pods never call CNI: rules must not blame CNI for them. */
  hostNetwork: boolean;
  podIP?: string;
  podIPs: string[];
  hostIP?: string;
  startTime?: string;
  /** Set while a pod is terminating: "stuck terminating" when old. */
  deletionTimestamp?: string;
  conditions: K8sCondition[];
  /** Init containers first (init: true), then app containers. */
  containerStatuses: K8sContainerStatus[];
  containers: { name: string; image?: string; init: boolean }[];
  ownerReferences: K8sOwnerRef[];
  serviceAccountName?: string;
  priorityClassName?: string;
}

export interface K8sEventRecord {
  kind: 'k8s-event';
  file: string;
  line: number;
  namespace?: string;
  name: string;
  uid?: string;
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string; fieldPath?: string };
  reason?: string;
  /** Normal or Warning. */
  type?: string;
  message: string;
  /** count, series.count, deprecatedCount, or 1. */
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count: number; lastObservedTime?: string };
  source: { component?: string; host?: string };
  reportingController?: string;
  reportingInstance?: string;
  /** The best single time for a timeline: last seen, falling back through the others. */
  time?: string;
}

export interface K8sNodeRecord extends K8sBase {
  kind: 'k8s-node';
  podCIDR?: string;
  podCIDRs: string[];
  conditions: K8sCondition[];
  ready?: K8sCondition;
  taints: { key: string; value?: string; effect: string; timeAdded?: string }[];
  unschedulable: boolean;
  addresses: { type: string; address: string }[];
  internalIP?: string;
  nodeInfo: {
    kernelVersion?: string;
    osImage?: string;
    containerRuntimeVersion?: string;
    kubeletVersion?: string;
    kubeProxyVersion?: string;
    operatingSystem?: string;
    architecture?: string;
    bootID?: string;
  };
  providerID?: string;
  /** From the provider's node pool label. */
  nodePool?: { provider: 'eks' | 'eksctl' | 'karpenter' | 'gke' | 'aks'; name: string; label: string };
  instanceType?: string;
  zone?: string;
  roles: string[];
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  /** allocatable.pods as a number. */
  maxPods?: number;
}

export interface K8sDaemonSetRecord extends K8sBase {
  kind: 'k8s-daemonset';
  namespace: string;
  desired: number;
  current: number;
  ready: number;
  available: number;
  unavailable: number;
  updated: number;
  misscheduled: number;
  generation?: number;
  observedGeneration?: number;
  selector: Record<string, string>;
  containers: { name: string; image?: string; init: boolean }[];
  nodeSelector: Record<string, string>;
  updateStrategy?: string;
}

export interface K8sConfigMapRecord extends K8sBase {
  kind: 'k8s-configmap';
  namespace: string;
  data: Record<string, string>;
  binaryDataKeys: string[];
}

/** An API error the collector saved instead of the object (403, 404, …). */
export interface K8sStatusRecord {
  kind: 'k8s-status';
  file: string;
  line: number;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
}

export interface K8sObjectRecord {
  kind: 'k8s-object';
  file: string;
  line: number;
  apiVersion?: string;
  objectKind: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

export type K8sRecord =
  | K8sPodRecord
  | K8sEventRecord
  | K8sNodeRecord
  | K8sDaemonSetRecord
  | K8sConfigMapRecord
  | K8sStatusRecord
  | K8sObjectRecord;

const PATTERNS: JsonPath[] = [
  ['metadata', 'name'],
  ['items', '*'],
  ['items', '*', 'metadata', 'name'],
];

function conditions(v: unknown): K8sCondition[] {
  return arr(v).flatMap((c) => {
    const o = obj(c);
    const type = str(o['type']);
    const status = str(o['status']);
    if (!type || !status) return [];
    const out: K8sCondition = { type, status };
    for (const k of ['reason', 'message', 'lastTransitionTime', 'lastHeartbeatTime'] as const) {
      const s = nonEmpty(o[k]);
      if (s !== undefined) out[k] = s;
    }
    return [out];
  });
}

function containerState(v: unknown): K8sContainerState | undefined {
  if (!isObject(v)) return undefined;
  for (const state of ['waiting', 'running', 'terminated'] as const) {
    if (!isObject(v[state])) continue;
    const o = v[state];
    const out: K8sContainerState = { state };
    const reason = nonEmpty(o['reason']);
    if (reason) out.reason = reason;
    const message = nonEmpty(o['message']);
    if (message) out.message = message;
    const exitCode = num(o['exitCode']);
    if (exitCode !== undefined) out.exitCode = exitCode;
    const signal = num(o['signal']);
    if (signal !== undefined) out.signal = signal;
    const startedAt = nonEmpty(o['startedAt']);
    if (startedAt) out.startedAt = startedAt;
    const finishedAt = nonEmpty(o['finishedAt']);
    if (finishedAt) out.finishedAt = finishedAt;
    return out;
  }
  return undefined;
}

function containerStatuses(v: unknown, init: boolean): K8sContainerStatus[] {
  return arr(v).map((c) => {
    const o = obj(c);
    const out: K8sContainerStatus = {
      name: str(o['name']) ?? '',
      init,
      ready: bool(o['ready']) ?? false,
      restartCount: num(o['restartCount']) ?? 0,
      state: containerState(o['state']) ?? { state: 'unknown' },
    };
    const started = bool(o['started']);
    if (started !== undefined) out.started = started;
    const image = nonEmpty(o['image']);
    if (image) out.image = image;
    const cid = nonEmpty(o['containerID']);
    if (cid) out.containerID = cid;
    const last = containerState(o['lastState']);
    if (last) out.lastState = last;
    return out;
  });
}

function containersOf(spec: JsonObject): { name: string; image?: string; init: boolean }[] {
  const list = (v: unknown, init: boolean) =>
    arr(v).map((c) => {
      const o = obj(c);
      const image = str(o['image']);
      return image === undefined ? { name: str(o['name']) ?? '', init } : { name: str(o['name']) ?? '', image, init };
    });
  return [...list(spec['initContainers'], true), ...list(spec['containers'], false)];
}

function base(o: JsonObject, file: string, line: number): K8sBase {
  const meta = obj(o['metadata']);
  const b: K8sBase = {
    file, line, name: str(meta['name']) ?? '',
    labels: strMap(meta['labels']), annotations: strMap(meta['annotations']),
  };
  const uid = nonEmpty(meta['uid']);
  if (uid) b.uid = uid;
  const created = nonEmpty(meta['creationTimestamp']);
  if (created) b.creationTimestamp = created;
  return b;
}

function podRecord(o: JsonObject, file: string, line: number): K8sPodRecord {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const rec: K8sPodRecord = {
    ...base(o, file, line),
    kind: 'k8s-pod',
    namespace: str(meta['namespace']) ?? 'default',
    hostNetwork: bool(spec['hostNetwork']) ?? false,
    podIPs: arr(status['podIPs']).map((p) => str(obj(p)['ip'])).filter((ip): ip is string => !!ip),
    conditions: conditions(status['conditions']),
    containerStatuses: [
      ...containerStatuses(status['initContainerStatuses'], true),
      ...containerStatuses(status['containerStatuses'], false),
    ],
    containers: containersOf(spec),
    ownerReferences: arr(meta['ownerReferences']).map((r) => {
      const ro = obj(r);
      const ref: K8sOwnerRef = { kind: str(ro['kind']) ?? '', name: str(ro['name']) ?? '', controller: bool(ro['controller']) ?? false };
      const uid = str(ro['uid']);
      if (uid) ref.uid = uid;
      return ref;
    }),
  };
  setIf(rec, 'nodeName', nonEmpty(spec['nodeName']));
  setIf(rec, 'phase', nonEmpty(status['phase']));
  setIf(rec, 'reason', nonEmpty(status['reason']));
  setIf(rec, 'message', nonEmpty(status['message']));
  setIf(rec, 'podIP', nonEmpty(status['podIP']));
  setIf(rec, 'hostIP', nonEmpty(status['hostIP']));
  setIf(rec, 'startTime', nonEmpty(status['startTime']));
  setIf(rec, 'deletionTimestamp', nonEmpty(meta['deletionTimestamp']));
  setIf(rec, 'serviceAccountName', nonEmpty(spec['serviceAccountName']));
  setIf(rec, 'priorityClassName', nonEmpty(spec['priorityClassName']));
  if (rec.podIPs.length === 0 && rec.podIP) rec.podIPs = [rec.podIP];
  return rec;
}

function eventRecord(o: JsonObject, file: string, line: number): K8sEventRecord {
  const meta = obj(o['metadata']);
  // events.k8s.io/v1 renames: regarding, note, deprecatedCount, deprecatedSource, …
  const inv = obj(o['involvedObject'] ?? o['regarding']);
  const series = isObject(o['series']) ? o['series'] : undefined;
  const source = obj(o['source'] ?? o['deprecatedSource']);
  const rec: K8sEventRecord = {
    kind: 'k8s-event', file, line,
    name: str(meta['name']) ?? '',
    involvedObject: {},
    message: str(o['message']) ?? str(o['note']) ?? '',
    count: num(o['count']) ?? num(series?.['count']) ?? num(o['deprecatedCount']) ?? 1,
    source: {},
  };
  for (const k of ['kind', 'name', 'namespace', 'uid', 'fieldPath'] as const) setIf(rec.involvedObject, k, nonEmpty(inv[k]));
  setIf(rec.source, 'component', nonEmpty(source['component']));
  setIf(rec.source, 'host', nonEmpty(source['host']));
  setIf(rec, 'namespace', nonEmpty(meta['namespace']));
  setIf(rec, 'uid', nonEmpty(meta['uid']));
  setIf(rec, 'reason', nonEmpty(o['reason']));
  setIf(rec, 'type', nonEmpty(o['type']));
  setIf(rec, 'firstTimestamp', nonEmpty(o['firstTimestamp']) ?? nonEmpty(o['deprecatedFirstTimestamp']));
  setIf(rec, 'lastTimestamp', nonEmpty(o['lastTimestamp']) ?? nonEmpty(o['deprecatedLastTimestamp']));
  setIf(rec, 'eventTime', nonEmpty(o['eventTime']));
  setIf(rec, 'reportingController', nonEmpty(o['reportingController']) ?? nonEmpty(o['reportingComponent']));
  setIf(rec, 'reportingInstance', nonEmpty(o['reportingInstance']));
  if (series) {
    rec.series = { count: num(series['count']) ?? rec.count };
    setIf(rec.series, 'lastObservedTime', nonEmpty(series['lastObservedTime']));
  }
  setIf(rec, 'time', rec.lastTimestamp ?? rec.series?.lastObservedTime ?? rec.eventTime ?? rec.firstTimestamp ?? nonEmpty(meta['creationTimestamp']));
  return rec;
}

const POOL_LABELS: { label: string; provider: NonNullable<K8sNodeRecord['nodePool']>['provider'] }[] = [
  { label: 'eks.amazonaws.com/nodegroup', provider: 'eks' },
  { label: 'alpha.eksctl.io/nodegroup-name', provider: 'eksctl' },
  { label: 'karpenter.sh/nodepool', provider: 'karpenter' },
  { label: 'karpenter.sh/provisioner-name', provider: 'karpenter' },
  { label: 'cloud.google.com/gke-nodepool', provider: 'gke' },
  { label: 'kubernetes.azure.com/agentpool', provider: 'aks' },
  { label: 'agentpool', provider: 'aks' },
];

function nodeRecord(o: JsonObject, file: string, line: number): K8sNodeRecord {
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const info = obj(status['nodeInfo']);
  const b = base(o, file, line);
  const conds = conditions(status['conditions']);
  const rec: K8sNodeRecord = {
    ...b,
    kind: 'k8s-node',
    podCIDRs: strList(spec['podCIDRs']),
    conditions: conds,
    taints: arr(spec['taints']).map((t) => {
      const to = obj(t);
      const taint: K8sNodeRecord['taints'][number] = { key: str(to['key']) ?? '', effect: str(to['effect']) ?? '' };
      setIf(taint, 'value', nonEmpty(to['value']));
      setIf(taint, 'timeAdded', nonEmpty(to['timeAdded']));
      return taint;
    }),
    unschedulable: bool(spec['unschedulable']) ?? false,
    addresses: arr(status['addresses']).map((a) => ({ type: str(obj(a)['type']) ?? '', address: str(obj(a)['address']) ?? '' })),
    nodeInfo: {},
    roles: Object.keys(b.labels)
      .filter((k) => k.startsWith('node-role.kubernetes.io/'))
      .map((k) => k.slice('node-role.kubernetes.io/'.length)),
    capacity: strMap(status['capacity']),
    allocatable: strMap(status['allocatable']),
  };
  for (const k of ['kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture', 'bootID'] as const) {
    setIf(rec.nodeInfo, k, nonEmpty(info[k]));
  }
  setIf(rec, 'podCIDR', nonEmpty(spec['podCIDR']));
  if (rec.podCIDRs.length === 0 && rec.podCIDR) rec.podCIDRs = [rec.podCIDR];
  setIf(rec, 'ready', conds.find((c) => c.type === 'Ready'));
  setIf(rec, 'internalIP', rec.addresses.find((a) => a.type === 'InternalIP')?.address);
  setIf(rec, 'providerID', nonEmpty(spec['providerID']));
  for (const { label, provider } of POOL_LABELS) {
    const name = b.labels[label];
    if (name) {
      rec.nodePool = { provider, name, label };
      break;
    }
  }
  setIf(rec, 'instanceType', b.labels['node.kubernetes.io/instance-type'] ?? b.labels['beta.kubernetes.io/instance-type']);
  setIf(rec, 'zone', b.labels['topology.kubernetes.io/zone'] ?? b.labels['failure-domain.beta.kubernetes.io/zone']);
  const pods = rec.allocatable['pods'];
  if (pods !== undefined && /^\d+$/.test(pods)) rec.maxPods = Number(pods);
  return rec;
}

function daemonSetRecord(o: JsonObject, file: string, line: number): K8sDaemonSetRecord {
  const meta = obj(o['metadata']);
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const podSpec = obj(obj(spec['template'])['spec']);
  const n = (k: string) => num(status[k]) ?? 0;
  const rec: K8sDaemonSetRecord = {
    ...base(o, file, line),
    kind: 'k8s-daemonset',
    namespace: str(meta['namespace']) ?? 'default',
    desired: n('desiredNumberScheduled'),
    current: n('currentNumberScheduled'),
    ready: n('numberReady'),
    available: n('numberAvailable'),
    unavailable: n('numberUnavailable'),
    updated: n('updatedNumberScheduled'),
    misscheduled: n('numberMisscheduled'),
    selector: strMap(obj(spec['selector'])['matchLabels']),
    containers: containersOf(podSpec),
    nodeSelector: strMap(podSpec['nodeSelector']),
  };
  setIf(rec, 'generation', num(meta['generation']));
  setIf(rec, 'observedGeneration', num(status['observedGeneration']));
  setIf(rec, 'updateStrategy', nonEmpty(obj(spec['updateStrategy'])['type']));
  return rec;
}

function configMapRecord(o: JsonObject, file: string, line: number): K8sConfigMapRecord {
  return {
    ...base(o, file, line),
    kind: 'k8s-configmap',
    namespace: str(obj(o['metadata'])['namespace']) ?? 'default',
    data: strMap(o['data']),
    binaryDataKeys: Object.keys(obj(o['binaryData'])),
  };
}

/** Guesses the kind of an object that has none (items of a list without a typed kind). */
function kindByShape(o: JsonObject): string | undefined {
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  if ('involvedObject' in o || 'regarding' in o) return 'Event';
  if ('containers' in spec) return 'Pod';
  if ('nodeInfo' in status || 'podCIDR' in spec || 'providerID' in spec) return 'Node';
  if ('desiredNumberScheduled' in status) return 'DaemonSet';
  if ('data' in o || 'binaryData' in o) return 'ConfigMap';
  return undefined;
}

function recordOf(o: JsonObject, kind: string | undefined, file: string, line: number): K8sRecord {
  switch (kind) {
    case 'Pod': return podRecord(o, file, line);
    case 'Event': return eventRecord(o, file, line);
    case 'Node': return nodeRecord(o, file, line);
    case 'DaemonSet': return daemonSetRecord(o, file, line);
    case 'ConfigMap': return configMapRecord(o, file, line);
    case 'Status': {
      const rec: K8sStatusRecord = { kind: 'k8s-status', file, line };
      setIf(rec, 'status', nonEmpty(o['status']));
      setIf(rec, 'code', num(o['code']));
      setIf(rec, 'reason', nonEmpty(o['reason']));
      setIf(rec, 'message', nonEmpty(o['message']));
      return rec;
    }
    default: {
      const meta = obj(o['metadata']);
      const rec: K8sObjectRecord = { kind: 'k8s-object', file, line, objectKind: kind ?? 'Unknown' };
      setIf(rec, 'apiVersion', nonEmpty(o['apiVersion']));
      setIf(rec, 'namespace', nonEmpty(meta['namespace']));
      setIf(rec, 'name', nonEmpty(meta['name']));
      setIf(rec, 'uid', nonEmpty(meta['uid']));
      return rec;
    }
  }
}

const KNOWN_KINDS = new Set(['Pod', 'Event', 'Node', 'DaemonSet', 'ConfigMap']);

export const k8sJsonParser: TextParser<K8sRecord> = {
  id: 'k8s-json',
  parse(text: string, file: string): ParseResult<K8sRecord> {
    const records: K8sRecord[] = [];
    const problems: ParseProblem[] = [];
    if (looksBinary(text)) return { records, problems: [problem(file, 0, 'binary content, not Kubernetes JSON')] };
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim() === '') return { records, problems: [problem(file, 0, 'empty file: no Kubernetes JSON')] };
    const doc: JsonDocument = parseJsonDocument(body, PATTERNS);
    if (doc.error) {
      const e = doc.error;
      problems.push(problem(file, e.line, `invalid JSON at line ${e.line} column ${e.column}: ${e.message}`, body.split('\n')[e.line - 1]));
      return { records, problems };
    }
    if (doc.trailing) problems.push(problem(file, doc.trailing.line, 'unexpected text after the JSON value', doc.trailing.text));
    const root = doc.value;
    if (!isObject(root)) return { records, problems: [problem(file, 1, 'the JSON value is not a Kubernetes object')] };
    const rootKind = str(root['kind']);
    if (Array.isArray(root['items'])) {
      // PodList → Pod; "List" (kubectl, several kinds) → each item's own kind.
      const listKind = rootKind?.endsWith('List') && rootKind !== 'List' ? rootKind.slice(0, -4) : undefined;
      root['items'].forEach((item, i) => {
        const itemLine = lineOfPath(doc, ['items', i, 'metadata', 'name'], lineOfPath(doc, ['items', i]));
        if (!isObject(item)) {
          problems.push(problem(file, itemLine, `items[${i}] is not an object`));
          return;
        }
        const kind = str(item['kind']) ?? listKind ?? kindByShape(item);
        if (KNOWN_KINDS.has(kind ?? '') && !str(obj(item['metadata'])['name'])) {
          problems.push(problem(file, itemLine, `items[${i}] (${kind}) has no metadata.name`));
        }
        records.push(recordOf(item, kind, file, itemLine));
      });
      return { records, problems };
    }
    const kind = rootKind ?? kindByShape(root);
    records.push(recordOf(root, kind, file, lineOfPath(doc, ['metadata', 'name'])));
    return { records, problems };
  },
};
