/**
 * The parser contract. A parser is pure: text in, records out. It never throws on bad input;
 * what it cannot read becomes a ParseProblem with the line, so a rule can say "the file is
 * unreadable at line N" instead of the tool crashing at 3 AM.
 */

import type { Severity } from './lib/severity.js';

/** Where a fact came from: a path inside the bundle and a 1-based line number (0 = whole file). */
export interface SourceRef {
  file: string;
  line: number;
}

export interface ParseProblem extends SourceRef {
  message: string;
  /** The offending text, cut to a readable length. */
  excerpt?: string;
}

export interface ParseResult<R> {
  records: R[];
  problems: ParseProblem[];
}

/** Parses a whole (small) file: configs, JSON objects, listings, env files. */
export interface TextParser<R> {
  readonly id: string;
  parse(text: string, file: string): ParseResult<R>;
}

/**
 * Parses one line of a (possibly huge) log stream. Returning null means "not interesting":
 * log parsers keep only the lines a rule or the timeline can use, so memory stays flat.
 */
export interface LineParser<R> {
  readonly id: string;
  parseLine(line: string, lineNo: number, file: string): R | ParseProblem | null;
  /**
   * Optional fast path over the undecoded UTF-8 bytes of a line (`bytes[start, end)`), leaving the
   * same state behind as parseLine would:
   * - true when parseLine would return null for it (dropped, never decoded);
   * - a DeferredLine when parseLine would return a record whose decoding depends on nothing but
   *   the line (only with `materialize`): the caller keeps it and asks `materialize` for the
   *   record once it knows the record survives (a big bundle thins most of them away unread);
   * - false whenever in doubt: parseLine then decides.
   * Streams call it first and skip decoding the lines it drops.
   */
  dropUnread?(bytes: Uint8Array, start: number, end: number, lineNo: number, file: string): boolean | DeferredLine;
  /** The record a DeferredLine of this parser stands for: exactly what parseLine would have returned. */
  materialize?(line: DeferredLine): R;
  /** Called after the last line of a file: a parser can forget what it kept for that file. */
  endFile?(file: string): void;
}

/**
 * A kept log line whose decoding is put off (see LineParser.dropUnread). It carries what the
 * loader's record budget needs to rank it (the severity) and the text to decode it later.
 */
export interface DeferredLine extends SourceRef {
  kind: 'deferred-line';
  severity: Severity;
  raw: string;
}

export function isDeferredLine(value: unknown): value is DeferredLine {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'deferred-line';
}

export function excerptOf(text: string, max = 300): string {
  const oneLine = text.replace(/\r?\n/g, '\\n');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export function isParseProblem(value: unknown): value is ParseProblem {
  return typeof value === 'object' && value !== null && 'message' in value && !('kind' in value);
}

/**
 * Runs a LineParser over a whole text (tests, small files). Streams of real size should feed
 * lines themselves so that memory stays flat; this helper holds the text once.
 */
export function runLineParser<R>(parser: LineParser<R>, text: string, file: string): ParseResult<R> {
  const records: R[] = [];
  const problems: ParseProblem[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    const out = parser.parseLine(line, i + 1, file);
    if (out === null) return;
    if (isParseProblem(out)) problems.push(out);
    else records.push(out as R);
  });
  parser.endFile?.(file);
  return { records, problems };
}
