/**
 * `conntrack -S`: one line of counters per CPU,
 *
 *   cpu=0   	found=0 invalid=12 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 clash_resolve=0 chaintoolong=0
 *
 * The set of counters differs between kernels, so every key=number pair is kept. A total record
 * sums them (line 0): insert_failed and drop going up is the conntrack-table-full signature.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { looksBinary, problem, splitLines } from './lib/text.js';

export interface ConntrackCpuRecord {
  kind: 'conntrack-cpu';
  file: string;
  line: number;
  cpu: number;
  counters: Record<string, number>;
}

export interface ConntrackTotalRecord {
  kind: 'conntrack-total';
  file: string;
  line: number;
  cpus: number;
  counters: Record<string, number>;
}

export type ConntrackRecord = ConntrackCpuRecord | ConntrackTotalRecord;

export const conntrackStatsParser: TextParser<ConntrackRecord> = {
  id: 'conntrack-stats',
  parse(text: string, file: string): ParseResult<ConntrackRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in conntrack -S output')] };
    const records: ConntrackRecord[] = [];
    const problems: ParseProblem[] = [];
    const total: Record<string, number> = {};
    let cpus = 0;
    splitLines(text).lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      const counters: Record<string, number> = {};
      let cpu: number | undefined;
      let bad = false;
      for (const tok of line.split(/\s+/)) {
        const m = /^([a-z_]+)=(\d+)$/.exec(tok);
        if (!m) {
          bad = true;
          break;
        }
        if (m[1] === 'cpu') cpu = Number(m[2]);
        else counters[m[1]!] = Number(m[2]);
      }
      if (bad || cpu === undefined) {
        problems.push(problem(file, i + 1, 'not a conntrack -S per-cpu line', raw));
        return;
      }
      cpus++;
      for (const [k, v] of Object.entries(counters)) total[k] = (total[k] ?? 0) + v;
      records.push({ kind: 'conntrack-cpu', file, line: i + 1, cpu, counters });
    });
    if (cpus > 0) records.push({ kind: 'conntrack-total', file, line: 0, cpus, counters: total });
    return { records, problems };
  },
};
