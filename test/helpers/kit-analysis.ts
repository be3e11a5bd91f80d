import { join } from 'node:path';
import { loadEvidence } from '../../analyzer/evidence/load.js';
import { analyzeEvidence } from '../../analyzer/analyze.js';
import type { Evidence } from '../../analyzer/evidence/types.js';
import type { AnalysisResult } from '../../analyzer/model.js';
import type { RuleDefinition } from '../../analyzer/rules/define.js';
import { SampleKit } from '../../samples/recipes/kit.js';
import { tempDir } from './tmp.js';

let counter = 0;

/**
 * Builds a bundle with the sample kit (a healthy 3-node flannel cluster, bent by `build`), writes
 * it as a real .tgz and analyzes it through the real reader: rule tests exercise the whole path.
 */
export async function analyzeKit(build: (kit: SampleKit) => void, rules?: readonly RuleDefinition[]): Promise<{ evidence: Evidence; result: AnalysisResult; path: string }> {
  const dir = await tempDir('cni-evidence-kit-');
  const kit = new SampleKit();
  build(kit);
  const path = await kit.write(join(dir, `kit-${counter++}.tgz`), 'test');
  const evidence = await loadEvidence(path);
  const result = analyzeEvidence(evidence, rules ? { rules } : {});
  return { evidence, result, path };
}
