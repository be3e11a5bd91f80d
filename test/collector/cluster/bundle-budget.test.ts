/**
 * `collect --max-bundle-size` against the test API server: real node pods (the node script run
 * on prepared roots, with a stand-in journalctl serving big journals), real agent logs, a real
 * bundle. Over the budget, the contrast node's journals and agent logs are cut before the failing
 * node's, the manifest says so, the reader validates the result, and the analyzer still reaches
 * the failing pod's diagnosis; below the logs-free minimum the bundle is written as partial.
 */
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { analyzeBundle } from '../../../analyzer/analyze.js';
import { collectCluster } from '../../../collector/cluster/collect-cluster.js';
import { NODE_WRAPPER } from '../../../collector/cluster/fan-out.js';
import { clusterPaths, nodePaths } from '../../../shared/bundle/paths.js';
import type { ExecHandler } from '../../kube-api/exec.js';
import type { Pod } from '../../kube-api/types.js';
import { runCli } from '../../helpers/cli.js';
import { makeNodeRoot, nodeRootExecHandler, readBack, startTestCluster } from './helpers.js';
import { hexWords } from '../../helpers/bytes.js';

const STUCK = 'default/web-7r2rngql75-6w8j6';

/** journalctl stand-in: `--root R -u UNIT ... -n N` prints the last N lines of R/fake-journal/UNIT.log. */
const FAKE_JOURNALCTL = `#!/bin/sh
root=""; unit=""; n=5000
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift ;;
    -u) unit=$2; shift ;;
    -n) n=$2; shift ;;
  esac
  shift
done
f="$root/fake-journal/$unit.log"
if [ ! -f "$f" ]; then echo "-- No entries --"; exit 0; fi
tail -n "$n" "$f"
`;

/** Deterministic, poorly compressible journal lines (a busy node's kubelet chatter). */
function noise(seed: number, lines: number, node: string, unit: string): string {
  const next = hexWords(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const t = new Date(Date.UTC(2026, 10, 22, 8, 0, 0) + i * 1000);
    const iso = t.toISOString().replace(/\.\d+Z$/, '+0000');
    out.push(`${iso} ${node} ${unit}[1187]: I1122 ${iso.slice(11, 19)}.000512    1187 generic.go:334] "Generic (PLEG): container finished" podID="${next()}${next()}" containerID="${next()}${next()}${next()}" exitCode=0`);
  }
  return `${out.join('\n')}\n`;
}

/** The failing node's last journal lines: the sandbox error, as the kubelet and containerd log it. */
const SANDBOX_ERROR = 'failed to setup network for sandbox \\"c0fd7aefd2c3c2e07d7600c56e1d496af08cc5a170d4ab690ba39d5710e46358\\": plugin type=\\"flannel\\" failed (add): failed to delegate add: failed to set bridge addr: \\"cni0\\" already has an IP address different from 10.244.1.1/24';
const KUBELET_TAIL = `2026-11-22T10:23:00+0000 node-2 kubelet[1187]: E1122 10:23:00.000512    1187 kuberuntime_sandbox.go:72] "Failed to create sandbox for pod" err="rpc error: code = Unknown desc = ${SANDBOX_ERROR}" pod="${STUCK}"\n`;
const CONTAINERD_TAIL = `2026-11-22T10:23:00+0000 node-2 containerd[902]: time="2026-11-22T10:23:00.000123456Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:web-7r2rngql75-6w8j6,Uid:38a5b56a-1f4e-4b40-997b-0be7f5e7647a,Namespace:default,Attempt:0,} failed, error" error="${SANDBOX_ERROR}"\n`;

const JOURNALS = {
  'node-2': { kubelet: noise(11, 3000, 'node-2', 'kubelet') + KUBELET_TAIL, containerd: noise(12, 3000, 'node-2', 'containerd') + CONTAINERD_TAIL },
  'node-3': { kubelet: noise(21, 3000, 'node-3', 'kubelet'), containerd: noise(22, 3000, 'node-3', 'containerd') },
} as const;

