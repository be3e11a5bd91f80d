/**
 * Amazon VPC CNI logs: ipamd.log and plugin.log (/var/log/aws-routed-eni/) are zap JSON lines,
 *
 *   {"level":"error","ts":"2023-03-09T04:09:07.998Z","caller":"ipamd/ipamd.go:819","msg":"Failed to increase pool size due to not able to allocate ENI AllocENI: …"}
 *
 * the aws-node container's entrypoint writes logfmt (`time="…" level=error msg="Failed to wait for
 * IPAM daemon to complete" error="exit status 1"`), and releases before 1.6 wrote seelog lines
 * (`2020-04-01T02:00:05.895Z [DEBUG]        IP pool stats: total = 56, used = 51, …`). The
 * plugin's "Received CNI add request: ContainerID(…) … Args(…K8S_POD_NAME=…)" gives sandbox and pod.
 */
import type { LineParser, ParseProblem } from './types.js';
import { baseFromBody, decodeBody, keepAgentLine, prepareLine, stripContainerLogPrefixes, type DecodedBody, type LogRecordBase } from './lib/log.js';
import { normalizeLevel } from './lib/severity.js';
import { problem } from './lib/text.js';
import { normalizeTimestamp } from './lib/time.js';

export interface AwsVpcCniLogRecord extends LogRecordBase {
  kind: 'aws-vpc-cni-log';
  /** zap's `caller` (`ipamd/ipamd.go:819`). */
  caller?: string;
  container?: string;
}

const SEELOG = /^(\d{4}-\d{2}-\d{2}T\S+) \[([A-Za-z]+)\]\s+(.*)$/;

export interface AwsVpcCniLogParserOptions {
  keepAll?: boolean;
}

export function createAwsVpcCniLogParser(options: AwsVpcCniLogParserOptions = {}): LineParser<AwsVpcCniLogRecord> {
  return {
    id: 'aws-vpc-cni-log',
    parseLine(raw: string, lineNo: number, file: string): AwsVpcCniLogRecord | ParseProblem | null {
      const prepared = prepareLine(raw, lineNo, file);
      if (typeof prepared !== 'string') return prepared;
      const line = prepared;
      // seelog's leading timestamp looks like kubectl's --timestamps prefix: test it first.
      const seelog = SEELOG.exec(line);
      const stripped = seelog ? { body: line } : stripContainerLogPrefixes(line);
      const body = stripped.body;
      let decoded: DecodedBody;
      const s = seelog ?? SEELOG.exec(body);
      if (s) {
        decoded = { format: 'seelog', severity: normalizeLevel(s[2]) ?? 'info', level: s[2]!, message: s[3]!, fields: {}, timeText: s[1]! };
        const t = normalizeTimestamp(s[1]);
        if (t) decoded.time = t;
      } else {
        decoded = decodeBody(body);
        if (decoded.format === 'text' && /^\s*("level"|\{)/.test(body)) {
          return problem(file, lineNo, 'log line looks like JSON but does not parse (cut off?)', line);
        }
      }
      if (!options.keepAll && !keepAgentLine(decoded.severity, body)) return null;
      const rec: AwsVpcCniLogRecord = { kind: 'aws-vpc-cni-log', file, line: lineNo, ...baseFromBody(decoded, line) };
      const caller = decoded.fields['caller'];
      if (caller) rec.caller = caller;
      if ('time' in stripped && stripped.time && !rec.timestamp) rec.timestamp = stripped.time;
      if ('prefix' in stripped && stripped.prefix) rec.container = stripped.prefix;
      return rec;
    },
  };
}

export const awsVpcCniLogParser: LineParser<AwsVpcCniLogRecord> = createAwsVpcCniLogParser();
