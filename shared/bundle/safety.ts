import { CniEvidenceError, ERROR_CODES } from '../errors.js';

/** Limits against tar bombs; generous for real incidents, overridable from the CLI. */
export interface ReadLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  maxManifestBytes: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = {
  maxEntryBytes: 8 * 1024 ** 3,
  maxTotalBytes: 32 * 1024 ** 3,
  maxEntries: 200_000,
  maxManifestBytes: 256 * 1024 ** 2,
};

/** Rejects absolute paths, `..`/`.` segments, backslashes and NULs: nothing may land outside the bundle. */
export function assertSafeBundlePath(path: string, file: string): void {
  const segments = path.split('/');
  const unsafe =
    path.length === 0 ||
    path.startsWith('/') ||
    /^[A-Za-z]:/.test(path) ||
    path.includes('\\') ||
    path.includes('\u0000') ||
    segments.some((segment) => segment === '..' || segment === '.' || segment === '');
  if (unsafe) {
    throw new CniEvidenceError({
      code: ERROR_CODES.UNSAFE_PATH,
      message: `unsafe path ${JSON.stringify(path)} in ${file}`,
      hint: 'The bundle may be hostile or was made by a broken tool; do not unpack it by hand. Ask for a new bundle made with cni-evidence.',
      file,
    });
  }
}
