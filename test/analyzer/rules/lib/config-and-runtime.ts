/**
 * Table-test plumbing for the config-and-runtime rules: build a kit bundle, analyze it with every
 * rule (ranking against the other rules is part of what is tested), and check one rule's finding
 * field by field. Also a few kit benders these tables share.
 */
import { expect } from 'vitest';
import type { AnalysisResult, Confidence, Finding, Severity } from '../../../../analyzer/model.js';
import { at, hex64, type NodeKit, type SampleKit } from '../../../../samples/recipes/kit.js';
import { agentDaemonSet, agentPod, type AgentPlan } from '../../../../samples/recipes/lib/agents.js';
import { analyzeKit } from '../../../helpers/kit-analysis.js';

export const STUCK = 'default/web-7r2rngql75-6w8j6';

export interface Expected {
  severity: Severity;
  confidence: Confidence;
  nodes: string[];
  pods: string[];
  /** One citation must have this file (exact or pattern), line (when given) and excerpt. */
  cite: { file: string | RegExp; line?: number; excerpt: RegExp };
  /** A remediation command must match, and one must carry a node name of the scope. */
  command: RegExp;
  message?: RegExp[];
  /** confirmWith must have an entry matching this. */
  confirm?: RegExp;
  /** The first diagnosis. */
  first?: { ruleId: string; pod: string | null; node: string | null };
}

export interface Row {
  name: string;
  build: (kit: SampleKit) => void;
  /** null: the rule must not report a warning or critical finding. */
  expected: Expected | null;
  /** The first diagnosis' rule, for look-alike rows. */
  firstRule?: string;
  /** An inconclusive entry of the rule whose reason matches. */
  inconclusive?: RegExp;
}

export async function check(ruleId: string, row: Row): Promise<{ result: AnalysisResult; finding?: Finding }> {
  const { result } = await analyzeKit(row.build);
  const findings = result.findings.filter((f) => f.ruleId === ruleId);
  if (row.firstRule !== undefined) expect(result.diagnoses[0]?.ruleId, 'first diagnosis').toBe(row.firstRule);
  if (row.inconclusive) expect(result.inconclusive.filter((i) => i.ruleId === ruleId).map((i) => i.reason)).toEqual(expect.arrayContaining([expect.stringMatching(row.inconclusive)]));
  const e = row.expected;
  if (e === null) {
    expect(findings.filter((f) => f.severity !== 'info').map((f) => `${f.id}: ${f.message}`), `${ruleId} must not fire`).toEqual([]);
    return { result };
  }
  expect(findings.map((f) => f.id), `exactly one finding of ${ruleId}`).toHaveLength(1);
  const f = findings[0]!;
  expect({ severity: f.severity, confidence: f.confidence, nodes: f.scope.nodes, pods: f.scope.pods }).toEqual({ severity: e.severity, confidence: e.confidence, nodes: e.nodes, pods: e.pods });
  const cited = f.citations.filter((c) => (typeof e.cite.file === 'string' ? c.file === e.cite.file : e.cite.file.test(c.file)) && (e.cite.line === undefined || c.line === e.cite.line) && e.cite.excerpt.test(c.excerpt));
  expect(cited.length, `a citation ${String(e.cite.file)}:${e.cite.line ?? '*'} ~ ${e.cite.excerpt}; got ${JSON.stringify(f.citations.map((c) => `${c.file}:${c.line} ${c.excerpt}`), null, 1)}`).toBeGreaterThan(0);
  const commands = f.remediation.map((r) => r.command ?? '').filter((c) => c !== '');
  expect(commands.some((c) => e.command.test(c)), `a command ~ ${e.command}; got ${JSON.stringify(commands, null, 1)}`).toBe(true);
  expect(commands.some((c) => e.nodes.some((n) => c.includes(n))), `a command naming ${e.nodes.join(', ')}; got ${JSON.stringify(commands, null, 1)}`).toBe(true);
  for (const m of e.message ?? []) expect(f.message).toMatch(m);
  if (e.confirm) expect(f.confirmWith.join('\n')).toMatch(e.confirm);
  if (e.first) {
    const d = result.diagnoses[0];
    expect({ ruleId: d?.ruleId, pod: d?.pod, node: d?.node }).toEqual(e.first);
  }
  return { result, finding: f };
}

/** `ls -ln --time-style=full-iso` listing line of a file `secondsBefore` the bundle. */
export function lsLine(mode: string, size: number, secondsBefore: number, name: string): string {
  const d = new Date(Date.parse(at(secondsBefore)));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${mode} 1 0 0 ${size} ${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000000 +0000 ${name}`;
}

/** /opt/cni/bin with each plugin's VERSION answer (supportedVersions), or none (older collectors). */
export function setBinListing(node: NodeKit, plugins: Record<string, readonly string[] | null>): void {
  const lines = Object.entries(plugins).map(([name, versions]) => {
    const v = versions ? `\tversion=${JSON.stringify({ cniVersion: versions[versions.length - 1], supportedVersions: versions })}` : '';
    return `${lsLine('-rwxr-xr-x', 2_900_000 + name.length * 1013, 9 * 86_400, name)}\tsha256=${hex64(`bin/${name}`)}${v}`;
  });
  node.set('cni/bin.ls', ['# cni-evidence listing v1: /opt/cni/bin (ls -ln --time-style=full-iso, TZ=UTC)', lsLine('drwxr-xr-x', 4096, 9 * 86_400, '.'), ...lines].join('\n') + '\n', { kind: 'file', path: '/opt/cni/bin' });
}

export const ALL_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;

/** A Cilium DaemonSet with a running agent on every node, beside the kit's flannel. */
export function addCiliumAgents(kit: SampleKit): void {
  const image = 'quay.io/cilium/cilium:v1.16.5';
  const plan: AgentPlan = {
    namespace: 'kube-system',
    daemonSet: 'cilium',
    labels: { 'k8s-app': 'cilium', 'app.kubernetes.io/name': 'cilium-agent' },
    serviceAccount: 'cilium',
    volumes: [
      { name: 'cni-path', hostPath: { path: '/opt/cni/bin', type: 'DirectoryOrCreate' } },
      { name: 'etc-cni-netd', hostPath: { path: '/etc/cni/net.d', type: 'DirectoryOrCreate' } },
    ],
    initContainers: [{ name: 'install-cni-binaries', image, command: ['/install-plugin.sh'], volumeMounts: [{ name: 'cni-path', mountPath: '/host/opt/cni/bin' }] }],
    containers: [{ name: 'cilium-agent', image, command: ['cilium-agent'], args: ['--config-dir=/tmp/cilium/config-map'], volumeMounts: [{ name: 'etc-cni-netd', mountPath: '/host/etc/cni/net.d' }] }],
  };
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  for (const node of kit.nodes.keys()) kit.fixture.pods.push(agentPod(kit, plan, node, 3 * 86_400));
}

/** The stuck pod is being deleted (Terminating): set after its sandbox failures. */
export function markTerminating(kit: SampleKit, secondsBefore = 1_500): void {
  const pod = kit.stuckPod;
  pod.metadata.deletionTimestamp = at(secondsBefore).replace(/\.\d+Z$/, 'Z');
  (pod.metadata as Record<string, unknown>).deletionGracePeriodSeconds = 30;
}
