/**
 * The CNI plugin or its agent cannot reach the API server: Calico's `error getting
 * ClusterInformation: Get "https://10.96.0.1:443/…": dial tcp 10.96.0.1:443: i/o timeout` (or
 * EOF, connection refused, context deadline exceeded), flannel's `Failed to create SubnetManager:
 * error retrieving pod spec …: i/o timeout`, aws-node's "Failed to check API server connectivity".
 * Plugins reach the API through the kubernetes Service VIP, so kube-proxy's rules on the node are
 * the first suspect; an unhealthy or overloaded kube-apiserver the second.
 */
import { parseYaml } from './lib/yaml.js';
import type { Citation, RemediationStep } from '../model.js';
import type { IptablesRuleRecord, IptablesChainRecord, K8sPodRecord, LogRecordBase } from '../parsers/index.js';
import {
  agentLinesMatching,
  agentPodCommand,
  agentsOnNode,
  apiTargetOf,
  APISERVER_UNREACHABLE,
  downSymptoms,
  podsOf,
  symptomCitations,
  UNAUTHORIZED,
  restartAgentCommand,
} from './lib/agents.js';
import { defineRule, type RuleContext } from './define.js';

const SLOW = /the server was unable to return a response in the time allotted|Client\.Timeout exceeded while awaiting headers|TLS handshake timeout|http2: client connection lost/i;

