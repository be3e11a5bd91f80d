import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBundle, readBundleTexts } from '../../shared/bundle/reader.js';
import { extractBundle } from '../../shared/bundle/extract.js';
import type { Manifest } from '../../shared/bundle/manifest-schema.js';
import { rawTgz, type RawEntry } from '../helpers/raw-tar.js';
import { tempDir } from '../helpers/tmp.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function manifestFor(files: Record<string, string>, overrides: Record<string, unknown> = {}): string {
  const manifest: Manifest = {
    formatVersion: '1.0',
    tool: { name: 'cni-evidence', version: '0.1.0' },
    createdAt: '2026-11-22T09:33:21.000Z',
    mode: 'node',
    request: { namespaces: [], pods: [], nodes: ['n1'], options: {} },
    completion: { state: 'complete' },
    redaction: { enabled: true },
    artifacts: Object.entries(files).map(([path, content]) => ({
      path,
      source: { kind: 'file', path: `/${path}` },
      node: 'n1',
      status: 'ok',
      bytes: Buffer.byteLength(content),
      sha256: sha(content),
      startedAt: '2026-11-22T09:33:21.000Z',
      durationMs: 1,
    })),
  };
  return JSON.stringify({ ...manifest, ...overrides });
}

const okFiles = { 'nodes/n1/flannel/subnet.env': 'FLANNEL_SUBNET=10.244.1.1/24\n' };
const manifestEntry = (text = manifestFor(okFiles)): RawEntry => ({ path: 'b/manifest.json', content: text });
const subnetEntry: RawEntry = { path: 'b/nodes/n1/flannel/subnet.env', content: okFiles['nodes/n1/flannel/subnet.env'] };

