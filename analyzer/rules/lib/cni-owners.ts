/**
 * Which CNI a config file belongs to, and whether that CNI's agent runs in the cluster: the two
 * facts that separate "two CNIs fight over net.d" from "a removed CNI left its config behind"
 * from "the agent is down". Configs are matched by plugin type first (that is what the runtime
 * executes), then by network and file name for the bridge-based defaults that carry no own type.
 */
import type { Evidence } from '../../evidence/types.js';
import type { CniConfigRecord, K8sDaemonSetRecord, K8sPodRecord } from '../../parsers/index.js';

export type CniFamily =
  | 'flannel'
  | 'calico'
  | 'cilium'
  | 'aws-vpc-cni'
  | 'weave'
  | 'antrea'
  | 'kube-router'
  | 'kindnet'
  | 'multus'
  | 'ovn-kubernetes'
  | 'openshift-sdn'
  | 'azure'
  | 'kube-ovn'
  | 'podman'
  | 'containerd-default'
  | 'crio-default'
  | 'gke';

interface FamilyInfo {
  label: string;
  /** Its plugins talk to a node agent; without one every ADD/DEL fails. */
  needsAgent: boolean;
  /** Left by a package, not a cluster add-on: no DaemonSet is expected. */
  packageDefault?: boolean;
  /** Plugin types this family executes. */
  types: RegExp;
  /** File or network names of the family, for configs whose types are generic (bridge, ptp). */
  names?: RegExp;
  /** DaemonSet / pod names of the agent. */
  agent?: RegExp;
  /** Container images of the agent. */
  image?: RegExp;
  /** What the plugin says when its agent is gone. */
  agentGone?: RegExp;
}

export const FAMILIES: Record<CniFamily, FamilyInfo> = {
  flannel: { label: 'Flannel', needsAgent: true, types: /^flannel$/, names: /flannel|^cbr0$/, agent: /flannel/, image: /flannel/, agentGone: /\/run\/flannel\/subnet\.env: no such file/i },
  calico: {
    label: 'Calico',
    needsAgent: true,
    types: /^calico(-ipam)?$/,
    names: /calico|canal|k8s-pod-network/,
    agent: /^(calico-node|canal)/,
    image: /calico\/(node|cni)|tigera/,
    agentGone: /\/var\/lib\/calico\/nodename|calico\/node container is running/i,
  },
  cilium: {
    label: 'Cilium',
    needsAgent: true,
    types: /^cilium-cni$/,
    names: /cilium/,
    agent: /^cilium(?!-operator|-envoy)/,
    image: /cilium\/cilium(:|@)|cilium\/cilium$/,
    agentGone: /unable to connect to Cilium (daemon|agent)|cilium\.sock|Is the agent running\?/i,
  },
  'aws-vpc-cni': {
    label: 'AWS VPC CNI',
    needsAgent: true,
    types: /^(aws-cni|egress-cni|egress-v\d-cni)$/,
    names: /^aws|aws-cni/,
    agent: /^aws-node/,
    image: /amazon-k8s-cni|amazon\/aws-network-policy-agent/,
    agentGone: /127\.0\.0\.1:50051|ipamd|failed to assign an IP address to container/i,
  },
  weave: { label: 'Weave Net', needsAgent: true, types: /^weave-(net|ipam)$/, names: /weave/, agent: /^weave-net/, image: /weave-kube|weaveworks\/weave/, agentGone: /127\.0\.0\.1:6784|weave\.sock/i },
  antrea: { label: 'Antrea', needsAgent: true, types: /^antrea$/, names: /antrea/, agent: /^antrea-agent/, image: /antrea/, agentGone: /antrea\/cni\.sock/i },
  'kube-router': { label: 'kube-router', needsAgent: true, types: /^$/, names: /kuberouter|kube-router/, agent: /^kube-router/, image: /kube-router/ },
  kindnet: { label: 'kindnet', needsAgent: true, types: /^$/, names: /kindnet/, agent: /^kindnet/, image: /kindnet/ },
  multus: { label: 'Multus', needsAgent: true, types: /^multus(-shim)?$/, names: /multus/, agent: /multus/, image: /multus/, agentGone: /multus\.sock|multus-shim/i },
  'ovn-kubernetes': { label: 'OVN-Kubernetes', needsAgent: true, types: /^ovn-k8s-cni-overlay$/, names: /ovn/, agent: /^ovnkube-node/, image: /ovn/ },
  'openshift-sdn': { label: 'OpenShift SDN', needsAgent: true, types: /^openshift-sdn$/, names: /openshift-sdn/, agent: /^sdn-/, image: /openshift.*sdn/ },
  azure: { label: 'Azure CNI', needsAgent: false, types: /^azure-vnet(-ipam)?$/, names: /azure/, agent: /azure-cns|azure-cni/, image: /azure-cni|azure-cns/ },
  'kube-ovn': { label: 'Kube-OVN', needsAgent: true, types: /^kube-ovn$/, names: /kube-ovn/, agent: /^kube-ovn-cni/, image: /kube-ovn/ },
  podman: { label: 'Podman', needsAgent: false, packageDefault: true, types: /^$/, names: /podman/ },
  'containerd-default': { label: "containerd's example bridge", needsAgent: false, packageDefault: true, types: /^$/, names: /containerd-net/ },
  'crio-default': { label: "CRI-O's default bridge", needsAgent: false, packageDefault: true, types: /^$/, names: /crio|^100-crio-bridge/ },
  gke: { label: 'GKE', needsAgent: false, types: /^$/, names: /gke/ },
};

