/**
 * The CNI agents of a bundle: which DaemonSet pod serves which node, what state it is in, what its
 * logs said last, and how the plugin's errors read when that agent is down. Rules about agents
 * and the control plane share this so that "the agent is the cause" and "the agent is a bystander"
 * are decided the same way everywhere.
 */
import type { AgentLog, Evidence, NodeEvidence } from '../../evidence/types.js';
import type { Symptom } from '../../correlate/symptoms.js';
import type { K8sContainerState, K8sContainerStatus, K8sDaemonSetRecord, K8sEventRecord, K8sPodRecord, LogRecordBase } from '../../parsers/index.js';
import { anyOf, mayMatch, prefilterOf, searchTest, type Prefilter } from './prefilter.js';

export type AgentKind = 'flannel' | 'calico' | 'cilium' | 'aws-vpc-cni' | 'antrea' | 'weave' | 'kube-router' | 'multus' | 'kindnet' | 'ovn-kubernetes';

export interface AgentSpec {
  kind: AgentKind;
  /** What users call it in messages. */
  label: string;
  pod: RegExp;
  /** The container that is the agent (other containers of the pod are helpers). */
  container: RegExp;
  /** CNI plugin types in net.d that need this agent on the node. */
  pluginTypes: readonly string[];
  /** Where the plugin talks to the agent, as it appears in dial errors. */
  endpoint?: string;
}

export const AGENT_SPECS: readonly AgentSpec[] = [
  { kind: 'flannel', label: 'flannel', pod: /flannel/, container: /^(?:kube-)?flannel$/, pluginTypes: ['flannel'] },
  { kind: 'calico', label: 'calico-node', pod: /^(?:calico-node|canal|rke2-canal)/, container: /^calico-node$/, pluginTypes: ['calico', 'calico-ipam'] },
  { kind: 'cilium', label: 'cilium-agent', pod: /^cilium-(?!operator|envoy|node-init)[a-z0-9]+$/, container: /^cilium-agent$/, pluginTypes: ['cilium-cni'], endpoint: '/var/run/cilium/cilium.sock' },
  { kind: 'aws-vpc-cni', label: 'aws-node (ipamd)', pod: /^aws-node/, container: /^aws-node$/, pluginTypes: ['aws-cni', 'egress-cni'], endpoint: '127.0.0.1:50051' },
  { kind: 'antrea', label: 'antrea-agent', pod: /^antrea-agent/, container: /^antrea-agent$/, pluginTypes: ['antrea'], endpoint: '/var/run/antrea/cni.sock' },
  { kind: 'weave', label: 'weave-net', pod: /^weave-net/, container: /^weave$/, pluginTypes: ['weave-net', 'weave-plugin-2.8.1', 'weave-ipam'], endpoint: '127.0.0.1:6784' },
  { kind: 'kube-router', label: 'kube-router', pod: /^kube-router/, container: /^kube-router$/, pluginTypes: [] },
  { kind: 'multus', label: 'multus', pod: /multus/, container: /multus/, pluginTypes: ['multus', 'multus-shim'], endpoint: '/run/multus/multus.sock' },
  { kind: 'kindnet', label: 'kindnet', pod: /^kindnet/, container: /^kindnet-cni$/, pluginTypes: [] },
  { kind: 'ovn-kubernetes', label: 'ovnkube-node', pod: /^ovnkube-node/, container: /^ovnkube-(?:controller|node)$/, pluginTypes: ['ovn-k8s-cni-overlay'], endpoint: '/var/run/ovn-kubernetes/cni/ovn-cni-server.sock' },
];

export function specOf(kind: AgentKind): AgentSpec {
  return AGENT_SPECS.find((s) => s.kind === kind)!;
}

/** The plugin types of the config libcni loads on the node (the lexically first valid one). */
export function activeConfig(node: NodeEvidence | undefined) {
  const usable = (c: NodeEvidence['cniConfigs'][number]) => c.loadedByLibcni && !c.flags.invalidJson && !c.flags.empty && !c.flags.binary;
  // k3s and rke2 keep theirs under /var/lib/rancher when /etc/cni/net.d is not used.
  return node?.cniConfigs.find(usable) ?? node?.distroCniConfigs.map((d) => d.config).find(usable);
}

