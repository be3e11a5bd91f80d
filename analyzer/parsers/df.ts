/**
 * `df -P`, `df -h`, `df -hT`, `df -i` (and BusyBox df). A full /var/lib/cni or /var (blocks or
 * inodes) turns into `failed to set network "cni-loopback" cached result: … no space left on
 * device`, so rows carry the use percentage as a number. Several tables may follow each other in
 * one file (the collector may run `df -P` and `df -i` into the same file); each header switches
 * the mode. Old df wraps a long filesystem name onto its own line; that is joined back.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { looksBinary, problem, splitLines } from './lib/text.js';
import { parseHumanSize } from './lib/values.js';

export interface DfRecord {
  kind: 'df';
  file: string;
  line: number;
  /** blocks: sizes in bytes; inodes: counts. */
  mode: 'blocks' | 'inodes';
  filesystem: string;
  fsType?: string;
  /** Total, used and available as printed (`20G`, `1024000`, `-`). */
  totalText: string;
  usedText: string;
  availableText: string;
  /** Bytes (blocks mode) or counts (inodes mode); absent when df printed `-`. Human sizes are approximate. */
  total?: number;
  used?: number;
  available?: number;
  /** `Use%`/`Capacity`/`IUse%` as a number; absent for `-`. */
  usePercent?: number;
  mountedOn: string;
}

interface Header {
  mode: DfRecord['mode'];
  hasType: boolean;
  /** Bytes per unit for plain numbers (1024 for 1K-blocks), or 0 for human-readable sizes. */
  unit: number;
}

function headerOf(line: string): Header | undefined {
  const t = line.trim().split(/\s+/);
  if (t[0] !== 'Filesystem') return undefined;
  const hasType = t[1] === 'Type';
  const sizeCol = t[hasType ? 2 : 1] ?? '';
  if (sizeCol === 'Inodes') return { mode: 'inodes', hasType, unit: 1 };
  if (sizeCol === 'Size') return { mode: 'blocks', hasType, unit: 0 };
  const m = /^(\d+)([KMGT]?)B?-blocks$/.exec(sizeCol);
  if (!m) return undefined;
  const mult = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return { mode: 'blocks', hasType, unit: Number(m[1]) * mult };
}

/** unit 0 marks human-readable columns, where a bare number is already a count. */
function amount(text: string, unit: number): number | undefined {
  return parseHumanSize(text, unit > 0 ? unit : 1);
}

export const dfParser: TextParser<DfRecord> = {
  id: 'df',
  parse(text: string, file: string): ParseResult<DfRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in df output')] };
    const records: DfRecord[] = [];
    const problems: ParseProblem[] = [];
    let header: Header | undefined;
    let pending: { fs: string; line: number } | undefined;
    splitLines(text).lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.trim() === '') return;
      const h = headerOf(raw);
      if (h) {
        header = h;
        pending = undefined;
        return;
      }
      if (raw.startsWith('df: ')) {
        // "df: /proc/sys/fs/binfmt_misc: Too many levels of symbolic links": a skipped mount.
        problems.push(problem(file, lineNo, 'df reported an error', raw));
        return;
      }
      if (!header) {
        problems.push(problem(file, lineNo, 'df row before any header line', raw));
        return;
      }
      let tokens = raw.trim().split(/\s+/);
      let line = lineNo;
      if (tokens.length === 1 && !pending) {
        pending = { fs: tokens[0]!, line: lineNo };
        return;
      }
      if (pending) {
        tokens = [pending.fs, ...tokens];
        line = pending.line;
        pending = undefined;
      }
      const base = header.hasType ? 2 : 1;
      if (tokens.length < base + 5) {
        problems.push(problem(file, lineNo, 'df row with too few columns', raw));
        return;
      }
      const [totalText, usedText, availableText, pct] = tokens.slice(base, base + 4) as [string, string, string, string];
      const rec: DfRecord = {
        kind: 'df', file, line, mode: header.mode, filesystem: tokens[0]!,
        totalText, usedText, availableText, mountedOn: tokens.slice(base + 4).join(' '),
      };
      if (header.hasType) rec.fsType = tokens[1]!;
      const unit = header.mode === 'inodes' ? 0 : header.unit;
      const total = amount(totalText, unit);
      if (total !== undefined) rec.total = total;
      const used = amount(usedText, unit);
      if (used !== undefined) rec.used = used;
      const avail = amount(availableText, unit);
      if (avail !== undefined) rec.available = avail;
      const p = /^(\d+)%$/.exec(pct);
      if (p) rec.usePercent = Number(p[1]);
      else if (pct !== '-') {
        problems.push(problem(file, lineNo, `df row without a use percentage: ${pct}`, raw));
        return;
      }
      records.push(rec);
    });
    if (pending) problems.push(problem(file, pending.line, 'df output ends after a wrapped filesystem name'));
    return { records, problems };
  },
};
