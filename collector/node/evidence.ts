/**
 * What an executor saw (observations) and how it becomes bundle artifacts. The local executor and
 * the sh script's ingest both hand raw facts to these functions, so the manifest entries, the
 * listing text and the truncation rules are the same whichever way the node was read.
 */
import { constants as osConstants } from 'node:os';
import type { BundleWriter } from '../../shared/bundle/writer.js';
import type { ArtifactEntry } from '../../shared/bundle/manifest-schema.js';
import { fillTemplate, type PlannedCommand, type PlannedFiles, type PlannedListing, type PlannedStep } from './plan.js';

export interface EmitTarget {
  writer: BundleWriter;
  node: string;
}

/** Bytes kept of each plugin's VERSION answer. */
export const VERSION_ANSWER_MAX = 4096;
/** What a runtime sends a plugin with CNI_COMMAND=VERSION. */
export const VERSION_STDIN = '{"cniVersion":"1.0.0"}';

export interface FileObservation {
  hostPath: string;
  startedAt: Date;
  durationMs: number;
  /** `ls` form (`-rw-r--r--`); null when even lstat failed. */
  mode: string | null;
  /** Size reported by stat (the file may be larger than what was kept). */
  size: number | null;
  mtimeSec: number | null;
  /** What was read, already cut to maxBytes (head, or the raw tail); null when it could not be read. */
  content: Buffer | null;
  /** Why it could not be read, in strerror form (`Permission denied`). */
  error: string | null;
}

export interface ListingEntry {
  /** Path below the listed folder (`cbr0/10.244.1.2` at depth 2); `.` is the folder itself. */
  name: string;
  mode: string;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  /** `YYYY-MM-DD HH:MM:SS.NNNNNNNNN +0000`, as `stat -c %y` prints it with TZ=UTC. */
  mtime: string;
  /** Whole seconds of the mtime (the manifest's fileMtime). */
  mtimeSec: number;
  /** Hex digest, `-` when unreadable, null when not asked or not a regular file. */
  sha256: string | null;
  target: string | null;
}

export interface ListingObservation {
  dir: string;
  startedAt: Date;
  durationMs: number;
  state: 'ok' | 'absent' | 'failed';
  error: string | null;
  self: ListingEntry | null;
  entries: ListingEntry[];
}

export interface VersionAnswer {
  name: string;
  outcome: 'exit' | 'timeout' | 'skipped' | 'failed';
  exitCode: number | null;
  stdout: Buffer;
  stderr: Buffer;
}

export interface VersionsObservation {
  dir: string;
  startedAt: Date;
  durationMs: number;
  /** Null when the folder was not there (the versions artifact is then absent too). */
  answers: VersionAnswer[] | null;
}

export interface CommandObservation {
  /** Every candidate, expanded (`{root}` filled in). */
  tried: string[][];
  /** Index of the candidate that ran; null when none is installed. */
  used: number | null;
  startedAt: Date;
  durationMs: number;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** stdout already cut to maxBytes (head, or the raw tail). */
  stdout: Buffer;
  /** Total stdout bytes the command wrote. */
  stdoutBytes: number;
  stderr: string;
  /** The program was found but could not be started. */
  spawnError: string | null;
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
  ENXIO: 'No such device or address',
  EINVAL: 'Invalid argument',
  ENAMETOOLONG: 'File name too long',
  EMFILE: 'Too many open files',
  ESTALE: 'Stale file handle',
  EAGAIN: 'Resource temporarily unavailable',
};

/** The strerror text the sh executor's tools print, so both executors record the same error. */
export function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code && ERRNO_TEXT[code]) return ERRNO_TEXT[code]!;
  return error instanceof Error ? error.message : String(error);
}

