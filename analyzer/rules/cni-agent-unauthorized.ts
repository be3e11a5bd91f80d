/**
 * The CNI plugin or its agent talks to the API server with credentials the API server rejects:
 * `error getting ClusterInformation: connection is unauthorized: Unauthorized` (Calico's CNI token
 * in /etc/cni/net.d/calico-kubeconfig expired and was not refreshed), `Unable to create token for
 * CNI kubeconfig error=Unauthorized` (calico-node's own token rejected), or RBAC
 * `... is forbidden: User "system:serviceaccount:kube-flannel:flannel" cannot ...`. Unauthorized
 * (401: who are you) and forbidden (403: you may not) have different fixes, so they are told apart.
 */
import type { Citation, RemediationStep } from '../model.js';
import type { LsEntryRecord } from '../parsers/index.js';
import { clockSkew } from '../correlate/timeline.js';
import {
  activeConfig,
  agentLinesMatching,
  agentPodCommand,
  agentsOnNode,
  downSymptoms,
  podsOf,
  secondsBetween,
  symptomCitations,
  UNAUTHORIZED,
  restartAgentCommand,
} from './lib/agents.js';
import { defineRule, type RuleContext } from './define.js';

const FORBIDDEN = /is forbidden: User "([^"]+)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?/;
/** Calico's CNI tokens last 24 h; calico-node rewrites the kubeconfig about every 6 h. */
const CALICO_TOKEN_SECONDS = 24 * 3600;
const TOKEN_WRITTEN = /Wrote updated CNI kubeconfig file/;

