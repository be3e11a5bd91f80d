/**
 * Builders for recorded clusters. The shapes follow what a kubeadm 1.32 cluster with flannel
 * v0.26 and containerd 1.7 returns (full pod specs and statuses, owner references, kubelet and
 * scheduler events), because collectors and analyzers read those fields and must meet them as
 * they are in the wild. Everything is derived from a seed, so a build is reproducible and
 * `fixtures/three-node-flannel.json` is exactly `threeNodeFlannelCluster()`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ClusterFixture, ConfigMap, CoreEvent, DaemonSet, Namespace, Node, NodeCondition, Pod, VersionInfo } from './types.js';

export type { ClusterFixture } from './types.js';

/** When the recording of three-node-flannel.json was taken. */
export const RECORDED_AT = '2026-11-22T10:30:00Z';

export const THREE_NODE_FIXTURE_PATH = fileURLToPath(new URL('./fixtures/three-node-flannel.json', import.meta.url));

export const FLANNEL_IMAGE = 'docker.io/flannel/flannel:v0.26.1';
export const FLANNEL_CNI_PLUGIN_IMAGE = 'docker.io/flannel/flannel-cni-plugin:v1.5.1-flannel2';
export const KUBE_VERSION = 'v1.32.4';

export function serverVersion(): VersionInfo {
  return {
    major: '1',
    minor: '32',
    gitVersion: KUBE_VERSION,
    gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T16:02:27Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic identifiers
// ---------------------------------------------------------------------------------------------

function hash(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export function uid(seed: string): string {
  const h = hash(`uid:${seed}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function hex64(seed: string): string {
  return hash(`id:${seed}`);
}

/** A pod-name suffix from the apiserver's generateName alphabet. */
export function suffix(seed: string, n = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = hash(`sfx:${seed}`);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return s;
}

function templateHash(seed: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const h = hash(`pth:${seed}`);
  let s = '';
  for (let i = 0; i < 10; i++) s += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

class Clock {
  readonly now: number;
  constructor(now: Date | string | number) {
    this.now = typeof now === 'number' ? now : new Date(now).getTime();
  }
  /** RFC 3339 seconds, like metav1.Time. */
  ago(seconds: number): string {
    return new Date(this.now - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  /** metav1.MicroTime (events.k8s.io eventTime). */
  agoMicro(seconds: number): string {
    return new Date(this.now - seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1417Z');
  }
  private micros(agoSeconds: number): number {
    return Math.round(this.now * 1000 - agoSeconds * 1e6);
  }
  /** The kubelet's log timestamp (RFC 3339 with nanoseconds) for a moment `agoSeconds` back. */
  logStamp(agoSeconds: number): string {
    const us = this.micros(agoSeconds);
    const base = new Date(Math.floor(us / 1e6) * 1000).toISOString().replace(/\.\d+Z$/, '');
    return `${base}.${String(us % 1e6).padStart(6, '0')}${String(Math.abs(us) % 997).padStart(3, '0')}Z`;
  }
  /** klog's header time (MMDD hh:mm:ss.uuuuuu) for the same moment. */
  klog(agoSeconds: number): string {
    const us = this.micros(agoSeconds);
    const d = new Date(Math.floor(us / 1000));
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(us % 1e6, 6)}`;
  }
}

const DAY = 86_400;
const CLUSTER_AGE = 5 * DAY + 3 * 3600;

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

export interface NodePlan {
  name: string;
  ip: string;
  podCIDR: string;
  controlPlane: boolean;
  ready: boolean;
  /** Seconds before `now` the node registered. */
  age: number;
}

function nodeObject(n: NodePlan, c: Clock, rv: () => string): Node {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
  };
  if (n.controlPlane) {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  const mac = hash(`mac:${n.name}`).slice(0, 12).replace(/(..)(?!$)/g, '$1:');
  const heartbeat = c.ago(23);
  const readyCond = n.ready
    ? { type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat, lastTransitionTime: c.ago(n.age - 40), reason: 'KubeletReady', message: 'kubelet is posting ready status' }
    : { type: 'Ready', status: 'Unknown', lastHeartbeatTime: c.ago(1500), lastTransitionTime: c.ago(1450), reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
  const pressure = (type: string, reason: string, message: string): NodeCondition =>
    n.ready
      ? { type, status: 'False', lastHeartbeatTime: heartbeat, lastTransitionTime: c.ago(n.age - 2), reason, message }
      : { type, status: 'Unknown', lastHeartbeatTime: c.ago(1500), lastTransitionTime: c.ago(1450), reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
  const node: Node = {
    metadata: {
      name: n.name,
      uid: uid(`node/${n.name}`),
      resourceVersion: rv(),
      creationTimestamp: c.ago(n.age),
      labels,
      annotations: {
        'flannel.alpha.coreos.com/backend-data': JSON.stringify({ VNI: 1, VtepMAC: mac }),
        'flannel.alpha.coreos.com/backend-type': 'vxlan',
        'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
        'flannel.alpha.coreos.com/public-ip': n.ip,
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: n.podCIDR,
      podCIDRs: [n.podCIDR],
      ...(n.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {}),
      ...(!n.ready
        ? {
            taints: [
              { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: c.ago(1450) },
              { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: c.ago(1445) },
            ],
          }
        : {}),
    },
    status: {
      capacity: { cpu: '4', 'ephemeral-storage': '40970464Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8136992Ki', pods: '110' },
      allocatable: { cpu: '4', 'ephemeral-storage': '37758768195', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8034592Ki', pods: '110' },
      conditions: [
        { type: 'NetworkUnavailable', status: 'False', lastHeartbeatTime: c.ago(n.age - 55), lastTransitionTime: c.ago(n.age - 55), reason: 'FlannelIsUp', message: 'Flannel is running on this node' },
        pressure('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        pressure('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        pressure('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        readyCond,
      ],
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hash(`machine:${n.name}`).slice(0, 32),
        systemUUID: uid(`sysuuid/${n.name}`),
        bootID: uid(`boot/${n.name}`),
        kernelVersion: '6.1.0-28-amd64',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBE_VERSION,
        kubeProxyVersion: KUBE_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      images: [
        { names: [`${FLANNEL_IMAGE.replace(/:.*/, '')}@sha256:${hex64('img/flannel')}`, FLANNEL_IMAGE], sizeBytes: 32996046 },
        { names: [`registry.k8s.io/kube-proxy@sha256:${hex64('img/kube-proxy')}`, `registry.k8s.io/kube-proxy:${KUBE_VERSION}`], sizeBytes: 30911254 },
        { names: [`${FLANNEL_CNI_PLUGIN_IMAGE.replace(/:.*/, '')}@sha256:${hex64('img/cni-plugin')}`, FLANNEL_CNI_PLUGIN_IMAGE], sizeBytes: 4856838 },
        { names: [`registry.k8s.io/pause@sha256:${hex64('img/pause')}`, 'registry.k8s.io/pause:3.10'], sizeBytes: 320368 },
      ],
    },
  };
  return node;
}

// ---------------------------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------------------------

const ALL_TRUE = (c: Clock, started: number): Array<Record<string, unknown>> => [
  { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started - 2) },
  { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started - 4) },
  { type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started - 6) },
  { type: 'ContainersReady', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started - 6) },
  { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started) },
];

const DEFAULT_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

const DAEMON_TOLERATIONS = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
];

function saVolume(seed: string): Record<string, unknown> {
  return {
    name: `kube-api-access-${suffix(seed)}`,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

function saMount(seed: string): Record<string, unknown> {
  return { name: `kube-api-access-${suffix(seed)}`, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
}

function running(name: string, image: string, imageID: string, seed: string, startedAt: string, restartCount = 0, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    state: { running: { startedAt } },
    lastState: {},
    ready: true,
    restartCount,
    image,
    imageID,
    containerID: `containerd://${hex64(`ctr/${seed}`)}`,
    started: true,
    ...extra,
  };
}

function completedInit(name: string, image: string, imageID: string, seed: string, startedAt: string, finishedAt: string): Record<string, unknown> {
  return {
    name,
    state: { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt, containerID: `containerd://${hex64(`ctr/${seed}`)}` } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image,
    imageID,
    containerID: `containerd://${hex64(`ctr/${seed}`)}`,
    started: false,
  };
}

const FLANNEL_DS_UID = uid('daemonset/kube-flannel/kube-flannel-ds');
const KUBE_PROXY_DS_UID = uid('daemonset/kube-system/kube-proxy');
const FLANNEL_REVISION = 'b8c65d7bb';
const KUBE_PROXY_REVISION = '7d5f4b6c9d';

export type FlannelState = 'running' | 'crashloop';

function flannelPod(node: NodePlan, state: FlannelState, c: Clock, rv: () => string): Pod {
  const name = `kube-flannel-ds-${suffix(`flannel/${node.name}`)}`;
  const podUid = uid(`pod/kube-flannel/${name}`);
  const started = node.age - 30;
  const flannelID = `${FLANNEL_IMAGE.replace(/:.*/, '')}@sha256:${hex64('img/flannel')}`;
  const pluginID = `${FLANNEL_CNI_PLUGIN_IMAGE.replace(/:.*/, '')}@sha256:${hex64('img/cni-plugin')}`;
  const initStatuses = [
    completedInit('install-cni-plugin', FLANNEL_CNI_PLUGIN_IMAGE, pluginID, `${name}/install-cni-plugin`, c.ago(started - 1), c.ago(started - 1)),
    completedInit('install-cni', FLANNEL_IMAGE, flannelID, `${name}/install-cni`, c.ago(started - 3), c.ago(started - 3)),
  ];
  let containerStatus: Record<string, unknown>;
  let conditions = ALL_TRUE(c, started);
  if (state === 'running') {
    containerStatus = running('kube-flannel', FLANNEL_IMAGE, flannelID, `${name}/kube-flannel`, c.ago(started - 4));
  } else {
    const unready = 'containers with unready status: [kube-flannel]';
    conditions = [
      { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started - 2) },
      { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started - 4) },
      { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: c.ago(1930), reason: 'ContainersNotReady', message: unready },
      { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: c.ago(1930), reason: 'ContainersNotReady', message: unready },
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(started) },
    ];
    containerStatus = {
      name: 'kube-flannel',
      state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 5m0s restarting failed container=kube-flannel pod=${name}_kube-flannel(${podUid})` } },
      lastState: {
        terminated: { exitCode: 1, reason: 'Error', startedAt: c.ago(311), finishedAt: c.ago(309), containerID: `containerd://${hex64(`ctr/${name}/kube-flannel/7`)}` },
      },
      ready: false,
      restartCount: 7,
      image: FLANNEL_IMAGE,
      imageID: flannelID,
      containerID: `containerd://${hex64(`ctr/${name}/kube-flannel/7`)}`,
      started: false,
    };
  }
  return {
    metadata: {
      name,
      generateName: 'kube-flannel-ds-',
      namespace: 'kube-flannel',
      uid: podUid,
      resourceVersion: rv(),
      creationTimestamp: c.ago(started),
      labels: { app: 'flannel', 'controller-revision-hash': FLANNEL_REVISION, 'k8s-app': 'flannel', 'pod-template-generation': '1', tier: 'node' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-flannel-ds', uid: FLANNEL_DS_UID, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [
        { name: 'run', hostPath: { path: '/run/flannel', type: '' } },
        { name: 'cni-plugin', hostPath: { path: '/opt/cni/bin', type: '' } },
        { name: 'cni', hostPath: { path: '/etc/cni/net.d', type: '' } },
        { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg', defaultMode: 420 } },
        { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
        saVolume(`${name}/sa`),
      ],
      initContainers: [
        {
          name: 'install-cni-plugin',
          image: FLANNEL_CNI_PLUGIN_IMAGE,
          command: ['cp'],
          args: ['-f', '/flannel', '/opt/cni/bin/flannel'],
          resources: {},
          volumeMounts: [{ name: 'cni-plugin', mountPath: '/opt/cni/bin' }, saMount(`${name}/sa`)],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
        {
          name: 'install-cni',
          image: FLANNEL_IMAGE,
          command: ['cp'],
          args: ['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'],
          resources: {},
          volumeMounts: [{ name: 'cni', mountPath: '/etc/cni/net.d' }, { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' }, saMount(`${name}/sa`)],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      containers: [
        {
          name: 'kube-flannel',
          image: FLANNEL_IMAGE,
          command: ['/opt/bin/flanneld'],
          args: ['--ip-masq', '--kube-subnet-mgr'],
          env: [
            { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
            { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
            { name: 'EVENT_QUEUE_DEPTH', value: '5000' },
          ],
          resources: { requests: { cpu: '100m', memory: '50Mi' } },
          volumeMounts: [
            { name: 'run', mountPath: '/run/flannel' },
            { name: 'flannel-cfg', mountPath: '/etc/kube-flannel/' },
            { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
            saMount(`${name}/sa`),
          ],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] }, privileged: false },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'flannel',
      serviceAccount: 'flannel',
      nodeName: node.name,
      hostNetwork: true,
      securityContext: {},
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.name] }] }],
          },
        },
      },
      schedulerName: 'default-scheduler',
      tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }, ...DAEMON_TOLERATIONS],
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: conditions as Pod['status']['conditions'],
      hostIP: node.ip,
      hostIPs: [{ ip: node.ip }],
      podIP: node.ip,
      podIPs: [{ ip: node.ip }],
      startTime: c.ago(started),
      initContainerStatuses: initStatuses as unknown as Pod['status']['initContainerStatuses'],
      containerStatuses: [containerStatus] as unknown as Pod['status']['containerStatuses'],
      qosClass: 'Burstable',
    },
  };
}

