/**
 * Server-side Table output (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), a port of the
 * printers in kubernetes/pkg/printers/internalversion. kubectl prints exactly these cells, so the
 * columns, their priorities (1 = only with -o wide) and the cell text must match the real server.
 * Like the real server, every row carries all cells; kubectl drops priority-1 columns itself.
 */
import { formatLabelSelector, fromLabelSelectorSpec } from './selectors.js';
import type { ConfigMap, CoreEvent, DaemonSet, KubeObject, Namespace, Node, Pod } from './types.js';

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

const col = (name: string, description: string, opts: { type?: string; format?: string; priority?: number } = {}): TableColumnDefinition => ({
  name,
  type: opts.type ?? 'string',
  format: opts.format ?? '',
  description,
  priority: opts.priority ?? 0,
});

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

const COLUMNS: Record<string, TableColumnDefinition[]> = {
  pods: [
    col('Name', NAME_DOC, { format: 'name' }),
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    col('Age', AGE_DOC),
    col('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
    col('Node', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename', { priority: 1 }),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.', { priority: 1 }),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates', { priority: 1 }),
  ],
  nodes: [
    col('Name', NAME_DOC, { format: 'name' }),
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    col('Age', AGE_DOC),
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node\'s address in its own status or consumers of the downward API (status.hostIP).', { priority: 1 }),
    col('External-IP', 'List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node\'s address in its own status or consumers of the downward API (status.hostIP).', { priority: 1 }),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
  ],
  events: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.', { priority: 1 }),
    col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    col('Count', 'The number of times this event has occurred.', { priority: 1 }),
    col('Name', NAME_DOC, { format: 'name', priority: 1 }),
  ],
  namespaces: [
    col('Name', NAME_DOC, { format: 'name' }),
    col('Status', 'The status of the namespace'),
    col('Age', AGE_DOC),
  ],
  configmaps: [
    col('Name', NAME_DOC, { format: 'name' }),
    col('Data', 'Data contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData field, this is enforced during validation process.'),
    col('Age', AGE_DOC),
  ],
  daemonsets: [
    col('Name', NAME_DOC, { format: 'name' }),
    col('Desired', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/', { type: 'integer' }),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/', { type: 'integer' }),
    col('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.', { type: 'integer' }),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', { type: 'integer' }),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node\'s labels for the pod to be scheduled on that node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod-node/'),
    col('Age', AGE_DOC),
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template\'s labels. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', { priority: 1 }),
  ],
};

