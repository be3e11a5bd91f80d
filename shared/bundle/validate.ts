import type { ErrorObject } from 'ajv';
import type { Manifest } from './manifest-schema.js';
import { validate as precompiled } from './manifest-validator.generated.js';

// Precompiled from manifestSchema by scripts/generate-validators.ts (ajv standalone code), so
// reading a bundle neither loads ajv nor compiles the schema (a third of `analyze`'s start-up);
// test/shared/precompiled-validators.test.ts proves it accepts and rejects exactly what a freshly
// compiled ajv validator does.
type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const validate = precompiled as Validator;

/** Returns readable problems (`/artifacts/3/status: must be equal to one of …`), empty when valid. */
export function manifestProblems(data: unknown): string[] {
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
