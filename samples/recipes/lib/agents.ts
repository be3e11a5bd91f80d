/**
 * Sample builders for CNI agents: swap the kit's flannel for Calico, Cilium or the AWS VPC CNI
 * (DaemonSet, one agent pod per node, ConfigMap, healthy logs, the node's net.d, interfaces,
 * routes and iptables as that CNI leaves them), bend one agent into a failure state, and write log
 * lines in each agent's own format. Call `kit.heal()` before switching CNIs: heal() repairs the
 * fixture's flannel pod.
 */
import { at, hex64, type NodeKit, type SampleKit } from '../kit.js';
import type { ConfigMap, CoreEvent, DaemonSet, Pod } from '../../../test/kube-api/types.js';

// ---------------------------------------------------------------------------------------------
// Log line formats
// ---------------------------------------------------------------------------------------------

const T0 = Date.parse(at(0));
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const dateOf = (secondsBefore: number): Date => new Date(T0 - secondsBefore * 1000);

/** `kubectl logs --timestamps` prefix (RFC 3339 with nanoseconds). */
export function logStamp(secondsBefore: number): string {
  return dateOf(secondsBefore).toISOString().replace(/\.(\d{3})Z$/, '.$1204817Z');
}

/** Lines as [seconds before the bundle, text], each with its kubelet timestamp, as the API serves them. */
export function logText(lines: ReadonlyArray<readonly [number, string]>): string {
  return lines.map(([ago, text]) => `${logStamp(ago)} ${text}\n`).join('');
}

/** klog: `E1122 10:24:51.126660       1 main.go:359] message`. */
export function klog(secondsBefore: number, level: 'I' | 'W' | 'E' | 'F', source: string, message: string, pid = 1): string {
  const d = dateOf(secondsBefore);
  return `${level}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}660       ${pid} ${source}] ${message}`;
}

/** Calico: `2026-11-22 10:24:51.126 [ERROR][85] cni-plugin/plugin.go 580: message key=value`. */
export function calicoLine(secondsBefore: number, level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'FATAL' | 'PANIC', pid: number, source: string, message: string): string {
  const d = dateOf(secondsBefore);
  const time = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  return `${time} [${level}][${pid}] ${source}: ${message}`;
}

/** logrus text (cilium ≤ 1.16, aws-node entrypoint): `time="…" level=error msg="…" subsys=daemon`. */
export function logrusLine(secondsBefore: number, level: 'debug' | 'info' | 'warning' | 'error' | 'fatal', message: string, fields: Record<string, string> = {}): string {
  const q = (s: string) => (/^[A-Za-z0-9_./:-]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  const extra = Object.entries(fields).map(([k, v]) => ` ${k}=${q(v)}`).join('');
  return `time="${dateOf(secondsBefore).toISOString().replace(/\.\d+Z$/, 'Z')}" level=${level} msg=${q(message)}${extra}`;
}

/** zap JSON (aws ipamd.log / plugin.log). */
export function zapLine(secondsBefore: number, level: 'debug' | 'info' | 'warn' | 'error', caller: string, message: string): string {
  return JSON.stringify({ level, ts: dateOf(secondsBefore).toISOString(), caller, msg: message });
}

// ---------------------------------------------------------------------------------------------
// Agent pods and DaemonSets
// ---------------------------------------------------------------------------------------------

const uidOf = (seed: string): string => {
  const h = hex64(`uid/${seed}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const suffixOf = (seed: string, n = 5): string => {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = hex64(`sfx/${seed}`);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return s;
};

interface ContainerPlan {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; mountPropagation?: string }>;
  securityContext?: Record<string, unknown>;
}

export interface AgentPlan {
  namespace: string;
  daemonSet: string;
  labels: Record<string, string>;
  serviceAccount: string;
  initContainers: ContainerPlan[];
  containers: ContainerPlan[];
  volumes: Array<Record<string, unknown>>;
}

function imageId(image: string): string {
  return `${image.replace(/:[^:/]+$/, '')}@sha256:${hex64(`img/${image}`)}`;
}

function runningStatus(c: ContainerPlan, seed: string, startedBefore: number): Record<string, unknown> {
  return { name: c.name, state: { running: { startedAt: at(startedBefore).replace(/\.\d+Z$/, 'Z') } }, lastState: {}, ready: true, restartCount: 0, image: c.image, imageID: imageId(c.image), containerID: `containerd://${hex64(`ctr/${seed}`)}`, started: true };
}

function completedInit(c: ContainerPlan, seed: string, startedBefore: number): Record<string, unknown> {
  const t = at(startedBefore).replace(/\.\d+Z$/, 'Z');
  return { name: c.name, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: t, finishedAt: t, containerID: `containerd://${hex64(`ctr/${seed}`)}` } }, lastState: {}, ready: true, restartCount: 0, image: c.image, imageID: imageId(c.image), containerID: `containerd://${hex64(`ctr/${seed}`)}`, started: false };
}

const conditions = (startedBefore: number, ready: boolean, unready = ''): Array<Record<string, unknown>> => {
  const t = (s: number) => at(s).replace(/\.\d+Z$/, 'Z');
  return [
    { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t(startedBefore - 2) },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: t(startedBefore - 4) },
    ready ? { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: t(startedBefore - 8) } : { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t(1900), reason: 'ContainersNotReady', message: `containers with unready status: [${unready}]` },
    ready ? { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: t(startedBefore - 8) } : { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t(1900), reason: 'ContainersNotReady', message: `containers with unready status: [${unready}]` },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t(startedBefore) },
  ];
};

function nodeIp(kit: SampleKit, node: string): string {
  return kit.node(node).nodeIp;
}

export function agentPod(kit: SampleKit, plan: AgentPlan, node: string, startedBefore = 4 * 86_400): Pod {
  const name = `${plan.daemonSet}-${suffixOf(`${plan.daemonSet}/${node}`)}`;
  const ip = nodeIp(kit, node);
  const ds = kit.fixture.daemonSets.find((d) => d.metadata.name === plan.daemonSet && d.metadata.namespace === plan.namespace);
  const saVol = { name: `kube-api-access-${suffixOf(`${name}/sa`)}`, projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } }] } };
  const saMount = { name: saVol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  const spec = (c: ContainerPlan) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), saMount], resources: { requests: { cpu: '100m' } }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' });
  return {
    metadata: {
      name,
      generateName: `${plan.daemonSet}-`,
      namespace: plan.namespace,
      uid: uidOf(`pod/${plan.namespace}/${name}`),
      resourceVersion: String(50000 + Number.parseInt(hex64(name).slice(0, 4), 16)),
      creationTimestamp: at(startedBefore).replace(/\.\d+Z$/, 'Z'),
      labels: { ...plan.labels, 'controller-revision-hash': hex64(`rev/${plan.daemonSet}`).slice(0, 10), 'pod-template-generation': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: plan.daemonSet, uid: ds?.metadata.uid ?? uidOf(`ds/${plan.namespace}/${plan.daemonSet}`), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [...plan.volumes, saVol],
      initContainers: plan.initContainers.map(spec),
      containers: plan.containers.map(spec),
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: plan.serviceAccount,
      serviceAccount: plan.serviceAccount,
      nodeName: node,
      hostNetwork: true,
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } },
      schedulerName: 'default-scheduler',
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute' }],
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
    },
    status: {
      phase: 'Running',
      conditions: conditions(startedBefore, true) as Pod['status']['conditions'],
      hostIP: ip,
      hostIPs: [{ ip }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: at(startedBefore).replace(/\.\d+Z$/, 'Z'),
      initContainerStatuses: plan.initContainers.map((c) => completedInit(c, `${name}/${c.name}`, startedBefore - 2)) as unknown as Pod['status']['initContainerStatuses'],
      containerStatuses: plan.containers.map((c) => runningStatus(c, `${name}/${c.name}`, startedBefore - 4)) as unknown as Pod['status']['containerStatuses'],
      qosClass: 'Burstable',
    },
  };
}

