/**
 * Wording and ordering shared by the four report formats, so that the terminal, Markdown, JSON and
 * HTML reports never disagree about what comes first or how a blast radius is described.
 */
import {
  CONFIDENCE_ORDER,
  SEVERITY_ORDER,
  type AnalysisResult,
  type BlastRadius,
  type ChainStage,
  type Citation,
  type ClockSkew,
  type Diagnosis,
  type EvidenceGap,
  type Finding,
  type FindingScope,
  type Severity,
  type TimelineEntry,
  type TimelineSource,
} from '../model.js';

/** How many timeline entries a compact report shows; the JSON and HTML reports keep them all. */
export const TIMELINE_LIMIT = 40;

/** `file:line`, or the bare file when the citation is about the file as a whole (line 0). */
export function citationLabel(citation: Pick<Citation, 'file' | 'line'>): string {
  return citation.line > 0 ? `${citation.file}:${citation.line}` : citation.file;
}

// Bundle text is untrusted: a log line can carry terminal escapes (ESC[2J clears the screen of the
// person reading the report) or bidi overrides that make a command read differently from what runs.
const UNSAFE_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE_CHARS, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** For one-line places (table cells, terminal columns): newlines become ⏎, tabs spaces, controls visible. */
export function oneLine(text: string): string {
  return escapeUnsafe(text.replace(/\r\n|\r|\n/g, ' ⏎ ').replace(/\t/g, ' '));
}

/** For multi-line places (`<pre>`, fenced blocks): keeps newlines, makes every other control visible. */
export function multiLine(text: string): string {
  return escapeUnsafe(text.replace(/\r\n|\r/g, '\n').replace(/\t/g, '    '));
}

/**
 * Keeps both ends of a long log line: the timestamp at the start and the error at the end. Cuts
 * fall on spaces when one is near, so no word is shown half.
 */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(max - 3, 2);
  let head = text.slice(0, Math.ceil(keep * 0.45));
  let tail = text.slice(text.length - (keep - head.length));
  const headSpace = head.lastIndexOf(' ');
  if (headSpace > head.length - 20 && headSpace > 0) head = head.slice(0, headSpace);
  const tailSpace = tail.indexOf(' ');
  if (tailSpace >= 0 && tailSpace < 20) tail = tail.slice(tailSpace + 1);
  return `${head.trimEnd()} … ${tail.trimStart()}`;
}

/** The `YYYY-MM-DD` every timeline time shares, so compact reports can say it once. */
export function sharedDate(entries: readonly TimelineEntry[]): string | null {
  const first = entries[0]?.time.slice(0, 11);
  if (first === undefined || !/^\d{4}-\d{2}-\d{2}T$/.test(first)) return null;
  return entries.every((e) => e.time.startsWith(first)) ? first.slice(0, 10) : null;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `a, b, c and 4 more`: a blast radius over 200 pods must not drown the answer. */
export function listNames(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };

export const STAGE_LABEL: Record<ChainStage, string> = {
  event: 'Pod event',
  kubelet: 'kubelet',
  runtime: 'Container runtime',
  'cni-plugin': 'CNI plugin',
  'cni-agent': 'CNI agent',
  'node-state': 'Node state',
  'cluster-state': 'Cluster state',
};

export const SOURCE_LABEL: Record<TimelineSource, string> = {
  event: 'event',
  kubelet: 'kubelet',
  runtime: 'runtime',
  'cni-plugin': 'cni-plugin',
  'cni-agent': 'cni-agent',
  node: 'node',
  collector: 'collector',
};

export function compareFindings(a: Finding, b: Finding): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || CONFIDENCE_ORDER[a.confidence] - CONFIDENCE_ORDER[b.confidence];
}

/**
 * Most likely first: by confidence, then by the analyzer's score (higher first) among diagnoses of
 * equal confidence, then by severity; full ties keep the analyzer's order.
 */
export function compareDiagnoses(a: Diagnosis, b: Diagnosis): number {
  return (
    CONFIDENCE_ORDER[a.confidence] - CONFIDENCE_ORDER[b.confidence] ||
    b.score - a.score ||
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
  );
}

/** Chronological by instant, not by string: RFC 3339 times from nodes in other zones sort correctly. */
export function compareTimeline(a: TimelineEntry, b: TimelineEntry): number {
  const ta = Date.parse(a.time);
  const tb = Date.parse(b.time);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
  return ta - tb;
}

/**
 * The result in report order: diagnoses most likely first, findings by severity, timeline by time.
 * Every format renders this, so the order a user sees is the order the JSON consumer gets.
 */
export function inReportOrder(result: AnalysisResult): AnalysisResult {
  return {
    ...result,
    diagnoses: [...result.diagnoses].sort(compareDiagnoses),
    findings: [...result.findings].sort(compareFindings),
    timeline: [...result.timeline].sort(compareTimeline),
  };
}

