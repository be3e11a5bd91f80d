import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isCniEvidenceError } from '../../../shared/errors.js';
import { nodePaths } from '../../../shared/bundle/paths.js';
import { readBundle } from '../../../shared/bundle/reader.js';
import { BundleWriter } from '../../../shared/bundle/writer.js';
import { collectNode } from '../../../collector/node/collect-node.js';
import { ingestNodeTar } from '../../../collector/node/ingest.js';
import { planNode } from '../../../collector/node/plan.js';
import { renderPlanScript } from '../../../collector/node/sh-renderer.js';
import { nodeRecipe } from '../../../collector/sources/node/index.js';
import { rawTar } from '../../helpers/raw-tar.js';
import { tempDir } from '../../helpers/tmp.js';
import { makeNodeRoot } from './fixture.js';

const request = { namespaces: [], pods: [], nodes: ['n1'], options: {} };

describe('ingestNodeTar', async () => {
  const dir = await tempDir();
  const root = join(dir, 'root');
  await makeNodeRoot(root);
  const plan = planNode(nodeRecipe, { maxBytes: 4096, tailLines: 20 });
  const tar = spawnSync('sh', ['-s'], { input: renderPlanScript(plan), env: { ...process.env, HOST_ROOT: root }, maxBuffer: 1 << 28 }).stdout;

  it('keeps what arrived when the exec stream is cut, and says it is incomplete', async () => {
    const writer = await BundleWriter.create(join(dir, 'cut.tgz'), { mode: 'node', request });
    const result = await ingestNodeTar(Readable.from([tar.subarray(0, Math.floor(tar.length / 2))]), writer, 'n1');
    expect(result.complete).toBe(false);
    expect(result.missingSteps.length).toBeGreaterThan(0);
    expect(result.artifacts).toBeGreaterThan(0);
    const { manifest } = await writer.finalize({ completion: { state: 'partial', reason: `node script stopped before ${result.missingSteps[0]}` } });
    expect(manifest.artifacts.every((a) => a.path.startsWith('nodes/n1/'))).toBe(true);
  });

  it('refuses a plan that would write outside the node folder', async () => {
    const hostile = rawTar([
      { path: './header', content: 'host_root=\n' },
      { path: './plan.json', content: JSON.stringify({ options: {}, steps: [{ ref: 'x#0', sourceId: 'x', action: { kind: 'command', candidates: [['id']], to: 'cluster/pods.json', timeoutMs: 1000, maxBytes: 10, keep: 'head', stdin: null, env: {}, okExitCodes: [0] } }] }) },
    ]);
    const writer = await BundleWriter.create(join(dir, 'hostile.tgz'), { mode: 'node', request });
    const error = await ingestNodeTar(Readable.from([hostile]), writer, 'n1').catch((e: unknown) => e);
    await writer.abort();
    expect(isCniEvidenceError(error) && error.code).toBe('E_PACK_SOURCE_INVALID');
  });

  it('refuses output that is not from the script', async () => {
    const writer = await BundleWriter.create(join(dir, 'junk.tgz'), { mode: 'node', request });
    const error = await ingestNodeTar(Readable.from([Buffer.from('sh: 1: tar: not found\n')]), writer, 'n1').catch((e: unknown) => e);
    await writer.abort();
    expect(isCniEvidenceError(error) && error.code).toBe('E_PACK_SOURCE_INVALID');
  });
});

describe('collectNode', async () => {
  const dir = await tempDir();
  const root = join(dir, 'root');
  await makeNodeRoot(root);

  it('writes a complete, verifiable node bundle named after the host root', async () => {
    const { path, manifest } = await collectNode({ output: join(dir, 'node.tgz'), hostRoot: `${root}/`, maxBytes: 4096, tailLines: 20, argv: ['collect', '--node-only'] });
    expect(manifest.mode).toBe('node');
    expect(manifest.completion).toEqual({ state: 'complete' });
    expect(manifest.request).toMatchObject({ nodes: ['fixture-node'], argv: ['collect', '--node-only'], options: { hostRoot: root, maxBytes: 4096, tailLines: 20 } });
    expect(manifest.request.options).not.toHaveProperty('output');
    expect(manifest.artifacts.find((a) => a.path === nodePaths.netD('fixture-node', '10-flannel.conflist'))?.source).toEqual({ kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' });
    const read = await readBundle(path);
    expect(read.integrity.ok).toBe(true);
    // Every source of the recipe left evidence, even when only to say it was absent.
    const sources = new Set(manifest.artifacts.map((a) => a.sourceId));
    for (const source of nodeRecipe) {
      if (['cni-flannel-cache', 'cni-plugin-logs', 'journal-kubelet'].includes(source.id)) continue;
      expect(sources, source.id).toContain(source.id);
    }
  });

  it('stops between steps when aborted and marks the bundle partial', async () => {
    const controller = new AbortController();
    const { manifest } = await collectNode({
      output: join(dir, 'partial.tgz'),
      hostRoot: root,
      node: 'n2',
      signal: controller.signal,
      onStep: (_step, index) => {
        if (index === 3) controller.abort();
      },
    });
    expect(manifest.completion.state).toBe('partial');
    expect(manifest.completion.reason).toMatch(/^interrupted before step /);
    expect(manifest.artifacts.length).toBeGreaterThan(0);
  });
});
