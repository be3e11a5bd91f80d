/**
 * journalctl text output, one line at a time:
 *
 *   short              Nov 22 09:33:21 node-1 kubelet[901]: E1122 10:24:51.771203 …
 *   short-precise      Jan 25 16:45:10.211610 worker2 crio[1847]: time="…" level=error msg="…"
 *   short-iso          2026-11-22T09:33:21+0000 node-1 kubelet[901]: …
 *   short-iso-precise  2026-11-22T09:33:21.123456+00:00 node-1 containerd[812]: …
 *   short-full         Sun 2026-11-22 09:33:21 UTC node-1 kubelet[901]: …
 *   short-unix         1795340001.123456 node-1 kubelet[901]: …
 *
 * plus journalctl's own `-- No entries --`, `-- Boot <id> --` and `-- Logs begin at … --` lines.
 * Localized month names (`12月 20 01:30:13`) appear in real bundles and are read too.
 *
 * The body is decoded as klog (kubelet), logfmt (containerd, CRI-O) or JSON. A bundle can hold
 * gigabytes of journal, so the prefix is read by position, the severity is peeked without decoding,
 * and info lines that do not mention sandboxes, CNI, networks, plugins or IPAM are dropped (null)
 * before any full decode. Warnings and errors are always kept.
 *
 * `short` has neither year nor zone: pass `referenceTime` (the bundle's createdAt) so the year can
 * be resolved; times without a zone are taken as UTC. Collectors should prefer short-iso-precise.
 */
import type { DeferredLine, LineParser, ParseProblem } from './types.js';
import { problem } from './lib/text.js';
import { continuationKind, KlogContinuations } from './lib/klog.js';
import { LEVEL_WORDS, normalizeLevel, type Severity } from './lib/severity.js';
import { byteAt, hasNul, indexOfBytes, isDigitByte, klogSourceStart, LineText, startsWithBytes } from './lib/bytes.js';
import { interestingBytes } from './lib/keywords.js';
import {
  decodeBody,
  factsOfBody,
  isInteresting,
  prepareLine,
  quickSeverity,
  type DecodedBody,
  type LogRecordBase,
} from './lib/log.js';
import {
  isoFromEpochSeconds,
  isoFromMonthDay,
  monthNumber,
  normalizeTimestamp,
  referenceOf,
} from './lib/time.js';

export interface JournalEntry extends LogRecordBase {
  kind: 'journal-entry';
  /** The journal prefix's time text as printed. */
  timeText: string;
  host: string;
  /** The syslog identifier (`kubelet`, `containerd`, `crio`). */
  unit: string;
  pid?: number;
  /** The body's own time (klog header, logfmt time=), normalized when possible. */
  bodyTime?: string;
  /** klog `file.go:123`. */
  source?: string;
  /** Set on lines that continue a klog `key=<` value: the line of the entry that opened it. */
  continuationOf?: number;
}

export type JournalMarkerType =
  | 'no-entries'
  | 'boot'
  | 'reboot'
  | 'logs-begin'
  | 'no-journal-files'
  | 'failed-to-open'
  | 'other';

export interface JournalMarker {
  kind: 'journal-marker';
  file: string;
  line: number;
  marker: JournalMarkerType;
  text: string;
  bootId?: string;
}

export type JournalRecord = JournalEntry | JournalMarker;

export interface JournalParserOptions {
  /** ISO time the logs were collected (bundle createdAt): gives `short` lines their year. */
  referenceTime?: string;
  /** Keep every line, not only the interesting ones (small journals, tests). */
  keepAll?: boolean;
  /** Every line through the full decoder, no fast path (tests prove the fast path changes nothing). */
  noFastPaths?: boolean;
}

interface Prefix {
  timeText: string;
  /** Computed only for lines that are kept: date math is most of the cost of a dropped line. */
  stamp: () => string | undefined;
  host: string;
  unit: string;
  pid?: number;
  body: string;
}

function nextSpace(s: string, from: number): number {
  const i = s.indexOf(' ', from);
  return i === -1 ? s.length : i;
}

/** hh:mm:ss with an optional fraction, checked by position (this runs for every line). */
function isClock(s: string): boolean {
  if (s.length < 8 || s[2] !== ':' || s[5] !== ':') return false;
  for (const i of [0, 1, 3, 4, 6, 7]) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length === 8 || s[8] === '.';
}

