/**
 * The facts of one bundle, parsed and grouped by where they live (a node, or the cluster), so
 * rules ask "what does node-2's cni0 look like" instead of walking files.
 */
import type { ArtifactEntry, Manifest } from '../../shared/bundle/manifest-schema.js';
import type { IntegrityReport } from '../../shared/bundle/reader.js';
import type {
  CniCacheRecord,
  CniConfigRecord,
  ConntrackRecord,
  DescribeEventRecord,
  DescribePodRecord,
  DfRecord,
  HostLocalRecord,
  IpAddrRecord,
  IpLinkRecord,
  IpRouteRecord,
  IpRuleRecord,
  IptablesRecord,
  JournalRecord,
  K8sConfigMapRecord,
  K8sDaemonSetRecord,
  K8sEventRecord,
  K8sNodeRecord,
  K8sPodRecord,
  K8sStatusRecord,
  LogRecordBase,
  LsRecord,
  MountRecord,
  NftRecord,
  ParseProblem,
  SubnetEnvRecord,
} from '../parsers/index.js';

/** A log file's kept records (the parsers drop healthy chatter), with the line count seen. */
export interface LogFile<R = LogRecordBase> {
  file: string;
  records: R[];
  linesSeen: number;
  /** More interesting records than the analyzer keeps per file were found; the rest were counted only. */
  recordsDropped: number;
}

export interface RawText {
  file: string;
  text: string;
}

export interface NodeEvidence {
  name: string;
  /** This node's manifest entries, by bundle path. */
  artifacts: Map<string, ArtifactEntry>;
  /** /etc/cni/net.d files in lexical order: the order libcni loads them in. */
  cniConfigs: CniConfigRecord[];
  /** CNI configs k3s/rke2 keep under /var/lib/rancher. */
  distroCniConfigs: { distro: string; config: CniConfigRecord }[];
  netDListing: LsRecord[] | null;
  binListing: LsRecord[] | null;
  distroBinListings: Map<string, LsRecord[]>;
  resultsListing: LsRecord[] | null;
  networksListing: LsRecord[] | null;
  netnsListing: LsRecord[] | null;
  cniCache: CniCacheRecord[];
  hostLocal: HostLocalRecord[];
  flannelCache: CniConfigRecord[];
  subnetEnv: SubnetEnvRecord | null;
  ipLinks: IpLinkRecord[];
  ipAddrs: IpAddrRecord[];
  ipRoutes: IpRouteRecord[];
  ipRules: IpRuleRecord[];
  /** iptables-save of the default (usually nf_tables) backend, its stderr warnings included. */
  iptables: IptablesRecord[];
  iptablesLegacy: IptablesRecord[];
  nft: NftRecord[];
  conntrack: ConntrackRecord[];
  mounts: MountRecord[];
  df: DfRecord[];
  /** Journal tails by unit name (kubelet, containerd, crio, docker, flanneld, …). */
  journals: Map<string, LogFile<JournalRecord>>;
  /** CNI plugins' own node-side logs (calico cni.log, aws ipamd.log, …) by bundle path. */
  logs: Map<string, LogFile>;
  /** Small files kept verbatim: uname, os-release, date, dmesg, sysctl, uptime, runtime config, CRI JSON. */
  texts: Map<string, RawText>;
}

/** A CNI agent's container log (flannel, calico-node, cilium-agent, aws-node). */
export interface AgentLog extends LogFile {
  namespace: string;
  pod: string;
  container: string;
  previous: boolean;
}

export interface ClusterEvidence {
  version: RawText | null;
  nodes: K8sNodeRecord[];
  /** Every pod seen (the pods in scope and the system/CNI namespaces), one per namespace/name. */
  pods: K8sPodRecord[];
  events: K8sEventRecord[];
  daemonsets: K8sDaemonSetRecord[];
  configmaps: K8sConfigMapRecord[];
  /** API errors saved instead of objects. */
  statuses: K8sStatusRecord[];
  describePods: DescribePodRecord[];
  describeEvents: DescribeEventRecord[];
  agentLogs: AgentLog[];
}

export interface Evidence {
  location: string;
  manifest: Manifest;
  integrity: IntegrityReport;
  artifacts: Map<string, ArtifactEntry>;
  nodes: Map<string, NodeEvidence>;
  cluster: ClusterEvidence;
  parseProblems: ParseProblem[];
  stats: { files: number; records: number };
  /** How the logs were parsed: files sent to the worker thread (0 when all were parsed in-thread). */
  parallel?: { filesInWorker: number };
  /**
   * Log lines whose decoding waited (LineParser.dropUnread): how many were kept that way, and how
   * many were decoded in the end (symptom candidates at once, the others if the budget kept them).
   */
  deferredLines?: { kept: number; decoded: number };
}

export function emptyNodeEvidence(name: string): NodeEvidence {
  return {
    name,
    artifacts: new Map(),
    cniConfigs: [],
    distroCniConfigs: [],
    netDListing: null,
    binListing: null,
    distroBinListings: new Map(),
    resultsListing: null,
    networksListing: null,
    netnsListing: null,
    cniCache: [],
    hostLocal: [],
    flannelCache: [],
    subnetEnv: null,
    ipLinks: [],
    ipAddrs: [],
    ipRoutes: [],
    ipRules: [],
    iptables: [],
    iptablesLegacy: [],
    nft: [],
    conntrack: [],
    mounts: [],
    df: [],
    journals: new Map(),
    logs: new Map(),
    texts: new Map(),
  };
}

export function emptyClusterEvidence(): ClusterEvidence {
  return {
    version: null,
    nodes: [],
    pods: [],
    events: [],
    daemonsets: [],
    configmaps: [],
    statuses: [],
    describePods: [],
    describeEvents: [],
    agentLogs: [],
  };
}