/** `ls -l` mode string from st_mode, as GNU/busybox `stat -c %A` prints it. */
export function modeString(mode: number): string {
  const type = mode & 0o170000;
  const typeChar =
    type === 0o040000 ? 'd' : type === 0o120000 ? 'l' : type === 0o020000 ? 'c' : type === 0o060000 ? 'b' : type === 0o010000 ? 'p' : type === 0o140000 ? 's' : '-';
  const bit = (mask: number, c: string) => (mode & mask ? c : '-');
  const special = (exec: number, flag: number, set: string, unset: string) =>
    mode & flag ? (mode & exec ? set : unset) : mode & exec ? 'x' : '-';
  return (
    typeChar +
    bit(0o400, 'r') + bit(0o200, 'w') + special(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') + bit(0o020, 'w') + special(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') + bit(0o002, 'w') + special(0o001, 0o1000, 't', 'T')
  );
}

export function isoFromSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function signalFromExitStatus(status: number): string | null {
  if (status <= 128 || status > 128 + 64) return null;
  const number = status - 128;
  const name = Object.entries(osConstants.signals).find(([, n]) => n === number)?.[0];
  return name ?? `SIG${number}`;
}

/**
 * A kept tail starts mid-line; drop through the first newline so every stored line is whole
 * (the same rule the bundle writer applies to its own tails).
 */
function finishCut(content: Buffer, totalBytes: number, keep: 'head' | 'tail'): { content: Buffer; truncated: boolean } {
  const truncated = totalBytes > content.length;
  if (!truncated || keep === 'head') return { content, truncated };
  const newline = content.indexOf(0x0a);
  return { content: newline >= 0 && newline < content.length - 1 ? content.subarray(newline + 1) : content, truncated };
}

/** A path already taken (two node files flattening to one name) gets a `~2`, `~3` suffix, never a crash. */
function freePath(writer: BundleWriter, path: string): string {
  if (!writer.has(path)) return path;
  for (let n = 2; ; n += 1) if (!writer.has(`${path}~${n}`)) return `${path}~${n}`;
}

async function store(
  target: EmitTarget,
  input: Parameters<BundleWriter['write']>[0],
  content: Buffer,
  truncatedFrom: number | null,
): Promise<ArtifactEntry> {
  // The executor cut the content itself (the sh side never ships more than the cap), so the
  // writer is told the original size.
  return target.writer.write(input, content, truncatedFrom !== null ? { truncatedFromBytes: truncatedFrom } : {});
}

export async function emitFile(target: EmitTarget, step: PlannedStep & { action: PlannedFiles }, obs: FileObservation): Promise<void> {
  const { writer, node } = target;
  const path = freePath(writer, fillTemplate(step.action.to, node, obs.hostPath, step.action.base));
  const base = {
    path,
    source: { kind: 'file' as const, path: obs.hostPath },
    node,
    sourceId: step.sourceId,
    startedAt: obs.startedAt,
    durationMs: obs.durationMs,
    ...(obs.mode !== null ? { fileMode: obs.mode } : {}),
    ...(obs.mtimeSec !== null ? { fileMtime: isoFromSeconds(obs.mtimeSec) } : {}),
  };
  if (obs.content === null) {
    writer.record({ ...base, status: 'failed', error: `cannot read ${obs.hostPath}: ${obs.error ?? 'unknown error'}` });
    return;
  }
  const total = Math.max(obs.size ?? 0, obs.content.length);
  const cut = finishCut(obs.content, total, step.action.keep);
  await store(target, base, cut.content, cut.truncated ? total : null);
}

export function emitNoMatch(target: EmitTarget, step: PlannedStep & { action: PlannedFiles }, startedAt: Date): void {
  if (step.action.absent === null) return;
  const path = freePath(target.writer, fillTemplate(step.action.absent, target.node));
  target.writer.record({
    path,
    source: { kind: 'file', path: step.action.globs[0]! },
    node: target.node,
    sourceId: step.sourceId,
    startedAt,
    durationMs: 0,
    status: 'absent',
    error: `no such file: ${step.action.globs.join(', ')}`,
  });
}

