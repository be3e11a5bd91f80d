/**
 * The in-memory object store behind the test API server: one map per resource, a single
 * resourceVersion counter like etcd's revision, and a bounded change history so a watch started
 * from a resourceVersion sees what happened after it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ClusterFixture, ContainerLogs, CoreEvent, ExecFixture, KubeObject, ObjectReference, Pod, VersionInfo } from './types.js';

export interface ResourceInfo {
  resource: string;
  singular: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{ name: string; kind: string; verbs: string[] }>;
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCES: ResourceInfo[] = [
  { resource: 'namespaces', singular: 'namespace', kind: 'Namespace', group: '', version: 'v1', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns'], subresources: [{ name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] }] },
  { resource: 'nodes', singular: 'node', kind: 'Node', group: '', version: 'v1', namespaced: false, verbs: RW, shortNames: ['no'], subresources: [{ name: 'status', kind: 'Node', verbs: ['get', 'patch', 'update'] }] },
  {
    resource: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    version: 'v1',
    namespaced: true,
    verbs: RW,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  { resource: 'events', singular: 'event', kind: 'Event', group: '', version: 'v1', namespaced: true, verbs: RW, shortNames: ['ev'] },
  { resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true, verbs: RW, shortNames: ['cm'] },
  { resource: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true, verbs: RW, shortNames: ['ds'], categories: ['all'], subresources: [{ name: 'status', kind: 'DaemonSet', verbs: ['get', 'patch', 'update'] }] },
  { resource: 'selfsubjectaccessreviews', singular: 'selfsubjectaccessreview', kind: 'SelfSubjectAccessReview', group: 'authorization.k8s.io', version: 'v1', namespaced: false, verbs: ['create'] },
  { resource: 'selfsubjectrulesreviews', singular: 'selfsubjectrulesreview', kind: 'SelfSubjectRulesReview', group: 'authorization.k8s.io', version: 'v1', namespaced: false, verbs: ['create'] },
];

export function resourceInfo(group: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.resource === resource);
}

export function apiVersionOf(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ChangeEvent {
  type: WatchEventType;
  resource: string;
  object: KubeObject;
  rv: number;
}

/** Deterministic UUID from a seed, so recorded fixtures are stable across rebuilds. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function randomUid(): string {
  return uuidFrom(randomBytes(16).toString('hex'));
}

const HISTORY_LIMIT = 20_000;

export class ClusterState extends EventEmitter {
  readonly serverVersion: VersionInfo;
  readonly logs = new Map<string, ContainerLogs>();
  readonly exec = new Map<string, ExecFixture>();
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private rv = 1;
  private readonly history: ChangeEvent[] = [];
  private oldestHistoryRv = 1;

  constructor(fixture: ClusterFixture) {
    super();
    this.setMaxListeners(0);
    this.serverVersion = structuredClone(fixture.serverVersion);
    for (const r of RESOURCES) this.objects.set(r.resource, new Map());
    const seed = (resource: string, items: KubeObject[]): void => {
      for (const item of items) {
        const obj = structuredClone(item);
        delete obj.kind;
        delete obj.apiVersion;
        obj.metadata.resourceVersion ??= String(++this.rv);
        const n = Number(obj.metadata.resourceVersion);
        if (Number.isFinite(n) && n > this.rv) this.rv = n;
        obj.metadata.uid ??= uuidFrom(`${resource}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`);
        this.map(resource).set(keyOf(obj), obj);
      }
    };
    seed('namespaces', fixture.namespaces);
    seed('nodes', fixture.nodes);
    seed('pods', fixture.pods);
    seed('events', fixture.events);
    seed('daemonsets', fixture.daemonSets);
    seed('configmaps', fixture.configMaps);
    for (const [k, v] of Object.entries(fixture.logs)) this.logs.set(k, { ...v });
    for (const [k, v] of Object.entries(fixture.exec ?? {})) this.exec.set(k, structuredClone(v));
    this.oldestHistoryRv = this.rv;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** The oldest resourceVersion a watch can resume from; older ones get 410 Gone. */
  get oldestWatchableResourceVersion(): number {
    return this.oldestHistoryRv;
  }

  private map(resource: string): Map<string, KubeObject> {
    const m = this.objects.get(resource);
    if (m === undefined) throw new Error(`unknown resource ${resource}`);
    return m;
  }

  /** Live objects in etcd key order (namespace, then name). Callers must not mutate them. */
  list(resource: string, namespace?: string): KubeObject[] {
    const all = [...this.map(resource).entries()];
    const filtered = namespace === undefined ? all : all.filter(([, o]) => o.metadata.namespace === namespace);
    return filtered.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  get<T extends KubeObject = KubeObject>(resource: string, namespace: string | undefined, name: string): T | undefined {
    return this.map(resource).get(namespace === undefined || namespace === '' ? name : `${namespace}/${name}`) as T | undefined;
  }

  getPod(namespace: string, name: string): Pod | undefined {
    return this.get<Pod>('pods', namespace, name);
  }

  /** Inserts a new object (assigning uid, creationTimestamp, resourceVersion when missing). */
  create<T extends KubeObject>(resource: string, obj: T): T {
    const o = structuredClone(obj);
    delete o.kind;
    delete o.apiVersion;
    o.metadata.uid ??= randomUid();
    o.metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.resourceVersion = String(++this.rv);
    this.map(resource).set(keyOf(o), o);
    this.record('ADDED', resource, o);
    return o;
  }

  /** Applies `fn` to the stored object and bumps its resourceVersion. */
  update<T extends KubeObject>(resource: string, namespace: string | undefined, name: string, fn: (obj: T) => void): T | undefined {
    const o = this.get<T>(resource, namespace, name);
    if (o === undefined) return undefined;
    fn(o);
    o.metadata.resourceVersion = String(++this.rv);
    this.record('MODIFIED', resource, o);
    return o;
  }

  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const m = this.map(resource);
    const key = namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
    const o = m.get(key);
    if (o === undefined) return undefined;
    m.delete(key);
    o.metadata.resourceVersion = String(++this.rv);
    this.record('DELETED', resource, o);
    return o;
  }

  private record(type: WatchEventType, resource: string, object: KubeObject): void {
    const ev: ChangeEvent = { type, resource, object: structuredClone(object), rv: this.rv };
    this.history.push(ev);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.splice(0, this.history.length - HISTORY_LIMIT);
      this.oldestHistoryRv = dropped[dropped.length - 1]?.rv ?? this.oldestHistoryRv;
    }
    this.emit('change', ev);
  }

  /** Changes after `rv` (exclusive), for a watch resuming from a resourceVersion. */
  changesSince(rv: number, resource: string): ChangeEvent[] {
    return this.history.filter((e) => e.rv > rv && e.resource === resource);
  }

  logKey(namespace: string, pod: string, container: string): string {
    return `${namespace}/${pod}/${container}`;
  }

  setLogs(namespace: string, pod: string, container: string, logs: ContainerLogs): void {
    this.logs.set(this.logKey(namespace, pod, container), { ...logs });
  }

  /**
   * Appends to a container's current log (lines without a leading timestamp get the current time)
   * and wakes `follow=true` readers.
   */
  appendLog(namespace: string, pod: string, container: string, text: string): void {
    const key = this.logKey(namespace, pod, container);
    const stamped = text
      .split('\n')
      .filter((l, i, arr) => !(l === '' && i === arr.length - 1))
      .map((l) => (TIMESTAMPED.test(l) ? l : `${rfc3339Nano(new Date())} ${l}`))
      .map((l) => `${l}\n`)
      .join('');
    const cur = this.logs.get(key) ?? {};
    cur.current = (cur.current ?? '') + stamped;
    this.logs.set(key, cur);
    this.emit('log', { key, text: stamped });
  }

  /**
   * Records a core/v1 Event the way the kubelet's recorder does: a repeat of the same
   * (object, reason, message) bumps count and lastTimestamp instead of adding an object.
   */
  recordEvent(args: {
    involvedObject: ObjectReference;
    reason: string;
    message: string;
    type?: 'Normal' | 'Warning';
    component: string;
    host?: string;
    namespace?: string;
    at?: Date;
  }): CoreEvent {
    const ns = args.namespace ?? args.involvedObject.namespace ?? 'default';
    const at = (args.at ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
    const existing = (this.list('events', ns) as CoreEvent[]).find(
      (e) =>
        e.involvedObject.uid === args.involvedObject.uid &&
        e.involvedObject.fieldPath === args.involvedObject.fieldPath &&
        e.reason === args.reason &&
        e.message === args.message,
    );
    if (existing !== undefined) {
      return this.update<CoreEvent>('events', ns, existing.metadata.name, (e) => {
        e.count = (e.count ?? 1) + 1;
        e.lastTimestamp = at;
      }) as CoreEvent;
    }
    const ev: CoreEvent = {
      metadata: {
        name: `${args.involvedObject.name ?? 'unknown'}.${randomBytes(8).toString('hex')}`,
        namespace: ns,
        creationTimestamp: at,
      },
      involvedObject: { ...args.involvedObject },
      reason: args.reason,
      message: args.message,
      source: args.host !== undefined ? { component: args.component, host: args.host } : { component: args.component },
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
      type: args.type ?? 'Normal',
      eventTime: null,
      reportingComponent: args.component,
      reportingInstance: args.host ?? '',
    };
    return this.create('events', ev);
  }
}

export const TIMESTAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) /;

/** RFC 3339 with nanoseconds, the form the kubelet prints for `timestamps=true`. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}Z`);
}

export function keyOf(o: KubeObject): string {
  return o.metadata.namespace !== undefined && o.metadata.namespace !== '' ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
