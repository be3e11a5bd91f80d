/**
 * An eBPF CNI (Cilium, Calico's eBPF dataplane) runs on a node whose /sys/fs/bpf is not a bpf
 * mount. The agent pins its maps there so they outlive agent restarts; without the mount it
 * fails, or falls back to a mount inside its own container ("BPF filesystem is going to be
 * mounted automatically in /run/cilium/bpffs") whose maps vanish on every restart. Nodes that run
 * flannel or another non-BPF CNI need no bpffs and are never reported.
 */
import type { Citation } from '../model.js';
import type { MountRecord } from '../parsers/index.js';
import { agentKindsForNode, agentLines, agentsOnNode, BPFFS, downSymptoms, podsOf, symptomCitations, type AgentPod, restartAgentCommand } from './lib/agents.js';
import { searchTest } from './lib/prefilter.js';
import { defineRule } from './define.js';

const BPF_ENABLED = /BPF (?:dataplane|mode) (?:is )?enabled|bpfEnabled[=:]\s*true|BPFEnabled[=:]\s*true|FELIX_BPFENABLED=true/i;

export default defineRule({
  id: 'bpf-fs-not-mounted',
  title: 'The BPF filesystem is not mounted on a node that runs an eBPF CNI',
  severity: 'critical',
  cni: true,
  needs: ['system/mounts.txt', 'cni/net.d/*', 'cluster/*/pods.json', 'cluster/logs/*/*/*'],
  description:
    'On nodes whose CNI pins eBPF maps (Cilium, or Calico with the eBPF dataplane enabled), checks system/mounts.txt for a bpf filesystem at /sys/fs/bpf and matches the agent\'s own complaints ("BPF filesystem is going to be mounted automatically… BPFFS is not mounted on the host", "Unable to mount BPF filesystem", "is mounted but has a different filesystem than BPFFS"). Never reported for flannel or other CNIs that do not use bpffs.',
  check(ctx) {
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)])].sort();
    for (const node of names) {
      const kinds = agentKindsForNode(ctx.evidence, node);
      const agents = agentsOnNode(ctx.evidence, node);
      const ebpf = ebpfAgent(kinds, agents);
      if (!ebpf) continue;
      const ev = ctx.evidence.nodes.get(node);
      const mountsOk = ctx.missing(node, ['system/mounts.txt']).length === 0 && (ev?.mounts.length ?? 0) > 0;
      const atBpf = ev?.mounts.filter((m: MountRecord) => m.target === '/sys/fs/bpf') ?? [];
      const mounted = atBpf.some((m) => m.fsType === 'bpf');
      const agent = agents.find((a) => a.spec.kind === ebpf.kind);
      const lines = agent ? agentLines(agent).filter((r) => searchTest(BPFFS, r.raw)) : [];
      if (mountsOk && mounted) continue;
      if (!mountsOk && lines.length === 0) continue;

      const citations: Citation[] = [];
      const mountsFile = ev?.mounts[0]?.file ?? `nodes/${node}/system/mounts.txt`;
      if (mountsOk) {
        const wrong = atBpf[0];
        citations.push(wrong ? ctx.cite(wrong, `${wrong.source} ${wrong.target} ${wrong.fsType}: /sys/fs/bpf is ${wrong.fsType}, not bpf`) : ctx.cite({ file: mountsFile, line: 0 }, `no bpf filesystem at /sys/fs/bpf among ${ev!.mounts.length} mounts`));
      }
      citations.push(...lines.slice(-2).map((r) => ctx.cite(r)));
      if (agent?.problem) citations.push(ctx.cite(agent.pod, `${agent.key} on ${node}: ${agent.problem.text}`));
      const down = agent?.problem != null;
      const downstream = down || lines.some((l) => l.severity === 'error') ? downSymptoms(ctx.symptoms, node).filter((d) => d.kind === ebpf.kind).map((d) => d.symptom) : [];
      if (downstream.length > 0) citations.unshift(...symptomCitations(downstream, 1));
      const otherMounted = names.filter((n) => n !== node && ctx.evidence.nodes.get(n)?.mounts.some((m) => m.target === '/sys/fs/bpf' && m.fsType === 'bpf'));
      const fallback = lines.some((l) => /mounted automatically/.test(l.raw));
      const fatal = lines.filter((l) => l.severity === 'error').pop();

      ctx.report({
        key: node,
        confidence: mountsOk && (lines.length > 0 || down) ? 'high' : 'medium',
        severity: down || downstream.length > 0 || lines.some((l) => l.severity === 'error') ? 'critical' : 'warning',
        message:
          `On ${node}, ${ebpf.label} pins its eBPF maps under /sys/fs/bpf, but ${mountsOk ? (atBpf[0] ? `/sys/fs/bpf is a ${atBpf[0].fsType} mount, not bpf` : 'no bpf filesystem is mounted there') : 'its agent reports the BPF filesystem missing'}.` +
          (down
            ? ` ${agent!.key} cannot start without it: ${agent!.problem!.text}${fatal ? ` ("${oneLine(fatal.message + (fatal.fields['error'] ? `: ${fatal.fields['error']}` : ''))}")` : ''}.`
            : fallback
              ? ' The agent fell back to a bpffs inside its own container: its maps (endpoints, conntrack, policy) are lost whenever the agent restarts, which drops pod connections and can leave endpoints unprogrammed.'
              : '') +
          (downstream.length > 0 ? ` So the plugin cannot set up pods on ${node} (${oneLine(downstream[0]!.message)}).` : '') +
          (otherMounted.length > 0 ? ` ${otherMounted.join(', ')} ${otherMounted.length > 1 ? 'have' : 'has'} the mount.` : ''),
        scope: { nodes: [node], pods: podsOf(downstream) },
        citations,
        remediation: [
          { text: `Mount bpffs on ${node} now and make it permanent (a sys-fs-bpf.mount unit or an /etc/fstab line "bpffs /sys/fs/bpf bpf defaults 0 0").`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'mount | grep /sys/fs/bpf || mount -t bpf bpffs /sys/fs/bpf'` },
          agent
            ? { text: `Restart the agent so it pins its maps on the host mount.`, command: restartAgentCommand(agent) }
            : { text: `Restart the ${ebpf.label} agent of ${node} afterwards.` },
        ],
        confirmWith: mountsOk ? [] : [...ctx.missing(node, ['system/mounts.txt']), `mount | grep /sys/fs/bpf on ${node}`],
        explains: downstream,
        whyHere: otherMounted.length > 0 ? `${node} lacks the bpf mount the other nodes have.` : `${node} has no bpf mount at /sys/fs/bpf.`,
      });
    }
  },
});

function ebpfAgent(kinds: readonly string[], agents: AgentPod[]): { kind: 'cilium' | 'calico'; label: string } | undefined {
  if (kinds.includes('cilium') || agents.some((a) => a.spec.kind === 'cilium')) return { kind: 'cilium', label: 'Cilium' };
  const calico = agents.find((a) => a.spec.kind === 'calico');
  if (calico && agentLines(calico).some((r) => searchTest(BPF_ENABLED, r.raw))) return { kind: 'calico', label: "Calico's eBPF dataplane" };
  return undefined;
}

function oneLine(text: string): string {
  const t = text.replace(/\\"/g, '"').replace(/\s+/g, ' ').trim();
  const m = /failed \((?:add|delete)\): (.*)$/.exec(t);
  const inner = (m?.[1] ?? t).replace(/"+$/, '');
  return inner.length > 200 ? `${inner.slice(0, 200)}…` : inner;
}
