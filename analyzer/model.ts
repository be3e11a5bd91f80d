/**
 * What the analyzer produces. These shapes are the public contract of `analyze --format json`
 * (analyzer/reports/analysis.schema.json describes them); rule ids are stable.
 */

export type Severity = 'critical' | 'warning' | 'info';
export type Confidence = 'high' | 'medium' | 'low';

export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
export const CONFIDENCE_ORDER: Record<Confidence, number> = { high: 0, medium: 1, low: 2 };

/** Proof: a bundle file, a 1-based line (0 = the file as a whole) and the text found there. */
export interface Citation {
  file: string;
  line: number;
  excerpt: string;
}

/** One thing to do. A command is shown as code, ready to paste; text explains it. */
export interface RemediationStep {
  text: string;
  /** A shell command with this bundle's node and pod names filled in. */
  command?: string;
}

export interface FindingScope {
  nodes: string[];
  /** `<namespace>/<name>` */
  pods: string[];
}

export interface Finding {
  /** Stable across runs of one bundle: `<ruleId>:<scope key>`. */
  id: string;
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  title: string;
  /** Plain explanation: what is wrong and why it produces the symptom. */
  message: string;
  scope: FindingScope;
  citations: Citation[];
  /** Concrete steps and commands, with this bundle's node and pod names filled in. */
  remediation: RemediationStep[];
  /** Evidence that would confirm or rule this out when the bundle lacks it. */
  confirmWith: string[];
  /** False for causes that show the same symptom but are not CNI (pause image, OCI runtime, disk). */
  cni: boolean;
}

/** A rule that could not decide: it says what it needed instead of guessing. */
export interface Inconclusive {
  ruleId: string;
  scope: FindingScope;
  reason: string;
  missing: string[];
}

export type ChainStage = 'event' | 'kubelet' | 'runtime' | 'cni-plugin' | 'cni-agent' | 'node-state' | 'cluster-state';

export interface ChainLink {
  stage: ChainStage;
  text: string;
  citation?: Citation;
}

export type BlastRadiusKind = 'pod' | 'node' | 'node-pool' | 'cluster';

export interface BlastRadius {
  kind: BlastRadiusKind;
  nodes: string[];
  /** Failing pods affected, as `<ns>/<name>`. */
  pods: string[];
  /** The "why only this node?" answer: what differs between affected and healthy nodes. */
  explanation: string;
}

export interface Diagnosis {
  /** `<namespace>/<name>`, or null for a node-level problem with no failing pod in the bundle. */
  pod: string | null;
  node: string | null;
  ruleId: string;
  findingId: string;
  severity: Severity;
  confidence: Confidence;
  title: string;
  /** The answer in one or two sentences. */
  summary: string;
  causalChain: ChainLink[];
  blastRadius: BlastRadius;
  nextStep: RemediationStep;
  /** Finding ids of other causes that also matched this pod, most likely first (the look-alikes ruled lower). */
  alternatives: string[];
  /** Ranking score (higher is more likely); orders diagnoses of equal confidence. */
  score: number;
}

export type TimelineSource = 'event' | 'kubelet' | 'runtime' | 'cni-plugin' | 'cni-agent' | 'node' | 'collector';

export interface TimelineEntry {
  /** RFC 3339, as found (after clock-skew notes, never silently shifted). */
  time: string;
  node: string | null;
  pod: string | null;
  source: TimelineSource;
  severity: 'error' | 'warning' | 'info';
  text: string;
  citation: Citation;
}

export interface ClockSkew {
  node: string;
  /** Node clock minus the reference clock, in seconds (positive: the node is ahead). */
  offsetSeconds: number;
  basis: string;
}

/** Evidence the bundle lacks (from the manifest): absent, failed, forbidden, timeout, truncated, skipped. */
export interface EvidenceGap {
  path: string;
  node: string | null;
  status: 'absent' | 'failed' | 'forbidden' | 'timeout' | 'truncated' | 'skipped';
  reason: string;
}

export interface AnalysisResult {
  schemaVersion: '1.0';
  tool: { name: 'cni-evidence'; version: string };
  analyzedAt: string;
  bundle: {
    location: string;
    formatVersion: string;
    createdAt: string;
    mode: 'cluster' | 'node' | 'pack' | 'merge' | 'lab';
    completion: { state: 'complete' | 'partial'; reason?: string };
    redacted: boolean;
    obfuscated: boolean;
    integrity: { ok: boolean; problems: { path: string; kind: 'checksum-mismatch' | 'size-mismatch' | 'missing' | 'unlisted' | 'not-a-file'; message: string }[] };
    nodes: string[];
  };
  diagnoses: Diagnosis[];
  findings: Finding[];
  inconclusive: Inconclusive[];
  timeline: TimelineEntry[];
  clockSkew: ClockSkew[];
  gaps: EvidenceGap[];
  parseProblems: { file: string; line: number; message: string }[];
  stats: { files: number; records: number; rulesRun: number; durationMs: number };
}
