/**
 * `kubectl describe pod` from a pod and its events, rendered offline from the collected JSON.
 *
 * It follows kubectl 1.32's describePod (k8s.io/kubectl/pkg/describe) field by field, including
 * its tabwriter alignment, ages (duration.HumanDuration) and event ordering, because support
 * engineers compare it with what they know and the analyzer's describe parser reads both.
 * Known differences: volume types other than hostPath, emptyDir, configMap, secret, projected,
 * persistentVolumeClaim, downwardAPI, csi and nfs print `<unknown>`; resourceFieldRef env values
 * print the container's own request/limit without a divisor; events with equal times keep the
 * server's order (Go's sort is only stable up to 12 events).
 */
import { tabwrite } from './tabwriter.js';

type Json = Record<string, unknown>;

interface Meta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>;
}

interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
}

interface ContainerStatus {
  name: string;
  containerID?: string;
  imageID?: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready?: boolean;
  restartCount?: number;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { apiVersion?: string; fieldPath: string };
    resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
    secretKeyRef?: { name?: string; key: string; optional?: boolean };
    configMapKeyRef?: { name?: string; key: string; optional?: boolean };
  };
}

interface Probe {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port?: number | string; host?: string; scheme?: string };
  tcpSocket?: { port?: number | string; host?: string };
  grpc?: { port?: number; service?: string };
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: Array<{ containerPort?: number; hostPort?: number; protocol?: string }>;
  env?: EnvVar[];
  envFrom?: Array<{ prefix?: string; configMapRef?: { name?: string; optional?: boolean }; secretRef?: { name?: string; optional?: boolean } }>;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  volumeDevices?: Array<{ name: string; devicePath: string }>;
  restartPolicy?: string;
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

interface PodLike {
  metadata?: Meta;
  spec?: {
    nodeName?: string;
    priority?: number;
    priorityClassName?: string;
    runtimeClassName?: string;
    serviceAccountName?: string;
    securityContext?: { seccompProfile?: { type?: string; localhostProfile?: string } };
    initContainers?: Container[];
    containers?: Container[];
    ephemeralContainers?: Container[];
    readinessGates?: Array<{ conditionType: string }>;
    volumes?: Array<Json & { name: string }>;
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    topologySpreadConstraints?: Array<{ topologyKey: string; whenUnsatisfiable?: string; maxSkew?: number; labelSelector?: LabelSelector }>;
  };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    hostIP?: string;
    podIP?: string;
    podIPs?: Array<{ ip: string }>;
    startTime?: string;
    nominatedNodeName?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
    qosClass?: string;
  };
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string } | null;
  source?: { component?: string };
  reportingComponent?: string;
  involvedObject?: { uid?: string; name?: string; namespace?: string };
}

const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);
const MAX_ANNOTATION_LEN = 140;

/** apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
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
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

function parseTime(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function since(value: string | null | undefined, now: number): string {
  const t = parseTime(value);
  return t === null ? '<unknown>' : humanDuration(now - t);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z in the local zone, as kubectl prints metav1.Time (it converts to Local). */
export function rfc1123z(value: string | null | undefined): string {
  const t = parseTime(value);
  if (t === null) return '0001-01-01 00:00:00 +0000 UTC';
  const d = new Date(t);
  const p = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${DAYS[d.getDay()]}, ${p(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.trunc(abs / 60))}${p(abs % 60)}`;
}

/** kubectl's PrefixWriter: levels are two spaces each. */
class PrefixWriter {
  text = '';
  write(level: number, line: string): void {
    this.text += '  '.repeat(level) + line;
  }
}

function printLabelsMultiline(w: PrefixWriter, title: string, labels: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    w.write(0, `${key}=${labels![key]}\n`);
  });
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

function printAnnotationsMultiline(w: PrefixWriter, title: string, annotations: Record<string, string> | undefined): void {
  w.write(0, `${title}:\t`);
  const keys = Object.keys(annotations ?? {})
    .filter((k) => !SKIP_ANNOTATIONS.has(k))
    .sort();
  if (keys.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  keys.forEach((key, i) => {
    if (i !== 0) w.write(0, '\t');
    const value = (annotations![key] ?? '').replace(/\n$/, '');
    if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      w.write(0, `${key}:\n`);
      for (const line of value.split('\n')) w.write(0, `\t  ${shorten(line, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      w.write(0, `${key}: ${value}\n`);
    }
  });
}

