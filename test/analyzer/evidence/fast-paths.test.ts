/**
 * The loader's fast paths (journal lines dropped or deferred from their undecoded bytes, deferred
 * lines decoded only when the record budget keeps them) must be invisible: the evidence and the
 * analysis are those of decoding every line in full, with and without the budget thinning logs.
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBundle } from '../../../bench/generate-bundle.js';
import { analyzeEvidence } from '../../../analyzer/analyze.js';
import { isSymptomRecord, mayBeSymptomLine } from '../../../analyzer/correlate/symptoms.js';
import { loadEvidence } from '../../../analyzer/evidence/load.js';
import type { Evidence } from '../../../analyzer/evidence/types.js';
import type { AnalysisResult } from '../../../analyzer/model.js';
import { createJournalParser, type JournalEntry } from '../../../analyzer/parsers/journal.js';
import { isParseProblem } from '../../../analyzer/parsers/types.js';
import { tempDir } from '../../helpers/tmp.js';

function comparable(evidence: Evidence): unknown {
  return { nodes: [...evidence.nodes.entries()], cluster: evidence.cluster, parseProblems: evidence.parseProblems, stats: evidence.stats, integrity: evidence.integrity };
}

function reportText(result: AnalysisResult): string {
  return JSON.stringify({ ...result, analyzedAt: undefined, stats: { ...result.stats, durationMs: undefined } });
}

describe('fast paths in the loader', () => {
  let bundle: string;

  beforeAll(async () => {
    const dir = await tempDir('cni-evidence-fast-paths-');
    bundle = (await generateBundle({ output: join(dir, 'b.tgz'), nodes: 3, journalBytes: 3 * 1024 * 1024, failingNodes: 1 })).path;
  });

  it.each([
    ['the default budget (nothing thinned)', undefined],
    ['a budget of 1,500 records (every journal thinned)', 1500],
  ])('give the evidence and analysis of full decoding, with %s', async (_name, maxRecords) => {
    const options = maxRecords === undefined ? {} : { maxRecords };
    const fast = await loadEvidence(bundle, options);
    const full = await loadEvidence(bundle, { ...options, noFastPaths: true });
    // The fast run really deferred lines, and decoded only some of them when thinning.
    expect(fast.deferredLines!.kept).toBeGreaterThan(1000);
    expect(full.deferredLines).toEqual({ kept: 0, decoded: 0 });
    if (maxRecords !== undefined) {
      expect(fast.deferredLines!.decoded).toBeLessThan(fast.deferredLines!.kept / 2);
      expect(fast.parseProblems.some((p) => /^kept \d+ of \d+ interesting lines/.test(p.message))).toBe(true);
    } else expect(fast.deferredLines!.decoded).toBe(fast.deferredLines!.kept);
    expect(isDeepStrictEqual(comparable(fast), comparable(full))).toBe(true);
    const a = analyzeEvidence(fast);
    expect(a.diagnoses.length).toBeGreaterThan(0);
    expect(reportText(a)).toBe(reportText(analyzeEvidence(full)));
  });
});

describe('mayBeSymptomLine (an error line the budget may rank without decoding it)', () => {
  const P = '2026-11-22T09:33:21+0000 node-1';
  it.each([
    [`${P} kubelet[1]: E1122 09:33:21.771203 1 x.go:1] "RunPodSandbox from runtime service failed" err="rpc error"`, true],
    [`${P} kubelet[1]: E1122 09:33:21.771203 1 x.go:1] "Error syncing pod, skipping" err="CrashLoopBackOff"`, false],
    [`${P} kubelet[1]: E1122 09:33:21.771203 1 x.go:1] "pod\\u0020sandbox spelt with an escape"`, true],
    [`${P} containerd[2]: time="2026-11-22T09:33:21Z" level=error msg="failed to destroy network for sandbox"`, true],
    [`${P} containerd[2]: time="2026-11-22T09:33:21Z" level=warning msg="cleaning up after shim disconnected"`, false],
  ])('%s -> %s', (raw, expected) => {
    expect(mayBeSymptomLine(raw)).toBe(expected);
  });

  it('never says no to a line whose decoded record is a symptom (random klog and logfmt errors with escapes)', () => {
    const piece = fc.constantFrom(
      'failed to set up', 'failed to setup', ' ', 'network', 'sandbox container', 'pod', 'sandbox', 'Pod Sandbox', 'RunPodSandbox', 'cni config',
      'failed (add)', 'networkready=false', '\\"', '\\\\', '\\n', '\\t', '\\u0020', '\\x20', '\\U00000020', ': ', 'err', 'x', 'the ',
    );
    const text = fc.array(piece, { maxLength: 10 }).map((p) => p.join(''));
    const parser = createJournalParser({ referenceTime: '2026-11-26T12:00:00Z', noFastPaths: true });
    let symptoms = 0;
    fc.assert(
      fc.property(fc.boolean(), text, text, (klog, message, err) => {
        const raw = klog
          ? `${P} kubelet[1]: E1122 09:33:21.771203 1 x.go:1] "${message}" err="${err}"`
          : `${P} containerd[2]: time="2026-11-22T09:33:21Z" level=error msg="${message}" error="${err}"`;
        const record = parser.parseLine(raw, 1, 'nodes/node-1/journal/kubelet.log');
        if (record === null || isParseProblem(record) || record.kind !== 'journal-entry') return;
        const symptom = isSymptomRecord(record as JournalEntry);
        if (symptom) symptoms += 1;
        if (symptom) expect(mayBeSymptomLine(raw)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // The property was tried on symptoms, not only on lines that are none.
    expect(symptoms).toBeGreaterThan(100);
  });
});