/** The agents the node's CNI config needs (flannel delegates and multus delegates included). */
export function agentKindsForNode(evidence: Evidence, node: string): AgentKind[] {
  const ev = evidence.nodes.get(node);
  const active = activeConfig(ev);
  const types = new Set<string>();
  for (const p of active?.plugins ?? []) {
    if (p.type) types.add(p.type);
    if (p.ipam?.type) types.add(p.ipam.type);
    for (const d of p.delegateTypes) types.add(d);
  }
  const kinds = AGENT_SPECS.filter((s) => s.pluginTypes.some((t) => types.has(t))).map((s) => s.kind);
  if (kinds.length > 0) return kinds;
  // No node config in the bundle: go by the agents scheduled there.
  return [...new Set(agentPods(evidence).filter((a) => a.node === node).map((a) => a.spec.kind))];
}

export type AgentProblemKind = 'crash-loop' | 'init-failing' | 'crashed' | 'waiting' | 'not-ready' | 'pending' | 'terminating' | 'missing';

export interface AgentProblem {
  kind: AgentProblemKind;
  container?: string;
  /** One line for messages: `kube-flannel is in CrashLoopBackOff (7 restarts; last exit 1, Error)`. */
  text: string;
}

export interface AgentPod {
  key: string;
  pod: K8sPodRecord;
  spec: AgentSpec;
  node: string | undefined;
  daemonSet: K8sDaemonSetRecord | undefined;
  main: K8sContainerStatus[];
  restarts: number;
  /** The most recent termination of an agent container (lastState, or state while terminated). */
  lastTermination?: K8sContainerState & { container: string };
  problem: AgentProblem | null;
  logs: AgentLog[];
}

function describeTermination(t: K8sContainerState | undefined): string {
  if (!t) return '';
  const parts = [t.exitCode !== undefined ? `exit ${t.exitCode}` : '', t.reason ?? '', t.signal !== undefined ? `signal ${t.signal}` : ''].filter(Boolean);
  return parts.join(', ');
}

function problemOf(pod: K8sPodRecord, main: K8sContainerStatus[], inits: K8sContainerStatus[]): AgentProblem | null {
  if (pod.deletionTimestamp) return { kind: 'terminating', text: `${pod.name} is terminating since ${pod.deletionTimestamp}` };
  for (const c of main) {
    if (c.state.state === 'waiting' && c.state.reason === 'CrashLoopBackOff') {
      const last = describeTermination(c.lastState);
      return { kind: 'crash-loop', container: c.name, text: `container ${c.name} is in CrashLoopBackOff (${c.restartCount} restarts${last ? `; last exit: ${last}` : ''})` };
    }
  }
  for (const c of inits) {
    const failing = (c.state.state === 'waiting' && c.state.reason !== 'PodInitializing') || (c.state.state === 'terminated' && (c.state.exitCode ?? 0) !== 0);
    if (failing) {
      const how = c.state.state === 'waiting' ? c.state.reason ?? 'waiting' : describeTermination(c.state);
      return { kind: 'init-failing', container: c.name, text: `init container ${c.name} does not complete (${how}${c.restartCount ? `, ${c.restartCount} restarts` : ''})` };
    }
  }
  for (const c of main) {
    if (c.state.state === 'terminated' && (c.state.exitCode ?? 0) !== 0) return { kind: 'crashed', container: c.name, text: `container ${c.name} exited (${describeTermination(c.state)})` };
    if (c.state.state === 'waiting') return { kind: 'waiting', container: c.name, text: `container ${c.name} is waiting (${c.state.reason ?? 'not started'}${c.state.message ? `: ${c.state.message}` : ''})` };
  }
  if (main.length === 0 && (pod.phase === 'Pending' || pod.phase === undefined)) return { kind: 'pending', text: `${pod.name} is ${pod.phase ?? 'not started'}${pod.reason ? ` (${pod.reason})` : ''}` };
  for (const c of main) {
    if (c.state.state === 'running' && !c.ready) {
      const cond = pod.conditions.find((x) => x.type === 'Ready' && x.status !== 'True');
      return { kind: 'not-ready', container: c.name, text: `container ${c.name} is running but not Ready${c.restartCount ? ` (${c.restartCount} restarts)` : ''}${cond?.message ? `: ${cond.message}` : ''}` };
    }
  }
  if (pod.phase === 'Failed' || pod.phase === 'Unknown') return { kind: 'crashed', text: `${pod.name} is ${pod.phase}${pod.reason ? ` (${pod.reason})` : ''}` };
  return null;
}

