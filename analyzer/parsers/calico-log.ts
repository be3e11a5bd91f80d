/**
 * Calico logs: calico-node (felix, confd, the node agent), the CNI plugin's
 * /var/log/calico/cni/cni.log, install-cni and calico-kube-controllers all use one layout:
 *
 *   2023-05-01 12:00:00.000 [ERROR][123] cni-plugin/plugin.go 580: Final result of CNI ADD was an error. error=…
 *   2018-09-07 08:02:59.942 [ERROR][15833] table.go 778: Failed to program iptables, loading diags before panic. error=exit status 4 ipVersion=0x4 table="mangle"
 *   2024-01-02 03:04:05.678 [INFO][1] cni-installer/<nil> <nil>: Unable to create token for CNI kubeconfig error=Unauthorized
 *
 * Fields come after the message as ` Key=value`, values unquoted even with spaces
 * (`error=exit status 4`), so a value runs to the next ` Key=`; quoted values are unquoted. The
 * message ends at the first such key. Calico's CNI plugin logs ContainerID/Namespace/Pod fields,
 * which give the sandbox and pod. Lines in other formats (bird, a Go panic) are kept as text.
 */
import type { LineParser, ParseProblem } from './types.js';
import { baseFromBody, decodeBody, keepAgentLine, prepareLine, stripContainerLogPrefixes, type DecodedBody, type LogRecordBase } from './lib/log.js';
import { unquoteGo } from './lib/logfmt.js';
import { normalizeLevel } from './lib/severity.js';
import { normalizeTimestamp } from './lib/time.js';

export interface CalicoLogRecord extends LogRecordBase {
  kind: 'calico-log';
  /** The logging process's PID in brackets. */
  pid?: number;
  /** `cni-plugin/plugin.go`, `table.go`, `cni-installer/<nil>`. */
  sourceFile?: string;
  sourceLine?: number;
  /** The container named by `kubectl logs --prefix`, when present. */
  container?: string;
}

const CALICO_LINE = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) \[([A-Za-z]+)\]\[(\d+)\] (\S+) (\S+): ?(.*)$/;
const FIELD_START = / ([A-Za-z_][A-Za-z0-9_.]*)=/g;

/** Splits `message Key=value Key2="quoted"` into the message and the fields. */
export function splitCalicoFields(text: string): { message: string; fields: Record<string, string> } {
  FIELD_START.lastIndex = 0;
  const first = FIELD_START.exec(text);
  if (!first) return { message: text, fields: {} };
  const fields: Record<string, string> = {};
  let pos = first.index;
  while (pos < text.length) {
    FIELD_START.lastIndex = pos;
    const m = FIELD_START.exec(text);
    if (!m || m.index !== pos) break;
    const key = m[1]!;
    let v = pos + m[0].length;
    let value: string;
    if (text[v] === '"') {
      const q = unquoteGo(text, v);
      if (q.end === -1) return { message: text, fields: {} };
      value = q.value;
      v = q.end;
      // a quoted value must end the field
      if (v < text.length && text[v] !== ' ') return { message: text, fields: {} };
      pos = v;
    } else {
      FIELD_START.lastIndex = v;
      const next = FIELD_START.exec(text);
      const end = next ? next.index : text.length;
      value = text.slice(v, end);
      pos = end;
    }
    fields[key] = value;
  }
  return { message: text.slice(0, first.index), fields };
}

export interface CalicoLogParserOptions {
  keepAll?: boolean;
}

export function createCalicoLogParser(options: CalicoLogParserOptions = {}): LineParser<CalicoLogRecord> {
  return {
    id: 'calico-log',
    parseLine(raw: string, lineNo: number, file: string): CalicoLogRecord | ParseProblem | null {
      const prepared = prepareLine(raw, lineNo, file);
      if (typeof prepared !== 'string') return prepared;
      const line = prepared;
      const stripped = stripContainerLogPrefixes(line);
      let { body } = stripped;
      let prefix = stripped.prefix;
      let m = CALICO_LINE.exec(body);
      if (!m) {
        // stern-style "<pod> <container> 2018-09-07 08:02:59.942 [ERROR]…": find the timestamp.
        const at = body.slice(0, 160).search(/ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+ \[/);
        if (at > 0) {
          m = CALICO_LINE.exec(body.slice(at + 1));
          if (m) {
            prefix = body.slice(0, at);
            body = body.slice(at + 1);
          }
        }
      }
      let decoded: DecodedBody;
      let extra: Partial<CalicoLogRecord> = {};
      if (m) {
        const { message, fields } = splitCalicoFields(m[6]!);
        decoded = { format: 'calico', severity: normalizeLevel(m[2]) ?? 'info', level: m[2]!, message: message.trimEnd(), fields, timeText: m[1]! };
        const t = normalizeTimestamp(m[1]);
        if (t) decoded.time = t;
        extra = { pid: Number(m[3]), sourceFile: m[4]! };
        if (/^\d+$/.test(m[5]!)) extra.sourceLine = Number(m[5]);
      } else {
        decoded = decodeBody(body);
      }
      if (!options.keepAll && !keepAgentLine(decoded.severity, body)) return null;
      const rec: CalicoLogRecord = { kind: 'calico-log', file, line: lineNo, ...baseFromBody(decoded, line), ...extra };
      if (!rec.timestamp && stripped.time) rec.timestamp = stripped.time;
      if (prefix) rec.container = prefix;
      return rec;
    },
  };
}

export const calicoLogParser: LineParser<CalicoLogRecord> = createCalicoLogParser();
