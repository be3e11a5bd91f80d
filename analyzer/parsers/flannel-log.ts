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
import type { LineParser, ParseProblem } from './types.js';
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
}

export function createFlannelLogParser(options: FlannelLogParserOptions = {}): LineParser<FlannelLogRecord> {
  const ref = referenceOf(options.referenceTime);
  const continuations = new KlogContinuations();
  return {
    id: 'flannel-log',
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
      const rec: FlannelLogRecord = { kind: 'flannel-log', file, line: lineNo, ...baseFromBody(decoded, line) };
      if (decoded.klog) {
        rec.source = decoded.klog.source;
        rec.threadId = decoded.klog.threadId;
      }
      if (!rec.timestamp && time) rec.timestamp = time;
      if (prefix) rec.container = prefix;
      return rec;
    },
  };
}

export const flannelLogParser: LineParser<FlannelLogRecord> = createFlannelLogParser();