const CACHE = new WeakMap<Evidence, AgentPod[]>();

/** Every CNI agent pod of the bundle (DaemonSet pods whose name or containers say which CNI). */
export function agentPods(evidence: Evidence): AgentPod[] {
  const cached = CACHE.get(evidence);
  if (cached) return cached;
  const out: AgentPod[] = [];
  for (const pod of evidence.cluster.pods) {
    const owner = pod.ownerReferences.find((o) => o.kind === 'DaemonSet');
    if (!owner) continue;
    const names = pod.containers.map((c) => c.name);
    const spec =
      AGENT_SPECS.find((s) => names.some((n) => s.container.test(n)) && (s.pod.test(pod.name) || s.pod.test(owner.name))) ??
      AGENT_SPECS.find((s) => s.pod.test(pod.name) || s.pod.test(owner.name));
    if (!spec || /kube-proxy/.test(pod.name)) continue;
    const statuses = pod.containerStatuses.filter((c) => !c.init);
    const main = statuses.filter((c) => spec.container.test(c.name));
    const agentContainers = main.length > 0 ? main : statuses;
    const inits = pod.containerStatuses.filter((c) => c.init);
    const daemonSet = evidence.cluster.daemonsets.find((d) => d.namespace === pod.namespace && d.name === owner.name);
    const logs = evidence.cluster.agentLogs.filter((l) => l.namespace === pod.namespace && l.pod === pod.name);
    let lastTermination: AgentPod['lastTermination'];
    for (const c of agentContainers) {
      const t = c.state.state === 'terminated' ? c.state : c.lastState?.state === 'terminated' ? c.lastState : undefined;
      if (t && (!lastTermination || (t.finishedAt ?? '') > (lastTermination.finishedAt ?? ''))) lastTermination = { ...t, container: c.name };
    }
    const agent: AgentPod = {
      key: `${pod.namespace}/${pod.name}`,
      pod,
      spec,
      node: pod.nodeName,
      daemonSet,
      main: agentContainers,
      restarts: agentContainers.reduce((n, c) => n + c.restartCount, 0),
      problem: problemOf(pod, agentContainers, inits),
      logs,
    };
    if (lastTermination) agent.lastTermination = lastTermination;
    out.push(agent);
  }
  CACHE.set(evidence, out);
  return out;
}

export function agentsOnNode(evidence: Evidence, node: string, kinds?: readonly AgentKind[]): AgentPod[] {
  return agentPods(evidence).filter((a) => a.node === node && (!kinds || kinds.includes(a.spec.kind)));
}

/**
 * DaemonSets of an agent kind that should have a pod on the node and have none there: the
 * DaemonSet runs elsewhere (so its pods were collected) and its nodeSelector matches the node.
 */
export function missingAgentDaemonSets(evidence: Evidence, node: string, kinds: readonly AgentKind[]): { spec: AgentSpec; daemonSet: K8sDaemonSetRecord }[] {
  const apiNode = evidence.cluster.nodes.find((n) => n.name === node);
  const out: { spec: AgentSpec; daemonSet: K8sDaemonSetRecord }[] = [];
  for (const ds of evidence.cluster.daemonsets) {
    const spec = AGENT_SPECS.find((s) => kinds.includes(s.kind) && (s.pod.test(ds.name) || ds.containers.some((c) => !c.init && s.container.test(c.name))));
    if (!spec || /kube-proxy/.test(ds.name)) continue;
    const pods = agentPods(evidence).filter((a) => a.daemonSet === ds || (a.pod.namespace === ds.namespace && a.pod.ownerReferences.some((o) => o.name === ds.name)));
    if (pods.length === 0 || pods.some((a) => a.node === node)) continue;
    if (apiNode && Object.entries(ds.nodeSelector).some(([k, v]) => apiNode.labels[k] !== v)) continue;
    out.push({ spec, daemonSet: ds });
  }
  return out;
}

