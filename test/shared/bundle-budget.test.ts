/**
 * The bundle budget (shared/bundle/budget.ts) on hand-made bundles: which logs it cuts, in what
 * order, how the cuts read in the manifest, and that what it writes is a valid bundle under the
 * budget (or, when even the logs-free minimum is over it, a valid partial one).
 */
import { copyFile, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitBundleToBudget, isBudgetCuttable } from '../../shared/bundle/budget.js';
import { clusterPaths, nodePaths } from '../../shared/bundle/paths.js';
import { readBundleTexts } from '../../shared/bundle/reader.js';
import { BundleWriter } from '../../shared/bundle/writer.js';
import { tempDir } from '../helpers/tmp.js';
import { hexWords } from '../helpers/bytes.js';

/** Deterministic, poorly compressible log text: timestamped lines with random-looking ids. */
function logText(seed: number, lines: number, tag: string): string {
  const next = hexWords(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const id = [next(), next(), next(), next()].join('');
    const t = new Date(Date.UTC(2026, 10, 22, 10, 0, 0) + i * 1000).toISOString();
    out.push(`${t} ${tag} I1122 line ${i} sandbox=${id} msg="RunPodSandbox ${id.slice(0, 12)}"`);
  }
  return `${out.join('\n')}\n`;
}

const POD_LIST = JSON.stringify({
  apiVersion: 'v1',
  kind: 'PodList',
  items: [
    { metadata: { name: 'kube-flannel-ds-aaaaa', namespace: 'kube-flannel' }, spec: { nodeName: 'node-2' } },
    { metadata: { name: 'kube-flannel-ds-bbbbb', namespace: 'kube-flannel' }, spec: { nodeName: 'node-3' } },
  ],
});

const LOGS = {
  failingKubelet: nodePaths.journal('node-2', 'kubelet'),
  failingContainerd: nodePaths.journal('node-2', 'containerd'),
  healthyKubelet: nodePaths.journal('node-3', 'kubelet'),
  healthyContainerd: nodePaths.journal('node-3', 'containerd'),
  failingAgent: clusterPaths.containerLog('kube-flannel', 'kube-flannel-ds-aaaaa', 'kube-flannel'),
  healthyAgent: clusterPaths.containerLog('kube-flannel', 'kube-flannel-ds-bbbbb', 'kube-flannel'),
};
const CONFLIST = '{"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel"}]}\n';