export function emitSkippedFile(target: EmitTarget, step: PlannedStep & { action: PlannedFiles }, hostPath: string, startedAt: Date): void {
  const path = freePath(target.writer, fillTemplate(step.action.to, target.node, hostPath, step.action.base));
  target.writer.record({
    path,
    source: { kind: 'file', path: hostPath },
    node: target.node,
    sourceId: step.sourceId,
    startedAt,
    durationMs: 0,
    status: 'skipped',
    error: `over the limit of ${step.action.maxFiles} files for this source; the listing still names it`,
  });
}

function compareNames(a: { name: string }, b: { name: string }): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

/** `stat -c %y` under TZ=UTC for a time given as seconds and nanoseconds. */
export function fullIsoTime(seconds: bigint, nanoseconds: bigint): string {
  const date = new Date(Number(seconds) * 1000).toISOString();
  return `${date.slice(0, 10)} ${date.slice(11, 19)}.${nanoseconds.toString().padStart(9, '0')} +0000`;
}

function versionTokens(answer: VersionAnswer | undefined): string {
  if (!answer) return '';
  if (answer.outcome === 'skipped') return '\tversionError=not executed (acts on its own name)';
  const stdout = answer.stdout.toString('utf8').trim();
  let version = '';
  if (stdout !== '') {
    try {
      version = JSON.stringify(JSON.parse(stdout));
    } catch {
      version = oneLine(answer.stdout);
    }
  }
  const ok = answer.outcome === 'exit' && answer.exitCode === 0;
  const why =
    answer.outcome === 'timeout' ? 'timed out' : answer.outcome === 'failed' ? 'could not run' : ok ? '' : `exit status ${answer.exitCode}`;
  const stderr = oneLine(answer.stderr);
  const error = why === '' ? '' : stderr === '' ? why : `${why}: ${stderr}`;
  return `${version !== '' ? `\tversion=${version}` : ''}${error !== '' ? `\tversionError=${error}` : ''}`;
}

/**
 * `ls -ln --time-style=full-iso` lines (TZ=UTC, numeric owners), the folder itself first as `.`;
 * TAB-separated `sha256=` and `version=`/`versionError=` tokens follow when asked for. Names
 * below the first level carry their folder (`cbr0/10.244.1.2`).
 */
export function formatListing(dir: string, self: ListingEntry | null, entries: ListingEntry[], versions: VersionAnswer[] | null): string {
  const byName = new Map((versions ?? []).map((v) => [v.name, v]));
  const line = (e: ListingEntry) =>
    `${e.mode} ${e.nlink} ${e.uid} ${e.gid} ${e.size} ${e.mtime} ${e.name}${e.target !== null ? ` -> ${e.target}` : ''}` +
    `${e.sha256 !== null ? `\tsha256=${e.sha256}` : ''}${versionTokens(byName.get(e.name))}\n`;
  const header = `# cni-evidence listing v1: ${dir} (ls -ln --time-style=full-iso, TZ=UTC)\n`;
  return header + (self ? line(self) : '') + [...entries].sort(compareNames).map(line).join('');
}

export async function emitListing(
  target: EmitTarget,
  step: PlannedStep & { action: PlannedListing },
  obs: ListingObservation,
  versions: VersionAnswer[] | null = null,
): Promise<void> {
  const { writer, node } = target;
  const path = freePath(writer, fillTemplate(step.action.to, node));
  const base = {
    path,
    source: { kind: 'file' as const, path: step.action.dir },
    node,
    sourceId: step.sourceId,
    startedAt: obs.startedAt,
    durationMs: obs.durationMs,
    ...(obs.self ? { fileMode: obs.self.mode, fileMtime: isoFromSeconds(obs.self.mtimeSec) } : {}),
  };
  if (obs.state === 'absent') {
    writer.record({ ...base, status: 'absent', error: `no such directory: ${step.action.dir}` });
    return;
  }
  if (obs.state === 'failed') {
    writer.record({ ...base, status: 'failed', error: `cannot list ${step.action.dir}: ${obs.error ?? 'unknown error'}` });
    return;
  }
  await writer.write(base, formatListing(step.action.dir, obs.self, obs.entries, versions));
}

