import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { mkdtemp, rm, access } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../analyzer/analyze.js';
import { analysisProblems } from '../../analyzer/reports/validate-analysis.js';
import type { AnalysisResult } from '../../analyzer/model.js';
import { buildRecipe, loadRecipes } from '../../samples/recipes/build.js';
import type { SampleExpectation } from '../../samples/recipes/kit.js';
import { LAB_SAMPLES } from '../../samples/recipes/lab-samples.js';

const SAMPLES = new URL('../../samples/', import.meta.url).pathname;
const recipes = await loadRecipes(new URL('../../samples/recipes/', import.meta.url).pathname);

function assertExpected(result: AnalysisResult, expected: SampleExpectation): void {
  expect(analysisProblems(JSON.parse(JSON.stringify(result)))).toEqual([]);
  if (expected.ruleId === '') {
    // A healthy bundle: no diagnosis, and nothing critical or warning.
    expect(result.diagnoses).toEqual([]);
    expect(result.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    return;
  }
  const first = result.diagnoses[0];
  expect(first, 'the bundle should produce a diagnosis').toBeDefined();
  expect({ ruleId: first!.ruleId, pod: first!.pod, node: first!.node }).toEqual(expected);
  // The answer comes with proof: at least one citation into the bundle with a line.
  const finding = result.findings.find((f) => f.id === first!.findingId)!;
  expect(finding.citations.length).toBeGreaterThan(0);
  expect(finding.remediation.length).toBeGreaterThan(0);
}

describe('every shipped sample gives its expected diagnosis', () => {
  const dir = mkdtemp(join(tmpdir(), 'cni-evidence-samples-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it.each(recipes.map((r) => [r.name, r] as const))('hand-made %s: the committed bundle and a fresh build agree', async (name, recipe) => {
    const committed = join(SAMPLES, `${name}.tgz`);
    await access(committed);
    assertExpected(await analyzeBundle(committed), recipe.expect);
    assertExpected(await analyzeBundle(await buildRecipe(recipe, await dir)), recipe.expect);
  });

  it.each(LAB_SAMPLES.map((s) => [s.name, s] as const))('lab %s (real software)', async (name, sample) => {
    const result = await analyzeBundle(join(SAMPLES, `${name}.tgz`));
    expect(result.bundle.mode).toBe('lab');
    assertExpected(result, sample.expect);
  });
});
