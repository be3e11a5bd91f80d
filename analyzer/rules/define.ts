/**
 * The rule contract: one file per rule, `defineRule({ id, title, severity, needs, check })`.
 * Rule ids are public and stable (docs/rules.md); `check` reports findings through the context,
 * or says what evidence it lacked instead of guessing.
 */
import type { ArtifactEntry } from '../../shared/bundle/manifest-schema.js';
import type { Evidence, NodeEvidence } from '../evidence/types.js';
import type { FailingPod } from '../correlate/pods.js';
import type { Symptom } from '../correlate/symptoms.js';
import type { Citation, Confidence, FindingScope, RemediationStep, Severity } from '../model.js';
import { excerptOf } from '../parsers/types.js';

/**
 * Evidence a rule reads, as bundle paths relative to a node folder (`cni/net.d.ls`) or from the
 * bundle root (`cluster/events.json`); `*` matches one path segment.
 */
export type EvidenceNeed = string;

export interface FindingInput {
  /** Distinguishes findings of one rule (usually the node, or node/pod); defaults to the scope. */
  key?: string;
  severity?: Severity;
  confidence: Confidence;
  title?: string;
  message: string;
  scope: Partial<FindingScope>;
  citations: Citation[];
  remediation: RemediationStep[];
  confirmWith?: string[];
  /** The symptoms this finding explains: ties it to the failing pods' causal chains. */
  explains?: Symptom[];
  /** For the blast radius: why this node and not the others ("cni0 keeps the old subnet only here"). */
  whyHere?: string;
}

export interface InconclusiveInput {
  scope: Partial<FindingScope>;
  reason: string;
  missing: string[];
}

export interface RuleContext {
  readonly evidence: Evidence;
  readonly symptoms: readonly Symptom[];
  readonly failingPods: readonly FailingPod[];
  /** Nodes with node-side evidence in the bundle. */
  readonly nodes: readonly NodeEvidence[];
  report(finding: FindingInput): void;
  notEnoughEvidence(input: InconclusiveInput): void;
  /** Symptoms whose message matches, optionally on one node. */
  symptomsMatching(pattern: RegExp, node?: string): Symptom[];
  /** The failing pods on a node. */
  podsOn(node: string): FailingPod[];
  /** Manifest entry for a node-relative path (`cni/net.d.ls`) or a bundle path. */
  artifact(node: string | null, path: string): ArtifactEntry | undefined;
  /** Needed paths that are not `ok` (or not in the bundle at all) on a node, with their status. */
  missing(node: string | null, needs: readonly EvidenceNeed[]): string[];
  cite(record: { file: string; line: number; raw?: string }, excerpt?: string): Citation;
}

export interface RuleDefinition {
  /** kebab-case, stable: a public contract. */
  id: string;
  title: string;
  severity: Severity;
  /** False when the cause shows the same symptom but is not CNI (pause image, OCI runtime). */
  cni: boolean;
  needs: readonly EvidenceNeed[];
  /** What a support engineer should know about the rule (docs/rules.md). */
  description: string;
  check(context: RuleContext): void;
}

export function defineRule(rule: RuleDefinition): RuleDefinition {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(rule.id)) throw new Error(`rule id ${rule.id} must be kebab-case`);
  return rule;
}

export function citeText(file: string, line: number, text: string): Citation {
  return { file, line, excerpt: excerptOf(text, 400) };
}