function oneLine(buffer: Buffer): string {
  return buffer.toString('utf8').replace(/\s*\n\s*/g, ' ').replace(/\t/g, ' ').trim();
}

/** `name<TAB>outcome<TAB>answer`: the plugin's stdout, or its stderr when stdout is empty. */
export function formatVersions(dir: string, answers: VersionAnswer[]): string {
  const lines = [...answers]
    .sort(compareNames)
    .map((a) => {
      const outcome =
        a.outcome === 'exit' ? `exit=${a.exitCode ?? '?'}` : a.outcome === 'timeout' ? 'timeout' : a.outcome === 'skipped' ? 'skipped' : 'failed';
      const text = a.outcome === 'skipped' ? 'not executed (acts on its own name)' : oneLine(a.stdout) || (oneLine(a.stderr) ? `stderr: ${oneLine(a.stderr)}` : '');
      return `${a.name}\t${outcome}\t${text}\n`;
    });
  return `# CNI_COMMAND=VERSION answers of ${dir}/* (cni-evidence versions v1)\n${lines.join('')}`;
}

export async function emitVersions(target: EmitTarget, step: PlannedStep & { action: PlannedListing }, obs: VersionsObservation): Promise<void> {
  if (step.action.versionsTo === null) return;
  const { writer, node } = target;
  const base = {
    path: freePath(writer, fillTemplate(step.action.versionsTo, node)),
    source: { kind: 'command' as const, argv: ['env', 'CNI_COMMAND=VERSION', `${step.action.dir}/*`] },
    node,
    sourceId: step.sourceId,
    startedAt: obs.startedAt,
    durationMs: obs.durationMs,
  };
  if (obs.answers === null) {
    writer.record({ ...base, status: 'absent', error: `no such directory: ${step.action.dir}` });
    return;
  }
  await writer.write(base, formatVersions(step.action.dir, obs.answers));
}

export async function emitCommand(target: EmitTarget, step: PlannedStep & { action: PlannedCommand }, obs: CommandObservation): Promise<void> {
  const { writer, node } = target;
  const argv = obs.used !== null ? obs.tried[obs.used]! : obs.tried[0]!;
  const base = {
    path: freePath(writer, fillTemplate(step.action.to, node)),
    source: { kind: 'command' as const, argv },
    node,
    sourceId: step.sourceId,
    startedAt: obs.startedAt,
    durationMs: obs.durationMs,
  };
  if (obs.used === null) {
    writer.record({ ...base, status: 'absent', error: `command not found: ${obs.tried.map((t) => t[0]).join(', ')}` });
    return;
  }
  if (obs.spawnError !== null) {
    writer.record({ ...base, status: 'failed', error: `cannot run ${argv[0]}: ${obs.spawnError}`, stderrExcerpt: obs.stderr });
    return;
  }
  const ok = !obs.timedOut && obs.signal === null && obs.exitCode !== null && step.action.okExitCodes.includes(obs.exitCode);
  const error = obs.timedOut
    ? `timed out after ${Math.round(step.action.timeoutMs / 1000)}s`
    : obs.signal !== null
      ? `killed by signal ${obs.signal}`
      : ok
        ? undefined
        : `exit status ${obs.exitCode}`;
  const cut = finishCut(obs.stdout, obs.stdoutBytes, step.action.keep);
  await store(
    target,
    {
      ...base,
      status: obs.timedOut ? 'timeout' : ok ? 'ok' : 'failed',
      exitCode: obs.exitCode,
      signal: obs.signal,
      stderrExcerpt: obs.stderr,
      ...(error !== undefined ? { error } : {}),
    },
    cut.content,
    cut.truncated ? obs.stdoutBytes : null,
  );
}
