/**
 * The node has no spec.podCIDR while its CNI takes the node's subnet from it (flannel with the
 * kube subnet manager, Antrea, kube-router, kindnet, Cilium in "kubernetes" IPAM mode, Calico
 * with usePodCidr). kube-controller-manager assigns podCIDRs only with --allocate-node-cidrs and
 * --cluster-cidr (kubeadm sets both from networking.podSubnet), and only while the cluster CIDR has
 * room: an empty podCIDR on one new node and full ones elsewhere means the range is exhausted.
 */
import { parseYaml } from './lib/yaml.js';
import type { Citation, RemediationStep } from '../model.js';
import { parseCidr } from './lib/cidr.js';
import {
  activeConfig,
  agentLinesMatching,
  agentPodCommand,
  agentsOnNode,
  APISERVER_UNREACHABLE,
  downSymptoms,
  PODCIDR_MISSING,
  podsOf,
  symptomCitations,
  restartAgentCommand,
} from './lib/agents.js';
import { defineRule, type RuleContext } from './define.js';

export default defineRule({
  id: 'podcidr-missing',
  title: 'The node has no podCIDR although its CNI needs one',
  severity: 'critical',
  cni: true,
  needs: ['cluster/nodes.json', 'cluster/configmaps/kube-system/kubeadm-config.json', 'cluster/logs/*/*/*', 'cni/net.d/*', 'cluster/events.json'],
  description:
    'Reports nodes whose spec.podCIDR is empty while their CNI allocates from it (flannel "failed to acquire lease: node \\"x\\" pod cidr not assigned", Antrea "Waiting for Node PodCIDR configuration to complete" / "CIDR string is empty for Node", kube-router, kindnet, Cilium kubernetes IPAM, Calico usePodCidr). It then says why kube-controller-manager did not assign one: kubeadm-config without networking.podSubnet (no --allocate-node-cidrs / --cluster-cidr), a cluster CIDR with no free node subnet left (CIDRNotAvailable), or a node that registered moments ago. An agent that says the CIDR is empty while nodes.json shows one is an API connectivity problem, not this.',
  check(ctx) {
    const apiNodes = ctx.evidence.cluster.nodes;
    const cfg = clusterConfig(ctx);
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...apiNodes.map((n) => n.name)])].sort();
    for (const node of names) {
      const apiNode = apiNodes.find((n) => n.name === node);
      const hasCidr = (apiNode?.podCIDRs.length ?? 0) > 0 || !!apiNode?.podCIDR;
      if (hasCidr) continue;
      const agents = agentsOnNode(ctx.evidence, node);
      const agentLines = agents.flatMap((a) => agentLinesMatching(a, PODCIDR_MISSING).map((l) => ({ agent: a, line: l })));
      const symptoms = ctx.symptomsMatching(PODCIDR_MISSING, node);
      const needs = cniNeedsPodCidr(ctx, node);
      if (agentLines.length === 0 && symptoms.length === 0 && !needs) continue;
      // Without the Node object the podCIDR is unknown, not empty: only the agent's own words count then.
      if (!apiNode && agentLines.length === 0 && symptoms.length === 0) continue;
      // The agent's "empty CIDR" with an API error next to it is the API's fault (antrea#5353).
      const apiTrouble = agents.flatMap((a) => agentLinesMatching(a, APISERVER_UNREACHABLE)).length > 0;

      const citations: Citation[] = [...symptomCitations(symptoms, 1)];
      if (apiNode) citations.push(ctx.cite(apiNode, `node ${node}: spec.podCIDR is empty`));
      for (const { line } of agentLines.slice(-2)) citations.push(ctx.cite(line));
      const reasons: string[] = [];
      const remediation: RemediationStep[] = [];

      const withCidr = apiNodes.filter((n) => (n.podCIDRs.length > 0 || n.podCIDR) && n.name !== node);
      const cidrEvents = ctx.evidence.cluster.events.filter((e) => e.reason === 'CIDRNotAvailable' && (e.involvedObject.name === node || e.source.host === node));
      const podSubnet = cfg.podSubnet;
      const mask = parseCidr(withCidr[0]?.podCIDRs[0] ?? withCidr[0]?.podCIDR)?.prefix ?? 24;
      const pool = parseCidr(podSubnet?.value);
      const capacity = pool && pool.family === 4 && mask >= pool.prefix ? 2 ** (mask - pool.prefix) : undefined;
      if (cfg.found && !podSubnet) {
        reasons.push(
          `kubeadm-config has no networking.podSubnet, so kubeadm runs kube-controller-manager without --allocate-node-cidrs and --cluster-cidr and no node that joins gets a podCIDR${withCidr.length > 0 ? ` (${withCidr.map((n) => n.name).join(', ')} keep the ones they were given before)` : ''}`,
        );
        citations.push(ctx.cite({ file: cfg.file!, line: cfg.line! }, 'ClusterConfiguration networking: no podSubnet'));
        remediation.push({ text: 'Give kube-controller-manager a cluster CIDR that matches the CNI\'s network (kubeadm: networking.podSubnet; then the manifest gets --allocate-node-cidrs=true --cluster-cidr=<podSubnet>).', command: `kubectl -n kube-system get configmap kubeadm-config -o yaml | grep -A4 networking` });
      } else if (cidrEvents.length > 0 || (capacity !== undefined && withCidr.length >= capacity)) {
        reasons.push(`the cluster CIDR${podSubnet ? ` ${podSubnet.value}` : ''} is exhausted: ${capacity !== undefined ? `it holds ${capacity} node subnets of /${mask} and ${withCidr.length} nodes already have one` : 'kube-controller-manager reports CIDRNotAvailable'}`);
        if (cidrEvents[0]) citations.push(ctx.cite(cidrEvents[0], `${cidrEvents[0].reason} ${cidrEvents[0].message}`));
        if (podSubnet) citations.push(ctx.cite({ file: cfg.file!, line: cfg.line! }, `podSubnet: ${podSubnet.value}`));
        remediation.push({ text: 'Widen the cluster CIDR (or lower --node-cidr-mask-size) on kube-controller-manager, then re-register the node; a podCIDR is never changed in place.', command: `kubectl get nodes -o custom-columns=NAME:.metadata.name,PODCIDR:.spec.podCIDR` });
      } else if (withCidr.length > 0) {
        reasons.push(`the other nodes (${withCidr.map((n) => `${n.name} ${n.podCIDRs[0] ?? n.podCIDR}`).slice(0, 3).join(', ')}) have one, so kube-controller-manager allocates but has not reached ${node}: it registered recently, or the controller-manager is not running`);
        citations.push(ctx.cite(withCidr[0]!, `node ${withCidr[0]!.name}: spec.podCIDR ${withCidr[0]!.podCIDRs[0] ?? withCidr[0]!.podCIDR}`));
        remediation.push({ text: 'Check kube-controller-manager\'s log for the node\'s CIDR allocation.', command: `kubectl -n kube-system logs -l component=kube-controller-manager --tail=200 | grep -i -E 'cidr|${node}'` });
      } else {
        reasons.push('no node has a podCIDR: kube-controller-manager does not allocate them (--allocate-node-cidrs is off or --cluster-cidr is unset)');
        remediation.push({ text: 'Enable node CIDR allocation on kube-controller-manager (--allocate-node-cidrs=true --cluster-cidr=<the CNI\'s network>).', command: `kubectl -n kube-system get pods -l component=kube-controller-manager -o yaml | grep -E 'allocate-node-cidrs|cluster-cidr'` });
      }
      const agent = agentLines[0]?.agent ?? agents.find((a) => a.problem);
      if (agent) remediation.push({ text: `Once ${node} has a podCIDR, restart its ${agent.spec.label} pod.`, command: restartAgentCommand(agent) });
      remediation.push({ text: `Confirm the node's podCIDR.`, command: `kubectl get node ${node} -o jsonpath='{.spec.podCIDR}{"\\n"}'` });

      const downstream = agentLines.length > 0 || agents.some((a) => a.problem) ? downSymptoms(ctx.symptoms, node).filter((d) => agents.some((a) => a.spec.kind === d.kind && (a.problem || agentLines.some((l) => l.agent === a)))).map((d) => d.symptom) : [];
      const explains = [...new Set([...symptoms, ...downstream])];
      if (downstream.length > 0) citations.unshift(...symptomCitations(downstream, 1));
      const confirmWith: string[] = [];
      if (!apiNode) confirmWith.push(...ctx.missing(null, ['cluster/nodes.json']), `kubectl get node ${node} -o jsonpath='{.spec.podCIDR}'`);
      if (apiTrouble) confirmWith.push(`the agent also failed to reach the API server: check ${agent ? agentPodCommand(agent) : 'its log'}, an unreachable API makes some agents report an empty CIDR`);

      const who = agentLines[0]?.agent.spec.label ?? (needs ?? 'the CNI');
      ctx.report({
        key: node,
        confidence: apiNode && (agentLines.length > 0 || symptoms.length > 0) && !apiTrouble ? 'high' : apiNode || agentLines.length > 0 ? 'medium' : 'low',
        severity: agentLines.length > 0 || symptoms.length > 0 || downstream.length > 0 ? 'critical' : 'warning',
        message:
          `On ${node}, spec.podCIDR is empty, and ${who} takes the node's pod subnet from it` +
          (agentLines[0] ? ` ("${oneLine(agentLines[0].line.message + (agentLines[0].line.fields['err'] ? `: ${agentLines[0].line.fields['err']}` : ''))}")` : '') +
          `. Until it has one the agent cannot configure the node${downstream.length > 0 ? `, which is why sandboxes on ${node} fail (${oneLine(innerOf(downstream[0]!.message))})` : ''}. Why: ${reasons.join('; ')}.`,
        scope: { nodes: [node], pods: podsOf(explains) },
        citations,
        remediation,
        confirmWith,
        explains,
        whyHere: withCidr.length > 0 ? `${node} is the node without a podCIDR; ${withCidr.map((n) => n.name).join(', ')} have one.` : 'No node has a podCIDR.',
      });
    }
  },
});

