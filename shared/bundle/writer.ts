/**
 * Streams artifacts into a staging folder (hashing as they pass), then packs manifest-first into
 * a temporary .tgz beside the destination and renames it into place. A crash or Ctrl-C at any
 * point leaves either the previous file or nothing at the final path, never half a bundle.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename, resolve } from 'node:path';
import { once } from 'node:events';
import { Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create as createTar } from 'tar';
import { CniEvidenceError, describeError, ERROR_CODES } from '../errors.js';
import type { ArtifactEntry, ArtifactSource, ArtifactStatus, Manifest, ManifestRequest } from './manifest-schema.js';
import { MANIFEST_PATH } from './paths.js';
import { manifestProblems } from './validate.js';
import { FORMAT_VERSION, toolVersion } from './version.js';
import { assertSafeBundlePath } from './safety.js';

export type ArtifactContent = string | Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface ArtifactInput {
  path: string;
  source: ArtifactSource;
  node: string | null;
  sourceId?: string;
  status?: ArtifactStatus;
  exitCode?: number | null;
  signal?: string | null;
  stderrExcerpt?: string;
  startedAt?: Date | string;
  durationMs?: number;
  error?: string;
  fileMode?: string;
  fileMtime?: string;
}

export interface WriteOptions {
  /** Cap on stored bytes; past it the artifact is cut and marked `truncated`. */
  maxBytes?: number;
  /** Which end to keep when cutting: logs keep their tail, everything else its head. */
  keep?: 'head' | 'tail';
  /** The source already cut the content (e.g. on the node); its size before that cut. */
  truncatedFromBytes?: number;
}

/** A content filter (redaction) applied to every artifact before it is hashed and stored. */
export interface ContentFilter {
  forArtifact(path: string): { transform: Transform; counts: () => Record<string, number> } | null;
  /**
   * Last look at the manifest before it is validated and written: the filter's chance to clean
   * the text the manifest itself carries (argv, errors, stderr excerpts) and to add its totals.
   */
  finalizeManifest?(manifest: Manifest): Manifest;
}

export interface BundleWriterOptions {
  mode: Manifest['mode'];
  request: ManifestRequest;
  /** The folder every entry sits under; defaults to cni-evidence-<UTC timestamp>. */
  topFolder?: string;
  redaction?: Manifest['redaction'];
  filter?: ContentFilter;
  /** Replace an existing file at the output path (default: refuse). */
  overwrite?: boolean;
  now?: () => Date;
}

export interface FinalizeOptions {
  completion?: Manifest['completion'];
}

const STDERR_EXCERPT_MAX = 4000;

export function stderrExcerpt(text: string): string {
  return text.length > STDERR_EXCERPT_MAX ? `${text.slice(0, STDERR_EXCERPT_MAX - 1)}…` : text;
}

