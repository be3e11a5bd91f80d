/**
 * What every log record has, and the decoder for one log line's body. The journal, the raw
 * containerd log and the agent logs all hold a mix of klog, logfmt, JSON and plain text; deciding
 * which by the first bytes keeps one decoder for all of them instead of one per parser.
 */
import type { ParseProblem, SourceRef } from '../types.js';
import { problem } from './text.js';
import { extractFacts, type CniOp, type LogFacts, type PodRef } from './facts.js';
import { isKlogHeader, parseKlogBody, parseKlogHeader, type KlogHeader } from './klog.js';
import { looksLikeLogfmt, parseLogfmt, peekLogfmtValue } from './logfmt.js';
import { normalizeLevel, textSeverity, type Severity } from './severity.js';
import { isoFromMonthDay, normalizeTimestamp, type ReferenceTime } from './time.js';
import { isObject } from './values.js';
import { INTERESTING } from './keywords.js';

export { INTERESTING };

export type { Severity } from './severity.js';
export type { PodRef, CniOp } from './facts.js';

/** calico and seelog are the agent-specific layouts of Calico and old aws-node ipamd logs. */
export type BodyFormat = 'klog' | 'logfmt' | 'json' | 'calico' | 'seelog' | 'text';

/** Fields shared by every log-line record (journal, containerd, CNI agents). */
export interface LogRecordBase extends SourceRef {
  /** ISO-8601 UTC; absent when the line has no usable time (or no year and no reference). */
  timestamp?: string;
  /** The time as written in the line, for citing it unchanged. */
  timeText?: string;
  severity: Severity;
  /** The level word as written (`error`, `E`, `FATAL`); absent for level-less text. */
  level?: string;
  message: string;
  /** Structured key/values, unquoted (err, error, pod, podSandboxID, subsys, caller, …). */
  fields: Record<string, string>;
  format: BodyFormat;
  /** Pod sandbox IDs named anywhere in the message or fields, in order of appearance. */
  sandboxIds: string[];
  pod?: PodRef;
  /** From `plugin type="bridge" failed (add)`. */
  cniPluginType?: string;
  cniOp?: CniOp;
  /** The whole line as read. */
  raw: string;
}

export interface DecodedBody {
  format: BodyFormat;
  severity: Severity;
  level?: string;
  /** Normalized time from the body itself (logfmt time=/ts=, JSON ts/time, klog with a reference). */
  time?: string;
  /** The body's own time text, when it had one. */
  timeText?: string;
  message: string;
  fields: Record<string, string>;
  klog?: KlogHeader;
  /** klog `key=<`: the value continues on the next lines. */
  openKey?: string;
}

const JSON_META_KEYS: ReadonlySet<string> = new Set(['level', 'severity', 'lvl', 'ts', 'time', 'timestamp', 'msg', 'message']);
const LOGFMT_META_KEYS: ReadonlySet<string> = new Set(['level', 'lvl', 'time', 'ts', 't', 'msg']);

/**
 * `fields` without the keys the record carries elsewhere, in the same order as deleting them
 * would leave. Copying instead of `delete` keeps the object in V8's fast mode: a deleted key
 * turns it into a hash table several times the size, and a bundle keeps thousands of these.
 */
function without(all: Record<string, string>, drop: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(all)) if (!drop.has(k)) out[k] = all[k]!;
  return out;
}

function jsonFieldText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** JSON log lines (zap, slog, logrus JSON): level/msg/time under their usual names. */
export function decodeJsonBody(body: string): DecodedBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) all[k] = jsonFieldText(v);
  const level = all['level'] ?? all['severity'] ?? all['lvl'];
  const timeText = all['ts'] ?? all['time'] ?? all['timestamp'];
  const message = all['msg'] ?? all['message'] ?? '';
  const fields = without(all, JSON_META_KEYS);
  const out: DecodedBody = {
    format: 'json',
    severity: normalizeLevel(level) ?? 'info',
    message,
    fields,
  };
  if (level !== undefined) out.level = level;
  if (timeText !== undefined) {
    out.timeText = timeText;
    const t = normalizeTimestamp(timeText) ?? epochTime(parsed['ts']);
    if (t) out.time = t;
  }
  return out;
}

