/**
 * Big logs are parsed on a worker thread (analyzer/evidence/parallel.ts) while the main thread
 * parses the next one, everything applied in bundle order. The worker runs only
 * from the compiled JavaScript, so this test loads the built loader (`npm test` builds first) and
 * compares it with itself: the same bundle loaded in-thread and with the worker must give the same
 * evidence, record for record, and the same analysis.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateBundle } from '../../../bench/generate-bundle.js';
import type { Evidence } from '../../../analyzer/evidence/types.js';
import type { AnalysisResult } from '../../../analyzer/model.js';
import { tempDir } from '../../helpers/tmp.js';

type LoadFn = (location: string, options?: { lineWorker?: boolean; maxRecords?: number }) => Promise<Evidence>;
type AnalyzeFn = (evidence: Evidence) => AnalysisResult;

const built = (path: string) => new URL(`../../../dist/${path}`, import.meta.url).href;

function comparable(evidence: Evidence): unknown {
  return { nodes: [...evidence.nodes.entries()], cluster: evidence.cluster, parseProblems: evidence.parseProblems, stats: evidence.stats, integrity: evidence.integrity };
}

function sameAnalysis(a: AnalysisResult, b: AnalysisResult): boolean {
  const strip = (r: AnalysisResult) => ({ ...r, analyzedAt: undefined, stats: { ...r.stats, durationMs: undefined } });
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

describe('log parsing on a worker thread', () => {
  let loadEvidence: LoadFn;
  let analyzeEvidence: AnalyzeFn;
  let bundle: string;

  beforeAll(async () => {
    ({ loadEvidence } = (await import(built('analyzer/evidence/load.js'))) as { loadEvidence: LoadFn });
    ({ analyzeEvidence } = (await import(built('analyzer/analyze.js'))) as { analyzeEvidence: AnalyzeFn });
    const dir = await tempDir('cni-evidence-parallel-');
    // Journals of 10 MB: more than the loader lets queue up (4 MB), so flow control is exercised.
    bundle = (await generateBundle({ output: join(dir, 'big.tgz'), nodes: 2, journalBytes: 10 * 1024 * 1024, failingNodes: 1 })).path;
  });

  it('gives the same evidence and the same analysis as parsing in-thread', async () => {
    const inThread = await loadEvidence(bundle, { lineWorker: false });
    const withWorker = await loadEvidence(bundle, { lineWorker: true });
    expect(inThread.parallel).toEqual({ filesInWorker: 0 });
    // Six logs are over the 1 MB line (two journals per node, two flannel logs); the worker takes
    // one when it is idle and the main thread parses the next meanwhile, so both do some.
    expect(withWorker.parallel?.filesInWorker).toBeGreaterThanOrEqual(2);
    expect(withWorker.parallel?.filesInWorker).toBeLessThan(6);
    expect(withWorker.stats.records).toBeGreaterThan(1000);
    expect(isDeepStrictEqual(comparable(withWorker), comparable(inThread))).toBe(true);
    const a = analyzeEvidence(inThread);
    const b = analyzeEvidence(withWorker);
    expect(a.diagnoses.length).toBeGreaterThan(0);
    expect(sameAnalysis(a, b)).toBe(true);
  });

  it('gives the same thinned records when the budget is exceeded', async () => {
    const inThread = await loadEvidence(bundle, { lineWorker: false, maxRecords: 3000 });
    const withWorker = await loadEvidence(bundle, { lineWorker: true, maxRecords: 3000 });
    expect(inThread.parseProblems.some((p) => p.message.startsWith('kept '))).toBe(true);
    expect(isDeepStrictEqual(comparable(withWorker), comparable(inThread))).toBe(true);
  });

  it('a bundle cut in the middle of a log the worker is parsing fails with the clear error, and does not hang', async () => {
    const whole = await readFile(bundle);
    const cut = join(dirname(bundle), 'cut.tgz');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const error = await loadEvidence(cut, { lineWorker: true }).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BUNDLE_TRUNCATED' });
  });
});
