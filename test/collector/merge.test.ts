import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isCniEvidenceError } from '../../shared/errors.js';
import { clusterPaths, nodePaths } from '../../shared/bundle/paths.js';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { BundleWriter } from '../../shared/bundle/writer.js';
import { mergeBundles } from '../../collector/merge.js';
import { tempDir } from '../helpers/tmp.js';

async function nodeBundle(out: string, node: string, conflist: string): Promise<string> {
  const writer = await BundleWriter.create(out, { mode: 'node', request: { namespaces: [], pods: [], nodes: [node], options: {} } });
  await writer.write({ path: nodePaths.netD(node, '10-flannel.conflist'), source: { kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' }, node, fileMode: '-rw-r--r--' }, conflist);
  await writer.write({ path: nodePaths.result(node, 'cbr0-055b-eth0'), source: { kind: 'file', path: '/var/lib/cni/results/cbr0-055b-eth0' }, node }, '');
  const cut = await writer.write({ path: nodePaths.dmesg(node), source: { kind: 'command', argv: ['dmesg'] }, node, exitCode: 0 }, 'x'.repeat(50), { maxBytes: 10 });
  expect(cut.status).toBe('truncated');
  writer.record({ path: nodePaths.criInfo(node), source: { kind: 'command', argv: ['crictl', 'info'] }, node, status: 'absent', error: 'command not found: crictl' });
  await writer.finalize();
  return out;
}

async function clusterBundle(out: string, nodes: string[]): Promise<string> {
  const writer = await BundleWriter.create(out, { mode: 'cluster', request: { namespaces: ['default'], pods: ['web-0'], nodes, options: {} } });
  await writer.write({ path: clusterPaths.pods, source: { kind: 'api', path: '/api/v1/pods' }, node: null }, '{"kind":"PodList","items":[]}');
  await writer.finalize({ completion: { state: 'partial', reason: 'events forbidden' } });
  return out;
}

describe('mergeBundles', async () => {
  const dir = await tempDir();
  const n1 = await nodeBundle(join(dir, 'n1.tgz'), 'node-1', '{"name":"cbr0"}\n');
  const n2 = await nodeBundle(join(dir, 'n2.tgz'), 'node-2', '{"name":"cbr0","cniVersion":"0.3.1"}\n');
  const cluster = await clusterBundle(join(dir, 'cluster.tgz'), ['node-1', 'node-2']);

  it('joins node bundles and a cluster bundle, keeping every manifest fact', async () => {
    const { path, manifest } = await mergeBundles([cluster, n1, n2], join(dir, 'merged.tgz'), { argv: ['merge'] });
    expect(manifest.mode).toBe('merge');
    expect(manifest.request).toMatchObject({ nodes: ['node-1', 'node-2'], namespaces: ['default'], pods: ['web-0'], argv: ['merge'] });
    expect(manifest.completion).toEqual({ state: 'partial', reason: `${cluster}: events forbidden` });
    const { result, files } = await readBundleTexts(path);
    expect(result.integrity.ok).toBe(true);
    expect(files.get(nodePaths.netD('node-2', '10-flannel.conflist'))).toBe('{"name":"cbr0","cniVersion":"0.3.1"}\n');
    expect(files.get(clusterPaths.pods)).toBe('{"kind":"PodList","items":[]}');
    const at = new Map(manifest.artifacts.map((a) => [a.path, a]));
    expect(at.get(nodePaths.dmesg('node-1'))).toMatchObject({ status: 'truncated', truncatedFromBytes: 50, bytes: 10, exitCode: 0 });
    expect(at.get(nodePaths.criInfo('node-2'))).toMatchObject({ status: 'absent', error: 'command not found: crictl', sha256: null });
    expect(at.get(nodePaths.result('node-1', 'cbr0-055b-eth0'))).toMatchObject({ status: 'ok', bytes: 0 });
    expect(manifest.artifacts).toHaveLength(9);
  });

  it('accepts the same evidence twice but refuses conflicting duplicates', async () => {
    const again = await mergeBundles([n1, n1], join(dir, 'twice.tgz'));
    expect(again.manifest.artifacts).toHaveLength(4);
    const other = await nodeBundle(join(dir, 'n1-other.tgz'), 'node-1', '{"name":"different"}\n');
    const error = await mergeBundles([n1, other], join(dir, 'conflict.tgz')).catch((e: unknown) => e);
    expect(isCniEvidenceError(error) && error.code).toBe('E_MERGE_CONFLICT');
    expect((error as Error).message).toContain(nodePaths.netD('node-1', '10-flannel.conflist'));
  });

  it('refuses two cluster bundles', async () => {
    const second = await clusterBundle(join(dir, 'cluster2.tgz'), []);
    const error = await mergeBundles([cluster, second, n1], join(dir, 'two-clusters.tgz')).catch((e: unknown) => e);
    expect(isCniEvidenceError(error) && error.code).toBe('E_MERGE_CONFLICT');
  });
});
