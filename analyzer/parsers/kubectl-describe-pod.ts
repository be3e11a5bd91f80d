/**
 * `kubectl describe pod` text, as pasted into hand-made bundles or saved by the collector. One
 * file may describe several pods (each starts with `Name:` at column 0).
 *
 * Read: the header fields (Name, Namespace, Node `node-1/10.0.0.5`, Status incl. `Terminating
 * (lasts 5m)`, IP/IPs, Controlled By), each container's State/Reason/Message/Exit Code, Last
 * State, Ready and Restart Count, the Conditions table, and the Events table. Event rows are cut
 * by the header's column positions; `4m (x12 over 5m)` gives the count, and lines that are not a
 * new row continue the previous message (wrapped or multi-line messages), joined with newlines.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { cutRow, headerColumns, type Column } from './lib/columns.js';
import { extractFacts } from './lib/facts.js';
import { looksBinary, problem, splitLines } from './lib/text.js';
import { noneToUndefined } from './lib/values.js';

export interface DescribeContainer {
  name: string;
  init: boolean;
  line: number;
  containerId?: string;
  image?: string;
  /** Waiting, Running, Terminated. */
  state?: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  lastState?: string;
  lastReason?: string;
  lastExitCode?: number;
  ready?: boolean;
  restartCount?: number;
}

export interface DescribePodRecord {
  kind: 'describe-pod';
  file: string;
  line: number;
  name: string;
  namespace?: string;
  node?: string;
  nodeIP?: string;
  /** As printed: Pending, Running, `Terminating (lasts 5m)`. */
  status?: string;
  terminating: boolean;
  reason?: string;
  message?: string;
  ip?: string;
  ips: string[];
  controlledBy?: string;
  startTime?: string;
  labels: Record<string, string>;
  containers: DescribeContainer[];
  conditions: { type: string; status: string }[];
  eventCount: number;
}

export interface DescribeEventRecord {
  kind: 'describe-event';
  file: string;
  line: number;
  /** The pod this event block belongs to. */
  pod: { namespace?: string; name: string };
  type: string;
  reason: string;
  /** Age column as printed (`4m59s`); for repeated events the age of the last one. */
  age: string;
  /** From `(x12 over 5m)`; 1 otherwise. */
  count: number;
  over?: string;
  from: string;
  message: string;
  /** Last line of a multi-line message. */
  endLine: number;
  sandboxIds: string[];
}

export type DescribeRecord = DescribePodRecord | DescribeEventRecord;

const TOP_KEY = /^([A-Z][A-Za-z0-9 -]*):(?:\s+(.*))?$/;
const SUB_KEY = /^(\s+)([A-Z][A-Za-z0-9 ]*):(?:\s+(.*))?$/;
const AGE = /^(\S+)(?: \(x(\d+) over ([^)]+)\))?$/;
const EVENT_START = /^\s+(Normal|Warning)\s+\S/;

const none = noneToUndefined;

function parseEventRow(row: string, cols: Column[] | undefined): Omit<DescribeEventRecord, 'kind' | 'file' | 'line' | 'pod' | 'endLine' | 'sandboxIds'> | undefined {
  let type: string, reason: string, ageText: string, from: string, message: string;
  const cells = cols && cols.length === 5 ? cutRow(row, cols) : undefined;
  if (cells && AGE.test(cells[2]!) && cells[0] !== '' && cells[1] !== '') {
    [type, reason, ageText, from, message] = cells as [string, string, string, string, string];
  } else {
    // Misaligned (hand-edited) rows: split on whitespace, From may be "kubelet, node01".
    const m = /^\s*(Normal|Warning)\s+(\S+)\s+(\S+(?: \(x\d+ over [^)]+\))?)\s+(\S+?,\s+\S+|\S+)\s+(.*)$/.exec(row);
    if (!m) return undefined;
    [, type, reason, ageText, from, message] = m as unknown as [string, string, string, string, string, string];
  }
  const age = AGE.exec(ageText);
  const out = { type, reason, age: age ? age[1]! : ageText, count: age?.[2] ? Number(age[2]) : 1, from, message };
  return age?.[3] ? { ...out, over: age[3] } : out;
}

function newPod(file: string, line: number, name: string): DescribePodRecord {
  return { kind: 'describe-pod', file, line, name, terminating: false, ips: [], labels: {}, containers: [], conditions: [], eventCount: 0 };
}