describe('hostile and broken bundles get a typed error, and nothing is written outside', async () => {
  const dir = await tempDir();
  let counter = 0;
  const bundleFrom = async (data: Buffer): Promise<string> => {
    const file = join(dir, `case-${counter++}.tgz`);
    await writeFile(file, data);
    return file;
  };

  it.each<[string, RawEntry[], string, RegExp]>([
    ['a ".." path', [manifestEntry(), { path: 'b/../../escape.txt', content: 'x' }], 'E_UNSAFE_PATH', /unsafe path "b\/..\/..\/escape.txt"/],
    ['an absolute path', [manifestEntry(), { path: '/etc/cron.d/evil', content: 'x' }], 'E_UNSAFE_PATH', /unsafe path/],
    ['a symlink', [manifestEntry(), { path: 'b/nodes/n1/link', type: '2', linkTarget: '/etc/shadow' }], 'E_UNSAFE_ENTRY_TYPE', /SymbolicLink entry "b\/nodes\/n1\/link"/],
    ['a hard link', [manifestEntry(), { path: 'b/nodes/n1/hard', type: '1', linkTarget: 'b/manifest.json' }], 'E_UNSAFE_ENTRY_TYPE', /Link entry/],
    ['a character device', [manifestEntry(), { path: 'b/nodes/n1/dev', type: '3' }], 'E_UNSAFE_ENTRY_TYPE', /CharacterDevice/],
    ['a FIFO', [manifestEntry(), { path: 'b/nodes/n1/fifo', type: '6' }], 'E_UNSAFE_ENTRY_TYPE', /FIFO/],
    ['two top folders', [manifestEntry(), { path: 'other/x.txt', content: 'x' }], 'E_MULTIPLE_TOP_FOLDERS', /outside its top folder b\//],
    ['a file at the top level', [{ path: 'manifest.json', content: manifestFor(okFiles) }], 'E_MULTIPLE_TOP_FOLDERS', /file at its top level/],
    ['the manifest not first', [subnetEntry, manifestEntry()], 'E_MANIFEST_NOT_FIRST', /first file .* is nodes\/n1\/flannel\/subnet.env/],
    ['no manifest at all', [{ path: 'b/', type: '5' }], 'E_MANIFEST_MISSING', /has no manifest.json/],
    ['a manifest that is not JSON', [manifestEntry('{"formatVersion": "1.0",')], 'E_MANIFEST_INVALID', /not valid JSON/],
    ['a manifest missing fields', [manifestEntry('{"formatVersion":"1.0","artifacts":[]}')], 'E_MANIFEST_INVALID', /must have required property 'tool'/],
    ['a bad artifact status', [manifestEntry(manifestFor(okFiles).replace('"status":"ok"', '"status":"maybe"'))], 'E_MANIFEST_INVALID', /status: must be equal to one of the allowed values/],
    ['a newer major version', [manifestEntry(manifestFor(okFiles, { formatVersion: '2.0' }))], 'E_FORMAT_TOO_NEW', /made by a newer cni-evidence \(bundle format 2.0/],
    ['no version at all', [manifestEntry('{"hello":"world"}')], 'E_FORMAT_UNKNOWN', /no readable formatVersion/],
    ['the same file twice', [manifestEntry(), subnetEntry, subnetEntry], 'E_DUPLICATE_ENTRY', /holds nodes\/n1\/flannel\/subnet.env twice/],
  ])('%s', async (_name, entries, code, message) => {
    const file = await bundleFrom(rawTgz(entries));
    const error = await readBundle(file).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code, file });
    expect((error as Error).message).toMatch(message);
    expect((error as { hint: string }).hint.length).toBeGreaterThan(20);
  });

  it('rejects an entry over the per-file limit, the total limit and the entry count (tar bombs)', async () => {
    const file = await bundleFrom(rawTgz([manifestEntry(), subnetEntry]));
    await expect(readBundle(file, {}, { limits: { maxEntryBytes: 10 } })).rejects.toMatchObject({ code: 'E_ENTRY_TOO_LARGE' });
    await expect(readBundle(file, {}, { limits: { maxTotalBytes: 100 } })).rejects.toMatchObject({ code: 'E_BUNDLE_TOO_LARGE' });
    await expect(readBundle(file, {}, { limits: { maxEntries: 1 } })).rejects.toMatchObject({ code: 'E_TOO_MANY_ENTRIES' });
    // A header that claims a huge size is refused before any byte of it is read.
    const liar = await bundleFrom(rawTgz([manifestEntry(), { path: 'b/big', content: 'x', declaredSize: 9 * 1024 ** 3 }]));
    await expect(readBundle(liar)).rejects.toMatchObject({ code: 'E_ENTRY_TOO_LARGE' });
  });

  it('reports truncated gzip and non-gzip input', async () => {
    const whole = rawTgz([manifestEntry(), subnetEntry]);
    const cut = await bundleFrom(whole.subarray(0, Math.floor(whole.length * 0.6)));
    const error = await readBundle(cut).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BUNDLE_TRUNCATED', file: cut });
    expect((error as Error).message).toMatch(/truncated or damaged/);
    const plain = await bundleFrom(Buffer.from('just some text\n'));
    await expect(readBundle(plain)).rejects.toMatchObject({ code: 'E_BUNDLE_NOT_GZIP' });
    await expect(readBundle(join(dir, 'nope.tgz'))).rejects.toMatchObject({ code: 'E_BUNDLE_NOT_FOUND' });
  });

  it('reports a checksum mismatch and a missing file as data, not as a crash', async () => {
    const file = await bundleFrom(rawTgz([manifestEntry(manifestFor({ ...okFiles, 'nodes/n1/system/date.txt': 'now\n' })), { ...subnetEntry, content: 'FLANNEL_SUBNET=10.244.9.1/24\n' }]));
    const { result } = await readBundleTexts(file);
    expect(result.integrity.ok).toBe(false);
    expect(result.integrity.problems.map((p) => [p.path, p.kind])).toEqual([
      ['nodes/n1/flannel/subnet.env', 'checksum-mismatch'],
      ['nodes/n1/system/date.txt', 'missing'],
    ]);
  });

  it('tolerates unknown fields from a newer minor version', async () => {
    const file = await bundleFrom(rawTgz([manifestEntry(manifestFor(okFiles, { formatVersion: '1.7', futureField: { a: 1 } })), subnetEntry]));
    const { result } = await readBundleTexts(file);
    expect(result.manifest.formatVersion).toBe('1.7');
    expect(result.integrity.ok).toBe(true);
  });

  it('migrates a 0.9 draft manifest to v1', async () => {
    const legacy = {
      version: '0.9',
      generated: '2025-03-01T10:00:00Z',
      files: [
        { name: 'nodes/n1/flannel/subnet.env', sha256: sha(okFiles['nodes/n1/flannel/subnet.env']), size: 29, node: 'n1', path: '/run/flannel/subnet.env' },
        { name: 'nodes/n1/net/conntrack-stats.txt', sha256: null, node: 'n1', cmd: 'conntrack -S', error: 'conntrack: command not found' },
      ],
    };
    const file = await bundleFrom(rawTgz([manifestEntry(JSON.stringify(legacy)), subnetEntry]));
    const { result, files } = await readBundleTexts(file);
    expect(result.manifest).toMatchObject({ formatVersion: '1.0', migratedFrom: '0.9', createdAt: '2025-03-01T10:00:00Z' });
    expect(result.manifest.artifacts).toEqual([
      expect.objectContaining({ path: 'nodes/n1/flannel/subnet.env', status: 'ok', source: { kind: 'file', path: '/run/flannel/subnet.env' }, bytes: 29 }),
      expect.objectContaining({ path: 'nodes/n1/net/conntrack-stats.txt', status: 'failed', source: { kind: 'command', argv: ['conntrack', '-S'] }, error: 'conntrack: command not found', sha256: null }),
    ]);
    expect(files.get('nodes/n1/flannel/subnet.env')).toBe(okFiles['nodes/n1/flannel/subnet.env']);
    expect(result.integrity.ok).toBe(true);
  });

  it('extraction of a hostile bundle writes nothing outside the destination', async () => {
    const root = join(dir, 'extract-root');
    const destination = join(root, 'dest');
    const file = await bundleFrom(rawTgz([manifestEntry(), subnetEntry, { path: 'b/../escape.txt', content: 'pwned' }]));
    await expect(extractBundle(file, destination)).rejects.toMatchObject({ code: 'E_UNSAFE_PATH' });
    expect(await readdir(root)).toEqual(['dest']);
    const good = await bundleFrom(rawTgz([manifestEntry(), subnetEntry]));
    const result = await extractBundle(good, join(root, 'dest2'));
    expect(result.integrity.ok).toBe(true);
    expect(await readdir(join(root, 'dest2', 'b', 'nodes', 'n1', 'flannel'))).toEqual(['subnet.env']);
  });
});
