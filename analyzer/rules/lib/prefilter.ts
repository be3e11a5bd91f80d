/**
 * Literal prefilters for the rules' log regexes. Most kept log lines match none of a rule's
 * patterns, and a regex whose branches start with a character class, a lookbehind or `\b` (the
 * API-unreachable address, "Unauthorized") is tried by V8 at every position of every line. Every
 * match of such a regex contains one of a few literals (`:6443`, `dial tcp `, `unauthorized`…), and
 * a regex made of just those literals rejects a line several times faster. The literals are derived
 * from the regex source itself, so a rule's pattern and its prefilter cannot drift apart.
 *
 * Sound by construction: a text the prefilter rejects cannot match. Anything the small parser does
 * not understand (Unicode mode, a stateful `g`/`y` regex, an unknown escape) gives no prefilter,
 * and the regex then runs on every text as before.
 */

export interface Prefilter {
  /** Every match of the regex contains at least one of these (lower-cased when `ignoreCase`). */
  readonly literals: readonly string[];
  /** The regex has the `i` flag: the literals match in any case. */
  readonly ignoreCase: boolean;
  /** The literals as one alternation, with the regex's case flag. */
  readonly re: RegExp;
}

/** Literals shorter than this reject too few lines to pay for the search. */
const MIN_LITERAL = 3;
/** Bound on the sets of strings a piece of the regex can match exactly. */
const MAX_SET = 32;

type StringSet = ReadonlySet<string>;

interface Info {
  /** Every string this piece can match, when it is a small finite set ("" for zero-width pieces). */
  exact: StringSet | null;
  /** Strings one of which every match of this piece contains, or null when nothing is known. */
  req: StringSet | null;
}

class Unsupported extends Error {}

/** An ASCII character that stands for itself outside a class. */
function isPlain(c: string | undefined): boolean {
  return c !== undefined && c.charCodeAt(0) < 0x80 && !'\\^$.|?*+()[]{}'.includes(c);
}

function isQuantifierStart(c: string | undefined): boolean {
  return c === '*' || c === '+' || c === '?' || c === '{';
}

const ZERO_WIDTH: Info = { exact: new Set(['']), req: null };
const ANYTHING: Info = { exact: null, req: null };

function cross(a: StringSet, b: StringSet): StringSet | null {
  if (a.size * b.size > MAX_SET) return null;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return out;
}

function union(sets: readonly (StringSet | null)[]): StringSet | null {
  const out = new Set<string>();
  for (const s of sets) {
    if (s === null) return null;
    for (const x of s) out.add(x);
  }
  return out.size > MAX_SET ? null : out;
}

/** The shortest string of a set: what a prefilter built on it can at least rely on. */
function minLength(set: StringSet): number {
  let min = Infinity;
  for (const s of set) min = Math.min(min, s.length);
  return min;
}

/** Past this length a longer literal hardly rejects more lines. */
const GOOD_LENGTH = 16;

/** How well a requirement set filters: long literals, and few of them (each is one more search). */
function score(set: StringSet): number {
  const min = minLength(set);
  // Too short to be used at all: only better than nothing, or than something shorter.
  return min < MIN_LITERAL ? min - 100 : Math.min(min, GOOD_LENGTH) - 2 * Math.log2(set.size);
}

/** The better of two requirement sets (ignoring sets that allow the empty string). */
function better(a: StringSet | null, b: StringSet | null): StringSet | null {
  if (b === null || b.size === 0 || minLength(b) === 0) return a;
  if (a === null) return b;
  const sa = score(a);
  const sb = score(b);
  return sb > sa || (sb === sa && minLength(b) > minLength(a)) ? b : a;
}

/** Without the literals that contain another one: a text that has the longer one has the shorter too. */
function pruned(set: StringSet): StringSet {
  const sorted = [...set].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return new Set(sorted.filter((lit, i) => !sorted.slice(0, i).some((shorter) => lit.includes(shorter))));
}

function reqOf(info: Info): StringSet | null {
  // A piece that matches one of a few non-empty strings requires one of them.
  return better(info.req, info.exact);
}