function timestampFolder(date: Date): string {
  return `cni-evidence-${date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/** Counts and hashes bytes as they pass, cutting after `limit` bytes when asked. */
class Meter {
  readonly hash = createHash('sha256');
  bytesIn = 0;
  bytesOut = 0;
  constructor(private readonly limit: number | undefined) {}
  take(chunk: Buffer): Buffer | null {
    this.bytesIn += chunk.length;
    let out = chunk;
    if (this.limit !== undefined) {
      const room = this.limit - this.bytesOut;
      if (room <= 0) return null;
      if (chunk.length > room) out = chunk.subarray(0, room);
    }
    this.bytesOut += out.length;
    this.hash.update(out);
    return out;
  }
}

/** Pipes through a filter while letting a source error reach whoever reads the filter. */
function throughFilter(source: Readable, transform: Transform): Readable {
  source.once('error', (error) => transform.destroy(error));
  return source.pipe(transform);
}

/**
 * Copies a stream into a file chunk by chunk. Unlike stream.pipeline, a failing source does not
 * destroy the file: what arrived before the error is flushed and kept. Returns the error, if any.
 */
async function copyInto(target: string, source: Readable, meter: Meter): Promise<unknown> {
  const file = createWriteStream(target);
  let failure: unknown;
  try {
    for await (const chunk of source) {
      const out = meter.take(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      if (out && !file.write(out)) await once(file, 'drain');
      // Past the cap the rest is still read (and counted) so the source can finish cleanly.
    }
  } catch (error) {
    failure = error;
  }
  await new Promise<void>((resolve, reject) => {
    file.once('error', reject);
    file.end(() => resolve());
  });
  return failure;
}

function toReadable(content: ArtifactContent): Readable {
  if (typeof content === 'string') return Readable.from([Buffer.from(content, 'utf8')]);
  if (content instanceof Uint8Array) return Readable.from([Buffer.from(content.buffer, content.byteOffset, content.byteLength)]);
  if (content instanceof Readable) return content;
  return Readable.from(content);
}

export class BundleWriter {
  readonly outputPath: string;
  readonly topFolder: string;
  private readonly stagingRoot: string;
  private readonly artifacts: ArtifactEntry[] = [];
  private readonly paths = new Set<string>();
  private readonly options: BundleWriterOptions;
  private readonly createdAt: Date;
  private state: 'open' | 'finalized' | 'aborted' = 'open';

  private constructor(outputPath: string, stagingRoot: string, options: BundleWriterOptions) {
    this.outputPath = outputPath;
    this.stagingRoot = stagingRoot;
    this.options = options;
    this.createdAt = (options.now ?? (() => new Date()))();
    this.topFolder = options.topFolder ?? timestampFolder(this.createdAt);
  }

  static async create(outputPath: string, options: BundleWriterOptions): Promise<BundleWriter> {
    const absolute = resolve(outputPath);
    if (!options.overwrite) {
      const existing = await stat(absolute).catch(() => null);
      if (existing) {
        throw new CniEvidenceError({
          code: ERROR_CODES.OUTPUT_EXISTS,
          message: `${outputPath} already exists`,
          hint: 'Choose another path with -o, or pass --overwrite to replace it.',
          file: outputPath,
        });
      }
    }
    let staging: string;
    try {
      await mkdir(dirname(absolute), { recursive: true });
      // Staging beside the output keeps the final rename on one filesystem.
      staging = await mkdtemp(join(dirname(absolute), `.${basename(absolute)}.staging-`));
    } catch (error) {
      throw new CniEvidenceError({
        code: ERROR_CODES.OUTPUT_UNWRITABLE,
        message: `cannot write next to ${outputPath}: ${(error as Error).message}`,
        hint: 'Pick a writable folder for -o (a bundle is staged beside its final path).',
        file: outputPath,
        cause: error,
      });
    }
    return new BundleWriter(absolute, staging, options);
  }

  get entries(): readonly ArtifactEntry[] {
    return this.artifacts;
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  private claim(path: string): void {
    if (this.state !== 'open') {
      throw new CniEvidenceError({
        code: ERROR_CODES.WRITER_STATE,
        message: `cannot add ${path}: the bundle is already ${this.state}`,
        hint: 'This is a bug in cni-evidence; please report it with the command you ran.',
      });
    }
    assertSafeBundlePath(path, path);
    if (path === MANIFEST_PATH || this.paths.has(path)) {
      throw new CniEvidenceError({
        code: ERROR_CODES.DUPLICATE_ENTRY,
        message: `two artifacts want the bundle path ${path}`,
        hint: 'This is a bug in cni-evidence (two sources write one path); please report it.',
        file: path,
      });
    }
    this.paths.add(path);
  }

  private entryFrom(input: ArtifactInput, fields: Pick<ArtifactEntry, 'status' | 'bytes' | 'sha256'>): ArtifactEntry {
    const startedAt = input.startedAt instanceof Date ? input.startedAt.toISOString() : input.startedAt ?? new Date().toISOString();
    const entry: ArtifactEntry = {
      path: input.path,
      source: input.source,
      node: input.node,
      status: fields.status,
      bytes: fields.bytes,
      sha256: fields.sha256,
      startedAt,
      durationMs: Math.max(0, Math.round(input.durationMs ?? 0)),
    };
    if (input.sourceId !== undefined) entry.sourceId = input.sourceId;
    if (input.exitCode !== undefined) entry.exitCode = input.exitCode;
    if (input.signal !== undefined) entry.signal = input.signal;
    if (input.stderrExcerpt !== undefined && input.stderrExcerpt !== '') entry.stderrExcerpt = stderrExcerpt(input.stderrExcerpt);
    if (input.error !== undefined) entry.error = input.error;
    if (input.fileMode !== undefined) entry.fileMode = input.fileMode;
    if (input.fileMtime !== undefined) entry.fileMtime = input.fileMtime;
    return entry;
  }

  /** Records an artifact that has no content: absent on the node, forbidden, skipped, or failed before output. */
  record(input: ArtifactInput & { status: Exclude<ArtifactStatus, 'ok' | 'truncated'> }): ArtifactEntry {
    this.claim(input.path);
    const entry = this.entryFrom(input, { status: input.status, bytes: 0, sha256: null });
    this.artifacts.push(entry);
    return entry;
  }

  /** Streams content into the bundle. The status defaults to `ok`, becoming `truncated` past maxBytes. */
  async write(input: ArtifactInput, content: ArtifactContent, options: WriteOptions = {}): Promise<ArtifactEntry> {
    this.claim(input.path);
    const target = join(this.stagingRoot, this.topFolder, input.path);
    await mkdir(dirname(target), { recursive: true });
    const filter = this.options.filter?.forArtifact(input.path) ?? null;
    const keepTail = options.keep === 'tail' && options.maxBytes !== undefined;
    // Tail-keeping cannot know where to cut until the end, so it stores everything and trims after.
    const meter = new Meter(keepTail ? undefined : options.maxBytes);
    const failure = await copyInto(target, filter ? throughFilter(toReadable(content), filter.transform) : toReadable(content), meter);
    if (failure !== undefined) {
      // Keep what arrived: a broken stream is evidence too, marked failed with its error.
      const entry = this.entryFrom(input, { status: 'failed', bytes: meter.bytesOut, sha256: meter.hash.digest('hex') });
      entry.error = input.error ?? describeError(failure);
      this.artifacts.push(entry);
      return entry;
    }
    let bytes = meter.bytesOut;
    let sha256 = meter.hash.digest('hex');
    let truncated = meter.bytesIn > meter.bytesOut;
    if (keepTail && options.maxBytes !== undefined && bytes > options.maxBytes) {
      bytes = await keepFileTail(target, options.maxBytes);
      sha256 = await sha256File(target);
      truncated = true;
    }
    let truncatedFrom = truncated ? meter.bytesIn : undefined;
    if (options.truncatedFromBytes !== undefined && options.truncatedFromBytes > (truncatedFrom ?? bytes)) {
      truncatedFrom = options.truncatedFromBytes;
    }
    // A failed or timed-out command keeps that status: it says more than "truncated".
    const given = input.status ?? 'ok';
    const status: ArtifactStatus = truncatedFrom !== undefined && given === 'ok' ? 'truncated' : given;
    const entry = this.entryFrom(input, { status, bytes, sha256 });
    if (truncatedFrom !== undefined) entry.truncatedFromBytes = truncatedFrom;
    if (filter) {
      const counts = Object.fromEntries(Object.entries(filter.counts()).filter(([, n]) => n > 0));
      if (Object.keys(counts).length > 0) entry.redactions = counts;
    }
    this.artifacts.push(entry);
    return entry;
  }

  /** Builds the manifest (without writing anything), e.g. for a progress summary. */
  manifest(options: FinalizeOptions = {}): Manifest {
    return {
      formatVersion: FORMAT_VERSION,
      tool: { name: 'cni-evidence', version: toolVersion() },
      createdAt: this.createdAt.toISOString(),
      mode: this.options.mode,
      request: this.options.request,
      completion: options.completion ?? { state: 'complete' },
      redaction: this.options.redaction ?? { enabled: false },
      artifacts: this.artifacts,
    };
  }

  /** Writes manifest.json first, then every stored artifact, into a .tgz renamed into place. */
  async finalize(options: FinalizeOptions = {}): Promise<{ path: string; manifest: Manifest }> {
    if (this.state !== 'open') {
      throw new CniEvidenceError({
        code: ERROR_CODES.WRITER_STATE,
        message: `the bundle is already ${this.state}`,
        hint: 'This is a bug in cni-evidence; please report it with the command you ran.',
      });
    }
    const built = this.manifest(options);
    const manifest = this.options.filter?.finalizeManifest ? this.options.filter.finalizeManifest(built) : built;
    const problems = manifestProblems(manifest);
    if (problems.length > 0) {
      throw new CniEvidenceError({
        code: ERROR_CODES.MANIFEST_INVALID,
        message: `refusing to write an invalid manifest: ${problems.join('; ')}`,
        hint: 'This is a bug in cni-evidence; please report it with the command you ran.',
        file: MANIFEST_PATH,
      });
    }
    const temporary = `${this.outputPath}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await packStaged(this.stagingRoot, this.topFolder, manifest, temporary);
      await rename(temporary, this.outputPath);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new CniEvidenceError({
        code: ERROR_CODES.OUTPUT_UNWRITABLE,
        message: `could not write ${this.outputPath}: ${(error as Error).message}`,
        hint: 'Check free space and permissions of the output folder, then run again.',
        file: this.outputPath,
        cause: error,
      });
    }
    this.state = 'finalized';
    await rm(this.stagingRoot, { recursive: true, force: true });
    return { path: this.outputPath, manifest };
  }

  /** Drops everything staged; the output path is left untouched. */
  async abort(): Promise<void> {
    if (this.state === 'open') this.state = 'aborted';
    await rm(this.stagingRoot, { recursive: true, force: true });
  }
}

