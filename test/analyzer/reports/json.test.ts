import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CONFIDENCE_ORDER, SEVERITY_ORDER, type AnalysisResult } from '../../../analyzer/model.js';
import { inReportOrder } from '../../../analyzer/reports/format-common.js';
import { renderJson } from '../../../analyzer/reports/json.js';
import { analysisProblems, analysisSchema, isValidAnalysis } from '../../../analyzer/reports/validate-analysis.js';
import { ARTIFACT_STATUSES, manifestSchema } from '../../../shared/bundle/manifest-schema.js';
import { FIXTURES, flannelConflict, healthy, nodeOnly, type FixtureName } from './fixtures.js';

const fixtureNames = Object.keys(FIXTURES) as FixtureName[];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The same data with every object's keys in reverse order, as another analyzer build might emit. */
function reverseKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).reverse().map((key) => [key, reverseKeys(value[key]!)]));
}

const clone = (result: AnalysisResult): Record<string, any> => JSON.parse(JSON.stringify(result));

// The model's string-literal unions, listed exhaustively: tsc fails here when a member is added to
// or removed from model.ts, and the enum rows below then hold the schema to the same list.
type Bundle = AnalysisResult['bundle'];
const MODES: Record<Bundle['mode'], true> = { cluster: true, node: true, pack: true, merge: true, lab: true };
const COMPLETION_STATES: Record<Bundle['completion']['state'], true> = { complete: true, partial: true };
const GAP_STATUSES: Record<AnalysisResult['gaps'][number]['status'], true> = { absent: true, failed: true, forbidden: true, timeout: true, truncated: true, skipped: true };
const INTEGRITY_KINDS: Record<Bundle['integrity']['problems'][number]['kind'], true> = {
  'checksum-mismatch': true,
  'size-mismatch': true,
  missing: true,
  unlisted: true,
  'not-a-file': true,
};
const definitions = (analysisSchema as { definitions: Record<string, any> }).definitions;

