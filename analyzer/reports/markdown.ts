import type { AnalysisResult, Citation, Diagnosis, Finding, RemediationStep } from '../model.js';
import {
  SEVERITY_LABEL,
  SOURCE_LABEL,
  STAGE_LABEL,
  TIMELINE_LIMIT,
  allClearText,
  blastRadiusHeadline,
  checkedText,
  citationLabel,
  commandLines,
  completionText,
  describeAlternative,
  findingCountsText,
  hasProblems,
  inReportOrder,
  integrityHeadline,
  integrityLine,
  multiLine,
  oneLine,
  ownChainLinks,
  plural,
  redactionText,
  scopeText,
  selectTimeline,
  skewText,
  subjectLabel,
  suspectFiles,
  truncateMiddle,
  verdict,
  withFirstOfCause,
} from './format-common.js';

export interface MarkdownReportOptions {
  /** Every timeline entry instead of the most relevant ones. */
  verbose?: boolean;
}

/** Excerpts in tables stay short enough for a ticket; the JSON and HTML reports carry them whole. */
const EXCERPT_MAX = 240;

/**
 * Prose that may carry bundle names. Backslash-escaping every Markdown punctuation mark keeps a pod
 * called `<script>` or `*prod*` literal in GitHub, GitLab and Jira renderers alike, and `\|` keeps a
 * pipe from splitting a table cell.
 */
export function mdText(text: string): string {
  return oneLine(text).replace(/[\\`*_[\]<>|~&#]/g, (ch) => `\\${ch}`);
}

/**
 * An inline code span that survives backticks inside it (CommonMark: a longer fence, padded).
 * In a table cell GFM splits the row on `|` before it parses code spans, so pipes are escaped even
 * there (`\|` renders as `|`). A backslash right before a pipe cannot be written inside a code
 * span in a table at all (`\\|` ends the cell), so such text falls back to escaped prose.
 */
export function codeSpan(text: string, inTable = false): string {
  const value = oneLine(text);
  if (value.length === 0) return '';
  if (inTable && value.includes('\\|')) return mdText(value);
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') || (value.startsWith(' ') && value.endsWith(' ')) ? ' ' : '';
  const span = `${fence}${pad}${value}${pad}${fence}`;
  return inTable ? span.replace(/\|/g, '\\|') : span;
}

/** Rows of cells that are already table-safe (built with mdText or codeSpan(…, true)). */
export function mdTable(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => line(header.map((_, i) => row[i] ?? '')))];
}

/**
 * A fenced block longer than any backtick run inside it, so a pasted command cannot close it.
 * `indent` places it inside a list item; every line gets it, including those of a multi-line command.
 */
export function fenced(lines: string[], lang: string, indent = ''): string[] {
  const body = lines.flatMap((line) => multiLine(line).split('\n'));
  const longest = Math.max(2, ...body.flatMap((l) => (l.match(/`+/g) ?? []).map((run) => run.length)));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, ...body, fence].map((line) => (line.length > 0 ? `${indent}${line}` : line));
}

/** A step's text as prose and its command, if it has one, as an `sh` block ready to paste. */
function stepLines(step: RemediationStep, indent = ''): string[] {
  return [`${indent}${mdText(step.text)}`, ...(step.command === undefined ? [] : fenced(commandLines(step.command), 'sh', indent))];
}

/** Numbered steps; a command's block sits inside its item (a fence may interrupt a paragraph). */
function remediationList(steps: readonly RemediationStep[]): string[] {
  return steps.flatMap((step, i) => {
    const marker = `${i + 1}. `;
    const [first = '', ...rest] = stepLines(step, ' '.repeat(marker.length));
    return [`${marker}${first.trimStart()}`, ...rest];
  });
}

/** The one-line form for the summary: the text, then the command as a code span. */
function nextStepInline(nextStep: RemediationStep): string {
  return nextStep.command === undefined ? mdText(nextStep.text) : `${mdText(nextStep.text)} ${codeSpan(nextStep.command)}`;
}

