/**
 * Which pods and nodes a collection is about. By default: every pod stuck in ContainerCreating or
 * named by a FailedCreatePodSandBox/FailedKillPod event, the nodes they are on, plus one healthy
 * node of the same kind to compare against.
 *
 * Built to stay cheap on big clusters: stuck pods come from one paged list with
 * `status.phase=Pending` (never a request per pod), Warning events from one paged cluster-wide
 * list that also serves the events artifact, and the other events of the pods in scope from one
 * list per namespace. Everything fetched here is kept for the sources, so nothing is asked twice.
 */
import type { ApiResult, KubeApi, KubeList } from './api.js';
import { isSandboxEvent, NODE_KIND_LABELS, SCOPE_EVENT_REASONS } from './catalog.js';

export type Json = Record<string, unknown>;

export interface PodObject extends Json {
  metadata: { name: string; namespace: string; uid?: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }> } & Json;
  status: {
    phase?: string;
    containerStatuses?: ContainerStatusLike[];
    initContainerStatuses?: ContainerStatusLike[];
  } & Json;
}

export interface ContainerStatusLike {
  name: string;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: unknown };
  lastState?: { terminated?: { containerID?: string } };
}

export interface NodeObject extends Json {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: Array<{ key: string; effect: string }> };
  status?: {
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    nodeInfo?: { osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string; kubeletVersion?: string };
  };
}

export interface EventObject extends Json {
  metadata: { name: string; namespace?: string; uid?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  reportingInstance?: string;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  eventTime?: string | null;
}

export interface ScopeRequest {
  /** -n: restrict pods (and the default discovery) to these namespaces; empty = all. */
  namespaces: string[];
  /** --pod, as `namespace/name`. */
  pods: string[];
  /** -l. */
  selector?: string;
  /** --nodes: exactly these nodes, no discovery of nodes and no contrast node. */
  nodes?: string[];
  /** Most nodes to fan out to (the ones with the most pods in scope first). */
  maxNodes?: number;
}

export interface ScopedPod {
  pod: PodObject;
  /** Why it is in scope: `ContainerCreating`, `event FailedCreatePodSandBox`, `--pod`, `--selector`. */
  reasons: string[];
}

export interface ContrastNode {
  name: string;
  /** What it shares with the nodes in scope. */
  sameAs: string[];
}

export interface Scope {
  mode: 'default' | 'explicit';
  pods: ScopedPod[];
  /** Nodes of the pods in scope (or --nodes). */
  failingNodes: string[];
  contrast: ContrastNode | null;
  /** What the fan-out visits: failing nodes then the contrast node, capped by maxNodes. */
  nodes: string[];
  /** Nodes in scope left out by maxNodes. */
  overflowNodes: string[];
  /** --pod names that do not exist, --nodes names that are not nodes. */
  missingPods: string[];
  unknownNodes: string[];
  notes: string[];
}

export interface Discovery {
  version: ApiResult<Json>;
  nodes: ApiResult<KubeList<NodeObject>>;
  namespaces: ApiResult<KubeList<Json>>;
  /** Cluster-wide `type=Warning` events. */
  warningEvents: ApiResult<KubeList<EventObject>>;
  /** Per namespace of the pods in scope: their other events (`type!=Warning`). */
  podEvents: Array<ApiResult<KubeList<EventObject>>>;
  /** The queries that found the pods in scope (for the pods artifact). */
  podQueries: Array<ApiResult<unknown>>;
  scope: Scope;
}

/** The collector's own node pods carry this label (fan-out.ts). */
export function isOwnNodePod(labels: Record<string, string> | undefined): boolean {
  return labels?.['app.kubernetes.io/name'] === 'cni-evidence';
}

/** The shape of node pod names (`cni-evidence-<node>-<run>`): enough to stay quiet about a gone one. */
const OWN_POD_NAME = /^cni-evidence-[a-z0-9-]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

export function looksLikeOwnNodePod(name: string): boolean {
  return OWN_POD_NAME.test(name);
}

export function podKey(pod: { metadata: { namespace?: string; name: string } }): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}

