/**
 * Reads a bundle (.tgz or an unpacked folder) in one streaming pass: the manifest first, then each
 * file handed to a visitor while its sha256 is checked. Integrity failures come back as data;
 * only input that cannot be read safely at all (hostile paths, links, bombs, no manifest) throws.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { CniEvidenceError, ERROR_CODES } from '../errors.js';
import type { ArtifactEntry, Manifest } from './manifest-schema.js';
import { isLegacyManifest09, migrateLegacy09 } from './migrate.js';
import { MANIFEST_PATH } from './paths.js';
import { assertSafeBundlePath, DEFAULT_READ_LIMITS, type ReadLimits } from './safety.js';
import { manifestProblems } from './validate.js';
import { FORMAT_MAJOR, FORMAT_MINOR } from './version.js';

export interface BundleFile {
  /** Path inside the bundle, below the top folder (`nodes/n1/cni/net.d/10-flannel.conflist`). */
  path: string;
  size: number;
  /** The manifest entry; undefined for a file the manifest does not list. */
  artifact: ArtifactEntry | undefined;
}

export interface BundleVisitor {
  onManifest?(manifest: Manifest, info: { topFolder: string }): void | Promise<void>;
  /** Called for each file in bundle order; the stream must be consumed or left (it is drained after). */
  onFile?(file: BundleFile, content: Readable): void | Promise<void>;
}

export type IntegrityProblemKind = 'checksum-mismatch' | 'size-mismatch' | 'missing' | 'unlisted' | 'not-a-file';

export interface IntegrityProblem {
  path: string;
  kind: IntegrityProblemKind;
  message: string;
  expected?: string;
  actual?: string;
}

export interface IntegrityReport {
  ok: boolean;
  filesChecked: number;
  bytesRead: number;
  problems: IntegrityProblem[];
}

export interface BundleReadResult {
  location: string;
  kind: 'tgz' | 'dir';
  topFolder: string;
  manifest: Manifest;
  integrity: IntegrityReport;
}

export interface ReadOptions {
  limits?: Partial<ReadLimits>;
}

function fail(code: (typeof ERROR_CODES)[keyof typeof ERROR_CODES], file: string, message: string, hint: string, cause?: unknown): never {
  throw new CniEvidenceError({ code, message, hint, file, cause });
}

/** Parses, migrates and validates manifest text. */
export function parseManifest(text: string, file: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    fail(ERROR_CODES.MANIFEST_INVALID, file, `manifest.json in ${file} is not valid JSON: ${(error as Error).message}`,
      'The bundle is damaged. Ask for a new one, or rebuild it from the unpacked files with `cni-evidence pack <dir> -o bundle.tgz`.', error);
  }
  if (isLegacyManifest09(data)) data = migrateLegacy09(data);
  const version = (data as { formatVersion?: unknown } | null)?.formatVersion;
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)$/.exec(version) : null;
  if (!match) {
    fail(ERROR_CODES.FORMAT_UNKNOWN, file, `manifest.json in ${file} has no readable formatVersion (${JSON.stringify(version)})`,
      'This is not a cni-evidence bundle, or it is damaged. Rebuild it with `cni-evidence pack <dir>`.');
  }
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major > FORMAT_MAJOR) {
    fail(ERROR_CODES.FORMAT_TOO_NEW, file, `${file} was made by a newer cni-evidence (bundle format ${version}; this build reads ${FORMAT_MAJOR}.x)`,
      'Upgrade cni-evidence (npm install -g cni-evidence@latest) and run the command again.');
  }
  // A newer minor only adds optional fields: tolerate what we do not know, check the rest.
  const problems = manifestProblems(data).filter((p) => !(minor > FORMAT_MINOR && p.includes('must NOT have additional properties')));
  if (problems.length > 0) {
    fail(ERROR_CODES.MANIFEST_INVALID, file, `manifest.json in ${file} does not match the format ${version} schema: ${problems.slice(0, 5).join('; ')}`,
      'The bundle is damaged or was edited by hand. Rebuild it from the unpacked files with `cni-evidence pack <dir> -o bundle.tgz`.');
  }
  return data as Manifest;
}

class IntegrityTracker {
  readonly problems: IntegrityProblem[] = [];
  readonly byPath = new Map<string, ArtifactEntry>();
  readonly seen = new Set<string>();
  filesChecked = 0;
  bytesRead = 0;

  constructor(manifest: Manifest) {
    for (const artifact of manifest.artifacts) this.byPath.set(artifact.path, artifact);
  }

