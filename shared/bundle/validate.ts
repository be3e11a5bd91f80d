import { Ajv, type ErrorObject } from 'ajv';
import { manifestSchema, type Manifest } from './manifest-schema.js';

// RFC 3339 date-time, as JSON Schema's "date-time" means; ajv needs formats registered to check them.
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

let compiled: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

function validator() {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    ajv.addFormat('date-time', DATE_TIME);
    compiled = ajv.compile(manifestSchema);
  }
  return compiled;
}

/** Returns readable problems (`/artifacts/3/status: must be equal to one of …`), empty when valid. */
export function manifestProblems(data: unknown): string[] {
  const validate = validator();
  if (validate(data)) return [];
  return (validate.errors ?? []).slice(0, 20).map((error) => {
    const where = error.instancePath || '(top level)';
    const extra = error.params && 'allowedValues' in error.params
      ? ` (${(error.params.allowedValues as unknown[]).join(', ')})`
      : error.params && 'additionalProperty' in error.params
        ? ` (${String(error.params.additionalProperty)})`
        : '';
    return `${where}: ${error.message ?? 'invalid'}${extra}`;
  });
}

export function isValidManifest(data: unknown): data is Manifest {
  return manifestProblems(data).length === 0;
}