function skipSpaces(s: string, i: number): number {
  while (s.charCodeAt(i) === 32) i++;
  return i;
}

/** Reads `<time> <host> <ident>[<pid>]: ` and returns the rest as the body. */
function parsePrefix(line: string, ref: ReturnType<typeof referenceOf>): Prefix | undefined {
  let timeText: string;
  let stamp: () => string | undefined;
  let i: number;
  const c0 = line.charCodeAt(0);
  const isDigit0 = c0 >= 48 && c0 <= 57;
  if (isDigit0 && line[4] === '-' && line[10] === 'T') {
    i = nextSpace(line, 0);
    const text = line.slice(0, i);
    timeText = text;
    stamp = () => normalizeTimestamp(text);
  } else if (isDigit0 && /^\d{9,12}\.\d+ /.test(line.slice(0, 24))) {
    i = nextSpace(line, 0);
    const text = line.slice(0, i);
    timeText = text;
    stamp = () => isoFromEpochSeconds(text);
  } else if (line[3] === ' ' && line[8] === '-' && /^[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} /.test(line.slice(0, 15))) {
    // short-full: Sun 2026-11-22 09:33:21 UTC
    const t = nextSpace(line, 15);
    const z = nextSpace(line, t + 1);
    timeText = line.slice(0, z);
    const text = line.slice(4, t) + ' ' + line.slice(t + 1, z);
    stamp = () => normalizeTimestamp(text);
    i = z;
  } else {
    const monthEnd = nextSpace(line, 0);
    const month = monthNumber(line.slice(0, monthEnd));
    if (month === undefined) return undefined;
    const dayStart = skipSpaces(line, monthEnd);
    const dayEnd = nextSpace(line, dayStart);
    const day = Number(line.slice(dayStart, dayEnd));
    if (!Number.isInteger(day) || day < 1 || day > 31) return undefined;
    const clockStart = skipSpaces(line, dayEnd);
    const clockEnd = nextSpace(line, clockStart);
    const clock = line.slice(clockStart, clockEnd);
    if (!isClock(clock)) return undefined;
    timeText = line.slice(0, clockEnd);
    stamp = () => isoFromMonthDay(month, day, clock, ref);
    i = clockEnd;
  }
  if (line[i] !== ' ') return undefined;
  const hostStart = i + 1;
  const hostEnd = nextSpace(line, hostStart);
  if (hostEnd >= line.length) return undefined;
  const host = line.slice(hostStart, hostEnd);
  const identStart = hostEnd + 1;
  let colon = line.indexOf(': ', identStart);
  if (colon === -1 && line.endsWith(':')) colon = line.length - 1;
  if (colon === -1) return undefined;
  const ident = line.slice(identStart, colon);
  if (ident === '' || ident.length > 128) return undefined;
  let unit = ident;
  let pid: number | undefined;
  if (ident.endsWith(']')) {
    const open = ident.lastIndexOf('[');
    if (open > 0) {
      const p = Number(ident.slice(open + 1, -1));
      if (Number.isInteger(p)) {
        pid = p;
        unit = ident.slice(0, open);
      }
    }
  }
  const prefix: Prefix = { timeText, stamp, host, unit, body: line.slice(Math.min(line.length, colon + 2)) };
  if (pid !== undefined) prefix.pid = pid;
  return prefix;
}

function markerOf(line: string, lineNo: number, file: string): JournalMarker | undefined {
  const t = line.trim();
  let marker: JournalMarkerType | undefined;
  let bootId: string | undefined;
  if (t.startsWith('-- ') && t.endsWith(' --')) {
    const inner = t.slice(3, -3);
    if (inner === 'No entries') marker = 'no-entries';
    else if (inner === 'Reboot') marker = 'reboot';
    else if (inner.startsWith('Boot ')) {
      marker = 'boot';
      bootId = inner.slice(5).trim();
    } else if (inner.startsWith('Logs begin at') || inner.startsWith('Journal begins at')) marker = 'logs-begin';
    else marker = 'other';
  } else if (t === 'No journal files were found.') marker = 'no-journal-files';
  else if (t.startsWith('Failed to open files:') || t.startsWith('Failed to open journal')) marker = 'failed-to-open';
  if (!marker) return undefined;
  const out: JournalMarker = { kind: 'journal-marker', file, line: lineNo, marker, text: t };
  if (bootId) out.bootId = bootId;
  return out;
}

