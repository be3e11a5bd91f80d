/**
 * The CNI agent DaemonSet pod of a node (flannel, calico-node, cilium-agent, aws-node, antrea,
 * weave…) is missing, crash-looping, stuck in init or not Ready. The node's CNI plugin needs that
 * agent (its socket, its subnet file, its nodename file), so sandboxes on that node fail while
 * the rest of the cluster works. The agent's own last error decides whether it is the cause or a
 * bystander: flannel crashing on a stale flannel.1 is a consequence of the node's interface state.
 */
import type { Citation, RemediationStep } from '../model.js';
import {
  agentCause,
  agentErrorLines,
  agentEvents,
  agentKindsForNode,
  agentPodCommand,
  agentsOnNode,
  AGENT_SPECS,
  describeAgent,
  downSymptoms,
  missingAgentDaemonSets,
  podsOf,
  symptomCitations,
  type AgentCauseKind,
  type AgentPod,
  restartAgentCommand,
} from './lib/agents.js';
import { defineRule, type RuleContext } from './define.js';

const CAUSE_TEXT: Record<AgentCauseKind, string> = {
  unauthorized: 'the API server rejects its credentials',
  apiserver: 'it cannot reach the API server',
  'podcidr-missing': 'the node has no podCIDR to hand out',
  'podcidr-outside-network': "the node's podCIDR is outside the CNI's configured network",
  kernel: "the node's kernel lacks a feature the agent needs",
  bpffs: 'the BPF filesystem is not mounted on the node',
  'interface-state': 'an interface on the node keeps an address from an older subnet',
};

