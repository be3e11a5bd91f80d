/**
 * Turns the tar the rendered node script writes into bundle artifacts, through the same emit
 * functions as the local executor. The tar comes from a node, so it is treated as untrusted:
 * bounded in size, and every bundle path must stay inside that node's folder.
 */
import type { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { CniEvidenceError, ERROR_CODES } from '../../shared/errors.js';
import type { BundleWriter } from '../../shared/bundle/writer.js';
import {
  emitCommand,
  emitFile,
  emitListing,
  emitNoMatch,
  emitSkippedFile,
  emitVersions,
  signalFromExitStatus,
  type EmitTarget,
  type ListingEntry,
  type VersionAnswer,
} from './evidence.js';
import { expandArgv, type NodePlan, type PlannedStep } from './plan.js';

export interface IngestOptions {
  /** Refuse a tar whose files add up to more than this (default 4 GiB). */
  maxTotalBytes?: number;
}

export interface IngestResult {
  /** Artifacts written from the tar. */
  artifacts: number;
  /** False when the tar ended early (the exec stream broke): the last steps are missing. */
  complete: boolean;
  /** Steps of the plan that left no artifact at all (the script stopped before them). */
  missingSteps: string[];
}

const DEFAULT_MAX_TOTAL = 4 * 1024 ** 3;
/** Module-level: a closure made inside readTar would keep its files alive. */
const ignoreError = (): void => {};

async function readTar(stream: Readable, maxTotal: number): Promise<{ files: Map<string, Buffer>; complete: boolean }> {
  const files = new Map<string, Buffer>();
  let total = 0;
  let complete = true;
  const parser = new Parser({ strict: false });
  let failure: unknown;
  parser.on('entry', (entry: ReadEntry) => {
    const name = entry.path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
    if (entry.type !== 'File' && entry.type !== 'OldFile') {
      entry.resume();
      return;
    }
    const chunks: Buffer[] = [];
    entry.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxTotal) {
        failure ??= new CniEvidenceError({
          code: ERROR_CODES.BUNDLE_TOO_LARGE,
          message: `the node script's output is over ${maxTotal} bytes`,
          hint: 'Lower --max-bytes for the node collection, or collect that node with `cni-evidence collect --node-only` on the node.',
        });
        stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    entry.on('end', () => files.set(name, Buffer.concat(chunks)));
  });
  parser.on('warn', (code: string) => {
    if (code === 'TAR_BAD_ARCHIVE' || code === 'TAR_ABORT') complete = false;
  });
  let onError: () => void = () => {};
  let onEnd: () => void = () => {};
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    onError = () => {
      complete = false;
      finish();
    };
    onEnd = () => {
      // The parser ends on its own after the two zero blocks; a stream that stops before them is cut.
      setImmediate(() => {
        if (!done) complete = false;
        parser.end();
      });
    };
    stream.on('error', onError);
    parser.on('end', finish);
    parser.on('close', finish);
    parser.on('error', () => {
      complete = false;
      finish();
    });
    stream.on('end', onEnd);
    stream.pipe(parser);
  });
  // The stream can outlive the ingest (the exec's WebSocket keeps it), and these listeners would
  // keep every file of the tar with it. An error after this point has nobody left to tell.
  stream.removeListener('end', onEnd);
  stream.removeListener('error', onError);
  stream.on('error', ignoreError);
  if (failure) throw failure;
  return { files, complete };
}

