import { styleText } from 'node:util';
import type { AnalysisResult, Diagnosis, Finding, RemediationStep, TimelineEntry } from '../model.js';
import {
  SOURCE_LABEL,
  STAGE_LABEL,
  allClearText,
  blastRadiusHeadline,
  checkedText,
  citationLabel,
  commandLines,
  completionText,
  describeAlternative,
  findingCountsText,
  gapSubject,
  hasProblems,
  inReportOrder,
  integrityHeadline,
  integrityLine,
  listNames,
  oneLine,
  ownChainLinks,
  plural,
  redactionText,
  scopeText,
  selectTimeline,
  sharedDate,
  skewText,
  subjectLabel,
  suspectFiles,
  truncateMiddle,
  verdict,
  withFirstOfCause,
} from './format-common.js';

export interface TextReportOptions {
  /** ANSI colour; the CLI turns it on for a TTY without NO_COLOR. */
  color: boolean;
  /** Every timeline entry, full excerpts, every parse problem. */
  verbose?: boolean;
}

const WIDTH = 100;
/** Beyond this many pods with one root cause, the rest are listed on one line (unless verbose). */
const FULL_BLOCKS_PER_CAUSE = 3;

type Style = Parameters<typeof styleText>[0];

const SEVERITY_STYLE: Record<Finding['severity'], Style> = { critical: ['red', 'bold'], warning: ['yellow', 'bold'], info: ['cyan', 'bold'] };
const ENTRY_MARK: Record<TimelineEntry['severity'], { mark: string; style: Style }> = {
  error: { mark: '✖', style: 'red' },
  warning: { mark: '▲', style: 'yellow' },
  info: { mark: '·', style: 'dim' },
};

/** Width as the reader sees it: our own colour codes take no columns (bundle text has none left). */
function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

class TextWriter {
  readonly lines: string[] = [];

  constructor(
    private readonly color: boolean,
    readonly verbose: boolean,
  ) {}

  paint(style: Style, text: string): string {
    // validateStream: false because the CLI already decided; styleText would otherwise look at
    // process.stdout and drop colour whenever the report is built while stdout is a pipe.
    return this.color && text.length > 0 ? styleText(style, text, { validateStream: false }) : text;
  }

  line(text = ''): void {
    this.lines.push(text);
  }

  /**
   * Word-wraps untrusted text to the report width with a hanging indent. A word longer than the
   * line (a 64-hex sandbox id, a path) stays whole rather than being cut in the middle.
   */
  para(text: string, first: string, rest = ' '.repeat(first.length), style?: Style): void {
    const words = oneLine(text).split(' ').filter((word) => word.length > 0);
    let prefix = first;
    let body = '';
    let room = WIDTH - visibleLength(first);
    const flush = () => {
      this.lines.push(`${prefix}${style ? this.paint(style, body) : body}`.trimEnd());
      prefix = rest;
      body = '';
      room = WIDTH - visibleLength(rest);
    };
    for (const word of words) {
      if (body.length > 0 && body.length + 1 + word.length > room) flush();
      body = body.length > 0 ? `${body} ${word}` : word;
    }
    flush();
  }

  /**
   * A command after a `$` prompt, each of its lines whole: never word-wrapped, so a copied line runs
   * as written (a terminal wraps a long one without changing it).
   */
  command(command: string, indent: string): void {
    commandLines(command).forEach((line, i) => {
      this.lines.push(`${indent}${i === 0 ? this.paint('dim', '$') : ' '} ${this.paint('green', line)}`.trimEnd());
    });
  }

  /** A remediation step: its text as prose, then its command (if any) on an indented `$` line. */
  step(step: RemediationStep, first: string, rest: string, style?: Style): void {
    this.para(step.text, first, rest, style);
    if (step.command !== undefined) this.command(step.command, rest);
  }

  heading(title: string): void {
    this.line();
    const text = `── ${title} `;
    this.line(this.paint('bold', text + '─'.repeat(Math.max(3, WIDTH - text.length))));
  }
}