/** Where klog `key=<` continuations are tracked: one process of one unit in one file. */
function streamKey(file: string, prefix: Prefix): string {
  return `${file}\u0000${prefix.unit}\u0000${prefix.pid ?? ''}`;
}

interface Seen {
  /** Undefined for a line a fast path dropped: parsed from `raw` or `bytes` when a continuation needs it. */
  prefix: Prefix | undefined;
  raw?: string | undefined;
  /** The undecoded line, for a line dropped unread (decoded only if a continuation follows). */
  bytes?: { buffer: Uint8Array; start: number; end: number };
  severity: JournalEntry['severity'];
  level?: string;
  line: number;
  /**
   * Set on the one Seen per file that the byte sieve rewrites in place for each line it drops
   * (millions on a big bundle) instead of making two new objects a line.
   */
  scratch?: true;
}

const LOGFMT_STARTS = ['time=', 'level=', 'ts=', 'msg=', 't='].map((s) => Buffer.from(s, 'latin1'));
const LEVEL_KEY = Buffer.from(' level=', 'latin1');
const TIME_QUOTE = Buffer.from('time="', 'latin1');
const LEVEL_EQUALS = Buffer.from('level=', 'latin1');

/** looksLikeLogfmt() (lib/logfmt.ts) over bytes. */
function looksLikeLogfmtBytes(bytes: Uint8Array, at: number, end: number): boolean {
  for (const start of LOGFMT_STARTS) if (startsWithBytes(bytes, at, end, start)) return true;
  return false;
}

/** Digits and the punctuation of a timestamp (and T, Z): no keyword can start or end in them. */
function isTimeByte(b: number): boolean {
  return isDigitByte(b) || b === 45 || b === 58 || b === 46 || b === 43 || b === 32 || b === 84 || b === 90;
}

const isLetterByte = (b: number): boolean => (b >= 97 && b <= 122) || (b >= 65 && b <= 90);

/** Up to this many letters, a word's code below is exact (27^10 < 2^53). */
const MAX_CODED_LETTERS = 10;

/** A word of ASCII letters as a number, case folded (a/A = 1 … z/Z = 26, base 27): no string needed. */
function letterCode(bytes: Uint8Array, from: number, to: number): number {
  let code = 0;
  for (let k = from; k < to; k++) code = code * 27 + ((bytes[k]! | 32) - 96);
  return code;
}

/** normalizeLevel() for a word of letters, looked up by its letterCode. */
const SEVERITY_BY_LEVEL_CODE = new Map<number, Severity>();
for (const [word, severity] of LEVEL_WORDS) {
  const bytes = Buffer.from(word, 'latin1');
  if (bytes.length <= MAX_CODED_LETTERS && bytes.every(isLetterByte)) SEVERITY_BY_LEVEL_CODE.set(letterCode(bytes, 0, bytes.length), severity);
}

/** What the byte sieve learns from a body's start: its severity, and where keywords can begin. */
interface BodyStart {
  severity: Severity | undefined;
  /** Bytes before this (klog header, logfmt time and level) cannot hold a keyword. */
  scanFrom: number;
  /**
   * Set when the full decoder's severity and level are known for sure from these bytes: a klog
   * header, or containerd's `time="<time>" level=<letters>` start. Then a kept line can wait to be
   * decoded (only `level=` again later in the line, or a klog `key=<` at its end, could change
   * the decoding; the caller checks those).
   */
  exact: 'klog' | 'logfmt' | undefined;
  /** Where the level as the record writes it lies (klog letter, logfmt word): read only if needed. */
  levelFrom: number;
  levelTo: number;
}

