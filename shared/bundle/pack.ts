/**
 * `pack`: turns a folder of hand-collected outputs, laid out as format v1, into a valid bundle.
 * This is the support case where the customer ran the commands by hand. An existing
 * manifest.json (an unpacked bundle) keeps its per-artifact facts; bytes and hashes are redone.
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CniEvidenceError, describeError, ERROR_CODES } from '../errors.js';
import type { ArtifactEntry, Manifest } from './manifest-schema.js';
import { isKnownPath, MANIFEST_PATH, parseNodePath } from './paths.js';
import { parseManifest } from './reader.js';
import { BundleWriter } from './writer.js';

export interface PackResult {
  path: string;
  manifest: Manifest;
  /** Files packed whose paths the analyzer does not know (kept, but likely not read). */
  unknownPaths: string[];
  /** Links and special files left out (never followed). */
  skipped: string[];
}

interface FoundFile {
  path: string;
  kind: 'file' | 'other';
}

async function* walk(root: string, folder = root): AsyncGenerator<FoundFile> {
  const dirents = await readdir(folder, { withFileTypes: true });
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const dirent of dirents) {
    const full = join(folder, dirent.name);
    const path = relative(root, full).split(sep).join('/');
    if (dirent.isDirectory()) yield* walk(root, full);
    else yield { path, kind: dirent.isFile() ? 'file' : 'other' };
  }
}

export async function packDirectory(source: string, output: string, options: { overwrite?: boolean; argv?: string[] } = {}): Promise<PackResult> {
  const info = await lstat(source).catch(() => null);
  if (!info?.isDirectory()) {
    throw new CniEvidenceError({
      code: ERROR_CODES.PACK_SOURCE_INVALID,
      message: `${source} is not a folder`,
      hint: 'Give pack the folder that holds cluster/ and nodes/<node>/ (see docs/bundle-format.md for the layout).',
      file: source,
    });
  }
  let previous: Manifest | undefined;
  const manifestFile = join(source, MANIFEST_PATH);
  if (await lstat(manifestFile).then((s) => s.isFile(), () => false)) {
    previous = parseManifest(await readFile(manifestFile, 'utf8'), manifestFile);
  }
  const earlier = new Map<string, ArtifactEntry>((previous?.artifacts ?? []).map((a) => [a.path, a]));

  const files: FoundFile[] = [];
  for await (const file of walk(source)) if (file.path !== MANIFEST_PATH) files.push(file);
  if (files.length === 0 && earlier.size === 0) {
    throw new CniEvidenceError({
      code: ERROR_CODES.PACK_SOURCE_INVALID,
      message: `${source} holds no files to pack`,
      hint: 'Put the collected outputs under cluster/ and nodes/<node>/ as docs/bundle-format.md describes, then run pack again.',
      file: source,
    });
  }
  const nodes = new Set<string>();
  for (const file of files) {
    const parsed = parseNodePath(file.path);
    if (parsed) nodes.add(parsed.node);
  }
  const writer = await BundleWriter.create(output, {
    mode: previous?.mode ?? 'pack',
    request: previous?.request ?? { namespaces: [], pods: [], nodes: [...nodes], options: {}, ...(options.argv ? { argv: options.argv } : {}) },
    redaction: previous?.redaction ?? { enabled: false },
    overwrite: options.overwrite,
  });
  const unknownPaths: string[] = [];
  const skipped: string[] = [];
  try {
    for (const file of files) {
      const node = parseNodePath(file.path)?.node ?? null;
      const before = earlier.get(file.path);
      const input = before
        ? { ...before, status: before.status === 'truncated' ? ('ok' as const) : before.status }
        : { path: file.path, node, source: { kind: 'hand' as const, note: 'packed from a folder' }, startedAt: new Date() };
      if (file.kind === 'other') {
        skipped.push(file.path);
        writer.record({ ...input, path: file.path, status: 'skipped', error: 'not a regular file (link or device); not followed' });
        continue;
      }
      if (!isKnownPath(file.path)) unknownPaths.push(file.path);
      const full = join(source, file.path);
      try {
        const stream = createReadStream(full);
        await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
        const { truncatedFromBytes: _dropped, bytes: _b, sha256: _s, ...rest } = input as ArtifactEntry;
        const entry = await writer.write({ ...rest, path: file.path }, stream);
        if (before?.status === 'truncated') {
          entry.status = 'truncated';
          if (before.truncatedFromBytes !== undefined) entry.truncatedFromBytes = before.truncatedFromBytes;
        }
      } catch (error) {
        writer.record({ path: file.path, node, source: { kind: 'hand' }, status: 'failed', error: `cannot read ${full}: ${describeError(error)}` });
      }
    }
    // Entries with no content (absent, forbidden...) survive a repack: they are evidence too.
    for (const [path, entry] of earlier) {
      if (entry.sha256 === null && !writer.has(path)) writer.record({ ...entry, status: entry.status as 'absent' });
    }
    const result = await writer.finalize({ completion: previous?.completion ?? { state: 'complete' } });
    return { ...result, unknownPaths, skipped };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