function header(out: TextWriter, result: AnalysisResult): void {
  const { bundle } = result;
  out.line(out.paint('bold', `cni-evidence analysis of ${oneLine(bundle.location)}`));
  const nodes = bundle.nodes.length > 0 ? `${plural(bundle.nodes.length, 'node')}: ${listNames(bundle.nodes.map(oneLine))}` : 'no nodes';
  out.para(
    `Bundle created ${bundle.createdAt} · mode ${bundle.mode} · ${bundle.completion.state} · ${nodes}`,
    '',
  );
  out.para(redactionText(bundle), '', '', bundle.redacted ? undefined : ['yellow', 'bold']);
  const integrity = integrityHeadline(bundle);
  if (integrity !== null) {
    out.para(`!! ${integrity}`, '', '   ', ['red', 'bold']);
    const shown = out.verbose ? bundle.integrity.problems : bundle.integrity.problems.slice(0, 10);
    for (const problem of shown) out.para(integrityLine(problem), '   - ', '     ');
    if (shown.length < bundle.integrity.problems.length) {
      out.line(`   … and ${bundle.integrity.problems.length - shown.length} more (--verbose shows all)`);
    }
  }
  if (bundle.completion.state !== 'complete') out.para(`!! ${completionText(bundle)}`, '', '   ', ['yellow', 'bold']);
  if (hasProblems(result)) {
    out.line();
    out.para(`${verdict(result)} · ${findingCountsText(result.findings)}`, '', '', 'bold');
  }
}

function suspectNote(out: TextWriter, suspect: Map<string, string>, file: string): string {
  const kind = suspect.get(file);
  return kind === undefined ? '' : ` ${out.paint(['red', 'bold'], `!! ${oneLine(kind)}`)}`;
}

function diagnosisHead(out: TextWriter, diagnosis: Diagnosis): void {
  out.line();
  out.para(subjectLabel(diagnosis), out.paint('bold', '▶ '), '  ', 'bold');
  out.para(
    `${diagnosis.title} [${diagnosis.confidence} confidence]`,
    `  ${out.paint(SEVERITY_STYLE[diagnosis.severity], diagnosis.severity.toUpperCase())}  `,
    '  ',
    'bold',
  );
}

function chain(out: TextWriter, links: Diagnosis['causalChain'], title: string, suspect: Map<string, string>): void {
  if (links.length === 0) return;
  out.line(`  ${title}`);
  const width = Math.max(...links.map((link) => STAGE_LABEL[link.stage].length));
  for (const link of links) {
    const label = STAGE_LABEL[link.stage].padEnd(width);
    const indent = ' '.repeat(6 + width + 2);
    out.para(link.text, `    → ${label}  `, indent);
    if (link.citation) out.line(`${indent}${out.paint('dim', `↳ ${oneLine(citationLabel(link.citation))}`)}${suspectNote(out, suspect, link.citation.file)}`);
  }
}

function diagnosisBlock(out: TextWriter, diagnosis: Diagnosis, result: AnalysisResult): void {
  diagnosisHead(out, diagnosis);
  out.para(diagnosis.summary, '  ');
  chain(out, diagnosis.causalChain, 'Causal chain:', suspectFiles(result));
  out.para(blastRadiusHeadline(diagnosis.blastRadius), '  Blast radius: ', ' '.repeat(16));
  if (diagnosis.blastRadius.pods.length > 1) out.para(`Failing: ${listNames(diagnosis.blastRadius.pods)}`, ' '.repeat(16));
  if (diagnosis.blastRadius.explanation) out.para(diagnosis.blastRadius.explanation, ' '.repeat(16));
  out.step(diagnosis.nextStep, `  ${out.paint(['bold', 'green'], 'NEXT STEP:')} `, '             ', 'bold');
  if (diagnosis.alternatives.length > 0) {
    out.para(
      `Also considered: ${diagnosis.alternatives.map((alt) => describeAlternative(alt, result.findings)).join('; ')}`,
      '  ',
      '    ',
      'dim',
    );
  }
}

/**
 * A later pod with the same root cause: repeating the summary, blast radius and next step would
 * bury the other diagnoses, so only what is proven for this pod in particular is shown.
 */
function repeatBlock(out: TextWriter, diagnosis: Diagnosis, first: Diagnosis, suspect: Map<string, string>): void {
  diagnosisHead(out, diagnosis);
  out.para(`Same root cause, blast radius and next step as ${first.pod ?? first.node ?? 'above'}.`, '  ');
  chain(out, ownChainLinks(diagnosis, first), 'Proof for this pod:', suspect);
}