export default defineRule({
  id: 'cni-apiserver-unreachable',
  title: 'The CNI plugin or agent cannot reach the Kubernetes API server',
  severity: 'critical',
  cni: true,
  needs: ['journal/*.log', 'cluster/events.json', 'cluster/logs/*/*/*', 'net/iptables-save.txt', 'cluster/configmaps/kube-system/kubeadm-config.json'],
  description:
    'Matches API connection failures of the CNI plugin and its agent (i/o timeout, connection refused, EOF, context deadline exceeded, TLS handshake timeout to the kubernetes Service VIP or the API server, flannel\'s "Failed to create SubnetManager", aws-node\'s "Failed to check API server connectivity", "the server was unable to return a response in the time allotted"). It then checks the path: whether kube-proxy programmed the Service VIP on that node (a KUBE-SERVICES rule in iptables-save, compared with the other nodes), whether kube-proxy runs there, and whether the kube-apiserver pods are healthy.',
  check(ctx) {
    const serviceVip = kubernetesServiceIp(ctx);
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)])].sort();
    for (const node of names) {
      const symptoms = ctx.symptomsMatching(APISERVER_UNREACHABLE, node).filter((s) => !UNAUTHORIZED.test(s.message));
      const agents = agentsOnNode(ctx.evidence, node);
      const agentHits = agents
        .map((a) => ({ agent: a, lines: agentLinesMatching(a, APISERVER_UNREACHABLE).filter((l) => (l.severity === 'error' || l.severity === 'warning') && !UNAUTHORIZED.test(l.raw)) }))
        .filter((h) => h.lines.length > 0);
      const nodeLogLines: LogRecordBase[] = [...(ctx.evidence.nodes.get(node)?.logs.values() ?? [])].flatMap((l) => l.records.filter((r) => r.severity === 'error' && APISERVER_UNREACHABLE.test(r.raw) && !UNAUTHORIZED.test(r.raw)));
      if (symptoms.length === 0 && agentHits.length === 0) continue;

      const texts = [...symptoms.map((s) => s.message), ...agentHits.flatMap((h) => h.lines.map((l) => l.raw)), ...nodeLogLines.map((l) => l.raw)];
      const target = texts.map(apiTargetOf).find((t) => t !== null) ?? (serviceVip ? { host: serviceVip.ip, port: '443' } : null);
      const slow = texts.some((t) => SLOW.test(t));
      const citations: Citation[] = [...symptomCitations(symptoms, 2), ...agentHits.flatMap((h) => h.lines.slice(-1).map((l) => ctx.cite(l))), ...nodeLogLines.slice(-1).map((l) => ctx.cite(l))];
      const findings: string[] = [];
      const confirmWith: string[] = [];
      let pathBroken = false;
      let apiUnhealthy = false;

      // kube-proxy's rule for the VIP on this node, against the other nodes.
      const isVip = target && serviceVip && target.host === serviceVip.ip;
      if (target && (isVip || target.port === '443')) {
        const here = vipRule(ctx, node, target.host, target.port);
        const elsewhere = names.filter((n) => n !== node).map((n) => ({ n, r: vipRule(ctx, n, target.host, target.port) })).filter((x) => x.r.rule);
        const others = elsewhere.length > 0 ? `, while ${elsewhere.map((x) => x.n).join(' and ')} ${elsewhere.length > 1 ? 'have' : 'has'} one` : '';
        const table = ctx.evidence.nodes.get(node)?.iptables.find((r) => r.kind === 'iptables-table' && r.table === 'nat');
        if (here.rule) {
          findings.push(`kube-proxy did program ${target.host}:${target.port} on ${node}, so the VIP leads to the API server's endpoints and the failure is behind it (the endpoints themselves, or the network to them).`);
          citations.push(ruleCitation(ctx, here.rule));
        } else if (here.ipvs) {
          findings.push(`${target.host} is bound to kube-ipvs0 on ${node} (kube-proxy IPVS mode), so the VIP itself is in place.`);
        } else if (here.chain) {
          pathBroken = true;
          findings.push(`kube-proxy has not programmed ${target.host}:${target.port} on ${node}: its KUBE-SERVICES chain has no rule for it${others}, so connections to the VIP go nowhere.`);
          citations.push(ctx.cite(here.chain, `${node}: *nat :KUBE-SERVICES has no -d ${target.host}/32 --dport ${target.port} rule`));
          if (elsewhere[0]) citations.push(ruleCitation(ctx, elsewhere[0].r.rule!));
        } else if (table && elsewhere.length > 0) {
          pathBroken = true;
          findings.push(`The nat table of ${node} has no KUBE-SERVICES chain at all${others}: kube-proxy has not synced any Service on ${node}, so connections to the VIP go nowhere.`);
          citations.push(ctx.cite(table, `${node}: *nat has no KUBE-SERVICES chain`));
          citations.push(ruleCitation(ctx, elsewhere[0]!.r.rule!));
        } else if (table) {
          findings.push(`No node's iptables has a KUBE-SERVICES chain: Services are implemented without kube-proxy's iptables mode (IPVS, nftables or a kube-proxy replacement), which this bundle cannot check rule by rule.`);
        } else confirmWith.push(...ctx.missing(node, ['net/iptables-save.txt']));
      }

      const proxy = ctx.evidence.cluster.pods.find((p) => p.namespace === 'kube-system' && /^kube-proxy-/.test(p.name) && p.nodeName === node);
      const proxyProblem = proxy ? podProblem(proxy) : undefined;
      if (proxy && proxyProblem) {
        pathBroken = true;
        findings.push(`kube-proxy on ${node} (${proxy.name}) ${proxyProblem}.`);
        citations.push(ctx.cite(proxy, `kube-system/${proxy.name} on ${node}: ${proxyProblem}`));
      }
      const apiservers = ctx.evidence.cluster.pods.filter((p) => p.namespace === 'kube-system' && /^kube-apiserver-/.test(p.name));
      const sick = apiservers.map((p) => ({ p, problem: podProblem(p, true) })).filter((x) => x.problem);
      for (const { p, problem } of sick.slice(0, 2)) {
        apiUnhealthy = true;
        findings.push(`The API server ${p.name} ${problem}.`);
        citations.push(ctx.cite(p, `kube-system/${p.name}: ${problem}`));
      }
      if (slow && !apiUnhealthy) findings.push('The API server answered too slowly rather than not at all: an overloaded API server or etcd, felt on every node.');

      // An agent that cannot reach the API never finishes starting; the plugin errors that follow have the same cause.
      const downstream = agentHits.length > 0 ? downSymptoms(ctx.symptoms, node).filter((d) => agentHits.some((h) => h.agent.spec.kind === d.kind)).map((d) => d.symptom) : [];
      const explains = [...new Set([...symptoms, ...downstream])];
      if (downstream.length > 0) citations.unshift(...symptomCitations(downstream, 1));
      const who = symptoms.length > 0 ? `the ${symptoms.find((s) => s.cniPluginType)?.cniPluginType ?? 'CNI'} plugin` : `the ${agentHits[0]!.agent.spec.label} agent`;
      const how = target ? ` at ${target.host}:${target.port}${isVip ? ' (the kubernetes Service VIP)' : ''}` : '';
      const remediation: RemediationStep[] = [];
      if (target) remediation.push({ text: `Test the same path from ${node}: the VIP rule and a request to the API through it.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'iptables-save -t nat | grep -- "-d ${target.host}/32"; curl -sk --max-time 5 https://${target.host}:${target.port}/healthz; echo'` });
      if (proxy) {
        const step = { text: `${proxyProblem ? `kube-proxy on ${node} is down: read why and fix it` : `Check kube-proxy on ${node}`}; a restarted kube-proxy re-syncs the Service rules.`, command: `kubectl -n kube-system logs ${proxy.name} --previous --tail=50; kubectl -n kube-system delete pod -l k8s-app=kube-proxy --field-selector spec.nodeName=${node}` };
        // With kube-proxy down on the node, fixing it is the next step, not one more probe.
        if (proxyProblem) remediation.unshift(step);
        else remediation.push(step);
      }
      remediation.push({ text: `Check the API server's health and its endpoints.`, command: `kubectl get --raw '/readyz?verbose' && kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes -o wide` });
      const agent = agentHits[0]?.agent;
      if (agent) remediation.push({ text: `Once the API is reachable, restart the ${agent.spec.label} pod on ${node} if it does not recover by itself.`, command: restartAgentCommand(agent) });
      if (!pathBroken && !apiUnhealthy) confirmWith.push(`curl -sk https://${target?.host ?? '10.96.0.1'}:${target?.port ?? '443'}/healthz from ${node}`, agent ? agentPodCommand(agent) : `the CNI agent's log on ${node}`);

      ctx.report({
        key: node,
        // The agent down with API errors in its own log is state and symptom agreeing, like a broken path.
        confidence: pathBroken || apiUnhealthy || (symptoms.length > 0 && agentHits.length > 0) || agentHits.some((h) => h.agent.problem) ? 'high' : 'medium',
        message:
          `On ${node}, ${who} cannot reach the Kubernetes API server${how}: ${oneLine(innerOf(texts[0]!))}.` +
          (downstream.length > 0 ? ` The agent needs the API to start, so the plugin errors that follow on ${node} (${oneLine(innerOf(downstream[0]!.message))}) come from the same cause.` : symptoms.length > 0 ? ` Every sandbox ADD and DEL on ${node} that needs the API fails until it is reachable.` : '') +
          (findings.length > 0 ? ` ${findings.join(' ')}` : ''),
        scope: { nodes: [node], pods: podsOf(explains) },
        citations,
        remediation,
        confirmWith,
        explains,
        whyHere: pathBroken ? `The Service path to the API is broken on ${node} only.` : apiUnhealthy || slow ? 'The API server itself is unhealthy or slow: every node is exposed.' : `${node}'s CNI reported the API unreachable.`,
      });
    }
  },
});