export const kubectlDescribePodParser: TextParser<DescribeRecord> = {
  id: 'kubectl-describe-pod',
  parse(text: string, file: string): ParseResult<DescribeRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content, not kubectl describe output')] };
    const records: DescribeRecord[] = [];
    const problems: ParseProblem[] = [];
    let pod: DescribePodRecord | undefined;
    let section = '';
    let container: DescribeContainer | undefined;
    let stateKey = '';
    let eventCols: Column[] | undefined;
    let event: DescribeEventRecord | undefined;
    let messageLines: string[] = [];
    const flushEvent = () => {
      if (!event) return;
      while (messageLines.length > 1 && messageLines[messageLines.length - 1]!.trim() === '') messageLines.pop();
      event.message = messageLines.join('\n');
      event.endLine = event.line + messageLines.length - 1;
      event.sandboxIds = extractFacts([event.message]).sandboxIds;
      event = undefined;
      messageLines = [];
    };
    const lines = splitLines(text).lines;
    lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.startsWith('Name:')) {
        flushEvent();
        pod = newPod(file, lineNo, raw.slice(5).trim());
        records.push(pod);
        section = '';
        container = undefined;
        return;
      }
      if (!pod) {
        if (raw.trim() !== '') problems.push(problem(file, lineNo, 'text before the first "Name:" line', raw));
        return;
      }
      if (section === 'Events' && event) {
        // Events is the last section: anything that is not a new row continues the message.
        if (EVENT_START.test(raw)) flushEvent();
        else {
          messageLines.push(raw.trimEnd());
          return;
        }
      }
      const top = raw.startsWith(' ') || raw.startsWith('\t') ? undefined : TOP_KEY.exec(raw);
      if (top) {
        const key = top[1]!;
        const value = top[2];
        section = key;
        container = undefined;
        switch (key) {
          case 'Namespace': if (none(value)) pod.namespace = none(value)!; break;
          case 'Node': {
            const v = none(value);
            if (v) {
              const slash = v.indexOf('/');
              pod.node = slash === -1 ? v : v.slice(0, slash);
              if (slash !== -1 && v.slice(slash + 1) !== '') pod.nodeIP = v.slice(slash + 1);
            }
            break;
          }
          case 'Status': {
            const v = none(value);
            if (v) {
              pod.status = v;
              pod.terminating = v.startsWith('Terminating');
            }
            break;
          }
          case 'Reason': if (none(value)) pod.reason = none(value)!; break;
          case 'Message': if (none(value)) pod.message = none(value)!; break;
          case 'IP': if (none(value)) pod.ip = none(value)!; break;
          case 'Controlled By': if (none(value)) pod.controlledBy = none(value)!; break;
          case 'Start Time': if (none(value)) pod.startTime = none(value)!; break;
          case 'Labels': {
            const v = none(value);
            if (v && v.includes('=')) pod.labels[v.slice(0, v.indexOf('='))] = v.slice(v.indexOf('=') + 1);
            break;
          }
          case 'Events':
            eventCols = undefined;
            break;
          default:
            break;
        }
        return;
      }
      if (raw.trim() === '') return;
      switch (section) {
        case 'Labels': {
          const v = raw.trim();
          if (v.includes('=')) pod.labels[v.slice(0, v.indexOf('='))] = v.slice(v.indexOf('=') + 1);
          return;
        }
        case 'IPs': {
          const m = /^\s+IP:\s+(\S+)/.exec(raw);
          if (m) pod.ips.push(m[1]!);
          return;
        }
        case 'Conditions': {
          const t = raw.trim().split(/\s+/);
          if (t[0] === 'Type' || t.length < 2) return;
          pod.conditions.push({ type: t[0]!, status: t[1]! });
          return;
        }
        case 'Containers':
        case 'Init Containers': {
          const nameLine = /^ {2}(\S[^:]*):\s*$/.exec(raw);
          if (nameLine) {
            container = { name: nameLine[1]!, init: section === 'Init Containers', line: lineNo };
            pod.containers.push(container);
            return;
          }
          const sub = SUB_KEY.exec(raw);
          if (!container || !sub) return;
          const indent = sub[1]!.length;
          const key = sub[2]!;
          const value = none(sub[3]);
          if (indent <= 4) {
            stateKey = key;
            if (key === 'State' && value) container.state = value;
            else if (key === 'Last State' && value) container.lastState = value;
            else if (key === 'Container ID' && value) container.containerId = value;
            else if (key === 'Image' && value) container.image = value;
            else if (key === 'Ready' && value) container.ready = value === 'True';
            else if (key === 'Restart Count' && value && /^\d+$/.test(value)) container.restartCount = Number(value);
          } else if (stateKey === 'State') {
            if (key === 'Reason' && value) container.reason = value;
            else if (key === 'Message' && value) container.message = value;
            else if (key === 'Exit Code' && value && /^-?\d+$/.test(value)) container.exitCode = Number(value);
          } else if (stateKey === 'Last State') {
            if (key === 'Reason' && value) container.lastReason = value;
            else if (key === 'Exit Code' && value && /^-?\d+$/.test(value)) container.lastExitCode = Number(value);
          }
          return;
        }
        case 'Events': {
          const trimmed = raw.trim();
          if (/^Type\s+Reason\s+Age\s+From\s+Message$/.test(trimmed)) {
            eventCols = headerColumns(raw);
            return;
          }
          if (/^-+(\s+-+)*$/.test(trimmed)) return;
          const row = parseEventRow(raw, eventCols);
          if (!row) {
            problems.push(problem(file, lineNo, 'unreadable event row', raw));
            return;
          }
          event = { kind: 'describe-event', file, line: lineNo, pod: pod.namespace ? { namespace: pod.namespace, name: pod.name } : { name: pod.name }, ...row, endLine: lineNo, sandboxIds: [] };
          messageLines = [row.message];
          pod.eventCount++;
          records.push(event);
          return;
        }
        default:
          return;
      }
    });
    flushEvent();
    return { records, problems };
  },
};
