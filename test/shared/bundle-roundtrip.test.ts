import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBundle, readBundleTexts } from '../../shared/bundle/reader.js';
import { BundleWriter } from '../../shared/bundle/writer.js';
import { nodePaths, clusterPaths } from '../../shared/bundle/paths.js';
import { list as listTar } from 'tar';
import { tempDir } from '../helpers/tmp.js';

const request = { namespaces: ['default'], pods: ['web-0'], nodes: ['node-1'], options: { tailLines: 2000 } };

describe('bundle writer and reader round trip', async () => {
  const dir = await tempDir();

  it('keeps bytes, manifest and order: manifest first, one top folder', async () => {
    const out = join(dir, 'roundtrip.tgz');
    const big = randomBytes(3 * 1024 * 1024);
    const conflist = '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel"}]}\r\n';
    const writer = await BundleWriter.create(out, { mode: 'node', request });
    await writer.write(
      { path: nodePaths.netD('node-1', '10-flannel.conflist'), source: { kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' }, node: 'node-1', fileMode: '-rw-r--r--' },
      conflist,
    );
    await writer.write({ path: nodePaths.result('node-1', 'cbr0-055b-eth0'), source: { kind: 'file', path: '/var/lib/cni/results/cbr0-055b-eth0' }, node: 'node-1' }, '');
    await writer.write({ path: nodePaths.dmesg('node-1'), source: { kind: 'command', argv: ['dmesg'] }, node: 'node-1', exitCode: 0 }, Readable.from([big.subarray(0, 1000), big.subarray(1000)]));
    writer.record({ path: nodePaths.criInfo('node-1'), source: { kind: 'command', argv: ['crictl', 'info'] }, node: 'node-1', status: 'absent', error: 'command not found: crictl' });
    const { manifest } = await writer.finalize();

    const entries: string[] = [];
    await listTar({ file: out, onReadEntry: (e) => entries.push(e.path) });
    expect(entries[0]).toMatch(/^cni-evidence-\d{8}T\d{6}Z\/manifest\.json$/);
    expect(new Set(entries.map((e) => e.split('/')[0])).size).toBe(1);
    expect(entries).toHaveLength(4); // manifest + 3 stored files; the absent one has no content

    const { result, files } = await readBundleTexts(out);
    expect(result.integrity).toEqual({ ok: true, filesChecked: 3, bytesRead: big.length + Buffer.byteLength(conflist), problems: [] });
    expect(result.manifest).toEqual(manifest);
    expect(files.get(nodePaths.netD('node-1', '10-flannel.conflist'))).toBe('{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel"}]}\r\n');
    expect(files.get(nodePaths.result('node-1', 'cbr0-055b-eth0'))).toBe('');
    const dmesgEntry = manifest.artifacts.find((a) => a.path === nodePaths.dmesg('node-1'))!;
    expect(dmesgEntry.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(dmesgEntry.bytes).toBe(big.length);
    const absent = manifest.artifacts.find((a) => a.path === nodePaths.criInfo('node-1'))!;
    expect(absent).toMatchObject({ status: 'absent', sha256: null, bytes: 0, error: 'command not found: crictl' });
    // No staging or temporary files are left beside the bundle.
    expect((await readdir(dir)).filter((f) => f.startsWith('.roundtrip') || f.includes('.tmp-'))).toEqual([]);
  });

  it('truncates past maxBytes, keeping the head or the whole-line tail', async () => {
    const out = join(dir, 'truncate.tgz');
    const writer = await BundleWriter.create(out, { mode: 'node', request });
    const log = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    await writer.write({ path: nodePaths.journal('n', 'kubelet'), source: { kind: 'command', argv: ['journalctl'] }, node: 'n' }, log, { maxBytes: 100, keep: 'tail' });
    await writer.write({ path: nodePaths.dmesg('n'), source: { kind: 'command', argv: ['dmesg'] }, node: 'n' }, log, { maxBytes: 10 });
    await writer.finalize();
    const { result, files } = await readBundleTexts(out);
    const tail = files.get(nodePaths.journal('n', 'kubelet'))!;
    expect(tail.endsWith('line 999\n')).toBe(true);
    expect(tail.startsWith('line ')).toBe(true);
    expect(tail.length).toBeLessThanOrEqual(100);
    expect(files.get(nodePaths.dmesg('n'))).toBe('line 0\nlin');
    const statuses = result.manifest.artifacts.map((a) => [a.status, a.truncatedFromBytes]);
    expect(statuses).toEqual([['truncated', log.length], ['truncated', log.length]]);
    expect(result.integrity.ok).toBe(true);
  });

  it('records a broken source stream as failed, keeping what arrived', async () => {
    const out = join(dir, 'broken.tgz');
    const writer = await BundleWriter.create(out, { mode: 'cluster', request });
    async function* cutStream() {
      yield Buffer.from('first half\n');
      throw new Error('stream reset by peer');
    }
    const entry = await writer.write({ path: clusterPaths.containerLog('kube-flannel', 'kube-flannel-ds-x', 'kube-flannel'), source: { kind: 'api', path: '/api/v1/namespaces/kube-flannel/pods/kube-flannel-ds-x/log' }, node: null }, cutStream());
    expect(entry).toMatchObject({ status: 'failed', error: 'stream reset by peer', bytes: 11 });
    await writer.finalize({ completion: { state: 'partial', reason: 'interrupted' } });
    const { result, files } = await readBundleTexts(out);
    expect(result.manifest.completion).toEqual({ state: 'partial', reason: 'interrupted' });
    expect(files.get(entry.path)).toBe('first half\n');
    expect(result.integrity.ok).toBe(true);
  });

  it('refuses to overwrite an existing bundle unless asked, and abort leaves nothing', async () => {
    const out = join(dir, 'exists.tgz');
    await writeFile(out, 'keep me');
    await expect(BundleWriter.create(out, { mode: 'node', request })).rejects.toMatchObject({ code: 'E_OUTPUT_EXISTS' });
    const writer = await BundleWriter.create(out, { mode: 'node', request, overwrite: true });
    await writer.write({ path: 'nodes/n/system/date.txt', source: { kind: 'command', argv: ['date'] }, node: 'n' }, 'now\n');
    await writer.abort();
    expect(await readFile(out, 'utf8')).toBe('keep me');
    expect((await readdir(dir)).filter((f) => f.startsWith('.exists'))).toEqual([]);
  });

  it('reads an unpacked folder the same way, and reports a changed file as data', async () => {
    const out = join(dir, 'unpack.tgz');
    const writer = await BundleWriter.create(out, { mode: 'node', request, topFolder: 'bundle-x' });
    await writer.write({ path: 'nodes/n/flannel/subnet.env', source: { kind: 'file', path: '/run/flannel/subnet.env' }, node: 'n' }, 'FLANNEL_SUBNET=10.244.1.1/24\n');
    await writer.write({ path: 'nodes/n/system/date.txt', source: { kind: 'command', argv: ['date'] }, node: 'n' }, 'now\n');
    await writer.finalize();
    const unpacked = join(dir, 'unpacked');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(unpacked);
    const { extract } = await import('tar');
    await extract({ file: out, cwd: unpacked });
    await writeFile(join(unpacked, 'bundle-x/nodes/n/flannel/subnet.env'), 'FLANNEL_SUBNET=10.244.7.1/24\n');
    await writeFile(join(unpacked, 'bundle-x/nodes/n/extra.txt'), 'added by hand\n');
    const seen: string[] = [];
    const result = await readBundle(unpacked, { onFile: (file) => void seen.push(file.path) });
    expect(result.kind).toBe('dir');
    expect(seen).toEqual(['nodes/n/flannel/subnet.env', 'nodes/n/system/date.txt', 'nodes/n/extra.txt']);
    expect(result.integrity.ok).toBe(false);
    expect(result.integrity.problems.map((p) => [p.path, p.kind])).toEqual([
      ['nodes/n/flannel/subnet.env', 'checksum-mismatch'],
      ['nodes/n/extra.txt', 'unlisted'],
    ]);
  });
});