/** quickSeverity() (lib/log.ts) over bytes[at, end); severity undefined when unsure. */
function readBodyStart(bytes: Uint8Array, at: number, end: number, out: BodyStart): void {
  out.severity = undefined;
  out.scanFrom = at;
  out.exact = undefined;
  const c = byteAt(bytes, at, end);
  // I, W, E, F
  if (c === 73 || c === 87 || c === 69 || c === 70) {
    const source = klogSourceStart(bytes, at, end);
    if (source !== -1) {
      out.severity = c === 73 ? 'info' : c === 87 ? 'warning' : 'error';
      out.scanFrom = source;
      out.exact = 'klog';
      out.levelFrom = at;
      out.levelTo = at + 1;
      return;
    }
  }
  if (!looksLikeLogfmtBytes(bytes, at, end)) return;
  let v: number;
  // Skipping `time="…" level=…` is exact only when it is the whole start of the body and the
  // time holds nothing a keyword could be made of; then the ` level=` right after its closing
  // quote is also the first one (a time of digits and punctuation holds none).
  let exactStart = false;
  if (startsWithBytes(bytes, at, end, LOGFMT_STARTS[1]!)) v = at + 6;
  else {
    // containerd and CRI-O write time="…" level=…: look right after the quoted time first.
    let k = -1;
    if (startsWithBytes(bytes, at, end, TIME_QUOTE)) {
      let close = at + TIME_QUOTE.length;
      let timeOnly = true;
      for (; close < end && bytes[close] !== 34; close++) if (timeOnly && !isTimeByte(bytes[close]!)) timeOnly = false;
      if (startsWithBytes(bytes, close + 1, end, LEVEL_KEY)) {
        k = close + 1;
        exactStart = timeOnly;
      }
    }
    if (k === -1) k = indexOfBytes(bytes, LEVEL_KEY, at, end);
    if (k === -1) return;
    v = k + 7;
  }
  let from = v;
  let to: number;
  if (byteAt(bytes, v, end) === 34) {
    from = v + 1;
    to = from;
    while (to < end && bytes[to] !== 34) to++;
  } else {
    to = v;
    while (to < end && bytes[to] !== 32) to++;
  }
  // No level word is longer than this; a longer value would not normalize (or is not ASCII).
  if (to - from > 16) return;
  let letters = true;
  for (let k = from; k < to; k++) {
    const b = bytes[k]!;
    if (b >= 128) return;
    if (!isLetterByte(b)) letters = false;
  }
  if (letters) out.severity = to - from <= MAX_CODED_LETTERS ? SEVERITY_BY_LEVEL_CODE.get(letterCode(bytes, from, to)) : undefined;
  else out.severity = normalizeLevel(String.fromCharCode(...bytes.subarray(from, to)));
  if (exactStart) {
    out.scanFrom = to;
    // A letters-only word unquotes to itself, so it is the record's level as logfmt decodes it.
    if (letters) {
      out.exact = 'logfmt';
      out.levelFrom = from;
      out.levelTo = to;
    }
  }
}

