/**
 * Shapes of the recorded cluster the test API server serves. Objects stay plain JSON (timestamps
 * are RFC 3339 strings, as on the wire) so a fixture file is exactly what a real server returned;
 * the typed fields below are only the ones the server itself reads.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ContainerStateWaiting {
  reason?: string;
  message?: string;
}
export interface ContainerStateRunning {
  startedAt?: string;
}
export interface ContainerStateTerminated {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  containerID?: string;
}
export interface ContainerState {
  waiting?: ContainerStateWaiting;
  running?: ContainerStateRunning;
  terminated?: ContainerStateTerminated;
}

export interface ContainerStatus {
  name: string;
  state?: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
  [key: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  restartPolicy?: string;
  imagePullPolicy?: string;
  [key: string]: unknown;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  [key: string]: unknown;
}

export interface PodSpec {
  nodeName?: string;
  containers: Container[];
  initContainers?: Container[];
  restartPolicy?: string;
  schedulerName?: string;
  serviceAccountName?: string;
  hostNetwork?: boolean;
  readinessGates?: Array<{ conditionType: string }>;
  [key: string]: unknown;
}

export interface PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  conditions?: PodCondition[];
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  nominatedNodeName?: string;
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  qosClass?: string;
  [key: string]: unknown;
}

export interface Pod extends KubeObject {
  spec: PodSpec;
  status: PodStatus;
}

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface Node extends KubeObject {
  spec: {
    podCIDR?: string;
    podCIDRs?: string[];
    unschedulable?: boolean;
    taints?: Array<{ key: string; value?: string; effect: string; timeAdded?: string }>;
    [key: string]: unknown;
  };
  status: {
    conditions?: NodeCondition[];
    addresses?: Array<{ type: string; address: string }>;
    nodeInfo?: {
      kernelVersion?: string;
      osImage?: string;
      containerRuntimeVersion?: string;
      kubeletVersion?: string;
      [key: string]: unknown;
    };
    [key: string]: unknown;
  };
}

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
  type?: string;
  series?: { count: number; lastObservedTime: string };
  reportingComponent?: string;
  reportingInstance?: string;
  action?: string;
}

export interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string };
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface DaemonSet extends KubeObject {
  spec: {
    selector: LabelSelectorSpec;
    template: { metadata?: Partial<ObjectMeta>; spec: PodSpec };
    [key: string]: unknown;
  };
  status?: {
    currentNumberScheduled?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    numberMisscheduled?: number;
    numberUnavailable?: number;
    observedGeneration?: number;
    [key: string]: unknown;
  };
}

export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** The answer of GET /version. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/**
 * A container's log as the kubelet would serve it. Each line starts with its RFC 3339 timestamp
 * (the `kubectl logs --timestamps` form) so sinceSeconds/sinceTime/timestamps can be answered;
 * the server strips the stamp unless `timestamps=true`.
 */
export interface ContainerLogs {
  /** Log of the running container, or of the last terminated one while it waits to restart. */
  current?: string;
  /** Log of the previous terminated instance (`previous=true`). */
  previous?: string;
}

/** Extra process settings for exec into one pod (`ns/pod`) or container (`ns/pod/container`). */
export interface ExecFixture {
  env?: Record<string, string>;
  cwd?: string;
}

export interface ClusterFixture {
  /** When the recording was taken; informational (ages are computed from the object timestamps). */
  recordedAt?: string;
  serverVersion: VersionInfo;
  namespaces: Namespace[];
  nodes: Node[];
  pods: Pod[];
  events: CoreEvent[];
  daemonSets: DaemonSet[];
  configMaps: ConfigMap[];
  /** Keyed by `namespace/pod/container`. */
  logs: Record<string, ContainerLogs>;
  /** Keyed by `namespace/pod/container` or `namespace/pod`. */
  exec?: Record<string, ExecFixture>;
}