/**
 * Writes `manifest` as `<topFolder>/manifest.json` under `stagingRoot`, then packs it first and
 * every artifact it lists with content (sha256 set), in manifest order, into the .tgz `destination`.
 */
export async function packStaged(stagingRoot: string, topFolder: string, manifest: Manifest, destination: string): Promise<void> {
  const top = join(stagingRoot, topFolder);
  await mkdir(top, { recursive: true });
  await writeFile(join(top, MANIFEST_PATH), `${JSON.stringify(manifest, null, 2)}\n`);
  const stored = manifest.artifacts.filter((a) => a.sha256 !== null).map((a) => `${topFolder}/${a.path}`);
  await pipeline(
    createTar({ gzip: true, cwd: stagingRoot, portable: true, noDirRecurse: true }, [`${topFolder}/${MANIFEST_PATH}`, ...stored]),
    createWriteStream(destination),
  );
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Keeps the last `maxBytes` of a file, starting after a newline so the first line is whole. */
async function keepFileTail(path: string, maxBytes: number): Promise<number> {
  const handle = await open(path, 'r');
  let tail: Buffer;
  try {
    const { size } = await handle.stat();
    tail = Buffer.alloc(Math.min(size, maxBytes));
    await handle.read(tail, 0, tail.length, size - tail.length);
  } finally {
    await handle.close();
  }
  const newline = tail.indexOf(0x0a);
  const trimmed = newline >= 0 && newline < tail.length - 1 ? tail.subarray(newline + 1) : tail;
  await writeFile(path, trimmed);
  return trimmed.length;
}