class Parser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly ignoreCase: boolean,
  ) {}

  parse(): Info {
    const info = this.alternation();
    if (this.pos !== this.src.length) throw new Unsupported(`unexpected ${this.src[this.pos]}`);
    return info;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private alternation(): Info {
    const branches: Info[] = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.sequence());
    }
    if (branches.length === 1) return branches[0]!;
    // A match is a match of one branch: it contains what that branch requires.
    const reqs = branches.map(reqOf);
    return { exact: union(branches.map((b) => b.exact)), req: reqs.some((r) => r === null) ? null : union(reqs.map((r) => pruned(r!))) };
  }

  private sequence(): Info {
    let exact: StringSet | null = new Set(['']);
    let req: StringSet | null = null;
    // The current run of consecutive pieces that match exactly: matched contiguously.
    let run: StringSet = new Set(['']);
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const term = this.quantified(this.atom());
      exact = exact !== null && term.exact !== null ? cross(exact, term.exact) : null;
      if (term.exact !== null) {
        // Where the run branches, the run so far is a candidate too: fewer literals, maybe shorter.
        if (term.exact.size > 1) req = better(req, run);
        run = cross(run, term.exact) ?? term.exact;
      } else {
        req = better(better(req, run), term.req);
        run = new Set(['']);
      }
    }
    return { exact, req: better(req, run) };
  }

  private quantified(atom: Info): Info {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (!m) throw new Unsupported('a literal {');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.pos += m[0].length - 1;
    } else return atom;
    this.pos++;
    if (this.peek() === '?') this.pos++; // lazy: matches the same strings
    let exact: StringSet | null = null;
    if (atom.exact !== null && max !== Infinity && max <= MAX_SET) {
      const powers: (StringSet | null)[] = [];
      let power: StringSet | null = new Set(['']);
      for (let k = 0; k <= max && power !== null; k++) {
        if (k >= min) powers.push(power);
        if (k < max) power = cross(power, atom.exact);
      }
      exact = power === null ? null : union(powers);
    }
    return { exact, req: min >= 1 ? reqOf(atom) : null };
  }

  private atom(): Info {
    const c = this.src[this.pos++];
    switch (c) {
      case '(':
        return this.group();
      case '[':
        this.characterClass();
        return ANYTHING;
      case '.':
        return ANYTHING;
      case '^':
      case '$':
        return ZERO_WIDTH;
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
      case '{':
      case undefined:
        throw new Unsupported(`${c ?? 'end'} where an atom belongs`);
      default:
        return this.literal(c + this.plainRun());
    }
  }

  /**
   * The plain characters that follow, up to (not including) one a quantifier applies to: `abc?`
   * is `ab` then `c?`. One atom for a whole literal run keeps the parse linear.
   */
  private plainRun(): string {
    const start = this.pos;
    while (isPlain(this.src[this.pos]) && !isQuantifierStart(this.src[this.pos + 1])) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private literal(c: string): Info {
    // Only ASCII: in non-Unicode mode an ASCII character matches itself and, under the i flag, its
    // other case only; the lower-cased literal with the same flag matches exactly those.
    if (/[^\x00-\x7f]/.test(c)) return ANYTHING;
    const s = this.ignoreCase ? c.toLowerCase() : c;
    return { exact: new Set([s]), req: null };
  }

  private group(): Info {
    let lookaround = false;
    if (this.src.startsWith('?:', this.pos)) this.pos += 2;
    else if (this.src.startsWith('?=', this.pos) || this.src.startsWith('?!', this.pos)) {
      this.pos += 2;
      lookaround = true;
    } else if (this.src.startsWith('?<=', this.pos) || this.src.startsWith('?<!', this.pos)) {
      this.pos += 3;
      lookaround = true;
    } else if (this.src.startsWith('?<', this.pos)) {
      const end = this.src.indexOf('>', this.pos);
      if (end < 0) throw new Unsupported('group name');
      this.pos = end + 1;
    } else if (this.peek() === '?') throw new Unsupported('group modifier');
    const inner = this.alternation();
    if (this.src[this.pos++] !== ')') throw new Unsupported('unclosed group');
    // A lookaround consumes nothing: the text around it is still matched contiguously.
    return lookaround ? ZERO_WIDTH : inner;
  }

  private characterClass(): void {
    // In non-Unicode mode the first `]` ends the class (`[]` is empty, `[^]` any character).
    for (;;) {
      const c = this.src[this.pos++];
      if (c === undefined) throw new Unsupported('unclosed class');
      if (c === '\\') this.pos++;
      else if (c === ']') return;
    }
  }

  private escape(): Info {
    const c = this.src[this.pos++];
    if (c === undefined) throw new Unsupported('trailing backslash');
    switch (c) {
      case 'b':
      case 'B':
        return ZERO_WIDTH;
      case 'd':
      case 'D':
      case 'w':
      case 'W':
      case 's':
      case 'S':
        return ANYTHING;
      case 'n':
        return this.literal('\n');
      case 'r':
        return this.literal('\r');
      case 't':
        return this.literal('\t');
      case 'f':
        return this.literal('\f');
      case 'v':
        return this.literal('\v');
      case 'x': {
        const m = /^[0-9a-fA-F]{2}/.exec(this.src.slice(this.pos));
        if (!m) throw new Unsupported('\\x');
        this.pos += 2;
        return this.literal(String.fromCharCode(parseInt(m[0], 16)));
      }
      case 'u': {
        const m = /^[0-9a-fA-F]{4}/.exec(this.src.slice(this.pos));
        if (!m) throw new Unsupported('\\u');
        this.pos += 4;
        return this.literal(String.fromCharCode(parseInt(m[0], 16)));
      }
      default:
        // Backreferences, \0, \c, \k, \p and identity escapes of letters: not worth the risk.
        if (/[A-Za-z0-9_]/.test(c)) throw new Unsupported(`\\${c}`);
        return this.literal(c);
    }
  }
}

