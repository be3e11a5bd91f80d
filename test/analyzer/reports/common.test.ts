import { describe, expect, it } from 'vitest';
import type { AnalysisResult, BlastRadius, TimelineEntry } from '../../../analyzer/model.js';
import {
  blastRadiusHeadline,
  citationLabel,
  commandLines,
  describeAlternative,
  inReportOrder,
  oneLine,
  redactionText,
  skewText,
  truncateMiddle,
} from '../../../analyzer/reports/format-common.js';
import { FAIL_ON_LEVELS, REPORT_FORMATS, failsOn, isReportFormat, loadRenderer, renderReport, type FailOn } from '../../../analyzer/reports/index.js';
import { FIXTURES, flannelConflict, healthy, nodeOnly, type FixtureName } from './fixtures.js';

describe('format-common', () => {
  it.each<[number, string]>([
    [7, 'nodes/node-2/net/ip-addr.txt:7'],
    [0, 'nodes/node-2/net/ip-addr.txt'],
  ])('citationLabel for line %i', (line, expected) => {
    expect(citationLabel({ file: 'nodes/node-2/net/ip-addr.txt', line })).toBe(expected);
  });

  it.each<[string, string, string[]]>([
    ['a one-line command as it is', 'ssh node-2 sudo ip link delete cni0', ['ssh node-2 sudo ip link delete cni0']],
    ['a long command whole, never re-wrapped', `kubectl get pods -A -o wide ${'--field-selector spec.nodeName=node-2 '.repeat(4).trim()}`, [`kubectl get pods -A -o wide ${'--field-selector spec.nodeName=node-2 '.repeat(4).trim()}`]],
    ['a multi-line command line by line, without a trailing empty line', 'for p in a b; do\n  kubectl delete pod "$p"\ndone\n', ['for p in a b; do', '  kubectl delete pod "$p"', 'done']],
    ['escapes and bidi overrides visible', 'echo \u001b[2J \u202eok', ['echo \\x1b[2J \\u202eok']],
  ])('commandLines keeps %s', (_what, command, expected) => {
    expect(commandLines(command)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['node-podcidr-changed:node-2', "node-podcidr-changed: node-2's podCIDR changed when it was registered again (low confidence)"],
    // Alternatives are finding ids: a bare rule id (the old shape) or an unknown id is shown as it is.
    ['node-podcidr-changed', 'node-podcidr-changed'],
    ['node-podcidr-changed:node-9', 'node-podcidr-changed:node-9'],
  ])('describeAlternative(%j)', (findingId, expected) => {
    expect(describeAlternative(findingId, flannelConflict.findings)).toBe(expected);
  });

  it.each<[BlastRadius['kind'], string[], string[], string]>([
    ['pod', ['node-2'], ['shop/web-0'], 'this pod only; 1 failing pod in this bundle'],
    ['node', ['node-2'], ['shop/web-0', 'shop/web-1'], 'node node-2 only: pods scheduled there are affected; 2 failing pods in this bundle'],
    ['node-pool', ['gpu-1', 'gpu-2', 'gpu-3'], [], '3 nodes (gpu-1, gpu-2, gpu-3): pods scheduled on them are affected'],
    ['cluster', ['a', 'b', 'c', 'd', 'e', 'f', 'g'], [], 'the whole cluster: pods on every node are affected'],
  ])('blast radius %s', (kind, nodes, pods, expected) => {
    expect(blastRadiusHeadline({ kind, nodes, pods, explanation: '' })).toBe(expected);
  });

  it.each<[boolean, boolean, string]>([
    [true, true, 'Redacted: secrets replaced; node, pod and address names pseudonymized'],
    [true, false, 'Redacted: secrets replaced; node and pod names and addresses are the real ones'],
    [false, false, 'NOT redacted: this bundle may contain secrets; share it with care'],
    [false, true, 'NOT redacted: secrets may be present (names and addresses are pseudonymized)'],
  ])('redaction redacted=%s obfuscated=%s', (redacted, obfuscated, expected) => {
    expect(redactionText({ ...healthy.bundle, redacted, obfuscated })).toBe(expected);
  });

  it.each<[number, string]>([
    [2.4, 'node-3: clock 2.4 s ahead (date.txt)'],
    [-300, 'node-3: clock 5.0 min behind (date.txt)'],
    [0, 'node-3: clock in step (date.txt)'],
  ])('clock skew %s s', (offsetSeconds, expected) => {
    expect(skewText({ node: 'node-3', offsetSeconds, basis: 'date.txt' })).toBe(expected);
  });

  it('truncates in the middle, at spaces, keeping the error at the end', () => {
    const line = `Nov 22 09:41:07 node-2 kubelet[1187]: E1122 ${'padding '.repeat(30)}"cni0" already has an IP address different from 10.244.1.1/24`;
    const cut = truncateMiddle(line, 120);
    expect(cut.length).toBeLessThanOrEqual(120);
    expect(cut.startsWith('Nov 22 09:41:07 node-2')).toBe(true);
    expect(cut.endsWith('different from 10.244.1.1/24')).toBe(true);
    expect(cut).toMatch(/ … /);
    expect(cut).not.toMatch(/\bpaddin\b|\badding\b/);
  });

  it('makes control characters and bidi overrides visible', () => {
    expect(oneLine('a\u001b[2Jb\r\nc\td\u202ee\u0000')).toBe('a\\x1b[2Jb ⏎ c d\\u202ee\\x00');
  });

  it('orders diagnoses most likely first and the timeline by instant, not by string', () => {
    const d0 = flannelConflict.diagnoses[0]!;
    const entry = (time: string, text: string): TimelineEntry => ({ ...flannelConflict.timeline[0]!, time, text });
    const shuffled: AnalysisResult = {
      ...flannelConflict,
      diagnoses: [{ ...d0, pod: 'a/low', confidence: 'low' }, { ...d0, pod: 'a/high-1' }, { ...d0, pod: 'a/medium', confidence: 'medium' }, { ...d0, pod: 'a/high-2' }],
      // 10:00+02:00 is 08:00Z: it comes first although its string sorts last.
      timeline: [entry('2026-11-22T09:00:00Z', 'second'), entry('2026-11-22T10:00:00+02:00', 'first'), entry('2026-11-22T09:00:01Z', 'third')],
    };
    const ordered = inReportOrder(shuffled);
    expect(ordered.diagnoses.map((d) => d.pod)).toEqual(['a/high-1', 'a/high-2', 'a/medium', 'a/low']);
    expect(ordered.timeline.map((e) => e.text)).toEqual(['first', 'second', 'third']);
    expect(shuffled.diagnoses[0]!.pod).toBe('a/low');
  });

  it('orders diagnoses of equal confidence by score, highest first, and never above a surer one', () => {
    const d0 = flannelConflict.diagnoses[0]!;
    const shuffled: AnalysisResult = {
      ...flannelConflict,
      diagnoses: [
        { ...d0, pod: 'a/medium-top', confidence: 'medium', score: 99 },
        { ...d0, pod: 'a/high-0.4', score: 0.4 },
        { ...d0, pod: 'a/high-0.9-warning', severity: 'warning', score: 0.9 },
        { ...d0, pod: 'a/high-0.9-critical', score: 0.9 },
        { ...d0, pod: 'a/high-negative', score: -1 },
        { ...d0, pod: 'a/high-0.7', score: 0.7 },
      ],
    };
    expect(inReportOrder(shuffled).diagnoses.map((d) => d.pod)).toEqual([
      'a/high-0.9-critical', // equal score: severity decides
      'a/high-0.9-warning',
      'a/high-0.7',
      'a/high-0.4',
      'a/high-negative',
      'a/medium-top', // a higher score does not outrank a surer diagnosis
    ]);
  });
});

describe('reports/index', () => {
  const fixtureNames = Object.keys(FIXTURES) as FixtureName[];

  it.each(fixtureNames.flatMap((name) => REPORT_FORMATS.map((format) => [name, format] as const)))('%s renders as %s', (name, format) => {
    const out = renderReport(FIXTURES[name], format, { color: false });
    expect(out.length).toBeGreaterThan(200);
    const start = { text: 'cni-evidence analysis of ', markdown: '**cni-evidence: ', json: '{\n  "schemaVersion": "1.0"', html: '<!doctype html>' }[format];
    expect(out.startsWith(start)).toBe(true);
  });

  it.each(REPORT_FORMATS)('loadRenderer(%s) (what the CLI uses: only that renderer is imported) renders exactly as renderReport', async (format) => {
    const render = await loadRenderer(format);
    for (const name of fixtureNames) {
      for (const options of [{}, { color: true }, { verbose: true }, { color: true, verbose: true }]) {
        expect(render(FIXTURES[name], options)).toBe(renderReport(FIXTURES[name], format, options));
      }
    }
  });

  it.each<[string, boolean]>([
    ['text', true],
    ['markdown', true],
    ['json', true],
    ['html', true],
    ['yaml', false],
    ['TEXT', false],
  ])('isReportFormat(%j) is %s', (value, expected) => {
    expect(isReportFormat(value)).toBe(expected);
  });

  it.each<[FixtureName, Record<FailOn, boolean>]>([
    ['flannelConflict', { critical: true, warning: true, info: true, none: false }],
    ['nodeOnly', { critical: true, warning: true, info: true, none: false }],
    ['healthy', { critical: false, warning: false, info: true, none: false }],
  ])('--fail-on for %s', (name, expected) => {
    for (const level of FAIL_ON_LEVELS) expect(failsOn(FIXTURES[name], level), level).toBe(expected[level]);
  });

  it('--fail-on warning ignores a bundle whose worst finding is info', () => {
    const infoOnly: AnalysisResult = { ...nodeOnly, diagnoses: [], findings: nodeOnly.findings.filter((f) => f.severity === 'info') };
    expect(failsOn(infoOnly, 'warning')).toBe(false);
    expect(failsOn(infoOnly, 'info')).toBe(true);
  });
});