export function createJournalParser(options: JournalParserOptions = {}): LineParser<JournalRecord> {
  const ref = referenceOf(options.referenceTime);
  const continuations = new KlogContinuations();
  // The last prefixed line per file, kept or not, so an indented multi-line MESSAGE line that
  // journalctl prints without a prefix is attributed to the right unit.
  const lastSeen = new Map<string, Seen>();

  const rawOf = (seen: Seen): string => {
    if (seen.raw === undefined && seen.bytes) seen.raw = Buffer.from(seen.bytes.buffer.buffer, seen.bytes.buffer.byteOffset, seen.bytes.buffer.length).toString('utf8', seen.bytes.start, seen.bytes.end);
    return seen.raw!;
  };
  const prefixOf = (seen: Seen): Prefix => (seen.prefix ??= parsePrefix(rawOf(seen), ref)!);

  /**
   * The record, built in one go with its keys in the order the first version left them (spread of
   * baseFromBody, journal fields, then the journal's own time): no `delete`, so V8 keeps the
   * object in fast mode, a fraction of the memory of the hash table a deleted key leaves.
   */
  function entry(prefix: Prefix, decoded: DecodedBody, raw: string, lineNo: number, file: string): JournalEntry {
    const facts = factsOfBody(decoded);
    const rec = {
      kind: 'journal-entry',
      file,
      line: lineNo,
      severity: decoded.severity,
      message: decoded.message,
      fields: decoded.fields,
      format: decoded.format,
      sandboxIds: facts.sandboxIds,
      raw,
    } as JournalEntry;
    // The journal's receive time orders lines across units; the body's own time is kept beside it.
    if (decoded.timeText !== undefined) rec.timeText = prefix.timeText;
    if (decoded.level !== undefined) rec.level = decoded.level;
    if (facts.pod) rec.pod = facts.pod;
    if (facts.cniPluginType) rec.cniPluginType = facts.cniPluginType;
    if (facts.cniOp) rec.cniOp = facts.cniOp;
    if (decoded.timeText === undefined) rec.timeText = prefix.timeText;
    rec.host = prefix.host;
    rec.unit = prefix.unit;
    const timestamp = prefix.stamp();
    if (timestamp) rec.timestamp = timestamp;
    if (decoded.time) rec.bodyTime = decoded.time;
    if (prefix.pid !== undefined) rec.pid = prefix.pid;
    if (decoded.klog) rec.source = decoded.klog.source;
    return rec;
  }

  function continuation(seen: Seen, body: string, line: string, lineNo: number, file: string, key?: string): JournalEntry | null {
    const text = body.trim();
    if (!options.keepAll && !isInteresting(seen.severity, text)) return null;
    const decoded: DecodedBody = { format: key ? 'klog' : 'text', severity: seen.severity, message: text, fields: key ? { [key]: text } : {} };
    if (seen.level !== undefined) decoded.level = seen.level;
    const rec = entry(prefixOf(seen), decoded, line, lineNo, file);
    rec.continuationOf = seen.line;
    return rec;
  }

  /**
   * The fast path for the bulk of a big journal, on the undecoded bytes before any string exists:
   * a healthy line in the collector's short-iso form is recognized by byte position and dropped.
   * It drops only lines the full path drops (a prefixed, non-marker info or debug line that does
   * not mention networking, with no klog value open) and leaves the same state behind; any doubt
   * (another format, a CR or NUL, non-ASCII in the prefix, a keyword anywhere) goes the full way.
   * A line it would keep (an error, a warning, an info line with a keyword) becomes a DeferredLine
   * when its record depends on nothing but the line (see deferred()).
   */
  const bodyStart: BodyStart = { severity: undefined, scanFrom: 0, exact: undefined, levelFrom: 0, levelTo: 0 };
  const lineText = new LineText();

  /**
   * A kept line whose record depends on the line alone: the full path would decode
   * it to exactly materialize()'s record (the differential test in test/analyzer/parsers proves
   * it). Its decoding waits until the loader knows the record survives its budget: on a big
   * bundle most kept info lines are thinned away and never decoded.
   */
  function deferred(bytes: Uint8Array, start: number, end: number, lineNo: number, file: string): DeferredLine | undefined {
    const { exact, severity } = bodyStart;
    if (exact === undefined || severity === undefined) return undefined;
    // The scanner counts a NUL as a hit; that line is a problem the full path reports.
    if (hasNul(bytes, start, end)) return undefined;
    // klog `key=<` opens a value continued on the next lines: that is state.
    if (exact === 'klog' && bytes[end - 1] === 60) return undefined;
    // A second level= decides the logfmt level (the last one wins).
    if (exact === 'logfmt' && indexOfBytes(bytes, LEVEL_EQUALS, bodyStart.scanFrom, end) !== -1) return undefined;
    const raw = lineText.of(bytes, start, end);
    const seen: Seen = { prefix: undefined, raw, severity, line: lineNo };
    seen.level = lineText.ascii(bytes, bodyStart.levelFrom, bodyStart.levelTo);
    lastSeen.set(file, seen);
    return { kind: 'deferred-line', file, line: lineNo, severity, raw };
  }

  function droppedUnread(bytes: Uint8Array, start: number, end: number, lineNo: number, file: string): boolean | DeferredLine {
    if (end - start < 12) return false;
    const c0 = bytes[start]!;
    if (c0 < 48 || c0 > 57 || bytes[start + 4] !== 45 || bytes[start + 10] !== 84 || bytes[end - 1] === 13) return false;
    let i = start;
    // The time and the host end at a space; NUL anywhere sends the line to the full path.
    for (let field = 0; field < 2; field++) {
      while (i < end && bytes[i] !== 32) {
        if (bytes[i] === 0) return false;
        i++;
      }
      if (i === end) return false;
      i++;
    }
    const identStart = i;
    let colon = -1;
    const limit = Math.min(end - 1, identStart + 129);
    for (let j = identStart; j < limit; j++) {
      const b = bytes[j];
      if (b === 0) return false;
      if (b === 58 && bytes[j + 1] === 32) {
        colon = j;
        break;
      }
    }
    if (colon <= identStart) return false;
    const body = colon + 2;
    readBodyStart(bytes, body, end, bodyStart);
    const severity = bodyStart.severity;
    // Errors and warnings are always kept; their decoding can wait like a kept info line's.
    if (severity === 'error' || severity === 'warning') return deferred(bytes, start, end, lineNo, file) ?? false;
    if (severity !== 'info' && severity !== 'debug') return false;
    if (interestingBytes.test(bytes, bodyStart.scanFrom, end)) return deferred(bytes, start, end, lineNo, file) ?? false;
    const seen = lastSeen.get(file);
    if (seen?.scratch === true && seen.bytes !== undefined) {
      seen.prefix = undefined;
      seen.raw = undefined;
      seen.bytes.buffer = bytes;
      seen.bytes.start = start;
      seen.bytes.end = end;
      seen.severity = severity;
      seen.line = lineNo;
    } else lastSeen.set(file, { prefix: undefined, raw: undefined, bytes: { buffer: bytes, start, end }, severity, line: lineNo, scratch: true });
    return true;
  }

  return {
    id: 'journal',
    dropUnread(bytes: Uint8Array, start: number, end: number, lineNo: number, file: string): boolean | DeferredLine {
      return !options.keepAll && !options.noFastPaths && !continuations.any && droppedUnread(bytes, start, end, lineNo, file);
    },
    materialize(line: DeferredLine): JournalEntry {
      // Nothing but the line and the reference time: the parser's state has moved on since.
      const prefix = parsePrefix(line.raw, ref)!;
      return entry(prefix, decodeBody(prefix.body, ref), line.raw, line.line, line.file);
    },
    endFile(file: string): void {
      // The last line of a file must not pin its chunk, nor a continuation cross into another file.
      lastSeen.delete(file);
    },
    parseLine(raw: string, lineNo: number, file: string): JournalRecord | ParseProblem | null {
      const prepared = prepareLine(raw, lineNo, file);
      if (typeof prepared !== 'string') return prepared;
      const line = prepared;
      const marker = markerOf(line, lineNo, file);
      if (marker) return marker;
      const prefix = parsePrefix(line, ref);
      if (!prefix) {
        const seen = lastSeen.get(file);
        const cc = line.charCodeAt(0);
        if (seen && (cc === 32 || cc === 9)) return continuation(seen, line, line, lineNo, file);
        return problem(file, lineNo, 'not a journalctl line (no timestamp/host/identifier prefix)', line);
      }
      // The stream key is built only when a klog value is open somewhere (almost never).
      const stream = continuations.any ? streamKey(file, prefix) : undefined;
      const open = stream !== undefined ? continuations.get(stream) : undefined;
      if (open) {
        const kind = continuationKind(prefix.body);
        if (kind === 'close') {
          continuations.end(stream!);
          return null;
        }
        if (kind === 'content') {
          const seen: Seen = { prefix, severity: open.severity, level: open.level, line: open.line };
          return continuation(seen, prefix.body, line, lineNo, file, open.key);
        }
        continuations.end(stream!);
      }
      const quick = quickSeverity(prefix.body);
      if (!options.keepAll && quick !== undefined && !isInteresting(quick, prefix.body)) {
        lastSeen.set(file, { prefix, severity: quick, line: lineNo });
        return null;
      }
      const decoded = decodeBody(prefix.body, ref);
      const seen: Seen = { prefix, severity: decoded.severity, line: lineNo };
      if (decoded.level !== undefined) seen.level = decoded.level;
      lastSeen.set(file, seen);
      if (decoded.openKey !== undefined) {
        continuations.start(stream ?? streamKey(file, prefix), { key: decoded.openKey, line: lineNo, severity: decoded.severity, level: decoded.level ?? '' });
      } else if (!options.keepAll && !isInteresting(decoded.severity, prefix.body)) {
        return null;
      }
      return entry(prefix, decoded, line, lineNo, file);
    },
  };
}

/** A parser without a reference time: `short` lines get no timestamp, the other forms do. */
export const journalParser: LineParser<JournalRecord> = createJournalParser();