async function makeBundle(out: string): Promise<{ texts: Map<string, string>; iptables: string }> {
  const writer = await BundleWriter.create(out, {
    mode: 'cluster',
    request: {
      namespaces: ['default'],
      pods: ['default/web-0'],
      nodes: ['node-2', 'node-3'],
      options: { scope: { failingNodes: ['node-2'], contrastNode: { name: 'node-3' } } },
    },
  });
  const texts = new Map<string, string>();
  let seed = 1;
  for (const [key, path] of Object.entries(LOGS)) {
    const text = logText(seed++ * 7919, 3000, key);
    texts.set(path, text);
    const node = path.startsWith('nodes/') ? path.split('/')[1]! : null;
    await writer.write({ path, node, source: { kind: 'command', argv: ['journalctl'] } }, text);
  }
  // A big state file: never cut, however much it weighs.
  const iptables = logText(99, 1500, 'iptables');
  for (const node of ['node-2', 'node-3']) {
    await writer.write({ path: nodePaths.netD(node, '10-flannel.conflist'), node, source: { kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' } }, CONFLIST);
    await writer.write({ path: nodePaths.iptablesSave(node), node, source: { kind: 'command', argv: ['iptables-save'] } }, iptables);
  }
  await writer.write({ path: clusterPaths.namespacePods('kube-flannel'), node: null, source: { kind: 'api', path: '/api/v1/namespaces/kube-flannel/pods' } }, POD_LIST);
  await writer.finalize();
  return { texts, iptables };
}

describe('fitting a bundle to --max-bundle-size', async () => {
  const dir = await tempDir('cni-evidence-budget-');
  const pristine = join(dir, 'pristine.tgz');
  const { texts, iptables } = await makeBundle(pristine);
  const fullSize = (await stat(pristine)).size;
  const copy = async (name: string): Promise<string> => {
    const path = join(dir, name);
    await copyFile(pristine, path);
    return path;
  };

  it('knows which paths are logs', () => {
    for (const path of Object.values(LOGS)) expect(isBudgetCuttable(path)).toBe(true);
    expect(isBudgetCuttable(nodePaths.dmesg('n'))).toBe(true);
    expect(isBudgetCuttable(nodePaths.varLog('n', 'calico/cni/cni.log'))).toBe(true);
    expect(isBudgetCuttable(nodePaths.iptablesSave('n'))).toBe(false);
    expect(isBudgetCuttable(nodePaths.netD('n', '10-flannel.conflist'))).toBe(false);
    expect(isBudgetCuttable(nodePaths.network('n', 'cbr0', '10.244.1.5'))).toBe(false);
    expect(isBudgetCuttable(clusterPaths.events)).toBe(false);
  });

  it('leaves a bundle that already fits untouched', async () => {
    const path = await copy('fits.tgz');
    const outcome = await fitBundleToBudget(path, { maxBytes: fullSize, label: '--max-bundle-size big' });
    expect(outcome).toMatchObject({ fits: true, rounds: 0, cuts: [], manifest: null, bytes: fullSize });
    expect(await readFile(path)).toEqual(await readFile(pristine));
  });

  it('cuts the healthy node and its agent first, from the oldest lines, and keeps the failing node whole', async () => {
    const path = await copy('healthy-cut.tgz');
    // About a quarter of the bundle must go: less than the healthy node's logs weigh.
    const budget = Math.floor(fullSize * 0.75);
    const outcome = await fitBundleToBudget(path, { maxBytes: budget, label: '--max-bundle-size 75%' });
    expect(outcome.fits).toBe(true);
    expect((await stat(path)).size).toBeLessThanOrEqual(budget);
    expect(outcome.bytes).toBe((await stat(path)).size);
    expect(outcome.rounds).toBeLessThanOrEqual(4);

    const { result, files } = await readBundleTexts(path);
    expect(result.integrity.ok).toBe(true);
    const at = new Map(result.manifest.artifacts.map((a) => [a.path, a]));
    for (const path of [LOGS.failingKubelet, LOGS.failingContainerd, LOGS.failingAgent]) {
      expect(at.get(path)?.status).toBe('ok');
      expect(files.get(path)).toBe(texts.get(path));
    }
    for (const path of [LOGS.healthyKubelet, LOGS.healthyContainerd, LOGS.healthyAgent]) {
      const entry = at.get(path)!;
      const original = texts.get(path)!;
      const kept = files.get(path)!;
      expect(entry.status).toBe('truncated');
      expect(entry.truncatedFromBytes).toBe(Buffer.byteLength(original));
      expect(entry.bytes).toBe(Buffer.byteLength(kept));
      expect(entry.error).toMatch(/^cut to fit the bundle budget \(--max-bundle-size 75%\): kept the newest \S+ \S+ of \S+ KiB$/);
      // The newest lines stay, whole: the kept text is the end of the original, from a line start.
      expect(kept.length).toBeGreaterThan(0);
      expect(original.endsWith(kept)).toBe(true);
      expect(original[original.length - kept.length - 1]).toBe('\n');
    }
    expect(outcome.cuts.map((c) => c.tier)).toEqual(['healthy', 'healthy', 'healthy']);
    expect(outcome.cuts.find((c) => c.path === LOGS.healthyAgent)?.node).toBe('node-3');
    // Config and state files are never cut.
    expect(files.get(nodePaths.iptablesSave('node-3'))).toBe(iptables);
    expect(files.get(nodePaths.netD('node-3', '10-flannel.conflist'))).toBe(CONFLIST);
    expect(result.manifest.completion).toEqual({ state: 'complete' });
    expect(result.manifest).toEqual(outcome.manifest);
  });

  it('moves on to the failing node only once the healthy node has nothing left', async () => {
    const path = await copy('failing-cut.tgz');
    const budget = Math.floor(fullSize * 0.4);
    const outcome = await fitBundleToBudget(path, { maxBytes: budget });
    expect(outcome.fits).toBe(true);
    expect((await stat(path)).size).toBeLessThanOrEqual(budget);
    const { result, files } = await readBundleTexts(path);
    expect(result.integrity.ok).toBe(true);
    const at = new Map(result.manifest.artifacts.map((a) => [a.path, a]));
    for (const path of [LOGS.healthyKubelet, LOGS.healthyContainerd, LOGS.healthyAgent]) {
      expect(at.get(path)).toMatchObject({ status: 'truncated', bytes: 0, error: expect.stringMatching(/^cut to fit the bundle budget \(--max-bundle-size \d+\): none of its /) });
    }
    const failing = [LOGS.failingKubelet, LOGS.failingContainerd, LOGS.failingAgent].map((p) => at.get(p)!);
    expect(failing.every((a) => a.status === 'truncated' && a.bytes > 0)).toBe(true);
    for (const a of failing) expect(texts.get(a.path)!.endsWith(files.get(a.path)!)).toBe(true);
    expect(files.get(nodePaths.iptablesSave('node-2'))).toBe(iptables);
  });

  it('writes the logs-free minimum, marked partial, when even that is over the budget', async () => {
    const path = await copy('too-small.tgz');
    const outcome = await fitBundleToBudget(path, { maxBytes: 2000, label: '--max-bundle-size 2K' });
    expect(outcome.fits).toBe(false);
    expect(outcome.overReason).toMatch(/^bundle over the budget \(--max-bundle-size 2K\): \d+ bytes even with every log cut to nothing, \d+ bytes over; written anyway$/);
    const { result, files } = await readBundleTexts(path);
    expect(result.integrity.ok).toBe(true);
    expect(result.manifest.completion).toEqual({ state: 'partial', reason: outcome.overReason });
    for (const path of Object.values(LOGS)) expect(files.get(path)).toBe('');
    expect(files.get(nodePaths.iptablesSave('node-2'))).toBe(iptables);
    expect(files.get(nodePaths.netD('node-2', '10-flannel.conflist'))).toBe(CONFLIST);
    expect((await stat(path)).size).toBe(outcome.bytes);
    expect(outcome.bytes).toBeLessThan(fullSize);
  });
});
