import type { ErrorObject } from 'ajv';
import type { AnalysisResult } from '../model.js';
import { validate as precompiled } from './analysis-validator.generated.js';
import analysisSchema from './analysis.schema.json' with { type: 'json' };

export { analysisSchema };

const MAX_PROBLEMS = 20;

// Precompiled from analysis.schema.json by scripts/generate-validators.ts (ajv standalone code):
// no ajv at run time; test/shared/precompiled-validators.test.ts proves it accepts and rejects
// exactly what a freshly compiled ajv validator does.
const validate = precompiled as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(top level)';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') return `${where}: missing required property "${String(params.missingProperty)}"`;
  if (error.keyword === 'additionalProperties') return `${where}: unknown property "${String(params.additionalProperty)}"`;
  if (error.keyword === 'enum') {
    return `${where}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return `${where}: ${error.message ?? 'invalid'}`;
}

/**
 * What the schema cannot say: ids are unique, every diagnosis points at a finding of its rule, and
 * its alternatives name other findings of this result.
 */
function crossReferenceProblems(result: AnalysisResult): string[] {
  const problems: string[] = [];
  const byId = new Map<string, AnalysisResult['findings'][number]>();
  result.findings.forEach((finding, index) => {
    if (byId.has(finding.id)) problems.push(`/findings/${index}/id: "${finding.id}" is used by another finding`);
    byId.set(finding.id, finding);
    if (!finding.id.startsWith(`${finding.ruleId}:`)) {
      problems.push(`/findings/${index}/id: "${finding.id}" must start with its ruleId "${finding.ruleId}:"`);
    }
  });
  result.diagnoses.forEach((diagnosis, index) => {
    const finding = byId.get(diagnosis.findingId);
    if (!finding) problems.push(`/diagnoses/${index}/findingId: no finding has id "${diagnosis.findingId}"`);
    else if (finding.ruleId !== diagnosis.ruleId) {
      problems.push(`/diagnoses/${index}/ruleId: "${diagnosis.ruleId}" differs from its finding's rule "${finding.ruleId}"`);
    }
    diagnosis.alternatives.forEach((alternative, j) => {
      if (!byId.has(alternative)) problems.push(`/diagnoses/${index}/alternatives/${j}: no finding has id "${alternative}"`);
      else if (alternative === diagnosis.findingId) problems.push(`/diagnoses/${index}/alternatives/${j}: "${alternative}" is the diagnosis's own finding`);
    });
    if (diagnosis.pod === null && diagnosis.node === null) {
      problems.push(`/diagnoses/${index}: a diagnosis without a pod must name its node`);
    }
  });
  return problems;
}

/**
 * Readable problems (`/findings/0/severity: must be one of "critical", "warning", "info"`), empty
 * when `data` is a valid AnalysisResult.
 */
export function analysisProblems(data: unknown): string[] {
  if (!validate(data)) return (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(describe);
  return crossReferenceProblems(data as AnalysisResult).slice(0, MAX_PROBLEMS);
}

export function isValidAnalysis(data: unknown): data is AnalysisResult {
  return analysisProblems(data).length === 0;
}