function kubeProxyPod(node: NodePlan, c: Clock, rv: () => string): Pod {
  const name = `kube-proxy-${suffix(`kube-proxy/${node.name}`)}`;
  const started = node.age - 20;
  const image = `registry.k8s.io/kube-proxy:${KUBE_VERSION}`;
  return {
    metadata: {
      name,
      generateName: 'kube-proxy-',
      namespace: 'kube-system',
      uid: uid(`pod/kube-system/${name}`),
      resourceVersion: rv(),
      creationTimestamp: c.ago(started),
      labels: { 'controller-revision-hash': KUBE_PROXY_REVISION, 'k8s-app': 'kube-proxy', 'pod-template-generation': '1' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'kube-proxy', uid: KUBE_PROXY_DS_UID, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [
        { name: 'kube-proxy', configMap: { name: 'kube-proxy', defaultMode: 420 } },
        { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
        { name: 'lib-modules', hostPath: { path: '/lib/modules', type: '' } },
        saVolume(`${name}/sa`),
      ],
      containers: [
        {
          name: 'kube-proxy',
          image,
          command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
          env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } }],
          resources: {},
          volumeMounts: [
            { name: 'kube-proxy', mountPath: '/var/lib/kube-proxy' },
            { name: 'xtables-lock', mountPath: '/run/xtables.lock' },
            { name: 'lib-modules', readOnly: true, mountPath: '/lib/modules' },
            saMount(`${name}/sa`),
          ],
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          securityContext: { privileged: true },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'kube-proxy',
      serviceAccount: 'kube-proxy',
      nodeName: node.name,
      hostNetwork: true,
      securityContext: {},
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node.name] }] }],
          },
        },
      },
      schedulerName: 'default-scheduler',
      tolerations: [{ operator: 'Exists' }, ...DAEMON_TOLERATIONS],
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: ALL_TRUE(c, started) as Pod['status']['conditions'],
      hostIP: node.ip,
      hostIPs: [{ ip: node.ip }],
      podIP: node.ip,
      podIPs: [{ ip: node.ip }],
      startTime: c.ago(started),
      containerStatuses: [running('kube-proxy', image, `registry.k8s.io/kube-proxy@sha256:${hex64('img/kube-proxy')}`, `${name}/kube-proxy`, c.ago(started - 2))] as unknown as Pod['status']['containerStatuses'],
      qosClass: 'BestEffort',
    },
  };
}