export function hasTable(resource: string): boolean {
  return resource in COLUMNS;
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

function since(ts: string | null | undefined, now: number): string {
  if (ts === undefined || ts === null || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now - t);
}

function podRow(pod: Pod, now: number): TableRow {
  const row: TableRow = { cells: [] };
  const spec = pod.spec;
  const status = pod.status;
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = spec.containers.length;
  let readyContainers = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;
  const phase = status.phase ?? '';
  let reason = status.reason !== undefined && status.reason !== '' ? status.reason : phase;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  if (phase === 'Succeeded') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') row.conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod has completed but failed.' }];

  const initSpecs = new Map((spec.initContainers ?? []).map((c) => [c.name, c]));
  const restartable = (name: string): boolean => initSpecs.get(name)?.restartPolicy === 'Always';
  for (const c of spec.initContainers ?? []) if (c.restartPolicy === 'Always') totalContainers++;

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    if (c === undefined) continue;
    restarts += c.restartCount;
    const lastTerm = c.lastState?.terminated?.finishedAt;
    if (lastTerm !== undefined) lastRestart = Math.max(lastRestart, Date.parse(lastTerm));
    if (restartable(c.name)) {
      restartableInitRestarts += c.restartCount;
      if (lastTerm !== undefined) lastRestartableInitRestart = Math.max(lastRestartableInitRestart, Date.parse(lastTerm));
    }
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term !== undefined && term.exitCode === 0) continue;
    if (restartable(c.name) && c.started === true) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (term !== undefined) {
      if (term.reason === undefined || term.reason === '') {
        reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      } else {
        reason = `Init:${term.reason}`;
      }
    } else if (wait !== undefined && wait.reason !== undefined && wait.reason !== '' && wait.reason !== 'PodInitializing') {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initializedTrue = (status.conditions ?? []).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const cs = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      if (c === undefined) continue;
      restarts += c.restartCount;
      const lastTerm = c.lastState?.terminated?.finishedAt;
      if (lastTerm !== undefined) lastRestart = Math.max(lastRestart, Date.parse(lastTerm));
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait !== undefined && wait.reason !== undefined && wait.reason !== '') {
        reason = wait.reason;
      } else if (term !== undefined && term.reason !== undefined && term.reason !== '') {
        reason = term.reason;
      } else if (term !== undefined) {
        reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      } else if (c.ready && c.state?.running !== undefined) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      const readyCond = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
      reason = readyCond ? 'Running' : 'NotReady';
    }
  }

  if (pod.metadata.deletionTimestamp !== undefined && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (pod.metadata.deletionTimestamp !== undefined && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsStr = `${restarts} (${humanDuration(now - lastRestart)} ago)`;

  const podIP = status.podIPs?.[0]?.ip ?? '';
  let gates = '<none>';
  if ((spec.readinessGates ?? []).length > 0) {
    let trueConds = 0;
    for (const g of spec.readinessGates ?? []) {
      const cond = (status.conditions ?? []).find((c) => c.type === g.conditionType);
      if (cond?.status === 'True') trueConds++;
    }
    gates = `${trueConds}/${(spec.readinessGates ?? []).length}`;
  }
  row.cells = [
    pod.metadata.name,
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsStr,
    since(pod.metadata.creationTimestamp, now),
    podIP === '' ? '<none>' : podIP,
    spec.nodeName !== undefined && spec.nodeName !== '' ? spec.nodeName : '<none>',
    status.nominatedNodeName !== undefined && status.nominatedNodeName !== '' ? status.nominatedNodeName : '<none>',
    gates,
  ];
  return row;
}

function nodeRow(node: Node, now: number): TableRow {
  const conds = new Map((node.status.conditions ?? []).map((c) => [c.type, c]));
  const status: string[] = [];
  const ready = conds.get('Ready');
  if (ready === undefined) status.push('Unknown');
  else status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (node.spec.unschedulable === true) status.push('SchedulingDisabled');
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  const addr = (type: string): string => node.status.addresses?.find((a) => a.type === type)?.address ?? '<none>';
  const info = node.status.nodeInfo ?? {};
  const orUnknown = (s: string | undefined): string => (s === undefined || s === '' ? '<unknown>' : s);
  return {
    cells: [
      node.metadata.name,
      status.join(','),
      roles.size === 0 ? '<none>' : [...roles].sort().join(','),
      since(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? '',
      addr('InternalIP'),
      addr('ExternalIP'),
      orUnknown(info.osImage),
      orUnknown(info.kernelVersion),
      orUnknown(info.containerRuntimeVersion),
    ],
  };
}

function eventRow(ev: CoreEvent, now: number): TableRow {
  let first = since(ev.firstTimestamp, now);
  if (ev.firstTimestamp === undefined || ev.firstTimestamp === null) first = since(ev.eventTime, now);
  let last = since(ev.lastTimestamp, now);
  if (ev.lastTimestamp === undefined || ev.lastTimestamp === null) last = first;
  let count = ev.count ?? 0;
  if (ev.series !== undefined) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count;
  } else if (count === 0) {
    count = 1;
  }
  const io = ev.involvedObject;
  const target = io.name !== undefined && io.name !== '' ? `${(io.kind ?? '').toLowerCase()}/${io.name}` : (io.kind ?? '').toLowerCase();
  return {
    cells: [
      last,
      ev.type ?? '',
      ev.reason ?? '',
      target,
      io.fieldPath ?? '',
      formatEventSource(ev),
      (ev.message ?? '').trim(),
      first,
      count,
      ev.metadata.name,
    ],
  };
}

/** printers.formatEventSource: each of component/host falls back to the events.k8s.io reporter. */
export function formatEventSource(ev: CoreEvent): string {
  const firstNonEmpty = (...xs: Array<string | undefined>): string => xs.find((x) => x !== undefined && x !== '') ?? '';
  const component = firstNonEmpty(ev.source?.component, ev.reportingComponent);
  const instance = firstNonEmpty(ev.source?.host, ev.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

function daemonSetRow(ds: DaemonSet, now: number): TableRow {
  const st = ds.status ?? {};
  const tmpl = ds.spec.template.spec;
  const nodeSelector = (tmpl as { nodeSelector?: Record<string, string> }).nodeSelector ?? {};
  const ns = Object.keys(nodeSelector)
    .sort()
    .map((k) => `${k}=${nodeSelector[k] ?? ''}`)
    .join(',');
  return {
    cells: [
      ds.metadata.name,
      st.desiredNumberScheduled ?? 0,
      st.currentNumberScheduled ?? 0,
      st.numberReady ?? 0,
      st.updatedNumberScheduled ?? 0,
      st.numberAvailable ?? 0,
      ns === '' ? '<none>' : ns,
      since(ds.metadata.creationTimestamp, now),
      tmpl.containers.map((c) => c.name).join(','),
      tmpl.containers.map((c) => c.image ?? '').join(','),
      formatLabelSelector(fromLabelSelectorSpec(ds.spec.selector)),
    ],
  };
}

export function tableRow(resource: string, obj: KubeObject, now: number): TableRow {
  switch (resource) {
    case 'pods':
      return podRow(obj as Pod, now);
    case 'nodes':
      return nodeRow(obj as Node, now);
    case 'events':
      return eventRow(obj as CoreEvent, now);
    case 'namespaces':
      return { cells: [obj.metadata.name, (obj as Namespace).status?.phase ?? '', since(obj.metadata.creationTimestamp, now)] };
    case 'configmaps': {
      const cm = obj as ConfigMap;
      const n = Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length;
      return { cells: [obj.metadata.name, n, since(obj.metadata.creationTimestamp, now)] };
    }
    case 'daemonsets':
      return daemonSetRow(obj as DaemonSet, now);
    default:
      return { cells: [obj.metadata.name, since(obj.metadata.creationTimestamp, now)] };
  }
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/**
 * Builds a meta.k8s.io/v1 Table. `includeObject` defaults to Metadata like the server: kubectl needs
 * the row's namespace (for -A) and labels (for --show-labels / -L) from it.
 */
export function toTable(
  resource: string,
  objects: Array<{ obj: KubeObject; full: KubeObject }>,
  listMeta: Record<string, unknown>,
  includeObject: IncludeObject,
  now: number,
): Record<string, unknown> {
  const columns = COLUMNS[resource] ?? [col('Name', NAME_DOC, { format: 'name' }), col('Created At', AGE_DOC, { type: 'date' })];
  const rows = objects.map(({ obj, full }) => {
    const row = tableRow(resource, obj, now);
    if (includeObject === 'Object') row.object = full;
    else if (includeObject === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    return row;
  });
  return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, columnDefinitions: columns, rows };
}