function oneLine(text: string): string {
  const t = text.replace(/\\"/g, '"').replace(/\s+/g, ' ').trim();
  return t.length > 240 ? `${t.slice(0, 240)}…` : t;
}

function innerOf(message: string): string {
  const m = /failed \((?:add|delete)\): (.*)$/.exec(message.replace(/\\"/g, '"'));
  return (m?.[1] ?? message).replace(/"+$/, '');
}

function ruleCitation(ctx: RuleContext, rule: IptablesRuleRecord): Citation {
  return ctx.cite(rule, `-A ${rule.chain} ${rule.spec}`);
}

/** The kubernetes Service's ClusterIP: the first address of kubeadm's serviceSubnet. */
function kubernetesServiceIp(ctx: RuleContext): { ip: string } | undefined {
  const cm = ctx.evidence.cluster.configmaps.find((c) => c.name === 'kubeadm-config');
  const cfg = cm?.data['ClusterConfiguration'];
  if (!cfg) return { ip: '10.96.0.1' };
  try {
    const parsed = parseYaml(cfg) as { networking?: { serviceSubnet?: string } } | null;
    const subnet = parsed?.networking?.serviceSubnet?.split(',')[0]?.trim();
    const m = subnet ? /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet) : null;
    return m ? { ip: `${m[1]}.${m[2]}.${m[3]}.${Number(m[4]) + 1}` } : { ip: '10.96.0.1' };
  } catch {
    return { ip: '10.96.0.1' };
  }
}

function vipRule(ctx: RuleContext, node: string, host: string, port: string): { chain?: IptablesChainRecord; rule?: IptablesRuleRecord; ipvs: boolean } {
  const ev = ctx.evidence.nodes.get(node);
  if (!ev) return { ipvs: false };
  const chain = ev.iptables.find((r): r is IptablesChainRecord => r.kind === 'iptables-chain' && r.table === 'nat' && r.chain === 'KUBE-SERVICES');
  const rule = ev.iptables.find(
    (r): r is IptablesRuleRecord => r.kind === 'iptables-rule' && r.table === 'nat' && r.chain === 'KUBE-SERVICES' && (r.destination === `${host}/32` || r.destination === host) && new RegExp(`--dport ${port}\\b`).test(r.spec),
  );
  const ipvs = ev.ipAddrs.some((a) => a.ifName === 'kube-ipvs0' && a.address === host);
  const out: { chain?: IptablesChainRecord; rule?: IptablesRuleRecord; ipvs: boolean } = { ipvs };
  if (chain) out.chain = chain;
  if (rule) out.rule = rule;
  return out;
}

/** What is wrong with a system pod, if anything (not Ready, waiting, restarting recently). */
function podProblem(pod: K8sPodRecord, countRestarts = false): string | undefined {
  for (const c of pod.containerStatuses.filter((x) => !x.init)) {
    if (c.state.state === 'waiting') return `is waiting (${c.state.reason ?? 'not started'}, ${c.restartCount} restarts)`;
    if (c.state.state === 'terminated') return `has exited (${c.state.reason ?? `exit ${c.state.exitCode ?? '?'}`})`;
    if (!c.ready) return `is running but not Ready (${c.restartCount} restarts)`;
    if (countRestarts && c.restartCount >= 3 && c.lastState?.state === 'terminated') return `restarted ${c.restartCount} times (last exit: ${c.lastState.reason ?? c.lastState.exitCode ?? '?'} at ${c.lastState.finishedAt ?? '?'})`;
  }
  return undefined;
}
