/**
 * The stream prefilter: the rules' triggers and the nested-document conditions compiled into one
 * DFA over bytes, which finds the lines worth decoding in one pass at a few nanoseconds a byte
 * (a JavaScript regex of the same union runs 4–5 times slower: it tries every alternative at
 * every position).
 *
 * It accepts a small subset of the regex syntax (literal characters, escapes, classes, `(?:…|…)`
 * groups without quantifiers, `*` `+` `?` `{n,m}`) and throws on anything else. It may match more
 * than the pattern, never less: `?` is read as "any number", a count over MAX_COUNT as MAX_COUNT
 * or more. The bytes are read as Latin-1, so a UTF-8 character is 2–4 bytes in \x80-\xff: a
 * negated class takes them (as it takes the character), an ASCII class or literal does not. No
 * part may match a newline, so a match never spans two lines and the DFA is back at its start
 * state after each newline. States are built lazily, on first use.
 */

/** One position of a pattern: a byte set, once or any number of times. */
export interface Atom {
  set: Uint8Array;
  star: boolean;
}

export type Sequence = readonly Atom[];

/** Finds where a match ends: the index of its last byte in [from, to), or -1. */
export interface ByteScanner {
  find(bytes: Uint8Array, from: number, to: number): number;
  /** DFA states built so far (for the tests). */
  readonly states: number;
}

const NEWLINE = 0x0a;
/** Transition table entries: a match, or a transition not built yet (states are premultiplied offsets, >= 0). */
const ACCEPT = -1;
const UNKNOWN = -2;
const MAX_ALTERNATIVES = 4096;
const MAX_STATES = 10_000;
/** `x{40}` is read as 24 x's followed by any number: the DFA stays small. */
const MAX_COUNT = 24;

function byteSet(codes: Iterable<number>, negate = false): Uint8Array {
  const set = new Uint8Array(256);
  for (const c of codes) set[c] = 1;
  if (negate) for (let b = 0; b < 256; b++) set[b] = set[b] ? 0 : 1;
  return set;
}

/** A literal as atoms, optionally in any ASCII case. */
export function literalSequence(text: string, anyCase = false): Sequence {
  return [...text].map((ch) => {
    const code = ch.charCodeAt(0);
    if (ch.length !== 1 || code > 0x7f) throw new Error(`a trigger word must be ASCII: ${JSON.stringify(text)}`);
    const codes = anyCase && /[A-Za-z]/.test(ch) ? [ch.toLowerCase().charCodeAt(0), ch.toUpperCase().charCodeAt(0)] : [code];
    return { set: byteSet(codes), star: false };
  });
}

const SIMPLE_ESCAPES: Record<string, number> = { t: 0x09, r: 0x0d, v: 0x0b, f: 0x0c, '0': 0x00 };

class PatternParser {
  private i = 0;
  constructor(private readonly source: string) {}

  parse(): Sequence[] {
    const alternatives = this.alternation();
    if (this.i !== this.source.length) this.fail(`unexpected ${this.source[this.i]}`);
    return alternatives;
  }

  private fail(why: string): never {
    throw new Error(`unsupported trigger pattern /${this.source}/ at ${this.i}: ${why}`);
  }

  private alternation(): Sequence[] {
    const out: Sequence[] = [...this.sequence()];
    while (this.source[this.i] === '|') {
      this.i++;
      out.push(...this.sequence());
    }
    return out;
  }

  /** The alternatives of one sequence (groups multiply them). */
  private sequence(): Sequence[] {
    let out: Atom[][] = [[]];
    while (this.i < this.source.length && this.source[this.i] !== '|' && this.source[this.i] !== ')') {
      if (this.source.startsWith('(?:', this.i)) {
        this.i += 3;
        const inner = this.alternation();
        if (this.source[this.i] !== ')') this.fail('unclosed group');
        this.i++;
        if (/^[*+?{]/.test(this.source[this.i] ?? '')) this.fail('a quantified group');
        out = out.flatMap((head) => inner.map((tail) => [...head, ...tail]));
        if (out.length > MAX_ALTERNATIVES) this.fail('too many alternatives');
        continue;
      }
      const set = this.atomSet();
      const [min, max] = this.quantifier();
      // Looser, never tighter: up to MAX_COUNT copies of a counted atom, then "any number" when more may follow.
      const copies = Math.min(min, MAX_COUNT);
      const atoms: Atom[] = Array.from({ length: copies }, () => ({ set, star: false }));
      if (max > copies) atoms.push({ set, star: true });
      for (const a of out) a.push(...atoms);
    }
    return out;
  }

  private quantifier(): [number, number] {
    const c = this.source[this.i];
    if (c === '*') return this.i++, [0, Infinity];
    if (c === '+') return this.i++, [1, Infinity];
    if (c === '?') return this.i++, [0, 1];
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.source.slice(this.i));
      if (!m) this.fail('bad count');
      this.i += m[0].length;
      const min = Number(m[1]);
      return [min, m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])];
    }
    return [1, 1];
  }

  private escape(): number {
    const c = this.source[this.i++];
    if (c === undefined) this.fail('trailing backslash');
    if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c]!;
    if (c === 'x') {
      const hex = this.source.slice(this.i, this.i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('bad \\x escape');
      this.i += 2;
      return parseInt(hex, 16);
    }
    if (/[A-Za-z0-9]/.test(c)) this.fail(`\\${c}`);
    return this.char(c);
  }

  private char(c: string): number {
    const code = c.charCodeAt(0);
    if (code > 0xff) this.fail('a character beyond Latin-1');
    return code;
  }

  private atomSet(): Uint8Array {
    const c = this.source[this.i++]!;
    let set: Uint8Array;
    if (c === '\\') set = byteSet([this.escape()]);
    else if (c === '[') set = this.classSet();
    else if ('.^$()*+?{}'.includes(c)) this.fail(c);
    else set = byteSet([this.char(c)]);
    if (set[NEWLINE]) this.fail('a newline must not match');
    return set;
  }

  private classSet(): Uint8Array {
    const negate = this.source[this.i] === '^';
    if (negate) this.i++;
    const codes: number[] = [];
    while (this.source[this.i] !== ']') {
      if (this.i >= this.source.length) this.fail('unclosed class');
      const from = this.classChar();
      if (this.source[this.i] === '-' && this.source[this.i + 1] !== ']' && this.i + 1 < this.source.length) {
        this.i++;
        const to = this.classChar();
        if (to < from) this.fail('bad range');
        for (let b = from; b <= to; b++) codes.push(b);
      } else codes.push(from);
    }
    this.i++;
    return byteSet(codes, negate);
  }

  private classChar(): number {
    const c = this.source[this.i++]!;
    return c === '\\' ? this.escape() : this.char(c);
  }
}

