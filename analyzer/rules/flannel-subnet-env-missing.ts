/**
 * The flannel CNI plugin reads /run/flannel/subnet.env on every ADD; flanneld writes it once it
 * has a lease for the node. `loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such
 * file or directory` (or `… is missing FLANNEL_NETWORK, …`) therefore means flanneld never got
 * that far on the node: it is not running, or it runs and fails (RBAC, no podCIDR, no API).
 */
import type { Citation, RemediationStep } from '../model.js';
import type { NodeEvidence } from '../evidence/types.js';
import {
  activeConfig,
  agentCause,
  agentErrorLines,
  agentEvents,
  agentPodCommand,
  agentsOnNode,
  FLANNEL_SUBNET_ENV,
  missingAgentDaemonSets,
  podsOf,
  symptomCitations,
  restartAgentCommand,
} from './lib/agents.js';
import { defineRule } from './define.js';

const CAUSE_TEXT: Record<string, string> = {
  unauthorized: 'the API server rejects its service account (RBAC or token)',
  apiserver: 'it cannot reach the API server to read its node and lease',
  'podcidr-missing': 'the node has no podCIDR, so there is no subnet to lease',
  'podcidr-outside-network': "the node's podCIDR is outside flannel's net-conf Network",
  'interface-state': 'flannel.1 keeps an address from an older subnet',
  kernel: 'the kernel lacks the VXLAN support flannel needs',
  bpffs: 'the BPF filesystem is missing',
};

