/**
 * `ls -la` listings of /etc/cni/net.d, /opt/cni/bin, /var/lib/cni/results, and the collector's
 * bin listing, which is the same format with checksums and plugin versions appended.
 *
 * Accepted `ls` forms (GNU coreutils and BusyBox):
 *
 *   total 24
 *   drwxr-xr-x  2 root root    4096 Sep 27 05:48 .
 *   -rwxr-xr-x  1 root root 3859475 Jun 23  2022 bridge
 *   lrwxrwxrwx  1 root root       7 Sep 27 05:48 flannel -> flannel-v0.25
 *   -rw-r--r--. 1 root root     292 2024-09-27 05:48:03.123456789 +0000 10-flannel.conflist   (--time-style=full-iso)
 *   -rw-r--r--  1 root root     292 2024-09-27 05:48 10-flannel.conflist                      (--time-style=long-iso)
 *   -rw-r--r--  1 root root     292 Fri Sep 27 05:48:03 2024 10-flannel.conflist              (BusyBox ls -le)
 *   276776240 -rw------- 1 root root 0 Nov 27 23:16 generic-veth-5bae…-eth1                    (ls -li)
 *   -rwxr-xr-x. 1 root root system_u:object_r:usr_t:s0 3859475 Jun 23 2022 bridge             (ls -laZ)
 *   crw-rw-rw-  1 root root 1, 3 Sep 27 05:48 null                                            (devices)
 *   /etc/cni/net.d:                                                                           (ls -la dir1 dir2)
 *   ls: cannot access '/etc/cni/net.d': No such file or directory
 *
 * Bin listing format (written by the collector for /opt/cni/bin, version 1):
 *
 *   An `ls -la --time-style=full-iso` line, then zero or more TAB-separated `key=value` tokens:
 *
 *     <ls line>\tsha256=<64 lowercase hex | ->\tversion=<value>\tversionError=<text>
 *
 *   - sha256: of the file content (of the target for a symlink); `-` when it could not be read.
 *   - version: the plugin's stdout for `CNI_COMMAND=VERSION` with `{"cniVersion":"1.0.0"}` on
 *     stdin. A value starting with `{`, `[` or `"` is JSON (written with JSON.stringify, so it
 *     holds no TAB or newline); anything else is plain text up to the next TAB or end of line.
 *   - versionError: why the VERSION call failed (exit status, timeout, stderr's first line), as
 *     plain text with TABs and newlines replaced by spaces.
 *   - Other keys are kept in `extra`, so the format can grow without breaking this parser.
 *   - Lines starting with `#` are comments (e.g. `# cni-evidence bin listing v1`).
 *
 *   Example:
 *     -rwxr-xr-x 1 root root 3859475 2022-06-23 10:00:00.000000000 +0000 bridge\tsha256=5c2f…\tversion={"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}
 *
 * A TAB cannot appear in the ls part (ls prints it as `?` or an escape), which is what makes the
 * split unambiguous even for file names with spaces.
 */
import type { ParseProblem, ParseResult, TextParser } from './types.js';
import { looksBinary, problem, splitLines, tokenize, type Token } from './lib/text.js';
import { parseHumanSize } from './lib/values.js';
import { isoFromMonthDay, isoFromParts, monthNumber, normalizeTimestamp, parseClock, referenceOf, type ReferenceTime } from './lib/time.js';

export type LsFileType = 'file' | 'directory' | 'symlink' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'door' | 'unknown';

export interface LsEntryRecord {
  kind: 'ls-entry';
  file: string;
  line: number;
  /** The directory the listing is of, when the output named it (`/etc/cni/net.d:`). */
  dir?: string;
  inode?: number;
  mode: string;
  fileType: LsFileType;
  /** The nine permission characters. */
  permissions: string;
  /** Any execute bit set. */
  executable: boolean;
  /** `.` (SELinux context) or `+` (ACL) after the mode. */
  modeSuffix?: string;
  links: number;
  owner: string;
  group: string;
  selinuxContext?: string;
  /** Bytes; absent for devices and unparseable human sizes. */
  size?: number;
  sizeText: string;
  mtimeText: string;
  /** ISO UTC when the year is known (printed, or resolved from the reference time). */
  mtime?: string;
  mtimePrecision: 'ns' | 'second' | 'minute' | 'day';
  name: string;
  linkTarget?: string;
  /** Bin listing extras. */
  sha256?: string;
  version?: { text: string; json?: unknown };
  versionError?: string;
  extra?: Record<string, string>;
}

export interface LsTotalRecord {
  kind: 'ls-total';
  file: string;
  line: number;
  dir?: string;
  blocks: number;
}