/** The alternatives of a pattern in the subset above; throws on anything else. */
export function parseTriggerPattern(pattern: RegExp | string): Sequence[] {
  if (typeof pattern !== 'string' && pattern.flags.replace(/[gy]/g, '') !== '') throw new Error(`a trigger pattern takes no flags: ${String(pattern)}`);
  return new PatternParser(typeof pattern === 'string' ? pattern : pattern.source).parse();
}

/** One DFA for "some sequence occurs": unanchored, stops at the first match. */
export function compileScanner(sequences: readonly Sequence[]): ByteScanner {
  for (const s of sequences) {
    if (!s.some((a) => !a.star)) throw new Error('a trigger must not match the empty string');
  }
  // Positions: sequence k at atom j is id offsets[k] + j; j === length is the accept.
  const offsets: number[] = [];
  const atoms: (Atom | null)[] = [];
  for (const s of sequences) {
    offsets.push(atoms.length);
    atoms.push(...s, null);
  }
  // Byte classes: bytes that every atom treats alike.
  const classOf = new Uint8Array(256);
  const signatures = new Map<string, number>();
  const representatives: number[] = [];
  for (let b = 0; b < 256; b++) {
    const signature = atoms.map((a) => (a?.set[b] ? '1' : '0')).join('');
    let id = signatures.get(signature);
    if (id === undefined) {
      id = representatives.length;
      signatures.set(signature, id);
      representatives.push(b);
    }
    if (id > 255) throw new Error('too many byte classes');
    classOf[b] = id;
  }
  const classes = representatives.length;
  /** Adds a position and what it reaches through star atoms; true if that reaches an accept. */
  const close = (into: Set<number>, p: number): boolean => {
    for (;;) {
      into.add(p);
      const atom = atoms[p];
      if (atom === null) return true;
      if (!atom!.star) return false;
      p += 1;
    }
  };
  /** Adds where the positions in `from` go on class `c` to `into`; true if one reaches an accept. */
  const step = (from: Iterable<number>, c: number, into: Set<number>): boolean => {
    const b = representatives[c]!;
    let accept = false;
    for (const p of from) {
      const atom = atoms[p];
      if (atom && atom.set[b]) accept = (atom.star ? close(into, p) : close(into, p + 1)) || accept;
    }
    return accept;
  };
  // Every state holds the start positions (the search is unanchored), so a state is named by the
  // positions it holds besides them, and what the start positions reach on each class is computed once.
  const startSet = new Set<number>();
  for (const o of offsets) close(startSet, o);
  const fromStart: (number[] | null)[] = [];
  for (let c = 0; c < classes; c++) {
    const into = new Set<number>();
    fromStart.push(step(startSet, c, into) ? null : [...into].filter((p) => !startSet.has(p)));
  }
  // States are built when the scan first needs them (most inputs visit few), up to MAX_STATES;
  // past that a transition is reported as a match, which only costs the caller a closer look.
  const ids = new Map<string, number>([['', 0]]);
  const extras: number[][] = [[]];
  let table = new Int32Array(64 * classes).fill(UNKNOWN);
  /** The transition of premultiplied state `state` on class `c`, built and stored. */
  const build = (state: number, c: number): number => {
    const base = fromStart[c]!;
    if (base === null) return (table[state + c] = ACCEPT);
    const next = new Set<number>(base);
    if (step(extras[state / classes]!, c, next)) return (table[state + c] = ACCEPT);
    const extra = [...next].filter((p) => !startSet.has(p)).sort((a, b) => a - b);
    const key = extra.join(',');
    let id = ids.get(key);
    if (id === undefined) {
      if (extras.length >= MAX_STATES) return ACCEPT;
      id = extras.length;
      ids.set(key, id);
      extras.push(extra);
      if ((id + 1) * classes > table.length) {
        const grown = new Int32Array(table.length * 2).fill(UNKNOWN);
        grown.set(table);
        table = grown;
      }
    }
    return (table[state + c] = id * classes);
  };
  return {
    get states() {
      return extras.length;
    },
    find(bytes, from, to) {
      let t = table;
      let state = 0;
      for (let i = from; i < to; i++) {
        const c = classOf[bytes[i]!]!;
        let next = t[state + c]!;
        if (next < 0) {
          if (next === UNKNOWN) {
            next = build(state, c);
            t = table;
          }
          if (next === ACCEPT) return i;
        }
        state = next;
      }
      return -1;
    },
  };
}