  check(path: string, bytes: number, sha256: string): void {
    this.filesChecked += 1;
    this.bytesRead += bytes;
    this.seen.add(path);
    const artifact = this.byPath.get(path);
    if (!artifact) {
      this.problems.push({ path, kind: 'unlisted', message: `${path} is in the bundle but not in the manifest` });
      return;
    }
    if (artifact.sha256 !== null && artifact.sha256 !== sha256) {
      this.problems.push({ path, kind: 'checksum-mismatch', message: `${path}: sha256 differs from the manifest (the file was changed or damaged)`, expected: artifact.sha256, actual: sha256 });
    } else if (artifact.bytes !== bytes) {
      this.problems.push({ path, kind: 'size-mismatch', message: `${path}: ${bytes} bytes, the manifest says ${artifact.bytes}`, expected: String(artifact.bytes), actual: String(bytes) });
    }
  }

  finish(): IntegrityReport {
    for (const artifact of this.byPath.values()) {
      if (artifact.sha256 !== null && !this.seen.has(artifact.path)) {
        this.problems.push({ path: artifact.path, kind: 'missing', message: `${artifact.path} is listed in the manifest but not in the bundle` });
      }
    }
    return { ok: this.problems.length === 0, filesChecked: this.filesChecked, bytesRead: this.bytesRead, problems: this.problems };
  }
}

/** Hands content to the visitor while hashing it; resolves with size and digest once all bytes passed. */
async function visitContent(source: AsyncIterable<Buffer>, file: BundleFile, visitor: BundleVisitor): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const tee = new PassThrough({ highWaterMark: 1 << 20 });
  const visiting = visitor.onFile ? Promise.resolve().then(() => visitor.onFile!(file, tee)) : Promise.resolve();
  // Once the visitor is done (or never wanted the bytes), drain the rest so the pass goes on.
  const settled = visiting.then(
    () => void tee.resume(),
    () => void tee.resume(),
  );
  for await (const chunk of source) {
    hash.update(chunk);
    bytes += chunk.length;
    if (!tee.write(chunk)) await once(tee, 'drain');
  }
  tee.end();
  await settled;
  await visiting;
  return { bytes, sha256: hash.digest('hex') };
}

export async function readBundle(location: string, visitor: BundleVisitor = {}, options: ReadOptions = {}): Promise<BundleReadResult> {
  const info = await lstat(location).catch((error: NodeJS.ErrnoException) =>
    fail(ERROR_CODES.BUNDLE_NOT_FOUND, location, `cannot open ${location}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`,
      'Check the path; a bundle is the .tgz that `cni-evidence collect` wrote, or a folder unpacked from one.', error));
  const limits = { ...DEFAULT_READ_LIMITS, ...options.limits };
  return info.isDirectory() ? readDirectory(location, visitor, limits) : readTarball(location, visitor, limits);
}

