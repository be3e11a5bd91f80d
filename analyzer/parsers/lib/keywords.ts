/**
 * The networking keywords that keep an info line, in two forms built from one list: a regular
 * expression for strings, and a scanner over raw bytes for the journal's fast path.
 *
 * Why a byte scanner: a big bundle is gigabytes of journal of which nine lines in ten are healthy
 * chatter. Testing them with the regular expression meant decoding every line to a string first
 * and running the regexp engine (about 4 ns a byte here); the scanner walks the undecoded bytes
 * once through a case-folding Aho-Corasick table and decides without allocating anything.
 */

/** Keep an info line that mentions one of these (case-insensitive, anywhere). */
export const INTERESTING_WORDS = [
  'sandbox', 'cni', 'network', 'plugin', 'ipam', 'netns', 'veth', 'iptables', 'ip6tables', 'xtables', 'nftables',
  'calico', 'cilium', 'flannel', 'weave', 'antrea', 'multus', 'cidr', 'bpf', 'ip pool', 'no space left', 'cached result',
] as const;

/** Matched only as a whole word (`eni` is AWS's interface, not the middle of "generic"). */
export const INTERESTING_WHOLE_WORDS = ['eni'] as const;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Lines a timeline or rule can use even at info level. */
export const INTERESTING = new RegExp(
  [...INTERESTING_WORDS.map(escapeRegExp), ...INTERESTING_WHOLE_WORDS.map((w) => `\\b${escapeRegExp(w)}\\b`)].join('|'),
  'i',
);

