import { createHash } from 'node:crypto';
import type { AnalysisResult, Citation, Diagnosis, Finding, RemediationStep, TimelineEntry } from '../model.js';
import {
  SEVERITY_LABEL,
  SOURCE_LABEL,
  STAGE_LABEL,
  allClearText,
  blastRadiusHeadline,
  checkedText,
  citationLabel,
  completionText,
  describeAlternative,
  findingCountsText,
  gapSubject,
  hasProblems,
  inReportOrder,
  integrityHeadline,
  integrityLine,
  listNames,
  multiLine,
  oneLine,
  ownChainLinks,
  plural,
  redactionText,
  scopeText,
  skewText,
  subjectLabel,
  suspectFiles,
  verdict,
  withFirstOfCause,
} from './format-common.js';

/** Every string from the bundle is untrusted (a pod can be named `<script>…`): escape it all. */
function esc(text: string): string {
  return oneLine(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/**
 * Escaped, with line-break opportunities after each `/` (and before the `T` of a timestamp) so a
 * narrow table column wraps `nodes/node-2/journal/` whole instead of splitting words anywhere.
 */
function escPath(text: string): string {
  return esc(text).replace(/\//g, '/<wbr>').replace(/^(\d{4}-\d{2}-\d{2})T/, '$1<wbr>T');
}

/** Like esc, for `<pre>` blocks where line breaks carry meaning. */
function escBlock(text: string): string {
  return multiLine(text).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

// The only script: filters the timeline. It reads no data from the page other than row text and
// writes only textContent and `hidden`, so nothing in the bundle can become markup through it.
const SCRIPT = `(() => {
  const input = document.getElementById('timeline-filter');
  const count = document.getElementById('timeline-count');
  const empty = document.getElementById('timeline-empty');
  if (!input || !count || !empty) return;
  const rows = Array.from(document.querySelectorAll('#timeline tbody tr'));
  const texts = rows.map((row) => row.textContent.toLowerCase());
  const apply = () => {
    const terms = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    rows.forEach((row, i) => {
      const match = terms.every((term) => texts[i].includes(term));
      row.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = shown === rows.length ? rows.length + ' entries' : shown + ' of ' + rows.length + ' entries';
    empty.hidden = shown > 0;
  };
  input.addEventListener('input', apply);
  apply();
})();`;

// default-src 'none' makes "no network" a property of the page, not just of this renderer: even a
// tag that slipped through escaping could not load or send anything, and only SCRIPT may run.
const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  `script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const CSS = `
:root {
  --bg: #ffffff; --fg: #1c2230; --muted: #5a6376; --line: #dde2ea; --panel: #f6f8fb; --code: #eef1f6;
  --crit: #a8261b; --crit-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff3d6; --info: #0b5aa6; --info-bg: #e7f0fb;
  --ok: #1b7a3a; --ok-bg: #e5f4ea; --accent: #3451b2;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171d; --fg: #e4e7ee; --muted: #9aa3b5; --line: #2d333f; --panel: #1b1f27; --code: #242a35;
    --crit: #ff8a80; --crit-bg: #3a1d1b; --warn: #ffc857; --warn-bg: #3a2f14; --info: #8ab8ff; --info-bg: #18283f;
    --ok: #7ddc9a; --ok-bg: #163222; --accent: #9fb3ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header.top { background: var(--panel); border-bottom: 1px solid var(--line); padding: 18px 0 14px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 4px 0 6px; }
h4 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 0 6px; }
code, pre, .mono { font-family: var(--mono); font-size: 13px; }
code { background: var(--code); padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
pre { background: var(--code); padding: 10px 12px; border-radius: 6px; margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre code { background: none; padding: 0; }
.location { margin: 0 0 8px; color: var(--muted); }
.facts { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 0 0 10px; color: var(--muted); }
.facts b { color: var(--fg); font-weight: 600; }
.flags { display: flex; flex-wrap: wrap; gap: 8px; }
.flag { border-radius: 999px; padding: 2px 12px; font-size: 13px; font-weight: 600; }
.flag.ok { background: var(--ok-bg); color: var(--ok); }
.flag.warn { background: var(--warn-bg); color: var(--warn); }
.banner { margin-top: 12px; border-radius: 6px; padding: 10px 14px; font-weight: 600; }
.banner ul { margin: 6px 0 0; font-weight: 400; }
.banner.danger { background: var(--crit-bg); color: var(--crit); border: 1px solid var(--crit); }
.banner.warning { background: var(--warn-bg); color: var(--warn); border: 1px solid var(--warn); }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px 18px; padding-top: 12px; padding-bottom: 4px; font-size: 14px; }
nav.toc a { color: var(--accent); text-decoration: none; }
.verdict { font-size: 18px; font-weight: 600; margin: 0 0 14px; }
.card { border: 1px solid var(--line); border-left: 5px solid var(--line); border-radius: 8px; padding: 14px 18px; margin: 0 0 16px; background: var(--bg); }
.card.sev-critical { border-left-color: var(--crit); }
.card.sev-warning { border-left-color: var(--warn); }
.card.sev-info { border-left-color: var(--info); }
.card.all-clear { border-left-color: var(--ok); background: var(--ok-bg); }
.card-head { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; color: var(--muted); font-size: 14px; }
.subject { font-weight: 700; color: var(--fg); font-size: 16px; }
.scope { color: var(--muted); font-size: 14px; margin: 0 0 6px; }
.badge { display: inline-block; border-radius: 4px; padding: 0 8px; font-size: 12px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; line-height: 20px; }
.badge.sev-critical { background: var(--crit-bg); color: var(--crit); }
.badge.sev-warning { background: var(--warn-bg); color: var(--warn); }
.badge.sev-info { background: var(--info-bg); color: var(--info); }
.badge.conf { background: var(--code); color: var(--muted); }
.summary { font-size: 16px; margin: 6px 0 4px; }
ol.chain { list-style: none; padding: 0; margin: 4px 0; counter-reset: step; }
ol.chain li { position: relative; display: grid; grid-template-columns: 170px 1fr; gap: 0 12px; padding: 6px 0 6px 30px; border-left: 2px solid var(--line); margin-left: 8px; }
ol.chain li::before { counter-increment: step; content: counter(step); position: absolute; left: -11px; top: 6px; width: 20px; height: 20px; border-radius: 50%; background: var(--panel); border: 2px solid var(--line); font-size: 11px; text-align: center; line-height: 16px; color: var(--muted); }
.stage { font-weight: 600; }
.cite { color: var(--muted); white-space: nowrap; }
.next { background: var(--ok-bg); border-radius: 6px; padding: 8px 12px; margin: 10px 0 4px; }
.next strong { color: var(--ok); text-transform: uppercase; font-size: 13px; letter-spacing: .04em; margin-right: 6px; }
.next pre { background: var(--bg); }
ol.steps { margin: 4px 0; padding-left: 24px; }
ol.steps li { margin: 0 0 8px; }
.step-text { margin: 0 0 2px; }
.next .step-text { display: inline; }
.card a { color: var(--accent); }
/* One click selects the whole command; the prompt is drawn by CSS, so it is never copied with it. */
pre.cmd { user-select: all; -webkit-user-select: all; cursor: text; }
pre.cmd code::before { content: "$ "; color: var(--muted); user-select: none; -webkit-user-select: none; }
.muted { color: var(--muted); }
.msg { white-space: pre-line; }
details.cites { margin: 8px 0; }
details.cites summary { cursor: pointer; color: var(--accent); font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; font-size: 14px; }
th, td { text-align: left; vertical-align: top; border-bottom: 1px solid var(--line); padding: 5px 8px; }
th { background: var(--panel); font-weight: 600; position: sticky; top: 0; }
td { overflow-wrap: break-word; }
td.nowrap, th.nowrap { white-space: nowrap; overflow-wrap: normal; }
td pre { margin: 0; padding: 4px 8px; }
tr.sev-error td:first-child { box-shadow: inset 4px 0 var(--crit); }
tr.sev-warning td:first-child { box-shadow: inset 4px 0 var(--warn); }
tr.sev-error td.text { color: var(--crit); }
td.proof { min-width: 200px; }
td.proof code { white-space: normal; }
.filter { display: flex; gap: 12px; align-items: center; margin: 4px 0 8px; }
.filter input { flex: 1; max-width: 460px; font: inherit; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
footer { color: var(--muted); font-size: 13px; margin-top: 36px; padding-top: 12px; padding-bottom: 30px; border-top: 1px solid var(--line); }
`;

function code(text: string, testId?: string): string {
  return `<code${testId ? ` data-testid="${testId}"` : ''}>${esc(text)}</code>`;
}

function citationCode(citation: Citation, suspect: Map<string, string>, breakable = false): string {
  const title = citation.excerpt.trim() ? ` title="${esc(citation.excerpt.trim())}"` : '';
  const label = breakable ? escPath(citationLabel(citation)) : esc(citationLabel(citation));
  const kind = suspect.get(citation.file);
  const flag = kind === undefined ? '' : ` <span class="badge sev-critical" data-testid="suspect-citation" title="This file failed the bundle integrity check">⚠ ${esc(kind)}</span>`;
  return `<code class="cite" data-testid="citation"${title}>${label}</code>${flag}`;
}

function severityBadge(severity: Finding['severity']): string {
  return `<span class="badge sev-${esc(severity)}" data-testid="severity">${esc(SEVERITY_LABEL[severity] ?? severity)}</span>`;
}

function header(result: AnalysisResult): string {
  const { bundle } = result;
  const integrity = integrityHeadline(bundle);
  const partial = bundle.completion.state !== 'complete';
  return `<header class="top" data-testid="bundle-header"><div class="wrap">
<h1>cni-evidence analysis</h1>
<p class="location">${code(bundle.location)}</p>
<ul class="facts">
<li>Created <b>${esc(bundle.createdAt)}</b></li>
<li>Mode <b>${esc(bundle.mode)}</b></li>
<li>${bundle.nodes.length === 0 ? 'No nodes' : `${plural(bundle.nodes.length, 'node')}: <b>${esc(listNames(bundle.nodes, 8))}</b>`}</li>
<li>Bundle format <b>${esc(bundle.formatVersion)}</b></li>
<li>Analyzed <b>${esc(result.analyzedAt)}</b> by cni-evidence ${esc(result.tool.version)}</li>
</ul>
<div class="flags">
<span class="flag ${bundle.redacted ? 'ok' : 'warn'}" data-testid="redaction">${esc(redactionText(bundle))}</span>
<span class="flag ${partial ? 'warn' : 'ok'}" data-testid="completion">${partial ? 'Partial bundle' : 'Complete bundle'}</span>
<span class="flag ${integrity === null ? 'ok' : 'warn'}" data-testid="integrity-flag">${integrity === null ? 'Integrity OK' : 'Integrity problems'}</span>
</div>
${integrity === null ? '' : `<div class="banner danger" role="alert" data-testid="integrity">${esc(integrity)}<ul>${bundle.integrity.problems.map((p) => `<li>${esc(integrityLine(p))}</li>`).join('')}</ul></div>`}
${partial ? `<div class="banner warning" role="alert" data-testid="partial">${esc(completionText(bundle))}</div>` : ''}
</div></header>`;
}

function chainList(links: Diagnosis['causalChain'], suspect: Map<string, string>): string {
  return `<ol class="chain" data-testid="causal-chain">${links
    .map((link) => `<li><span class="stage">${esc(STAGE_LABEL[link.stage])}</span><span>${esc(link.text)}${link.citation ? ` ${citationCode(link.citation, suspect)}` : ''}</span></li>`)
    .join('')}</ol>`;
}

/** The `id` of a finding's card: only `[A-Za-z0-9_-]`, and distinct ids stay distinct. */
function findingAnchor(id: string): string {
  return `finding-${id.replace(/[^A-Za-z0-9-]/g, (ch) => `_${(ch.codePointAt(0) ?? 0).toString(16)}_`)}`;
}

/** A command as a block of its own, whole on copy: `<pre><code>` with nothing else inside. */
function commandBlock(command: string): string {
  return `<pre class="cmd" data-testid="command" title="Click to select the whole command"><code>${escBlock(command)}</code></pre>`;
}

/** A remediation step: its text as prose, then its command if it has one. */
function stepHtml(step: RemediationStep): string {
  return `<p class="step-text" data-testid="step-text">${esc(step.text)}</p>${step.command === undefined ? '' : commandBlock(step.command)}`;
}

/** Another cause the diagnosis considered, linked to its finding's card below. */
function alternativeHtml(findingId: string, findings: readonly Finding[]): string {
  const label = esc(describeAlternative(findingId, findings));
  return findings.some((f) => f.id === findingId) ? `<a href="#${findingAnchor(findingId)}" data-testid="alternative">${label}</a>` : label;
}

function diagnosisCard(d: Diagnosis, first: Diagnosis | null, result: AnalysisResult): string {
  const head = `<div class="card-head">${severityBadge(d.severity)}<span class="badge conf">${esc(d.confidence)} confidence</span><span class="subject" data-testid="diagnosis-subject">${esc(subjectLabel(d))}</span></div>
<h3 data-testid="diagnosis-title">${esc(d.title)}</h3>`;
  const attrs = `class="card diag sev-${esc(d.severity)}" data-testid="diagnosis-card" data-pod="${esc(d.pod ?? '')}" data-node="${esc(d.node ?? '')}"`;
  if (first !== null) {
    const own = ownChainLinks(d, first);
    return `<article ${attrs}>${head}
<p class="muted">Same root cause, blast radius and next step as ${code(first.pod ?? first.node ?? '')} above.</p>
${own.length > 0 ? `<h4>Proof for this pod</h4>${chainList(own, suspectFiles(result))}` : ''}</article>`;
  }
  const radius = d.blastRadius;
  return `<article ${attrs}>${head}
<p class="summary msg" data-testid="diagnosis-summary">${escBlock(d.summary)}</p>
${d.causalChain.length > 0 ? `<h4>Causal chain</h4>${chainList(d.causalChain, suspectFiles(result))}` : ''}
<h4>Blast radius</h4>
<p data-testid="blast-radius">${esc(blastRadiusHeadline(radius))}.${radius.pods.length > 0 ? ` Failing: ${radius.pods.slice(0, 20).map((p) => code(p)).join(', ')}${radius.pods.length > 20 ? ` and ${radius.pods.length - 20} more` : ''}.` : ''}${radius.explanation ? `<br>${esc(radius.explanation)}` : ''}</p>
<div class="next" data-testid="next-step"><strong>Next step</strong>${stepHtml(d.nextStep)}</div>
${d.alternatives.length > 0 ? `<p class="muted" data-testid="alternatives">Also considered: ${d.alternatives.map((alt) => alternativeHtml(alt, result.findings)).join('; ')}.</p>` : ''}
</article>`;
}

function answer(result: AnalysisResult): string {
  if (!hasProblems(result)) {
    return `<section id="answer" data-testid="answer"><h2>Answer</h2>
<article class="card all-clear" data-testid="all-clear"><h3>No problem found</h3><p>${esc(allClearText(result))}</p></article></section>`;
  }
  return `<section id="answer" data-testid="answer"><h2>Answer</h2>
<p class="verdict" data-testid="verdict">${esc(verdict(result))} · ${esc(findingCountsText(result.findings))}</p>
${withFirstOfCause(result.diagnoses).map(({ diagnosis, first }) => diagnosisCard(diagnosis, first, result)).join('\n')}
</section>`;
}

function findingCard(f: Finding, diagnosed: Set<string>, suspect: Map<string, string>): string {
  const tags = [
    ...(diagnosed.has(f.id) ? ['root cause of a diagnosis above'] : []),
    ...(f.cni ? [] : ['not a CNI problem: same symptom, other cause']),
  ];
  const scope = [
    ...(f.scope.nodes.length > 0 ? [`${f.scope.nodes.length === 1 ? 'node' : 'nodes'} ${f.scope.nodes.map((n) => code(n)).join(', ')}`] : []),
    ...(f.scope.pods.length > 0 ? [`${f.scope.pods.length === 1 ? 'pod' : 'pods'} ${f.scope.pods.map((p) => code(p)).join(', ')}`] : []),
  ];
  const citations =
    f.citations.length === 0
      ? ''
      : `<details class="cites" data-testid="citations"${f.severity === 'critical' ? ' open' : ''}><summary>Evidence: ${plural(f.citations.length, 'citation')}</summary>
<table><thead><tr><th class="nowrap">Where</th><th>Excerpt</th></tr></thead><tbody>${f.citations
          .map((c) => `<tr><td class="nowrap">${citationCode(c, suspect)}</td><td><pre>${escBlock(c.excerpt)}</pre></td></tr>`)
          .join('')}</tbody></table></details>`;
  const steps =
    f.remediation.length === 0
      ? ''
      : `<h4>Remediation</h4><ol class="steps" data-testid="remediation">${f.remediation
          .map((step) => `<li data-testid="remediation-step">${stepHtml(step)}</li>`)
          .join('')}</ol>`;
  const confirm = f.confirmWith.length === 0 ? '' : `<h4>To confirm, collect</h4><ul>${f.confirmWith.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`;
  return `<article class="card finding sev-${esc(f.severity)}" data-testid="finding" data-severity="${esc(f.severity)}" id="${findingAnchor(f.id)}">
<div class="card-head">${severityBadge(f.severity)}<span class="badge conf">${esc(f.confidence)} confidence</span><span>rule ${code(f.ruleId)}</span>${tags.map((t) => `<span>· ${t}</span>`).join('')}</div>
<h3 data-testid="finding-title">${esc(f.title)}</h3>
<p class="scope" data-testid="finding-scope">Scope: ${scope.length > 0 ? scope.join('; ') : 'cluster-wide'}</p>
<p class="msg">${escBlock(f.message)}</p>
${citations}${steps}${confirm}</article>`;
}

function findings(result: AnalysisResult): string {
  const diagnosed = new Set(result.diagnoses.map((d) => d.findingId));
  return `<section id="findings" data-testid="findings"><h2>Findings: ${esc(findingCountsText(result.findings))}</h2>
${result.findings.length === 0 ? '<p>None.</p>' : result.findings.map((f) => findingCard(f, diagnosed, suspectFiles(result))).join('\n')}
</section>`;
}

// Severity as a word, not only a colour: readable without colour vision, and the filter finds it.
const ENTRY_BADGE: Record<TimelineEntry['severity'], string> = {
  error: ' <span class="badge sev-critical">error</span>',
  warning: ' <span class="badge sev-warning">warning</span>',
  info: '',
};

function timelineRow(e: TimelineEntry, suspect: Map<string, string>): string {
  return `<tr class="sev-${esc(e.severity)}" data-testid="timeline-row" data-node="${esc(e.node ?? '')}">
<td class="mono">${escPath(e.time)}</td><td class="nowrap" data-testid="timeline-node">${esc(e.node ?? '')}</td><td>${escPath(e.pod ?? '')}</td><td>${esc(SOURCE_LABEL[e.source])}${ENTRY_BADGE[e.severity] ?? ''}</td><td class="text">${esc(e.text)}</td><td class="proof">${citationCode(e.citation, suspect, true)}</td></tr>`;
}

function timeline(result: AnalysisResult): string {
  if (result.timeline.length === 0) {
    return '<section id="timeline" data-testid="timeline"><h2>Timeline</h2><p>No timestamped evidence in this bundle.</p></section>';
  }
  return `<section id="timeline" data-testid="timeline"><h2>Timeline</h2>
<div class="filter"><input type="search" id="timeline-filter" data-testid="timeline-filter" placeholder="Filter: node, pod, source, error, or words from the text" aria-label="Filter the timeline" autocomplete="off">
<span id="timeline-count" class="muted" data-testid="timeline-count">${plural(result.timeline.length, 'entry', 'entries')}</span></div>
<table data-testid="timeline-table"><thead><tr><th>Time (as found)</th><th>Node</th><th>Pod</th><th>Source</th><th>What happened</th><th>Proof</th></tr></thead>
<tbody>${result.timeline.map((e) => timelineRow(e, suspectFiles(result))).join('\n')}</tbody></table>
<p id="timeline-empty" class="muted" data-testid="timeline-empty" hidden>No timeline entry matches the filter.</p>
${result.clockSkew.length > 0 ? `<p class="muted" data-testid="clock-skew">Clock skew: ${result.clockSkew.map((s) => esc(skewText(s))).join('; ')}. Times are shown as found, not shifted.</p>` : ''}
</section>`;
}

function gaps(result: AnalysisResult): string {
  const body =
    result.gaps.length === 0
      ? '<p>Nothing: every artifact the manifest lists was collected in full.</p>'
      : `<table><thead><tr><th>Artifact</th><th>Status</th><th>Reason</th></tr></thead><tbody>${result.gaps
          .map((g) => `<tr data-testid="gap"><td>${code(gapSubject(g))}</td><td class="nowrap"><span class="badge sev-warning">${esc(g.status)}</span></td><td>${esc(g.reason)}</td></tr>`)
          .join('')}</tbody></table>`;
  return `<section id="gaps" data-testid="gaps"><h2>What this bundle lacks</h2>${body}</section>`;
}

function inconclusive(result: AnalysisResult): string {
  const body =
    result.inconclusive.length === 0
      ? '<p>Every rule had the evidence it needed.</p>'
      : `<table><thead><tr><th>Rule</th><th>Scope</th><th>Why it could not decide</th><th>Needs</th></tr></thead><tbody>${result.inconclusive
          .map((i) => `<tr data-testid="inconclusive-rule"><td>${code(i.ruleId)}</td><td>${esc(scopeText(i.scope))}</td><td>${esc(i.reason)}</td><td>${i.missing.map((m) => esc(m)).join('<br>')}</td></tr>`)
          .join('')}</tbody></table>`;
  return `<section id="inconclusive" data-testid="inconclusive"><h2>Not enough evidence</h2>${body}</section>`;
}

function parseProblems(result: AnalysisResult): string {
  if (result.parseProblems.length === 0) return '';
  return `<section id="parse-problems"><h2>Parse problems</h2><details><summary>${plural(result.parseProblems.length, 'line')} could not be read</summary><ul>${result.parseProblems
    .map((p) => `<li>${code(citationLabel(p))}: ${esc(p.message)}</li>`)
    .join('')}</ul></details></section>`;
}

/** One self-contained page: inline CSS and one hashed inline script, no URL of any kind. */
export function renderHtml(input: AnalysisResult): string {
  const result = inReportOrder(input);
  const toc = [
    ['answer', 'Answer'],
    ['findings', `Findings (${result.findings.length})`],
    ['timeline', `Timeline (${result.timeline.length})`],
    ['gaps', `What this bundle lacks (${result.gaps.length})`],
    ['inconclusive', `Not enough evidence (${result.inconclusive.length})`],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>cni-evidence: ${esc(verdict(result))}</title>
<style>${CSS}</style>
</head>
<body>
${header(result)}
<nav class="toc wrap">${toc.map(([id, label]) => `<a href="#${id}">${label}</a>`).join('')}</nav>
<main class="wrap">
${answer(result)}
${findings(result)}
${timeline(result)}
${gaps(result)}
${inconclusive(result)}
${parseProblems(result)}
</main>
<footer class="wrap">${esc(checkedText(result))}.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
