/**
 * Table-test helpers for the node-level and look-alike rules: build a kit bundle, analyze it with
 * every rule (ranking against the others is part of what is tested), and check one rule's finding.
 */
import { expect } from 'vitest';
import type { AnalysisResult, Confidence, Finding, Severity } from '../../../../analyzer/model.js';
import type { SampleKit } from '../../../../samples/recipes/kit.js';
import { analyzeKit } from '../../../helpers/kit-analysis.js';

export interface Expected {
  severity: Severity;
  confidence: Confidence;
  nodes: string[];
  pods: string[];
  /** One citation must have this file (exact or pattern), line (when given) and excerpt. */
  cite: { file: string | RegExp; line?: number; excerpt: RegExp };
  /** A remediation command must match (it carries the bundle's node name). */
  command: RegExp;
  /** The message must match these. */
  message?: RegExp[];
  /** confirmWith must have an entry matching this (evidence was missing). */
  confirm?: RegExp;
  /** The first diagnosis. */
  first?: { ruleId: string; pod: string | null; node: string | null };
}

export interface Row {
  name: string;
  build: (kit: SampleKit) => void;
  /** null: the rule must not report a warning or critical finding. */
  expected: Expected | null;
  /** For look-alikes: the first diagnosis must not be this rule's (or must be the given one). */
  firstNot?: string;
}

export async function run(ruleId: string, build: (kit: SampleKit) => void): Promise<{ result: AnalysisResult; findings: Finding[] }> {
  const { result } = await analyzeKit(build);
  return { result, findings: result.findings.filter((f) => f.ruleId === ruleId) };
}

export async function check(ruleId: string, row: Row): Promise<void> {
  const { result, findings } = await run(ruleId, row.build);
  if (row.firstNot) expect(result.diagnoses[0]?.ruleId).not.toBe(row.firstNot);
  const e = row.expected;
  if (e === null) {
    expect(findings.filter((f) => f.severity !== 'info').map((f) => f.id)).toEqual([]);
    return;
  }
  expect(findings.map((f) => f.id), 'exactly one finding of the rule').toHaveLength(1);
  const f = findings[0]!;
  expect({ severity: f.severity, confidence: f.confidence, nodes: f.scope.nodes, pods: f.scope.pods }).toEqual({ severity: e.severity, confidence: e.confidence, nodes: e.nodes, pods: e.pods });
  const cited = f.citations.filter((c) => (typeof e.cite.file === 'string' ? c.file === e.cite.file : e.cite.file.test(c.file)) && (e.cite.line === undefined || c.line === e.cite.line) && e.cite.excerpt.test(c.excerpt));
  expect(cited, `a citation ${String(e.cite.file)}:${e.cite.line ?? '*'} ~ ${e.cite.excerpt} in ${JSON.stringify(f.citations, null, 1)}`).not.toHaveLength(0);
  expect(f.remediation.some((r) => r.command !== undefined && e.command.test(r.command)), `a command matching ${e.command} in ${JSON.stringify(f.remediation)}`).toBe(true);
  for (const m of e.message ?? []) expect(f.message).toMatch(m);
  if (e.confirm) expect(f.confirmWith.some((c) => e.confirm!.test(c)), `confirmWith ${JSON.stringify(f.confirmWith)}`).toBe(true);
  if (e.first) {
    const d = result.diagnoses[0];
    expect(d && { ruleId: d.ruleId, pod: d.pod, node: d.node }).toEqual(e.first);
  }
}

export const STUCK = 'default/web-7r2rngql75-6w8j6';