/** What a JavaScript `\w` is in a non-unicode regexp: [A-Za-z0-9_]. */
function isWordByte(b: number | undefined): boolean {
  return b !== undefined && ((b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b === 95);
}

const HIT = -1;
/** Ranges at least this long are scanned as four interleaved quarters (see interleavedTest). */
const INTERLEAVE_MIN_LENGTH = 96;

/**
 * Case-insensitive (ASCII) multi-word search over UTF-8 bytes. Non-ASCII bytes never match a
 * letter, as in a non-unicode `/i` regexp, where no non-ASCII character folds to an ASCII one.
 */
export class KeywordScanner {
  /**
   * Transitions, premultiplied by 256: `table[state * 256 + byte]` is the next state times 256,
   * HIT when a word ends there, or for a whole word -(next * 256) - 2 (checked at the boundary).
   */
  private readonly table: Int32Array;
  /** For states where a whole word ends: its length(s). */
  private readonly wholeLengths = new Map<number, number[]>();
  /** The longest word in bytes (a hit byte is one). */
  private readonly longest: number;

  constructor(words: readonly string[], wholeWords: readonly string[] = [], hitBytes: readonly number[] = []) {
    const edges: Map<number, number>[] = [new Map()];
    const ends: { any: boolean; whole: number[] }[] = [{ any: false, whole: [] }];
    const add = (word: string, whole: boolean): void => {
      let state = 0;
      for (const byte of Buffer.from(word.toLowerCase(), 'latin1')) {
        let next = edges[state]!.get(byte);
        if (next === undefined) {
          next = edges.length;
          edges.push(new Map());
          ends.push({ any: false, whole: [] });
          edges[state]!.set(byte, next);
        }
        state = next;
      }
      if (whole) ends[state]!.whole.push(word.length);
      else ends[state]!.any = true;
    };
    for (const w of words) add(w, false);
    for (const w of wholeWords) add(w, true);
    this.longest = Math.max(1, ...[...words, ...wholeWords].map((w) => Buffer.byteLength(w.toLowerCase(), 'latin1')));
    if (this.longest >= INTERLEAVE_MIN_LENGTH / 4) throw new Error('KeywordScanner: words this long need a longer INTERLEAVE_MIN_LENGTH');

    // Failure links, breadth first; a state inherits the words that end at its failure state.
    const fail = new Array<number>(edges.length).fill(0);
    const queue: number[] = [...edges[0]!.values()];
    for (let q = 0; q < queue.length; q++) {
      const state = queue[q]!;
      for (const [byte, next] of edges[state]!) {
        queue.push(next);
        let f = fail[state]!;
        while (f !== 0 && !edges[f]!.has(byte)) f = fail[f]!;
        const target = edges[f]!.get(byte);
        fail[next] = target !== undefined && target !== next ? target : 0;
        const inherited = ends[fail[next]!]!;
        if (inherited.any) ends[next]!.any = true;
        ends[next]!.whole.push(...inherited.whole);
      }
    }

    const states = edges.length;
    this.table = new Int32Array(states * 256);
    const hits = new Set(hitBytes);
    for (let state = 0; state < states; state++) {
      for (let byte = 0; byte < 256; byte++) {
        if (hits.has(byte)) {
          this.table[state * 256 + byte] = HIT;
          continue;
        }
        const folded = byte >= 65 && byte <= 90 ? byte + 32 : byte;
        let f = state;
        while (f !== 0 && !edges[f]!.has(folded)) f = fail[f]!;
        const next = edges[f]!.get(folded) ?? 0;
        const end = ends[next]!;
        if (end.any) this.table[state * 256 + byte] = HIT;
        else if (end.whole.length > 0) {
          this.table[state * 256 + byte] = -(next * 256) - 2;
          this.wholeLengths.set(next, end.whole);
        } else this.table[state * 256 + byte] = next * 256;
      }
    }
  }

  /** Whether bytes[start, end) hold a word (word boundaries are those of that range, as in a slice). */
  test(bytes: Uint8Array, start: number, end: number): boolean {
    return end - start < INTERLEAVE_MIN_LENGTH ? this.exactTest(bytes, start, end) : this.interleavedTest(bytes, start, end);
  }

  /**
   * The range cut in four quarters scanned side by side, each from the root state. One table walk
   * is a chain of dependent loads (each step needs the previous state); four independent walks
   * let the CPU overlap them, about twice as fast per byte on the benchmark journals. Each quarter's
   * walk runs on past its end by the longest word less one byte, so a word that starts in a quarter
   * ends inside that walk. Any sign of a word (a hit, a whole-word candidate, a hit byte) in any walk
   * sends the range to the exact walk, which decides; a range with no sign holds no word.
   */
  private interleavedTest(bytes: Uint8Array, start: number, end: number): boolean {
    const table = this.table;
    const quarter = (end - start) >> 2;
    const a = start;
    const b = a + quarter;
    const c = b + quarter;
    const d = c + quarter;
    // The first three walks: their quarter plus the overlap (which stays inside the range, as a
    // quarter is longer than the overlap); the last: to the end of the range (a little shorter).
    const overlapped = quarter + this.longest - 1;
    const lastLength = end - d;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let k = 0; k < lastLength; k++) {
      s1 = table[s1 + bytes[a + k]!]!;
      s2 = table[s2 + bytes[b + k]!]!;
      s3 = table[s3 + bytes[c + k]!]!;
      s4 = table[s4 + bytes[d + k]!]!;
      if ((s1 | s2 | s3 | s4) < 0) return this.exactTest(bytes, start, end);
    }
    for (let k = lastLength; k < overlapped; k++) {
      s1 = table[s1 + bytes[a + k]!]!;
      s2 = table[s2 + bytes[b + k]!]!;
      s3 = table[s3 + bytes[c + k]!]!;
      if ((s1 | s2 | s3) < 0) return this.exactTest(bytes, start, end);
    }
    return false;
  }

  private exactTest(bytes: Uint8Array, start: number, end: number): boolean {
    const table = this.table;
    let state = 0;
    for (let i = start; i < end; i++) {
      state = table[state + bytes[i]!]!;
      if (state < 0) {
        if (state === HIT) return true;
        state = -state - 2;
        if (this.wholeWordAt(bytes, start, end, i, state >> 8)) return true;
      }
    }
    return false;
  }

  private wholeWordAt(bytes: Uint8Array, start: number, end: number, last: number, state: number): boolean {
    if (last + 1 < end && isWordByte(bytes[last + 1])) return false;
    for (const length of this.wholeLengths.get(state) ?? []) {
      const first = last - length + 1;
      if (first >= start && (first === start || !isWordByte(bytes[first - 1]))) return true;
    }
    return false;
  }
}

/**
 * INTERESTING over bytes. NUL counts as a hit too: a line with a NUL byte is a problem the full
 * path reports, never a line to drop unseen.
 */
export const interestingBytes = new KeywordScanner(INTERESTING_WORDS, INTERESTING_WHOLE_WORDS, [0]);