export default defineRule({
  id: 'cni-agent-not-ready',
  title: "The node's CNI agent pod is missing, crash-looping or not Ready",
  severity: 'critical',
  cni: true,
  needs: ['cluster/*/pods.json', 'cluster/*/daemonsets.json', 'cluster/logs/*/*/*', 'cluster/events.json', 'cni/net.d/*'],
  description:
    'Finds the CNI agent DaemonSet pod the node\'s CNI config depends on (flannel, calico-node, cilium-agent, aws-node, antrea-agent, weave-net, …) and reports it when it is missing from the node, crash-looping, stuck in an init container or not Ready, citing its restart count, last termination, BackOff events, the DaemonSet\'s ready count and the last error lines of its previous log. Plugin errors that only a running agent prevents (Calico\'s missing /var/lib/calico/nodename, a missing agent socket) are tied to it; when the agent\'s own error names a deeper cause another rule owns (credentials, API reachability, podCIDR, kernel, bpffs, a stale interface), the crash is reported as that cause\'s consequence.',
  check(ctx) {
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)])].sort();
    for (const node of names) {
      const kinds = agentKindsForNode(ctx.evidence, node);
      const agents = agentsOnNode(ctx.evidence, node, kinds.length > 0 ? kinds : undefined);
      const down = downSymptoms(ctx.symptoms, node);
      const broken = agents.filter((a) => a.problem !== null);
      const missing = agents.length === 0 ? missingAgentDaemonSets(ctx.evidence, node, kinds.length > 0 ? kinds : AGENT_SPECS.map((s) => s.kind)) : [];

      for (const agent of broken) reportBroken(ctx, node, agent, down);
      for (const { spec, daemonSet } of missing) {
        const explains = down.filter((d) => d.kind === spec.kind && d.family !== 'flannel-subnet-env').map((d) => d.symptom);
        const short = daemonSet.desired > daemonSet.current;
        ctx.report({
          key: `${node}/${daemonSet.namespace}/${daemonSet.name}`,
          confidence: short || explains.length > 0 ? 'high' : 'medium',
          message:
            `${node} has no ${spec.label} pod although the DaemonSet ${daemonSet.namespace}/${daemonSet.name} runs on the other nodes ` +
            `(desired ${daemonSet.desired}, scheduled ${daemonSet.current}, ready ${daemonSet.ready}). Without its agent the node's ${spec.label} CNI plugin cannot set up pod networks` +
            (explains.length > 0 ? `, which is exactly what the sandbox errors on ${node} say.` : '.') +
            ' Usual reasons: a taint the DaemonSet does not tolerate, a nodeSelector or affinity that excludes the node, or the pod was evicted and cannot be recreated.',
          scope: { nodes: [node], pods: podsOf(explains) },
          citations: [
            ...symptomCitations(explains, 2),
            ctx.cite(daemonSet, `DaemonSet ${daemonSet.namespace}/${daemonSet.name}: desired ${daemonSet.desired}, current ${daemonSet.current}, ready ${daemonSet.ready}`),
          ],
          remediation: [
            { text: `See why the DaemonSet does not place a pod on ${node} (taints, nodeSelector, affinity, events).`, command: `kubectl -n ${daemonSet.namespace} describe daemonset ${daemonSet.name} && kubectl describe node ${node} | grep -A5 -i taints` },
            { text: `List what does run there; a pod stuck in Pending names its reason in its events.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}` },
          ],
          confirmWith: [`kubectl -n ${daemonSet.namespace} get pods -o wide | grep ${node}`],
          explains,
          whyHere: `${daemonSet.namespace}/${daemonSet.name} has pods on the other nodes but none on ${node}.`,
        });
      }

      if (broken.length === 0 && missing.length === 0 && agents.length === 0) {
        // The plugin itself says its agent is not running, but the bundle holds no agent pods to confirm it.
        const telling = down.filter((d) => d.family === 'calico-nodename');
        if (telling.length === 0) continue;
        const gaps = ctx.missing(null, ['cluster/*/pods.json', 'cluster/*/daemonsets.json']);
        const calicoExists = ctx.evidence.cluster.daemonsets.some((d) => /calico|canal/.test(d.name));
        if (gaps.length === 0 && !calicoExists && ctx.evidence.cluster.daemonsets.length > 0) continue; // no Calico at all: a left-over config, not an agent outage
        ctx.report({
          key: node,
          confidence: 'medium',
          message: `On ${node}, the Calico CNI plugin cannot read /var/lib/calico/nodename, a file calico-node writes when it starts: calico-node is not running on ${node} (or does not mount /var/lib/calico). The bundle has no calico-node pod for ${node} to show its state.`,
          scope: { nodes: [node], pods: podsOf(telling.map((d) => d.symptom)) },
          citations: symptomCitations(telling.map((d) => d.symptom)),
          remediation: [
            { text: `Check the calico-node pod of ${node}.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node} | grep -E 'calico|canal'` },
            { text: `If Calico was removed from the cluster, the config left in /etc/cni/net.d gives the same error: remove 10-calico.conflist and calico-kubeconfig on ${node}.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host ls -la /etc/cni/net.d /var/lib/calico` },
          ],
          confirmWith: [...gaps, `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}`],
          explains: telling.map((d) => d.symptom),
          whyHere: `Only ${node}'s plugin reports the missing nodename file.`,
        });
      }
    }
  },
});

