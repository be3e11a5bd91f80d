/**
 * Runs the node plan in this process: files are read at `<hostRoot><path>`, commands run in the
 * current namespaces (optionally behind a prefix such as `nsenter --net=...`). Nothing here throws
 * for a missing or unreadable thing on the node: that is evidence, recorded as such.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { access, lstat, open, readdir, readlink, stat } from 'node:fs/promises';
import type { BigIntStats, Stats } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import {
  emitCommand,
  emitFile,
  emitListing,
  emitNoMatch,
  emitSkippedFile,
  emitVersions,
  errnoText,
  modeString,
  VERSION_ANSWER_MAX,
  VERSION_STDIN,
  fullIsoTime,
  type CommandObservation,
  type EmitTarget,
  type FileObservation,
  type ListingEntry,
  type ListingObservation,
  type VersionAnswer,
} from './evidence.js';
import {
  expandArgv,
  normalizeHostRoot,
  segmentMatches,
  splitGlob,
  type NodePlan,
  type PlannedCommand,
  type PlannedFiles,
  type PlannedListing,
  type PlannedStep,
} from './plan.js';
import type { BundleWriter } from '../../shared/bundle/writer.js';

export interface LocalExecutorOptions {
  writer: BundleWriter;
  node: string;
  /** Where the node's filesystem is mounted (`/host` under `kubectl debug node/...`); default `/`. */
  hostRoot?: string;
  /** Prepended to every recipe command, not recorded in the manifest (the lab's `nsenter --net=...`). */
  commandPrefix?: string[];
  /** Called as each step starts (progress output). */
  onStep?: (step: PlannedStep, index: number, total: number) => void;
}

/** Searched before the caller's PATH: sbin folders hold ip, iptables, conntrack and are often missing from a pod's PATH. */
export const STANDARD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
const STDERR_KEEP = 8192;
const KILL_GRACE_MS = 2000;

export function searchPath(): string {
  const extra = (process.env.PATH ?? '').split(':').filter((p) => p !== '');
  return [...new Set([...STANDARD_PATH, ...extra])].join(':');
}

/**
 * Maps a node path to where this process can open it. Under a host root, symlinks are resolved
 * against that root (an absolute link like /var/run -> /run must not escape into our own /).
 */
export async function localPath(hostRoot: string, hostPath: string, followLast = true): Promise<string> {
  if (hostRoot === '') return hostPath;
  let pending = hostPath.split('/').filter((s) => s !== '');
  let resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const segment = pending.shift()!;
    if (segment === '.') continue;
    if (segment === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, segment];
    if (pending.length === 0 && !followLast) {
      resolved = candidate;
      break;
    }
    const info = await lstat(join(hostRoot, ...candidate)).catch(() => null);
    if (info?.isSymbolicLink() && hops < 40) {
      hops += 1;
      const target = await readlink(join(hostRoot, ...candidate));
      const targetSegments = target.split('/').filter((s) => s !== '');
      if (isAbsolute(target)) resolved = [];
      pending = [...targetSegments, ...pending];
      continue;
    }
    resolved = candidate;
  }
  return join(hostRoot, ...resolved);
}