function waitingReasons(pod: PodObject): string[] {
  return [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])]
    .map((s) => s.state?.waiting?.reason)
    .filter((r): r is string => r !== undefined);
}

export function isStuckCreating(pod: PodObject): boolean {
  return waitingReasons(pod).includes('ContainerCreating');
}

function isReady(node: NodeObject): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function roleOf(node: NodeObject): string {
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .sort();
  return roles.length > 0 ? roles.join(',') : 'worker';
}

/**
 * Scores how much a candidate looks like the reference node: role first (a control-plane node
 * is no contrast for a worker), then instance type and pool, OS and architecture, then the
 * versions that shape the CNI's behaviour.
 */
function similarity(reference: NodeObject, candidate: NodeObject): { score: number; sameAs: string[] } {
  const sameAs: string[] = [];
  let score = 0;
  if (roleOf(reference) === roleOf(candidate)) {
    score += 8;
    sameAs.push(`role ${roleOf(reference)}`);
  }
  const seen = new Set<string>();
  for (const { label, weight, what } of NODE_KIND_LABELS) {
    const a = reference.metadata.labels?.[label];
    if (a !== undefined && a === candidate.metadata.labels?.[label] && !seen.has(what)) {
      seen.add(what);
      score += weight;
      sameAs.push(`${what} ${a}`);
    }
  }
  const infoA = reference.status?.nodeInfo ?? {};
  const infoB = candidate.status?.nodeInfo ?? {};
  for (const [key, what] of [
    ['containerRuntimeVersion', 'runtime'],
    ['kernelVersion', 'kernel'],
    ['osImage', 'OS image'],
    ['kubeletVersion', 'kubelet'],
  ] as const) {
    if (infoA[key] !== undefined && infoA[key] === infoB[key]) {
      score += 1;
      sameAs.push(`${what} ${infoA[key]}`);
    }
  }
  return { score, sameAs };
}

/**
 * The healthy node most like the failing ones: Ready, schedulable, network available, no pod in
 * scope and no sandbox or network warning from its kubelet. Other warnings only lower its rank,
 * so a busy cluster where every node has some noise still gets a contrast node.
 */
export function pickContrastNode(nodes: NodeObject[], failing: string[], warningEvents: EventObject[], podCounts: Map<string, number> = new Map()): ContrastNode | null {
  const failingSet = new Set(failing);
  const reference = [...failing]
    .sort((a, b) => (podCounts.get(b) ?? 0) - (podCounts.get(a) ?? 0) || a.localeCompare(b))
    .map((n) => nodes.find((x) => x.metadata.name === n))
    .find((n) => n !== undefined);
  if (!reference) return null;
  const hostOf = (e: EventObject): string | undefined => e.source?.host || (e.involvedObject?.kind === 'Node' ? e.involvedObject.name : undefined);
  const broken = new Set<string>();
  const noisy = new Set<string>();
  for (const e of warningEvents) {
    const host = hostOf(e);
    if (host) (isSandboxEvent(e.reason, e.message) ? broken : noisy).add(host);
  }
  let best: { node: NodeObject; score: number; sameAs: string[] } | null = null;
  for (const node of [...nodes].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const name = node.metadata.name;
    if (failingSet.has(name) || broken.has(name) || !isReady(node) || node.spec?.unschedulable === true) continue;
    if (node.status?.conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'True')) continue;
    const { score: likeness, sameAs } = similarity(reference, node);
    const score = likeness - (noisy.has(name) ? 3 : 0);
    if (!best || score > best.score) best = { node, score, sameAs };
  }
  return best ? { name: best.node.metadata.name, sameAs: best.sameAs } : null;
}

function itemsOf<T>(result: ApiResult<KubeList<T>>): T[] {
  return result.ok ? result.value.items : [];
}