export interface LsErrorRecord {
  kind: 'ls-error';
  file: string;
  line: number;
  /** The path ls complained about. */
  path?: string;
  /** `No such file or directory`, `Permission denied`, … */
  reason: string;
  text: string;
}

export type LsRecord = LsEntryRecord | LsTotalRecord | LsErrorRecord;

const MODE_RE = /^([-dlcbpsD?])([-r][-w][-xsStT][-r][-w][-xsStT][-r][-w][-xtT])([.+@]?)$/;
const FILE_TYPES: Record<string, LsFileType> = {
  '-': 'file', d: 'directory', l: 'symlink', c: 'char-device', b: 'block-device', p: 'fifo', s: 'socket', D: 'door',
};

interface DateRead {
  text: string;
  iso?: string;
  precision: LsEntryRecord['mtimePrecision'];
  /** Index of the first name token. */
  next: number;
}

/** Reads the date starting at token k, in any of the supported styles. */
function readDate(t: Token[], k: number, ref: ReferenceTime | undefined, line: string): DateRead | undefined {
  const a = t[k]?.text;
  const b = t[k + 1]?.text;
  const c = t[k + 2]?.text;
  if (a === undefined || b === undefined) return undefined;
  const span = (n: number) => line.slice(t[k]!.start, t[k + n - 1]!.end);
  // full-iso: 2024-09-27 05:48:03.123456789 +0000
  if (/^\d{4}-\d{2}-\d{2}$/.test(a) && /^\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(b) && c !== undefined && /^[+-]\d{4}$/.test(c)) {
    const iso = normalizeTimestamp(`${a}T${b}${c}`);
    return { text: span(3), ...(iso ? { iso } : {}), precision: b.includes('.') ? 'ns' : 'second', next: k + 3 };
  }
  // long-iso: 2024-09-27 05:48
  if (/^\d{4}-\d{2}-\d{2}$/.test(a) && /^\d{2}:\d{2}$/.test(b)) {
    const iso = normalizeTimestamp(`${a}T${b}:00`);
    return { text: span(2), ...(iso ? { iso } : {}), precision: 'minute', next: k + 2 };
  }
  // BusyBox -e: Fri Sep 27 05:48:03 2024
  const wd = /^[A-Z][a-z]{2}$/.test(a) ? monthNumber(b) : undefined;
  if (wd !== undefined && c !== undefined && parseClock(t[k + 3]?.text ?? '') && /^\d{4}$/.test(t[k + 4]?.text ?? '')) {
    const clock = parseClock(t[k + 3]!.text)!;
    const iso = isoFromParts(Number(t[k + 4]!.text), wd, Number(c), clock.hour, clock.minute, clock.second);
    return { text: span(5), ...(iso ? { iso } : {}), precision: 'second', next: k + 5 };
  }
  // Traditional: Sep 27 05:48 (this year or so) or Jun 23  2022 (older)
  const month = monthNumber(a);
  if (month !== undefined && /^\d{1,2}$/.test(b) && c !== undefined) {
    const day = Number(b);
    if (/^\d{4}$/.test(c)) {
      const iso = isoFromParts(Number(c), month, day, 0, 0, 0);
      return { text: span(3), ...(iso ? { iso } : {}), precision: 'day', next: k + 3 };
    }
    if (/^\d{1,2}:\d{2}$/.test(c)) {
      const iso = isoFromMonthDay(month, day, c.padStart(5, '0'), ref);
      return { text: span(3), ...(iso ? { iso } : {}), precision: 'minute', next: k + 3 };
    }
  }
  return undefined;
}