describe('collect --max-bundle-size', async () => {
  let inner: ExecHandler | null = null;
  const c = await startTestCluster({ execHandler: (ctx) => inner!(ctx) });
  const fakeBin = join(c.dir, 'fake-bin');
  await mkdir(fakeBin, { recursive: true });
  await writeFile(join(fakeBin, 'journalctl'), FAKE_JOURNALCTL);
  await chmod(join(fakeBin, 'journalctl'), 0o755);
  // The node script puts the standard folders first on its PATH; the stand-in goes before them.
  const anchor = 'if [ -x "$host/bin/sh" ]';
  expect(NODE_WRAPPER).toContain(anchor);
  const wrapper = NODE_WRAPPER.replace(anchor, `sed -i "s|^PATH=|PATH=${fakeBin}:|" "$work/collect.sh"\n${anchor}`);
  const nodeRoots = nodeRootExecHandler(c.roots);
  inner = (ctx) => nodeRoots(ctx.command[2] === NODE_WRAPPER ? { ...ctx, command: [ctx.command[0]!, ctx.command[1]!, wrapper, ...ctx.command.slice(3)] } : ctx);
  for (const [node, units] of Object.entries(JOURNALS)) {
    await mkdir(join(c.roots, node, 'fake-journal'), { recursive: true });
    for (const [unit, text] of Object.entries(units)) await writeFile(join(c.roots, node, 'fake-journal', `${unit}.log`), text);
  }
  // The contrast node's flannel agent is chatty too.
  const flannelOn = (node: string) => (c.server.state.list('pods') as Pod[]).find((p) => p.metadata.namespace === 'kube-flannel' && p.spec?.nodeName === node)!.metadata.name;
  const healthyAgent = flannelOn('node-3');
  const failingAgent = flannelOn('node-2');
  const agentNoise = noise(31, 3000, 'node-3', 'flanneld').split('\n').map((l) => l.replace(/^\S+ \S+ \S+ /, '2026-11-22T10:00:00.000000000Z ')).join('\n');
  c.server.state.setLogs('kube-flannel', healthyAgent, 'kube-flannel', { current: agentNoise });
  const healthyAgentLog = clusterPaths.containerLog('kube-flannel', healthyAgent, 'kube-flannel');

  const baselinePath = join(c.dir, 'baseline.tgz');
  const baselineResult = await collectCluster({ output: baselinePath, kubeconfig: c.kubeconfig, nodeTimeoutMs: 20_000 });
  const baseline = await readBack(baselinePath);
  const baselineBytes = (await stat(baselinePath)).size;
  const baselineAnalysis = await analyzeBundle(baselinePath);

  it('the baseline (no budget) carries the journals and the agent log in full, and is diagnosed', () => {
    expect(baselineResult.summary.reasons).toEqual([]);
    expect(baselineResult.summary.nodes.map((n) => `${n.node} ${n.status}`)).toEqual(['node-2 complete', 'node-3 complete']);
    expect(baseline.integrityOk).toBe(true);
    for (const [node, units] of Object.entries(JOURNALS)) {
      for (const [unit, text] of Object.entries(units)) expect(baseline.files.get(nodePaths.journal(node, unit))).toBe(text);
    }
    expect(baseline.at.get(healthyAgentLog)?.status).toBe('ok');
    expect(baselineAnalysis.diagnoses.find((d) => d.pod === STUCK)?.ruleId).toBeDefined();
  });

  it('over the budget, cuts the contrast node and its agent first and keeps the failing node whole', async () => {
    // Half of what the contrast node's logs weigh compressed must go: they alone can pay for it.
    const contrastCompressed = gzipSync(Object.values(JOURNALS['node-3']).join('') + agentNoise).length;
    const budget = baselineBytes - Math.floor(contrastCompressed / 2);
    const out = join(c.dir, 'budget.tgz');
    const result = await collectCluster({ output: out, kubeconfig: c.kubeconfig, nodeTimeoutMs: 20_000, maxBundleBytes: budget, maxBundleLabel: `--max-bundle-size ${budget}` });
    const size = (await stat(out)).size;
    expect(size).toBeLessThanOrEqual(budget);
    expect(result.summary.budget).toMatchObject({ fits: true, bytes: size, maxBytes: budget });
    expect(result.summary.budget!.cuts.length).toBeGreaterThan(0);
    expect(result.summary.budget!.cuts.every((cut) => cut.tier === 'healthy' && cut.node === 'node-3')).toBe(true);
    expect(result.summary.complete).toBe(true);

    const b = await readBack(out);
    expect(b.integrityOk).toBe(true);
    expect(b.manifest.completion).toEqual({ state: 'complete' });
    expect(b.manifest.request.options).toMatchObject({ maxBundleBytes: budget });
    for (const [unit, text] of Object.entries(JOURNALS['node-2'])) {
      expect(b.at.get(nodePaths.journal('node-2', unit))?.status).toBe('ok');
      expect(b.files.get(nodePaths.journal('node-2', unit))).toBe(text);
    }
    for (const path of [...Object.keys(JOURNALS['node-3']).map((u) => nodePaths.journal('node-3', u)), healthyAgentLog]) {
      const entry = b.at.get(path)!;
      const kept = b.files.get(path)!;
      const full = baseline.files.get(path)!;
      expect(entry).toMatchObject({ status: 'truncated', truncatedFromBytes: Buffer.byteLength(full), bytes: Buffer.byteLength(kept) });
      expect(entry.error).toMatch(new RegExp(`^cut to fit the bundle budget \\(--max-bundle-size ${budget}\\): kept the newest `));
      // The newest lines are the ones kept.
      expect(full.endsWith(kept)).toBe(true);
      expect(kept.length).toBeLessThan(full.length);
    }
    // Nothing else was cut: the failing node's agent logs, every config and state file.
    const cut = new Set(result.summary.budget!.cuts.map((c) => c.path));
    for (const [path, entry] of b.at) {
      if (cut.has(path)) continue;
      expect(entry.status, path).not.toBe('truncated');
      expect(entry.error ?? '', path).not.toContain('bundle budget');
    }
    for (const path of [nodePaths.netD('node-2', '10-flannel.conflist'), nodePaths.flannelSubnetEnv('node-2'), nodePaths.networksListing('node-2'), nodePaths.netD('node-3', '10-flannel.conflist')]) {
      expect(b.files.get(path), path).toBe(baseline.files.get(path));
    }
    expect(b.files.get(clusterPaths.containerLog('kube-flannel', failingAgent, 'kube-flannel', true))).toBe(
      baseline.files.get(clusterPaths.containerLog('kube-flannel', failingAgent, 'kube-flannel', true)),
    );

    // The analyzer still diagnoses the failing pod, and reports the cuts as evidence gaps.
    const analysis = await analyzeBundle(out);
    const before = baselineAnalysis.diagnoses.find((d) => d.pod === STUCK)!;
    const after = analysis.diagnoses.find((d) => d.pod === STUCK)!;
    expect(after.ruleId).toBe(before.ruleId);
    expect(after.title).toBe(before.title);
    // ...with the failing node's kubelet journal, whole, still in its causal chain.
    expect(after.causalChain.map((l) => l.citation?.file)).toContain(nodePaths.journal('node-2', 'kubelet'));
    expect(after.causalChain.map((l) => l.citation)).toEqual(before.causalChain.map((l) => l.citation));
    const gaps = analysis.gaps.filter((g) => g.status === 'truncated' && g.reason.startsWith('cut to fit the bundle budget')).map((g) => g.path);
    expect(gaps.sort()).toEqual([...cut].sort());
    expect(gaps).toEqual(expect.arrayContaining([nodePaths.journal('node-3', 'containerd'), nodePaths.journal('node-3', 'kubelet'), healthyAgentLog]));
  });

  it('on the command line: a budget below the logs-free minimum writes a valid partial bundle, says so, exits 1', async () => {
    const out = join(c.dir, 'too-small.tgz');
    const run = await runCli(['collect', '--kubeconfig', c.kubeconfig, '-o', out, '--max-bundle-size', '5K', '--no-node-evidence']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/warning: the bundle is \d+ bytes, over --max-bundle-size 5K \(5000 bytes\) even with every log cut to nothing: written anyway, marked partial/);
    expect(run.stdout).toMatch(/^wrote .*too-small\.tgz: .* \.tgz \(--max-bundle-size 5K, \d+ log\(s\) cut, over it\)$/m);
    expect(run.stdout).toMatch(/^ {2}bundle over the budget \(--max-bundle-size 5K\): \d+ bytes even with every log cut to nothing/m);
    const b = await readBack(out);
    expect(b.integrityOk).toBe(true);
    expect(b.manifest.completion.state).toBe('partial');
    expect(b.manifest.completion.reason).toMatch(/bundle over the budget \(--max-bundle-size 5K\)/);
    const logs = [...b.at.values()].filter((a) => a.path.startsWith('cluster/logs/') && a.sha256 !== null);
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) expect(log.bytes).toBe(0);
    expect(b.at.get(clusterPaths.events)).toMatchObject({ status: 'ok' });
    expect(b.files.get(clusterPaths.events)).toContain('FailedCreatePodSandBox');

    const inspect = await runCli(['inspect', out]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('partial: bundle over the budget (--max-bundle-size 5K)');
    expect(inspect.stdout).toMatch(/truncated +cluster\/logs\/\S+ +cut to fit the bundle budget \(--max-bundle-size 5K\): none of its /);
  });

  it('with --obfuscate, the pseudonymized bundle is the one that fits', async () => {
    const contrastCompressed = gzipSync(Object.values(JOURNALS['node-3']).join('') + agentNoise).length;
    const budget = baselineBytes - Math.floor(contrastCompressed / 2);
    const out = join(c.dir, 'obfuscated.tgz');
    const run = await runCli(['collect', '--kubeconfig', c.kubeconfig, '-o', out, '--max-bundle-size', String(budget), '--obfuscate', '--obfuscation-key-file', join(c.dir, 'key', 'obfuscation.key')], { timeoutMs: 120_000 });
    expect(run.stderr).toMatch(new RegExp(`bundle budget --max-bundle-size ${budget}: the bundle was \\d+ bytes; cut \\d+ healthy-node log\\(s\\)`));
    expect(run.code).toBe(0);
    expect((await stat(out)).size).toBeLessThanOrEqual(budget);
    const b = await readBack(out);
    expect(b.integrityOk).toBe(true);
    expect(b.manifest.redaction.obfuscated).toBe(true);
    const scope = (b.manifest.request.options as { scope: { failingNodes: string[]; contrastNode: { name: string } } }).scope;
    const [failing, contrast] = [scope.failingNodes[0]!, scope.contrastNode.name];
    expect([failing, contrast]).not.toContain('node-2');
    expect(b.at.get(nodePaths.journal(failing, 'kubelet'))?.status).toBe('ok');
    expect(b.at.get(nodePaths.journal(contrast, 'kubelet'))).toMatchObject({ status: 'truncated', error: expect.stringMatching(/^cut to fit the bundle budget/) });
    expect(JSON.stringify(b.manifest)).not.toContain('node-3');
  });

  it('--node-only: the node\'s own logs are cut from their oldest lines to fit', async () => {
    const root = join(c.dir, 'local-root');
    await makeNodeRoot(root, 'node-9', '10.244.9.0/24');
    // A node whose kubelet logs to a file (no systemd journal): collected as logs/kubelet.log.
    await mkdir(join(root, 'var/log'), { recursive: true });
    const kubelet = noise(41, 3000, 'node-9', 'kubelet');
    await writeFile(join(root, 'var/log/kubelet.log'), kubelet);
    const logPath = nodePaths.varLog('node-9', 'kubelet.log');
    const fullOut = join(c.dir, 'node-9-full.tgz');
    const first = await runCli(['collect', '--node-only', '--host-root', root, '--node-name', 'node-9', '-o', fullOut]);
    expect(first.code).toBe(0);
    expect((await readBack(fullOut)).files.get(logPath)).toBe(kubelet);
    const full = (await stat(fullOut)).size;
    const budget = full - Math.floor(gzipSync(kubelet).length / 2);
    const out = join(c.dir, 'node-9.tgz');
    const run = await runCli(['collect', '--node-only', '--host-root', root, '--node-name', 'node-9', '-o', out, '--max-bundle-size', String(budget)]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^bundle budget --max-bundle-size ${budget}: the bundle was \\d+ bytes; cut \\d+ failing-node log\\(s\\) \\(node-9\\) from their oldest lines; now \\d+ bytes$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^wrote .*node-9\\.tgz: node node-9, \\d+ files, .* \\.tgz \\(--max-bundle-size ${budget}, \\d+ log\\(s\\) cut\\)$`, 'm'));
    expect((await stat(out)).size).toBeLessThanOrEqual(budget);
    const b = await readBack(out);
    expect(b.integrityOk).toBe(true);
    expect(b.manifest.completion).toEqual({ state: 'complete' });
    expect(b.manifest.request.options).toMatchObject({ maxBundleBytes: budget });
    const entry = b.at.get(logPath)!;
    expect(entry).toMatchObject({ status: 'truncated', truncatedFromBytes: Buffer.byteLength(kubelet) });
    expect(entry.error).toMatch(/^cut to fit the bundle budget/);
    const kept = b.files.get(logPath)!;
    expect(kept.length).toBeGreaterThan(0);
    expect(kubelet.endsWith(kept)).toBe(true);
    expect(b.files.get(nodePaths.flannelSubnetEnv('node-9'))).toContain('FLANNEL_SUBNET=10.244.9.1/24');
    expect(b.files.get(nodePaths.netD('node-9', '10-flannel.conflist'))).toBe((await readBack(fullOut)).files.get(nodePaths.netD('node-9', '10-flannel.conflist')));
  });

  it.each([
    ['25X', 'error: --max-bundle-size "25X" is not a size'],
    ['lots', 'error: --max-bundle-size "lots" is not a size'],
    ['0', 'error: --max-bundle-size "0" leaves no room for a bundle'],
  ])('a bad size (%s) is a message and hint, exit 2, no bundle', async (value, message) => {
    const out = join(c.dir, `bad-${value}.tgz`);
    const run = await runCli(['collect', '--kubeconfig', c.kubeconfig, '-o', out, '--max-bundle-size', value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('hint: Give the most bytes the .tgz may have: bytes or a size like 25M (25,000,000 bytes), 25MiB or 25000000');
    expect(await stat(out).catch(() => null)).toBeNull();
  });

  it('collect --help documents the flag', async () => {
    const run = await runCli(['collect', '--help']);
    expect(run.stdout).toContain('--max-bundle-size <size>');
    expect(run.stdout).toContain('--max-bundle-size 25M -o ticket-4711.tgz');
  });
});
