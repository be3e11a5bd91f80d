/**
 * From findings to answers: for each failing pod, the most likely cause among the findings that
 * explain its symptoms or sit on its node; then node-level problems with no failing pod.
 */
import type { FailingPod } from './correlate/pods.js';
import { innermostError, type Symptom } from './correlate/symptoms.js';
import { blastRadius } from './correlate/blast-radius.js';
import type { Evidence } from './evidence/types.js';
import type { ChainLink, ChainStage, Confidence, Diagnosis, Finding, Severity } from './model.js';
import { CONFIDENCE_ORDER, SEVERITY_ORDER } from './model.js';
import type { RuleRun } from './rules/run.js';

const CONFIDENCE_POINTS: Record<Confidence, number> = { high: 30, medium: 20, low: 10 };
const SEVERITY_POINTS: Record<Severity, number> = { critical: 9, warning: 6, info: 0 };
const STAGE_ORDER = ['event', 'kubelet', 'runtime', 'cni-plugin', 'cni-agent', 'node-state', 'cluster-state'];

/** Ids of rules whose findings are the "unexplained" fallback. */
export const UNEXPLAINED_RULE_ID = 'unexplained-sandbox-failure';

function score(finding: Finding, explainsPod: boolean, cniSymptom: boolean): number {
  // A finding that explains this pod's own error lines beats one that only shares its node;
  // a non-CNI cause (pause image, OCI) is preferred only when the symptom is not a CNI error.
  return CONFIDENCE_POINTS[finding.confidence] + SEVERITY_POINTS[finding.severity] + (explainsPod ? 25 : 0) + (!finding.cni && !cniSymptom ? 5 : 0);
}

function chainFor(pod: FailingPod, finding: Finding | undefined): ChainLink[] {
  const links: ChainLink[] = [];
  const primary = pod.state === 'terminating' ? 'delete' : 'add';
  const byStage = new Map<string, Symptom>();
  // One line per stage: the first of the pod's symptoms from that source, preferring the
  // operation that is failing (a cleanup DEL after a failed ADD is an echo, not the cause).
  for (const s of pod.symptoms) {
    const held = byStage.get(s.stage);
    if (!held || (held.op !== primary && s.op === primary)) byStage.set(s.stage, s);
  }
  for (const stage of STAGE_ORDER) {
    const s = byStage.get(stage);
    if (s) links.push({ stage: s.stage, text: stage === 'event' ? s.message : innermostError(s.message), citation: s.citation });
  }
  if (finding) {
    const ownLines = new Set(pod.symptoms.map((s) => `${s.citation.file}:${s.citation.line}`));
    for (const citation of finding.citations) {
      const where = `${citation.file}:${citation.line}`;
      if (ownLines.has(where) || links.some((l) => l.citation && `${l.citation.file}:${l.citation.line}` === where)) continue;
      links.push({ stage: stageOfFile(citation.file), text: citation.excerpt, citation });
      if (links.length >= 8) break;
    }
  }
  return links;
}