export function subjectLabel(diagnosis: Pick<Diagnosis, 'pod' | 'node'>): string {
  if (diagnosis.pod !== null) return `${diagnosis.pod} @ ${diagnosis.node ?? 'unknown node'}`;
  if (diagnosis.node !== null) return `node ${diagnosis.node} (no failing pod in the bundle)`;
  return 'cluster-wide (no failing pod in the bundle)';
}

export function blastRadiusHeadline(radius: BlastRadius): string {
  const nodes = listNames(radius.nodes);
  const where =
    radius.kind === 'pod'
      ? 'this pod only'
      : radius.kind === 'node'
        ? `node ${nodes || '(unknown)'} only: pods scheduled there are affected`
        : radius.kind === 'node-pool'
          ? `${plural(radius.nodes.length, 'node')} (${nodes}): pods scheduled on them are affected`
          : 'the whole cluster: pods on every node are affected';
  const pods = radius.pods.length > 0 ? `; ${plural(radius.pods.length, 'failing pod')} in this bundle` : '';
  return `${where}${pods}`;
}

export function scopeText(scope: FindingScope): string {
  const parts: string[] = [];
  if (scope.nodes.length > 0) parts.push(`${scope.nodes.length === 1 ? 'node' : 'nodes'} ${listNames(scope.nodes)}`);
  if (scope.pods.length > 0) parts.push(`${scope.pods.length === 1 ? 'pod' : 'pods'} ${listNames(scope.pods)}`);
  return parts.length > 0 ? parts.join('; ') : 'cluster-wide';
}

/**
 * Another cause a diagnosis considered, named by its finding (`rule: title (confidence)`). An id no
 * finding has (the validator refuses that) is shown as it is rather than dropped.
 */
export function describeAlternative(findingId: string, findings: readonly Finding[]): string {
  const match = findings.find((f) => f.id === findingId);
  return match ? `${match.ruleId}: ${match.title} (${match.confidence} confidence)` : findingId;
}

/**
 * Pairs each diagnosis with the first diagnosis of the same finding (null for the first one).
 * Reports show the first in full and later ones briefly: fifty pods with one cause must read as
 * one cause, not fifty.
 */
export function withFirstOfCause(diagnoses: readonly Diagnosis[]): { diagnosis: Diagnosis; first: Diagnosis | null; nth: number }[] {
  const firsts = new Map<string, Diagnosis>();
  const counts = new Map<string, number>();
  return diagnoses.map((diagnosis) => {
    const first = firsts.get(diagnosis.findingId) ?? null;
    if (first === null) firsts.set(diagnosis.findingId, diagnosis);
    const nth = (counts.get(diagnosis.findingId) ?? 0) + 1;
    counts.set(diagnosis.findingId, nth);
    return { diagnosis, first, nth };
  });
}

/** The chain links that prove this pod's failure beyond what the first pod's chain already cites. */
export function ownChainLinks(diagnosis: Diagnosis, first: Diagnosis): Diagnosis['causalChain'] {
  const shared = new Set(first.causalChain.flatMap((link) => (link.citation ? [citationLabel(link.citation)] : [])));
  return diagnosis.causalChain.filter((link) => link.citation && !shared.has(citationLabel(link.citation)));
}

export function redactionText(bundle: AnalysisResult['bundle']): string {
  if (bundle.redacted && bundle.obfuscated) return 'Redacted: secrets replaced; node, pod and address names pseudonymized';
  if (bundle.redacted) return 'Redacted: secrets replaced; node and pod names and addresses are the real ones';
  if (bundle.obfuscated) return 'NOT redacted: secrets may be present (names and addresses are pseudonymized)';
  return 'NOT redacted: this bundle may contain secrets; share it with care';
}

export function completionText(bundle: AnalysisResult['bundle']): string {
  if (bundle.completion.state === 'complete') return 'complete';
  const why = bundle.completion.reason ? ` (${bundle.completion.reason})` : '';
  return `PARTIAL: the collection stopped early${why}; missing evidence may hide the cause`;
}

export function integrityHeadline(bundle: AnalysisResult['bundle']): string | null {
  if (bundle.integrity.ok && bundle.integrity.problems.length === 0) return null;
  const count = bundle.integrity.problems.length;
  const what = count === 0 ? 'the bundle failed its integrity check' : `${plural(count, 'file')} ${count === 1 ? 'does' : 'do'} not match the manifest`;
  return `INTEGRITY: ${what}; treat that evidence with suspicion`;
}

export function integrityLine(problem: AnalysisResult['bundle']['integrity']['problems'][number]): string {
  return `${problem.path}: ${problem.kind}: ${problem.message}`;
}

/**
 * Files that failed the integrity check, with why. A citation into one of them is flagged where it
 * is shown: the proof itself may have been altered or cut.
 */
