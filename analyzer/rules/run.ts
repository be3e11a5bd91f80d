/**
 * Runs every rule over one Evidence store. A rule that throws is a bug in that rule, not in the
 * bundle: it becomes an inconclusive entry naming the rule, and the other rules still run.
 */
import type { Evidence } from '../evidence/types.js';
import type { FailingPod } from '../correlate/pods.js';
import type { Symptom } from '../correlate/symptoms.js';
import type { Finding, Inconclusive } from '../model.js';
import { citeText, type EvidenceNeed, type FindingInput, type RuleContext, type RuleDefinition } from './define.js';
import { resetLogIndex } from './lib/node-logs.js';
import { mayMatch, prefilterOf } from './lib/prefilter.js';

export interface RuleRun {
  findings: Finding[];
  inconclusive: Inconclusive[];
  /** Per finding id: the symptoms it explains and why it is local (for diagnoses). */
  explains: Map<string, Symptom[]>;
  whyHere: Map<string, string>;
}

function uniq(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** A need (`journal/*.log`, with the node folder in front) as a path pattern. */
function needPattern(need: string, cache: Map<string, RegExp>): RegExp {
  let pattern = cache.get(need);
  if (!pattern) {
    pattern = new RegExp(`^${need.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
    cache.set(need, pattern);
  }
  return pattern;
}

export function runRules(rules: readonly RuleDefinition[], evidence: Evidence, symptoms: Symptom[], failingPods: FailingPod[]): RuleRun {
  const run: RuleRun = { findings: [], inconclusive: [], explains: new Map(), whyHere: new Map() };
  // The log lines the rules search are indexed once per run, on first need.
  resetLogIndex(evidence);
  const nodes = [...evidence.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  const seenIds = new Set<string>();
  // Symptoms and failing pods by node, and the artifacts in manifest order: rules ask per node.
  const symptomsByNode = new Map<string | null, Symptom[]>();
  for (const s of symptoms) {
    const list = symptomsByNode.get(s.node);
    if (list) list.push(s);
    else symptomsByNode.set(s.node, [s]);
  }
  const podsByNode = new Map<string | null, FailingPod[]>();
  for (const p of failingPods) {
    const list = podsByNode.get(p.node);
    if (list) list.push(p);
    else podsByNode.set(p.node, [p]);
  }
  const artifacts = [...evidence.artifacts.values()];
  // Compiled once per run: rules ask for the same needs on every node.
  const needPatterns = new Map<string, RegExp>();

  for (const rule of rules) {
    const context: RuleContext = {
      evidence,
      symptoms,
      failingPods,
      nodes,
      report(input: FindingInput) {
        const scope = { nodes: uniq(input.scope.nodes ?? []), pods: uniq(input.scope.pods ?? []) };
        const key = input.key ?? ([...scope.nodes, ...scope.pods].join(',') || 'cluster');
        let id = `${rule.id}:${key}`;
        for (let n = 2; seenIds.has(id); n++) id = `${rule.id}:${key}#${n}`;
        seenIds.add(id);
        run.findings.push({
          id,
          ruleId: rule.id,
          severity: input.severity ?? rule.severity,
          confidence: input.confidence,
          title: input.title ?? rule.title,
          message: input.message,
          scope,
          citations: input.citations,
          remediation: input.remediation,
          confirmWith: input.confirmWith ?? [],
          cni: rule.cni,
        });
        if (input.explains?.length) run.explains.set(id, input.explains);
        if (input.whyHere) run.whyHere.set(id, input.whyHere);
      },
      notEnoughEvidence(input) {
        run.inconclusive.push({
          ruleId: rule.id,
          scope: { nodes: uniq(input.scope.nodes ?? []), pods: uniq(input.scope.pods ?? []) },
          reason: input.reason,
          missing: input.missing,
        });
      },
      symptomsMatching(pattern, node) {
        const pf = prefilterOf(pattern);
        return (node === undefined ? symptoms : (symptomsByNode.get(node) ?? [])).filter((s) => mayMatch(pf, s.message) && pattern.test(s.message));
      },
      podsOn(node) {
        return (podsByNode.get(node) ?? []).slice();
      },
      artifact(node, path) {
        return evidence.artifacts.get(node === null ? path : `nodes/${node}/${path}`);
      },
      missing(node, needs: readonly EvidenceNeed[]) {
        const out: string[] = [];
        for (const need of needs) {
          const full = node === null || need.startsWith('cluster/') ? need : `nodes/${node}/${need}`;
          const pattern = needPattern(full, needPatterns);
          const matching = artifacts.filter((a) => pattern.test(a.path));
          if (matching.length === 0) out.push(`${full} (not in the bundle)`);
          else if (!matching.some((a) => a.status === 'ok' || a.status === 'truncated')) {
            const first = matching[0]!;
            out.push(`${full} (${first.status}${first.error ? `: ${first.error}` : ''})`);
          }
        }
        return out;
      },
      cite(record, excerpt) {
        return citeText(record.file, record.line, excerpt ?? record.raw ?? '');
      },
    };
    try {
      rule.check(context);
    } catch (error) {
      run.inconclusive.push({
        ruleId: rule.id,
        scope: { nodes: [], pods: [] },
        reason: `the rule failed on this bundle (${(error as Error).message}); this is a bug in cni-evidence, please report it`,
        missing: [],
      });
    }
  }
  return run;
}
