import type { AnalysisResult } from '../model.js';
import { inReportOrder } from './format-common.js';
// The schema itself, not validate-analysis.js: rendering needs the key order, not the validator.
import analysisSchema from './analysis.schema.json' with { type: 'json' };

interface SchemaNode {
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

const definitions = (analysisSchema as { definitions: Record<string, SchemaNode> }).definitions;

function resolve(schema: SchemaNode | undefined): SchemaNode | undefined {
  if (schema?.$ref === undefined) return schema;
  return resolve(definitions[schema.$ref.replace('#/definitions/', '')]);
}

/**
 * Rebuilds `value` with keys in the order the schema lists them (unknown keys last, sorted), so the
 * output does not depend on how the analyzer happened to build its objects: diffs between two runs
 * of one bundle show only real changes.
 */
function ordered(value: unknown, schemaNode: SchemaNode | undefined): unknown {
  const schema = resolve(schemaNode);
  if (Array.isArray(value)) return value.map((item) => ordered(item, schema?.items));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const known = Object.keys(schema?.properties ?? {});
  const rest = Object.keys(source)
    .filter((key) => !known.includes(key))
    .sort();
  const out: Record<string, unknown> = {};
  for (const key of [...known, ...rest]) {
    if (source[key] !== undefined) out[key] = ordered(source[key], schema?.properties?.[key]);
  }
  return out;
}

/** The machine-readable report: AnalysisResult in report order, keys in schema order, newline-terminated. */
export function renderJson(result: AnalysisResult): string {
  return `${JSON.stringify(ordered(inReportOrder(result), analysisSchema as SchemaNode), null, 2)}\n`;
}
