/**
 * Cilium agent, operator and cilium-cni logs. Up to 1.16 logrus logfmt:
 *
 *   level=error msg="Unable to fetch kubernetes labels" error="…" subsys=daemon
 *   time="2024-03-01T10:00:00Z" level=info msg="Envoy: Starting access log server listening on …" subsys=envoy-manager
 *
 * from 1.17 slog's text handler (`time=2025-03-17T10:00:00.123Z level=INFO source=… msg=… module=…`),
 * or JSON when configured. client-go lines inside the agent are klog. `subsys` (or slog's `module`)
 * says which part of the agent spoke; containerID and k8sPodName give the sandbox and pod.
 */
import type { LineParser, ParseProblem } from './types.js';
import { baseFromBody, decodeBody, keepAgentLine, prepareLine, stripContainerLogPrefixes, type LogRecordBase } from './lib/log.js';
import { referenceOf } from './lib/time.js';

export interface CiliumLogRecord extends LogRecordBase {
  kind: 'cilium-log';
  /** logrus `subsys` or slog `module`. */
  subsys?: string;
  container?: string;
}

export interface CiliumLogParserOptions {
  referenceTime?: string;
  keepAll?: boolean;
}

export function createCiliumLogParser(options: CiliumLogParserOptions = {}): LineParser<CiliumLogRecord> {
  const ref = referenceOf(options.referenceTime);
  return {
    id: 'cilium-log',
    parseLine(raw: string, lineNo: number, file: string): CiliumLogRecord | ParseProblem | null {
      const prepared = prepareLine(raw, lineNo, file);
      if (typeof prepared !== 'string') return prepared;
      const line = prepared;
      const { body, time, prefix } = stripContainerLogPrefixes(line);
      const decoded = decodeBody(body, ref);
      if (!options.keepAll && !keepAgentLine(decoded.severity, body)) return null;
      const rec: CiliumLogRecord = { kind: 'cilium-log', file, line: lineNo, ...baseFromBody(decoded, line) };
      const subsys = decoded.fields['subsys'] ?? decoded.fields['module'];
      if (subsys) rec.subsys = subsys;
      if (!rec.timestamp && time) rec.timestamp = time;
      if (prefix) rec.container = prefix;
      return rec;
    },
  };
}

export const ciliumLogParser: LineParser<CiliumLogRecord> = createCiliumLogParser();