export function agentDaemonSet(plan: AgentPlan, nodes: number): DaemonSet {
  return {
    metadata: { name: plan.daemonSet, namespace: plan.namespace, uid: uidOf(`ds/${plan.namespace}/${plan.daemonSet}`), resourceVersion: '48001', generation: 1, creationTimestamp: at(5 * 86_400).replace(/\.\d+Z$/, 'Z'), labels: plan.labels, annotations: { 'deprecated.daemonset.template.generation': '1' } },
    spec: {
      selector: { matchLabels: plan.labels },
      template: {
        metadata: { labels: plan.labels },
        spec: {
          initContainers: plan.initContainers.map((c) => ({ ...c, imagePullPolicy: 'IfNotPresent' })),
          containers: plan.containers.map((c) => ({ ...c, imagePullPolicy: 'IfNotPresent' })),
          volumes: plan.volumes,
          serviceAccountName: plan.serviceAccount,
          hostNetwork: true,
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }, { operator: 'Exists', effect: 'NoExecute' }],
          priorityClassName: 'system-node-critical',
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    },
    status: { currentNumberScheduled: nodes, numberMisscheduled: 0, desiredNumberScheduled: nodes, numberReady: nodes, observedGeneration: 1, updatedNumberScheduled: nodes, numberAvailable: nodes },
  };
}

/** Recomputes a DaemonSet's status from its pods in the fixture. */
export function recountDaemonSet(kit: SampleKit, namespace: string, name: string): void {
  const ds = kit.fixture.daemonSets.find((d) => d.metadata.namespace === namespace && d.metadata.name === name);
  if (!ds) return;
  const pods = kit.fixture.pods.filter((p) => p.metadata.namespace === namespace && p.metadata.ownerReferences?.some((o) => o.name === name));
  const ready = pods.filter((p) => (p.status.containerStatuses ?? []).every((c) => c.ready)).length;
  const desired = kit.fixture.nodes.length;
  const status = (ds.status ??= {});
  status.desiredNumberScheduled = desired;
  status.currentNumberScheduled = pods.length;
  status.updatedNumberScheduled = pods.length;
  status.numberReady = ready;
  status.numberAvailable = ready;
  if (desired - ready > 0) status.numberUnavailable = desired - ready;
  else delete status.numberUnavailable;
}

export function podOn(kit: SampleKit, namespace: string, prefix: string, node: string): Pod {
  const pod = kit.fixture.pods.find((p) => p.metadata.namespace === namespace && p.metadata.name.startsWith(prefix) && p.spec.nodeName === node);
  if (!pod) throw new Error(`no ${namespace}/${prefix}* pod on ${node}`);
  return pod;
}

export function flannelPodOn(kit: SampleKit, node: string): Pod {
  return podOn(kit, 'kube-flannel', 'kube-flannel-ds-', node);
}

let eventSeq = 0;
function podEvent(pod: Pod, reason: string, message: string, o: { type?: string; count: number; first: number; last: number; fieldPath?: string }): CoreEvent {
  eventSeq += 1;
  return {
    metadata: { name: `${pod.metadata.name}.${hex64(`ev/${pod.metadata.name}/${reason}/${eventSeq}`).slice(0, 16)}`, namespace: pod.metadata.namespace ?? '', uid: uidOf(`event/${pod.metadata.name}/${reason}/${eventSeq}`), resourceVersion: String(48100 + eventSeq), creationTimestamp: at(o.first).replace(/\.\d+Z$/, 'Z') },
    involvedObject: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, uid: pod.metadata.uid ?? '', apiVersion: 'v1', ...(o.fieldPath ? { fieldPath: o.fieldPath } : {}) },
    reason,
    message,
    source: { component: 'kubelet', host: pod.spec.nodeName ?? '' },
    firstTimestamp: at(o.first).replace(/\.\d+Z$/, 'Z'),
    lastTimestamp: at(o.last).replace(/\.\d+Z$/, 'Z'),
    count: o.count,
    type: o.type ?? 'Normal',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: pod.spec.nodeName ?? '',
  };
}

export interface AgentState {
  state: 'running' | 'crashloop' | 'not-ready' | 'init-crashloop' | 'image-pull' | 'restarted';
  restarts?: number;
  exitCode?: number;
  reason?: string;
  /** The init container that fails (init-crashloop / image-pull). */
  initContainer?: string;
  /** When the last instance ended (seconds before the bundle). */
  lastFinishedBefore?: number;
  /** When the current instance started (restarted). */
  startedBefore?: number;
  /** Readiness probe failure text (not-ready). */
  probeMessage?: string;
}

