/**
 * kube-flannel container logs: klog lines,
 *
 *   I0901 10:00:00.000000       1 main.go:211] CLI flags config: {etcdEndpoints:… }
 *   E0219 14:44:38.250514       1 network.go:102] failed to register network: failed to acquire lease: node "kube-node-2" pod cidr not assigned
 *
 * plus plain text from the install-cni init containers (`cp: can't create '/opt/cni/bin/flannel':
 * Read-only file system`). klog has no year: pass `referenceTime` to get timestamps. Multi-line
 * `key=<` values continue on tab-indented lines, attached to the line that opened them.
 */
import type { DeferredLine, LineParser, ParseProblem } from './types.js';
import { hasNul, isDigitByte, klogSourceStart, LineText } from './lib/bytes.js';
import { continuationKind, KlogContinuations } from './lib/klog.js';
import { baseFromBody, decodeBody, keepAgentLine, prepareLine, stripContainerLogPrefixes, type DecodedBody, type LogRecordBase } from './lib/log.js';
import { referenceOf } from './lib/time.js';

export interface FlannelLogRecord extends LogRecordBase {
  kind: 'flannel-log';
  /** klog `main.go:330`. */
  source?: string;
  threadId?: number;
  continuationOf?: number;
  container?: string;
}

export interface FlannelLogParserOptions {
  referenceTime?: string;
  keepAll?: boolean;
  /** Every line through the full decoder (tests prove the fast path changes nothing). */
  noFastPaths?: boolean;
}

/**
 * Where stripContainerLogPrefixes() would start the body of a line whose bytes begin with a
 * `--timestamps` time, or the line's start when there is none (a `[pod/…]` prefix stays: it is
 * not a klog letter); -1 when unsure (a long first word).
 */
function bodyStartOf(bytes: Uint8Array, start: number, end: number): number {
  const c0 = bytes[start]!;
  if (!(isDigitByte(c0) && end - start > 20 && bytes[start + 4] === 45 && bytes[start + 10] === 84)) return start;
  for (let i = start + 1; i <= start + 36 && i < end; i++) if (bytes[i] === 32) return i + 1;
  return -1;
}

export function createFlannelLogParser(options: FlannelLogParserOptions = {}): LineParser<FlannelLogRecord> {
  const ref = referenceOf(options.referenceTime);
  const continuations = new KlogContinuations();
  const lineText = new LineText();

  /** The record of a line that neither continues nor opens a klog value: it depends on the line alone. */
  function recordOf(line: string, lineNo: number, file: string, time: string | undefined, prefix: string | undefined, decoded: DecodedBody): FlannelLogRecord {
    const rec: FlannelLogRecord = { kind: 'flannel-log', file, line: lineNo, ...baseFromBody(decoded, line) };
    if (decoded.klog) {
      rec.source = decoded.klog.source;
      rec.threadId = decoded.klog.threadId;
    }
    if (!rec.timestamp && time) rec.timestamp = time;
    if (prefix) rec.container = prefix;
    return rec;
  }

  return {
    id: 'flannel-log',
    /**
     * A kept info line is deferred (see LineParser.dropUnread): klog `I` after an optional
     * timestamp. Whether or not the timestamp then parses, the full path keeps it as an info
     * record (a klog line, or level-less text that starts with a digit), opens no value (it does
     * not end in `<`), and no value is open before it. The budget ranks it by that alone; agent
     * logs are kept whole, so on a big bundle most of these are thinned and never decoded.
     */
    dropUnread(bytes: Uint8Array, start: number, end: number, lineNo: number, file: string): boolean | DeferredLine {
      if (options.keepAll || options.noFastPaths || continuations.any || end - start < 8) return false;
      const last = bytes[end - 1];
      if (last === 13 || last === 60) return false;
      const body = bodyStartOf(bytes, start, end);
      if (body === -1 || bytes[body] !== 73 || klogSourceStart(bytes, body, end) === -1 || hasNul(bytes, start, end)) return false;
      return { kind: 'deferred-line', file, line: lineNo, severity: 'info', raw: lineText.of(bytes, start, end) };
    },
    materialize(deferred: DeferredLine): FlannelLogRecord {
      const { body, time, prefix } = stripContainerLogPrefixes(deferred.raw);
      return recordOf(deferred.raw, deferred.line, deferred.file, time, prefix, decodeBody(body, ref));
    },
    parseLine(raw: string, lineNo: number, file: string): FlannelLogRecord | ParseProblem | null {
      const prepared = prepareLine(raw, lineNo, file);
      if (typeof prepared !== 'string') return prepared;
      const line = prepared;
      const { body, time, prefix } = stripContainerLogPrefixes(line);
      const open = continuations.get(file);
      if (open) {
        const kind = continuationKind(body);
        if (kind === 'close') {
          continuations.end(file);
          return null;
        }
        if (kind === 'content') {
          const text = body.trim();
          const decoded: DecodedBody = { format: 'klog', severity: open.severity, level: open.level, message: text, fields: { [open.key]: text } };
          return { kind: 'flannel-log', file, line: lineNo, ...baseFromBody(decoded, line), continuationOf: open.line };
        }
        continuations.end(file);
      }
      const decoded = decodeBody(body, ref);
      if (decoded.openKey !== undefined) {
        continuations.start(file, { key: decoded.openKey, line: lineNo, severity: decoded.severity, level: decoded.level ?? '' });
      }
      if (!options.keepAll && !keepAgentLine(decoded.severity, body)) return null;
      return recordOf(line, lineNo, file, time, prefix, decoded);
    },
  };
}

export const flannelLogParser: LineParser<FlannelLogRecord> = createFlannelLogParser();
