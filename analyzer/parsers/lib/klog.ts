/**
 * klog, the log format of kubelet, flannel, antrea and kube-controller-manager:
 *
 *   E1122 10:24:51.771203     901 remote_runtime.go:176] "RunPodSandbox from runtime service failed" err="rpc error: ..." podSandboxID="d3c5"
 *   E0302 20:00:36.150527    9914 cni.go:330] Error deleting network: context deadline exceeded
 *
 * The header is fixed-width, so it is read by position. A structured body is a Go-quoted message
 * followed by key=value pairs; a value holding newlines is written as `key=<` with the value on
 * the following lines (each journald turns into its own entry) and a closing ` >` line.
 */
import { unquoteGo } from './logfmt.js';
import { klogSeverity, type Severity } from './severity.js';

export interface KlogHeader {
  /** I, W, E or F. */
  letter: string;
  severity: Severity;
  month: number;
  day: number;
  /** `10:24:51.771203` */
  clock: string;
  threadId: number;
  /** `remote_runtime.go:176` */
  source: string;
  /** Offset where the message starts. */
  bodyStart: number;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function parseKlogHeader(s: string, from = 0): KlogHeader | undefined {
  const letter = s[from];
  if (letter !== 'I' && letter !== 'W' && letter !== 'E' && letter !== 'F') return undefined;
  for (let k = 1; k <= 4; k++) if (!isDigit(s.charCodeAt(from + k))) return undefined;
  if (s[from + 5] !== ' ') return undefined;
  let i = from + 6;
  const clockStart = i;
  // hh:mm:ss
  if (!(isDigit(s.charCodeAt(i)) && isDigit(s.charCodeAt(i + 1)) && s[i + 2] === ':' && s[i + 5] === ':')) return undefined;
  i += 8;
  if (s[i] === '.') {
    i++;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  const clock = s.slice(clockStart, i);
  if (s[i] !== ' ') return undefined;
  while (s[i] === ' ') i++;
  const tidStart = i;
  while (isDigit(s.charCodeAt(i))) i++;
  if (i === tidStart || s[i] !== ' ') return undefined;
  const threadId = Number(s.slice(tidStart, i));
  i++;
  const srcStart = i;
  const limit = Math.min(s.length, i + 200);
  while (i < limit && s[i] !== ']' && s[i] !== ' ') i++;
  if (s[i] !== ']') return undefined;
  const source = s.slice(srcStart, i);
  i++;
  if (s[i] === ' ') i++;
  const month = Number(s.slice(from + 1, from + 3));
  const day = Number(s.slice(from + 3, from + 5));
  return { letter, severity: klogSeverity(letter), month, day, clock, threadId, source, bodyStart: i };
}

/**
 * Whether `parseKlogHeader(s, from)` would accept the header, without building it: the same
 * checks, no allocation. The journal prefilter asks this for every line it may drop.
 */
export function isKlogHeader(s: string, from = 0): boolean {
  const letter = s.charCodeAt(from);
  // I, W, E, F
  if (letter !== 73 && letter !== 87 && letter !== 69 && letter !== 70) return false;
  for (let k = 1; k <= 4; k++) if (!isDigit(s.charCodeAt(from + k))) return false;
  if (s.charCodeAt(from + 5) !== 32) return false;
  let i = from + 6;
  if (!(isDigit(s.charCodeAt(i)) && isDigit(s.charCodeAt(i + 1)) && s.charCodeAt(i + 2) === 58 && s.charCodeAt(i + 5) === 58)) return false;
  i += 8;
  if (s.charCodeAt(i) === 46) {
    i++;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  if (s.charCodeAt(i) !== 32) return false;
  while (s.charCodeAt(i) === 32) i++;
  const tidStart = i;
  while (isDigit(s.charCodeAt(i))) i++;
  if (i === tidStart || s.charCodeAt(i) !== 32) return false;
  i++;
  const limit = Math.min(s.length, i + 200);
  while (i < limit && s.charCodeAt(i) !== 93 && s.charCodeAt(i) !== 32) i++;
  return s.charCodeAt(i) === 93;
}

export interface KlogBody {
  message: string;
  fields: Record<string, string>;
  structured: boolean;
  /** Set when the last value is `key=<`: its content follows on the next lines. */
  openKey?: string;
}

/** Reads a bare value up to a space that is not inside braces, brackets or quotes. */
function bareValueEnd(s: string, i: number): number {
  let depth = 0;
  let inQuote = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (inQuote) {
      if (c === '\\') i++;
      else if (c === '"') inQuote = false;
      continue;
    }
    if (c === '"') inQuote = true;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
    else if (c === ' ' && depth === 0) return i;
  }
  return i;
}

export function parseKlogBody(s: string, from: number): KlogBody {
  if (s[from] !== '"') return { message: s.slice(from), fields: {}, structured: false };
  const msg = unquoteGo(s, from);
  if (msg.end === -1) return { message: s.slice(from), fields: {}, structured: false };
  const fields: Record<string, string> = {};
  let i = msg.end;
  let openKey: string | undefined;
  const n = s.length;
  while (i < n) {
    while (s[i] === ' ') i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && s[i] !== '=' && s[i] !== ' ') i++;
    if (s[i] !== '=') {
      // Not key=value after all: an unstructured line that happens to start with a quote.
      return { message: s.slice(from), fields: {}, structured: false };
    }
    const key = s.slice(ks, i);
    i++;
    if (s[i] === '"') {
      const q = unquoteGo(s, i);
      fields[key] = q.value;
      i = q.end === -1 ? n : q.end;
    } else if (s[i] === '<' && i + 1 === n) {
      openKey = key;
      fields[key] = '';
      i = n;
    } else {
      const e = bareValueEnd(s, i);
      fields[key] = s.slice(i, e);
      i = e;
    }
  }
  return openKey === undefined
    ? { message: msg.value, fields, structured: true }
    : { message: msg.value, fields, structured: true, openKey };
}

/**
 * Tracks `key=<` values that continue on later lines, per stream (file plus process). Kept on
 * the parser instance, not in a global, so two files parsed at once cannot mix their state.
 */
export interface OpenValue {
  key: string;
  line: number;
  severity: Severity;
  level: string;
}

export class KlogContinuations {
  private readonly open = new Map<string, OpenValue>();

  start(stream: string, value: OpenValue): void {
    this.open.set(stream, value);
  }

  /** The value a continuation line belongs to; undefined when the stream has none open. */
  get(stream: string): OpenValue | undefined {
    return this.open.get(stream);
  }

  /** Cheap check before building a stream key: almost always nothing is open. */
  get any(): boolean {
    return this.open.size > 0;
  }

  end(stream: string): void {
    this.open.delete(stream);
  }
}

/** A continuation line of a `key=<` value: a tab-indented line, or the closing ` >`. */
export function continuationKind(body: string): 'content' | 'close' | undefined {
  if (body.trim() === '>') return 'close';
  const c = body.charCodeAt(0);
  return c === 9 || c === 32 ? 'content' : undefined;
}
