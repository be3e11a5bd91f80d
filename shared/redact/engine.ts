/**
 * The redaction engine: every rule, in order, on every line of one artifact, with the per-file
 * state multi-line rules need and a count per rule. One engine per file; counts never hold the
 * values they replaced.
 *
 * Most lines (journal chatter) concern no rule, so a prefilter goes first: the rules' triggers
 * (see RuleTrigger in rule.ts) joined into one regex. While no rule carries state from an earlier
 * line, a line the prefilter does not match skips the rule loop, and a stream passes such lines
 * on as bytes without decoding them (`lineSkipper`). The output is the same as running every
 * rule on every line (`prefilter: false`, which the tests compare with).
 */
import type { Transform } from 'node:stream';
import { createLineTransform, rewriteText, type LineSkipper } from './lines.js';
import { NESTED_TRIGGER_SOURCES, rewriteBase64Json, rewriteEscapedStrings } from './nested.js';
import { compileScanner, literalSequence, parseTriggerPattern, type ByteScanner } from './prefilter.js';
import type { Hit, LineRedactor, RedactionRule, RuleTrigger } from './rule.js';
import { REDACTION_RULES } from './rules/index.js';

/** Documents inside documents inside documents (annotation → object → ConfigMap value) and no deeper. */
const MAX_DEPTH = 4;

export type RedactionCounts = Record<string, number>;

export interface RedactionEngineOptions {
  /**
   * Skip lines no rule's trigger matches (default true). False runs every rule on every line:
   * the reference the prefiltered engine must equal byte for byte.
   */
  prefilter?: boolean;
}

interface Prefilter {
  /** The rules' triggers, for one decoded line. */
  rules: RegExp;
  /** The rules' and the nested documents' triggers, for the raw bytes of a stream. */
  scanner: ByteScanner;
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function anyCaseSource(text: string): string {
  return [...text].map((c) => (/[A-Za-z]/.test(c) ? `[${c.toUpperCase()}${c.toLowerCase()}]` : escapeRegExp(c))).join('');
}

/** One regex source for all triggers; words already implied by a shorter word are dropped. */
function triggerSource(triggers: readonly RuleTrigger[]): string {
  const anyCase = [...new Set(triggers.flatMap((t) => t.anyCase ?? []).map((w) => w.toLowerCase()))].sort((a, b) => a.length - b.length);
  const keptAnyCase = anyCase.filter((w, i) => !anyCase.slice(0, i).some((shorter) => w.includes(shorter)));
  const words = [...new Set(triggers.flatMap((t) => t.words ?? []))].filter(
    (w, _i, all) => !keptAnyCase.some((a) => w.toLowerCase().includes(a)) && !all.some((other) => other !== w && w.includes(other)),
  );
  const patterns = triggers.flatMap((t) => t.patterns ?? []).map((p) => `(?:${p.source})`);
  return [...words.map(escapeRegExp), ...keptAnyCase.map(anyCaseSource), ...patterns].join('|');
}

const PREFILTERS = new WeakMap<readonly RedactionRule[], Prefilter | null>();

/** The prefilter of a rule set, or null when a rule has no trigger (it must see every line). */
function prefilterOf(rules: readonly RedactionRule[]): Prefilter | null {
  let prefilter = PREFILTERS.get(rules);
  if (prefilter === undefined) {
    const triggers = rules.map((r) => r.trigger);
    if (triggers.some((t) => t === undefined)) prefilter = null;
    else {
      const all = triggers as RuleTrigger[];
      // The scanner also checks that every pattern is in the subset it reads (prefilter.ts).
      const scanner = compileScanner([
        ...all.flatMap((t) => [...(t.words ?? []).map((w) => literalSequence(w)), ...(t.anyCase ?? []).map((w) => literalSequence(w, true)), ...(t.patterns ?? []).flatMap((p) => parseTriggerPattern(p))]),
        ...NESTED_TRIGGER_SOURCES.flatMap((s) => parseTriggerPattern(s)),
      ]);
      // An empty rule set still looks inside nested documents; `(?!)` never matches.
      prefilter = { rules: new RegExp(triggerSource(all) || '(?!)'), scanner };
    }
    PREFILTERS.set(rules, prefilter);
  }
  return prefilter;
}

export class RedactionEngine {
  private readonly redactors: LineRedactor[];
  private readonly hits: Hit[];
  /** The redactors that carry state from line to line. */
  private readonly stateful: LineRedactor[];
  private readonly prefilter: Prefilter | null;
  private readonly depth: number;
  private readonly tally: Map<string, number>;