export default defineRule({
  id: 'flannel-subnet-env-missing',
  title: "flannel's /run/flannel/subnet.env is missing or incomplete on the node",
  severity: 'critical',
  cni: true,
  needs: ['flannel/subnet.env', 'cni/net.d/*', 'cluster/kube-flannel/pods.json', 'cluster/logs/*/*/*', 'journal/*.log'],
  description:
    'Matches the flannel plugin\'s "loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory" and "… is missing FLANNEL_NETWORK, FLANNEL_SUBNET" errors, confirms them with the collected subnet.env (absent, or lacking keys), and explains them with the state of the node\'s flannel pod: not scheduled, not started, or failing with an error its log names (RBAC, no podCIDR, API unreachable). Also reports a flannel node whose subnet.env is absent before any pod has failed.',
  check(ctx) {
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)])].sort();
    for (const node of names) {
      const symptoms = ctx.symptomsMatching(FLANNEL_SUBNET_ENV, node);
      const ev = ctx.evidence.nodes.get(node);
      const usesFlannel = (activeConfig(ev)?.plugins ?? []).some((p) => p.type === 'flannel' || p.delegateTypes.includes('flannel'));
      const artifact = ctx.artifact(node, 'flannel/subnet.env');
      const subnetEnv = ev?.subnetEnv ?? null;
      const absent = artifact !== undefined && artifact.status === 'absent';
      const incomplete = subnetEnv !== null && subnetEnv.missing.length > 0;
      if (symptoms.length === 0 && !(usesFlannel && (absent || incomplete))) continue;

      const agents = agentsOnNode(ctx.evidence, node, ['flannel']);
      const agent = agents[0];
      const missingDs = agents.length === 0 ? missingAgentDaemonSets(ctx.evidence, node, ['flannel']) : [];
      // An old crash in the log of an agent that runs now is history, not the cause.
      const cause = agent?.problem ? agentCause(agent) : null;
      const citations: Citation[] = symptomCitations(symptoms, 2);
      const facts: string[] = [];

      if (absent) {
        facts.push(`/run/flannel/subnet.env does not exist on ${node}`);
        citations.push({ file: artifact.path, line: 0, excerpt: `${artifact.path}: ${artifact.status}${artifact.error ? ` (${artifact.error})` : ''}` });
      } else if (incomplete) {
        facts.push(`/run/flannel/subnet.env on ${node} lacks ${subnetEnv.missing.join(', ')}`);
        citations.push(ctx.cite({ file: subnetEnv.file, line: 0 }, `subnet.env lacks ${subnetEnv.missing.join(', ')}`));
      } else if (subnetEnv) {
        facts.push(`subnet.env exists now (FLANNEL_SUBNET=${subnetEnv.subnet ?? '?'}), so flanneld wrote it after these failures`);
        citations.push(ctx.cite({ file: subnetEnv.file, line: subnetEnv.vars['FLANNEL_SUBNET']?.line ?? 0 }, `FLANNEL_SUBNET=${subnetEnv.subnet ?? ''}`));
      }

      let whyFlannel: string;
      if (agent?.problem) {
        whyFlannel = `flanneld on ${node} is not running: ${agent.problem.text}`;
        citations.push(ctx.cite(agent.pod, `${agent.key} on ${node}: ${agent.problem.text}`));
        const event = agentEvents(ctx.evidence, agent)[0];
        if (event) citations.push(ctx.cite(event, `${event.reason ?? ''} (x${event.count}) ${event.message}`));
      } else if (agent) {
        whyFlannel = `flanneld on ${node} (${agent.key}) is running but has not written the file`;
        citations.push(ctx.cite(agent.pod, `${agent.key} on ${node}: running, ${agent.restarts} restarts`));
      } else if (missingDs[0]) {
        const ds = missingDs[0].daemonSet;
        whyFlannel = `no flannel pod runs on ${node} although ${ds.namespace}/${ds.name} runs on the other nodes (desired ${ds.desired}, ready ${ds.ready})`;
        citations.push(ctx.cite(ds, `DaemonSet ${ds.namespace}/${ds.name}: desired ${ds.desired}, current ${ds.current}, ready ${ds.ready}`));
      } else if (embedded(ev)) {
        // k3s and rke2 run flannel inside their own process: no pod, its errors are in their journal.
        const unit = [...(ev?.journals.keys() ?? [])].find((u) => /^(?:k3s|rke2)/.test(u));
        const line = unit ? ev!.journals.get(unit)!.records.find((r) => r.kind === 'journal-entry' && r.severity === 'error' && /flannel/i.test(r.raw)) : undefined;
        whyFlannel = `flannel runs inside ${unit ?? 'k3s/rke2'} on ${node}, not as a pod, and has not written the file${line && 'message' in line ? `: "${oneLine(line.message)}"` : ''}`;
        if (line) citations.push(ctx.cite(line));
      } else whyFlannel = `the bundle holds no flannel pod for ${node}`;
      if (cause) {
        whyFlannel += `, because ${CAUSE_TEXT[cause.kind] ?? 'of the error its log shows'} (see ${cause.ruleId})`;
        citations.push(ctx.cite(cause.record));
      } else if (agent) {
        const last = agentErrorLines(agent, 1)[0];
        if (last) {
          whyFlannel += `; its last error: "${oneLine(last.message)}"`;
          citations.push(ctx.cite(last));
        }
      }

      const stale = !absent && !incomplete && subnetEnv !== null;
      const remediation: RemediationStep[] = [];
      if (agent) remediation.push({ text: `Read why flanneld on ${node} did not write subnet.env.`, command: agentPodCommand(agent, agent.restarts > 0) });
      else remediation.push({ text: `Find out why no flannel pod runs on ${node} (taints, nodeSelector, DaemonSet events).`, command: `kubectl -n kube-flannel get pods -o wide --field-selector spec.nodeName=${node}; kubectl -n kube-flannel describe daemonset kube-flannel-ds` });
      if (cause) remediation.push({ text: `Fix the cause flanneld reports (${cause.ruleId}); it writes /run/flannel/subnet.env as soon as it gets its lease.` });
      remediation.push({ text: `Check the file on ${node} once flanneld is Running.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host cat /run/flannel/subnet.env` });
      if (agent) remediation.push({ text: `Then restart the flannel pod if it does not recover by itself.`, command: restartAgentCommand(agent) });

      const confirmed = absent || incomplete;
      ctx.report({
        key: node,
        // A cause another rule owns ranks first; this finding then describes its effect on the plugin.
        severity: cause || symptoms.length === 0 || stale ? 'warning' : 'critical',
        confidence: stale ? 'low' : confirmed && (symptoms.length > 0 || agent?.problem || missingDs.length > 0) ? 'high' : 'medium',
        message:
          (symptoms.length > 0
            ? `On ${node}, the flannel CNI plugin fails every sandbox ADD because it cannot read /run/flannel/subnet.env (${oneLine(innerOf(symptoms[0]!.message))}). `
            : `On ${node}, flannel is the CNI but /run/flannel/subnet.env is ${absent ? 'missing' : 'incomplete'}: the next pod sandbox on the node will fail. `) +
          `flanneld writes that file after it acquires the node's subnet lease; ${whyFlannel}.` +
          (facts.length > 0 ? ` ${capitalize(facts.join('; '))}.` : ''),
        scope: { nodes: [node], pods: podsOf(symptoms) },
        citations,
        remediation,
        confirmWith: confirmed ? [] : [...ctx.missing(node, ['flannel/subnet.env']), `cat /run/flannel/subnet.env on ${node}`],
        explains: symptoms,
        whyHere: agent?.problem ? `The flannel pod of ${node} is the one not running.` : `/run/flannel/subnet.env is missing on ${node} only.`,
      });
    }
  },
});

function embedded(ev: NodeEvidence | undefined): boolean {
  return !!ev && ([...ev.journals.keys()].some((u) => /^(?:k3s|rke2)/.test(u)) || ev.distroCniConfigs.length > 0);
}

function innerOf(message: string): string {
  const m = /failed \((?:add|delete)\): (.*)$/.exec(message.replace(/\\"/g, '"'));
  return (m?.[1] ?? message).replace(/"+$/, '');
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