function summary(result: AnalysisResult): string[] {
  const lines = [`**cni-evidence: ${mdText(verdict(result))}** · ${mdText(findingCountsText(result.findings))}`, ''];
  if (!hasProblems(result)) {
    lines.push(mdText(allClearText(result)));
  } else {
    for (const { diagnosis: d, first } of withFirstOfCause(result.diagnoses)) {
      const who = d.pod !== null ? `${codeSpan(d.pod)} on ${d.node === null ? 'an unknown node' : codeSpan(d.node)}` : d.node !== null ? `node ${codeSpan(d.node)} (no failing pod)` : 'cluster-wide';
      const next = first === null ? `Next: ${nextStepInline(d.nextStep)}` : `Same cause as ${codeSpan(first.pod ?? first.node ?? '')}.`;
      lines.push(`- ${who}: **${mdText(d.title)}** (${d.severity}, ${d.confidence} confidence). ${next}`);
    }
    if (result.diagnoses.length === 0) {
      for (const f of result.findings.filter((x) => x.severity !== 'info')) lines.push(`- **${mdText(f.title)}** (${f.severity}, ${f.confidence} confidence)`);
    }
  }
  const { bundle } = result;
  lines.push('');
  lines.push(
    `Bundle ${codeSpan(bundle.location)}, created ${mdText(bundle.createdAt)}, mode ${mdText(bundle.mode)}, ${mdText(bundle.completion.state)}. ${mdText(redactionText(bundle))}.`,
  );
  const integrity = integrityHeadline(bundle);
  if (integrity !== null) {
    lines.push('', `> **⚠ ${mdText(integrity)}**`);
    for (const problem of bundle.integrity.problems) lines.push(`> - ${mdText(integrityLine(problem))}`);
  }
  if (bundle.completion.state !== 'complete') lines.push('', `> **⚠ ${mdText(completionText(bundle))}**`);
  return lines;
}

function proof(citation: Citation, suspect: Map<string, string>): string {
  const kind = suspect.get(citation.file);
  return `${codeSpan(citationLabel(citation), true)}${kind === undefined ? '' : ` **⚠ ${mdText(kind)}**`}`;
}

function chainTable(links: Diagnosis['causalChain'], suspect: Map<string, string>): string[] {
  return mdTable(
    ['#', 'Stage', 'What happened', 'Proof'],
    links.map((link, i) => [String(i + 1), STAGE_LABEL[link.stage], mdText(link.text), link.citation ? proof(link.citation, suspect) : '']),
  );
}

function diagnosisSection(d: Diagnosis, index: number, first: Diagnosis | null, result: AnalysisResult): string[] {
  const lines = [
    `### ${index + 1}. ${mdText(subjectLabel(d))}: ${mdText(d.title)}`,
    '',
    `**${SEVERITY_LABEL[d.severity]}**, ${d.confidence} confidence · rule ${codeSpan(d.ruleId)} · finding ${codeSpan(d.findingId)}`,
    '',
  ];
  if (first !== null) {
    // Same finding as an earlier pod: only this pod's own proof, the rest is said once above.
    const own = ownChainLinks(d, first);
    lines.push(`Same root cause, blast radius and next step as ${codeSpan(first.pod ?? first.node ?? '')} above.`, '');
    if (own.length > 0) lines.push('Proof for this pod:', '', ...chainTable(own, suspectFiles(result)), '');
    return lines;
  }
  lines.push(mdText(d.summary), '');
  if (d.causalChain.length > 0) lines.push(...chainTable(d.causalChain, suspectFiles(result)), '');
  lines.push(`**Blast radius:** ${mdText(blastRadiusHeadline(d.blastRadius))}.`);
  if (d.blastRadius.pods.length > 0) lines.push(`Failing: ${d.blastRadius.pods.slice(0, 20).map((pod) => codeSpan(pod)).join(', ')}${d.blastRadius.pods.length > 20 ? ` and ${d.blastRadius.pods.length - 20} more` : ''}.`);
  if (d.blastRadius.explanation) lines.push(mdText(d.blastRadius.explanation));
  lines.push('', '**Next step:**', '', ...stepLines(d.nextStep));
  if (d.alternatives.length > 0) {
    lines.push('', `Also considered: ${d.alternatives.map((alt) => mdText(describeAlternative(alt, result.findings))).join('; ')}.`);
  }
  lines.push('');
  return lines;
}

function findingSection(f: Finding, diagnosed: Set<string>, suspect: Map<string, string>): string[] {
  const notes = [
    `**${SEVERITY_LABEL[f.severity]}**`,
    `${f.confidence} confidence`,
    `rule ${codeSpan(f.ruleId)}`,
    `id ${codeSpan(f.id)}`,
    mdText(scopeText(f.scope)),
    ...(diagnosed.has(f.id) ? ['root cause of a diagnosis'] : []),
    ...(f.cni ? [] : ['not a CNI problem (same symptom, other cause)']),
  ];
  const lines = [`### ${SEVERITY_LABEL[f.severity]}: ${mdText(f.title)}`, '', notes.join(' · '), '', mdText(f.message), ''];
  if (f.citations.length > 0) {
    lines.push(
      ...mdTable(
        ['Where', 'Excerpt'],
        f.citations.map((c) => [proof(c, suspect), codeSpan(truncateMiddle(c.excerpt.trim(), EXCERPT_MAX), true)]),
      ),
      '',
    );
  }
  if (f.remediation.length > 0) lines.push('**Remediation:**', '', ...remediationList(f.remediation), '');
  if (f.confirmWith.length > 0) lines.push('**To confirm, collect:**', '', ...f.confirmWith.map((c) => `- ${mdText(c)}`), '');
  return lines;
}

