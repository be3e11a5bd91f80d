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
  /**
   * For a rule that carries state from one line to the next: true when it carries none, i.e.
   * when its trigger alone decides whether a line can concern it. A redactor without `idle` is
   * stateless (always idle).
   */
  idle?: () => boolean;
}

/**
 * What a line must contain for a rule to touch it: a necessary condition, never a sufficient one.
 * The contract: while the rule's redactor is idle, a line in which no part of the trigger occurs
 * comes back unchanged, with no hit, and leaves the redactor idle. The engine joins the triggers
 * of all rules into one prefilter, and a line none of them matches skips the rule loop (and, in a
 * stream, is passed on without being decoded). So a trigger is usually the rule's own cheap
 * guards, or'ed; it may be looser than the rule (a false alarm only costs time), never tighter.
 *
 * The prefilter also runs over raw bytes read as Latin-1 (a DFA, prefilter.ts), where a UTF-8
 * character is 2–4 characters in \x80-\xff. So patterns are ASCII and must match there wherever
 * they match the decoded line: literal text and ASCII classes; a negated class excludes only ASCII
 * characters (write `[^\t-\r ...]`, not `[^\s...]`); no `\s`, `.`, anchors or lookarounds; nothing
 * that matches a newline. The engine refuses a pattern outside that subset when it is made.
 * `test/redact/prefilter.test.ts` checks every rule alone against the engine without prefilter.
 */
export interface RuleTrigger {
  /** Text that must occur as it is. */
  words?: readonly string[];
  /** Text that must occur in any ASCII case (`bearer`, `Bearer`, `BEARER`). */
  anyCase?: readonly string[];
  /** Case-sensitive patterns (no flags), under the restrictions above. */
  patterns?: readonly RegExp[];
}

export interface RedactionRule {
  /** Stable id: it names the manifest counts and the `<redacted:id>` marker. */
  id: string;
  /** What it matches, for `docs/redaction.md` and the reply to "why was this replaced?". */
  description: string;
  create(): LineRedactor;
  /** See RuleTrigger. A rule without one runs on every line (and turns the prefilter off). */
  trigger?: RuleTrigger;
}

export function defineRule(rule: RedactionRule): RedactionRule {
  return rule;
}

/** A redactor with state: `idle` says when it has none (see LineRedactor). */
export function statefulRedactor(redact: (line: string, hit: Hit) => string, idle: () => boolean): LineRedactor {
  return Object.assign(redact, { idle });
}

export function marker(id: string): string {
  return `<redacted:${id}>`;
}

export const MARKER_PREFIX = '<redacted:';