function staticPod(component: string, node: NodePlan, c: Clock, rv: () => string, opts: { image: string; command: string[]; requests: Record<string, string>; extraAnnotations?: Record<string, string>; restarts?: number }): Pod {
  const name = `${component}-${node.name}`;
  const configHash = hash(`cfg/${name}`).slice(0, 32);
  const started = node.age - 10;
  return {
    metadata: {
      name,
      namespace: 'kube-system',
      uid: uid(`pod/kube-system/${name}`),
      resourceVersion: rv(),
      creationTimestamp: c.ago(started),
      labels: { component, tier: 'control-plane' },
      annotations: {
        ...(opts.extraAnnotations ?? {}),
        'kubernetes.io/config.hash': configHash,
        'kubernetes.io/config.mirror': configHash,
        'kubernetes.io/config.seen': new Date(Date.parse(c.ago(started)) - 4321).toISOString().replace('Z', '123456Z'),
        'kubernetes.io/config.source': 'file',
      },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.name, uid: uid(`node/${node.name}`), controller: true }],
    },
    spec: {
      containers: [
        {
          name: component,
          image: opts.image,
          command: opts.command,
          resources: { requests: opts.requests },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      nodeName: node.name,
      hostNetwork: true,
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      schedulerName: 'default-scheduler',
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      priorityClassName: 'system-node-critical',
      priority: 2000001000,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: ALL_TRUE(c, started) as Pod['status']['conditions'],
      hostIP: node.ip,
      hostIPs: [{ ip: node.ip }],
      podIP: node.ip,
      podIPs: [{ ip: node.ip }],
      startTime: c.ago(started),
      containerStatuses: [
        running(component, opts.image, `${opts.image.replace(/:[^:]+$/, '')}@sha256:${hex64(`img/${component}`)}`, `${name}/${component}`, c.ago(started - 1), opts.restarts ?? 0),
      ] as unknown as Pod['status']['containerStatuses'],
      qosClass: 'Burstable',
    },
  };
}

function controlPlanePods(node: NodePlan, c: Clock, rv: () => string): Pod[] {
  return [
    staticPod('etcd', node, c, rv, {
      image: 'registry.k8s.io/etcd:3.5.16-0',
      command: ['etcd', `--advertise-client-urls=https://${node.ip}:2379`, '--cert-file=/etc/kubernetes/pki/etcd/server.crt', '--client-cert-auth=true', '--data-dir=/var/lib/etcd', `--listen-client-urls=https://127.0.0.1:2379,https://${node.ip}:2379`, `--name=${node.name}`],
      requests: { cpu: '100m', memory: '100Mi' },
      extraAnnotations: { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${node.ip}:2379` },
    }),
    staticPod('kube-apiserver', node, c, rv, {
      image: `registry.k8s.io/kube-apiserver:${KUBE_VERSION}`,
      command: ['kube-apiserver', `--advertise-address=${node.ip}`, '--allow-privileged=true', '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--secure-port=6443', '--service-cluster-ip-range=10.96.0.0/12'],
      requests: { cpu: '250m' },
      extraAnnotations: { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${node.ip}:6443` },
    }),
    staticPod('kube-controller-manager', node, c, rv, {
      image: `registry.k8s.io/kube-controller-manager:${KUBE_VERSION}`,
      command: ['kube-controller-manager', '--allocate-node-cidrs=true', '--cluster-cidr=10.244.0.0/16', '--cluster-name=kubernetes', '--service-cluster-ip-range=10.96.0.0/12', '--use-service-account-credentials=true'],
      requests: { cpu: '200m' },
      restarts: 1,
    }),
    staticPod('kube-scheduler', node, c, rv, {
      image: `registry.k8s.io/kube-scheduler:${KUBE_VERSION}`,
      command: ['kube-scheduler', '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf', '--bind-address=127.0.0.1', '--leader-elect=true'],
      requests: { cpu: '100m' },
      restarts: 1,
    }),
  ];
}

const COREDNS_RS = 'coredns-668d6bf9bc';

function corednsPod(index: number, node: NodePlan, ip: string, c: Clock, rv: () => string): Pod {
  const name = `${COREDNS_RS}-${suffix(`coredns/${index}`)}`;
  const image = 'registry.k8s.io/coredns/coredns:v1.11.3';
  const started = node.age - 60;
  return {
    metadata: {
      name,
      generateName: `${COREDNS_RS}-`,
      namespace: 'kube-system',
      uid: uid(`pod/kube-system/${name}`),
      resourceVersion: rv(),
      creationTimestamp: c.ago(started),
      labels: { 'k8s-app': 'kube-dns', 'pod-template-hash': '668d6bf9bc' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: COREDNS_RS, uid: uid('replicaset/kube-system/coredns'), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }], defaultMode: 420 } }, saVolume(`${name}/sa`)],
      containers: [
        {
          name: 'coredns',
          image,
          args: ['-conf', '/etc/coredns/Corefile'],
          ports: [
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
            { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
          ],
          resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
          volumeMounts: [{ name: 'config-volume', readOnly: true, mountPath: '/etc/coredns' }, saMount(`${name}/sa`)],
          livenessProbe: { httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60, timeoutSeconds: 5, periodSeconds: 10, successThreshold: 1, failureThreshold: 5 },
          readinessProbe: { httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
          securityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'Default',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      serviceAccountName: 'coredns',
      serviceAccount: 'coredns',
      nodeName: node.name,
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }, ...DEFAULT_TOLERATIONS],
      priorityClassName: 'system-cluster-critical',
      priority: 2000000000,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: ALL_TRUE(c, started) as Pod['status']['conditions'],
      hostIP: node.ip,
      hostIPs: [{ ip: node.ip }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: c.ago(started),
      containerStatuses: [running('coredns', image, `registry.k8s.io/coredns/coredns@sha256:${hex64('img/coredns')}`, `${name}/coredns`, c.ago(started - 3))] as unknown as Pod['status']['containerStatuses'],
      qosClass: 'Burstable',
    },
  };
}