/** Puts one container of an agent pod into a failure state, with the events the kubelet writes. */
export function setAgentState(kit: SampleKit, pod: Pod, container: string, s: AgentState): void {
  const statuses = (pod.status.containerStatuses ?? []) as unknown as Array<Record<string, unknown>>;
  const inits = (pod.status.initContainerStatuses ?? []) as unknown as Array<Record<string, unknown>>;
  const c = statuses.find((x) => x.name === container);
  if (!c) throw new Error(`no container ${container} in ${pod.metadata.name}`);
  const t = (secs: number) => at(secs).replace(/\.\d+Z$/, 'Z');
  const restarts = s.restarts ?? 7;
  const finished = s.lastFinishedBefore ?? 311;
  const lastId = `containerd://${hex64(`ctr/${pod.metadata.name}/${container}/${restarts}`)}`;
  const terminated = { exitCode: s.exitCode ?? 1, reason: s.reason ?? 'Error', startedAt: t(finished + 2), finishedAt: t(finished), containerID: lastId };
  const fp = `spec.containers{${container}}`;
  const image = String(c.image);
  if (s.state === 'crashloop') {
    Object.assign(c, { state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${container} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } }, lastState: { terminated }, ready: false, started: false, restartCount: restarts, containerID: lastId });
    pod.status.conditions = conditions(4 * 86_400, false, container) as Pod['status']['conditions'];
    kit.fixture.events.push(
      podEvent(pod, 'Pulled', `Container image "${image}" already present on machine`, { count: restarts + 1, first: 1940, last: finished + 2, fieldPath: fp }),
      podEvent(pod, 'BackOff', `Back-off restarting failed container ${container} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`, { type: 'Warning', count: restarts * 5 - 1, first: 1925, last: 9, fieldPath: fp }),
    );
  } else if (s.state === 'not-ready') {
    Object.assign(c, { ready: false, restartCount: restarts, ...(restarts > 0 ? { lastState: { terminated } } : {}) });
    pod.status.conditions = conditions(4 * 86_400, false, container) as Pod['status']['conditions'];
    kit.fixture.events.push(podEvent(pod, 'Unhealthy', `Readiness probe failed: ${s.probeMessage ?? 'HTTP probe failed with statuscode: 503'}`, { type: 'Warning', count: 180, first: 1900, last: 7, fieldPath: fp }));
  } else if (s.state === 'restarted') {
    const started = s.startedBefore ?? 200;
    Object.assign(c, { state: { running: { startedAt: t(started) } }, lastState: { terminated }, ready: true, started: true, restartCount: restarts });
  } else if (s.state === 'init-crashloop' || s.state === 'image-pull') {
    const init = inits.find((x) => x.name === (s.initContainer ?? inits[0]?.name));
    if (!init) throw new Error(`no init container in ${pod.metadata.name}`);
    const initName = String(init.name);
    if (s.state === 'init-crashloop') {
      Object.assign(init, { state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=${initName} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})` } }, lastState: { terminated }, ready: false, restartCount: restarts });
      kit.fixture.events.push(podEvent(pod, 'BackOff', `Back-off restarting failed container ${initName} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`, { type: 'Warning', count: restarts * 5, first: 1925, last: 9, fieldPath: `spec.initContainers{${initName}}` }));
    } else {
      Object.assign(init, { state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(init.image)}"` } }, lastState: {}, ready: false, restartCount: 0 });
      kit.fixture.events.push(
        podEvent(pod, 'Failed', `Failed to pull image "${String(init.image)}": failed to pull and unpack image "${String(init.image)}": failed to resolve reference "${String(init.image)}": failed to do request: Head "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 192.168.56.1:53: server misbehaving`, { type: 'Warning', count: 24, first: 1925, last: 40, fieldPath: `spec.initContainers{${initName}}` }),
        podEvent(pod, 'BackOff', `Back-off pulling image "${String(init.image)}"`, { type: 'Warning', count: 410, first: 1920, last: 6, fieldPath: `spec.initContainers{${initName}}` }),
      );
    }
    for (const x of statuses) Object.assign(x, { state: { waiting: { reason: 'PodInitializing' } }, ready: false, started: false, lastState: {} });
    pod.status.phase = 'Pending';
    pod.status.conditions = [
      { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: t(1930) },
      { type: 'Initialized', status: 'False', lastProbeTime: null, lastTransitionTime: t(1930), reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${initName}]` },
      { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: t(1930), reason: 'ContainersNotReady', message: `containers with unready status: [${statuses.map((x) => String(x.name)).join(' ')}]` },
      { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: t(1930), reason: 'ContainersNotReady', message: `containers with unready status: [${statuses.map((x) => String(x.name)).join(' ')}]` },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: t(1930) },
    ] as Pod['status']['conditions'];
  }
  const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'DaemonSet');
  if (owner) recountDaemonSet(kit, pod.metadata.namespace ?? '', owner.name);
}

/** Makes an agent pod healthy again (running, Ready, no restarts), dropping its warning events. */
export function healAgent(kit: SampleKit, pod: Pod): void {
  const t = (secs: number) => at(secs).replace(/\.\d+Z$/, 'Z');
  const statuses = (pod.status.containerStatuses ?? []) as unknown as Array<Record<string, unknown>>;
  for (const c of statuses) Object.assign(c, { state: { running: { startedAt: t(4 * 86_400 - 6) } }, lastState: {}, ready: true, started: true, restartCount: 0 });
  pod.status.phase = 'Running';
  pod.status.conditions = conditions(4 * 86_400, true) as Pod['status']['conditions'];
  kit.fixture.events = kit.fixture.events.filter((e) => e.involvedObject.uid !== pod.metadata.uid);
  // A container that never restarted has no previous instance to read.
  for (const [key, logs] of Object.entries(kit.fixture.logs)) if (key.startsWith(`${pod.metadata.namespace}/${pod.metadata.name}/`)) delete logs.previous;
  const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'DaemonSet');
  if (owner) recountDaemonSet(kit, pod.metadata.namespace ?? '', owner.name);
}

/** Marks when an agent pod's current container started and became Ready (a rollout or a restart). */
export function setAgentStarted(pod: Pod, container: string, startedBefore: number, readyBefore: number, restarts = 0): void {
  const t = (secs: number) => at(secs).replace(/\.\d+Z$/, 'Z');
  const c = ((pod.status.containerStatuses ?? []) as unknown as Array<Record<string, unknown>>).find((x) => x.name === container);
  if (c) Object.assign(c, { state: { running: { startedAt: t(startedBefore) } }, ready: true, started: true, restartCount: restarts });
  pod.metadata.creationTimestamp = t(startedBefore + 12);
  pod.status.startTime = t(startedBefore + 12);
  for (const cond of pod.status.conditions ?? []) cond.lastTransitionTime = t(cond.type === 'Ready' || cond.type === 'ContainersReady' ? readyBefore : startedBefore + 8);
}

export function setAgentLogs(kit: SampleKit, pod: Pod, container: string, logs: { current?: string; previous?: string }): void {
  kit.fixture.logs[`${pod.metadata.namespace}/${pod.metadata.name}/${container}`] = { ...logs };
}

/** Removes an agent pod from its node (evicted, never scheduled). */
export function removeAgentPod(kit: SampleKit, pod: Pod): void {
  kit.fixture.pods = kit.fixture.pods.filter((p) => p !== pod);
  for (const key of Object.keys(kit.fixture.logs)) if (key.startsWith(`${pod.metadata.namespace}/${pod.metadata.name}/`)) delete kit.fixture.logs[key];
  kit.fixture.events = kit.fixture.events.filter((e) => e.involvedObject.uid !== pod.metadata.uid);
  const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'DaemonSet');
  if (owner) recountDaemonSet(kit, pod.metadata.namespace ?? '', owner.name);
}

// ---------------------------------------------------------------------------------------------
// The stuck pod
// ---------------------------------------------------------------------------------------------

/**
 * Makes the kit's stuck pod (default/web-… on node-2) fail with `error` (the CNI plugin's text,
 * e.g. `plugin type="calico" failed (add): …`): its events and the kubelet/containerd journal.
 */
export function failStuckPod(kit: SampleKit, error: string, o: { op?: 'add' | 'delete'; ages?: number[] } = {}): void {
  const pod = kit.stuckPod;
  const node = kit.node(pod.spec.nodeName!);
  const op = o.op ?? 'add';
  kit.setSandboxError(
    pod,
    op === 'add'
      ? `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "{sandbox}": ${error}`
      : `error killing pod: failed to "KillPodSandbox" for "${pod.metadata.uid}" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"{sandbox}\\": ${error.replace(/"/g, '\\"')}"`,
    op === 'add' ? 'FailedCreatePodSandBox' : 'FailedKillPod',
  );
  const ref = { namespace: pod.metadata.namespace!, name: pod.metadata.name, uid: pod.metadata.uid! };
  for (const age of o.ages ?? [420, 300, 180, 60]) node.failSandbox(ref, error, age, op);
}

// ---------------------------------------------------------------------------------------------
// Switching the kit's CNI
// ---------------------------------------------------------------------------------------------

/** Drops flannel from the fixture: its namespace, DaemonSet, pods, ConfigMap, logs and events. */
export function removeFlannel(kit: SampleKit): void {
  const f = kit.fixture;
  const flannelUids = new Set(f.pods.filter((p) => p.metadata.namespace === 'kube-flannel').map((p) => p.metadata.uid));
  f.pods = f.pods.filter((p) => p.metadata.namespace !== 'kube-flannel');
  f.daemonSets = f.daemonSets.filter((d) => d.metadata.namespace !== 'kube-flannel');
  f.configMaps = f.configMaps.filter((c) => c.metadata.namespace !== 'kube-flannel');
  f.namespaces = f.namespaces.filter((n) => n.metadata.name !== 'kube-flannel');
  f.events = f.events.filter((e) => !flannelUids.has(e.involvedObject.uid));
  for (const key of Object.keys(f.logs)) if (key.startsWith('kube-flannel/')) delete f.logs[key];
  for (const n of f.nodes) {
    const ann = n.metadata.annotations ?? {};
    for (const k of Object.keys(ann)) if (k.startsWith('flannel.alpha.coreos.com/')) delete ann[k];
  }
}

function setNetworkCondition(kit: SampleKit, reason: string, message: string): void {
  for (const n of kit.fixture.nodes) {
    const cond = n.status.conditions?.find((c) => c.type === 'NetworkUnavailable');
    if (cond) Object.assign(cond, { reason, message });
  }
}

function listing(dir: string, entries: Array<{ name: string; mode?: string; size: number; secondsBefore: number }>): string {
  const line = (mode: string, size: number, ago: number, name: string) => {
    const d = dateOf(ago);
    const time = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000000 +0000`;
    return `${mode} 1 0 0 ${size} ${time} ${name}`;
  };
  return [`# cni-evidence listing v1: ${dir} (ls -ln --time-style=full-iso, TZ=UTC)`, line('drwxr-xr-x', 4096, 5 * 86_400, '.'), ...entries.map((e) => line(e.mode ?? '-rw-r--r--', e.size, e.secondsBefore, e.name))].join('\n') + '\n';
}

/** Writes /etc/cni/net.d (files and listing) with per-file modification times. */
export function writeNetD(node: NodeKit, files: Array<{ name: string; text: string; secondsBefore: number; mode?: string }>): void {
  node.netD = new Map(files.map((f) => [f.name, f.text]));
  node.set('cni/net.d.ls', listing('/etc/cni/net.d', files.map((f) => ({ name: f.name, size: Buffer.byteLength(f.text), secondsBefore: f.secondsBefore, ...(f.mode ? { mode: f.mode } : {}) }))), { kind: 'file', path: '/etc/cni/net.d' });
}

interface RunningPodRef {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
  sandboxId: string;
}

/** Takes the node's running pods away from the kit's flannel rendering (cache, reservations, veths). */
function takePods(node: NodeKit): RunningPodRef[] {
  const pods = node.pods.splice(0);
  node.reservations.clear();
  return pods;
}

function writeResults(node: NodeKit, network: string, conflist: string, pods: RunningPodRef[], ifPrefix: string, gateway?: string): void {
  const names = pods.map((p) => `${network}-${p.sandboxId}-eth0`);
  node.set('cni/results.ls', listing('/var/lib/cni/results', names.map((n) => ({ name: n, mode: '-rw-------', size: 1422, secondsBefore: 3000 }))), { kind: 'file', path: '/var/lib/cni/results' });
  node.set('cni/networks.ls', listing('/var/lib/cni/networks', []), { kind: 'file', path: '/var/lib/cni/networks' });
  node.set('net/netns.ls', listing('/run/netns', pods.map((p) => ({ name: `cni-${p.uid}`, mode: '-r--r--r--', size: 0, secondsBefore: 3000 }))), { kind: 'file', path: '/run/netns' });
  for (const p of pods) {
    const cache = {
      kind: 'cniCacheV1',
      containerId: p.sandboxId,
      config: Buffer.from(conflist).toString('base64'),
      ifName: 'eth0',
      networkName: network,
      cniArgs: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', p.namespace], ['K8S_POD_NAME', p.name], ['K8S_POD_INFRA_CONTAINER_ID', p.sandboxId], ['K8S_POD_UID', p.uid]],
      capabilityArgs: { 'io.kubernetes.cri.pod-annotations': null },
      result: { cniVersion: '0.3.1', dns: {}, interfaces: [{ name: `${ifPrefix}${p.sandboxId.slice(0, 11)}` }], ips: [{ address: `${p.ip}/32`, ...(gateway ? { gateway } : {}), interface: 0, version: '4' }], routes: [{ dst: '0.0.0.0/0' }] },
    };
    node.set(`cni/results/${network}-${p.sandboxId}-eth0`, JSON.stringify(cache), { kind: 'file', path: `/var/lib/cni/results/${network}-${p.sandboxId}-eth0` }, { fileMode: '-rw-------' });
  }
}

export const LO = `1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 \n    inet 127.0.0.1/8 scope host lo\n       valid_lft forever preferred_lft forever`;
/** The node's uplink as `ip -d addr` prints it (eth0 unless the node names it otherwise). */
export const nic = (node: NodeKit, name = 'eth0') => `2: ${name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP group default qlen 1000\n    link/ether 52:54:00:12:34:${node.nodeIp.split('.')[3]} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    inet ${node.nodeIp}/24 brd 192.168.56.255 scope global ${name}\n       valid_lft forever preferred_lft forever`;
const eth0 = (node: NodeKit) => nic(node);
const veth = (index: number, name: string, uid: string, mtu: number, mac: string) => `${index}: ${name}@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${mtu} qdisc noqueue state UP group default \n    link/ether ${mac} brd ff:ff:ff:ff:ff:ff link-netns cni-${uid} promiscuity 0 minmtu 68 maxmtu 65535 \n    veth \n    inet6 fe80::ecee:eeff:feee:eeee/64 scope link \n       valid_lft forever preferred_lft forever`;

/** Writes net/ip-addr.txt and net/ip-link.txt from `ip -d addr` blocks. */
export function writeIp(node: NodeKit, links: string[]): void {
  const text = `${links.join('\n')}\n`;
  node.set('net/ip-addr.txt', text, { kind: 'command', argv: ['ip', '-d', 'addr', 'show'] });
  node.set('net/ip-link.txt', `${text.split('\n').filter((l) => !/^\s+(inet|valid_lft)/.test(l)).join('\n')}`, { kind: 'command', argv: ['ip', '-d', 'link', 'show'] });
}

/** kube-proxy's iptables rules for the kubernetes and kube-dns Services (pass `apiserverVip: false` to drop the first). */
export function kubeProxyNat(o: { apiserverVip?: boolean; endpoint?: string } = {}): string[] {
  const ep = o.endpoint ?? '192.168.56.11:6443';
  const api = o.apiserverVip !== false;
  return [
    ':KUBE-SERVICES - [0:0]',
    ':KUBE-POSTROUTING - [0:0]',
    ':KUBE-MARK-MASQ - [0:0]',
    ...(api ? [':KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]', ':KUBE-SEP-2ZSTB7PQVQMM4ZK2 - [0:0]'] : []),
    ':KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]',
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    ...(api
      ? [
          '-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
          '-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> ' + ep + '" -j KUBE-SEP-2ZSTB7PQVQMM4ZK2',
          `-A KUBE-SEP-2ZSTB7PQVQMM4ZK2 -p tcp -m comment --comment "default/kubernetes:https" -m tcp -j DNAT --to-destination ${ep}`,
        ]
      : []),
    '-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU',
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  ];
}

export function writeIptables(node: NodeKit, filter: string[], nat: string[]): void {
  const stamp = 'Sun Nov 22 10:29:41 2026';
  const text = [
    `# Generated by iptables-nft-save v1.8.7 on ${stamp}`,
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ...filter,
    'COMMIT',
    `# Completed on ${stamp}`,
    `# Generated by iptables-nft-save v1.8.7 on ${stamp}`,
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ...nat,
    'COMMIT',
    `# Completed on ${stamp}`,
  ].join('\n');
  node.set('net/iptables-save.txt', `${text}\n`, { kind: 'command', argv: ['iptables-nft-save'] }, { exitCode: 0 });
}

/** crictl info as containerd prints it once it has loaded `network` from net.d. */
export function writeCriInfo(node: NodeKit, network: { name: string; cniVersion: string; types: string[] }): void {
  const info = {
    status: { conditions: [{ type: 'RuntimeReady', status: true, reason: '', message: '' }, { type: 'NetworkReady', status: true, reason: '', message: '' }] },
    cniconfig: {
      PluginDirs: ['/opt/cni/bin'],
      PluginConfDir: '/etc/cni/net.d',
      PluginMaxConfNum: 1,
      Prefix: 'eth',
      Networks: [
        { Config: { Name: 'cni-loopback', CNIVersion: '0.3.1', Plugins: [{ Network: { type: 'loopback' } }] }, IFName: 'lo' },
        { Config: { Name: network.name, CNIVersion: network.cniVersion, Plugins: network.types.map((type) => ({ Network: { type } })) }, IFName: 'eth0' },
      ],
    },
    config: { sandboxImage: 'registry.k8s.io/pause:3.10', cni: { binDir: '/opt/cni/bin', confDir: '/etc/cni/net.d', maxConfNum: 1 } },
    lastCNILoadStatus: 'OK',
    'lastCNILoadStatus.default': 'OK',
  };
  node.set('cri/info.json', `${JSON.stringify(info, null, 2)}\n`, { kind: 'command', argv: ['crictl', 'info'] }, { exitCode: 0 });
}

// -- Calico ------------------------------------------------------------------------------------

export const CALICO_VERSION = 'v3.28.2';

export function calicoConflist(nodeName: string): string {
  return `{
  "name": "k8s-pod-network",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "calico",
      "log_level": "info",
      "log_file_path": "/var/log/calico/cni/cni.log",
      "datastore_type": "kubernetes",
      "nodename": "${nodeName}",
      "mtu": 0,
      "ipam": {
          "type": "calico-ipam"
      },
      "policy": {
          "type": "k8s"
      },
      "kubernetes": {
          "kubeconfig": "/etc/cni/net.d/calico-kubeconfig"
      }
    },
    {
      "type": "portmap",
      "snat": true,
      "capabilities": {"portMappings": true}
    },
    {
      "type": "bandwidth",
      "capabilities": {"bandwidth": true}
    }
  ]
}
`;
}

export const CALICO_KUBECONFIG = `# Kubeconfig file for Calico CNI plugin. Installed by calico/node.
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://10.96.0.1:443
    certificate-authority-data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJUTFuSjNWZFRxN293RFFZSktvWklodmNOQVFFTEJRQXdGVEVUTUJFR0ExVUUKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
users:
- name: calico
  user:
    token: REDACTED
contexts:
- name: calico-context
  context:
    cluster: local
    user: calico
current-context: calico-context
`;

function calicoPlan(namespace: string): AgentPlan {
  const image = (c: string) => `docker.io/calico/${c}:${CALICO_VERSION}`;
  return {
    namespace,
    daemonSet: 'calico-node',
    labels: { 'k8s-app': 'calico-node' },
    serviceAccount: 'calico-node',
    volumes: [
      { name: 'lib-modules', hostPath: { path: '/lib/modules', type: '' } },
      { name: 'var-run-calico', hostPath: { path: '/var/run/calico', type: 'DirectoryOrCreate' } },
      { name: 'var-lib-calico', hostPath: { path: '/var/lib/calico', type: 'DirectoryOrCreate' } },
      { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
      { name: 'sys-fs', hostPath: { path: '/sys/fs/', type: 'DirectoryOrCreate' } },
      { name: 'bpffs', hostPath: { path: '/sys/fs/bpf', type: 'Directory' } },
      { name: 'cni-bin-dir', hostPath: { path: '/opt/cni/bin', type: 'DirectoryOrCreate' } },
      { name: 'cni-net-dir', hostPath: { path: '/etc/cni/net.d', type: '' } },
      { name: 'cni-log-dir', hostPath: { path: '/var/log/calico/cni', type: '' } },
    ],
    initContainers: [
      { name: 'upgrade-ipam', image: image('cni'), command: ['/opt/cni/bin/calico-ipam', '-upgrade'], volumeMounts: [{ name: 'host-local-net-dir', mountPath: '/var/lib/cni/networks' }, { name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' }] },
      { name: 'install-cni', image: image('cni'), command: ['/opt/cni/bin/install'], env: [{ name: 'CNI_CONF_NAME', value: '10-calico.conflist' }, { name: 'CNI_NETWORK_CONFIG', valueFrom: { configMapKeyRef: { name: 'calico-config', key: 'cni_network_config' } } }], volumeMounts: [{ name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' }, { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d' }], securityContext: { privileged: true } },
      { name: 'mount-bpffs', image: image('node'), command: ['calico-node', '-init', '-best-effort'], volumeMounts: [{ name: 'sys-fs', mountPath: '/sys/fs', mountPropagation: 'Bidirectional' }], securityContext: { privileged: true } },
    ],
    containers: [
      {
        name: 'calico-node',
        image: image('node'),
        env: [
          { name: 'DATASTORE_TYPE', value: 'kubernetes' },
          { name: 'NODENAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'CALICO_NETWORKING_BACKEND', valueFrom: { configMapKeyRef: { name: 'calico-config', key: 'calico_backend' } } },
          { name: 'IP', value: 'autodetect' },
          { name: 'CALICO_IPV4POOL_IPIP', value: 'Always' },
          { name: 'CALICO_IPV4POOL_CIDR', value: '10.244.0.0/16' },
          { name: 'FELIX_IPV6SUPPORT', value: 'false' },
          { name: 'FELIX_HEALTHENABLED', value: 'true' },
        ],
        volumeMounts: [
          { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d', readOnly: false },
          { name: 'lib-modules', mountPath: '/lib/modules', readOnly: true },
          { name: 'xtables-lock', mountPath: '/run/xtables.lock', readOnly: false },
          { name: 'var-run-calico', mountPath: '/var/run/calico', readOnly: false },
          { name: 'var-lib-calico', mountPath: '/var/lib/calico', readOnly: false },
          { name: 'bpffs', mountPath: '/sys/fs/bpf' },
          { name: 'cni-log-dir', mountPath: '/var/log/calico/cni', readOnly: true },
        ],
        securityContext: { privileged: true },
      },
    ],
  };
}

/**
 * calico-node's log on a healthy node: start-up, then the CNI kubeconfig refreshes at `refreshes`
 * (seconds before the bundle), merged in time order with `extra` lines.
 */
export function calicoHealthyLog(node: NodeKit, startedBefore: number, o: { refreshes?: number[]; extra?: Array<readonly [number, string]> } = {}): string {
  const s = startedBefore;
  const lines: Array<readonly [number, string]> = [
    [s, calicoLine(s, 'INFO', 9, 'startup/startup.go 425', 'Early log level set to info')],
    [s, calicoLine(s, 'INFO', 9, 'startup/utils.go 126', 'Using NODENAME environment for node name ' + node.name)],
    [s, calicoLine(s, 'INFO', 9, 'startup/utils.go 138', 'Determined node name: ' + node.name)],
    [s - 1, calicoLine(s - 1, 'INFO', 9, 'startup/autodetection_methods.go 103', `Using autodetected IPv4 address on interface eth0: ${node.nodeIp}/24`)],
    [s - 1, calicoLine(s - 1, 'INFO', 9, 'startup/startup.go 791', 'CALICO_IPV4POOL_NAT_OUTGOING is true (defaulted) through environment variable')],
    [s - 2, calicoLine(s - 2, 'INFO', 9, 'startup/startup.go 1058', 'Ensure default IPv4 pool is created. IPIP mode: Always, VXLAN mode: Never, DisableBGPExport: false')],
    [s - 2, calicoLine(s - 2, 'INFO', 9, 'startup/startup.go 282', `Using node name: ${node.name}`)],
    [s - 3, calicoLine(s - 3, 'INFO', 85, 'tunnel-ip-allocator/allocateip.go 302', `Assign a new tunnel address type="ipipTunnelAddress"`)],
    [s - 6, calicoLine(s - 6, 'INFO', 82, 'felix/int_dataplane.go 1908', 'Completed first update to dataplane. secsSinceStart=1.921')],
    [600, calicoLine(600, 'INFO', 82, 'felix/summary.go 100', 'Summarising 11 dataplane reconciliation loops over 1m0.9s: avg=4ms longest=12ms (resync-nat-v4)')],
  ];
  for (const ago of o.refreshes ?? [s - 4, 7200]) {
    lines.push([ago, calicoLine(ago, 'INFO', 85, 'cni-config-monitor/token_watch.go 225', 'Update of CNI kubeconfig triggered based on elapsed time.')]);
    lines.push([ago, calicoLine(ago, 'INFO', 85, 'cni-config-monitor/token_watch.go 280', 'Wrote updated CNI kubeconfig file. path="/host/etc/cni/net.d/calico-kubeconfig"')]);
  }
  lines.push(...(o.extra ?? []));
  return logText([...lines].sort((a, b) => b[0] - a[0]));
}

function calicoConfigMap(namespace: string): ConfigMap {
  return {
    metadata: { name: 'calico-config', namespace, uid: uidOf(`cm/${namespace}/calico-config`), resourceVersion: '48010', creationTimestamp: at(5 * 86_400).replace(/\.\d+Z$/, 'Z') },
    data: {
      typha_service_name: 'none',
      calico_backend: 'bird',
      veth_mtu: '0',
      cni_network_config: calicoConflist('__KUBERNETES_NODE_NAME__').replace('"kubeconfig": "/etc/cni/net.d/calico-kubeconfig"', '"kubeconfig": "__KUBECONFIG_FILEPATH__"'),
    },
  };
}

export interface CniSwitchOptions {
  namespace?: string;
}

/** Calico (manifest install, calico-ipam with IPIP) on every node instead of flannel; returns calico-node per node. */
export function useCalico(kit: SampleKit, o: CniSwitchOptions = {}): Map<string, Pod> {
  const namespace = o.namespace ?? 'kube-system';
  removeFlannel(kit);
  const plan = calicoPlan(namespace);
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  kit.fixture.configMaps.push(calicoConfigMap(namespace));
  setNetworkCondition(kit, 'CalicoIsUp', 'Calico is running on this node');
  const out = new Map<string, Pod>();
  for (const node of kit.nodes.values()) {
    const pod = agentPod(kit, plan, node.name);
    kit.fixture.pods.push(pod);
    setAgentLogs(kit, pod, 'calico-node', { current: calicoHealthyLog(node, 4 * 86_400 - 4) });
    out.set(node.name, pod);
    const conflist = calicoConflist(node.name);
    writeNetD(node, [
      { name: '10-calico.conflist', text: conflist, secondsBefore: 4 * 86_400 - 3 },
      { name: 'calico-kubeconfig', text: CALICO_KUBECONFIG, secondsBefore: 7200, mode: '-rw-------' },
    ]);
    node.binPlugins = [...node.binPlugins.filter((p) => p !== 'flannel'), 'calico', 'calico-ipam', 'install'].sort();
    writeCriInfo(node, { name: 'k8s-pod-network', cniVersion: '0.3.1', types: ['calico', 'portmap', 'bandwidth'] });
    node.subnetEnv = null;
    const pods = takePods(node);
    writeResults(node, 'k8s-pod-network', conflist, pods, 'cali');
    const base = node.podCidr.split('/')[0]!.split('.').slice(0, 3).join('.');
    writeIp(node, [
      LO,
      eth0(node),
      `3: tunl0@NONE: <NOARP,UP,LOWER_UP> mtu 1480 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ipip 0.0.0.0 brd 0.0.0.0 promiscuity 0 minmtu 0 maxmtu 0 \n    ipip any remote any local any ttl inherit nopmtudisc \n    inet ${base}.0/32 scope global tunl0\n       valid_lft forever preferred_lft forever`,
      ...pods.map((p, i) => veth(6 + i, `cali${p.sandboxId.slice(0, 11)}`, p.uid, 1480, 'ee:ee:ee:ee:ee:ee')),
    ]);
    node.set(
      'net/ip-route.txt',
      [
        'default via 192.168.56.1 dev eth0 proto static ',
        `blackhole ${base}.0/26 proto bird `,
        ...node.otherCidrs.map((c) => `${c.cidr.replace(/\.0\/24$/, '.0/26')} via ${c.ip} dev tunl0 proto bird onlink `),
        ...pods.map((p) => `${p.ip} dev cali${p.sandboxId.slice(0, 11)} scope link `),
        `192.168.56.0/24 dev eth0 proto kernel scope link src ${node.nodeIp} `,
        `local ${node.nodeIp} dev eth0 table local proto kernel scope host src ${node.nodeIp} `,
      ].join('\n') + '\n',
      { kind: 'command', argv: ['ip', 'route', 'show', 'table', 'all'] },
    );
    writeIptables(
      node,
      [':cali-FORWARD - [0:0]', ':cali-INPUT - [0:0]', ':cali-OUTPUT - [0:0]', ':KUBE-FORWARD - [0:0]', '-A INPUT -m comment --comment "cali:Cz_u1IQiXIMmKD4c" -j cali-INPUT', '-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD', '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD', '-A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT'],
      [':cali-nat-outgoing - [0:0]', ':cali-POSTROUTING - [0:0]', ...kubeProxyNat(), '-A POSTROUTING -m comment --comment "cali:O3lYWMrLQYEMJtB5" -j cali-POSTROUTING', '-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" -j cali-nat-outgoing', '-A cali-nat-outgoing -m comment --comment "cali:flqWnvo8yq4ULQLa" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully'],
    );
  }
  return out;
}

// -- Cilium ------------------------------------------------------------------------------------

export const CILIUM_CONFLIST = `{
  "cniVersion": "0.3.1",
  "name": "cilium",
  "plugins": [
    {
       "type": "cilium-cni",
       "enable-debug": false,
       "log-file": "/var/run/cilium/cilium-cni.log"
    }
  ]
}
`;

function ciliumPlan(version: string): AgentPlan {
  const image = `quay.io/cilium/cilium:${version}`;
  return {
    namespace: 'kube-system',
    daemonSet: 'cilium',
    labels: { 'k8s-app': 'cilium', 'app.kubernetes.io/name': 'cilium-agent', 'app.kubernetes.io/part-of': 'cilium' },
    serviceAccount: 'cilium',
    volumes: [
      { name: 'bpf-maps', hostPath: { path: '/sys/fs/bpf', type: 'DirectoryOrCreate' } },
      { name: 'cilium-run', hostPath: { path: '/var/run/cilium', type: 'DirectoryOrCreate' } },
      { name: 'cni-path', hostPath: { path: '/opt/cni/bin', type: 'DirectoryOrCreate' } },
      { name: 'etc-cni-netd', hostPath: { path: '/etc/cni/net.d', type: 'DirectoryOrCreate' } },
      { name: 'cilium-cgroup', hostPath: { path: '/run/cilium/cgroupv2', type: 'DirectoryOrCreate' } },
    ],
    initContainers: [
      { name: 'config', image, command: ['cilium-dbg', 'build-config'] },
      { name: 'mount-cgroup', image, command: ['sh', '-ec', 'cp /usr/bin/cilium-mount /hostbin/cilium-mount; nsenter --cgroup=/hostproc/1/ns/cgroup --mount=/hostproc/1/ns/mnt "${BIN_PATH}/cilium-mount" $CGROUP_ROOT; rm /hostbin/cilium-mount'] },
      { name: 'apply-sysctl-overwrites', image, command: ['sh', '-ec', 'cp /usr/bin/cilium-sysctlfix /hostbin/cilium-sysctlfix; nsenter --mount=/hostproc/1/ns/mnt "${BIN_PATH}/cilium-sysctlfix"; rm /hostbin/cilium-sysctlfix'] },
      { name: 'mount-bpf-fs', image, command: ['/bin/bash', '-c', '--'], args: ['mount | grep "/sys/fs/bpf type bpf" || mount -t bpf bpf /sys/fs/bpf'], volumeMounts: [{ name: 'bpf-maps', mountPath: '/sys/fs/bpf', mountPropagation: 'Bidirectional' }], securityContext: { privileged: true } },
      { name: 'clean-cilium-state', image, command: ['/init-container.sh'] },
      { name: 'install-cni-binaries', image, command: ['/install-plugin.sh'], volumeMounts: [{ name: 'cni-path', mountPath: '/host/opt/cni/bin' }] },
    ],
    containers: [
      {
        name: 'cilium-agent',
        image,
        command: ['cilium-agent'],
        args: ['--config-dir=/tmp/cilium/config-map'],
        env: [{ name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }, { name: 'CILIUM_K8S_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } }],
        volumeMounts: [{ name: 'bpf-maps', mountPath: '/sys/fs/bpf', mountPropagation: 'HostToContainer' }, { name: 'cilium-run', mountPath: '/var/run/cilium' }, { name: 'etc-cni-netd', mountPath: '/host/etc/cni/net.d' }],
        securityContext: { capabilities: { add: ['CHOWN', 'KILL', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'SYS_MODULE', 'SYS_ADMIN', 'SYS_RESOURCE', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID'] } },
      },
    ],
  };
}

export function ciliumHealthyLog(node: NodeKit, startedBefore: number, version: string): string {
  const s = startedBefore;
  const base = node.podCidr.split('/')[0]!.split('.').slice(0, 3).join('.');
  return logText([
    [s, logrusLine(s, 'info', 'Memory available for map entries (0.003% of 8332279808B): 20830699B', { subsys: 'config' })],
    [s, logrusLine(s, 'info', `  --cluster-pool-ipv4-cidr='10.244.0.0/16'`, { subsys: 'daemon' })],
    [s, logrusLine(s, 'info', `Cilium ${version.replace(/^v/, '')} ${hex64(version).slice(0, 10)} go version go1.22.10 linux/amd64`, { subsys: 'daemon' })],
    [s - 1, logrusLine(s - 1, 'info', 'Detected mounted BPF filesystem at /sys/fs/bpf', { subsys: 'bpf' })],
    [s - 1, logrusLine(s - 1, 'info', `Linux kernel version: 6.8.0`, { subsys: 'linux-datapath' })],
    [s - 2, logrusLine(s - 2, 'info', 'Establishing connection to apiserver', { host: 'https://10.96.0.1:443', subsys: 'k8s-client' })],
    [s - 2, logrusLine(s - 2, 'info', 'Connected to apiserver', { subsys: 'k8s-client' })],
    [s - 3, logrusLine(s - 3, 'info', `Initializing node addressing`, { subsys: 'daemon' })],
    [s - 3, logrusLine(s - 3, 'info', `Using allocated pod CIDR`, { ipv4: `${base}.0/24`, subsys: 'daemon' })],
    [s - 5, logrusLine(s - 5, 'info', 'Daemon initialization completed', { bootstrapTime: '7.41s', subsys: 'daemon' })],
    [s - 5, logrusLine(s - 5, 'info', 'Serving cilium API at unix:///var/run/cilium/cilium.sock', { subsys: 'daemon' })],
    [900, logrusLine(900, 'info', 'Rewrote endpoint BPF program', { containerID: hex64(`ep/${node.name}`).slice(0, 10), datapathPolicyRevision: '0', desiredPolicyRevision: '1', endpointID: '1317', identity: '4', ipv4: `${base}.211`, subsys: 'endpoint' })],
  ]);
}

/** Cilium (cluster-pool IPAM, VXLAN, kube-proxy kept) on every node; returns the cilium agent pod per node. */
export function useCilium(kit: SampleKit, o: { version?: string } = {}): Map<string, Pod> {
  const version = o.version ?? 'v1.16.5';
  removeFlannel(kit);
  const plan = ciliumPlan(version);
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  kit.fixture.configMaps.push({
    metadata: { name: 'cilium-config', namespace: 'kube-system', uid: uidOf('cm/kube-system/cilium-config'), resourceVersion: '48011', creationTimestamp: at(5 * 86_400).replace(/\.\d+Z$/, 'Z') },
    data: { 'cluster-name': 'default', ipam: 'cluster-pool', 'cluster-pool-ipv4-cidr': '10.244.0.0/16', 'cluster-pool-ipv4-mask-size': '24', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan', 'kube-proxy-replacement': 'false', 'bpf-root': '/sys/fs/bpf', 'cni-exclusive': 'true', 'enable-ipv4': 'true', 'enable-ipv6': 'false' },
  });
  setNetworkCondition(kit, 'CiliumIsUp', 'Cilium is running on this node');
  const out = new Map<string, Pod>();
  for (const node of kit.nodes.values()) {
    const pod = agentPod(kit, plan, node.name);
    kit.fixture.pods.push(pod);
    setAgentLogs(kit, pod, 'cilium-agent', { current: ciliumHealthyLog(node, 4 * 86_400 - 4, version) });
    out.set(node.name, pod);
    writeNetD(node, [{ name: '05-cilium.conflist', text: CILIUM_CONFLIST, secondsBefore: 4 * 86_400 - 3 }]);
    node.binPlugins = [...node.binPlugins.filter((p) => p !== 'flannel'), 'cilium-cni'].sort();
    writeCriInfo(node, { name: 'cilium', cniVersion: '0.3.1', types: ['cilium-cni'] });
    node.subnetEnv = null;
    const pods = takePods(node);
    writeResults(node, 'cilium', CILIUM_CONFLIST, pods, 'lxc');
    const base = node.podCidr.split('/')[0]!.split('.').slice(0, 3).join('.');
    const host = `${base}.186`;
    writeIp(node, [
      LO,
      eth0(node),
      `3: cilium_net@cilium_host: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n    link/ether 2a:6c:e1:08:1b:${node.nodeIp.split('.')[3]} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    veth \n    inet6 fe80::286c:e1ff:fe08:1b00/64 scope link \n       valid_lft forever preferred_lft forever`,
      `4: cilium_host@cilium_net: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n    link/ether 6e:1d:4f:90:2a:${node.nodeIp.split('.')[3]} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    veth \n    inet ${host}/32 scope global cilium_host\n       valid_lft forever preferred_lft forever`,
      `5: cilium_vxlan: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/ether 7e:91:0c:5d:44:${node.nodeIp.split('.')[3]} brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n    vxlan external id 0 srcport 0 0 dstport 8472 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx `,
      ...pods.map((p, i) => veth(7 + i, `lxc${p.sandboxId.slice(0, 11)}`, p.uid, 1450, '8e:1d:7a:11:22:33')),
    ]);
    node.set(
      'net/ip-route.txt',
      [
        'default via 192.168.56.1 dev eth0 proto static ',
        `${base}.0/24 via ${host} dev cilium_host proto kernel src ${host} `,
        ...node.otherCidrs.map((c) => `${c.cidr} via ${host} dev cilium_host proto kernel src ${host} mtu 1450 `),
        `${host} dev cilium_host proto kernel scope link `,
        `192.168.56.0/24 dev eth0 proto kernel scope link src ${node.nodeIp} `,
        `local ${node.nodeIp} dev eth0 table local proto kernel scope host src ${node.nodeIp} `,
      ].join('\n') + '\n',
      { kind: 'command', argv: ['ip', 'route', 'show', 'table', 'all'] },
    );
    writeIptables(
      node,
      [':CILIUM_FORWARD - [0:0]', ':CILIUM_INPUT - [0:0]', ':CILIUM_OUTPUT - [0:0]', '-A INPUT -m comment --comment "cilium-feeder: CILIUM_INPUT" -j CILIUM_INPUT', '-A FORWARD -m comment --comment "cilium-feeder: CILIUM_FORWARD" -j CILIUM_FORWARD', '-A OUTPUT -m comment --comment "cilium-feeder: CILIUM_OUTPUT" -j CILIUM_OUTPUT', '-A CILIUM_FORWARD -o cilium_host -m comment --comment "cilium: any->cluster on cilium_host forward accept" -j ACCEPT'],
      [':CILIUM_POST_nat - [0:0]', ...kubeProxyNat(), '-A POSTROUTING -m comment --comment "cilium-feeder: CILIUM_POST_nat" -j CILIUM_POST_nat', `-A CILIUM_POST_nat -s ${base}.0/24 ! -d 10.244.0.0/16 ! -o cilium_+ -m comment --comment "cilium masquerade non-cluster" -j MASQUERADE`],
    );
  }
  return out;
}

// -- AWS VPC CNI --------------------------------------------------------------------------------

export const AWS_CONFLIST = `{
  "cniVersion": "0.4.0",
  "name": "aws-cni",
  "disableCheck": true,
  "plugins": [
    {
      "name": "aws-cni",
      "type": "aws-cni",
      "vethPrefix": "eni",
      "mtu": "9001",
      "podSGEnforcingMode": "strict",
      "pluginLogFile": "/var/log/aws-routed-eni/plugin.log",
      "pluginLogLevel": "DEBUG"
    },
    {
      "name": "egress-cni",
      "type": "egress-cni",
      "mtu": "9001",
      "enabled": "false",
      "randomizeSNAT": "prng",
      "nodeIP": "",
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "fd00::ac:00/118"}]],
        "routes": [{"dst": "::/0"}],
        "dataDir": "/run/cni/v4pd/egress-v6-ipam"
      },
      "pluginLogFile": "/var/log/aws-routed-eni/egress-v6-plugin.log",
      "pluginLogLevel": "DEBUG"
    },
    {
      "type": "portmap",
      "capabilities": {"portMappings": true},
      "snat": true
    }
  ]
}
`;

/** The AWS VPC CNI (aws-node DaemonSet, 10-aws.conflist) on every node. */
export function useAwsNode(kit: SampleKit): Map<string, Pod> {
  removeFlannel(kit);
  const image = '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.19.2-eksbuild.1';
  const plan: AgentPlan = {
    namespace: 'kube-system',
    daemonSet: 'aws-node',
    labels: { 'k8s-app': 'aws-node', 'app.kubernetes.io/name': 'aws-node' },
    serviceAccount: 'aws-node',
    volumes: [
      { name: 'cni-bin-dir', hostPath: { path: '/opt/cni/bin', type: '' } },
      { name: 'cni-net-dir', hostPath: { path: '/etc/cni/net.d', type: '' } },
      { name: 'log-dir', hostPath: { path: '/var/log/aws-routed-eni', type: 'DirectoryOrCreate' } },
      { name: 'run-dir', hostPath: { path: '/var/run/aws-node', type: 'DirectoryOrCreate' } },
    ],
    initContainers: [{ name: 'aws-vpc-cni-init', image: image.replace('amazon-k8s-cni:', 'amazon-k8s-cni-init:'), volumeMounts: [{ name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' }] }],
    containers: [
      { name: 'aws-node', image, env: [{ name: 'AWS_VPC_K8S_CNI_LOGLEVEL', value: 'DEBUG' }, { name: 'MY_NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }], volumeMounts: [{ name: 'cni-bin-dir', mountPath: '/host/opt/cni/bin' }, { name: 'cni-net-dir', mountPath: '/host/etc/cni/net.d' }, { name: 'log-dir', mountPath: '/host/var/log/aws-routed-eni' }] },
      { name: 'aws-eks-nodeagent', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-network-policy-agent:v1.1.6-eksbuild.1' },
    ],
  };
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  kit.fixture.configMaps.push({ metadata: { name: 'amazon-vpc-cni', namespace: 'kube-system', uid: uidOf('cm/kube-system/amazon-vpc-cni'), resourceVersion: '48012', creationTimestamp: at(5 * 86_400).replace(/\.\d+Z$/, 'Z') }, data: { 'enable-network-policy-controller': 'false', 'enable-windows-ipam': 'false', 'enable-windows-prefix-delegation': 'false', 'warm-ip-target': '1', 'minimum-ip-target': '3' } });
  const out = new Map<string, Pod>();
  for (const node of kit.nodes.values()) {
    const pod = agentPod(kit, plan, node.name);
    kit.fixture.pods.push(pod);
    setAgentLogs(kit, pod, 'aws-node', {
      current: logText([
        [4 * 86_400, logrusLine(4 * 86_400, 'info', 'Starting IPAM daemon... ')],
        [4 * 86_400 - 1, logrusLine(4 * 86_400 - 1, 'info', 'Checking for IPAM connectivity... ')],
        [4 * 86_400 - 3, logrusLine(4 * 86_400 - 3, 'info', 'Copying config file... ')],
        [4 * 86_400 - 3, logrusLine(4 * 86_400 - 3, 'info', 'Successfully copied CNI plugin binary and config file.')],
      ]),
    });
    out.set(node.name, pod);
    writeNetD(node, [{ name: '10-aws.conflist', text: AWS_CONFLIST, secondsBefore: 4 * 86_400 - 3 }]);
    node.binPlugins = [...node.binPlugins.filter((p) => p !== 'flannel'), 'aws-cni', 'egress-cni'].sort();
    writeCriInfo(node, { name: 'aws-cni', cniVersion: '0.4.0', types: ['aws-cni', 'egress-cni', 'portmap'] });
    node.subnetEnv = null;
    const pods = takePods(node);
    writeResults(node, 'aws-cni', AWS_CONFLIST, pods, 'eni');
  }
  return out;
}
