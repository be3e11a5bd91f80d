/**
 * A JSON syntax scanner that reports exactly where a document breaks, and where chosen values start.
 *
 * JSON.parse's messages differ between Node versions and some carry no position at all, but a rule
 * has to cite "line 3, column 18" of a broken CNI config. The scanner is linear, recursion-bounded
 * and never throws; JSON.parse is still used for the values once the scan says the text is valid.
 */
import { LineIndex } from './text.js';

/** Path segments; '*' in a pattern matches any key or index. */
export type JsonPath = (string | number)[];

export interface JsonError {
  offset: number;
  line: number;
  column: number;
  message: string;
}

export interface JsonDocument {
  /** The parsed first value, when the text up to its end is valid JSON. */
  value?: unknown;
  error?: JsonError;
  /** Non-whitespace after the first complete value (libcni rejects it, JSON.parse too). */
  trailing?: { offset: number; line: number; column: number; text: string };
  /** Start offsets of values whose path matched a requested pattern, keyed by pointerOf(path). */
  found: Map<string, number>;
  lines: LineIndex;
}

export function pointerOf(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) out += '/' + String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
  return out;
}

const MAX_DEPTH = 512;

class ScanError {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

class Scanner {
  pos = 0;
  readonly path: (string | number)[] = [];
  readonly found = new Map<string, number>();
  private readonly maxPatternLength: number;

  constructor(
    private readonly s: string,
    private readonly patterns: readonly JsonPath[],
  ) {
    this.maxPatternLength = patterns.reduce((m, p) => Math.max(m, p.length), -1);
  }

  private fail(message: string, at = this.pos): never {
    throw new ScanError(at, message);
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else break;
    }
  }

  private note(): void {
    if (this.path.length > this.maxPatternLength) return;
    for (const p of this.patterns) {
      if (p.length !== this.path.length) continue;
      let ok = true;
      for (let i = 0; i < p.length && ok; i++) ok = p[i] === '*' || p[i] === this.path[i];
      if (ok) {
        this.found.set(pointerOf(this.path), this.pos);
        return;
      }
    }
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.ws();
    this.note();
    const s = this.s;
    if (this.pos >= s.length) this.fail('unexpected end of JSON input');
    const c = s[this.pos]!;
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth);
    else if (c === '"') this.string();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else if (c === '-' || (c >= '0' && c <= '9')) this.number();
    else this.fail(`unexpected character ${JSON.stringify(c)} where a value should start`);
  }

  private object(depth: number): void {
    const s = this.s;
    this.pos++;
    this.ws();
    if (s[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.pos >= s.length) this.fail('unexpected end of JSON input');
      if (s[this.pos] !== '"') this.fail(`expected a double-quoted property name, found ${JSON.stringify(s[this.pos])}`);
      const key = this.string(true)!;
      this.ws();
      if (this.pos >= s.length) this.fail('unexpected end of JSON input');
      if (s[this.pos] !== ':') this.fail(`expected ':' after property name, found ${JSON.stringify(s[this.pos])}`);
      this.pos++;
      this.path.push(key);
      this.value(depth + 1);
      this.path.pop();
      this.ws();
      if (this.pos >= s.length) this.fail('unexpected end of JSON input');
      const c = s[this.pos];
      this.pos++;
      if (c === ',') continue;
      if (c === '}') return;
      this.fail(`expected ',' or '}' after property value, found ${JSON.stringify(c)}`, this.pos - 1);
    }
  }

  private array(depth: number): void {
    const s = this.s;
    this.pos++;
    this.ws();
    if (s[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      this.path.push(index);
      this.value(depth + 1);
      this.path.pop();
      this.ws();
      if (this.pos >= s.length) this.fail('unexpected end of JSON input');
      const c = s[this.pos];
      this.pos++;
      if (c === ',') {
        this.ws();
        if (s[this.pos] === ']') this.fail("unexpected ']' after ',' (trailing comma)");
        continue;
      }
      if (c === ']') return;
      this.fail(`expected ',' or ']' after array element, found ${JSON.stringify(c)}`, this.pos - 1);
    }
  }

  /** Returns the decoded string only when asked (object keys): values are decoded by JSON.parse. */
  private string(capture = false): string | undefined {
    const s = this.s;
    const start = this.pos;
    this.pos++;
    let escaped = false;
    for (;;) {
      if (this.pos >= s.length) this.fail('unterminated string', start);
      const c = s.charCodeAt(this.pos);
      if (c === 34) break;
      if (c < 32) this.fail('control character in string (a raw newline or tab must be escaped)');
      if (c === 92) {
        escaped = true;
        const e = s[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(this.pos + 2, this.pos + 6))) this.fail('invalid \\u escape');
          this.pos += 6;
          continue;
        }
        if (e === undefined) this.fail('unterminated string', start);
        if (!'"\\/bfnrt'.includes(e)) this.fail(`invalid escape \\${e}`);
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    this.pos++;
    if (!capture) return undefined;
    const raw = s.slice(start + 1, this.pos - 1);
    return escaped ? (JSON.parse(s.slice(start, this.pos)) as string) : raw;
  }

  private literal(word: string): void {
    if (this.s.startsWith(word, this.pos)) this.pos += word.length;
    else this.fail(`invalid literal, expected ${word}`);
  }

  private number(): void {
    const re = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (!m || m[0] === '-' || m[0].length === 0) this.fail('invalid number');
    this.pos += m[0].length;
  }
}

/**
 * Scans and parses the first JSON value in `text`. A leading UTF-8 BOM is not skipped: Go's
 * encoding/json (libcni) rejects it too, so callers decide whether to strip it first.
 */
export function parseJsonDocument(text: string, patterns: readonly JsonPath[] = []): JsonDocument {
  const lines = new LineIndex(text);
  const scanner = new Scanner(text, patterns);
  const at = (offset: number) => ({ offset, line: lines.line(offset), column: lines.column(offset) });
  try {
    scanner.value(0);
  } catch (e) {
    if (!(e instanceof ScanError)) throw e;
    return { error: { ...at(e.offset), message: e.message }, found: scanner.found, lines };
  }
  const end = scanner.pos;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(0, end));
  } catch (e) {
    // The scan accepted what JSON.parse refused: report it rather than throw.
    return { error: { ...at(0), message: e instanceof Error ? e.message : String(e) }, found: scanner.found, lines };
  }
  scanner.ws();
  const doc: JsonDocument = { value, found: scanner.found, lines };
  if (scanner.pos < text.length) {
    doc.trailing = { ...at(scanner.pos), text: text.slice(scanner.pos, scanner.pos + 80) };
  }
  return doc;
}

/** 1-based line of a located value, or `fallback` when the path was not requested or not present. */
export function lineOfPath(doc: JsonDocument, path: readonly (string | number)[], fallback = 1): number {
  const offset = doc.found.get(pointerOf(path));
  return offset === undefined ? fallback : doc.lines.line(offset);
}