/** Does the node's CNI allocate pod IPs from spec.podCIDR? Names the CNI when it does. */
function cniNeedsPodCidr(ctx: RuleContext, node: string): string | undefined {
  const active = activeConfig(ctx.evidence.nodes.get(node));
  for (const p of active?.plugins ?? []) {
    if (p.type === 'flannel' || p.delegateTypes.includes('flannel')) return 'flannel';
    if (p.type === 'antrea') return 'antrea';
    if (p.ipam?.subnet === 'usePodCidr' || JSON.stringify(p.ipam?.raw ?? {}).includes('usePodCidr')) return `${p.type ?? 'the'} plugin (usePodCidr)`;
    if (p.type === 'bridge' && p.bridge === 'kube-bridge') return 'kube-router';
  }
  const agents = agentsOnNode(ctx.evidence, node);
  const kinds = new Set(agents.map((a) => a.spec.kind));
  for (const k of ['flannel', 'antrea', 'kube-router', 'kindnet'] as const) if (kinds.has(k)) return k;
  const cilium = ctx.evidence.cluster.configmaps.find((c) => c.name === 'cilium-config');
  if (kinds.has('cilium') && cilium?.data['ipam'] === 'kubernetes') return 'Cilium (ipam: kubernetes)';
  return undefined;
}

function clusterConfig(ctx: RuleContext): { found: boolean; file?: string; line?: number; podSubnet?: { value: string } } {
  const cm = ctx.evidence.cluster.configmaps.find((c) => c.name === 'kubeadm-config' && c.namespace === 'kube-system');
  const text = cm?.data['ClusterConfiguration'];
  if (!cm || !text) return { found: false };
  try {
    const parsed = parseYaml(text) as { networking?: { podSubnet?: string } } | null;
    const podSubnet = parsed?.networking?.podSubnet?.trim();
    return { found: true, file: cm.file, line: cm.line, ...(podSubnet ? { podSubnet: { value: podSubnet } } : {}) };
  } catch {
    return { found: false };
  }
}

function innerOf(message: string): string {
  const m = /failed \((?:add|delete)\): (.*)$/.exec(message.replace(/\\"/g, '"'));
  return (m?.[1] ?? message).replace(/"+$/, '');
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

