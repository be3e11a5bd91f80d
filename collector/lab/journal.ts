/**
 * Writes the lab node's journal as a real journal file: entries in the journal export format
 * (https://systemd.io/JOURNAL_EXPORT_FORMATS/) piped through systemd-journal-remote, placed where
 * journald keeps them (/var/log/journal/<machine-id>/), so `journalctl --root` reads it as on a node.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalLine } from './klog.js';
import { LabError, run } from './proc.js';

const JOURNAL_REMOTE = ['/lib/systemd/systemd-journal-remote', '/usr/lib/systemd/systemd-journal-remote'];

/** containerd's own lines: its logrus time= stamp and level= become the entry's time and priority. */
export function containerdJournalLines(log: string, pid: number): JournalLine[] {
  const lines: JournalLine[] = [];
  let last = new Date();
  for (const line of log.split('\n')) {
    if (line.trim() === '') continue;
    const stamp = /time="([^"]+)"/.exec(line)?.[1];
    const parsed = stamp ? new Date(stamp) : null;
    const time = parsed && !Number.isNaN(parsed.getTime()) ? parsed : last;
    last = time;
    const level = /level=(\w+)/.exec(line)?.[1];
    const priority = level === 'error' || level === 'fatal' ? 3 : level === 'warning' ? 4 : level === 'debug' ? 7 : 6;
    lines.push({ unit: 'containerd', pid, time, priority, message: line, handWritten: false });
  }
  return lines;
}

function field(name: string, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  if (!bytes.includes(0x0a)) return Buffer.concat([Buffer.from(`${name}=`), bytes, Buffer.from('\n')]);
  // Multi-line values take the binary form: NAME\n<le64 length><bytes>\n
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(bytes.length));
  return Buffer.concat([Buffer.from(`${name}\n`), length, bytes, Buffer.from('\n')]);
}

export function journalExport(lines: JournalLine[], host: string, bootId: string): Buffer {
  const sorted = [...lines].sort((a, b) => a.time.getTime() - b.time.getTime());
  const parts: Buffer[] = [];
  // Export timestamps are microseconds; entries sharing a millisecond keep their order.
  let previous = 0;
  for (const [index, line] of sorted.entries()) {
    const micros = Math.max(line.time.getTime() * 1000, previous + 1);
    previous = micros;
    const fields: Array<[string, string]> = [
      ['__REALTIME_TIMESTAMP', String(micros)],
      ['__MONOTONIC_TIMESTAMP', String(10_000_000 + index * 1000)],
      ['_BOOT_ID', bootId],
      ['_HOSTNAME', host],
      ['_TRANSPORT', 'stdout'],
      ['PRIORITY', String(line.priority)],
      ['SYSLOG_FACILITY', '3'],
      ['SYSLOG_IDENTIFIER', line.unit],
      ['_PID', String(line.pid)],
      ['_COMM', line.unit],
      ['_EXE', `/usr/bin/${line.unit}`],
      ['_SYSTEMD_UNIT', `${line.unit}.service`],
      ['_SYSTEMD_CGROUP', `/system.slice/${line.unit}.service`],
      ['_SYSTEMD_SLICE', 'system.slice'],
      ['MESSAGE', line.message],
    ];
    if (line.handWritten) fields.push(['CNI_EVIDENCE_LAB', 'hand-written']);
    for (const [name, value] of fields) parts.push(field(name, value));
    parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

/** Writes `<root>/var/log/journal/<machine-id>/system.journal`; returns its path. */
export async function writeNodeJournal(root: string, host: string, lines: JournalLine[]): Promise<string> {
  const machineId = (await readFile(join(root, 'etc/machine-id'), 'utf8')).trim();
  const dir = join(root, 'var/log/journal', machineId);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'system.journal');
  const bootId = createHash('md5').update(`${host}-boot`).digest('hex');
  let binary: string | undefined;
  for (const candidate of JOURNAL_REMOTE) {
    if (await stat(candidate).then(() => true, () => false)) {
      binary = candidate;
      break;
    }
  }
  if (!binary) throw new LabError('systemd-journal-remote is not installed (apt-get install systemd-journal-remote)');
  await run([binary, `--output=${file}`, '-'], { input: journalExport(lines, host, bootId) });
  return file;
}
