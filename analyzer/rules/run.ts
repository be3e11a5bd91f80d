/**
 * Runs every rule over one Evidence store. A rule that throws is a bug in that rule, not in the
 * bundle: it becomes an inconclusive entry naming the rule, and the other rules still run.
 */
import type { Evidence } from '../evidence/types.js';
import type { FailingPod } from '../correlate/pods.js';
import type { Symptom } from '../correlate/symptoms.js';
import type { Finding, Inconclusive } from '../model.js';
import { citeText, type EvidenceNeed, type FindingInput, type RuleContext, type RuleDefinition } from './define.js';

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

function matchesNeed(path: string, need: string): boolean {
  const pattern = new RegExp(`^${need.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
  return pattern.test(path);
}

export function runRules(rules: readonly RuleDefinition[], evidence: Evidence, symptoms: Symptom[], failingPods: FailingPod[]): RuleRun {
  const run: RuleRun = { findings: [], inconclusive: [], explains: new Map(), whyHere: new Map() };
  const nodes = [...evidence.nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  const seenIds = new Set<string>();

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
        return symptoms.filter((s) => (node === undefined || s.node === node) && pattern.test(s.message));
      },
      podsOn(node) {
        return failingPods.filter((p) => p.node === node);
      },
      artifact(node, path) {
        return evidence.artifacts.get(node === null ? path : `nodes/${node}/${path}`);
      },
      missing(node, needs: readonly EvidenceNeed[]) {
        const out: string[] = [];
        for (const need of needs) {
          const full = node === null || need.startsWith('cluster/') ? need : `nodes/${node}/${need}`;
          const matching = [...evidence.artifacts.values()].filter((a) => matchesNeed(a.path, full));
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
