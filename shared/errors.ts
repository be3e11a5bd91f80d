/**
 * Typed errors: every failure a user can cause or meet carries a stable `code`, the file it is
 * about, and a `hint` that says what to do. The CLI prints message + hint, never a stack trace.
 */
export const ERROR_CODES = {
  BUNDLE_NOT_FOUND: 'E_BUNDLE_NOT_FOUND',
  BUNDLE_NOT_GZIP: 'E_BUNDLE_NOT_GZIP',
  BUNDLE_TRUNCATED: 'E_BUNDLE_TRUNCATED',
  MANIFEST_MISSING: 'E_MANIFEST_MISSING',
  MANIFEST_NOT_FIRST: 'E_MANIFEST_NOT_FIRST',
  MANIFEST_INVALID: 'E_MANIFEST_INVALID',
  FORMAT_TOO_NEW: 'E_FORMAT_TOO_NEW',
  FORMAT_UNKNOWN: 'E_FORMAT_UNKNOWN',
  UNSAFE_PATH: 'E_UNSAFE_PATH',
  UNSAFE_ENTRY_TYPE: 'E_UNSAFE_ENTRY_TYPE',
  ENTRY_TOO_LARGE: 'E_ENTRY_TOO_LARGE',
  BUNDLE_TOO_LARGE: 'E_BUNDLE_TOO_LARGE',
  TOO_MANY_ENTRIES: 'E_TOO_MANY_ENTRIES',
  MULTIPLE_TOP_FOLDERS: 'E_MULTIPLE_TOP_FOLDERS',
  DUPLICATE_ENTRY: 'E_DUPLICATE_ENTRY',
  WRITER_STATE: 'E_WRITER_STATE',
  OUTPUT_EXISTS: 'E_OUTPUT_EXISTS',
  OUTPUT_UNWRITABLE: 'E_OUTPUT_UNWRITABLE',
  PACK_SOURCE_INVALID: 'E_PACK_SOURCE_INVALID',
  USAGE: 'E_USAGE',
  KUBECONFIG: 'E_KUBECONFIG',
  CLUSTER_UNREACHABLE: 'E_CLUSTER_UNREACHABLE',
  NOT_ROOT: 'E_NOT_ROOT',
  MERGE_CONFLICT: 'E_MERGE_CONFLICT',
  KEY_INVALID: 'E_KEY_INVALID',
  MAPPING_INVALID: 'E_MAPPING_INVALID',
  ALREADY_OBFUSCATED: 'E_ALREADY_OBFUSCATED',
  INTEGRITY: 'E_INTEGRITY',
  INTERRUPTED: 'E_INTERRUPTED',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export interface CniEvidenceErrorOptions {
  code: ErrorCode;
  message: string;
  hint: string;
  /** The file (on disk or inside a bundle) the error is about, when there is one. */
  file?: string;
  cause?: unknown;
}

export class CniEvidenceError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly file: string | undefined;

  constructor(options: CniEvidenceErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CniEvidenceError';
    this.code = options.code;
    this.hint = options.hint;
    this.file = options.file;
  }
}

export function isCniEvidenceError(error: unknown): error is CniEvidenceError {
  return error instanceof CniEvidenceError;
}

/** A short, single-line description of any thrown value (for evidence records, not for users). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
