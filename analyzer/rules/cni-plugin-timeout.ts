/**
 * A CNI call ran out of time: the runtime's context expired (`context deadline exceeded`,
 * `DeadlineExceeded`), CRI-O killed the plugin (`netplugin failed with no error message: signal:
 * killed`), the plugin gave up waiting on its agent (`Cilium API client timeout exceeded`,
 * `failed to create cilium agent client after 30.000000 seconds timeout`) or on a readiness file
 * (`timed out waiting for the condition`). A timeout is a symptom; the rule looks for what was
 * slow at that moment: the agent restarting, the API server slow, the xtables lock held.
 */
import type { Citation } from '../model.js';
import type { LogRecordBase } from '../parsers/index.js';
import type { Symptom } from '../correlate/symptoms.js';
import {
  agentLines,
  agentPodCommand,
  agentsOnNode,
  APISERVER_UNREACHABLE,
  podsOf,
  secondsBetween,
  socketFamily,
  symptomCitations,
  UNAUTHORIZED,
  type AgentPod,
} from './lib/agents.js';
import { defineRule, type RuleContext } from './define.js';

const TIMEOUT =
  /context deadline exceeded|DeadlineExceeded|signal: killed|timed out waiting for|timeout exceeded|failed to create cilium agent client after [\d.]+ seconds timeout|operation timed out|deadline exceeded|took too long|i\/o timeout/i;
const LOCK = /Another app is currently holding the xtables lock|xtables lock|Failed to acquire (?:the )?(?:xtables|iptables) lock|Resource temporarily unavailable.*xtables/i;
const READINESS = /readinessindicatorfile|ReadinessIndicatorFile|default network not ready|waiting for.*readiness/i;
const OOM = /Out of memory: Killed process \d+ \(([^)]+)\)|oom-kill:.*task=([\w.-]+)|Memory cgroup out of memory: Killed process \d+ \(([^)]+)\)/;
/** How far apart the timeout and its cause may be, in seconds. */
const WINDOW = 180;

interface Cause {
  text: string;
  citation: Citation;
  strong: boolean;
}