  constructor(
    private readonly rules: readonly RedactionRule[] = REDACTION_RULES,
    private readonly options: RedactionEngineOptions = {},
    nesting?: { depth: number; tally: Map<string, number> },
  ) {
    this.depth = nesting?.depth ?? 0;
    const tally = nesting?.tally ?? new Map<string, number>();
    this.tally = tally;
    this.redactors = rules.map((rule) => rule.create());
    this.hits = rules.map(({ id }) => (n = 1) => void tally.set(id, (tally.get(id) ?? 0) + n));
    this.stateful = this.redactors.filter((r) => r.idle !== undefined);
    this.prefilter = options.prefilter === false ? null : prefilterOf(rules);
  }

  /** Per rule, how many values this engine (and the documents nested in its lines) replaced. */
  counts(): RedactionCounts {
    return Object.fromEntries([...this.tally].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** True when no rule carries state from an earlier line: a line no trigger matches would pass unchanged. */
  idle(): boolean {
    for (const r of this.stateful) if (!r.idle!()) return false;
    return true;
  }

  line(text: string): string {
    let out = text;
    if (this.depth < MAX_DEPTH) {
      // A nested document gets an engine of its own: its lines are not this file's lines.
      out = rewriteEscapedStrings(out, (inner) => this.child().text(inner));
      out = rewriteBase64Json(out, (inner) => this.child().text(inner));
    }
    if (this.prefilter !== null && !this.prefilter.rules.test(out) && this.idle()) return out;
    const { redactors, hits } = this;
    for (let i = 0; i < redactors.length; i++) out = redactors[i]!(out, hits[i]!);
    return out;
  }

  /** Redacts a whole text with this engine's state (the lines are one file). */
  text(text: string): string {
    return rewriteText(text, (l) => this.line(l));
  }

  /**
   * For a stream of this engine's lines (createLineTransform): which lines can be passed on as
   * they are. Null with the prefilter off.
   */
  lineSkipper(): LineSkipper | null {
    if (this.prefilter === null) return null;
    const { scanner } = this.prefilter;
    return { find: (bytes, from, to) => scanner.find(bytes, from, to), idle: () => this.idle() };
  }

  private child(): RedactionEngine {
    return new RedactionEngine(this.rules, this.options, { depth: this.depth + 1, tally: this.tally });
  }
}

export function redactText(text: string, rules: readonly RedactionRule[] = REDACTION_RULES, options: RedactionEngineOptions = {}): { text: string; counts: RedactionCounts } {
  const engine = new RedactionEngine(rules, options);
  const out = engine.text(text);
  return { text: out, counts: engine.counts() };
}

/** A streaming redactor for one artifact: bytes in, bytes out, counts when it has finished. */
export function createRedactionTransform(
  rules: readonly RedactionRule[] = REDACTION_RULES,
  options: RedactionEngineOptions = {},
): { transform: Transform; counts: () => RedactionCounts; engine: RedactionEngine } {
  const engine = new RedactionEngine(rules, options);
  return { transform: createLineTransform((line) => engine.line(line), undefined, engine.lineSkipper()), counts: () => engine.counts(), engine };
}

export function addCounts(into: RedactionCounts, from: RedactionCounts | undefined): RedactionCounts {
  for (const [rule, n] of Object.entries(from ?? {})) into[rule] = (into[rule] ?? 0) + n;
  return into;
}