function printTolerations(w: PrefixWriter, title: string, tolerations: Toleration[] | undefined): void {
  w.write(0, `${title}:\t`);
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  if (list.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(0, '\t');
    let line = t.key ?? '';
    if (t.value) line += `=${t.value}`;
    if (t.effect) line += `:${t.effect}`;
    // An Exists toleration without a value; with neither key nor effect it tolerates everything.
    if (t.operator === 'Exists' && !t.value) line += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) line += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${line}\n`);
  });
}

function formatLabelSelector(selector: LabelSelector | undefined): string {
  if (!selector) return '<none>';
  const parts: string[] = [];
  for (const key of Object.keys(selector.matchLabels ?? {}).sort()) parts.push(`${key}=${selector.matchLabels![key]}`);
  for (const expr of selector.matchExpressions ?? []) {
    const op = expr.operator.toLowerCase();
    if (op === 'exists') parts.push(expr.key);
    else if (op === 'doesnotexist') parts.push(`!${expr.key}`);
    else parts.push(`${expr.key} ${op === 'notin' ? 'notin' : 'in'} (${[...(expr.values ?? [])].sort().join(',')})`);
  }
  return parts.length === 0 ? '<none>' : parts.join(',');
}

function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map![k])}`)
    .join('\n');
}

/** kubectl's fieldpath.ExtractFieldPathAsString: only metadata fields resolve; others print empty. */
function resolveFieldRef(pod: PodLike, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const sub = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(fieldPath);
  if (sub) return (sub[1] === 'metadata.labels' ? meta.labels : meta.annotations)?.[sub[2]!] ?? '';
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    default:
      return '';
  }
}

