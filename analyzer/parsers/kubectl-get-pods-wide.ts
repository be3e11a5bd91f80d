/**
 * `kubectl get pods -o wide` (with `-A`: a leading NAMESPACE column), or without `-o wide`.
 *
 *   NAMESPACE     NAME                    READY   STATUS              RESTARTS      AGE   IP         NODE     NOMINATED NODE   READINESS GATES
 *   kube-system   kube-flannel-ds-x7k2p   0/1     CrashLoopBackOff    5 (40s ago)   10m   10.0.0.5   node-1   <none>           <none>
 *
 * Rows are cut at the header's column starts because RESTARTS (`5 (40s ago)`) and the header
 * names themselves contain spaces. Several tables in one file are fine: each header resets.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { cutRow, headerColumns, type Column } from './lib/columns.js';
import { looksBinary, problem, splitLines } from './lib/text.js';
import { noneToUndefined, setIf } from './lib/values.js';

export interface PodsWideRecord {
  kind: 'pods-wide';
  file: string;
  line: number;
  namespace?: string;
  name: string;
  /** `0/1` */
  ready?: string;
  readyCount?: number;
  containerCount?: number;
  status?: string;
  restarts?: number;
  /** From `5 (40s ago)`. */
  lastRestartAgo?: string;
  age?: string;
  ip?: string;
  node?: string;
  nominatedNode?: string;
  readinessGates?: string;
}

export const kubectlGetPodsWideParser: TextParser<PodsWideRecord> = {
  id: 'kubectl-get-pods-wide',
  parse(text: string, file: string): ParseResult<PodsWideRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content, not kubectl output')] };
    const records: PodsWideRecord[] = [];
    const problems: ParseProblem[] = [];
    let cols: Column[] | undefined;
    splitLines(text).lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.trim() === '') return;
      if (/^(NAMESPACE\s+)?NAME\s+READY\s+STATUS/.test(raw)) {
        cols = headerColumns(raw);
        return;
      }
      if (/^No resources found/.test(raw)) return;
      if (!cols) {
        problems.push(problem(file, lineNo, 'row before any header line', raw));
        return;
      }
      const cells = cutRow(raw, cols);
      if (!cells) {
        problems.push(problem(file, lineNo, 'row does not line up with the header columns', raw));
        return;
      }
      const get = (name: string) => {
        const idx = cols!.findIndex((c) => c.name === name);
        return idx === -1 ? undefined : noneToUndefined(cells[idx]);
      };
      const name = get('NAME');
      if (!name) {
        problems.push(problem(file, lineNo, 'row without a NAME', raw));
        return;
      }
      const rec: PodsWideRecord = { kind: 'pods-wide', file, line: lineNo, name };
      const set = <K extends keyof PodsWideRecord>(k: K, v: PodsWideRecord[K] | undefined) => setIf(rec, k, v);
      set('namespace', get('NAMESPACE'));
      const ready = get('READY');
      set('ready', ready);
      const rm = ready ? /^(\d+)\/(\d+)$/.exec(ready) : null;
      if (rm) {
        rec.readyCount = Number(rm[1]);
        rec.containerCount = Number(rm[2]);
      }
      set('status', get('STATUS'));
      const restarts = get('RESTARTS');
      const rs = restarts ? /^(\d+)(?: \((.+) ago\))?$/.exec(restarts) : null;
      if (rs) {
        rec.restarts = Number(rs[1]);
        set('lastRestartAgo', rs[2]);
      }
      set('age', get('AGE'));
      set('ip', get('IP'));
      set('node', get('NODE'));
      set('nominatedNode', get('NOMINATED NODE'));
      set('readinessGates', get('READINESS GATES'));
      records.push(rec);
    });
    return { records, problems };
  },
};
