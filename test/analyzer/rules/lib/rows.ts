/**
 * Table-test plumbing for the diagnosis rules: build a kit bundle, analyze it with every rule (or
 * a given rule set; ranking against the other rules is part of what is tested), and check one
 * rule's finding field by field. Group-specific kit benders live beside this file
 * (config-and-runtime.ts, agents-and-control-plane.ts).
 */
import { expect } from 'vitest';
import type { AnalysisResult, Confidence, Finding, Severity } from '../../../../analyzer/model.js';
import type { RuleDefinition } from '../../../../analyzer/rules/define.js';
import type { SampleKit } from '../../../../samples/recipes/kit.js';
import { analyzeKit } from '../../../helpers/kit-analysis.js';

export const STUCK = 'default/web-7r2rngql75-6w8j6';

export interface Expected {
  severity: Severity;
  confidence: Confidence;
  nodes: string[];
  pods: string[];
  /** One citation must have this file (exact or pattern), line (when given) and excerpt. */
  cite: { file: string | RegExp; line?: number; excerpt: RegExp };
  /** A remediation command must match; when the scope has nodes, one must carry a node name of it. */
  command: RegExp;
  /** The message must match this (or each of these). */
  message?: RegExp | RegExp[];
  /** confirmWith must have an entry matching this (evidence was missing). */
  confirm?: RegExp;
  /** confirmWith must be non-empty (true) or empty (false). */
  confirmWith?: boolean;
  /** The first diagnosis. */
  first?: { ruleId: string; pod: string | null; node: string | null };
}

export interface Row {
  name: string;
  build: (kit: SampleKit) => void;
  /** null: the rule must not report a warning or critical finding. */
  expected: Expected | null;
  /** The first diagnosis' rule must be this one (ranking rows, look-alikes). */
  firstRule?: string;
  /** For look-alikes: the first diagnosis must not be this rule's. */
  firstNot?: string;
  /** An inconclusive entry of the rule whose reason matches. */
  inconclusive?: RegExp;
}

/** Analyzes the kit bent by `build` and returns the findings of one rule. */
export async function run(ruleId: string, build: (kit: SampleKit) => void, rules?: readonly RuleDefinition[]): Promise<{ result: AnalysisResult; findings: Finding[] }> {
  const { result } = await analyzeKit(build, rules);
  return { result, findings: result.findings.filter((f) => f.ruleId === ruleId) };
}

/** Checks one row; `rules` narrows the rule set the bundle is analyzed with (default: every rule). */
export async function check(ruleId: string, row: Row, rules?: readonly RuleDefinition[]): Promise<{ result: AnalysisResult; finding?: Finding }> {
  const { result, findings } = await run(ruleId, row.build, rules);
  const ranking = () => JSON.stringify(result.diagnoses.map((d) => [d.ruleId, d.score]));
  if (row.firstRule !== undefined) expect(result.diagnoses[0]?.ruleId, `first diagnosis among ${ranking()}`).toBe(row.firstRule);
  if (row.firstNot !== undefined) expect(result.diagnoses[0]?.ruleId, `first diagnosis among ${ranking()}`).not.toBe(row.firstNot);
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
  expect(cited.length, `a citation ${String(e.cite.file)}:${e.cite.line ?? '*'} ~ ${e.cite.excerpt}; got ${JSON.stringify(f.citations.map((c) => `${c.file}:${c.line} ${c.excerpt.slice(0, 100)}`), null, 1)}`).toBeGreaterThan(0);
  expect(cited[0]!.line).toBeGreaterThanOrEqual(0);
  const commands = f.remediation.map((r) => r.command ?? '').filter((c) => c !== '');
  expect(commands.some((c) => e.command.test(c)), `a command ~ ${e.command}; got ${JSON.stringify(commands, null, 1)}`).toBe(true);
  if (e.nodes.length > 0) expect(commands.some((c) => e.nodes.some((n) => c.includes(n))), `a command naming ${e.nodes.join(', ')}; got ${JSON.stringify(commands, null, 1)}`).toBe(true);
  for (const m of e.message === undefined ? [] : [e.message].flat()) expect(f.message).toMatch(m);
  if (e.confirm) expect(f.confirmWith.some((c) => e.confirm!.test(c)), `confirmWith ${JSON.stringify(f.confirmWith)}`).toBe(true);
  if (e.confirmWith !== undefined) expect(f.confirmWith.length > 0, `confirmWith ${JSON.stringify(f.confirmWith)}`).toBe(e.confirmWith);
  if (e.first) {
    const d = result.diagnoses[0];
    expect({ ruleId: d?.ruleId, pod: d?.pod, node: d?.node }).toEqual(e.first);
  }
  return { result, finding: f };
}
