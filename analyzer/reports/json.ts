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
 * Keys in the order the schema lists them (unknown keys last, sorted), so the output does not
 * depend on how the analyzer happened to build its objects: diffs between two runs of one bundle
 * show only real changes. Done in JSON.stringify's replacer, one object at a time: rebuilding the
 * whole result first doubled the memory of a big report (tens of thousands of timeline entries).
 */
function orderedStringify(root: unknown): string {
  const schemaOf = new WeakMap<object, SchemaNode | undefined>();
  if (root !== null && typeof root === 'object') schemaOf.set(root, analysisSchema as SchemaNode);
  return JSON.stringify(
    root,
    (_key, value: unknown) => {
      if (value === null || typeof value !== 'object') return value;
      const schema = resolve(schemaOf.get(value));
      if (Array.isArray(value)) {
        for (const item of value) if (item !== null && typeof item === 'object' && !schemaOf.has(item)) schemaOf.set(item, schema?.items);
        return value;
      }
      const source = value as Record<string, unknown>;
      const known = Object.keys(schema?.properties ?? {});
      const rest = Object.keys(source)
        .filter((key) => !known.includes(key))
        .sort();
      const out: Record<string, unknown> = {};
      for (const key of [...known, ...rest]) {
        const child = source[key];
        if (child === undefined) continue;
        if (child !== null && typeof child === 'object' && !schemaOf.has(child)) schemaOf.set(child, schema?.properties?.[key]);
        out[key] = child;
      }
      return out;
    },
    2,
  );
}

/** The machine-readable report: AnalysisResult in report order, keys in schema order, newline-terminated. */
export function renderJson(result: AnalysisResult): string {
  return `${orderedStringify(inReportOrder(result))}\n`;
}