/**
 * The ticket report: a few summary lines a support engineer pastes as is, then the details
 * (tables, citations as `file:line` with excerpts, remediation steps with their commands as `sh` blocks).
 */
export function renderMarkdown(input: AnalysisResult, options: MarkdownReportOptions = {}): string {
  const result = inReportOrder(input);
  const lines: string[] = [...summary(result), ''];

  if (result.diagnoses.length > 0) {
    lines.push('## Diagnoses', '');
    withFirstOfCause(result.diagnoses).forEach(({ diagnosis, first }, i) => lines.push(...diagnosisSection(diagnosis, i, first, result)));
  }

  lines.push('## Findings', '');
  if (result.findings.length === 0) lines.push('None.', '');
  else {
    lines.push(
      ...mdTable(
        ['Severity', 'Confidence', 'Rule', 'Title', 'Scope'],
        result.findings.map((f) => [SEVERITY_LABEL[f.severity], f.confidence, codeSpan(f.ruleId, true), mdText(f.title), mdText(scopeText(f.scope))]),
      ),
      '',
    );
    const diagnosed = new Set(result.diagnoses.map((d) => d.findingId));
    const suspect = suspectFiles(result);
    for (const f of result.findings) lines.push(...findingSection(f, diagnosed, suspect));
  }

  const { entries, omitted } = options.verbose ? { entries: result.timeline, omitted: 0 } : selectTimeline(result, TIMELINE_LIMIT);
  lines.push(`## Timeline (${plural(result.timeline.length, 'entry', 'entries')})`, '');
  if (omitted > 0) lines.push(`The ${entries.length} most relevant entries; ${omitted} more are in the JSON and HTML reports.`, '');
  if (entries.length === 0) lines.push('No timestamped evidence in this bundle.', '');
  else {
    lines.push(
      ...mdTable(
        ['Time', 'Node', 'Pod', 'Source', 'What', 'Proof'],
        entries.map((e) => [
          codeSpan(e.time, true),
          e.node === null ? '' : codeSpan(e.node, true),
          e.pod === null ? '' : codeSpan(e.pod, true),
          `${SOURCE_LABEL[e.source]}${e.severity === 'info' ? '' : ` (${e.severity})`}`,
          mdText(truncateMiddle(e.text, EXCERPT_MAX)),
          codeSpan(citationLabel(e.citation), true),
        ]),
      ),
      '',
    );
  }

  lines.push(`## What this bundle lacks (${result.gaps.length})`, '');
  if (result.gaps.length === 0) lines.push('Nothing: every artifact the manifest lists was collected in full.', '');
  else {
    lines.push(
      ...mdTable(
        ['Artifact', 'Node', 'Status', 'Reason'],
        result.gaps.map((g) => [codeSpan(g.path, true), g.node === null ? '' : codeSpan(g.node, true), mdText(g.status), mdText(g.reason)]),
      ),
      '',
    );
  }

  lines.push(`## Not enough evidence (${result.inconclusive.length})`, '');
  if (result.inconclusive.length === 0) lines.push('Every rule had the evidence it needed.', '');
  else {
    lines.push(
      ...mdTable(
        ['Rule', 'Scope', 'Why it could not decide', 'Needs'],
        result.inconclusive.map((i) => [codeSpan(i.ruleId, true), mdText(scopeText(i.scope)), mdText(i.reason), i.missing.map(mdText).join('; ')]),
      ),
      '',
    );
  }

  if (result.clockSkew.length > 0) {
    lines.push('## Clock skew', '', ...result.clockSkew.map((s) => `- ${mdText(skewText(s))}`), '', 'Timeline times are shown as found, not shifted.', '');
  }
  if (result.parseProblems.length > 0) {
    const shown = options.verbose ? result.parseProblems : result.parseProblems.slice(0, 10);
    lines.push(`## Parse problems (${result.parseProblems.length})`, '', ...shown.map((p) => `- ${codeSpan(citationLabel(p))}: ${mdText(p.message)}`));
    if (shown.length < result.parseProblems.length) lines.push(`- … and ${result.parseProblems.length - shown.length} more`);
    lines.push('');
  }

  lines.push('---', '', `${mdText(checkedText(result))}. cni-evidence ${mdText(result.tool.version)}, analyzed ${mdText(result.analyzedAt)}.`);
  return `${lines.join('\n')}\n`;
}