export function suspectFiles(result: AnalysisResult): Map<string, string> {
  return new Map(result.bundle.integrity.problems.map((p) => [p.path, p.kind]));
}

export function skewText(skew: ClockSkew): string {
  const seconds = Math.abs(skew.offsetSeconds);
  const amount = seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${Number(seconds.toFixed(3))} s`;
  const direction = skew.offsetSeconds === 0 ? 'in step' : skew.offsetSeconds > 0 ? `${amount} ahead` : `${amount} behind`;
  return `${skew.node}: clock ${direction} (${skew.basis})`;
}

export function gapSubject(gap: EvidenceGap): string {
  return gap.node !== null && !gap.path.startsWith(`nodes/${gap.node}/`) ? `${gap.path} (node ${gap.node})` : gap.path;
}

export function hasProblems(result: AnalysisResult): boolean {
  return result.diagnoses.length > 0 || result.findings.some((f) => f.severity !== 'info');
}

export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

export function findingCountsText(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings';
  const counts = severityCounts(findings);
  const parts = (Object.keys(counts) as Severity[]).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return `${plural(findings.length, 'finding')} (${parts.join(', ')})`;
}

/** The one-sentence verdict every format leads with. */
export function verdict(result: AnalysisResult): string {
  if (!hasProblems(result)) return 'No problem found';
  const pods = new Set(result.diagnoses.flatMap((d) => (d.pod === null ? [] : [d.pod])));
  const nodeLevel = result.diagnoses.filter((d) => d.pod === null).length;
  const parts: string[] = [];
  if (pods.size > 0) parts.push(`${plural(pods.size, 'failing pod')} diagnosed`);
  if (nodeLevel > 0) parts.push(`${plural(nodeLevel, 'node-level problem')}`);
  if (parts.length === 0) parts.push('no failing pod diagnosed, but findings need attention');
  return parts.join('; ');
}

export function checkedText(result: AnalysisResult): string {
  const { stats, bundle } = result;
  const nodes = bundle.nodes.length > 0 ? ` from ${plural(bundle.nodes.length, 'node')} (${listNames(bundle.nodes)})` : '';
  return `Ran ${plural(stats.rulesRun, 'rule')} over ${plural(stats.files, 'file')} (${plural(stats.records, 'record')})${nodes} in ${(stats.durationMs / 1000).toFixed(1)} s`;
}

export function allClearText(result: AnalysisResult): string {
  const unsure = result.inconclusive.length > 0 ? ` ${plural(result.inconclusive.length, 'rule')} could not decide; see "Not enough evidence".` : '';
  const lacks = result.gaps.length > 0 ? ` The bundle lacks ${plural(result.gaps.length, 'artifact')}; see "What this bundle lacks".` : '';
  return `No failing pod and no critical or warning finding. ${checkedText(result)}.${unsure}${lacks}`;
}

/**
 * A remediation command as the lines to show, never re-wrapped: what the reader copies is what the
 * analyzer wrote. Newlines in the command stay line breaks; other controls become visible.
 */
export function commandLines(command: string): string[] {
  return multiLine(command).replace(/\n+$/, '').split('\n');
}

/**
 * The timeline a compact report shows: the entries that explain the failure (errors, entries cited by
 * a causal chain, entries about a diagnosed pod or node), kept in time order. `omitted` says how
 * many were left out so the report can tell the reader.
 */
export function selectTimeline(result: AnalysisResult, limit = TIMELINE_LIMIT): { entries: TimelineEntry[]; omitted: number } {
  const ordered = [...result.timeline].sort(compareTimeline);
  if (ordered.length <= limit) return { entries: ordered, omitted: 0 };
  const cited = new Set(result.diagnoses.flatMap((d) => d.causalChain.flatMap((l) => (l.citation ? [citationLabel(l.citation)] : []))));
  const pods = new Set(result.diagnoses.flatMap((d) => (d.pod === null ? [] : [d.pod])));
  const nodes = new Set(result.diagnoses.flatMap((d) => [...d.blastRadius.nodes, ...(d.node === null ? [] : [d.node])]));
  const score = (e: TimelineEntry): number =>
    (cited.has(citationLabel(e.citation)) ? 0 : 8) +
    (e.severity === 'error' ? 0 : e.severity === 'warning' ? 2 : 4) +
    (e.pod !== null && pods.has(e.pod) ? 0 : 1) +
    (e.node !== null && nodes.has(e.node) ? 0 : 1);
  const keep = new Set(
    ordered
      .map((entry, index) => ({ entry, index, score: score(entry) }))
      .sort((a, b) => a.score - b.score || a.index - b.index)
      .slice(0, limit)
      .map((x) => x.index),
  );
  return { entries: ordered.filter((_, index) => keep.has(index)), omitted: ordered.length - limit };
}