async function readTarball(location: string, visitor: BundleVisitor, limits: ReadLimits): Promise<BundleReadResult> {
  const head = Buffer.alloc(2);
  const handle = await open(location, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    fail(ERROR_CODES.BUNDLE_NOT_GZIP, location, `${location} is not a gzip file`,
      'A bundle is a .tar.gz written by `cni-evidence collect` or `pack`. For a folder of hand-collected files, run `cni-evidence pack <dir> -o bundle.tgz` first.');
  }

  let topFolder: string | undefined;
  let manifest: Manifest | undefined;
  let tracker: IntegrityTracker | undefined;
  let entries = 0;
  let totalBytes = 0;
  const seenPaths = new Set<string>();

  const source = createReadStream(location, { highWaterMark: 256 * 1024 });
  // Big output chunks: every chunk costs a round trip to the zlib thread, a tar parser call and a
  // visitor wake-up, which at the default 16 KiB was a fifth of the time of a big bundle.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const parser = new Parser({ strict: true });

  // Entries are processed one at a time: node-tar emits the next only after the current one ends.
  let chain: Promise<void> = Promise.resolve();
  let firstError: unknown;
  let signalAbort: () => void = () => {};
  // An entry cut mid-stream never ends; the pass must not wait for it after a failure.
  const aborted = new Promise<void>((resolve) => (signalAbort = resolve));
  const abort = (error: unknown) => {
    if (firstError === undefined) firstError = error;
    source.destroy();
    gunzip.destroy();
    signalAbort();
  };

  const handleEntry = async (entry: ReadEntry): Promise<void> => {
    if (firstError !== undefined) {
      entry.resume();
      return;
    }
    const rawPath = entry.path.replace(/\/+$/, '');
    entries += 1;
    if (entries > limits.maxEntries) {
      fail(ERROR_CODES.TOO_MANY_ENTRIES, location, `${location} has more than ${limits.maxEntries} entries`,
        'This does not look like a cni-evidence bundle (a tar bomb?). If it is genuine, raise the limit with --max-entries.');
    }
    assertSafeBundlePath(rawPath, location);
    const type = entry.type;
    if (type !== 'File' && type !== 'OldFile' && type !== 'Directory') {
      fail(ERROR_CODES.UNSAFE_ENTRY_TYPE, location, `${location} contains ${type} entry ${JSON.stringify(rawPath)}; bundles hold only regular files`,
        'Links and device files are refused so nothing is read or written outside the bundle. Ask for a bundle made by cni-evidence.');
    }
    const slash = rawPath.indexOf('/');
    const top = slash === -1 ? rawPath : rawPath.slice(0, slash);
    if (topFolder === undefined) topFolder = top;
    else if (top !== topFolder) {
      fail(ERROR_CODES.MULTIPLE_TOP_FOLDERS, location, `${location} has entries outside its top folder ${topFolder}/ (${rawPath})`,
        'A bundle keeps everything under one folder. Repack the files with `cni-evidence pack <dir> -o bundle.tgz`.');
    }
    if (type === 'Directory') {
      entry.resume();
      return;
    }
    if (slash === -1) {
      fail(ERROR_CODES.MULTIPLE_TOP_FOLDERS, location, `${location} has a file at its top level (${rawPath})`,
        'A bundle keeps everything under one folder. Repack the files with `cni-evidence pack <dir> -o bundle.tgz`.');
    }
    const path = rawPath.slice(slash + 1);
    if (seenPaths.has(path)) {
      fail(ERROR_CODES.DUPLICATE_ENTRY, location, `${location} holds ${path} twice`, 'A later copy could hide the first; ask for a bundle made by cni-evidence.');
    }
    seenPaths.add(path);
    const size = entry.size ?? 0;
    if (size > limits.maxEntryBytes) {
      fail(ERROR_CODES.ENTRY_TOO_LARGE, location, `${path} in ${location} is ${size} bytes, over the ${limits.maxEntryBytes}-byte limit per file`,
        'This may be a tar bomb. If the file is genuine, raise the limit with --max-entry-bytes.');
    }
    totalBytes += size;
    if (totalBytes > limits.maxTotalBytes) {
      fail(ERROR_CODES.BUNDLE_TOO_LARGE, location, `${location} unpacks to more than ${limits.maxTotalBytes} bytes`,
        'This may be a tar bomb. If the bundle is genuine, raise the limit with --max-total-bytes.');
    }

    if (manifest === undefined) {
      if (path !== MANIFEST_PATH) {
        fail(ERROR_CODES.MANIFEST_NOT_FIRST, location, `the first file in ${location} is ${path}, not ${MANIFEST_PATH}`,
          'Bundles start with their manifest. If the files were tarred by hand, run `cni-evidence pack <unpacked dir> -o bundle.tgz`.');
      }
      if (size > limits.maxManifestBytes) {
        fail(ERROR_CODES.ENTRY_TOO_LARGE, location, `manifest.json in ${location} is ${size} bytes`, 'This does not look like a cni-evidence bundle.');
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      manifest = parseManifest(Buffer.concat(chunks).toString('utf8'), location);
      tracker = new IntegrityTracker(manifest);
      await visitor.onManifest?.(manifest, { topFolder: topFolder! });
      return;
    }
    const file: BundleFile = { path, size, artifact: tracker!.byPath.get(path) };
    const { bytes, sha256 } = await visitContent(entry as AsyncIterable<Buffer>, file, visitor);
    tracker!.check(path, bytes, sha256);
  };

  parser.on('entry', (entry: ReadEntry) => {
    chain = chain.then(() => handleEntry(entry)).catch((error) => {
      entry.resume();
      abort(error);
    });
  });

  const parsed = new Promise<void>((resolve) => {
    const finish = (error?: unknown) => {
      if (error !== undefined) abort(error);
      resolve();
    };
    source.on('error', finish);
    gunzip.on('error', (error: NodeJS.ErrnoException) => {
      if (firstError !== undefined) return resolve();
      finish(
        new CniEvidenceError({
          code: ERROR_CODES.BUNDLE_TRUNCATED,
          message: `${location} is truncated or damaged (${error.message})`,
          hint: 'The download or copy was cut short. Copy the bundle again and compare its size with the original.',
          file: location,
          cause: error,
        }),
      );
    });
    parser.on('error', (error: Error) => finish(error));
    parser.on('end', () => resolve());
    parser.on('close', () => resolve());
    source.pipe(gunzip).pipe(parser);
  });
  await Promise.race([parsed, aborted]);
  await Promise.race([chain, aborted]);
  if (firstError !== undefined) {
    if (firstError instanceof CniEvidenceError) throw firstError;
    fail(ERROR_CODES.BUNDLE_TRUNCATED, location, `${location} cannot be read as a tar archive: ${(firstError as Error).message ?? String(firstError)}`,
      'The bundle is damaged. Copy it again, or ask for a new one.', firstError);
  }
  if (!manifest || !tracker || topFolder === undefined) {
    fail(ERROR_CODES.MANIFEST_MISSING, location, `${location} has no ${MANIFEST_PATH}`,
      'This is not a cni-evidence bundle. For a folder of hand-collected files, run `cni-evidence pack <dir> -o bundle.tgz`.');
  }
  return { location, kind: 'tgz', topFolder, manifest, integrity: tracker.finish() };
}

async function findManifestFolder(location: string): Promise<string> {
  if (await lstat(join(location, MANIFEST_PATH)).then((s) => s.isFile(), () => false)) return location;
  const children = (await readdir(location, { withFileTypes: true })).filter((d) => d.isDirectory());
  if (children.length === 1) {
    const inner = join(location, children[0]!.name);
    if (await lstat(join(inner, MANIFEST_PATH)).then((s) => s.isFile(), () => false)) return inner;
  }
  return fail(ERROR_CODES.MANIFEST_MISSING, location, `${location} has no ${MANIFEST_PATH}`,
    'For a folder of hand-collected files, run `cni-evidence pack <dir> -o bundle.tgz` first; it writes the manifest.');
}

async function* walkFiles(root: string, folder = root): AsyncGenerator<{ path: string; isFile: boolean }> {
  for (const dirent of await readdir(folder, { withFileTypes: true })) {
    const full = join(folder, dirent.name);
    if (dirent.isDirectory()) yield* walkFiles(root, full);
    else yield { path: relative(root, full).split(sep).join('/'), isFile: dirent.isFile() };
  }
}

async function readDirectory(location: string, visitor: BundleVisitor, limits: ReadLimits): Promise<BundleReadResult> {
  const folder = await findManifestFolder(location);
  const manifestFile = join(folder, MANIFEST_PATH);
  const { size } = await lstat(manifestFile);
  if (size > limits.maxManifestBytes) {
    fail(ERROR_CODES.ENTRY_TOO_LARGE, manifestFile, `${manifestFile} is ${size} bytes`, 'This does not look like a cni-evidence manifest.');
  }
  const manifest = parseManifest(await readFile(manifestFile, 'utf8'), manifestFile);
  const tracker = new IntegrityTracker(manifest);
  const topFolder = folder === location ? '.' : relative(location, folder);
  await visitor.onManifest?.(manifest, { topFolder });
  const present = new Map<string, boolean>();
  for await (const file of walkFiles(folder)) if (file.path !== MANIFEST_PATH) present.set(file.path, file.isFile);

  for (const artifact of manifest.artifacts) {
    if (artifact.sha256 === null || !present.has(artifact.path)) continue;
    assertSafeBundlePath(artifact.path, manifestFile);
    if (!present.get(artifact.path)) {
      // A symlink or device in an unpacked folder is never followed.
      tracker.seen.add(artifact.path);
      tracker.problems.push({ path: artifact.path, kind: 'not-a-file', message: `${artifact.path} is not a regular file (link or device); it was not read` });
      continue;
    }
    const full = join(folder, artifact.path);
    const file: BundleFile = { path: artifact.path, size: (await lstat(full)).size, artifact };
    const { bytes, sha256 } = await visitContent(createReadStream(full) as AsyncIterable<Buffer>, file, visitor);
    tracker.check(artifact.path, bytes, sha256);
  }
  for (const [path, isFile] of present) {
    if (tracker.byPath.has(path)) continue;
    if (!isFile) {
      tracker.problems.push({ path, kind: 'not-a-file', message: `${path} is not a regular file (link or device); it was not read` });
      continue;
    }
    const full = join(folder, path);
    const file: BundleFile = { path, size: (await lstat(full)).size, artifact: undefined };
    const { bytes, sha256 } = await visitContent(createReadStream(full) as AsyncIterable<Buffer>, file, visitor);
    tracker.check(path, bytes, sha256);
  }
  return { location, kind: 'dir', topFolder, manifest, integrity: tracker.finish() };
}

/** Reads a bundle and returns each file's text (for small bundles and tests). */
export async function readBundleTexts(location: string, options: ReadOptions = {}): Promise<{ result: BundleReadResult; files: Map<string, string> }> {
  const files = new Map<string, string>();
  const result = await readBundle(location, {
    async onFile(file, content) {
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      files.set(file.path, Buffer.concat(chunks).toString('utf8'));
    },
  }, options);
  return { result, files };
}

