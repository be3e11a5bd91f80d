/**
 * A redaction rule rewrites one line of an artifact at a time. Rules are factories: the engine
 * makes a fresh instance per file, so a rule that spans lines (a PEM body, a YAML block scalar,
 * an env `name:` line followed by its `value:` line) keeps its state in a closure, bounded to a
 * few fields, never a buffered file.
 */

/** Replaces one value on a line; `n` defaults to 1. */
export type Hit = (n?: number) => void;

export interface LineRedactor {
  (line: string, hit: Hit): string;
}

export interface RedactionRule {
  /** Stable id: it names the manifest counts and the `<redacted:id>` marker. */
  id: string;
  /** What it matches, for `docs/redaction.md` and the reply to "why was this replaced?". */
  description: string;
  create(): LineRedactor;
}

export function defineRule(rule: RedactionRule): RedactionRule {
  return rule;
}

export function marker(id: string): string {
  return `<redacted:${id}>`;
}

export const MARKER_PREFIX = '<redacted:';
