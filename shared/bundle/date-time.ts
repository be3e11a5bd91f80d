/**
 * What the schemas' `format: "date-time"` means here: RFC 3339 date-time. ajv needs formats
 * registered to check them; scripts/generate-validators.ts compiles it into the precompiled
 * validators (this module must not import them: the generator loads it).
 */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