/** The literals every match contains, or null when the source is beyond the parser. */
export function requiredLiterals(re: RegExp): Prefilter | null {
  if (re.global || re.sticky || re.unicode || re.flags.includes('v')) return null;
  const ignoreCase = re.ignoreCase;
  let info: Info;
  try {
    info = new Parser(re.source, ignoreCase).parse();
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
  const req = reqOf(info);
  if (req === null || req.size === 0 || minLength(req) < MIN_LITERAL) return null;
  const literals = [...pruned(req)];
  // Under the i flag (non-Unicode) an ASCII letter matches its other case only, as in the regex.
  return { literals, ignoreCase, re: alternationOf(literals, ignoreCase) };
}

const PREFILTERS = new WeakMap<RegExp, Prefilter | null>();

/** `requiredLiterals`, computed once per regex object. */
export function prefilterOf(re: RegExp): Prefilter | null {
  let pf = PREFILTERS.get(re);
  if (pf === undefined) {
    pf = requiredLiterals(re);
    PREFILTERS.set(re, pf);
  }
  return pf;
}

/**
 * One prefilter for several regexes: every literal of each (a text matching any of them has one of
 * its literals). Null when one of them has no prefilter. Case-insensitive when any regex is: the
 * literals of a case-sensitive one then match in more texts, never in fewer.
 */
export function anyOf(res: readonly RegExp[]): Prefilter | null {
  const pfs = res.map(prefilterOf);
  if (pfs.length === 0 || pfs.some((pf) => pf === null)) return null;
  const ignoreCase = pfs.some((pf) => pf!.ignoreCase);
  const literals = [...pruned(new Set(pfs.flatMap((pf) => pf!.literals.map((l) => (ignoreCase ? l.toLowerCase() : l)))))];
  return { literals, ignoreCase, re: alternationOf(literals, ignoreCase) };
}

function alternationOf(literals: readonly string[], ignoreCase: boolean): RegExp {
  return new RegExp(literals.map((l) => l.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), ignoreCase ? 'i' : '');
}

/** False when the text cannot match the regex the prefilter was made for. */
export function mayMatch(pf: Prefilter | null, text: string): boolean {
  return pf === null || pf.re.test(text);
}

/** `re.test(text)`, skipping the regex when the text has none of its literals. */
export function searchTest(re: RegExp, text: string): boolean {
  return mayMatch(prefilterOf(re), text) && re.test(text);
}