function reportBroken(ctx: RuleContext, node: string, agent: AgentPod, down: ReturnType<typeof downSymptoms>): void {
  const problem = agent.problem!;
  const cause = agentCause(agent);
  // A deeper cause another rule owns makes this crash a consequence; it still needs fixing, so it stays reported.
  const consequence = cause !== null;
  const explains = down.filter((d) => d.kind === agent.spec.kind && d.family !== 'flannel-subnet-env').map((d) => d.symptom);
  const errors = agentErrorLines(agent, 2);
  const events = agentEvents(ctx.evidence, agent);
  const backoff = events.find((e) => /BackOff|Unhealthy|Failed/.test(e.reason ?? '')) ?? events[0];
  const ds = agent.daemonSet;
  const lastError = cause?.record ?? errors[errors.length - 1];

  const citations: Citation[] = [
    ...symptomCitations(explains, 2),
    ctx.cite(agent.pod, `${agent.key} on ${node}: ${problem.text}`),
  ];
  if (backoff) citations.push(ctx.cite(backoff, `${backoff.type ?? ''} ${backoff.reason ?? ''} (x${backoff.count}) ${backoff.message}`.trim()));
  for (const r of errors) if (r !== cause?.record) citations.push(ctx.cite(r));
  if (cause) citations.push(ctx.cite(cause.record));
  if (ds) citations.push(ctx.cite(ds, `DaemonSet ${ds.namespace}/${ds.name}: desired ${ds.desired}, ready ${ds.ready}, unavailable ${ds.unavailable}`));

  const detail = lastError ? lastError.fields['err'] ?? lastError.fields['error'] : undefined;
  const lastLine = lastError ? ` Its last error: "${oneLine(lastError.message + (detail && !lastError.message.includes(detail) ? `: ${detail}` : ''))}".` : '';
  const effect =
    explains.length > 0
      ? ` That is why the CNI plugin on ${node} fails: ${explainEffect(agent)}.`
      : ` While it is down, ${explainEffect(agent)}, so new pod sandboxes on ${node} fail or will fail.`;
  const because = cause
    ? ` The agent is down because ${CAUSE_TEXT[cause.kind]} (see ${cause.ruleId}): fix that, and the agent recovers on its next restart.`
    : '';
  const dsText = ds ? ` The DaemonSet ${ds.namespace}/${ds.name} has ${ds.ready} of ${ds.desired} pods ready.` : '';

  const remediation: RemediationStep[] = [
    { text: `Read why ${agent.spec.label} on ${node} stopped: the previous container's log holds the crash.`, command: agentPodCommand(agent, agent.restarts > 0 || problem.kind === 'crash-loop') },
    { text: `Look at the pod's events and container states (probes, mounts, image pulls, OOM kills).`, command: `kubectl -n ${agent.pod.namespace} describe pod ${agent.pod.name}` },
    { text: cause ? `Fix the cause (${cause.ruleId}), then recreate the agent pod; its DaemonSet starts a fresh one.` : `Once the cause is fixed, recreate the agent pod; its DaemonSet starts a fresh one.`, command: restartAgentCommand(agent) },
    { text: `When the log points at the host, compare ${node} with a node where the agent runs (interfaces, kernel, mounts, free space).`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'ip -br addr; uname -r; mount | grep -E "bpf|cgroup2"; df -h /var /run'` },
  ];
  if (problem.kind === 'init-failing' && problem.container) {
    remediation.splice(1, 0, { text: `The init container ${problem.container} (it installs the CNI binary or config) is the one failing; read its log.`, command: `kubectl -n ${agent.pod.namespace} logs ${agent.pod.name} -c ${problem.container}` });
  }

  ctx.report({
    key: `${node}/${agent.key}`,
    severity: consequence ? 'warning' : 'critical',
    confidence: 'high',
    message: `On ${node}, the ${describeAgent(agent)} is not serving: ${problem.text}.${lastLine}${because}${effect}${dsText}`,
    scope: { nodes: [node], pods: podsOf(explains) },
    citations,
    remediation,
    confirmWith: agent.logs.length === 0 ? ctx.missing(null, [`cluster/logs/${agent.pod.namespace}/${agent.pod.name}/*`]).concat([agentPodCommand(agent)]) : [],
    explains,
    whyHere: ds ? `${agent.key} is the ${agent.spec.label} pod that serves ${node}, and it is down (${ds.name}: ${ds.ready} of ${ds.desired} ready).` : `The ${agent.spec.label} pod serving ${node} is down.`,
  });
}

function explainEffect(agent: AgentPod): string {
  switch (agent.spec.kind) {
    case 'flannel':
      return 'flannel does not keep /run/flannel/subnet.env and the node\'s routes current';
    case 'calico':
      return 'the Calico plugin has no /var/lib/calico/nodename and no programmed routes for new workloads';
    case 'cilium':
      return 'cilium-cni finds no agent at /var/run/cilium/cilium.sock to create endpoints';
    case 'aws-vpc-cni':
      return 'the aws-cni plugin finds no ipamd at 127.0.0.1:50051 to assign pod IPs';
    case 'antrea':
      return 'the antrea plugin finds no agent at /var/run/antrea/cni.sock';
    case 'weave':
      return 'weave-cni finds no router at 127.0.0.1:6784 to allocate IPs';
    default:
      return `the ${agent.spec.label} plugin has no agent to talk to`;
  }
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 220 ? `${t.slice(0, 220)}…` : t;
}
