/**
 * The node's kernel cannot run the CNI's datapath: older than the agent's minimum (Cilium needs
 * 4.9.17 up to 1.12, 4.19.57 from 1.13, 5.4 from 1.16; Calico's eBPF dataplane 5.3; RHEL 8's 4.18
 * counts as equivalent thanks to backports), or missing a feature the agent tries to use: the
 * BPF verifier rejecting a program, `Invalid argument` loading BPF, `unknown device type` for
 * vxlan/geneve, `modprobe: FATAL: Module … not found`. The agent then crash-loops on that node
 * only, which is why the node's kernel is compared with the others'.
 */
import type { Citation } from '../model.js';
import {
  agentKindsForNode,
  agentLines,
  agentsOnNode,
  downSymptoms,
  KERNEL,
  podsOf,
  symptomCitations,
  type AgentPod,
} from './lib/agents.js';
import { searchTest } from './lib/prefilter.js';
import { defineRule, type RuleContext } from './define.js';

const DMESG = /Unknown symbol|unknown device type|BPF program[^\n]*(?:rejected|too large)|bpf: [^\n]*(?:not supported|invalid)|module [^\n]*not found|vxlan: [^\n]*(?:failed|not supported)/i;
const BPF_ENABLED = /BPF (?:dataplane|mode) (?:is )?enabled|bpfEnabled[=:]\s*true|BPFEnabled[=:]\s*true|FELIX_BPFENABLED=true/i;

type Version = [number, number, number];

export default defineRule({
  id: 'kernel-incompatible',
  title: "The node's kernel is too old for, or lacks a feature of, the CNI's datapath",
  severity: 'critical',
  cni: true,
  needs: ['system/uname.txt', 'system/dmesg.txt', 'cluster/nodes.json', 'cluster/logs/*/*/*', 'cluster/*/pods.json'],
  description:
    'Compares the node\'s kernel (system/uname.txt, or nodeInfo.kernelVersion) with what its CNI agent needs (Cilium 4.9.17 / 4.19.57 / 5.4 by version, Calico eBPF 5.3, RHEL 8 4.18 counted as equivalent) and matches kernel-feature failures in the agent\'s log, the plugin\'s errors and dmesg: "kernel version: NOT OK", BPF verifier rejections, "invalid argument" loading BPF programs, "unknown device type" for vxlan or geneve, "modprobe: FATAL: Module … not found".',
  check(ctx) {
    const names = [...new Set([...ctx.nodes.map((n) => n.name), ...ctx.evidence.cluster.nodes.map((n) => n.name)])].sort();
    const kernels = new Map(names.map((n) => [n, kernelOf(ctx, n)]));
    for (const node of names) {
      const kernel = kernels.get(node);
      const kinds = agentKindsForNode(ctx.evidence, node);
      const agents = agentsOnNode(ctx.evidence, node, kinds.length > 0 ? kinds : undefined);
      const errorLines = agents.flatMap((a) => agentLines(a).filter((r) => (r.severity === 'error' || r.severity === 'warning') && searchTest(KERNEL, r.raw)).map((line) => ({ agent: a, line })));
      const symptoms = ctx.symptomsMatching(KERNEL, node);
      const dmesg = dmesgLines(ctx, node);
      const requirement = requirementFor(ctx, agents, kinds);
      const below = kernel && requirement ? tooOld(kernel.version, kernel.text, requirement.min) : false;
      if (!below && errorLines.length === 0 && symptoms.length === 0) continue;

      const broken = agents.filter((a) => a.problem !== null);
      const citations: Citation[] = [...symptomCitations(symptoms, 2)];
      if (kernel) citations.push(kernel.citation);
      for (const { line } of errorLines.slice(-2)) citations.push(ctx.cite(line));
      for (const a of broken.slice(0, 1)) citations.push(ctx.cite(a.pod, `${a.key} on ${node}: ${a.problem!.text}`));
      citations.push(...dmesg.slice(0, 2));

      const agentSide = errorLines.length > 0 || (below && broken.length > 0);
      const downstream = agentSide ? downSymptoms(ctx.symptoms, node).filter((d) => (broken.length > 0 ? broken : errorLines.map((e) => e.agent)).some((a) => a.spec.kind === d.kind)).map((d) => d.symptom) : [];
      const explains = [...new Set([...symptoms, ...downstream])];
      if (downstream.length > 0) citations.unshift(...symptomCitations(downstream, 1));
      const others = names.filter((n) => n !== node && kernels.get(n)).map((n) => `${n} ${kernels.get(n)!.text}`);
      const agentLabel = requirement?.who ?? errorLines[0]?.agent.spec.label ?? 'the CNI';
      const firstError = errorLines[errorLines.length - 1]?.line;

      const parts: string[] = [];
      if (below && requirement) parts.push(`the kernel is ${kernel!.text}, below the ${requirement.min.join('.')} that ${agentLabel} requires${requirement.note ? ` (${requirement.note})` : ''}`);
      else if (kernel) parts.push(`the kernel is ${kernel.text}`);
      if (firstError) parts.push(`the agent fails on a kernel feature: "${oneLine(firstError.message + (firstError.fields['error'] ? `: ${firstError.fields['error']}` : ''))}"`);
      else if (symptoms[0]) parts.push(`the plugin fails on a kernel feature: "${oneLine(innerOf(symptoms[0].message))}"`);
      if (broken[0]) parts.push(`${broken[0].key} ${broken[0].problem!.text}`);

      const confirmed = (below && (broken.length > 0 || errorLines.length > 0)) || (errorLines.length > 0 && kernel !== undefined) || symptoms.length > 0;
      ctx.report({
        key: node,
        confidence: confirmed && (below || errorLines.length > 0) ? 'high' : below || errorLines.length > 0 ? 'medium' : 'low',
        severity: broken.length > 0 || symptoms.length > 0 || errorLines.some((e) => e.line.severity === 'error') ? 'critical' : 'warning',
        message:
          `On ${node}, ${parts.join('; ')}.` +
          (downstream.length > 0 ? ` With its agent down, pod sandboxes on ${node} fail (${oneLine(innerOf(downstream[0]!.message))}).` : broken.length > 0 ? ` The agent cannot start on ${node} until the kernel changes.` : below ? ` The agent runs for now, but datapath features it expects may be missing.` : '') +
          (others.length > 0 ? ` Other nodes: ${others.slice(0, 3).join(', ')}.` : ''),
        scope: { nodes: [node], pods: podsOf(explains) },
        citations,
        remediation: [
          { text: `Upgrade ${node}'s kernel (or its OS image) to at least ${requirement?.min.join('.') ?? 'what the CNI documents'}, or move the node to a supported OS; a CNI version that still supports this kernel is the short-term alternative.`, command: `kubectl get nodes -o custom-columns=NAME:.metadata.name,KERNEL:.status.nodeInfo.kernelVersion,OS:.status.nodeInfo.osImage` },
          { text: `Drain ${node} before changing its kernel or OS image; it rejoins with the agent able to start.`, command: `kubectl drain ${node} --ignore-daemonsets --delete-emptydir-data` },
          { text: `Check the agent's own kernel probe output.`, command: broken[0] ? `kubectl -n ${broken[0].pod.namespace} logs ${broken[0].pod.name} -c ${broken[0].main[0]?.name ?? ''} --previous | grep -iE 'kernel|verifier|bpf|module'` : `kubectl debug node/${node} -it --image=busybox:1.36 -- chroot /host sh -c 'uname -r; dmesg | tail -50'` },
        ],
        confirmWith: kernel ? [] : [...ctx.missing(node, ['system/uname.txt']), `uname -r on ${node}`],
        explains,
        whyHere: others.length > 0 && kernel ? `${node} runs ${kernel.text}; ${others.slice(0, 2).join(', ')}.` : `${node}'s kernel is the one the agent rejects.`,
      });
    }
  },
});