/** The agent's log lines worth quoting: the previous (crashed) instance first, errors before warnings. */
export function agentErrorLines(agent: AgentPod, limit = 3): LogRecordBase[] {
  const mainLogs = agent.logs.filter((l) => agent.spec.container.test(l.container) || agent.main.some((c) => c.name === l.container));
  const ordered = [...mainLogs.filter((l) => l.previous), ...mainLogs.filter((l) => !l.previous), ...agent.logs.filter((l) => !mainLogs.includes(l))];
  for (const severity of ['error', 'warning'] as const) {
    const lines = ordered.flatMap((l) => l.records.filter((r) => r.severity === severity && !isNoise(r.message)));
    if (lines.length > 0) return lines.slice(-limit);
  }
  return [];
}

// Per agent pod (agentPods caches those per evidence): several rules search every agent's lines.
const LINES = new WeakMap<AgentPod, readonly LogRecordBase[]>();

/** Every kept line of the agent's logs (all containers, previous instance first). Shared: do not change it. */
export function agentLines(agent: AgentPod): readonly LogRecordBase[] {
  let lines = LINES.get(agent);
  if (!lines) {
    lines = [...agent.logs.filter((l) => l.previous), ...agent.logs.filter((l) => !l.previous)].flatMap((l) => l.records);
    LINES.set(agent, lines);
  }
  return lines;
}

function isNoise(message: string): boolean {
  // Lines that say the agent stops, not why.
  return /Neither --kubeconfig nor --master was specified|Stopping shutdownHandler|^\s*(?:Terminating|Exiting|Shutting down|Stopping)\.?\s*$/i.test(message);
}

/** Warning events about an agent pod (BackOff, Unhealthy, FailedMount…). */
export function agentEvents(evidence: Evidence, agent: AgentPod): K8sEventRecord[] {
  return evidence.cluster.events.filter(
    (e) => e.involvedObject.name === agent.pod.name && (e.involvedObject.namespace ?? e.namespace) === agent.pod.namespace && e.type === 'Warning',
  );
}

// ---------------------------------------------------------------------------------------------
// What the agent's own errors say about why it is down
// ---------------------------------------------------------------------------------------------

export type AgentCauseKind = 'unauthorized' | 'apiserver' | 'podcidr-missing' | 'podcidr-outside-network' | 'kernel' | 'bpffs' | 'interface-state';

/** Which rule of this tool owns each cause an agent log can name. */
export const CAUSE_RULE: Record<AgentCauseKind, string> = {
  unauthorized: 'cni-agent-unauthorized',
  apiserver: 'cni-apiserver-unreachable',
  'podcidr-missing': 'podcidr-missing',
  'podcidr-outside-network': 'podcidr-overlap',
  kernel: 'kernel-incompatible',
  bpffs: 'bpf-fs-not-mounted',
  'interface-state': 'podcidr-mismatch',
};

