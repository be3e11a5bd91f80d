/**
 * Table-test plumbing for the agents-and-control-plane rules: build a kit bundle, analyze it with
 * the finished rules plus this group's, and check one rule's finding field by field.
 */
import { expect } from 'vitest';
import { analyzeKit } from '../../../helpers/kit-analysis.js';
import cniPluginMissing from '../../../../analyzer/rules/cni-plugin-missing.js';
import ipamExhausted from '../../../../analyzer/rules/ipam-exhausted.js';
import podcidrMismatch from '../../../../analyzer/rules/podcidr-mismatch.js';
import { RULES } from '../../../../analyzer/rules/groups/agents-and-control-plane.js';
import type { AnalysisResult, Confidence, Finding, Severity } from '../../../../analyzer/model.js';
import type { SampleKit } from '../../../../samples/recipes/kit.js';
import { agentDaemonSet, agentPod, klog, logText, setAgentLogs, type AgentPlan } from '../../../../samples/recipes/lib/agents.js';

export const STUCK = 'default/web-7r2rngql75-6w8j6';
export const RULE_SET = [cniPluginMissing, ipamExhausted, podcidrMismatch, ...RULES];

export interface Expected {
  severity: Severity;
  confidence: Confidence;
  nodes: string[];
  pods: string[];
  /** One citation must point at this file (regex on `file`) with an excerpt matching `excerpt`. */
  citation: { file: RegExp; excerpt: RegExp };
  /** One remediation command must match (and contain a node name of the scope). */
  command: RegExp;
  message?: RegExp;
  /** The first diagnosis' rule, when the row is about ranking. */
  top?: string;
  confirmWith?: boolean;
}

export interface Row {
  name: string;
  build: (kit: SampleKit) => void;
  /** null: the rule must report nothing. */
  expect: Expected | null;
  /** For null rows: the rule that must rank first instead (look-alikes). */
  top?: string;
}

export async function checkRow(ruleId: string, row: Row): Promise<{ result: AnalysisResult; finding?: Finding }> {
  const { result } = await analyzeKit(row.build, RULE_SET);
  const findings = result.findings.filter((f) => f.ruleId === ruleId);
  if (row.expect === null) {
    expect(findings.filter((f) => f.severity !== 'info'), `${ruleId} must not fire`).toEqual([]);
    if (row.top !== undefined) expect(result.diagnoses[0]?.ruleId).toBe(row.top);
    return { result };
  }
  const e = row.expect;
  expect(findings, `${ruleId} should report exactly one finding`).toHaveLength(1);
  const f = findings[0]!;
  expect({ severity: f.severity, confidence: f.confidence, nodes: f.scope.nodes, pods: f.scope.pods }).toEqual({ severity: e.severity, confidence: e.confidence, nodes: e.nodes, pods: e.pods });
  const cited = f.citations.find((c) => e.citation.file.test(c.file) && e.citation.excerpt.test(c.excerpt));
  expect(cited, `a citation ${e.citation.file} ~ ${e.citation.excerpt} among ${JSON.stringify(f.citations.map((c) => `${c.file}:${c.line} ${c.excerpt.slice(0, 100)}`))}`).toBeDefined();
  expect(cited!.line).toBeGreaterThanOrEqual(0);
  const command = f.remediation.find((r) => r.command !== undefined && e.command.test(r.command));
  expect(command, `a remediation command ~ ${e.command} among ${JSON.stringify(f.remediation.map((r) => r.command))}`).toBeDefined();
  if (e.nodes.length > 0) expect(f.remediation.some((r) => e.nodes.some((n) => r.command?.includes(n))), 'a remediation command names a node of the scope').toBe(true);
  if (e.message) expect(f.message).toMatch(e.message);
  if (e.top !== undefined) expect(result.diagnoses[0]?.ruleId, JSON.stringify(result.diagnoses.map((d) => [d.ruleId, d.score]))).toBe(e.top);
  if (e.confirmWith !== undefined) expect(f.confirmWith.length > 0).toBe(e.confirmWith);
  return { result, finding: f };
}

/** An Antrea agent DaemonSet on every node (test-only: no sample needs Antrea yet). */
export function useAntrea(kit: SampleKit, logs: (node: string) => string): void {
  const plan: AgentPlan = {
    namespace: 'kube-system',
    daemonSet: 'antrea-agent',
    labels: { app: 'antrea', component: 'antrea-agent' },
    serviceAccount: 'antrea-agent',
    volumes: [{ name: 'host-var-run-antrea', hostPath: { path: '/var/run/antrea', type: 'DirectoryOrCreate' } }],
    initContainers: [{ name: 'install-cni', image: 'antrea/antrea-agent-ubuntu:v2.2.0', command: ['install_cni'] }],
    containers: [{ name: 'antrea-agent', image: 'antrea/antrea-agent-ubuntu:v2.2.0', command: ['antrea-agent'] }, { name: 'antrea-ovs', image: 'antrea/antrea-agent-ubuntu:v2.2.0', command: ['start_ovs'] }],
  };
  kit.fixture.daemonSets.push(agentDaemonSet(plan, kit.nodes.size));
  for (const node of kit.nodes.values()) {
    const pod = agentPod(kit, plan, node.name);
    kit.fixture.pods.push(pod);
    setAgentLogs(kit, pod, 'antrea-agent', { current: logs(node.name) });
    node.netD = new Map([['10-antrea.conflist', '{\n  "cniVersion": "0.3.0",\n  "name": "antrea",\n  "plugins": [\n    {\n      "type": "antrea",\n      "ipam": {\n        "type": "host-local"\n      }\n    },\n    {\n      "type": "portmap",\n      "capabilities": {"portMappings": true}\n    },\n    {\n      "type": "bandwidth",\n      "capabilities": {"bandwidth": true}\n    }\n  ]\n}\n']]);
    node.binPlugins = [...node.binPlugins.filter((p) => p !== 'flannel'), 'antrea'].sort();
  }
}

export { klog, logText };