const ALL = Object.keys(FAMILIES) as CniFamily[];

/** The families a config belongs to: a chain (cilium on aws-cni) may name two. */
export function familiesOf(config: CniConfigRecord): CniFamily[] {
  const found = new Set<CniFamily>();
  const types = [...config.pluginTypes, ...config.plugins.flatMap((p) => [p.ipam?.type, ...p.delegateTypes])].filter((t): t is string => !!t);
  for (const type of types) for (const f of ALL) if (FAMILIES[f].types.test(type)) found.add(f);
  // Multus wraps the primary network; what the pod gets is its delegate's.
  if (found.size === 0) {
    const names = `${config.fileName} ${config.name ?? ''}`.toLowerCase();
    for (const f of ALL) if (FAMILIES[f].names?.test(names)) found.add(f);
  }
  return [...found];
}

export function labelOf(families: readonly CniFamily[]): string {
  return families.length === 0 ? 'an unknown CNI' : families.map((f) => FAMILIES[f].label).join(' + ');
}

/** A config that only wraps or complements the primary network: never "the wrong CNI". */
export function isMetaConfig(config: CniConfigRecord): boolean {
  const fams = familiesOf(config);
  if (fams.length === 1 && fams[0] === 'multus') return true;
  // CRI-O's 200-loopback.conf and similar: only a loopback, never a pod network.
  return config.pluginTypes.length > 0 && config.pluginTypes.every((t) => t === 'loopback');
}

export interface AgentPresence {
  family: CniFamily;
  daemonsets: K8sDaemonSetRecord[];
  pods: K8sPodRecord[];
}

// Names first: canal's DaemonSet runs a flannel image but installs a calico config.
function familyOfAgent(name: string, images: string): CniFamily | undefined {
  return ALL.find((f) => FAMILIES[f].agent?.test(name)) ?? ALL.find((f) => FAMILIES[f].image?.test(images));
}

function podFamily(pod: K8sPodRecord): CniFamily | undefined {
  const owner = pod.ownerReferences.find((o) => o.kind === 'DaemonSet')?.name;
  return owner ? familyOfAgent(owner, pod.containers.map((c) => c.image ?? '').join(' ')) : undefined;
}

function daemonSetFamily(ds: K8sDaemonSetRecord): CniFamily | undefined {
  return familyOfAgent(ds.name, ds.containers.map((c) => c.image ?? '').join(' '));
}

/** CNI agents the cluster evidence shows, by family. */
export function clusterAgents(evidence: Evidence): Map<CniFamily, AgentPresence> {
  const out = new Map<CniFamily, AgentPresence>();
  const get = (f: CniFamily) => {
    let p = out.get(f);
    if (!p) out.set(f, (p = { family: f, daemonsets: [], pods: [] }));
    return p;
  };
  for (const ds of evidence.cluster.daemonsets) {
    const f = daemonSetFamily(ds);
    if (f) get(f).daemonsets.push(ds);
  }
  for (const pod of evidence.cluster.pods) {
    const f = podFamily(pod);
    if (f) get(f).pods.push(pod);
  }
  return out;
}

/**
 * Whether the bundle can tell that an agent is absent: DaemonSets were listed in at least
 * kube-system (where most CNIs live) or in the agent's usual namespace.
 */
export function agentAbsenceKnown(evidence: Evidence): boolean {
  return [...evidence.artifacts.values()].some((a) => /^cluster\/[^/]+\/daemonsets\.json$/.test(a.path) && a.status === 'ok');
}

export function isPodReady(pod: K8sPodRecord): boolean {
  const app = pod.containerStatuses.filter((c) => !c.init);
  return pod.phase === 'Running' && app.length > 0 && app.every((c) => c.ready) && !pod.deletionTimestamp;
}

/** A short state of an agent pod: "Running, ready", "CrashLoopBackOff (7 restarts)", "Init:0/2". */
export function podStateText(pod: K8sPodRecord): string {
  const init = pod.containerStatuses.filter((c) => c.init);
  const pendingInit = init.filter((c) => c.state.state !== 'terminated' || c.state.exitCode !== 0);
  if (pendingInit.length > 0 && pendingInit[0]!.state.state !== 'terminated') {
    const c = pendingInit[0]!;
    return `Init:${init.length - pendingInit.length}/${init.length} (${c.name} ${c.state.reason ?? c.state.state})`;
  }
  const app = pod.containerStatuses.filter((c) => !c.init);
  const bad = app.find((c) => !c.ready);
  if (!bad) return `${pod.phase ?? 'Unknown'}, ready`;
  return `${bad.state.reason ?? bad.state.state}${bad.restartCount > 0 ? ` (${bad.restartCount} restarts)` : ''}`;
}

/** Namespace of a family's agent in this cluster, for commands. */
export function agentNamespace(presence: AgentPresence | undefined, fallback = 'kube-system'): string {
  return presence?.daemonsets[0]?.namespace ?? presence?.pods[0]?.namespace ?? fallback;
}