export default defineRule({
  id: 'cni-plugin-timeout',
  title: 'A CNI call timed out or was killed before it finished',
  severity: 'critical',
  cni: true,
  needs: ['journal/*.log', 'cluster/events.json', 'cluster/logs/*/*/*', 'cluster/*/pods.json', 'net/iptables-save.txt', 'system/dmesg.txt'],
  description:
    'Matches CNI ADD/DEL calls that ran out of time ("context deadline exceeded", "DeadlineExceeded", CRI-O\'s "signal: killed", Multus "timed out waiting for", Cilium\'s "API client timeout exceeded" and "failed to create cilium agent client after 30 seconds timeout") and names what was slow at that moment when the bundle shows it: the CNI agent restarting or crash-looping, agent errors in the same minutes, API server timeouts, the xtables lock held, a default network whose readiness file never appeared. A plugin killed by the OOM killer is not a timeout and is left out.',
  check(ctx) {
    const byNode = new Map<string, Symptom[]>();
    for (const s of ctx.symptoms) {
      if (!s.node || !TIMEOUT.test(s.message)) continue;
      // Those have owners: the API path, credentials, or an agent socket that is not there at all.
      if (APISERVER_UNREACHABLE.test(s.message) || UNAUTHORIZED.test(s.message) || socketFamily(s.message)) continue;
      byNode.set(s.node, [...(byNode.get(s.node) ?? []), s]);
    }
    for (const [node, all] of [...byNode].sort(([a], [b]) => a.localeCompare(b))) {
      const oom = oomKills(ctx, node);
      const symptoms = all.filter((s) => !(/signal: killed/.test(s.message) && oom.length > 0));
      if (symptoms.length === 0) continue;
      const ops = new Set(symptoms.map((s) => s.op));
      const times = symptoms.map((s) => s.time).filter((t): t is string => !!t).sort();
      const agents = agentsOnNode(ctx.evidence, node);
      const causes: Cause[] = [];

      for (const agent of agents) causes.push(...agentCauses(ctx, agent, times));
      causes.push(...lineCauses(ctx, node, times, agents));
      const runtimeLines = runtimeTimeoutLines(ctx, node).filter((r) => !symptoms.some((s) => s.citation.file === r.file && s.citation.line === r.line));

      const inner = innerOf(symptoms.find((s) => s.stage !== 'event')?.message ?? symptoms[0]!.message);
      const killed = /signal: killed/.test(inner) || symptoms.some((s) => /signal: killed/.test(s.message));
      const what = killed
        ? 'the runtime killed the CNI plugin when its call ran past the runtime\'s deadline (`signal: killed`)'
        : /cilium/i.test(inner)
          ? 'cilium-cni gave up waiting for the cilium agent to answer'
          : READINESS.test(inner)
            ? 'the plugin gave up waiting for the default network to become ready'
            : 'the CNI call did not finish before its deadline';
      const strong = causes.filter((c) => c.strong);
      const opText = ops.has('delete') && !ops.has('add') ? 'DEL (teardown)' : ops.has('add') && !ops.has('delete') ? 'ADD (setup)' : 'ADD and DEL';
      const why =
        causes.length > 0
          ? ` At that time ${causes.slice(0, 3).map((c) => c.text).join('; ')}.`
          : ' The bundle shows nothing slow on the agent side at that moment; the plugin\'s own log and the agent\'s log from those minutes are the next place to look.';
      const agent = agents.find((a) => a.problem || a.restarts > 0) ?? agents[0];

      ctx.report({
        key: node,
        confidence: strong.length > 0 ? 'high' : causes.length > 0 ? 'medium' : 'medium',
        message: `On ${node}, pod network ${opText} calls time out: ${what} (${oneLine(inner)}).${why}${ops.has('delete') ? ' A DEL that times out leaves the pod stuck terminating, and the kubelet retries it.' : ''}`,
        scope: { nodes: [node], pods: podsOf(symptoms) },
        citations: [...symptomCitations(symptoms, 2), ...runtimeLines.slice(0, 1).map((r) => ctx.cite(r)), ...causes.slice(0, 4).map((c) => c.citation)],
        remediation: [
          agent
            ? { text: `Read the ${agent.spec.label} agent's log around ${times[0] ?? 'the failures'}: the call waits on it.`, command: agentPodCommand(agent, agent.restarts > 0) }
            : { text: `Read the CNI plugin's own log on ${node} around ${times[0] ?? 'the failures'}.`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'ls -la /var/log/calico/cni /var/run/cilium /var/log/aws-routed-eni 2>/dev/null'` },
          { text: `Check how long the runtime lets a CNI call run and whether the node is starved (CPU, I/O, iptables lock).`, command: `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'uptime; journalctl -u containerd -u crio --since -1h | grep -Ei "deadline|killed|timeout" | tail -20'` },
          { text: `Delete the stuck pod once the agent is healthy; the new sandbox gets a fresh deadline.`, command: podsOf(symptoms)[0] ? `kubectl -n ${podsOf(symptoms)[0]!.split('/')[0]} delete pod ${podsOf(symptoms)[0]!.split('/')[1]}` : `kubectl get pods -A -o wide --field-selector spec.nodeName=${node}` },
        ],
        confirmWith: causes.length === 0 ? ['the CNI plugin log of the node (e.g. /var/log/calico/cni/cni.log, /var/run/cilium/cilium-cni.log)', 'the CNI agent log covering the failure time'] : [],
        explains: symptoms,
        whyHere: strong[0] ? `On ${node}, ${strong[0].text}.` : `${node}'s CNI calls time out.`,
      });
    }
  },
});

function within(time: string | undefined, times: readonly string[], window = WINDOW): boolean {
  if (!time) return false;
  if (times.length === 0) return true;
  return times.some((t) => Math.abs(secondsBetween(time, t) ?? Infinity) <= window) || (time >= times[0]! && time <= times[times.length - 1]!);
}

function agentCauses(ctx: RuleContext, agent: AgentPod, times: readonly string[]): Cause[] {
  const out: Cause[] = [];
  const t = agent.lastTermination;
  const started = agent.main.map((c) => c.state.startedAt).filter((x): x is string => !!x).sort().pop();
  if (agent.problem) {
    out.push({ text: `the ${agent.spec.label} pod ${agent.key} was down (${agent.problem.text})`, citation: ctx.cite(agent.pod, `${agent.key}: ${agent.problem.text}`), strong: true });
  } else if ((t?.finishedAt && within(t.finishedAt, times)) || (started && within(started, times))) {
    const when = started ?? t?.finishedAt;
    out.push({
      text: `the ${agent.spec.label} pod ${agent.key} was restarting (${agent.restarts} restarts; last exit ${t?.reason ?? t?.exitCode ?? '?'} at ${t?.finishedAt ?? '?'}, running again since ${when ?? '?'})`,
      citation: ctx.cite(agent.pod, `${agent.key}: restartCount ${agent.restarts}, lastState terminated ${t?.reason ?? ''} exit ${t?.exitCode ?? '?'} at ${t?.finishedAt ?? '?'}, started ${started ?? '?'}`),
      strong: true,
    });
  }
  const errors = agentLines(agent).filter((r) => r.severity === 'error' && within(r.timestamp, times));
  const first = errors.find((r) => APISERVER_UNREACHABLE.test(r.raw)) ?? errors.find((r) => LOCK.test(r.raw)) ?? errors[errors.length - 1];
  if (first) {
    const kind = APISERVER_UNREACHABLE.test(first.raw) ? 'could not reach the API server' : LOCK.test(first.raw) ? 'waited for the xtables lock' : 'logged errors';
    out.push({ text: `${agent.key} ${kind}: "${oneLine(first.message + (first.fields['error'] ? `: ${first.fields['error']}` : ''), 160)}"`, citation: ctx.cite(first), strong: kind !== 'logged errors' || out.length > 0 });
  }
  return out;
}

function lineCauses(ctx: RuleContext, node: string, times: readonly string[], agents: AgentPod[]): Cause[] {
  const out: Cause[] = [];
  const ev = ctx.evidence.nodes.get(node);
  if (!ev) return out;
  const lock = ev.iptables.find((r) => r.kind === 'iptables-warning' && r.warning === 'xtables-lock');
  if (lock) out.push({ text: 'iptables-save itself had to wait for the xtables lock on this node', citation: ctx.cite(lock, 'text' in lock ? lock.text : 'xtables lock'), strong: true });
  const logs: LogRecordBase[] = [...[...ev.journals.values()].flatMap((l) => l.records as LogRecordBase[]), ...[...ev.logs.values()].flatMap((l) => l.records)];
  const lockLine = logs.find((r) => LOCK.test(r.raw) && within(r.timestamp, times));
  if (lockLine && !lock) out.push({ text: 'the xtables lock was held by another process', citation: ctx.cite(lockLine), strong: true });
  const slow = logs.find((r) => r.severity !== 'info' && APISERVER_UNREACHABLE.test(r.raw) && within(r.timestamp, times) && !agents.some((a) => a.logs.some((l) => l.file === r.file)));
  if (slow) out.push({ text: 'requests to the API server were timing out on this node', citation: ctx.cite(slow), strong: true });
  const readiness = logs.find((r) => READINESS.test(r.raw) && within(r.timestamp, times));
  if (readiness) out.push({ text: 'the default network\'s readiness indicator file was missing, so Multus waited for it', citation: ctx.cite(readiness), strong: true });
  const apiservers = ctx.evidence.cluster.pods.filter((p) => p.namespace === 'kube-system' && /^kube-apiserver-/.test(p.name));
  for (const p of apiservers) {
    const c = p.containerStatuses.find((x) => !x.init);
    const finished = c?.lastState?.finishedAt;
    if (c && (!c.ready || (finished && within(finished, times)))) {
      out.push({ text: `the API server ${p.name} was ${c.ready ? `restarting (last exit at ${finished})` : 'not Ready'}`, citation: ctx.cite(p, `kube-system/${p.name}: ready=${c.ready}, restartCount ${c.restartCount}${finished ? `, last exit ${finished}` : ''}`), strong: true });
    }
  }
  return out;
}

function runtimeTimeoutLines(ctx: RuleContext, node: string): LogRecordBase[] {
  const ev = ctx.evidence.nodes.get(node);
  if (!ev) return [];
  return [...ev.journals.entries()]
    .filter(([unit]) => /^(?:containerd|crio|kubelet|docker|cri-docker|k3s|rke2)/.test(unit))
    .flatMap(([, l]) => (l.records as LogRecordBase[]).filter((r) => r.severity === 'error' && /Error (?:adding|deleting) network|netplugin failed|Error while (?:adding|removing) pod/i.test(r.raw) && TIMEOUT.test(r.raw)));
}

function oomKills(ctx: RuleContext, node: string): string[] {
  const dmesg = ctx.evidence.nodes.get(node)?.texts.get('system/dmesg.txt')?.text ?? '';
  return dmesg
    .split('\n')
    .map((l) => OOM.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => m[1] ?? m[2] ?? m[3] ?? '')
    .filter((p) => /multus|calico|cilium|flannel|bridge|host-local|aws-cni|weave|antrea|portmap|bandwidth|loopback/.test(p));
}

function innerOf(message: string): string {
  const unescaped = message.replace(/\\"/g, '"');
  const m = /failed \((?:add|delete)\): (.*)$/.exec(unescaped) ?? /(?:network|netplugin)[^:]*: (.*)$/.exec(unescaped);
  return (m?.[1] ?? unescaped).replace(/"+$/, '');
}

function oneLine(text: string, max = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
