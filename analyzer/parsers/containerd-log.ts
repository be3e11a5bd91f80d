/**
 * containerd's own log file (logfmt, or JSON when `format = "json"`), as kept by k3s/rke2 in
 * containerd.log or captured from a foreground containerd:
 *
 *   time="2026-11-22T10:28:54.639504416Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:web-1,…} failed, error" error="failed to setup network for sandbox \"aad4…\": plugin type=\"bridge\" failed (add): …"
 *
 * The body decoder is the journal's; only the missing journal prefix differs. The same keep rule
 * applies: warnings and errors always, info lines only when they mention sandboxes/CNI/networks.
 */
import type { LineParser, ParseProblem } from './types.js';
import { baseFromBody, decodeBody, isInteresting, prepareLine, quickSeverity, type LogRecordBase } from './lib/log.js';
import { referenceOf } from './lib/time.js';

export interface ContainerdLogRecord extends LogRecordBase {
  kind: 'containerd-log';
}

export interface ContainerdLogParserOptions {
  referenceTime?: string;
  keepAll?: boolean;
}

export function createContainerdLogParser(options: ContainerdLogParserOptions = {}): LineParser<ContainerdLogRecord> {
  const ref = referenceOf(options.referenceTime);
  return {
    id: 'containerd-log',
    parseLine(raw: string, lineNo: number, file: string): ContainerdLogRecord | ParseProblem | null {
      const prepared = prepareLine(raw, lineNo, file);
      if (typeof prepared !== 'string') return prepared;
      const line = prepared;
      const quick = quickSeverity(line);
      if (!options.keepAll && quick !== undefined && !isInteresting(quick, line)) return null;
      const decoded = decodeBody(line, ref);
      if (!options.keepAll && !isInteresting(decoded.severity, line)) return null;
      return { kind: 'containerd-log', file, line: lineNo, ...baseFromBody(decoded, line) };
    },
  };
}

export const containerdLogParser: LineParser<ContainerdLogRecord> = createContainerdLogParser();