function splitPodName(value: string): { namespace: string; name: string } {
  const slash = value.indexOf('/');
  return { namespace: value.slice(0, slash), name: value.slice(slash + 1) };
}

/** Fetches what scope discovery needs and decides the scope. Never throws for API failures. */
export async function discover(api: KubeApi, request: ScopeRequest, known: { version?: ApiResult<Json> } = {}): Promise<Discovery> {
  const namespaces = [...new Set(request.namespaces)];
  const explicit = request.pods.length > 0 || request.selector !== undefined;
  const listPodsIn = (query: Record<string, string>): Array<Promise<ApiResult<KubeList<PodObject>>>> =>
    namespaces.length === 0
      ? [api.list<PodObject>('/api/v1/pods', { query })]
      : namespaces.map((ns) => api.list<PodObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, { query }));

  const versionP = known.version ? Promise.resolve(known.version) : api.json<Json>('/version');
  const nodesP = api.list<NodeObject>('/api/v1/nodes');
  const namespacesP = api.list<Json>('/api/v1/namespaces');
  const warningP = api.list<EventObject>('/api/v1/events', { query: { fieldSelector: 'type=Warning' } });
  const selectorP = request.selector !== undefined ? Promise.all(listPodsIn({ labelSelector: request.selector })) : Promise.resolve([]);
  const pendingP = explicit ? Promise.resolve([]) : Promise.all(listPodsIn({ fieldSelector: 'status.phase=Pending' }));
  const namedP = Promise.all(
    request.pods.map((p) => {
      const { namespace, name } = splitPodName(p);
      return api.json<PodObject>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`);
    }),
  );
  const [version, nodes, namespaceList, warningEvents, selected, pending, named] = await Promise.all([versionP, nodesP, namespacesP, warningP, selectorP, pendingP, namedP]);

  const podQueries: Array<ApiResult<unknown>> = [...named, ...selected, ...pending];
  const inScope = new Map<string, ScopedPod>();
  const add = (pod: PodObject, reason: string): void => {
    const key = podKey(pod);
    const entry = inScope.get(key);
    if (entry) {
      if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
    } else {
      inScope.set(key, { pod, reasons: [reason] });
    }
  };
  const missingPods: string[] = [];
  const notes: string[] = [];
  named.forEach((result, i) => {
    if (result.ok) add(result.value, '--pod');
    else if (result.kind === 'absent') missingPods.push(request.pods[i]!);
  });
  for (const result of selected) for (const pod of itemsOf(result)) add(pod, '--selector');
  for (const result of pending) for (const pod of itemsOf(result)) if (isStuckCreating(pod) && !isOwnNodePod(pod.metadata.labels)) add(pod, 'ContainerCreating');

  if (!explicit) {
    // Pods named by sandbox events; most are the Pending pods already listed, the rest are fetched.
    const wanted = new Map<string, string[]>();
    for (const e of itemsOf(warningEvents)) {
      const io = e.involvedObject;
      if (io?.kind !== 'Pod' || !io.name || !(SCOPE_EVENT_REASONS as readonly string[]).includes(e.reason ?? '') ) continue;
      if (namespaces.length > 0 && !namespaces.includes(io.namespace ?? '')) continue;
      const key = `${io.namespace ?? ''}/${io.name}`;
      const reasons = wanted.get(key) ?? [];
      if (!reasons.includes(e.reason!)) reasons.push(e.reason!);
      wanted.set(key, reasons);
    }
    const known = new Map([...pending.flatMap((r) => itemsOf(r))].map((p) => [podKey(p), p]));
    const fetches = await Promise.all(
      [...wanted.keys()]
        .filter((key) => !known.has(key))
        .map(async (key) => {
          const { namespace, name } = splitPodName(key);
          return { key, result: await api.json<PodObject>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`) };
        }),
    );
    for (const { key, result } of fetches) {
      podQueries.push(result);
      if (result.ok) known.set(key, result.value);
      // A node pod of an earlier run has sandbox events when its node's runtime is broken; gone now.
      else if (result.kind === 'absent' && !looksLikeOwnNodePod(splitPodName(key).name)) notes.push(`${key} has sandbox events but no longer exists`);
    }
    for (const [key, reasons] of wanted) {
      const pod = known.get(key);
      // The collector's own pods are never the subject of a collection.
      if (pod && !isOwnNodePod(pod.metadata.labels)) for (const reason of reasons) add(pod, `event ${reason}`);
    }
  }

  const pods = [...inScope.values()].sort((a, b) => podKey(a.pod).localeCompare(podKey(b.pod)));
  const scopeUids = new Set(pods.map((p) => p.pod.metadata.uid).filter((u): u is string => !!u));
  const scopeNamespaces = [...new Set(pods.map((p) => p.pod.metadata.namespace))].sort();
  const podEvents = await Promise.all(
    scopeNamespaces.map(async (ns) => {
      const result = await api.list<EventObject>(`/api/v1/namespaces/${encodeURIComponent(ns)}/events`, { query: { fieldSelector: 'involvedObject.kind=Pod,type!=Warning' } });
      // Keep only the events of pods in scope: a namespace may hold thousands of others.
      return result.ok ? { ...result, value: { ...result.value, items: result.value.items.filter((e) => scopeUids.has(e.involvedObject?.uid ?? '')) } } : result;
    }),
  );

  const nodeItems = itemsOf(nodes);
  const nodeNames = new Set(nodeItems.map((n) => n.metadata.name));
  const podCounts = new Map<string, number>();
  for (const { pod } of pods) {
    const node = pod.spec.nodeName;
    if (node) podCounts.set(node, (podCounts.get(node) ?? 0) + 1);
  }
  let failingNodes: string[];
  let contrast: ContrastNode | null = null;
  const unknownNodes: string[] = [];
  if (request.nodes && request.nodes.length > 0) {
    failingNodes = [...new Set(request.nodes)];
    if (nodes.ok) unknownNodes.push(...failingNodes.filter((n) => !nodeNames.has(n)));
  } else {
    failingNodes = [...podCounts.keys()].sort((a, b) => (podCounts.get(b) ?? 0) - (podCounts.get(a) ?? 0) || a.localeCompare(b));
    if (failingNodes.length > 0) {
      contrast = pickContrastNode(nodeItems, failingNodes, itemsOf(warningEvents), podCounts);
      if (!contrast && nodes.ok) notes.push('no healthy node to compare with: every other node is NotReady, cordoned or reports warnings');
    }
  }
  const wantedNodes = [...failingNodes, ...(contrast ? [contrast.name] : [])];
  const max = request.maxNodes ?? Number.POSITIVE_INFINITY;
  // The contrast node is worth more than the 51st failing node: keep it inside the cap.
  let visit = wantedNodes;
  let overflow: string[] = [];
  if (wantedNodes.length > max) {
    const keepFailing = failingNodes.slice(0, Math.max(0, max - (contrast ? 1 : 0)));
    visit = [...keepFailing, ...(contrast ? [contrast.name] : [])];
    overflow = failingNodes.slice(keepFailing.length);
  }
  const interrupted = [version, nodes, namespaceList, warningEvents, ...podQueries, ...podEvents].some((r) => !r.ok && r.kind === 'interrupted');
  if (interrupted) notes.push('scope discovery was interrupted: the scope is incomplete');
  else if (pods.length === 0 && !explicit) notes.push('no pod is stuck in ContainerCreating or has FailedCreatePodSandBox/FailedKillPod events');
  return {
    version,
    nodes,
    namespaces: namespaceList,
    warningEvents,
    podEvents,
    podQueries,
    scope: {
      mode: explicit || (request.nodes?.length ?? 0) > 0 ? 'explicit' : 'default',
      pods,
      failingNodes,
      contrast,
      nodes: visit,
      overflowNodes: overflow,
      missingPods,
      unknownNodes,
      notes,
    },
  };
}