describe('JSON report', () => {
  it.each(fixtureNames)('%s: validates against analysis.schema.json', (name) => {
    const parsed = JSON.parse(renderJson(FIXTURES[name]));
    expect(analysisProblems(parsed)).toEqual([]);
    expect(isValidAnalysis(parsed)).toBe(true);
  });

  it.each(fixtureNames)('%s: round-trips, in report order, and renders identically again', (name) => {
    const text = renderJson(FIXTURES[name]);
    const parsed = JSON.parse(text) as AnalysisResult;
    expect(parsed).toEqual(inReportOrder(FIXTURES[name]));
    expect(renderJson(parsed)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it.each(fixtureNames)('%s: key order does not depend on how the analyzer built its objects', (name) => {
    const shuffled = reverseKeys(JSON.parse(JSON.stringify(FIXTURES[name])) as Json) as unknown as AnalysisResult;
    expect(Object.keys(shuffled)[0]).toBe('stats');
    expect(renderJson(shuffled)).toBe(renderJson(FIXTURES[name]));
  });

  it('puts the fields a script greps for first, as the issue shows them', () => {
    const parsed = JSON.parse(renderJson(flannelConflict));
    expect(Object.keys(parsed)).toEqual([
      'schemaVersion', 'tool', 'analyzedAt', 'bundle', 'diagnoses', 'findings',
      'inconclusive', 'timeline', 'clockSkew', 'gaps', 'parseProblems', 'stats',
    ]);
    expect(Object.keys(parsed.diagnoses[0]).slice(0, 4)).toEqual(['pod', 'node', 'ruleId', 'confidence']);
    expect(Object.keys(parsed.findings[0]).slice(0, 2)).toEqual(['ruleId', 'severity']);
    expect(parsed.diagnoses[0].nextStep).toEqual({ text: expect.stringContaining('Delete cni0 on node-2'), command: 'ssh node-2 sudo ip link delete cni0' });
    expect(parsed.diagnoses[0].alternatives).toEqual(['node-podcidr-changed:node-2']);
    expect(typeof parsed.diagnoses[0].score).toBe('number');
    expect(parsed.diagnoses[0]).toMatchObject({ pod: 'shop/checkout-7d9c5b8f6-x2k4p', node: 'node-2', ruleId: 'cni0-address-conflict', confidence: 'high' });
    expect(JSON.parse(renderJson(nodeOnly)).diagnoses[0]).toMatchObject({ pod: null, node: 'worker-7', ruleId: 'iptables-backend-mismatch' });
  });

  it('writes remediation steps as {text, command} and leaves command out of a text-only step', () => {
    const parsed = JSON.parse(renderJson(flannelConflict));
    const steps = parsed.findings.find((f: { id: string }) => f.id === 'node-podcidr-changed:node-2').remediation;
    expect(steps).toEqual([
      { text: 'List the host-local reservations on node-2.', command: 'ssh node-2 ls /var/lib/cni/networks/cbr0' },
      { text: 'Remove reservations outside 10.244.1.0/24 from that folder.' },
    ]);
    expect(Object.keys(steps[0])).toEqual(['text', 'command']);
    // Key order comes from the schema even when the analyzer built the step command-first.
    const built = { ...flannelConflict, findings: flannelConflict.findings.map((f) => ({ ...f, remediation: f.remediation.map((s) => (s.command === undefined ? { text: s.text } : { command: s.command, text: s.text })) })) };
    expect(renderJson(built)).toBe(renderJson(flannelConflict));
  });

  it('lists diagnoses of equal confidence by score, highest first', () => {
    const [checkout, coredns] = flannelConflict.diagnoses;
    const result: AnalysisResult = { ...flannelConflict, diagnoses: [{ ...checkout!, score: 0.5 }, { ...coredns!, score: 0.8 }] };
    const parsed = JSON.parse(renderJson(result));
    expect(parsed.diagnoses.map((d: { pod: string; score: number }) => [d.pod, d.score])).toEqual([
      ['kube-system/coredns-5d78c9869d-qlm8v', 0.8],
      ['shop/checkout-7d9c5b8f6-x2k4p', 0.5],
    ]);
    expect(analysisProblems(parsed)).toEqual([]);
  });

  it('lists findings critical first, whatever order the analyzer gave', () => {
    expect(nodeOnly.findings.map((f) => f.severity)).toEqual(['info', 'critical', 'warning']);
    expect(JSON.parse(renderJson(nodeOnly)).findings.map((f: { severity: string }) => f.severity)).toEqual(['critical', 'warning', 'info']);
  });
});

describe('analysisProblems: an invalid result is refused with a readable reason', () => {
  it.each<[string, (r: Record<string, any>) => unknown, string]>([
    ['a finding without ruleId', (r) => delete r.findings[0].ruleId, '/findings/0: missing required property "ruleId"'],
    ['an unknown severity', (r) => (r.findings[0].severity = 'fatal'), '/findings/0/severity: must be one of "critical", "warning", "info"'],
    ['an unknown confidence', (r) => (r.diagnoses[1].confidence = 'certain'), '/diagnoses/1/confidence: must be one of "high", "medium", "low"'],
    ['an unknown chain stage', (r) => (r.diagnoses[0].causalChain[2].stage = 'kernel'), '/diagnoses/0/causalChain/2/stage: must be one of "event", "kubelet", "runtime", "cni-plugin", "cni-agent", "node-state", "cluster-state"'],
    ['an unknown blast radius kind', (r) => (r.diagnoses[0].blastRadius.kind = 'zone'), '/diagnoses/0/blastRadius/kind: must be one of "pod", "node", "node-pool", "cluster"'],
    ['a pod without namespace', (r) => (r.diagnoses[0].pod = 'checkout-7d9c5b8f6-x2k4p'), '/diagnoses/0/pod: must match pattern "^[^/]+/.+$"'],
    ['an extra property', (r) => (r.diagnoses[0].rank = 1), '/diagnoses/0: unknown property "rank"'],
    ['a diagnosis without score', (r) => delete r.diagnoses[0].score, '/diagnoses/0: missing required property "score"'],
    ['a score that is not a number', (r) => (r.diagnoses[0].score = 'high'), '/diagnoses/0/score: must be number'],
    ['a remediation step as a bare string (the old shape)', (r) => (r.findings[0].remediation[0] = 'ssh node-2 sudo ip link delete cni0'), '/findings/0/remediation/0: must be object'],
    ['a remediation step without text', (r) => delete r.findings[1].remediation[0].text, '/findings/1/remediation/0: missing required property "text"'],
    ['a remediation step with an empty command', (r) => (r.findings[0].remediation[0].command = ''), '/findings/0/remediation/0/command: must NOT have fewer than 1 characters'],
    ['a remediation step with an unknown property', (r) => (r.findings[0].remediation[0].cmd = 'ls'), '/findings/0/remediation/0: unknown property "cmd"'],
    ['a next step as a bare string (the old shape)', (r) => (r.diagnoses[0].nextStep = 'ssh node-2 sudo ip link delete cni0'), '/diagnoses/0/nextStep: must be object'],
    ['a next step without text', (r) => (r.diagnoses[0].nextStep = { command: 'ssh node-2 sudo ip link delete cni0' }), '/diagnoses/0/nextStep: missing required property "text"'],
    ['an alternative given as a rule id', (r) => (r.diagnoses[0].alternatives = ['node-podcidr-changed']), '/diagnoses/0/alternatives/0: must match pattern "^[^\\s:]+:"'],
    ['an alternative naming no finding', (r) => (r.diagnoses[1].alternatives = ['node-podcidr-changed:node-9']), '/diagnoses/1/alternatives/0: no finding has id "node-podcidr-changed:node-9"'],
    ['an alternative that is the diagnosis’s own finding', (r) => r.diagnoses[0].alternatives.push('cni0-address-conflict:node-2'), '/diagnoses/0/alternatives/1: "cni0-address-conflict:node-2" is the diagnosis\'s own finding'],
    ['an unknown bundle mode', (r) => (r.bundle.mode = 'remote'), '/bundle/mode: must be one of "cluster", "node", "pack", "merge", "lab"'],
    ['an unknown integrity problem kind', (r) => (r.bundle.integrity.problems = [{ path: 'a', kind: 'corrupt', message: 'm' }]), '/bundle/integrity/problems/0/kind: must be one of "checksum-mismatch", "size-mismatch", "missing", "unlisted", "not-a-file"'],
    ['a time that is not RFC 3339', (r) => (r.timeline[0].time = 'Nov 22 09:37:58'), '/timeline/0/time: must match format "date-time"'],
    ['a negative line', (r) => (r.findings[0].citations[0].line = -1), '/findings/0/citations/0/line: must be >= 0'],
    ['a gap that is not a gap', (r) => (r.gaps[0].status = 'ok'), '/gaps/0/status: must be one of "absent", "failed", "forbidden", "timeout", "truncated", "skipped"'],
    ['another schema version', (r) => (r.schemaVersion = '2.0'), '/schemaVersion: must be equal to constant'],
    ['a diagnosis pointing at no finding', (r) => (r.diagnoses[0].findingId = 'cni0-address-conflict:node-9'), '/diagnoses/0/findingId: no finding has id "cni0-address-conflict:node-9"'],
    ['a diagnosis whose rule differs from its finding', (r) => (r.diagnoses[0].ruleId = 'node-podcidr-changed'), '/diagnoses/0/ruleId: "node-podcidr-changed" differs from its finding\'s rule "cni0-address-conflict"'],
    ['a finding id not made from its rule id', (r) => (r.findings[2].id = 'backend:cluster'), '/findings/2/id: "backend:cluster" must start with its ruleId "flannel-backend:"'],
    ['two findings with one id', (r) => (r.findings[1].id = r.findings[0].id), '/findings/1/id: "cni0-address-conflict:node-2" is used by another finding'],
  ])('%s', (_what, mutate, expected) => {
    const data = clone(flannelConflict);
    mutate(data);
    expect(analysisProblems(data)).toContain(expected);
    expect(isValidAnalysis(data)).toBe(false);
  });

  it.each<[string, unknown, string]>([
    ['null', null, '(top level): must be object'],
    ['an array', [], '(top level): must be object'],
    ['an empty object', {}, '(top level): missing required property "schemaVersion"'],
  ])('%s', (_what, data, expected) => {
    expect(analysisProblems(data)[0]).toBe(expected);
  });
});

describe('analysis.schema.json', () => {
  it('is the file the validator uses, and compiles as strict draft-07', async () => {
    const onDisk = JSON.parse(await readFile(new URL('../../../analyzer/reports/analysis.schema.json', import.meta.url), 'utf8'));
    expect(onDisk).toEqual(analysisSchema);
    expect(onDisk.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', /./);
    expect(() => ajv.compile(onDisk)).not.toThrow();
  });

  it.each<[string, unknown[], unknown[]]>([
    ['severity', definitions.severity.enum, Object.keys(SEVERITY_ORDER)],
    ['confidence', definitions.confidence.enum, Object.keys(CONFIDENCE_ORDER)],
    ['gap status (every manifest status but ok)', definitions.gap.properties.status.enum, ARTIFACT_STATUSES.filter((s) => s !== 'ok')],
    ['bundle mode', definitions.bundle.properties.mode.enum, [...manifestSchema.properties.mode.enum]],
    ['completion state', definitions.bundle.properties.completion.properties.state.enum, [...manifestSchema.properties.completion.properties.state.enum]],
    ['bundle mode (every member of the model union)', definitions.bundle.properties.mode.enum, Object.keys(MODES)],
    ['completion state (every member of the model union)', definitions.bundle.properties.completion.properties.state.enum, Object.keys(COMPLETION_STATES)],
    ['gap status (every member of the model union)', definitions.gap.properties.status.enum, Object.keys(GAP_STATUSES)],
    ['integrity problem kind (every member of the model union)', definitions.bundle.properties.integrity.properties.problems.items.properties.kind.enum, Object.keys(INTEGRITY_KINDS)],
  ])('its %s enum matches the code', (_what, inSchema, inCode) => {
    expect(inSchema).toEqual(inCode);
  });

  it('closes every object and requires every field the model does not mark optional', () => {
    const optional = new Set(['chainLink.citation', 'bundle.completion.reason', 'remediationStep.command']);
    const walk = (node: any, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      if (node.type === 'object' && node.properties) {
        expect(node.additionalProperties, path).toBe(false);
        for (const key of Object.keys(node.properties)) {
          if (!optional.has(`${path}.${key}`)) expect(node.required, `${path}.${key}`).toContain(key);
        }
      }
      for (const [key, child] of Object.entries(node)) walk(child, key === 'properties' || key === 'definitions' ? path : `${path}.${key}`.replace(/^\./, ''));
    };
    for (const [name, definition] of Object.entries(definitions)) walk(definition, name);
    walk({ ...analysisSchema, definitions: undefined }, '');
  });

  it('accepts a minimal node-only result with every list empty', () => {
    const minimal: AnalysisResult = { ...healthy, diagnoses: [], findings: [], timeline: [], bundle: { ...healthy.bundle, nodes: [] } };
    expect(analysisProblems(JSON.parse(renderJson(minimal)))).toEqual([]);
  });
});
