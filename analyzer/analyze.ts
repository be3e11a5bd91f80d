/**
 * analyze: bundle → evidence → symptoms and failing pods → rules → diagnoses → one result that
 * every report format renders. Pure with respect to the bundle: no cluster, no network.
 */
import { toolVersion } from '../shared/bundle/version.js';
import { findFailingPods } from './correlate/pods.js';
import { collectSymptoms, innermostError } from './correlate/symptoms.js';
import { buildTimeline, clockSkew } from './correlate/timeline.js';
import { diagnose, UNEXPLAINED_RULE_ID } from './diagnose.js';
import { loadEvidence, type LoadOptions } from './evidence/load.js';
import type { Evidence } from './evidence/types.js';
import type { AnalysisResult, EvidenceGap, Finding } from './model.js';
import { SEVERITY_ORDER } from './model.js';
import type { RuleDefinition } from './rules/define.js';
import { ALL_RULES } from './rules/index.js';
import { runRules } from './rules/run.js';

export interface AnalyzeOptions extends LoadOptions {
  rules?: readonly RuleDefinition[];
  now?: () => Date;
  /** Called once the bundle is read, before the rules run (the CLI tunes memory there). */
  onLoaded?: () => void;
}

function gapsOf(evidence: Evidence): EvidenceGap[] {
  return evidence.manifest.artifacts
    .filter((a) => a.status !== 'ok')
    .map((a) => ({
      path: a.path,
      node: a.node,
      status: a.status as EvidenceGap['status'],
      reason: a.error ?? (a.status === 'truncated' ? `cut at ${a.bytes} of ${a.truncatedFromBytes ?? '?'} bytes` : a.exitCode != null ? `exit code ${a.exitCode}` : a.status),
    }));
}

export function analyzeEvidence(evidence: Evidence, options: AnalyzeOptions = {}): AnalysisResult {
  const started = Date.now();
  const rules = options.rules ?? ALL_RULES;
  const symptoms = collectSymptoms(evidence);
  const failingPods = findFailingPods(evidence, symptoms);
  const run = runRules(rules, evidence, symptoms, failingPods);
  const diagnoses = diagnose(evidence, failingPods, run);

  // An unexplained pod still gets a finding, so every diagnosis points at one.
  for (const d of diagnoses) {
    if (d.ruleId !== UNEXPLAINED_RULE_ID) continue;
    const pod = failingPods.find((p) => p.key === d.pod);
    const unexplained: Finding = {
      id: d.findingId,
      ruleId: UNEXPLAINED_RULE_ID,
      severity: 'warning',
      confidence: 'low',
      title: d.title,
      message: d.summary,
      scope: { nodes: d.node ? [d.node] : [], pods: d.pod ? [d.pod] : [] },
      citations: (pod?.symptoms ?? []).slice(0, 3).map((s) => ({ ...s.citation, excerpt: s.citation.excerpt || innermostError(s.message) })),
      remediation: [d.nextStep],
      confirmWith: ['the kubelet and container runtime journal of the node', 'the CNI agent logs of the node', 'the node CNI state (cni/net.d, cni/bin.ls, cni/results)'],
      cni: true,
    };
    run.findings.push(unexplained);
  }
  const findings = run.findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.id.localeCompare(b.id));
  const manifest = evidence.manifest;
  return {
    schemaVersion: '1.0',
    tool: { name: 'cni-evidence', version: toolVersion() },
    analyzedAt: (options.now ?? (() => new Date()))().toISOString(),
    bundle: {
      location: evidence.location,
      formatVersion: manifest.formatVersion,
      createdAt: manifest.createdAt,
      mode: manifest.mode,
      completion: manifest.completion.reason !== undefined ? { state: manifest.completion.state, reason: manifest.completion.reason } : { state: manifest.completion.state },
      redacted: manifest.redaction.enabled,
      obfuscated: manifest.redaction.obfuscated === true,
      integrity: { ok: evidence.integrity.ok, problems: evidence.integrity.problems.map((p) => ({ path: p.path, kind: p.kind, message: p.message })) },
      nodes: [...new Set([...evidence.nodes.keys(), ...evidence.cluster.nodes.map((n) => n.name)])].sort(),
    },
    diagnoses,
    findings,
    inconclusive: run.inconclusive,
    timeline: buildTimeline(evidence, symptoms),
    clockSkew: clockSkew(evidence),
    gaps: gapsOf(evidence),
    parseProblems: evidence.parseProblems.slice(0, 200).map((p) => ({ file: p.file, line: p.line, message: p.message })),
    stats: { files: evidence.stats.files, records: evidence.stats.records, rulesRun: rules.length, durationMs: Date.now() - started },
  };
}

export async function analyzeBundle(location: string, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const started = Date.now();
  const evidence = await loadEvidence(location, options);
  options.onLoaded?.();
  const result = analyzeEvidence(evidence, options);
  result.stats.durationMs = Date.now() - started;
  return result;
}
