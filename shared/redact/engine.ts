/**
 * The redaction engine: every rule, in order, on every line of one artifact, with the per-file
 * state multi-line rules need and a count per rule. One engine per file; counts never hold the
 * values they replaced.
 */
import type { Transform } from 'node:stream';
import { createLineTransform, rewriteText } from './lines.js';
import { rewriteBase64Json, rewriteEscapedStrings } from './nested.js';
import type { LineRedactor, RedactionRule } from './rule.js';
import { REDACTION_RULES } from './rules/index.js';

/** Documents inside documents inside documents (annotation → object → ConfigMap value) and no deeper. */
const MAX_DEPTH = 4;

export type RedactionCounts = Record<string, number>;

export class RedactionEngine {
  private readonly instances: { rule: RedactionRule; redact: LineRedactor }[];
  private readonly tally: Map<string, number>;

  constructor(
    private readonly rules: readonly RedactionRule[] = REDACTION_RULES,
    private readonly depth = 0,
    tally?: Map<string, number>,
  ) {
    this.instances = rules.map((rule) => ({ rule, redact: rule.create() }));
    this.tally = tally ?? new Map();
  }

  /** Per rule, how many values this engine (and the documents nested in its lines) replaced. */
  counts(): RedactionCounts {
    return Object.fromEntries([...this.tally].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  line(text: string): string {
    let out = text;
    if (this.depth < MAX_DEPTH) {
      // A nested document gets an engine of its own: its lines are not this file's lines.
      out = rewriteEscapedStrings(out, (inner) => this.child().text(inner));
      out = rewriteBase64Json(out, (inner) => this.child().text(inner));
    }
    for (const { rule, redact } of this.instances) {
      const hit = (n = 1) => this.tally.set(rule.id, (this.tally.get(rule.id) ?? 0) + n);
      out = redact(out, hit);
    }
    return out;
  }

  /** Redacts a whole text with this engine's state (the lines are one file). */
  text(text: string): string {
    return rewriteText(text, (l) => this.line(l));
  }

  private child(): RedactionEngine {
    return new RedactionEngine(this.rules, this.depth + 1, this.tally);
  }
}

export function redactText(text: string, rules: readonly RedactionRule[] = REDACTION_RULES): { text: string; counts: RedactionCounts } {
  const engine = new RedactionEngine(rules);
  const out = engine.text(text);
  return { text: out, counts: engine.counts() };
}

/** A streaming redactor for one artifact: bytes in, bytes out, counts when it has finished. */
export function createRedactionTransform(rules: readonly RedactionRule[] = REDACTION_RULES): { transform: Transform; counts: () => RedactionCounts; engine: RedactionEngine } {
  const engine = new RedactionEngine(rules);
  return { transform: createLineTransform((line) => engine.line(line)), counts: () => engine.counts(), engine };
}

export function addCounts(into: RedactionCounts, from: RedactionCounts | undefined): RedactionCounts {
  for (const [rule, n] of Object.entries(from ?? {})) into[rule] = (into[rule] ?? 0) + n;
  return into;
}