function describeProbe(probe: Probe): string {
  const attrs = `delay=${probe.initialDelaySeconds ?? 0}s timeout=${probe.timeoutSeconds ?? 0}s period=${probe.periodSeconds ?? 0}s #success=${probe.successThreshold ?? 0} #failure=${probe.failureThreshold ?? 0}`;
  if (probe.exec) return `exec [${(probe.exec.command ?? []).join(' ')}] ${attrs}`;
  if (probe.httpGet) {
    const port = probe.httpGet.port === undefined ? '' : String(probe.httpGet.port);
    const rawHost = probe.httpGet.host ?? '';
    const host = port !== '' ? `${rawHost.includes(':') ? `[${rawHost}]` : rawHost}:${port}` : rawHost;
    const path = probe.httpGet.path ?? '';
    return `http-get ${(probe.httpGet.scheme ?? '').toLowerCase()}://${host}${path.startsWith('/') || path === '' ? path : `/${path}`} ${attrs}`;
  }
  if (probe.tcpSocket) return `tcp-socket ${probe.tcpSocket.host ?? ''}:${probe.tcpSocket.port ?? ''} ${attrs}`;
  if (probe.grpc) return `grpc <pod>:${probe.grpc.port ?? 0} ${probe.grpc.service ?? ''} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: PrefixWriter, name: string, state: ContainerState | undefined): void {
  if (state?.running) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(2, `${name}:\tWaiting\n`);
    if (state.waiting.reason) w.write(3, `Reason:\t${state.waiting.reason}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode ?? 0}\n`);
    if ((t.signal ?? 0) > 0) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(2, `${name}:\tWaiting\n`);
  }
}

function resourceValue(container: Container, resource: string): string {
  const [kind, name] = resource.split('.') as [string, string | undefined];
  const value = (kind === 'limits' ? container.resources?.limits : container.resources?.requests)?.[name ?? ''];
  if (value === undefined) return kind === 'limits' && (name === 'cpu' || name === 'memory') ? 'node allocatable' : '0';
  return value;
}

function describeContainers(w: PrefixWriter, label: string, pod: PodLike, containers: Container[], statuses: ContainerStatus[] | undefined): void {
  w.write(0, `${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  for (const c of containers) {
    const status = byName.get(c.name);
    w.write(1, `${c.name}:\n`);
    if (status) w.write(2, `Container ID:\t${status.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image ?? ''}\n`);
    if (status) w.write(2, `Image ID:\t${status.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort ?? 0}/${p.protocol ?? ''}`).join(', ');
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? ''}`).join(', ');
    if (ports.includes(',')) w.write(2, `Ports:\t${ports}\n`);
    else w.write(2, `Port:\t${ports === '' ? '<none>' : ports}\n`);
    if (hostPorts.includes(',')) w.write(2, `Host Ports:\t${hostPorts}\n`);
    else w.write(2, `Host Port:\t${hostPorts === '' ? '<none>' : hostPorts}\n`);
    if (c.restartPolicy) w.write(2, `Restart Policy:\t${c.restartPolicy}\n`);
    if ((c.command ?? []).length > 0) {
      w.write(2, 'Command:\n');
      for (const part of c.command!) for (const line of part.split('\n')) w.write(3, `${line}\n`);
    }
    if ((c.args ?? []).length > 0) {
      w.write(2, 'Args:\n');
      for (const part of c.args!) for (const line of part.split('\n')) w.write(3, `${line}\n`);
    }
    if (status) {
      describeState(w, 'State', status.state);
      if (status.lastState?.terminated) describeState(w, 'Last State', status.lastState);
      w.write(2, `Ready:\t${status.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${status.restartCount ?? 0}\n`);
    }
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    if (Object.keys(limits).length > 0) w.write(2, 'Limits:\n');
    for (const name of Object.keys(limits).sort()) w.write(3, `${name}:\t${limits[name]}\n`);
    if (Object.keys(requests).length > 0) w.write(2, 'Requests:\n');
    for (const name of Object.keys(requests).sort()) w.write(3, `${name}:\t${requests[name]}\n`);
    if (c.livenessProbe) w.write(2, `Liveness:\t${describeProbe(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${describeProbe(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${describeProbe(c.startupProbe)}\n`);
    if ((c.envFrom ?? []).length > 0) {
      w.write(2, 'Environment Variables from:\n');
      for (const e of c.envFrom!) {
        const from = e.configMapRef ? 'ConfigMap' : e.secretRef ? 'Secret' : '';
        const ref = e.configMapRef ?? e.secretRef;
        const optional = ref?.optional === true;
        if (!e.prefix) w.write(3, `${ref?.name ?? ''}\t${from}\tOptional: ${optional}\n`);
        else w.write(3, `${ref?.name ?? ''}\t${from} with prefix '${e.prefix}'\tOptional: ${optional}\n`);
      }
    }
    const env = c.env ?? [];
    w.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
    for (const e of env) {
      const from = e.valueFrom;
      if (!from) {
        (e.value ?? '').split('\n').forEach((line, i) => w.write(3, i === 0 ? `${e.name}:\t${line}\n` : `\t${line}\n`));
      } else if (from.fieldRef) {
        w.write(3, `${e.name}:\t${resolveFieldRef(pod, from.fieldRef.fieldPath)} (${from.fieldRef.apiVersion ?? ''}:${from.fieldRef.fieldPath})\n`);
      } else if (from.resourceFieldRef) {
        w.write(3, `${e.name}:\t${resourceValue(c, from.resourceFieldRef.resource)} (${from.resourceFieldRef.resource})\n`);
      } else if (from.secretKeyRef) {
        w.write(3, `${e.name}:\t<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name ?? ''}'>\tOptional: ${from.secretKeyRef.optional === true}\n`);
      } else if (from.configMapKeyRef) {
        w.write(3, `${e.name}:\t<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name ?? ''}'>\tOptional: ${from.configMapKeyRef.optional === true}\n`);
      }
    }
    const mounts = [...(c.volumeMounts ?? [])].sort((a, b) => (a.mountPath < b.mountPath ? -1 : a.mountPath > b.mountPath ? 1 : 0));
    w.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
    for (const m of mounts) {
      const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path=${JSON.stringify(m.subPath)}`] : [])];
      w.write(3, `${m.mountPath} from ${m.name} (${flags.join(',')})\n`);
    }
    if ((c.volumeDevices ?? []).length > 0) {
      w.write(2, `Devices:${mounts.length === 0 ? '\t<none>' : ''}\n`);
      const devices = [...c.volumeDevices!].sort((a, b) => (a.devicePath < b.devicePath ? -1 : a.devicePath > b.devicePath ? 1 : 0));
      for (const d of devices) w.write(3, `${d.devicePath} from ${d.name}\n`);
    }
  }
}

function goBoolPointer(value: unknown): string {
  return value === undefined || value === null ? '<nil>' : String(value);
}

function describeVolumes(w: PrefixWriter, volumes: Array<Json & { name: string }> | undefined): void {
  if (!volumes || volumes.length === 0) {
    w.write(0, 'Volumes:\t<none>\n');
    return;
  }
  w.write(0, 'Volumes:\n');
  for (const volume of volumes) {
    w.write(1, `${volume.name}:\n`);
    const v = volume as Record<string, Record<string, unknown> | undefined>;
    if (v.hostPath) {
      const type = v.hostPath.type === undefined ? '<none>' : String(v.hostPath.type);
      w.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${String(v.hostPath.path ?? '')}\n    HostPathType:\t${type}\n`);
    } else if (v.emptyDir) {
      const limit = v.emptyDir.sizeLimit !== undefined && v.emptyDir.sizeLimit !== '0' ? String(v.emptyDir.sizeLimit) : '<unset>';
      w.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${String(v.emptyDir.medium ?? '')}\n    SizeLimit:\t${limit}\n`);
    } else if (v.secret) {
      w.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${String(v.secret.secretName ?? '')}\n    Optional:\t${v.secret.optional === true}\n`);
    } else if (v.configMap) {
      w.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${String(v.configMap.name ?? '')}\n    Optional:\t${v.configMap.optional === true}\n`);
    } else if (v.projected) {
      w.write(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
      for (const source of (v.projected.sources as Array<Record<string, Record<string, unknown> | undefined>> | undefined) ?? []) {
        if (source.secret) w.write(2, `SecretName:\t${String(source.secret.name ?? '')}\n    Optional:\t${goBoolPointer(source.secret.optional)}\n`);
        else if (source.downwardAPI) w.write(2, 'DownwardAPI:\ttrue\n');
        else if (source.configMap) w.write(2, `ConfigMapName:\t${String(source.configMap.name ?? '')}\n    ConfigMapOptional:\t${goBoolPointer(source.configMap.optional)}\n`);
        else if (source.serviceAccountToken) w.write(2, `TokenExpirationSeconds:\t${Number(source.serviceAccountToken.expirationSeconds ?? 0)}\n`);
      }
    } else if (v.persistentVolumeClaim) {
      w.write(2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${String(v.persistentVolumeClaim.claimName ?? '')}\n    ReadOnly:\t${v.persistentVolumeClaim.readOnly === true}\n`);
    } else if (v.downwardAPI) {
      w.write(2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
      for (const item of (v.downwardAPI.items as Array<{ path: string; fieldRef?: { fieldPath: string }; resourceFieldRef?: { resource: string } }> | undefined) ?? []) {
        if (item.fieldRef) w.write(3, `${item.fieldRef.fieldPath} -> ${item.path}\n`);
        if (item.resourceFieldRef) w.write(3, `${item.resourceFieldRef.resource} -> ${item.path}\n`);
      }
    } else if (v.csi) {
      w.write(2, `Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t${String(v.csi.driver ?? '')}\n    FSType:\t${String(v.csi.fsType ?? '')}\n    ReadOnly:\t${v.csi.readOnly === true}\n`);
    } else if (v.nfs) {
      w.write(2, `Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t${String(v.nfs.server ?? '')}\n    Path:\t${String(v.nfs.path ?? '')}\n    ReadOnly:\t${v.nfs.readOnly === true}\n`);
    } else {
      w.write(1, '<unknown>\n');
    }
  }
}