function answer(out: TextWriter, result: AnalysisResult): void {
  if (!hasProblems(result)) {
    out.line();
    out.para('No problem found.', `${out.paint(['green', 'bold'], '✔')} `, '  ', ['green', 'bold']);
    out.para(allClearText(result), '  ');
    if (result.findings.length > 0) out.para(`${findingCountsText(result.findings)}, for the record.`, '  ');
    return;
  }
  const collapsed = new Map<string, Diagnosis[]>();
  for (const { diagnosis, first, nth } of withFirstOfCause(result.diagnoses)) {
    if (first === null) diagnosisBlock(out, diagnosis, result);
    else if (out.verbose || nth <= FULL_BLOCKS_PER_CAUSE) repeatBlock(out, diagnosis, first, suspectFiles(result));
    else collapsed.set(diagnosis.findingId, [...(collapsed.get(diagnosis.findingId) ?? []), diagnosis]);
  }
  for (const [, rest] of collapsed) {
    out.line();
    out.para(
      `Same root cause for ${plural(rest.length, 'more pod')}: ${listNames(rest.map((d) => d.pod ?? d.node ?? '?'), 12)} (--verbose shows each)`,
      '▶ ',
      '  ',
    );
  }
}

function findingBlock(out: TextWriter, finding: Finding, diagnosed: Set<string>, suspect: Map<string, string>): void {
  out.line();
  out.para(finding.title, `  ${out.paint(SEVERITY_STYLE[finding.severity], finding.severity.toUpperCase().padEnd(8))}  `, ' '.repeat(12), 'bold');
  const notes = [
    `${finding.confidence} confidence`,
    `rule ${finding.ruleId}`,
    scopeText(finding.scope),
    ...(diagnosed.has(finding.id) ? ['root cause of a diagnosis above'] : []),
    ...(finding.cni ? [] : ['not a CNI problem: same symptom, other cause']),
  ];
  out.para(notes.join(' · '), '    ', '    ', 'dim');
  out.para(finding.message, '    ');
  if (finding.citations.length > 0) {
    out.line('    Evidence:');
    for (const citation of finding.citations) {
      out.line(`      ${out.paint('bold', oneLine(citationLabel(citation)))}${suspectNote(out, suspect, citation.file)}`);
      const excerpt = out.verbose ? citation.excerpt : truncateMiddle(citation.excerpt.trim(), 2 * (WIDTH - 10));
      if (excerpt.length > 0) out.para(excerpt, '        │ ', '        │ ', 'dim');
    }
  }
  if (finding.remediation.length > 0) {
    out.line('    Fix:');
    finding.remediation.forEach((step, i) => {
      const number = `${i + 1}. `;
      out.step(step, `      ${number}`, ' '.repeat(6 + number.length));
    });
  }
  if (finding.confirmWith.length > 0) {
    out.line('    To confirm, collect:');
    for (const item of finding.confirmWith) out.para(item, '      - ', '        ');
  }
}

function findings(out: TextWriter, result: AnalysisResult): void {
  out.heading(`Findings: ${findingCountsText(result.findings)}`);
  if (result.findings.length === 0) {
    out.line('  None.');
    return;
  }
  const diagnosed = new Set(result.diagnoses.map((d) => d.findingId));
  const suspect = suspectFiles(result);
  for (const finding of result.findings) findingBlock(out, finding, diagnosed, suspect);
}