export const UNAUTHORIZED =
  /connection is unauthorized|\bUnauthorized\b|is forbidden: User "system:(?:serviceaccount|node|anonymous)|forbidden: User "[^"]+" cannot|\b401\b.{0,40}(?:Unauthorized|token)|token (?:has )?expired|invalid bearer token|the server has asked for the client to provide credentials|You must be logged in to the server|Unable to create token for CNI kubeconfig/i;

/**
 * An API server address: a URL under /api(s)/, an address on :443/:6443, or kubernetes.default.
 * Every repetition is bounded and the bare address must start at a token boundary, so a long line
 * (a 64 KiB log record, a hex dump) costs linear time.
 */
const API_TARGET = String.raw`(?:https?://[^\s"/]{1,253}/(?:api|apis|version|healthz)\b|(?<![\w.:\[])\[?[0-9a-f.:]{3,45}\]?:(?:443|6443)\b|kubernetes\.default)`;
const CONN_ERROR = String.raw`(?:i/o timeout|connection refused|no route to host|network is unreachable|context deadline exceeded|Client\.Timeout exceeded|TLS handshake timeout|EOF|connection reset by peer|http2: client connection lost|use of closed network connection)`;
export const APISERVER_UNREACHABLE = new RegExp(
  String.raw`${API_TARGET}[^\n]{0,200}?${CONN_ERROR}|dial tcp \[?[0-9a-f.:]{3,45}\]?:(?:443|6443): [^\n]{0,60}?${CONN_ERROR}|the server was unable to return a response in the time allotted|Unable to connect to the server|error communicating with apiserver|Failed to check API server connectivity|Unable to contact k8s api-server|Failed to create SubnetManager|error retrieving pod spec`,
  'i',
);

export const PODCIDR_MISSING = /pod cidr not assigned|CIDR string is empty for Node|Waiting for Node PodCIDR|podCIDR (?:is )?(?:empty|not (?:set|assigned|found))|node has no pod ?cidr|failed to get pod ?cidr|no PodCIDR/i;
export const PODCIDR_OUTSIDE = /specified in the flannel net config doesn't contain "([^"]+)" PodCIDR of the "([^"]+)" node/;
export const KERNEL =
  /kernel version: NOT OK|minimal supported kernel version|requires? (?:a )?(?:Linux )?kernel (?:version )?(?:>= ?)?\d|kernel version [^\n]{0,40}(?:is )?not supported|kernel (?:is )?too old|verifier (?:log|error)|failed to load (?:BPF |eBPF |bpf )?program|program [^\n]{0,60}: (?:load program: )?invalid argument|loading (?:BPF|eBPF|bpf)[^\n]{0,80}invalid argument|bpf\(\) syscall[^\n]{0,40}(?:invalid argument|not supported)|unknown device type|operation not supported[^\n]{0,40}(?:vxlan|geneve)|(?:vxlan|geneve)[^\n]{0,80}operation not supported|modprobe: FATAL: Module \S+ not found|Module \S+ not found in directory \/lib\/modules|missing kernel (?:feature|config)|CONFIG_[A-Z0-9_]+ (?:is )?(?:not set|missing)/i;
export const BPFFS =
  /BPF ?(?:file ?system|FS)\b[^\n]{0,60}not mounted|bpffs[^\n]{0,40}not mounted|Unable to mount BPF filesystem|failed to mount (?:the )?(?:bpffs|bpf ?fs|BPF filesystem)|BPF filesystem is going to be mounted automatically|is mounted but has a different filesystem than BPFFS|\/sys\/fs\/bpf[^\n]{0,60}(?:is not (?:a )?(?:bpf|mount)|no such file or directory)/i;
export const INTERFACE_STATE = /link has incompatible addresses|already has an IP address different from|failed to ensure address of interface/i;

export interface AgentCause {
  kind: AgentCauseKind;
  ruleId: string;
  record: LogRecordBase;
}

// Most agent lines name no cause: one search for all the causes' literals skips them.
let causeLiterals: Prefilter | null | undefined;

export function causeOfText(text: string): AgentCauseKind | null {
  causeLiterals ??= anyOf([UNAUTHORIZED, PODCIDR_OUTSIDE, APISERVER_UNREACHABLE, PODCIDR_MISSING, BPFFS, KERNEL, INTERFACE_STATE]);
  if (!mayMatch(causeLiterals, text)) return null;
  // The order matters: an RBAC error mentions the API URL too, a podCIDR wait can follow an API timeout.
  if (searchTest(UNAUTHORIZED, text)) return 'unauthorized';
  if (searchTest(PODCIDR_OUTSIDE, text)) return 'podcidr-outside-network';
  if (searchTest(APISERVER_UNREACHABLE, text)) return 'apiserver';
  if (searchTest(PODCIDR_MISSING, text)) return 'podcidr-missing';
  if (searchTest(BPFFS, text)) return 'bpffs';
  if (searchTest(KERNEL, text)) return 'kernel';
  if (searchTest(INTERFACE_STATE, text)) return 'interface-state';
  return null;
}

function recordText(r: LogRecordBase): string {
  const extra = Object.entries(r.fields)
    .filter(([k]) => /^(?:err|error|reason|msg)$/i.test(k))
    .map(([, v]) => v);
  return [r.message, ...extra].join(' ');
}

/**
 * The cause the agent's own log names, if it names one we have a rule for: the last such line
 * of the crashed instance wins over older ones.
 */
export function agentCause(agent: AgentPod): AgentCause | null {
  const unauthorized = new Set(matchingLines(agent, UNAUTHORIZED));
  const podCidrMissing = new Set(matchingLines(agent, PODCIDR_MISSING));
  const lines = agentLines(agent).filter((r) => r.severity === 'error' || r.severity === 'warning' || unauthorized.has(r) || podCidrMissing.has(r));
  for (let i = lines.length - 1; i >= 0; i--) {
    const r = lines[i]!;
    const kind = causeOfText(recordText(r)) ?? causeOfText(r.raw);
    if (kind) return { kind, ruleId: CAUSE_RULE[kind], record: r };
  }
  return null;
}

/** Agent log lines matching a pattern (any severity: installers log RBAC failures at info). */
export function agentLinesMatching(agent: AgentPod, pattern: RegExp): LogRecordBase[] {
  return matchingLines(agent, pattern).slice();
}

// Per agent pod, per pattern: several rules ask for the same lines (API errors, RBAC errors).
const MATCHING = new WeakMap<AgentPod, Map<RegExp, readonly LogRecordBase[]>>();

function matchingLines(agent: AgentPod, pattern: RegExp): readonly LogRecordBase[] {
  // A stateful (g or y) regex answers by its lastIndex too: test it every time, as before.
  if (pattern.global || pattern.sticky) return agentLines(agent).filter((r) => pattern.test(r.raw));
  let byPattern = MATCHING.get(agent);
  if (!byPattern) MATCHING.set(agent, (byPattern = new Map()));
  let lines = byPattern.get(pattern);
  if (!lines) {
    const pf = prefilterOf(pattern);
    lines = agentLines(agent).filter((r) => mayMatch(pf, r.raw) && pattern.test(r.raw));
    byPattern.set(pattern, lines);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Plugin errors that mean "the agent on this node is not serving"
// ---------------------------------------------------------------------------------------------

export type DownFamily = 'calico-nodename' | 'flannel-subnet-env' | 'agent-socket';

export const CALICO_NODENAME = /stat \/var\/lib\/calico\/nodename: no such file or directory|check that the calico\/node container is running/i;
export const FLANNEL_SUBNET_ENV = /loadFlannelSubnetEnv failed|open \/run\/flannel\/subnet\.env: no such file or directory|subnet\.env is missing FLANNEL_|is missing FLANNEL_(?:NETWORK|SUBNET|IPV6)/i;

/** Plugin → agent connection failures, with the agent each one points at. */
export const AGENT_SOCKET: readonly { kind: AgentKind; re: RegExp }[] = [
  { kind: 'cilium', re: /unable to connect to Cilium (?:daemon|agent)|cilium\.sock[^\n]{0,80}(?:no such file or directory|connection refused)|Is the agent running\?/i },
  { kind: 'aws-vpc-cni', re: /failed to connect to ipamd|(?:127\.0\.0\.1|localhost):50051[^\n]{0,40}(?:connection refused|i\/o timeout)|Error received from (?:AddNetwork|DelNetwork) gRPC call[^\n]{0,200}(?:Unavailable|connection refused)/i },
  { kind: 'antrea', re: /antrea\/cni\.sock[^\n]{0,80}(?:no such file or directory|connection refused)/i },
  { kind: 'weave', re: /(?:127\.0\.0\.1|localhost):6784[^\n]{0,60}(?:connection refused|no such host)|weave-cni: unable to (?:release|allocate|claim) IP address/i },
  { kind: 'multus', re: /multus\.sock[^\n]{0,80}(?:no such file or directory|connection refused)|multus-shim[^\n]{0,80}connection refused/i },
  { kind: 'ovn-kubernetes', re: /ovn-cni-server\.sock[^\n]{0,80}(?:no such file or directory|connection refused)/i },
];

export function socketFamily(message: string): { kind: AgentKind; match: string } | null {
  for (const { kind, re } of AGENT_SOCKET) {
    const m = mayMatch(prefilterOf(re), message) ? re.exec(message) : null;
    if (m) return { kind, match: m[0] };
  }
  return null;
}

type DownSymptom = { symptom: Symptom; family: DownFamily; kind: AgentKind };

// Per symptom list (one per analysis) and node: most agent rules ask for the same node's list.
const DOWN = new WeakMap<readonly Symptom[], Map<string, readonly DownSymptom[]>>();

/** Symptoms on the node that say "the agent is not serving", with the agent kind they point at. */
export function downSymptoms(symptoms: readonly Symptom[], node: string): DownSymptom[] {
  let byNode = DOWN.get(symptoms);
  if (!byNode) DOWN.set(symptoms, (byNode = new Map()));
  let down = byNode.get(node);
  if (!down) {
    down = findDownSymptoms(symptoms, node);
    byNode.set(node, down);
  }
  return down.slice();
}

// Most symptoms name none of the down families: one search for all their literals skips them.
let downLiterals: Prefilter | null | undefined;

function findDownSymptoms(symptoms: readonly Symptom[], node: string): DownSymptom[] {
  const out: DownSymptom[] = [];
  downLiterals ??= anyOf([CALICO_NODENAME, FLANNEL_SUBNET_ENV, ...AGENT_SOCKET.map((s) => s.re)]);
  for (const s of symptoms) {
    if (s.node !== node || !mayMatch(downLiterals, s.message)) continue;
    if (searchTest(CALICO_NODENAME, s.message)) out.push({ symptom: s, family: 'calico-nodename', kind: 'calico' });
    else if (searchTest(FLANNEL_SUBNET_ENV, s.message)) out.push({ symptom: s, family: 'flannel-subnet-env', kind: 'flannel' });
    else {
      const socket = socketFamily(s.message);
      if (socket) out.push({ symptom: s, family: 'agent-socket', kind: socket.kind });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

export function podsOf(symptoms: readonly Symptom[]): string[] {
  return [...new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null))].sort();
}

/** The first few symptoms, one per source file, so citations show the event and the journal line. */
export function symptomCitations(symptoms: readonly Symptom[], max = 3) {
  const seen = new Set<string>();
  const out = [];
  for (const s of symptoms) {
    const file = s.citation.file;
    if (seen.has(file)) continue;
    seen.add(file);
    out.push(s.citation);
    if (out.length >= max) break;
  }
  return out;
}

/** `kubectl` command that selects the agent pod of a node. */
export function agentPodCommand(agent: AgentPod, previous = true): string {
  const container = agent.main[0]?.name ?? agent.pod.containers.find((c) => !c.init)?.name;
  return `kubectl -n ${agent.pod.namespace} logs ${agent.pod.name}${container ? ` -c ${container}` : ''}${previous ? ' --previous' : ''} --tail=50`;
}

/** Recreates the agent pod of one node through its DaemonSet's selector (or by name without one). */
export function restartAgentCommand(agent: AgentPod): string {
  const selector = Object.entries(agent.daemonSet?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return selector && agent.node
    ? `kubectl -n ${agent.pod.namespace} delete pod -l ${selector} --field-selector spec.nodeName=${agent.node}`
    : `kubectl -n ${agent.pod.namespace} delete pod ${agent.pod.name}`;
}

export function describeAgent(agent: AgentPod): string {
  return `${agent.spec.label} pod ${agent.key}`;
}

/** Seconds between two ISO times (b - a), or undefined. */
export function secondsBetween(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b) return undefined;
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isNaN(x) || Number.isNaN(y) ? undefined : (y - x) / 1000;
}

/** The Kubernetes Service VIP the plugin dialled, from `https://10.96.0.1:443/...` or `dial tcp 10.96.0.1:443`. */
export function apiTargetOf(text: string): { host: string; port: string } | null {
  const m = /https?:\/\/\[?([0-9a-f.:]+?)\]?:(\d+)\//i.exec(text) ?? /dial tcp \[?([0-9a-f.:]+?)\]?:(\d+)/i.exec(text);
  return m ? { host: m[1]!, port: m[2]! } : null;
}