/** kubectl's event.SortableEvents key: series, then lastTimestamp, then eventTime. */
function eventSortTime(e: EventLike): number {
  return parseTime(e.series?.lastObservedTime) ?? parseTime(e.lastTimestamp) ?? parseTime(e.eventTime) ?? Number.NEGATIVE_INFINITY;
}

function describeEvents(w: PrefixWriter, events: EventLike[], now: number): void {
  if (events.length === 0) {
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  // Stable on purpose: kubectl's insertion sort keeps the server order for equal times.
  const sorted = events.map((e, i) => ({ e, i })).sort((a, b) => eventSortTime(a.e) - eventSortTime(b.e) || a.i - b.i);
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const { e } of sorted) {
    const first = parseTime(e.eventTime) !== null ? since(e.eventTime, now) : since(e.firstTimestamp, now);
    let interval: string;
    if (e.series) interval = `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
    else if ((e.count ?? 0) > 1) interval = `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
    else interval = first;
    const source = e.source?.component || e.reportingComponent || '';
    w.write(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}

/** The QoS class the API would compute, for pods that carry none in their status. */
function qosClass(pod: PodLike): string {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      const limit = limits[r];
      if (limit === undefined || (requests[r] ?? limit) !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The events kubectl describe shows for a pod: those whose involvedObject is this pod (uid, name, namespace). */
export function eventsOfPod<E extends EventLike>(pod: object, events: readonly E[]): E[] {
  const meta = (pod as PodLike).metadata ?? {};
  return events.filter((e) => e.involvedObject?.uid === meta.uid && e.involvedObject?.name === meta.name && (e.involvedObject?.namespace ?? '') === (meta.namespace ?? ''));
}

/** `kubectl describe pod` text for `pod`; `events` are that pod's events; `now` sets the ages. */
export function describePod(object: object, events: readonly EventLike[], now: Date | number = Date.now()): string {
  // Plain JSON as the API served it; only the fields read below are typed.
  const pod = object as PodLike;
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const meta = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const w = new PrefixWriter();
  w.write(0, `Name:\t${meta.name ?? ''}\n`);
  w.write(0, `Namespace:\t${meta.namespace ?? ''}\n`);
  if (spec.priority !== undefined && spec.priority !== null) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec.priorityClassName) w.write(0, `Priority Class Name:\t${spec.priorityClassName}\n`);
  if (spec.runtimeClassName) w.write(0, `Runtime Class Name:\t${spec.runtimeClassName}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, spec.nodeName ? `Node:\t${spec.nodeName}/${status.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (status.startTime) w.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  printLabelsMultiline(w, 'Labels', meta.labels);
  printAnnotationsMultiline(w, 'Annotations', meta.annotations);
  if (meta.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(meta.deletionTimestamp, nowMs)})\n`);
    w.write(0, `Termination Grace Period:\t${meta.deletionGracePeriodSeconds ?? 0}s\n`);
  } else {
    w.write(0, `Status:\t${status.phase ?? ''}\n`);
  }
  if (status.reason) w.write(0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(0, `Message:\t${status.message}\n`);
  const seccomp = spec.securityContext?.seccompProfile;
  if (seccomp) {
    w.write(0, `SeccompProfile:\t${seccomp.type ?? ''}\n`);
    if (seccomp.type === 'Localhost') w.write(0, `LocalhostProfile:\t${seccomp.localhostProfile ?? ''}\n`);
  }
  w.write(0, `IP:\t${status.podIP ?? ''}\n`);
  if ((status.podIPs ?? []).length === 0) {
    w.write(0, 'IPs:\t<none>\n');
  } else {
    w.write(0, 'IPs:\n');
    for (const ip of status.podIPs!) w.write(1, `IP:\t${ip.ip}\n`);
  }
  const controller = (meta.ownerReferences ?? []).find((o) => o.controller === true);
  if (controller) w.write(0, `Controlled By:\t${controller.kind ?? ''}/${controller.name ?? ''}\n`);
  if (status.nominatedNodeName) w.write(0, `NominatedNodeName:\t${status.nominatedNodeName}\n`);
  if ((spec.initContainers ?? []).length > 0) describeContainers(w, 'Init Containers', pod, spec.initContainers!, status.initContainerStatuses);
  describeContainers(w, 'Containers', pod, spec.containers ?? [], status.containerStatuses);
  if ((spec.ephemeralContainers ?? []).length > 0) describeContainers(w, 'Ephemeral Containers', pod, spec.ephemeralContainers!, status.ephemeralContainerStatuses);
  if ((spec.readinessGates ?? []).length > 0) {
    w.write(0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const gate of spec.readinessGates!) {
      const found = (status.conditions ?? []).find((c) => c.type === gate.conditionType);
      w.write(1, `${gate.conditionType} \t${found ? found.status : '<none>'} \n`);
    }
  }
  if ((status.conditions ?? []).length > 0) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of status.conditions!) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, spec.volumes);
  w.write(0, `QoS Class:\t${status.qosClass || qosClass(pod)}\n`);
  printLabelsMultiline(w, 'Node-Selectors', spec.nodeSelector);
  printTolerations(w, 'Tolerations', spec.tolerations);
  const spread = [...(spec.topologySpreadConstraints ?? [])].sort((a, b) => (a.topologyKey < b.topologyKey ? -1 : a.topologyKey > b.topologyKey ? 1 : 0));
  if (spread.length > 0) {
    w.write(0, 'Topology Spread Constraints:\t');
    spread.forEach((t, i) => {
      if (i !== 0) w.write(0, '\t');
      w.write(0, `${t.topologyKey}:${t.whenUnsatisfiable ?? ''} when max skew ${t.maxSkew ?? 0} is exceeded${t.labelSelector ? ` for selector ${formatLabelSelector(t.labelSelector)}` : ''}\n`);
    });
  }
  describeEvents(w, [...events], nowMs);
  return tabwrite(w.text);
}