function timeline(out: TextWriter, result: AnalysisResult): void {
  const { entries, omitted } = out.verbose ? { entries: [...result.timeline], omitted: 0 } : selectTimeline(result);
  const count = omitted > 0
    ? `${entries.length} most relevant of ${result.timeline.length} entries (${omitted} left out; --verbose shows all)`
    : plural(entries.length, 'entry', 'entries');
  const date = sharedDate(entries);
  out.heading(`Timeline${date === null ? '' : ` of ${date}`}: ${count}`);
  if (entries.length === 0) {
    out.line('  No timestamped evidence in this bundle.');
    return;
  }
  const shownTime = (entry: TimelineEntry) => oneLine(date === null ? entry.time : entry.time.slice(11));
  const timeWidth = Math.min(32, Math.max(...entries.map((e) => shownTime(e).length)));
  const nodeWidth = Math.min(20, Math.max(1, ...entries.map((e) => oneLine(e.node ?? '-').length)));
  const sourceWidth = Math.max(...entries.map((e) => SOURCE_LABEL[e.source].length));
  for (const entry of entries) {
    const { mark, style } = ENTRY_MARK[entry.severity];
    const columns = `${shownTime(entry).padEnd(timeWidth)}  ${oneLine(entry.node ?? '-').padEnd(nodeWidth)}  ${SOURCE_LABEL[entry.source].padEnd(sourceWidth)}  `;
    const indent = ' '.repeat(4 + columns.length);
    const pod = entry.pod !== null ? `[${entry.pod}] ` : '';
    const textRoom = (WIDTH - indent.length) * 2;
    const text = out.verbose ? `${pod}${entry.text}` : truncateMiddle(oneLine(`${pod}${entry.text}`), textRoom);
    out.para(text, `  ${out.paint(style, mark)} ${columns}`, indent, entry.severity === 'error' ? 'bold' : undefined);
    out.line(`${indent}${out.paint('dim', `↳ ${oneLine(citationLabel(entry.citation))}`)}`);
  }
}

function gaps(out: TextWriter, result: AnalysisResult): void {
  out.heading(`What this bundle lacks: ${result.gaps.length === 0 ? 'nothing' : plural(result.gaps.length, 'artifact')}`);
  if (result.gaps.length === 0) {
    out.line('  Nothing: every artifact the manifest lists was collected in full.');
    return;
  }
  const width = Math.max(...result.gaps.map((g) => g.status.length));
  for (const gap of result.gaps) {
    out.para(gapSubject(gap), `  ${out.paint('yellow', oneLine(gap.status).padEnd(width))}  `, ' '.repeat(width + 4));
    if (gap.reason) out.para(gap.reason, ' '.repeat(width + 4), ' '.repeat(width + 4), 'dim');
  }
}

function inconclusive(out: TextWriter, result: AnalysisResult): void {
  out.heading(`Not enough evidence: ${result.inconclusive.length === 0 ? 'none' : `${plural(result.inconclusive.length, 'rule')} could not decide`}`);
  if (result.inconclusive.length === 0) {
    out.line('  Every rule had the evidence it needed.');
    return;
  }
  for (const item of result.inconclusive) {
    out.para(`${item.ruleId} (${scopeText(item.scope)})`, '  ', '    ', 'bold');
    out.para(item.reason, '    ');
    if (item.missing.length > 0) out.para(`Needs: ${item.missing.join('; ')}`, '    ', '           ');
  }
}

function extras(out: TextWriter, result: AnalysisResult): void {
  if (result.clockSkew.length > 0) {
    out.heading('Clock skew');
    for (const skew of result.clockSkew) out.para(skewText(skew), '  ', '    ');
    out.line('  Timeline times are shown as found, not shifted.');
  }
  if (result.parseProblems.length > 0) {
    out.heading(`Parse problems: ${plural(result.parseProblems.length, 'line')} could not be read`);
    const shown = out.verbose ? result.parseProblems : result.parseProblems.slice(0, 5);
    for (const problem of shown) out.para(`${citationLabel(problem)}: ${problem.message}`, '  ', '    ');
    if (shown.length < result.parseProblems.length) out.line(`  … and ${result.parseProblems.length - shown.length} more (--verbose shows all)`);
  }
}

/** The terminal report: the answer first, then the proof, then what the bundle could not show. */
export function renderText(input: AnalysisResult, options: TextReportOptions): string {
  const result = inReportOrder(input);
  const out = new TextWriter(options.color, options.verbose === true);
  header(out, result);
  answer(out, result);
  findings(out, result);
  timeline(out, result);
  gaps(out, result);
  inconclusive(out, result);
  extras(out, result);
  out.line();
  out.para(`${checkedText(result)}.`, '', '', 'dim');
  out.line(out.paint('dim', `cni-evidence ${oneLine(result.tool.version)}, analyzed ${oneLine(result.analyzedAt)}.`));
  return `${out.lines.join('\n')}\n`;
}