function parseExtras(rec: LsEntryRecord, parts: string[]): void {
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (key === 'sha256') {
      if (value !== '-') rec.sha256 = value;
    } else if (key === 'version') {
      const v: { text: string; json?: unknown } = { text: value };
      if (/^[{["]/.test(value)) {
        try {
          v.json = JSON.parse(value);
        } catch {
          // kept as text: the plugin printed something that only looks like JSON
        }
      }
      rec.version = v;
    } else if (key === 'versionError') rec.versionError = value;
    else (rec.extra ??= {})[key] = value;
  }
}

function parseEntry(raw: string, lineNo: number, file: string, dir: string | undefined, ref: ReferenceTime | undefined): LsEntryRecord | string {
  const tab = raw.indexOf('\t');
  const line = tab === -1 ? raw : raw.slice(0, tab);
  const t = tokenize(line);
  let k = 0;
  let inode: number | undefined;
  if (/^\d+$/.test(t[0]?.text ?? '') && MODE_RE.test(t[1]?.text ?? '')) {
    inode = Number(t[0]!.text);
    k = 1;
  }
  const mode = MODE_RE.exec(t[k]?.text ?? '');
  if (!mode) return 'not an ls -l line (no mode field)';
  const links = t[k + 1]?.text;
  if (links === undefined || !/^\d+$/.test(links)) return 'no link count after the mode';
  const owner = t[k + 2]?.text;
  const group = t[k + 3]?.text;
  if (owner === undefined || group === undefined) return 'missing owner or group';
  let j = k + 4;
  let selinuxContext: string | undefined;
  const maybeCtx = t[j]?.text ?? '';
  if (/^[^:\s]+:[^:\s]+:[^:\s]+(:\S+)?$/.test(maybeCtx) || (maybeCtx === '?' && /^\d/.test(t[j + 1]?.text ?? ''))) {
    selinuxContext = maybeCtx;
    j++;
  }
  let sizeText = t[j]?.text ?? '';
  let size: number | undefined;
  if (/^\d+,$/.test(sizeText) && /^\d+$/.test(t[j + 1]?.text ?? '')) {
    // device: "major, minor"
    sizeText = `${sizeText} ${t[j + 1]!.text}`;
    j += 2;
  } else {
    size = parseHumanSize(sizeText);
    if (size === undefined) return `unreadable size field: ${sizeText}`;
    j++;
  }
  const date = readDate(t, j, ref, line);
  if (!date) return 'unreadable date field';
  const nameTok = t[date.next];
  if (!nameTok) return 'no file name after the date';
  let name = line.slice(nameTok.start).replace(/\s+$/, '');
  const fileType = FILE_TYPES[mode[1]!] ?? 'unknown';
  let linkTarget: string | undefined;
  if (fileType === 'symlink') {
    const arrow = name.indexOf(' -> ');
    if (arrow !== -1) {
      linkTarget = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  // ls quotes names with spaces under QUOTING_STYLE=shell-escape: 'my file'
  if (/^'.*'$/.test(name)) name = name.slice(1, -1);
  const perms = mode[2]!;
  const rec: LsEntryRecord = {
    kind: 'ls-entry', file, line: lineNo, mode: t[k]!.text, fileType, permissions: perms,
    executable: /[xst]/.test(perms[2]! + perms[5]! + perms[8]!),
    links: Number(links), owner, group, sizeText, mtimeText: date.text, mtimePrecision: date.precision, name,
  };
  if (dir !== undefined) rec.dir = dir;
  if (inode !== undefined) rec.inode = inode;
  if (mode[3]) rec.modeSuffix = mode[3];
  if (selinuxContext !== undefined) rec.selinuxContext = selinuxContext;
  if (size !== undefined) rec.size = size;
  if (date.iso) rec.mtime = date.iso;
  if (linkTarget !== undefined) rec.linkTarget = linkTarget;
  if (tab !== -1) parseExtras(rec, raw.slice(tab + 1).split('\t'));
  return rec;
}

export interface LsParserOptions {
  /** ISO time of collection: gives `Sep 27 05:48` entries their year. */
  referenceTime?: string;
}

export function createLsParser(options: LsParserOptions = {}): TextParser<LsRecord> {
  const ref = referenceOf(options.referenceTime);
  return {
    id: 'ls-listing',
    parse(text: string, file: string): ParseResult<LsRecord> {
      if (looksBinary(text)) return { records: [], problems: [problem(file, 0, 'binary content in an ls listing')] };
      const records: LsRecord[] = [];
      const problems: ParseProblem[] = [];
      let dir: string | undefined;
      splitLines(text).lines.forEach((raw, i) => {
        const lineNo = i + 1;
        const line = raw.trimEnd();
        if (line.trim() === '' || line.startsWith('#')) return;
        const total = /^total (\d+(?:[.,]\d+)?[KMGT]?)$/.exec(line);
        if (total) {
          const rec: LsTotalRecord = { kind: 'ls-total', file, line: lineNo, blocks: parseHumanSize(total[1]!) ?? 0 };
          if (dir !== undefined) rec.dir = dir;
          records.push(rec);
          return;
        }
        if (line.startsWith('ls: ')) {
          const m = /^ls: (?:cannot access|cannot open directory) '?(.*?)'?: (.+)$/.exec(line);
          const rec: LsErrorRecord = { kind: 'ls-error', file, line: lineNo, reason: m ? m[2]! : line.slice(4), text: line };
          if (m) rec.path = m[1]!;
          records.push(rec);
          return;
        }
        if (line.endsWith(':') && !/^\S+\s+\d/.test(line) && !line.includes('\t')) {
          dir = line.slice(0, -1);
          return;
        }
        const entry = parseEntry(line, lineNo, file, dir, ref);
        if (typeof entry === 'string') problems.push(problem(file, lineNo, entry, raw));
        else records.push(entry);
      });
      return { records, problems };
    },
  };
}

export const lsListingParser: TextParser<LsRecord> = createLsParser();