function parseVersion(text: string): Version | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** RHEL 8's 4.18 carries the eBPF backports Cilium and Calico accept in place of 4.19/5.x. */
function tooOld(version: Version, text: string, min: Version): boolean {
  if (/\.el[89]|\.el1\d/.test(text) && compare(version, [4, 18, 0]) >= 0) return false;
  return compare(version, min) < 0;
}

function kernelOf(ctx: RuleContext, node: string): { version: Version; text: string; citation: Citation } | undefined {
  const uname = ctx.evidence.nodes.get(node)?.texts.get('system/uname.txt');
  const token = uname?.text.trim().split(/\s+/)[2];
  if (uname && token && parseVersion(token)) return { version: parseVersion(token)!, text: token, citation: ctx.cite({ file: uname.file, line: 1 }, uname.text.trim().split('\n')[0]!) };
  const api = ctx.evidence.cluster.nodes.find((n) => n.name === node);
  const k = api?.nodeInfo.kernelVersion;
  if (api && k && parseVersion(k)) return { version: parseVersion(k)!, text: k, citation: ctx.cite(api, `node ${node}: nodeInfo.kernelVersion ${k}`) };
  return undefined;
}

function requirementFor(ctx: RuleContext, agents: AgentPod[], kinds: string[]): { min: Version; who: string; note?: string } | undefined {
  const cilium = agents.find((a) => a.spec.kind === 'cilium');
  if (cilium || kinds.includes('cilium')) {
    const image = cilium?.pod.containers.find((c) => /cilium/.test(c.image ?? '') && !c.init)?.image ?? ctx.evidence.cluster.daemonsets.find((d) => d.name === 'cilium')?.containers.find((c) => !c.init)?.image;
    const v = /:v?(\d+)\.(\d+)\.(\d+)/.exec(image ?? '');
    if (!v) return { min: [4, 19, 57], who: 'Cilium', note: 'version unknown; 4.19.57 is the minimum of Cilium 1.13 to 1.15' };
    const minor = Number(v[2]);
    const version = `${v[1]}.${v[2]}.${v[3]}`;
    if (Number(v[1]) === 1 && minor < 13) return { min: [4, 9, 17], who: `Cilium ${version}` };
    if (Number(v[1]) === 1 && minor < 16) return { min: [4, 19, 57], who: `Cilium ${version}` };
    return { min: [5, 4, 0], who: `Cilium ${version}` };
  }
  const calico = agents.find((a) => a.spec.kind === 'calico');
  if (calico && agentLines(calico).some((r) => searchTest(BPF_ENABLED, r.raw))) return { min: [5, 3, 0], who: 'Calico\'s eBPF dataplane' };
  return undefined;
}

function dmesgLines(ctx: RuleContext, node: string): Citation[] {
  const text = ctx.evidence.nodes.get(node)?.texts.get('system/dmesg.txt');
  if (!text) return [];
  return text.text
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => DMESG.test(line))
    .slice(-2)
    .map(({ line, i }) => ctx.cite({ file: text.file, line: i + 1 }, line));
}

function innerOf(message: string): string {
  const m = /failed \((?:add|delete)\): (.*)$/.exec(message.replace(/\\"/g, '"'));
  return (m?.[1] ?? message).replace(/"+$/, '');
}

function oneLine(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 200 ? `${t.slice(0, 200)}…` : t;
}