function parseMeta(buffer: Buffer | undefined): Map<string, string> {
  const meta = new Map<string, string>();
  for (const line of (buffer?.toString('utf8') ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) meta.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return meta;
}

function num(value: string | undefined): number | null {
  if (value === undefined || value === '' || !/^-?\d+$/.test(value)) return null;
  return Number(value);
}

function templatesOf(step: PlannedStep): string[] {
  const a = step.action;
  if (a.kind === 'files') return [a.to, ...(a.absent !== null ? [a.absent] : [])];
  if (a.kind === 'listing') return [a.to, ...(a.versionsTo !== null ? [a.versionsTo] : [])];
  return [a.to];
}

function checkPlan(plan: unknown): NodePlan {
  const candidate = plan as NodePlan | null;
  if (!candidate || !Array.isArray(candidate.steps)) throw new Error('plan.json has no steps');
  for (const step of candidate.steps) {
    for (const template of templatesOf(step)) {
      const segments = template.split('/');
      // Placeholders fill single, sanitized segments; the fixed parts must keep the node's folder.
      if (!template.startsWith('nodes/{node}/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
        throw new Error(`plan step ${step.ref} writes outside the node folder: ${template}`);
      }
    }
  }
  return candidate;
}

function lastPart(text: string): string {
  const line = text.split('\n')[0] ?? '';
  const at = line.lastIndexOf(': ');
  return at >= 0 ? line.slice(at + 2) : line;
}

/** A `stat -c '%A %h %u %g %s %Y %y'` line (TZ=UTC) as a listing entry. */
function statEntry(name: string, line: string | undefined): ListingEntry | null {
  const parts = (line ?? '').trim().split(/\s+/);
  if (parts.length < 9) return null;
  const [mode, nlink, uid, gid, size, seconds, date, time, zone] = parts as [string, string, string, string, string, string, string, string, string];
  return {
    name,
    mode,
    nlink: Number(nlink),
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    mtime: `${date} ${time} ${zone}`,
    mtimeSec: Number(seconds),
    sha256: null,
    target: null,
  };
}

function versionAnswers(files: Map<string, Buffer>, n: number, meta: Map<string, string>): VersionAnswer[] | null {
  if (meta.get('state') !== 'ok') return null;
  const answers: VersionAnswer[] = [];
  for (let i = 1; files.has(`${n}.v/${i}.name`); i += 1) {
    const rc = files.get(`${n}.v/${i}.rc`)?.toString('utf8') ?? '';
    const code = num(rc);
    const timedOut = code === 124 || code === 137;
    answers.push({
      name: files.get(`${n}.v/${i}.name`)!.toString('utf8'),
      outcome: rc === 'skipped' ? 'skipped' : timedOut ? 'timeout' : code === null ? 'failed' : 'exit',
      exitCode: timedOut ? null : code,
      stdout: files.get(`${n}.v/${i}.out`) ?? Buffer.alloc(0),
      stderr: files.get(`${n}.v/${i}.err`) ?? Buffer.alloc(0),
    });
  }
  return answers;
}

/**
 * Reads the node script's tar from `stream` and writes its artifacts for `node` into `writer`.
 * Resolves once the stream ends; a broken stream yields `complete: false`, not an exception.
 */
export async function ingestNodeTar(stream: Readable, writer: BundleWriter, node: string, options: IngestOptions = {}): Promise<IngestResult> {
  const { files, complete } = await readTar(stream, options.maxTotalBytes ?? DEFAULT_MAX_TOTAL);
  try {
    return await ingestFiles(files, complete, writer, node);
  } finally {
    // Whatever still holds the map (a closure of the stream) does not hold the node's files.
    files.clear();
  }
}

async function ingestFiles(files: Map<string, Buffer>, complete: boolean, writer: BundleWriter, node: string): Promise<IngestResult> {
  const planText = files.get('plan.json');
  if (!planText) {
    throw new CniEvidenceError({
      code: ERROR_CODES.PACK_SOURCE_INVALID,
      message: `the node script output for ${node} has no plan.json (${files.size} files received)`,
      hint: 'The script did not run to its first step. Check that the node has /bin/sh, mktemp and tar, and read the exec stderr.',
    });
  }
  let plan: NodePlan;
  try {
    plan = checkPlan(JSON.parse(planText.toString('utf8')));
  } catch (error) {
    throw new CniEvidenceError({
      code: ERROR_CODES.PACK_SOURCE_INVALID,
      message: `the node script output for ${node} carries an unusable plan: ${(error as Error).message}`,
      hint: 'The tar did not come from a script rendered by this cni-evidence; render it again with the same version.',
      cause: error,
    });
  }
  const header = parseMeta(files.get('header'));
  const hostRoot = header.get('host_root') ?? '';
  const steps = new Map(plan.steps.map((s) => [s.ref, s]));
  const target: EmitTarget = { writer, node };
  const numbers = [...files.keys()]
    .map((name) => /^(\d+)\.meta$/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const seenRefs = new Set<string>();
  // Several nodes may ingest into one writer at once: count this node's entries, not the writer's.
  const before = writer.entries.filter((e) => e.node === node).length;
  const byRef = new Map<string, number[]>();
  for (const n of numbers) {
    const ref = parseMeta(files.get(`${n}.meta`)).get('ref') ?? '';
    if (steps.has(ref)) byRef.set(ref, [...(byRef.get(ref) ?? []), n]);
  }

  // In plan order, as the local executor emits them, so both manifests list artifacts alike.
  for (const step of plan.steps) {
    const records = (byRef.get(step.ref) ?? []).map((n) => {
      const meta = parseMeta(files.get(`${n}.meta`));
      const start = num(meta.get('start'));
      const end = num(meta.get('end'));
      return {
        n,
        meta,
        kind: meta.get('kind'),
        startedAt: new Date(start ?? Date.now()),
        durationMs: start !== null && end !== null ? Math.max(0, end - start) : 0,
        hostPath: files.get(`${n}.path`)?.toString('utf8') ?? '',
        errText: files.get(`${n}.err`)?.toString('utf8') ?? '',
      };
    });
    if (records.length > 0) seenRefs.add(step.ref);
    const action = step.action;

    if (action.kind === 'files') {
      const filesStep = { ...step, action };
      for (const r of records) {
        if (r.kind === 'nomatch') emitNoMatch(target, filesStep, r.startedAt);
        else if (r.kind === 'skipped') emitSkippedFile(target, filesStep, r.hostPath, r.startedAt);
        else if (r.kind === 'file' && r.hostPath !== '') {
          const ok = r.meta.get('status') === 'ok';
          await emitFile(target, filesStep, {
            hostPath: r.hostPath,
            startedAt: r.startedAt,
            durationMs: r.durationMs,
            mode: r.meta.get('mode') ?? null,
            size: num(r.meta.get('size')),
            mtimeSec: num(r.meta.get('mtime')),
            content: ok ? files.get(`${r.n}.out`) ?? Buffer.alloc(0) : null,
            error: ok ? null : r.errText.trim() || (r.meta.has('end') ? 'unknown error' : 'the script stopped while reading it'),
          });
          // Stored: let go of it (16 nodes ingest at once).
          files.delete(`${r.n}.out`);
        }
      }
    } else if (action.kind === 'listing') {
      // The listing and its VERSION answers come as two records; the listing text needs both.
      const listingStep = { ...step, action };
      const listing = records.find((r) => r.kind === 'listing');
      const versions = records.find((r) => r.kind === 'versions');
      const answers = versions ? versionAnswers(files, versions.n, versions.meta) : null;
      if (listing) {
        const state = listing.meta.get('state');
        const entries: ListingEntry[] = [];
        for (const row of (files.get(`${listing.n}.ls`)?.toString('utf8') ?? '').split('\n')) {
          const [statLine, sha, name, linkTarget] = row.split('\t');
          const entry = statEntry(name ?? '', statLine);
          if (!entry || !name) continue;
          entry.sha256 = sha === undefined || sha === '' ? null : sha;
          entry.target = entry.mode.startsWith('l') ? linkTarget ?? '' : null;
          entries.push(entry);
        }
        await emitListing(
          target,
          listingStep,
          {
            dir: action.dir,
            startedAt: listing.startedAt,
            durationMs: listing.durationMs,
            state: state === 'ok' ? 'ok' : state === 'absent' ? 'absent' : 'failed',
            error: listing.errText.trim() || (state === undefined ? 'the script stopped while listing it' : null),
            self: statEntry('.', listing.meta.get('self')),
            entries,
          },
          action.versionsTo !== null ? answers : null,
        );
      }
      if (versions) {
        await emitVersions(target, listingStep, { dir: action.dir, startedAt: versions.startedAt, durationMs: versions.durationMs, answers });
      }
    } else {
      for (const r of records) {
        if (r.kind !== 'command') continue;
        const tried = action.candidates.map((c) => expandArgv(c, hostRoot));
        const used = num(r.meta.get('used'));
        const rc = num(r.meta.get('rc'));
        const timedOut = r.meta.get('timeout') === '1' && (rc === 124 || rc === 137);
        const signal = !timedOut && rc !== null ? signalFromExitStatus(rc) : null;
        const stdout = files.get(`${r.n}.out`) ?? Buffer.alloc(0);
        await emitCommand(target, { ...step, action }, {
          tried,
          used: used !== null && used < tried.length ? used : null,
          startedAt: r.startedAt,
          durationMs: r.durationMs,
          exitCode: timedOut || signal !== null ? null : rc,
          signal,
          timedOut,
          stdout,
          stdoutBytes: num(r.meta.get('size')) ?? stdout.length,
          stderr: r.errText,
          // sh reports "found but not executable" as 126; the local executor as a spawn error.
          spawnError: rc === 126 ? lastPart(r.errText) || 'Permission denied' : used !== null && rc === null ? 'the script stopped while running it' : null,
        });
        files.delete(`${r.n}.out`);
      }
    }
  }
  // Every step leaves at least one metadata file (a files step with no match says so), so a step
  // without any was never reached.
  const missingSteps = plan.steps.map((s) => s.ref).filter((ref) => !seenRefs.has(ref));
  return { artifacts: writer.entries.filter((e) => e.node === node).length - before, complete: complete && missingSteps.length === 0, missingSteps };
}