export interface WorkloadPlan {
  deployment: string;
  namespace: string;
  node: NodePlan;
  index: number;
  /** creating = stuck in ContainerCreating (sandbox never comes up). */
  state: 'running' | 'creating';
  ip?: string;
  /** Seconds before now the pod was created. */
  age: number;
}

function workloadPod(w: WorkloadPlan, c: Clock, rv: () => string): Pod {
  const rsHash = templateHash(`rs/${w.namespace}/${w.deployment}`);
  const rs = `${w.deployment}-${rsHash}`;
  const name = `${rs}-${suffix(`${w.namespace}/${w.deployment}/${w.index}`)}`;
  const image = 'nginx:1.27.3';
  const unready = 'containers with unready status: [app]';
  const base: Pod = {
    metadata: {
      name,
      generateName: `${rs}-`,
      namespace: w.namespace,
      uid: uid(`pod/${w.namespace}/${name}`),
      resourceVersion: rv(),
      creationTimestamp: c.ago(w.age),
      labels: { app: w.deployment, 'pod-template-hash': rsHash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: uid(`replicaset/${w.namespace}/${rs}`), controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      volumes: [saVolume(`${name}/sa`)],
      containers: [
        {
          name: 'app',
          image,
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
          volumeMounts: [saMount(`${name}/sa`)],
          readinessProbe: { httpGet: { path: '/', port: 80, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      nodeName: w.node.name,
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: DEFAULT_TOLERATIONS,
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  };
  if (w.state === 'running') {
    const ip = w.ip ?? '';
    base.status = {
      phase: 'Running',
      conditions: ALL_TRUE(c, w.age) as Pod['status']['conditions'],
      hostIP: w.node.ip,
      hostIPs: [{ ip: w.node.ip }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: c.ago(w.age),
      containerStatuses: [running('app', `docker.io/library/${image}`, `docker.io/library/nginx@sha256:${hex64('img/nginx')}`, `${name}/app`, c.ago(w.age - 5))] as unknown as Pod['status']['containerStatuses'],
      qosClass: 'Burstable',
    };
  } else {
    base.status = {
      phase: 'Pending',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: c.ago(w.age) },
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(w.age) },
        { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: c.ago(w.age), reason: 'ContainersNotReady', message: unready },
        { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: c.ago(w.age), reason: 'ContainersNotReady', message: unready },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: c.ago(w.age) },
      ],
      hostIP: w.node.ip,
      hostIPs: [{ ip: w.node.ip }],
      startTime: c.ago(w.age),
      containerStatuses: [
        { name: 'app', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image, imageID: '', started: false },
      ],
      qosClass: 'Burstable',
    };
  }
  return base;
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

function eventName(objName: string, seed: string): string {
  return `${objName}.${hash(`ev/${seed}`).slice(0, 16)}`;
}

function podRef(p: Pod, fieldPath?: string): CoreEvent['involvedObject'] {
  const r: CoreEvent['involvedObject'] = { kind: 'Pod', namespace: p.metadata.namespace ?? '', name: p.metadata.name, uid: p.metadata.uid ?? '', apiVersion: 'v1', resourceVersion: p.metadata.resourceVersion ?? '' };
  if (fieldPath !== undefined) r.fieldPath = fieldPath;
  return r;
}

function kubeletEvent(p: Pod, node: string, c: Clock, rv: () => string, e: { reason: string; message: string; type?: string; first: number; last: number; count: number; fieldPath?: string; seed: string }): CoreEvent {
  return {
    metadata: { name: eventName(p.metadata.name, e.seed), namespace: p.metadata.namespace ?? '', uid: uid(`event/${e.seed}`), resourceVersion: rv(), creationTimestamp: c.ago(e.first) },
    involvedObject: podRef(p, e.fieldPath),
    reason: e.reason,
    message: e.message,
    source: { component: 'kubelet', host: node },
    firstTimestamp: c.ago(e.first),
    lastTimestamp: c.ago(e.last),
    count: e.count,
    type: e.type ?? 'Normal',
    eventTime: null,
    reportingComponent: 'kubelet',
    reportingInstance: node,
  };
}

/** The scheduler writes events.k8s.io/v1 events: in the core view they have eventTime, no source or counts. */
function scheduledEvent(p: Pod, node: string, c: Clock, rv: () => string, age: number, controlPlane: string): CoreEvent {
  return {
    metadata: { name: eventName(p.metadata.name, `${p.metadata.name}/scheduled`), namespace: p.metadata.namespace ?? '', uid: uid(`event/${p.metadata.name}/scheduled`), resourceVersion: rv(), creationTimestamp: c.ago(age) },
    involvedObject: { kind: 'Pod', namespace: p.metadata.namespace ?? '', name: p.metadata.name, uid: p.metadata.uid ?? '', apiVersion: 'v1', resourceVersion: String(Number(p.metadata.resourceVersion ?? '0') - 1) },
    reason: 'Scheduled',
    message: `Successfully assigned ${p.metadata.namespace ?? ''}/${p.metadata.name} to ${node}`,
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    type: 'Normal',
    eventTime: c.agoMicro(age),
    action: 'Binding',
    reportingComponent: 'default-scheduler',
    reportingInstance: `default-scheduler-${controlPlane}`,
  };
}

/** The containerd + flannel text for a stale cni0 bridge (see the lab's e-cni0-conflict scenario). */
export function cni0ConflictMessage(sandboxId: string, gateway: string): string {
  return `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandboxId}": plugin type="flannel" failed (add): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from ${gateway}`;
}

function gateway(cidr: string): string {
  const [addr = '', bits = '24'] = cidr.split('/');
  const o = addr.split('.');
  return `${o[0]}.${o[1]}.${o[2]}.1/${bits}`;
}

/**
 * Sandbox failures as the kubelet records them: each retry has a new sandbox id, so the first
 * messages are distinct events and, once the aggregator kicks in, one "(combined from similar
 * events)" event carries the count.
 */
function sandboxFailureEvents(p: Pod, n: NodePlan, c: Clock, rv: () => string, age: number): CoreEvent[] {
  const gw = gateway(n.podCIDR);
  const out: CoreEvent[] = [];
  for (let i = 0; i < 3; i++) {
    const at = age - 5 - i * 15;
    out.push(
      kubeletEvent(p, n.name, c, rv, {
        reason: 'FailedCreatePodSandBox',
        type: 'Warning',
        message: cni0ConflictMessage(hex64(`sandbox/${p.metadata.name}/${i}`), gw),
        first: at,
        last: at,
        count: 1,
        seed: `${p.metadata.name}/sandbox/${i}`,
      }),
    );
  }
  out.push(
    kubeletEvent(p, n.name, c, rv, {
      reason: 'FailedCreatePodSandBox',
      type: 'Warning',
      message: `(combined from similar events): ${cni0ConflictMessage(hex64(`sandbox/${p.metadata.name}/last`), gw)}`,
      first: age - 200,
      last: 12,
      count: Math.max(2, Math.floor((age - 200) / 14)),
      seed: `${p.metadata.name}/sandbox/combined`,
    }),
  );
  return out;
}

function flannelCrashEvents(p: Pod, node: string, c: Clock, rv: () => string): CoreEvent[] {
  const fp = 'spec.containers{kube-flannel}';
  return [
    kubeletEvent(p, node, c, rv, { reason: 'Pulled', message: `Container image "${FLANNEL_IMAGE}" already present on machine`, first: 1940, last: 311, count: 8, fieldPath: fp, seed: `${p.metadata.name}/pulled` }),
    kubeletEvent(p, node, c, rv, { reason: 'Created', message: 'Created container kube-flannel', first: 1940, last: 311, count: 8, fieldPath: fp, seed: `${p.metadata.name}/created` }),
    kubeletEvent(p, node, c, rv, { reason: 'Started', message: 'Started container kube-flannel', first: 1939, last: 311, count: 8, fieldPath: fp, seed: `${p.metadata.name}/started` }),
    kubeletEvent(p, node, c, rv, {
      reason: 'BackOff',
      type: 'Warning',
      message: `Back-off restarting failed container kube-flannel in pod ${p.metadata.name}_kube-flannel(${p.metadata.uid ?? ''})`,
      first: 1925,
      last: 9,
      count: 34,
      fieldPath: fp,
      seed: `${p.metadata.name}/backoff`,
    }),
  ];
}

function runningWorkloadEvents(p: Pod, n: NodePlan, c: Clock, rv: () => string, age: number, controlPlane: string): CoreEvent[] {
  const fp = 'spec.containers{app}';
  return [
    scheduledEvent(p, n.name, c, rv, age, controlPlane),
    kubeletEvent(p, n.name, c, rv, { reason: 'Pulling', message: 'Pulling image "nginx:1.27.3"', first: age - 1, last: age - 1, count: 1, fieldPath: fp, seed: `${p.metadata.name}/pulling` }),
    kubeletEvent(p, n.name, c, rv, { reason: 'Pulled', message: 'Successfully pulled image "nginx:1.27.3" in 4.183s (4.183s including waiting). Image size: 72099501 bytes.', first: age - 5, last: age - 5, count: 1, fieldPath: fp, seed: `${p.metadata.name}/pulled` }),
    kubeletEvent(p, n.name, c, rv, { reason: 'Created', message: 'Created container app', first: age - 5, last: age - 5, count: 1, fieldPath: fp, seed: `${p.metadata.name}/created` }),
    kubeletEvent(p, n.name, c, rv, { reason: 'Started', message: 'Started container app', first: age - 5, last: age - 5, count: 1, fieldPath: fp, seed: `${p.metadata.name}/started` }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Namespaces, DaemonSets, ConfigMaps
// ---------------------------------------------------------------------------------------------

function namespace(name: string, age: number, c: Clock, rv: () => string, labels: Record<string, string> = {}): Namespace {
  return {
    metadata: { name, uid: uid(`ns/${name}`), resourceVersion: rv(), creationTimestamp: c.ago(age), labels: { ...labels, 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function flannelDaemonSet(c: Clock, rv: () => string, counts: { desired: number; ready: number }): DaemonSet {
  return {
    metadata: {
      name: 'kube-flannel-ds',
      namespace: 'kube-flannel',
      uid: FLANNEL_DS_UID,
      resourceVersion: rv(),
      generation: 1,
      creationTimestamp: c.ago(CLUSTER_AGE - 120),
      labels: { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' },
      annotations: { 'deprecated.daemonset.template.generation': '1' },
    },
    spec: {
      selector: { matchLabels: { app: 'flannel', 'k8s-app': 'flannel' } },
      template: {
        metadata: { creationTimestamp: null as unknown as string, labels: { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' } },
        spec: {
          volumes: [
            { name: 'run', hostPath: { path: '/run/flannel', type: '' } },
            { name: 'cni-plugin', hostPath: { path: '/opt/cni/bin', type: '' } },
            { name: 'cni', hostPath: { path: '/etc/cni/net.d', type: '' } },
            { name: 'flannel-cfg', configMap: { name: 'kube-flannel-cfg', defaultMode: 420 } },
            { name: 'xtables-lock', hostPath: { path: '/run/xtables.lock', type: 'FileOrCreate' } },
          ],
          initContainers: [
            { name: 'install-cni-plugin', image: FLANNEL_CNI_PLUGIN_IMAGE, command: ['cp'], args: ['-f', '/flannel', '/opt/cni/bin/flannel'], resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' },
            { name: 'install-cni', image: FLANNEL_IMAGE, command: ['cp'], args: ['-f', '/etc/kube-flannel/cni-conf.json', '/etc/cni/net.d/10-flannel.conflist'], resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' },
          ],
          containers: [
            {
              name: 'kube-flannel',
              image: FLANNEL_IMAGE,
              command: ['/opt/bin/flanneld'],
              args: ['--ip-masq', '--kube-subnet-mgr'],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } } },
                { name: 'EVENT_QUEUE_DEPTH', value: '5000' },
              ],
              resources: { requests: { cpu: '100m', memory: '50Mi' } },
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
              securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] }, privileged: false },
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'flannel',
          serviceAccount: 'flannel',
          hostNetwork: true,
          securityContext: {},
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] }] } } },
          schedulerName: 'default-scheduler',
          tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
          priorityClassName: 'system-node-critical',
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: {
      currentNumberScheduled: counts.desired,
      numberMisscheduled: 0,
      desiredNumberScheduled: counts.desired,
      numberReady: counts.ready,
      observedGeneration: 1,
      updatedNumberScheduled: counts.desired,
      numberAvailable: counts.ready,
      ...(counts.ready < counts.desired ? { numberUnavailable: counts.desired - counts.ready } : {}),
    },
  };
}

function kubeProxyDaemonSet(c: Clock, rv: () => string, n: number): DaemonSet {
  return {
    metadata: {
      name: 'kube-proxy',
      namespace: 'kube-system',
      uid: KUBE_PROXY_DS_UID,
      resourceVersion: rv(),
      generation: 1,
      creationTimestamp: c.ago(CLUSTER_AGE - 5),
      labels: { 'k8s-app': 'kube-proxy' },
      annotations: { 'deprecated.daemonset.template.generation': '1' },
    },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: {
        metadata: { creationTimestamp: null as unknown as string, labels: { 'k8s-app': 'kube-proxy' } },
        spec: {
          containers: [
            {
              name: 'kube-proxy',
              image: `registry.k8s.io/kube-proxy:${KUBE_VERSION}`,
              command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              imagePullPolicy: 'IfNotPresent',
              securityContext: { privileged: true },
            },
          ],
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          serviceAccountName: 'kube-proxy',
          serviceAccount: 'kube-proxy',
          hostNetwork: true,
          securityContext: {},
          schedulerName: 'default-scheduler',
          tolerations: [{ operator: 'Exists' }],
          priorityClassName: 'system-node-critical',
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
    status: { currentNumberScheduled: n, numberMisscheduled: 0, desiredNumberScheduled: n, numberReady: n, observedGeneration: 1, updatedNumberScheduled: n, numberAvailable: n },
  };
}

const FAKE_CA =
  '-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIQ1nJ3VdTq7owDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczAeFw0yNjExMTcwNzIyMDBaFw0zNjExMTUwNzI3MDBaMBUx\nEzARBgNVBAMTCmt1YmVybmV0ZXMwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n-----END CERTIFICATE-----\n';

function configMaps(c: Clock, rv: () => string, controlPlaneIP: string, namespaces: string[]): ConfigMap[] {
  const cm = (ns: string, name: string, data: Record<string, string>, age: number, labels?: Record<string, string>): ConfigMap => ({
    metadata: { name, namespace: ns, uid: uid(`cm/${ns}/${name}`), resourceVersion: rv(), creationTimestamp: c.ago(age), ...(labels !== undefined ? { labels } : {}) },
    data,
  });
  const flannelCni = `{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    {
      "type": "flannel",
      "delegate": {
        "hairpinMode": true,
        "isDefaultGateway": true
      }
    },
    {
      "type": "portmap",
      "capabilities": {
        "portMappings": true
      }
    }
  ]
}
`;
  const netConf = `{
  "Network": "10.244.0.0/16",
  "EnableNFTables": false,
  "Backend": {
    "Type": "vxlan"
  }
}
`;
  const clusterConfiguration = `apiServer: {}
apiVersion: kubeadm.k8s.io/v1beta4
caCertificateValidityPeriod: 87600h0m0s
certificateValidityPeriod: 8760h0m0s
certificatesDir: /etc/kubernetes/pki
clusterName: kubernetes
controlPlaneEndpoint: ${controlPlaneIP}:6443
controllerManager: {}
dns: {}
encryptionAlgorithm: RSA-2048
etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: ${KUBE_VERSION}
networking:
  dnsDomain: cluster.local
  podSubnet: 10.244.0.0/16
  serviceSubnet: 10.96.0.0/12
proxy: {}
scheduler: {}
`;
  const kubeProxyConf = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: ""
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForUnknownVersions: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""`;
  const kubeProxyKubeconfig = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://${controlPlaneIP}:6443
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token`;
  const corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`;
  const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
cgroupDriver: systemd
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionPressureTransitionPeriod: 0s
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
resolvConf: /run/systemd/resolve/resolv.conf
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`;
  return [
    ...namespaces.map((ns) => cm(ns, 'kube-root-ca.crt', { 'ca.crt': FAKE_CA }, CLUSTER_AGE - 30)),
    cm('kube-flannel', 'kube-flannel-cfg', { 'cni-conf.json': flannelCni, 'net-conf.json': netConf }, CLUSTER_AGE - 120, { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' }),
    cm('kube-system', 'coredns', { Corefile: corefile }, CLUSTER_AGE - 5),
    cm('kube-system', 'kube-proxy', { 'config.conf': kubeProxyConf, 'kubeconfig.conf': kubeProxyKubeconfig }, CLUSTER_AGE - 5, { app: 'kube-proxy' }),
    cm('kube-system', 'kubeadm-config', { ClusterConfiguration: clusterConfiguration }, CLUSTER_AGE - 8),
    cm('kube-system', 'kubelet-config', { kubelet: kubeletConfig }, CLUSTER_AGE - 8),
  ];
}

// ---------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------

/** Lines as [seconds before now, text]; the kubelet prefixes each with its timestamp. */
function logText(c: Clock, lines: Array<[number, string]>): string {
  return lines.map(([ago, text]) => `${c.logStamp(ago)} ${text}\n`).join('');
}

type KlogEntry = [dt: number, severity: 'I' | 'W' | 'E', source: string, message: string];

/** klog lines whose header time matches the kubelet timestamp; `dt` is seconds after `start`. */
function klogLines(c: Clock, start: number, entries: KlogEntry[], pid = 1): Array<[number, string]> {
  return entries.map(([dt, sev, src, msg], i) => {
    const ago = start - dt - 0.118104 - i * 0.000713;
    return [ago, `${sev}${c.klog(ago)}       ${pid} ${src}] ${msg}`];
  });
}

function flannelStartEntries(node: NodePlan): KlogEntry[] {
  return [
    [0, 'I', 'main.go:211', 'CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network etcdKeyfile: etcdCertfile: etcdCAFile: etcdUsername: etcdPassword: version:false kubeSubnetMgr:true kubeApiUrl: kubeAnnotationPrefix:flannel.alpha.coreos.com kubeConfigFile: iface:[] ifaceRegex:[] ipMasq:true ifaceCanReach: subnetFile:/run/flannel/subnet.env publicIP: publicIPv6: subnetLeaseRenewMargin:60 healthzIP:0.0.0.0 healthzPort:0 iptablesResyncSeconds:5 iptablesForwardRules:true netConfPath:/etc/kube-flannel/net-conf.json setNodeNetworkUnavailable:true}'],
    [0, 'W', 'client_config.go:618', 'Neither --kubeconfig nor --master was specified.  Using the inClusterConfig.  This might not work.'],
    [0, 'I', 'kube.go:139', 'Waiting 10m0s for node controller to sync'],
    [0, 'I', 'kube.go:469', 'Starting kube subnet manager'],
    [1, 'I', 'kube.go:146', 'Node controller sync successful'],
    [1, 'I', 'main.go:231', `Created subnet manager: Kubernetes Subnet Manager - ${node.name}`],
    [1, 'I', 'main.go:234', 'Installing signal handlers'],
    [1, 'I', 'main.go:468', 'Found network config - Backend type: vxlan'],
    [1, 'I', 'match.go:211', 'Determining IP address of default interface'],
    [1, 'I', 'match.go:264', `Using interface with name enp0s8 and address ${node.ip}`],
    [1, 'I', 'match.go:286', `Defaulting external address to interface address (${node.ip})`],
    [1, 'I', 'vxlan.go:141', 'VXLAN config: VNI=1 Port=0 GBP=false Learning=false DirectRouting=false'],
  ];
}

function flannelRunningLog(node: NodePlan, c: Clock, start: number): string {
  return logText(
    c,
    klogLines(c, start, [
      ...flannelStartEntries(node),
      [2, 'I', 'kube.go:636', `List of node(${node.name}) annotations: map[string]string{"flannel.alpha.coreos.com/backend-data":"null", "flannel.alpha.coreos.com/backend-type":"", "flannel.alpha.coreos.com/kube-subnet-manager":"true", "flannel.alpha.coreos.com/public-ip":"${node.ip}", "kubeadm.alpha.kubernetes.io/cri-socket":"unix:///var/run/containerd/containerd.sock", "node.alpha.kubernetes.io/ttl":"0", "volumes.kubernetes.io/controller-managed-attach-detach":"true"}`],
      [2, 'I', 'main.go:347', 'Setting up masking rules'],
      [2, 'I', 'main.go:398', 'Changing default FORWARD chain policy to ACCEPT'],
      [2, 'I', 'iptables.go:51', 'Starting flannel in iptables mode...'],
      [2, 'I', 'main.go:422', 'Wrote subnet file to /run/flannel/subnet.env'],
      [2, 'I', 'main.go:426', 'Running backend.'],
      [2, 'I', 'vxlan_network.go:65', 'watching for new subnet leases'],
      [2, 'I', 'main.go:447', 'Waiting for all goroutines to exit'],
      [3, 'I', 'iptables.go:357', 'bootstrap done'],
      [3, 'I', 'iptables.go:357', 'bootstrap done'],
    ]),
  );
}

/** flannel refusing to start over a stale flannel.1 address, after the node was re-joined with a new podCIDR. */
function flannelCrashLog(node: NodePlan, c: Clock, start: number): string {
  const mac = hash(`mac:${node.name}`)
    .slice(0, 12)
    .match(/../g)
    ?.map((b) => `0x${b}`)
    .join(', ');
  const src = node.ip
    .split('.')
    .map((o) => `0x${Number(o).toString(16)}`)
    .join(', ');
  return logText(
    c,
    klogLines(c, start, [
      ...flannelStartEntries(node),
      [2, 'E', 'main.go:359', `Error registering network: failed to configure interface flannel.1: failed to ensure address of interface flannel.1: link has incompatible addresses. Remove additional addresses and try again. &netlink.Vxlan{LinkAttrs:netlink.LinkAttrs{Index:5, MTU:1450, TxQLen:0, Name:"flannel.1", HardwareAddr:net.HardwareAddr{${mac ?? ''}}, Flags:0x13, RawFlags:0x11043, ParentIndex:0, MasterIndex:0}, VxlanId:1, VtepDevIndex:2, SrcAddr:net.IP{${src}}, Group:net.IP(nil), TTL:0, TOS:0, Learning:false, Proxy:false, RSC:false, L2miss:false, L3miss:false, UDPCSum:true, UDP6ZeroCSumTx:false, UDP6ZeroCSumRx:false, NoAge:false, GBP:false, FlowBased:false, Age:300, Limit:0, Port:8472, PortLow:0, PortHigh:0}`],
      [2, 'I', 'main.go:448', 'Stopping shutdownHandler...'],
    ]),
  );
}

function kubeProxyLog(node: NodePlan, c: Clock, start: number): string {
  return logText(
    c,
    klogLines(c, start, [
      [0, 'I', 'server_linux.go:66', '"Using iptables proxy"'],
      [0, 'I', 'server.go:698', `"Successfully retrieved node IP(s)" IPs=["${node.ip}"]`],
      [0, 'I', 'conntrack.go:121', '"Set sysctl" entry="net/netfilter/nf_conntrack_max" value=131072'],
      [0, 'I', 'server_linux.go:170', '"Using iptables Proxier"'],
      [0, 'I', 'proxier.go:255', '"Setting route_localnet=1 to allow node-ports on localhost; to change this either disable iptables.localhostNodePorts (--iptables-localhost-nodeports) or set nodePortAddresses (--nodeport-addresses) to filter loopback addresses" ipFamily="IPv4"'],
      [0, 'I', 'server.go:497', `"Version info" version="${KUBE_VERSION}"`],
      [1, 'I', 'config.go:199', '"Starting service config controller"'],
      [1, 'I', 'config.go:105', '"Starting endpoint slice config controller"'],
      [1, 'I', 'config.go:329', '"Starting node config controller"'],
      [1, 'I', 'shared_informer.go:320', 'Caches are synced for node config'],
      [1, 'I', 'shared_informer.go:320', 'Caches are synced for service config'],
      [1, 'I', 'shared_informer.go:320', 'Caches are synced for endpoint slice config'],
    ]),
  );
}

function corednsLog(c: Clock, start: number): string {
  return logText(c, [
    [start, '.:53'],
    [start, '[INFO] plugin/reload: Running configuration SHA512 = 1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00c5e05f93523c894564e15b91770d3a07ae1cfbe861d15b37d4a0027e69c546ab112970993a3b03b'],
    [start, 'CoreDNS-1.11.3'],
    [start, 'linux/amd64, go1.21.11, a6338e9'],
  ]);
}

function nginxLog(c: Clock, start: number, ip: string): string {
  const at = (ago: number): Date => new Date(c.now - ago * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const errTime = (ago: number): string => {
    const d = at(ago);
    return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  };
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const accessTime = (ago: number): string => {
    const d = at(ago);
    return `${p(d.getUTCDate())}/${months[d.getUTCMonth()] ?? ''}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
  };
  const gw = ip.replace(/\.\d+$/, '.1');
  const probes: Array<[number, string]> = [];
  for (let ago = start - 10; ago > 0; ago -= 600) probes.push([ago, `${gw} - - [${accessTime(ago)}] "GET / HTTP/1.1" 200 615 "-" "kube-probe/1.32" "-"`]);
  return logText(c, [
    [start, '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration'],
    [start, '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/'],
    [start, '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh'],
    [start, '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf'],
    [start, '/docker-entrypoint.sh: Configuration complete; ready for start up'],
    [start - 1, `${errTime(start - 1)} [notice] 1#1: using the "epoll" event method`],
    [start - 1, `${errTime(start - 1)} [notice] 1#1: nginx/1.27.3`],
    [start - 1, `${errTime(start - 1)} [notice] 1#1: start worker processes`],
    ...probes,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Cluster builders
// ---------------------------------------------------------------------------------------------

export interface BuildOptions {
  /** The moment the recording represents; all timestamps are relative to it. Default RECORDED_AT. */
  now?: Date | string | number;
}

function counter(start = 1000): () => string {
  let n = start;
  return () => String(++n);
}

function nodePlans(count: number, failingReady: Set<number> = new Set()): NodePlan[] {
  const plans: NodePlan[] = [];
  for (let i = 0; i < count; i++) {
    const third = 244 + Math.floor(i / 256);
    plans.push({
      name: `node-${i + 1}`,
      ip: `192.168.${56 + Math.floor((i + 10) / 250)}.${((i + 10) % 250) + 1}`,
      podCIDR: `10.${third}.${i % 256}.0/24`,
      controlPlane: i === 0,
      ready: !failingReady.has(i),
      age: CLUSTER_AGE - i * 75,
    });
  }
  return plans;
}

/**
 * Three kubeadm nodes with flannel (vxlan). node-2 was re-joined and got a new podCIDR, leaving a
 * stale cni0/flannel.1: flannel there is in CrashLoopBackOff, and a workload pod scheduled there is
 * stuck in ContainerCreating with FailedCreatePodSandBox ("cni0" already has an IP address
 * different from 10.244.1.1/24).
 */
export function threeNodeFlannelCluster(opts: BuildOptions = {}): ClusterFixture {
  const c = new Clock(opts.now ?? RECORDED_AT);
  const rv = counter();
  const nodes = nodePlans(3);
  const [n1, n2, n3] = nodes as [NodePlan, NodePlan, NodePlan];
  const namespaces = ['default', 'kube-flannel', 'kube-node-lease', 'kube-public', 'kube-system'];
  const nsObjs = namespaces.map((n) =>
    namespace(n, n === 'kube-flannel' ? CLUSTER_AGE - 120 : CLUSTER_AGE + 5, c, rv, n === 'kube-flannel' ? { 'k8s-app': 'flannel', 'pod-security.kubernetes.io/enforce': 'privileged' } : {}),
  );
  const nodeObjs = nodes.map((n) => nodeObject(n, c, rv));

  const flannel = [flannelPod(n1, 'running', c, rv), flannelPod(n2, 'crashloop', c, rv), flannelPod(n3, 'running', c, rv)];
  const proxies = nodes.map((n) => kubeProxyPod(n, c, rv));
  const coredns = [corednsPod(0, n1, '10.244.0.2', c, rv), corednsPod(1, n1, '10.244.0.3', c, rv)];
  const stuckAge = 1870;
  const web = [
    workloadPod({ deployment: 'web', namespace: 'default', node: n2, index: 0, state: 'creating', age: stuckAge }, c, rv),
    workloadPod({ deployment: 'web', namespace: 'default', node: n3, index: 1, state: 'running', ip: '10.244.2.5', age: 3000 }, c, rv),
  ];
  const [webStuck, webOk] = web as [Pod, Pod];
  const pods = [...controlPlanePods(n1, c, rv), ...coredns, ...proxies, ...flannel, ...web];

  const events: CoreEvent[] = [
    scheduledEvent(webStuck, n2.name, c, rv, stuckAge, n1.name),
    ...sandboxFailureEvents(webStuck, n2, c, rv, stuckAge),
    ...runningWorkloadEvents(webOk, n3, c, rv, 3000, n1.name),
    ...flannelCrashEvents(flannel[1] as Pod, n2.name, c, rv),
    {
      metadata: { name: eventName('node-2', 'node-2/registered'), namespace: 'default', uid: uid('event/node-2/registered'), resourceVersion: rv(), creationTimestamp: c.ago(2010) },
      involvedObject: { kind: 'Node', name: 'node-2', uid: 'node-2', apiVersion: 'v1' },
      reason: 'RegisteredNode',
      message: 'Node node-2 event: Registered Node node-2 in Controller',
      source: { component: 'node-controller' },
      firstTimestamp: c.ago(2010),
      lastTimestamp: c.ago(2010),
      count: 1,
      type: 'Normal',
      eventTime: null,
      reportingComponent: 'node-controller',
      reportingInstance: '',
    },
  ];

  const logs: ClusterFixture['logs'] = {};
  const put = (p: Pod, container: string, current?: string, previous?: string): void => {
    const entry: { current?: string; previous?: string } = {};
    if (current !== undefined) entry.current = current;
    if (previous !== undefined) entry.previous = previous;
    logs[`${p.metadata.namespace ?? ''}/${p.metadata.name}/${container}`] = entry;
  };
  put(flannel[0] as Pod, 'kube-flannel', flannelRunningLog(n1, c, n1.age - 34));
  put(flannel[2] as Pod, 'kube-flannel', flannelRunningLog(n3, c, n3.age - 34));
  put(flannel[1] as Pod, 'kube-flannel', undefined, flannelCrashLog(n2, c, 311));
  for (const f of flannel) {
    put(f, 'install-cni-plugin', logText(c, []));
    put(f, 'install-cni', logText(c, []));
  }
  nodes.forEach((n, i) => put(proxies[i] as Pod, 'kube-proxy', kubeProxyLog(n, c, n.age - 22)));
  for (const d of coredns) put(d, 'coredns', corednsLog(c, n1.age - 63));
  put(webOk, 'app', nginxLog(c, 2995, '10.244.2.5'));

  const exec: NonNullable<ClusterFixture['exec']> = {};
  for (const f of flannel) exec[`kube-flannel/${f.metadata.name}`] = { env: { POD_NAME: f.metadata.name, POD_NAMESPACE: 'kube-flannel' } };

  return {
    recordedAt: c.ago(0),
    serverVersion: serverVersion(),
    namespaces: nsObjs,
    nodes: nodeObjs,
    pods,
    events,
    daemonSets: [flannelDaemonSet(c, rv, { desired: 3, ready: 2 }), kubeProxyDaemonSet(c, rv, 3)],
    configMaps: configMaps(c, rv, n1.ip, namespaces),
    logs,
    exec,
  };
}

export interface LargeClusterOptions extends BuildOptions {
  nodes: number;
  /** Workload pods (in namespace `default`, deployment `app-<k>`), spread over the workers. */
  pods: number;
  /** How many workload pods are stuck in ContainerCreating with sandbox failure events. */
  failingPods?: number;
  /** How many worker nodes have flannel in CrashLoopBackOff (failing pods land there first). */
  failingNodes?: number;
}

/** A scaled-up version of the same story, for benchmarks. Deterministic for given options. */
export function largeCluster(o: LargeClusterOptions): ClusterFixture {
  if (o.nodes < 1) throw new Error('largeCluster needs at least one node');
  const c = new Clock(o.now ?? RECORDED_AT);
  const rv = counter();
  const nodes = nodePlans(o.nodes);
  const [cp] = nodes as [NodePlan];
  const workers = nodes.length > 1 ? nodes.slice(1) : nodes;
  const failingNodes = new Set(workers.slice(0, Math.min(o.failingNodes ?? 0, workers.length)).map((n) => n.name));
  const namespaces = ['default', 'kube-flannel', 'kube-node-lease', 'kube-public', 'kube-system'];
  const nsObjs = namespaces.map((n) => namespace(n, CLUSTER_AGE + 5, c, rv, n === 'kube-flannel' ? { 'k8s-app': 'flannel', 'pod-security.kubernetes.io/enforce': 'privileged' } : {}));
  const nodeObjs = nodes.map((n) => nodeObject(n, c, rv));
  const pods: Pod[] = [...controlPlanePods(cp, c, rv), corednsPod(0, cp, `${cp.podCIDR.slice(0, -4)}2`, c, rv), corednsPod(1, cp, `${cp.podCIDR.slice(0, -4)}3`, c, rv)];
  const events: CoreEvent[] = [];
  const logs: ClusterFixture['logs'] = {};
  let ready = 0;
  for (const n of nodes) {
    const crash = failingNodes.has(n.name);
    const f = flannelPod(n, crash ? 'crashloop' : 'running', c, rv);
    if (!crash) ready++;
    pods.push(f, kubeProxyPod(n, c, rv));
    const key = `kube-flannel/${f.metadata.name}/kube-flannel`;
    logs[key] = crash ? { previous: flannelCrashLog(n, c, 311) } : { current: flannelRunningLog(n, c, n.age - 34) };
    if (crash) events.push(...flannelCrashEvents(f, n.name, c, rv));
  }
  const failing = Math.min(o.failingPods ?? 0, o.pods);
  const failingList = [...failingNodes];
  const nextIp = new Map<string, number>();
  for (let i = 0; i < o.pods; i++) {
    const isFailing = i < failing;
    let node: NodePlan;
    if (isFailing && failingList.length > 0) node = nodes.find((n) => n.name === failingList[i % failingList.length]) as NodePlan;
    else node = workers[i % workers.length] as NodePlan;
    const deployment = `app-${Math.floor(i / 10)}`;
    const host = (nextIp.get(node.name) ?? 1) + 1;
    nextIp.set(node.name, host);
    const ip = `${node.podCIDR.split('.').slice(0, 3).join('.')}.${Math.min(host, 254)}`;
    const age = 1800 + (i % 600);
    const p = workloadPod({ deployment, namespace: 'default', node, index: i, state: isFailing ? 'creating' : 'running', ip, age }, c, rv);
    pods.push(p);
    if (isFailing) {
      events.push(scheduledEvent(p, node.name, c, rv, age, cp.name), ...sandboxFailureEvents(p, node, c, rv, age));
    }
  }
  return {
    recordedAt: c.ago(0),
    serverVersion: serverVersion(),
    namespaces: nsObjs,
    nodes: nodeObjs,
    pods,
    events,
    daemonSets: [flannelDaemonSet(c, rv, { desired: nodes.length, ready }), kubeProxyDaemonSet(c, rv, nodes.length)],
    configMaps: configMaps(c, rv, cp.ip, namespaces),
    logs,
  };
}

/** Loads a recorded fixture (e.g. THREE_NODE_FIXTURE_PATH). */
export async function loadFixture(file: string): Promise<ClusterFixture> {
  return JSON.parse(await readFile(file, 'utf8')) as ClusterFixture;
}

/** The text written to fixtures/three-node-flannel.json. */
export function fixtureJson(f: ClusterFixture): string {
  return `${JSON.stringify(f, null, 2)}\n`;
}
