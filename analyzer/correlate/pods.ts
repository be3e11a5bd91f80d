/**
 * Which pods are failing, and the symptoms that belong to each. A line that names only a sandbox
 * id is joined to its pod through any other line that names both (kubelet does; containerd often
 * does not), or through the libcni cache file for that sandbox.
 */
import type { Citation } from '../model.js';
import type { Evidence } from '../evidence/types.js';
import type { K8sPodRecord } from '../parsers/index.js';
import { citationOf, type Symptom } from './symptoms.js';

export interface FailingPod {
  /** `<ns>/<name>` */
  key: string;
  namespace: string;
  name: string;
  node: string | null;
  uid?: string;
  /** Stuck creating (ADD failures), stuck terminating (DEL failures), or only seen in logs. */
  state: 'creating' | 'terminating' | 'seen-in-logs';
  symptoms: Symptom[];
  record?: K8sPodRecord;
  citation?: Citation;
}

function isStuckCreating(pod: K8sPodRecord): boolean {
  if (pod.hostNetwork || !pod.nodeName || pod.deletionTimestamp) return false;
  if (pod.phase && pod.phase !== 'Pending') return false;
  const statuses = pod.containerStatuses.filter((c) => !c.init);
  const initWaiting = pod.containerStatuses.filter((c) => c.init && c.state.state === 'waiting' && c.state.reason === 'PodInitializing');
  // A pod whose sandbox never came up has every container waiting in ContainerCreating (or no status yet).
  return (
    (statuses.length > 0 && statuses.every((c) => c.state.state === 'waiting' && (c.state.reason === 'ContainerCreating' || c.state.reason === undefined))) ||
    (statuses.length === 0 && pod.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'True') && initWaiting.length === 0)
  );
}

export function findFailingPods(evidence: Evidence, symptoms: Symptom[]): FailingPod[] {
  const bySandbox = new Map<string, string>();
  for (const s of symptoms) if (s.pod && s.sandboxId) bySandbox.set(s.sandboxId, s.pod);
  for (const node of evidence.nodes.values()) {
    for (const cache of node.cniCache) {
      if (cache.containerId && cache.podName) bySandbox.set(cache.containerId, `${cache.podNamespace ?? 'default'}/${cache.podName}`);
    }
  }
  for (const s of symptoms) {
    if (!s.pod && s.sandboxId) {
      const pod = bySandbox.get(s.sandboxId) ?? [...bySandbox].find(([id]) => id.startsWith(s.sandboxId!) || s.sandboxId!.startsWith(id))?.[1];
      if (pod) s.pod = pod;
    }
  }

  const pods = new Map<string, FailingPod>();
  // The first pod record of each `<ns>/<name>`, as a find over the list would return it.
  const records = new Map<string, K8sPodRecord>();
  for (const p of evidence.cluster.pods) {
    const key = `${p.namespace}/${p.name}`;
    if (!records.has(key)) records.set(key, p);
  }
  const recordFor = (key: string) => records.get(key);
  const ensure = (key: string, node: string | null): FailingPod => {
    let found = pods.get(key);
    if (!found) {
      const [namespace, name] = key.split('/') as [string, string];
      const record = recordFor(key);
      found = { key, namespace, name, node: record?.nodeName ?? node, state: 'seen-in-logs', symptoms: [] };
      if (record) {
        found.record = record;
        found.citation = citationOf(record, `pod ${key} phase=${record.phase ?? '?'} node=${record.nodeName ?? '?'}`);
        if (record.uid) found.uid = record.uid;
        if (record.deletionTimestamp) found.state = 'terminating';
        else if (isStuckCreating(record)) found.state = 'creating';
      }
      pods.set(key, found);
    }
    if (!found.node && node) found.node = node;
    return found;
  };

  for (const s of symptoms) {
    if (!s.pod || (s.op !== 'add' && s.op !== 'delete')) continue;
    const record = recordFor(s.pod);
    // A pod that is Running now recovered; its old sandbox errors are history, not a failure.
    if (record && record.phase === 'Running' && !record.deletionTimestamp && record.containerStatuses.every((c) => c.ready)) continue;
    const pod = ensure(s.pod, s.node);
    pod.symptoms.push(s);
    if (pod.state === 'seen-in-logs') pod.state = s.op === 'delete' ? 'terminating' : 'creating';
  }
  for (const record of evidence.cluster.pods) {
    if (isStuckCreating(record)) ensure(`${record.namespace}/${record.name}`, record.nodeName ?? null);
  }
  return [...pods.values()].sort((a, b) => a.key.localeCompare(b.key));
}
