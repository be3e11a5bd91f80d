/** One severity scale for klog letters, logrus/zap/slog level names, Calico's [ERROR] and friends. */

export type Severity = 'error' | 'warning' | 'info' | 'debug';

/** The level words (lower case) and their severity: fatal and panic are errors on this scale. */
export const LEVEL_WORDS: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ...(['error', 'err', 'eror', 'fatal', 'fata', 'panic', 'crit', 'critical', 'alert', 'emerg', 'dpanic', 'e', 'f'] as const).map((w) => [w, 'error'] as const),
  ...(['warning', 'warn', 'w'] as const).map((w) => [w, 'warning'] as const),
  ...(['info', 'notice', 'i'] as const).map((w) => [w, 'info'] as const),
  ...(['debug', 'trace', 'debu', 'trac', 'd'] as const).map((w) => [w, 'debug'] as const),
]);

/** The record's `level` keeps the original word. */
export function normalizeLevel(level: string | undefined): Severity | undefined {
  if (!level) return undefined;
  return LEVEL_WORDS.get(level.toLowerCase());
}

/** klog's first letter: I, W, E, F. */
export function klogSeverity(letter: string): Severity {
  return letter === 'E' || letter === 'F' ? 'error' : letter === 'W' ? 'warning' : 'info';
}

/**
 * Level-less text (a Go panic, a shell error from an init container) is an error only when it
 * says so at the start; everything else is info.
 */
export function textSeverity(text: string): Severity {
  return /^\s*(?:panic:|fatal error:|fatal:|error:|Error:|ERROR\b|FATAL\b|F\d{4}\b)/.test(text) ? 'error' : 'info';
}
