/**
 * Line splitting and the checks every text parser starts with. Bundle files come from nodes we do
 * not control: a BOM, CRLF endings, NUL bytes or a cut-off last line are evidence, not errors.
 */
import { excerptOf, type ParseProblem } from '../types.js';

export interface SplitText {
  /** Lines without their terminators; a final newline does not make an extra empty line. */
  lines: string[];
  bom: boolean;
  /** True when any line ended with CRLF (the terminators are removed from `lines`). */
  crlf: boolean;
  /** True when the text did not end with a newline (a cut-off write, or a file like host-local's). */
  noFinalNewline: boolean;
}

export function splitLines(text: string): SplitText {
  let body = text;
  const bom = body.charCodeAt(0) === 0xfeff;
  if (bom) body = body.slice(1);
  const crlf = body.includes('\r\n');
  const lines = body.split('\n');
  const noFinalNewline = body.length > 0 && !body.endsWith('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (crlf) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
  }
  return { lines, bom, crlf, noFinalNewline };
}

/**
 * NUL bytes, or many replacement characters, mean the file is not text (a binary copied by
 * mistake, a corrupt journal, a truncated gzip); parsing it line by line only produces noise.
 */
export function looksBinary(text: string): boolean {
  const sample = text.length > 8192 ? text.slice(0, 8192) : text;
  if (sample.includes('\u0000')) return true;
  let bad = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 27 && c !== 12)) bad++;
  }
  return sample.length > 0 && bad / sample.length > 0.1;
}

export function problem(file: string, line: number, message: string, text?: string): ParseProblem {
  return text === undefined ? { file, line, message } : { file, line, message, excerpt: excerptOf(text) };
}

/** Maps character offsets to 1-based line and column numbers with a binary search. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  line(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  column(offset: number): number {
    return offset - this.starts[this.line(offset) - 1]! + 1;
  }
}

/** The last path segment, for parsers whose file name carries meaning (cache files, IP files). */
export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? path : path.slice(i + 1);
}

/** Whitespace-separated tokens with their start offsets, so a parser can take "the rest of the line". */
export interface Token {
  text: string;
  start: number;
  end: number;
}

export function tokenize(line: string, max = Infinity): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n && out.length < max) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    out.push({ text: line.slice(start, i), start, end: i });
  }
  return out;
}

export function toInt(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}
