import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../analyzer/analyze.js';
import type { AnalysisResult } from '../../analyzer/model.js';
import { redactBundle } from '../../shared/redact/redact-bundle.js';
import { tempDir } from '../helpers/tmp.js';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;
const samples = (await readdir(SAMPLES)).filter((f) => f.endsWith('.tgz')).sort();

function verdict(result: AnalysisResult) {
  return {
    diagnoses: result.diagnoses.map((d) => ({ ruleId: d.ruleId, pod: d.pod, node: d.node, severity: d.severity, confidence: d.confidence, findingId: d.findingId, summary: d.summary })),
    findings: result.findings.map((f) => ({ id: f.id, severity: f.severity, confidence: f.confidence, scope: f.scope, citations: f.citations.map((c) => `${c.file}:${c.line}`) })),
    inconclusive: result.inconclusive.map((i) => i.ruleId),
    gaps: result.gaps.length,
  };
}

describe('redacting a sample never changes its diagnosis', async () => {
  const dir = await tempDir('cni-evidence-redact-samples-');

  it('has samples to check', () => expect(samples.length).toBeGreaterThanOrEqual(10));

  it.each(samples.map((s) => [s]))('%s', async (sample) => {
    const input = join(SAMPLES, sample);
    const out = await redactBundle(input, join(dir, sample));
    const [before, after] = [await analyzeBundle(input), await analyzeBundle(out.path)];
    expect(verdict(after)).toEqual(verdict(before));
    expect(after.bundle.redacted).toBe(true);
    // Real software's output holds no secrets: nothing in a sample may look like one.
    expect(out.manifest.redaction.totals).toEqual({});
  });
});
