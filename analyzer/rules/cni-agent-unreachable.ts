/**
 * The CNI plugin could not talk to its node agent: cilium-cni finds no /var/run/cilium/cilium.sock,
 * aws-cni gets "connection refused" from ipamd on 127.0.0.1:50051, antrea's cni.sock is missing,
 * weave-cni cannot reach the router on 127.0.0.1:6784. That is a symptom with three usual causes:
 * the agent is down (then cni-agent-not-ready names it and ranks first), the agent was restarting
 * at that moment, or the agent is gone altogether and the config in net.d is left over.
 */
import type { Citation } from '../model.js';
import {
  agentEvents,
  agentPodCommand,
  agentsOnNode,
  AGENT_SPECS,
  describeAgent,
  podsOf,
  secondsBetween,
  socketFamily,
  specOf,
  symptomCitations,
  type AgentKind,
} from './lib/agents.js';
import { defineRule } from './define.js';

export default defineRule({
  id: 'cni-agent-unreachable',
  title: 'The CNI plugin cannot reach its node agent',
  severity: 'critical',
  cni: true,
  needs: ['journal/*.log', 'cluster/events.json', 'cluster/*/pods.json', 'cluster/*/daemonsets.json', 'cni/net.d/*'],
  description:
    'Matches plugin-to-agent connection failures: Cilium ("unable to connect to Cilium daemon", "dial unix /var/run/cilium/cilium.sock: connect: no such file or directory"), the AWS VPC CNI (ipamd on 127.0.0.1:50051 refusing), Antrea (/var/run/antrea/cni.sock), Weave (127.0.0.1:6784), Multus and OVN-Kubernetes sockets. The node\'s agent pod decides the explanation: down (cni-agent-not-ready is the cause), restarted since the errors, or not installed at all (a configuration left over in /etc/cni/net.d).',
  check(ctx) {
    const byNode = new Map<string, Map<AgentKind, typeof ctx.symptoms[number][]>>();
    for (const s of ctx.symptoms) {
      if (!s.node) continue;
      const family = socketFamily(s.message);
      if (!family) continue;
      const kinds = byNode.get(s.node) ?? new Map();
      kinds.set(family.kind, [...(kinds.get(family.kind) ?? []), s]);
      byNode.set(s.node, kinds);
    }
    for (const [node, kinds] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
      for (const [kind, symptoms] of kinds) {
        const spec = specOf(kind);
        const agents = agentsOnNode(ctx.evidence, node, [kind]);
        const agent = agents[0];
        const dialled = /dial (?:unix|tcp) ([^\s"\\]+?):? (?:connect|getsockopt)/.exec(symptoms[0]!.message)?.[1] ?? /\b((?:127\.0\.0\.1|localhost):\d+)/.exec(symptoms[0]!.message)?.[1];
        const endpoint = dialled ?? spec.endpoint ?? 'its socket';
        const plugin = spec.pluginTypes[0] ?? spec.label;
        const pods = podsOf(symptoms);
        const latest = symptoms.map((s) => s.time).filter((t): t is string => !!t).sort().pop();
        const citations: Citation[] = symptomCitations(symptoms, 3);
        const key = `${node}/${kind}`;
        const base = `On ${node}, the ${plugin} CNI plugin cannot reach its agent (${endpoint}).`;

        if (agent?.problem) {
          const events = agentEvents(ctx.evidence, agent);
          citations.push(ctx.cite(agent.pod, `${agent.key} on ${node}: ${agent.problem.text}`));
          if (events[0]) citations.push(ctx.cite(events[0], `${events[0].reason ?? ''} (x${events[0].count}) ${events[0].message}`));
          ctx.report({
            key,
            // The agent's state is the cause (cni-agent-not-ready ranks it first); this finding is its echo in the plugin.
            severity: 'warning',
            confidence: 'high',
            message: `${base} Nothing answers there because the ${describeAgent(agent)} is down: ${agent.problem.text}. Every sandbox ADD and DEL on ${node} fails until the agent runs again; see cni-agent-not-ready for why it stopped.`,
            scope: { nodes: [node], pods },
            citations,
            remediation: [
              { text: `Read why the agent on ${node} is down.`, command: agentPodCommand(agent) },
              { text: `Once the agent is Ready, the kubelet retries the sandboxes by itself; watch the agent pod of ${node} come back.`, command: `kubectl -n ${agent.pod.namespace} get pods -o wide --field-selector spec.nodeName=${node} -w` },
            ],
            explains: symptoms,
            whyHere: `The ${spec.label} pod of ${node} (${agent.key}) is the one that is down.`,
          });
          continue;
        }

        if (agent) {
          // The agent looks healthy now: it either restarted after the errors, or it serves a different socket path.
          const started = agent.main.map((c) => c.state.startedAt).filter((t): t is string => !!t).sort().pop();
          const readySince = agent.pod.conditions.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
          const serving = [started, readySince].filter((t): t is string => !!t).sort().pop();
          const restartedAfter = serving && latest ? (secondsBetween(latest, serving) ?? -1) >= 0 : false;
          citations.push(ctx.cite(agent.pod, `${agent.key} on ${node}: running${started ? ` since ${started}` : ''}, Ready${readySince ? ` since ${readySince}` : ''}, ${agent.restarts} restarts`));
          ctx.report({
            key,
            // Errors that all predate the agent becoming Ready are explained by its restart; errors after it are not.
            confidence: restartedAfter ? 'high' : 'medium',
            severity: restartedAfter ? 'warning' : 'critical',
            message: restartedAfter
              ? `${base} Nothing answered there because the ${describeAgent(agent)} was not serving yet: it started at ${started ?? '?'} and became Ready at ${readySince ?? serving}, after the last of these errors (${latest}). The plugin ran while the agent was being replaced or restarted (a DaemonSet rollout, an eviction, a crash). New sandboxes succeed now; a pod still stuck is waiting for the kubelet's next retry.`
              : `${base} Yet the ${describeAgent(agent)} has been Ready since ${serving ?? 'before the errors'} (${agent.restarts} restarts), and the errors continue after that. Check that the agent serves the path the plugin dials (the agent's hostPath for its run directory against the host's, a custom socket path) and that it is not restarting between probes.`,
            scope: { nodes: [node], pods },
            citations,
            remediation: [
              { text: `Check the agent's log around the errors.`, command: agentPodCommand(agent, agent.restarts > 0) },
              { text: `Check on ${node} that the socket exists where the plugin dials it.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host ls -la ${spec.endpoint?.startsWith('/') ? spec.endpoint.replace(/\/[^/]+$/, '') : '/var/run'}` },
            ],
            confirmWith: [`${spec.endpoint ?? 'the agent socket'} on ${node}`],
            explains: symptoms,
            whyHere: `Only ${node}'s plugin reported the agent unreachable.`,
          });
          continue;
        }

        // No agent pod for this node in the bundle: is the CNI installed at all?
        const podLists = ctx.missing(null, ['cluster/*/pods.json', 'cluster/*/daemonsets.json']);
        const anywhere = ctx.evidence.cluster.daemonsets.some((d) => spec.pod.test(d.name) || d.containers.some((c) => !c.init && spec.container.test(c.name)));
        const others = ctx.evidence.cluster.daemonsets.map((d) => AGENT_SPECS.find((s) => s.kind !== kind && s.pod.test(d.name))).filter((s) => s !== undefined);
        if (podLists.length === 0 && !anywhere && ctx.evidence.cluster.daemonsets.length > 0) {
          const config = ctx.evidence.nodes.get(node)?.cniConfigs.find((c) => c.pluginTypes.some((t) => spec.pluginTypes.includes(t)));
          if (config) citations.push(ctx.cite({ file: config.file, line: config.plugins[0]?.line ?? 0 }, `${config.fileName} still names ${config.pluginTypes.join(', ')}`));
          ctx.report({
            key,
            severity: 'warning',
            confidence: 'low',
            message: `${base} No ${spec.label} DaemonSet exists in the cluster${others.length > 0 ? ` (the node runs ${[...new Set(others.map((s) => s!.label))].join(', ')})` : ''}: the ${config?.fileName ?? spec.label} config in /etc/cni/net.d is probably left over from an uninstalled CNI, and libcni picks it first.`,
            scope: { nodes: [node], pods },
            citations,
            remediation: [{ text: `Remove the left-over config on ${node} so the runtime loads the CNI that is installed.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host ls -la /etc/cni/net.d` }],
            confirmWith: [`ls -la /etc/cni/net.d on ${node}`],
            explains: symptoms,
            whyHere: `${node} still carries a ${spec.label} config.`,
          });
          continue;
        }
        ctx.report({
          key,
          confidence: 'medium',
          message: `${base} The bundle has no ${spec.label} pod for ${node} to show whether the agent is running; the agent is either down, restarting, or not scheduled there.`,
          scope: { nodes: [node], pods },
          citations,
          remediation: [
            { text: `Find the ${spec.label} pod of ${node} and its state.`, command: `kubectl get pods -A -o wide --field-selector spec.nodeName=${node} | grep -Ei '${spec.label.split(/[ -]/)[0]}'` },
          ],
          confirmWith: [...podLists, `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}`],
          explains: symptoms,
          whyHere: `${node}'s plugin reported the agent unreachable.`,
        });
      }
    }
  },
});
