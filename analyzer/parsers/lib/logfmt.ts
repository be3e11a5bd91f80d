/**
 * logfmt (`key=value key="quoted \"value\""`), as written by logrus (containerd, CRI-O, Cilium,
 * aws-node's entrypoint) and slog's text handler. A single forward scan, no regex, so a gigabyte
 * journal costs one pass; values are unquoted with Go's strconv rules.
 */

export interface Logfmt {
  fields: Record<string, string>;
  /** Keys in the order they appeared (a repeated key keeps its last value). */
  keys: string[];
  /** True when the line ended inside a quoted value (a cut-off line). */
  truncated: boolean;
}

/**
 * Decodes a Go-quoted string starting at `start` (which must be the opening quote). Returns the
 * value and the index after the closing quote, or `end: -1` when the quote never closes.
 */
export function unquoteGo(s: string, start: number, quote = '"'): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  let chunk = i;
  while (i < s.length) {
    const c = s[i]!;
    if (c === quote) return { value: out + s.slice(chunk, i), end: i + 1 };
    if (c !== '\\') {
      i++;
      continue;
    }
    out += s.slice(chunk, i);
    const e = s[i + 1];
    let skip = 2;
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '"': out += '"'; break;
      case "'": out += "'"; break;
      case '\\': out += '\\'; break;
      case 'a': out += '\u0007'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        const hex = s.slice(i + 2, i + 4);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          skip = 4;
        } else out += '\\x';
        break;
      }
      case 'u':
      case 'U': {
        const len = e === 'u' ? 4 : 8;
        const hex = s.slice(i + 2, i + 2 + len);
        const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === len ? parseInt(hex, 16) : NaN;
        if (cp <= 0x10ffff) {
          out += String.fromCodePoint(cp);
          skip = 2 + len;
        } else out += '\\' + e;
        break;
      }
      case undefined:
        return { value: out + '\\', end: -1 };
      default:
        out += '\\' + e;
    }
    i += skip;
    chunk = i;
  }
  return { value: out + s.slice(chunk), end: -1 };
}

export function parseLogfmt(s: string, from = 0): Logfmt {
  const fields: Record<string, string> = {};
  const keys: string[] = [];
  let truncated = false;
  let i = from;
  const n = s.length;
  while (i < n) {
    while (i < n && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && s[i] !== '=' && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9) i++;
    const key = s.slice(keyStart, i);
    if (s[i] !== '=') {
      // A bare word: logfmt allows it as a key with no value; keep it so nothing is silently lost.
      if (key !== '') {
        if (!(key in fields)) keys.push(key);
        fields[key] = '';
      }
      continue;
    }
    i++;
    let value: string;
    if (s[i] === '"') {
      const q = unquoteGo(s, i);
      value = q.value;
      if (q.end === -1) {
        truncated = true;
        i = n;
      } else i = q.end;
    } else {
      const vs = i;
      while (i < n && s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9) i++;
      value = s.slice(vs, i);
    }
    if (key === '') continue;
    if (!(key in fields)) keys.push(key);
    fields[key] = value;
  }
  return { fields, keys, truncated };
}

/**
 * The bare or quoted value of `key=` without decoding the whole line: the prefilter's fast path
 * for `level=info` lines that will be thrown away.
 */
export function peekLogfmtValue(s: string, key: string): string | undefined {
  const needle = key + '=';
  let at = s.startsWith(needle) ? 0 : -1;
  if (at === -1) {
    const k = s.indexOf(' ' + needle);
    if (k === -1) return undefined;
    at = k + 1;
  }
  const v = at + needle.length;
  if (s[v] === '"') {
    const close = s.indexOf('"', v + 1);
    return close === -1 ? s.slice(v + 1) : s.slice(v + 1, close);
  }
  let e = v;
  while (e < s.length && s.charCodeAt(e) !== 32) e++;
  return s.slice(v, e);
}

/** True when a line starts like logfmt from one of the runtimes and agents we read. */
export function looksLikeLogfmt(s: string): boolean {
  return (
    s.startsWith('time=') || s.startsWith('level=') || s.startsWith('ts=') || s.startsWith('msg=') || s.startsWith('t=')
  );
}
