/** One severity scale for klog letters, logrus/zap/slog level names, Calico's [ERROR] and friends. */

export type Severity = 'error' | 'warning' | 'info' | 'debug';

/** Fatal and panic are errors on this scale; the record's `level` keeps the original word. */
export function normalizeLevel(level: string | undefined): Severity | undefined {
  if (!level) return undefined;
  switch (level.toLowerCase()) {
    case 'error':
    case 'err':
    case 'eror':
    case 'fatal':
    case 'fata':
    case 'panic':
    case 'crit':
    case 'critical':
    case 'alert':
    case 'emerg':
    case 'dpanic':
    case 'e':
    case 'f':
      return 'error';
    case 'warning':
    case 'warn':
    case 'w':
      return 'warning';
    case 'info':
    case 'notice':
    case 'i':
      return 'info';
    case 'debug':
    case 'trace':
    case 'debu':
    case 'trac':
    case 'd':
      return 'debug';
    default:
      return undefined;
  }
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