async function expandGlob(hostRoot: string, glob: string): Promise<string[]> {
  const { prefix, patterns } = splitGlob(glob);
  if (patterns.length === 0) {
    const exists = await lstat(await localPath(hostRoot, prefix, false)).then(() => true, () => false);
    return exists ? [prefix] : [];
  }
  let current = [prefix];
  for (const pattern of patterns) {
    const next: string[] = [];
    for (const dir of current) {
      const names = await readdir(await localPath(hostRoot, dir)).catch(() => [] as string[]);
      for (const name of names) if (segmentMatches(pattern, name)) next.push(posix.join(dir, name));
    }
    current = next;
  }
  return current.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function readCapped(path: string, size: number, maxBytes: number, keep: 'head' | 'tail'): Promise<Buffer> {
  const handle = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const start = keep === 'tail' && size > maxBytes ? size - maxBytes : 0;
    const chunks: Buffer[] = [];
    let total = 0;
    let position = start;
    // Read until EOF rather than trusting st_size: /proc and /sys files report 0 or 4096.
    while (total < maxBytes) {
      const buffer = Buffer.alloc(Math.min(64 * 1024, maxBytes - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      position += bytesRead;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

async function observeFile(hostRoot: string, hostPath: string, action: PlannedFiles): Promise<FileObservation | 'directory'> {
  const startedAt = new Date();
  const began = performance.now();
  const done = (fields: Omit<FileObservation, 'hostPath' | 'startedAt' | 'durationMs'>): FileObservation => ({
    hostPath,
    startedAt,
    durationMs: performance.now() - began,
    ...fields,
  });
  const path = await localPath(hostRoot, hostPath);
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    // A dangling symlink (a config pointing at a deleted file) still has a mode of its own.
    const link = await lstat(await localPath(hostRoot, hostPath, false)).catch(() => null);
    return done({
      mode: link ? modeString(link.mode) : null,
      size: link ? link.size : null,
      mtimeSec: link ? Math.floor(link.mtimeMs / 1000) : null,
      content: null,
      error: errnoText(error),
    });
  }
  if (info.isDirectory()) return 'directory';
  const facts = { mode: modeString(info.mode), size: info.size, mtimeSec: Math.floor(info.mtimeMs / 1000) };
  if (!info.isFile()) return done({ ...facts, content: null, error: 'not a regular file' });
  try {
    const content = await readCapped(path, info.size, action.maxBytes, action.keep);
    return done({ ...facts, content, error: null });
  } catch (error) {
    return done({ ...facts, content: null, error: errnoText(error) });
  }
}

async function runFiles(target: EmitTarget, hostRoot: string, step: PlannedStep & { action: PlannedFiles }): Promise<void> {
  const startedAt = new Date();
  const seen = new Set<string>();
  const matches: string[] = [];
  for (const glob of step.action.globs) {
    for (const match of await expandGlob(hostRoot, glob)) {
      if (!seen.has(match)) {
        seen.add(match);
        matches.push(match);
      }
    }
  }
  let stored = 0;
  let any = false;
  for (const hostPath of matches) {
    if (stored >= step.action.maxFiles) {
      const isDir = await stat(await localPath(hostRoot, hostPath)).then((s) => s.isDirectory(), () => false);
      if (!isDir) {
        any = true;
        emitSkippedFile(target, step, hostPath, new Date());
      }
      continue;
    }
    const obs = await observeFile(hostRoot, hostPath, step.action);
    if (obs === 'directory') continue;
    any = true;
    stored += 1;
    await emitFile(target, step, obs);
  }
  if (!any) emitNoMatch(target, step, startedAt);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return '-';
  }
}

function entryFacts(name: string, info: BigIntStats): ListingEntry {
  return {
    name,
    mode: modeString(Number(info.mode)),
    nlink: Number(info.nlink),
    uid: Number(info.uid),
    gid: Number(info.gid),
    size: Number(info.size),
    mtime: fullIsoTime(info.mtimeNs / 1_000_000_000n, info.mtimeNs % 1_000_000_000n),
    mtimeSec: Number(info.mtimeNs / 1_000_000_000n),
    sha256: null,
    target: null,
  };
}

async function listingEntry(hostRoot: string, hostPath: string, name: string, withSha256: boolean): Promise<ListingEntry> {
  const ownPath = await localPath(hostRoot, hostPath, false);
  const own = await lstat(ownPath, { bigint: true });
  const entry = entryFacts(name, own);
  if (own.isSymbolicLink()) entry.target = await readlink(ownPath);
  if (withSha256) {
    const followed = await localPath(hostRoot, hostPath);
    const info = await stat(followed).catch(() => null);
    if (info?.isFile()) entry.sha256 = await sha256Of(followed);
  }
  return entry;
}

async function observeListing(hostRoot: string, action: PlannedListing): Promise<ListingObservation> {
  const startedAt = new Date();
  const began = performance.now();
  const result = (fields: Pick<ListingObservation, 'state' | 'error' | 'self' | 'entries'>): ListingObservation => ({
    dir: action.dir,
    startedAt,
    durationMs: performance.now() - began,
    ...fields,
  });
  const dirPath = await localPath(hostRoot, action.dir);
  const info = await stat(dirPath, { bigint: true }).catch((error: NodeJS.ErrnoException) => error);
  if (info instanceof Error) {
    if (info.code === 'ENOENT') return result({ state: 'absent', error: null, self: null, entries: [] });
    return result({ state: 'failed', error: errnoText(info), self: null, entries: [] });
  }
  const self = entryFacts('.', info);
  if (!info.isDirectory()) return result({ state: 'failed', error: 'Not a directory', self, entries: [] });
  const entries: ListingEntry[] = [];
  const walk = async (hostDir: string, prefix: string, level: number): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(await localPath(hostRoot, hostDir));
    } catch (error) {
      if (level === 1) throw error;
      return;
    }
    for (const name of names) {
      const hostPath = posix.join(hostDir, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const entry = await listingEntry(hostRoot, hostPath, rel, action.withSha256).catch(() => null);
      if (!entry) continue;
      entries.push(entry);
      // Like find without -L: descend into real folders only.
      if (level < action.depth && entry.mode.startsWith('d')) await walk(hostPath, rel, level + 1);
    }
  };
  try {
    await walk(action.dir, '', 1);
  } catch (error) {
    return result({ state: 'failed', error: errnoText(error), self, entries: [] });
  }
  return result({ state: 'ok', error: null, self, entries });
}

interface Captured {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: Buffer;
  stdoutBytes: number;
  stderr: Buffer;
  spawnError: string | null;
}

/** Runs one program with a deadline, keeping the head or tail of stdout and the head of stderr. */
export function runCaptured(
  argv: string[],
  options: { timeoutMs: number; maxBytes: number; keep: 'head' | 'tail'; stdin: string | null; env: NodeJS.ProcessEnv; stderrMax?: number },
): Promise<Captured> {
  return new Promise((resolve) => {
    const stderrMax = options.stderrMax ?? STDERR_KEEP;
    let stdoutChunks: Buffer[] = [];
    let kept = 0;
    let stdoutBytes = 0;
    const stderrChunks: Buffer[] = [];
    let stderrKept = 0;
    let timedOut = false;
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: '/',
      env: options.env,
      stdio: [options.stdin === null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      // Its own process group, so a timeout also stops whatever the command started.
      detached: true,
    });
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    let graceTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      graceTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (options.keep === 'head') {
        if (kept < options.maxBytes) {
          const part = chunk.subarray(0, options.maxBytes - kept);
          stdoutChunks.push(part);
          kept += part.length;
        }
        return;
      }
      stdoutChunks.push(chunk);
      kept += chunk.length;
      if (kept > options.maxBytes * 2) {
        const joined = Buffer.concat(stdoutChunks);
        stdoutChunks = [joined.subarray(joined.length - options.maxBytes)];
        kept = options.maxBytes;
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderrKept < stderrMax) {
        const part = chunk.subarray(0, stderrMax - stderrKept);
        stderrChunks.push(part);
        stderrKept += part.length;
      }
    });
    if (options.stdin !== null) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.stdin);
    }
    const finish = (result: Omit<Captured, 'stdout' | 'stdoutBytes' | 'stderr' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      let stdout = Buffer.concat(stdoutChunks);
      if (stdout.length > options.maxBytes) stdout = options.keep === 'tail' ? stdout.subarray(stdout.length - options.maxBytes) : stdout.subarray(0, options.maxBytes);
      resolve({ ...result, timedOut, stdout, stdoutBytes, stderr: Buffer.concat(stderrChunks) });
    };
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: errnoText(error) }));
    child.on('close', (code, signal) => finish({ exitCode: code, signal: signal ?? null, spawnError: null }));
  });
}

