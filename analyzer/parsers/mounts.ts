/**
 * Mount tables in the forms a bundle may hold, detected per line:
 *
 *   /proc/mounts      bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0
 *   mountinfo         36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   mount             bpf on /sys/fs/bpf type bpf (rw,relatime)
 *   findmnt           TARGET / SOURCE / FSTYPE / OPTIONS columns, tree-drawn or -l
 *
 * Cilium needs bpffs at /sys/fs/bpf, and a read-only /opt/cni/bin or /etc/cni/net.d blocks
 * install-cni, so options are split and `readOnly` is derived.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { looksBinary, problem, splitLines } from './lib/text.js';

export interface MountRecord {
  kind: 'mount';
  file: string;
  line: number;
  format: 'proc' | 'mountinfo' | 'mount' | 'findmnt';
  source: string;
  target: string;
  fsType: string;
  options: string[];
  readOnly: boolean;
  /** mountinfo only. */
  mountId?: number;
  parentId?: number;
  root?: string;
  /** mountinfo optional fields (shared:N, master:N). */
  propagation?: string[];
  superOptions?: string[];
}

/** /proc/mounts and mountinfo escape space, tab, newline and backslash as octal. */
function unescapeOctal(s: string): string {
  return s.includes('\\') ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) : s;
}

function opts(s: string): string[] {
  return s === '' ? [] : s.split(',');
}

function make(file: string, line: number, format: MountRecord['format'], source: string, target: string, fsType: string, options: string[]): MountRecord {
  return { kind: 'mount', file, line, format, source, target, fsType, options, readOnly: options.includes('ro') };
}

interface FindmntColumns {
  target: number;
  source: number;
  fstype: number;
  options: number;
}

function findmntHeader(line: string): FindmntColumns | undefined {
  const target = line.indexOf('TARGET');
  const source = line.indexOf('SOURCE');
  const fstype = line.indexOf('FSTYPE');
  const options = line.indexOf('OPTIONS');
  if (target !== 0 || source < 0 || fstype < 0 || options < 0) return undefined;
  return { target, source, fstype, options };
}

export const mountsParser: TextParser<MountRecord> = {
  id: 'mounts',
  parse(text: string, file: string): ParseResult<MountRecord> {
    if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in a mount table')] };
    const records: MountRecord[] = [];
    const problems: ParseProblem[] = [];
    let findmnt: FindmntColumns | undefined;
    splitLines(text).lines.forEach((raw, i) => {
      const lineNo = i + 1;
      if (raw.trim() === '') return;
      const header = findmntHeader(raw);
      if (header) {
        findmnt = header;
        return;
      }
      if (findmnt) {
        const cols = [findmnt.target, findmnt.source, findmnt.fstype, findmnt.options].sort((a, b) => a - b);
        const cut = (start: number) => {
          const next = cols.find((c) => c > start) ?? raw.length;
          return raw.slice(start, next).trim();
        };
        // Tree drawing (├─ └─ │) sits in front of the target.
        const target = cut(findmnt.target).replace(/^[\s│├└─|`-]+/u, '');
        records.push(make(file, lineNo, 'findmnt', cut(findmnt.source), target, cut(findmnt.fstype), opts(cut(findmnt.options))));
        return;
      }
      const t = raw.trim().split(/\s+/);
      const sep = t.indexOf('-');
      if (/^\d+$/.test(t[0] ?? '') && /^\d+$/.test(t[1] ?? '') && sep >= 6 && t.length >= sep + 3) {
        const rec = make(file, lineNo, 'mountinfo', unescapeOctal(t[sep + 2]!), unescapeOctal(t[4]!), t[sep + 1]!, opts(t[5]!));
        rec.mountId = Number(t[0]);
        rec.parentId = Number(t[1]);
        rec.root = unescapeOctal(t[3]!);
        rec.propagation = t.slice(6, sep);
        rec.superOptions = opts(t[sep + 3] ?? '');
        records.push(rec);
        return;
      }
      const on = raw.indexOf(' on ');
      const type = raw.lastIndexOf(' type ');
      if (on > 0 && type > on && raw.trimEnd().endsWith(')')) {
        const open = raw.indexOf(' (', type);
        if (open > type) {
          const fsType = raw.slice(type + 6, open);
          const options = raw.slice(open + 2, raw.trimEnd().length - 1);
          records.push(make(file, lineNo, 'mount', raw.slice(0, on), raw.slice(on + 4, type), fsType, opts(options)));
          return;
        }
      }
      if (t.length === 6 && /^\d+$/.test(t[4]!) && /^\d+$/.test(t[5]!)) {
        records.push(make(file, lineNo, 'proc', unescapeOctal(t[0]!), unescapeOctal(t[1]!), t[2]!, opts(t[3]!)));
        return;
      }
      problems.push(problem(file, lineNo, 'not a mount table line', raw));
    });
    return { records, problems };
  },
};