export default defineRule({
  id: 'cni-agent-unauthorized',
  title: 'The CNI plugin or agent is rejected by the API server (expired token or missing RBAC)',
  severity: 'critical',
  cni: true,
  needs: ['cni/net.d/*', 'cni/net.d.ls', 'cluster/logs/*/*/*', 'cluster/events.json', 'system/date.txt'],
  description:
    'Matches API authentication and authorization failures of the CNI plugin and its agent: Calico\'s "connection is unauthorized: Unauthorized", "Unable to create token for CNI kubeconfig", 401 responses, and RBAC "is forbidden: User \\"system:serviceaccount:…\\" cannot …". For Calico it dates the CNI kubeconfig (calico-kubeconfig in /etc/cni/net.d, whose token lasts 24 hours) and the agent\'s last "Wrote updated CNI kubeconfig file"; for RBAC errors it names the service account, verb and resource. The node clock is checked, since a skewed clock makes valid tokens look expired.',
  check(ctx) {
    const createdAt = ctx.evidence.manifest.createdAt;
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)])].sort();
    for (const node of names) {
      const symptoms = ctx.symptomsMatching(UNAUTHORIZED, node);
      const agents = agentsOnNode(ctx.evidence, node);
      const agentHits = agents.map((a) => ({ agent: a, lines: agentLinesMatching(a, UNAUTHORIZED) })).filter((x) => x.lines.length > 0);
      if (symptoms.length === 0 && agentHits.length === 0) continue;

      const texts = [...symptoms.map((s) => s.message), ...agentHits.flatMap((h) => h.lines.map((l) => l.raw))];
      const forbidden = texts.map((t) => FORBIDDEN.exec(t.replace(/\\"/g, '"'))).find((m) => m !== null);
      const citations: Citation[] = symptomCitations(symptoms, 2);
      for (const h of agentHits) citations.push(...h.lines.slice(-2).map((l) => ctx.cite(l)));
      const facts: string[] = [];
      const confirmWith: string[] = [];
      let stateAgrees = false;
      let refreshFails = false;

      // Calico: how old is the kubeconfig the plugin reads, and when did calico-node last refresh it?
      const ev = ctx.evidence.nodes.get(node);
      const kubeconfig = activeConfig(ev)?.kubeconfigPaths[0];
      const calicoAgent = agents.find((a) => a.spec.kind === 'calico');
      if (kubeconfig) {
        const base = kubeconfig.replace(/^.*\//, '');
        const entry = ev?.netDListing?.find((r): r is LsEntryRecord => r.kind === 'ls-entry' && r.name === base);
        const age = secondsBetween(entry?.mtime, createdAt);
        if (entry && age !== undefined) {
          const hours = Math.round(age / 3600);
          if (age > CALICO_TOKEN_SECONDS) {
            stateAgrees = true;
            facts.push(`${kubeconfig} was last written ${hours} h before this bundle, longer than the 24 h its token is valid for`);
          } else facts.push(`${kubeconfig} was written ${hours} h before this bundle, so its token should still be valid`);
          citations.push(ctx.cite(entry, `${base} modified ${entry.mtime}`));
        } else confirmWith.push(...ctx.missing(node, ['cni/net.d.ls']), `stat ${kubeconfig} on ${node}`);
        if (calicoAgent) {
          const writes = agentLinesMatching(calicoAgent, TOKEN_WRITTEN);
          const last = writes[writes.length - 1];
          const since = secondsBetween(last?.timestamp, createdAt);
          if (last && since !== undefined && since > CALICO_TOKEN_SECONDS) {
            stateAgrees = true;
            facts.push(`calico-node last wrote a fresh CNI kubeconfig ${Math.round(since / 3600)} h ago`);
            citations.push(ctx.cite(last));
          } else if (!last && calicoAgent.logs.length > 0) facts.push(`calico-node's log has no "Wrote updated CNI kubeconfig file" line`);
          else if (last) citations.push(ctx.cite(last));
          const refresh = agentLinesMatching(calicoAgent, /Unable to create token for CNI kubeconfig|Failed to update CNI token/);
          if (refresh.length > 0) {
            refreshFails = true;
            facts.push(`calico-node cannot mint a new token: its own TokenRequest is rejected too ("${oneLine(refresh[refresh.length - 1]!.message)}${refresh[refresh.length - 1]!.fields['error'] ? ` error=${refresh[refresh.length - 1]!.fields['error']}` : ''}"), so the API server no longer accepts calico-node's service-account token either (rotated signing keys or issuer, a restored etcd, a skewed clock)`);
          }
        }
      }
      if (forbidden) stateAgrees = true; // the 403 names who may not do what: it proves itself

      const skew = clockSkewOf(ctx, node);
      if (skew && Math.abs(skew.seconds) > 300) {
        facts.push(`${node}'s clock is ${Math.round(skew.seconds / 60)} min ${skew.seconds > 0 ? 'ahead' : 'behind'}, which makes valid tokens look expired or not yet valid`);
        citations.push(skew.citation);
        stateAgrees = true;
      }

      const agentSide = agentHits.filter((h) => h.agent.problem !== null || h.lines.some((l) => l.severity === 'error' || /Unable to create token/.test(l.raw)));
      // An agent that cannot authenticate stays down, and the plugin errors that follow from that are this cause too.
      const downstream = agentSide.length > 0 ? downSymptoms(ctx.symptoms, node).filter((d) => agentSide.some((h) => h.agent.spec.kind === d.kind)).map((d) => d.symptom) : [];
      const explains = [...new Set([...symptoms, ...downstream])];
      if (downstream.length > 0) citations.unshift(...symptomCitations(downstream, 1));

      const who = forbidden ? forbidden[1]! : agentSide[0]?.agent.pod.serviceAccountName ? `system:serviceaccount:${agentSide[0].agent.pod.namespace}:${agentSide[0].agent.pod.serviceAccountName}` : undefined;
      const plugin = symptoms.find((s) => s.cniPluginType)?.cniPluginType ?? agentHits[0]?.agent.spec.label ?? 'CNI';
      const what = forbidden
        ? `the API server refuses ${forbidden[1]} permission to ${forbidden[2]} ${forbidden[3]}${forbidden[4] ? ` (API group "${forbidden[4]}")` : ''}: its ClusterRole or ClusterRoleBinding is missing or incomplete (RBAC, HTTP 403)`
        : symptoms.length > 0
          ? `the ${plugin} plugin's API requests are rejected as Unauthorized (HTTP 401): the token it presents${kubeconfig ? ` from ${kubeconfig}` : ''} has expired or was revoked`
          : `the ${agentHits[0]!.agent.spec.label} agent's API requests are rejected as Unauthorized (HTTP 401): its service-account token is not accepted`;
      const consequence =
        downstream.length > 0
          ? ` The agent cannot start without the API, so the plugin errors on ${node} that follow (${firstInner(downstream[0]!.message)}) have the same cause.`
          : symptoms.length > 0
            ? ` Every pod sandbox ADD and DEL on ${node} fails while existing pods keep running.`
            : '';

      const remediation: RemediationStep[] = [];
      if (forbidden) {
        const sa = forbidden[1]!.replace(/^system:serviceaccount:/, '').split(':');
        remediation.push(
          { text: `Check what the service account may do, then re-apply the CNI's RBAC manifest (ClusterRole and ClusterRoleBinding).`, command: `kubectl auth can-i ${forbidden[2]} ${forbidden[3]} --as=${forbidden[1]}` },
          { text: `Find the binding for ${sa.join('/')}; on Talos or other hardened installs also check that RBAC authorization is enabled for the CNI's manifests.`, command: `kubectl get clusterrolebindings -o wide | grep -i ${sa[1] ?? sa[0]}` },
        );
        const agent = agentSide[0]?.agent ?? agentHits[0]?.agent;
        remediation.push(
          agent
            ? { text: `Then recreate the ${agent.spec.label} pod on ${node} so it starts with the permissions.`, command: restartAgentCommand(agent) }
            : { text: `Then recreate the CNI agent pod on ${node}.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}` },
        );
      } else if (calicoAgent || /calico/.test(plugin)) {
        remediation.push(
          { text: `Restart calico-node on ${node}: it requests a new token and rewrites ${kubeconfig ?? '/etc/cni/net.d/calico-kubeconfig'}.`, command: calicoAgent ? restartAgentCommand(calicoAgent) : `kubectl -n kube-system delete pod -l k8s-app=calico-node --field-selector spec.nodeName=${node}` },
          { text: `Check the token's expiry on ${node} (the JWT's exp claim) and whether calico-node keeps refreshing it.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c "grep token: ${kubeconfig ?? '/etc/cni/net.d/calico-kubeconfig'} | cut -d. -f2 | base64 -d 2>/dev/null; ls -l --time-style=full-iso ${kubeconfig ?? '/etc/cni/net.d/calico-kubeconfig'}"` },
          refreshFails
            ? { text: `calico-node's own token is rejected, so a restart alone may not help: compare the API server's --service-account-issuer and signing keys with what the tokens were issued under, then restart calico-node everywhere.`, command: `kubectl get --raw /.well-known/openid-configuration; kubectl -n kube-system get pods -l component=kube-apiserver -o yaml | grep -E 'service-account-(issuer|key-file|signing-key-file)'` }
            : { text: `If it recurs after a day or two, upgrade Calico (token refresh fixes) and check the API server's service-account signing keys and issuer.` },
        );
      } else {
        const agent = agentHits[0]?.agent;
        remediation.push(
          { text: `Recreate the agent pod so the kubelet mounts a fresh projected service-account token.`, command: agent ? restartAgentCommand(agent) : `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}` },
          { text: `Check the API server's service-account issuer and signing keys, and the node's clock.`, command: agent ? agentPodCommand(agent, agent.restarts > 0) : `kubectl get --raw /.well-known/openid-configuration` },
        );
      }
      if (!stateAgrees) confirmWith.push(`the token's exp claim in ${kubeconfig ?? 'the CNI kubeconfig'} on ${node}`, `kubectl auth can-i --list --as=${who ?? 'system:serviceaccount:<ns>:<cni>'}`);

      ctx.report({
        key: node,
        confidence: stateAgrees || (symptoms.length > 0 && agentSide.length > 0) ? 'high' : 'medium',
        message: `On ${node}, ${what}.${consequence}${facts.length > 0 ? ` ${capitalize(facts.join('; '))}.` : ''}`,
        scope: { nodes: [node], pods: podsOf(explains) },
        citations,
        remediation,
        confirmWith,
        explains,
        whyHere: kubeconfig && facts.length > 0 ? `${node}'s CNI credentials are the stale ones: ${facts[0]}.` : `${node}'s CNI credentials are rejected.`,
      });
    }
  },
});

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 160 ? `${t.slice(0, 160)}…` : t;
}

function firstInner(message: string): string {
  const m = /failed \((?:add|delete)\): ([^"\n]{0,120})/.exec(message.replace(/\\"/g, '"'));
  return (m?.[1] ?? message.slice(0, 120)).trim();
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Node clock minus the collector's clock (the engine's own skew estimate), cited at system/date.txt. */
function clockSkewOf(ctx: RuleContext, node: string): { seconds: number; citation: Citation } | undefined {
  const skew = clockSkew(ctx.evidence).find((s) => s.node === node);
  const text = ctx.evidence.nodes.get(node)?.texts.get('system/date.txt');
  if (!skew || !text) return undefined;
  return { seconds: skew.offsetSeconds, citation: ctx.cite({ file: text.file, line: 1 }, `date on ${node}: ${text.text.trim().split('\n')[0]}`) };
}