function stageOfFile(file: string): ChainStage {
  if (file.startsWith('cluster/logs/')) return 'cni-agent';
  if (file.startsWith('cluster/')) return 'cluster-state';
  if (/\/journal\/kubelet\.log$/.test(file)) return 'kubelet';
  if (/\/journal\/(containerd|crio|docker|k3s[^/]*|rke2[^/]*)\.log$/.test(file)) return 'runtime';
  if (/\/journal\/|\/logs\//.test(file)) return 'cni-agent';
  return 'node-state';
}

function isCniSymptom(pod: FailingPod): boolean {
  return pod.symptoms.some((s) => /cni|network|plugin|ipam|bridge|veth/i.test(innermostError(s.message)));
}

export function diagnose(evidence: Evidence, failingPods: FailingPod[], run: RuleRun): Diagnosis[] {
  const diagnoses: Diagnosis[] = [];
  const explainedPods = new Map<string, Set<string>>();
  for (const [id, symptoms] of run.explains) explainedPods.set(id, new Set(symptoms.map((s) => s.pod).filter((p): p is string => p !== null)));
  const serious = run.findings.filter((f) => f.severity !== 'info');
  const topByPod = new Map<string, Finding>();

  for (const pod of failingPods) {
    const cniSymptom = isCniSymptom(pod);
    const candidates = serious
      .map((finding) => {
        const explains = explainedPods.get(finding.id)?.has(pod.key) === true || finding.scope.pods.includes(pod.key);
        const onNode = pod.node !== null && finding.scope.pods.length === 0 && finding.scope.nodes.includes(pod.node);
        return { finding, explains, relevant: explains || onNode, score: score(finding, explains, cniSymptom) };
      })
      .filter((c) => c.relevant)
      .sort((a, b) => b.score - a.score || SEVERITY_ORDER[a.finding.severity] - SEVERITY_ORDER[b.finding.severity] || a.finding.id.localeCompare(b.finding.id));
    const top = candidates[0];
    const firstSymptom = pod.symptoms[0];
    if (!top) {
      diagnoses.push({
        pod: pod.key,
        node: pod.node,
        ruleId: UNEXPLAINED_RULE_ID,
        findingId: `${UNEXPLAINED_RULE_ID}:${pod.key}`,
        severity: 'warning',
        confidence: 'low',
        title: 'Sandbox network failure that no rule explains',
        summary: firstSymptom
          ? `${pod.key} cannot get a sandbox network; the innermost error is: ${innermostError(firstSymptom.message)}`
          : `${pod.key} is stuck in ContainerCreating and the bundle holds no error for it.`,
        causalChain: chainFor(pod, undefined),
        blastRadius: blastRadius(evidence, pod.node ? [pod.node] : [], [pod.key], undefined),
        nextStep: pod.node
          ? { text: `Read the kubelet and runtime journal on ${pod.node} around the first failure, and collect again with node evidence if it is missing.`, command: `cni-evidence collect --pod ${pod.key} --nodes ${pod.node}` }
          : { text: 'Collect again with the pod in scope so its node evidence is included.', command: `cni-evidence collect --pod ${pod.key}` },
        alternatives: [],
        score: 0,
      });
      continue;
    }
    topByPod.set(pod.key, top.finding);
    diagnoses.push({
      pod: pod.key,
      node: pod.node,
      ruleId: top.finding.ruleId,
      findingId: top.finding.id,
      severity: top.finding.severity,
      confidence: top.finding.confidence,
      title: top.finding.title,
      summary: top.finding.message,
      causalChain: chainFor(pod, top.finding),
      blastRadius: { kind: 'pod', nodes: [], pods: [], explanation: '' },
      nextStep: top.finding.remediation[0] ?? { text: 'See the finding for details.' },
      alternatives: candidates.slice(1, 4).map((c) => c.finding.id),
      score: top.score,
    });
  }

  // Blast radius: the pods whose top cause is the same finding (or the same rule elsewhere).
  for (const d of diagnoses) {
    if (d.ruleId === UNEXPLAINED_RULE_ID) continue;
    const sameRule = diagnoses.filter((o) => o.ruleId === d.ruleId);
    const pods = sameRule.map((o) => o.pod).filter((p): p is string => p !== null);
    const finding = run.findings.find((f) => f.id === d.findingId)!;
    const nodes = [...sameRule.map((o) => o.node).filter((n): n is string => n !== null), ...finding.scope.nodes];
    d.blastRadius = blastRadius(evidence, nodes, pods, run.whyHere.get(d.findingId));
  }

  // Node-level problems with no failing pod on them still deserve an answer.
  const podNodes = new Set(failingPods.map((p) => p.node));
  const usedFindings = new Set([...topByPod.values()].map((f) => f.id));
  for (const finding of serious) {
    if (usedFindings.has(finding.id) || finding.scope.pods.length > 0) continue;
    const nodes = finding.scope.nodes.filter((n) => !podNodes.has(n));
    if (finding.scope.nodes.length > 0 && nodes.length === 0) continue;
    if (finding.severity === 'warning' && failingPods.length > 0 && finding.scope.nodes.length === 0) continue;
    for (const node of nodes.length > 0 ? nodes : [null]) {
      diagnoses.push({
        pod: null,
        node,
        ruleId: finding.ruleId,
        findingId: finding.id,
        severity: finding.severity,
        confidence: finding.confidence,
        title: finding.title,
        summary: finding.message,
        causalChain: finding.citations.slice(0, 6).map((citation) => ({ stage: stageOfFile(citation.file), text: citation.excerpt, citation })),
        blastRadius: blastRadius(evidence, node ? [node] : finding.scope.nodes, [], run.whyHere.get(finding.id)),
        nextStep: finding.remediation[0] ?? { text: 'See the finding for details.' },
        alternatives: [],
        score: score(finding, false, true),
      });
    }
  }

  return diagnoses.sort(
    (a, b) =>
      CONFIDENCE_ORDER[a.confidence] - CONFIDENCE_ORDER[b.confidence] ||
      b.score - a.score ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.pod ?? '~').localeCompare(b.pod ?? '~'),
  );
}