/** zap's default `ts` is float seconds since the epoch. */
function epochTime(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
  const d = new Date(v * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function decodeLogfmtBody(body: string): DecodedBody {
  const all = parseLogfmt(body).fields;
  const level = all['level'] ?? all['lvl'];
  const timeText = all['time'] ?? all['ts'] ?? all['t'];
  const message = all['msg'] ?? '';
  const fields = without(all, LOGFMT_META_KEYS);
  const out: DecodedBody = { format: 'logfmt', severity: normalizeLevel(level) ?? 'info', message, fields };
  if (level !== undefined) out.level = level;
  if (timeText !== undefined) {
    out.timeText = timeText;
    const t = normalizeTimestamp(timeText);
    if (t) out.time = t;
  }
  return out;
}

export function decodeKlogBody(body: string, header: KlogHeader, ref?: ReferenceTime): DecodedBody {
  const k = parseKlogBody(body, header.bodyStart);
  const out: DecodedBody = {
    format: 'klog',
    severity: header.severity,
    level: header.letter,
    message: k.message,
    fields: k.fields,
    klog: header,
    timeText: body.slice(1, 5) + ' ' + header.clock,
  };
  const t = isoFromMonthDay(header.month, header.day, header.clock, ref);
  if (t) out.time = t;
  if (k.openKey !== undefined) out.openKey = k.openKey;
  return out;
}

/** Decides the body's format by its first bytes and decodes it. Never throws. */
export function decodeBody(body: string, ref?: ReferenceTime): DecodedBody {
  const header = parseKlogHeader(body);
  if (header) return decodeKlogBody(body, header, ref);
  if (looksLikeLogfmt(body)) return decodeLogfmtBody(body);
  if (body.startsWith('{')) {
    const json = decodeJsonBody(body);
    if (json) return json;
  }
  return { format: 'text', severity: textSeverity(body), message: body, fields: {} };
}

/**
 * The severity of a body without decoding it, for the prefilter: klog's first letter, logfmt's
 * level=, JSON's "level". Undefined when it cannot be told cheaply.
 */
export function quickSeverity(body: string): Severity | undefined {
  const c = body[0];
  if ((c === 'I' || c === 'W' || c === 'E' || c === 'F') && isKlogHeader(body)) {
    return c === 'I' ? 'info' : c === 'W' ? 'warning' : 'error';
  }
  if (looksLikeLogfmt(body)) return normalizeLevel(peekLogfmtValue(body, 'level'));
  if (c === '{') {
    const m = /"level"\s*:\s*"([A-Za-z]+)"/.exec(body.slice(0, 200));
    return m ? normalizeLevel(m[1]) : undefined;
  }
  return undefined;
}

/** Keep errors and warnings always; keep info and debug only when they mention networking. */
export function isInteresting(severity: Severity | undefined, text: string): boolean {
  if (severity === 'error' || severity === 'warning') return true;
  return INTERESTING.test(text);
}

/** The identifiers a decoded body names (what baseFromBody puts in the record). */
export function factsOfBody(decoded: DecodedBody, extraTexts: readonly string[] = []): LogFacts {
  return extractFacts([decoded.message, ...Object.values(decoded.fields), ...extraTexts], decoded.fields);
}

/** Builds the common record fields from a decoded body; the caller adds kind, file, line. */
export function baseFromBody(decoded: DecodedBody, raw: string, extraTexts: readonly string[] = []): Omit<LogRecordBase, 'file' | 'line'> {
  const facts = factsOfBody(decoded, extraTexts);
  const out: Omit<LogRecordBase, 'file' | 'line'> = {
    severity: decoded.severity,
    message: decoded.message,
    fields: decoded.fields,
    format: decoded.format,
    sandboxIds: facts.sandboxIds,
    raw,
  };
  if (decoded.time) out.timestamp = decoded.time;
  if (decoded.timeText !== undefined) out.timeText = decoded.timeText;
  if (decoded.level !== undefined) out.level = decoded.level;
  if (facts.pod) out.pod = facts.pod;
  if (facts.cniPluginType) out.cniPluginType = facts.cniPluginType;
  if (facts.cniOp) out.cniOp = facts.cniOp;
  return out;
}

/**
 * Container logs read through the API may carry `kubectl logs --timestamps` (RFC 3339 nano) and
 * `--prefix` (`[pod/x/container] `) prefixes; both are stripped, the time kept as a fallback.
 */
export function stripContainerLogPrefixes(line: string): { body: string; time?: string; prefix?: string } {
  let body = line;
  let prefix: string | undefined;
  if (body.startsWith('[pod/')) {
    const close = body.indexOf('] ');
    if (close > 0) {
      prefix = body.slice(1, close);
      body = body.slice(close + 2);
    }
  }
  let time: string | undefined;
  if (body.length > 20 && body.charCodeAt(0) >= 48 && body.charCodeAt(0) <= 57 && body[4] === '-' && body[10] === 'T') {
    const sp = body.indexOf(' ');
    if (sp > 0 && sp <= 36) {
      const t = normalizeTimestamp(body.slice(0, sp));
      if (t) {
        time = t;
        body = body.slice(sp + 1);
      }
    }
  }
  const out: { body: string; time?: string; prefix?: string } = { body };
  if (time) out.time = time;
  if (prefix) out.prefix = prefix;
  return out;
}

/**
 * CNI agent logs are collected with a tail limit and their info lines are evidence (lease
 * acquired, kubeconfig written), so they keep everything except debug chatter that does not
 * mention networking.
 */
export function keepAgentLine(severity: Severity, text: string): boolean {
  return severity !== 'debug' || INTERESTING.test(text);
}

/**
 * What every log LineParser does first: drop a CR left by CRLF files, skip blank lines (null),
 * and turn NUL bytes (a binary or corrupt file) into a problem at that line.
 */
export function prepareLine(line: string, lineNo: number, file: string): string | ParseProblem | null {
  const l = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (l.trim() === '') return null;
  if (l.includes('\u0000')) return problem(file, lineNo, 'NUL byte in log text (binary or corrupt output)', l);
  return l;
}