async function isExecutableFile(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) return false;
  return access(path, fsConstants.X_OK).then(() => true, () => false);
}

/** `command -v` for one program name, over the collector's search PATH. */
export async function findProgram(program: string, path = searchPath()): Promise<string | null> {
  if (program.includes('/')) return (await isExecutableFile(program)) ? program : null;
  for (const dir of path.split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, program);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

async function runCommand(target: EmitTarget, hostRoot: string, prefix: string[], step: PlannedStep & { action: PlannedCommand }): Promise<void> {
  const action = step.action;
  const tried = action.candidates.map((c) => expandArgv(c, hostRoot));
  const startedAt = new Date();
  const began = performance.now();
  const path = searchPath();
  let used: number | null = null;
  for (let i = 0; i < tried.length; i += 1) {
    if ((await findProgram(tried[i]![0]!, path)) !== null) {
      used = i;
      break;
    }
  }
  const base = { tried, used, startedAt };
  if (used === null) {
    const obs: CommandObservation = { ...base, durationMs: performance.now() - began, exitCode: null, signal: null, timedOut: false, stdout: Buffer.alloc(0), stdoutBytes: 0, stderr: '', spawnError: null };
    await emitCommand(target, step, obs);
    return;
  }
  const captured = await runCaptured([...prefix, ...tried[used]!], {
    timeoutMs: action.timeoutMs,
    maxBytes: action.maxBytes,
    keep: action.keep,
    stdin: action.stdin,
    env: { ...process.env, ...action.env, PATH: path },
  });
  await emitCommand(target, step, {
    ...base,
    durationMs: performance.now() - began,
    exitCode: captured.timedOut ? null : captured.exitCode,
    signal: captured.timedOut ? null : captured.signal,
    timedOut: captured.timedOut,
    stdout: captured.stdout,
    stdoutBytes: captured.stdoutBytes,
    stderr: captured.stderr.toString('utf8'),
    spawnError: captured.spawnError,
  });
}

async function askVersions(hostRoot: string, action: PlannedListing, listing: ListingObservation): Promise<VersionAnswer[]> {
  const answers: VersionAnswer[] = [];
  for (const entry of listing.entries) {
    if (entry.name.includes('/')) continue;
    const path = await localPath(hostRoot, posix.join(action.dir, entry.name));
    if (!(await isExecutableFile(path))) continue;
    if (action.versionsSkip.includes(entry.name)) {
      answers.push({ name: entry.name, outcome: 'skipped', exitCode: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) });
      continue;
    }
    const captured = await runCaptured([path], {
      timeoutMs: action.versionTimeoutMs,
      maxBytes: VERSION_ANSWER_MAX,
      keep: 'head',
      stdin: VERSION_STDIN,
      env: { PATH: searchPath(), CNI_COMMAND: 'VERSION' },
      stderrMax: VERSION_ANSWER_MAX,
    });
    answers.push({
      name: entry.name,
      outcome: captured.timedOut ? 'timeout' : captured.spawnError !== null ? 'failed' : 'exit',
      exitCode: captured.timedOut ? null : captured.exitCode,
      stdout: captured.stdout,
      stderr: captured.spawnError !== null ? Buffer.from(captured.spawnError) : captured.stderr,
    });
  }
  return answers;
}

/** Executes every step of the plan into the writer. */
export async function runPlanLocally(plan: NodePlan, options: LocalExecutorOptions): Promise<void> {
  const hostRoot = normalizeHostRoot(options.hostRoot);
  const target: EmitTarget = { writer: options.writer, node: options.node };
  const prefix = options.commandPrefix ?? [];
  for (const [index, step] of plan.steps.entries()) {
    options.onStep?.(step, index, plan.steps.length);
    const action = step.action;
    if (action.kind === 'files') {
      await runFiles(target, hostRoot, { ...step, action });
    } else if (action.kind === 'listing') {
      const listed = { ...step, action };
      const listing = await observeListing(hostRoot, action);
      if (action.versionsTo === null) {
        await emitListing(target, listed, listing);
      } else {
        const startedAt = new Date();
        const began = performance.now();
        const answers = listing.state === 'ok' ? await askVersions(hostRoot, action, listing) : null;
        await emitListing(target, listed, listing, answers);
        await emitVersions(target, listed, { dir: action.dir, startedAt, durationMs: performance.now() - began, answers });
      }
    } else {
      await runCommand(target, hostRoot, prefix, { ...step, action });
    }
  }
}
