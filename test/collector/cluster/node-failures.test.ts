/**
 * The node is the unit of failure: a node that never answers, cannot pull the image, is refused
 * by admission, or whose stream breaks is recorded with its reason; every other node's evidence
 * is kept and every node pod created is deleted.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { describe, expect, it } from 'vitest';
import { nodePaths } from '../../../shared/bundle/paths.js';
import { collectCluster } from '../../../collector/cluster/collect-cluster.js';
import { NODE_WRAPPER } from '../../../collector/cluster/fan-out.js';
import { planNode } from '../../../collector/node/plan.js';
import { renderPlanScript } from '../../../collector/node/sh-renderer.js';
import { nodeRecipe } from '../../../collector/sources/node/index.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES } from '../../../collector/cluster/defaults.js';
import { largeCluster } from '../../kube-api/fixtures.js';
import { readBack, startTestCluster } from './helpers.js';

const execOf = (node: string): RegExp => new RegExp(`/pods/cni-evidence-${node}-[a-z0-9]+/exec$`);

/** Runs the node command locally once and returns the tar size and where plan.json ends in it. */
async function dryRun(root: string): Promise<{ size: number; planEnd: number }> {
  const script = renderPlanScript(planNode(nodeRecipe, { tailLines: DEFAULT_TAIL_LINES, maxBytes: DEFAULT_MAX_BYTES }));
  const child = spawn('sh', ['-c', NODE_WRAPPER, 'cni-evidence-node', String(Buffer.byteLength(script))], { env: { ...process.env, CE_HOST: root }, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.end(script);
  const chunks: Buffer[] = [];
  for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
  const tar = Buffer.concat(chunks);
  // Entries are 512-byte headers plus content padded to 512; find the block after plan.json.
  let offset = 0;
  let planEnd = -1;
  const parser = new Parser();
  await new Promise<void>((resolve) => {
    parser.on('entry', (entry: ReadEntry) => {
      const end = offset + 512 + Math.ceil(entry.size / 512) * 512;
      if (entry.path.replace(/^\.\//, '') === 'plan.json') planEnd = end;
      offset = end;
      entry.resume();
    });
    parser.on('end', () => resolve());
    parser.end(tar);
  });
  return { size: tar.length, planEnd };
}

describe('node failures, one node at a time', async () => {
  const c = await startTestCluster({
    fixture: largeCluster({ nodes: 5, pods: 5 }),
    lifecycle: { nodes: { 'node-2': { kind: 'image-pull-backoff' }, 'node-3': { kind: 'reject', code: 403 } } },
    faults: [
      { path: execOf('node-1'), exec: { hang: true } },
      { path: execOf('node-4'), exec: { cutAfterBytes: 600 } },
    ],
  });
  const out = join(c.dir, 'failures.tgz');
  const started = Date.now();
  // Short enough to keep the hang quick, long enough for the healthy nodes on a busy machine.
  const result = await collectCluster({ output: out, kubeconfig: c.kubeconfig, nodes: ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'], nodeTimeoutMs: 5000 });
  const elapsed = Date.now() - started;
  const b = await readBack(out);
  const outcome = new Map(result.summary.nodes.map((n) => [n.node, n]));

  it('a node that never answers is cut off at the per-node timeout', () => {
    expect(outcome.get('node-1')).toMatchObject({ status: 'timeout', reason: 'no complete answer within 5s', artifacts: 0, podDeleted: true });
    expect(outcome.get('node-1')!.seconds).toBeGreaterThanOrEqual(4.9);
    expect(b.at.get(nodePaths.iptablesSave('node-1'))).toMatchObject({ status: 'timeout', error: 'no complete answer within 5s' });
    // The other nodes did not wait for it: they ran side by side and finished first.
    expect(outcome.get('node-5')!.seconds).toBeLessThan(outcome.get('node-1')!.seconds);
    expect(elapsed).toBeLessThan(2 * 5000);
  });

  it('an image that cannot be pulled fails the node at once, with the kubelet message', () => {
    expect(outcome.get('node-2')?.status).toBe('failed');
    // ErrImagePull, or ImagePullBackOff when the first look comes after the kubelet's retry.
    expect(outcome.get('node-2')?.reason).toMatch(/^node pod cannot start: (ErrImagePull|ImagePullBackOff): .*rpc error: code = NotFound desc = failed to pull and unpack image "docker\.io\/library\/busybox:1\.36"/);
    // Failed, not timed out: it did not wait for the node timeout.
    expect(outcome.get('node-2')!.seconds).toBeLessThan(5);
  });

  it('an admission denial is recorded as forbidden with the API message', () => {
    expect(outcome.get('node-3')).toMatchObject({ status: 'forbidden', artifacts: 0 });
    expect(outcome.get('node-3')?.reason).toMatch(/^node pod not created: pods "cni-evidence-node-3-[a-z0-9]+" is forbidden: violates PodSecurity "baseline:latest": privileged \(container "collector" must not set securityContext.privileged=true\)$/);
    expect(b.at.get(nodePaths.ipRoute('node-3'))?.status).toBe('forbidden');
    expect(outcome.get('node-3')?.podDeleted).toBeUndefined();
  });

  it('a stream cut before the plan arrived fails that node and keeps the others', () => {
    expect(outcome.get('node-4')).toMatchObject({ status: 'failed', artifacts: 0 });
    // The server counts stdout and stderr (the wrapper's note about the host root) towards the cut.
    expect(outcome.get('node-4')?.reason).toMatch(/^the exec stream broke after \d{1,3} bytes, before the node's plan arrived(; stderr: cni-evidence: no usable \/bin\/sh under .*)?$/);
    expect(outcome.get('node-5')?.status).toBe('complete');
    expect(b.files.get(nodePaths.netD('node-5', '10-flannel.conflist'))).toContain('"name": "cbr0"');
    expect(b.manifest.completion.state).toBe('partial');
    for (const node of ['node-1', 'node-2', 'node-3', 'node-4']) expect(b.manifest.completion.reason).toContain(`node ${node}: `);
    expect(b.integrityOk).toBe(true);
  });

  it('deletes every pod it created, including the timed-out and cut ones', () => {
    expect(c.nodePods()).toEqual([]);
    const writes = c.podWrites();
    expect(writes.created).toBe(4);
    expect(writes.deleted).toHaveLength(4);
    expect(writes.deleted).toEqual(writes.named.filter((n) => !n.startsWith('cni-evidence-node-3-')));
  });

  it('a node script killed mid-stream keeps what arrived and records the missing steps', async () => {
    const { size, planEnd } = await dryRun(join(c.roots, 'node-5'));
    expect(planEnd).toBeGreaterThan(0);
    // Past plan.json (the script sends it first) and halfway through the artifacts.
    const cut = Math.floor((planEnd + size) / 2);
    c.server.clearFaults();
    c.server.setNodeBehavior('node-2', undefined);
    c.killAfter.set('node-5', cut);
    const late = await collectCluster({ output: join(c.dir, 'late-cut.tgz'), kubeconfig: c.kubeconfig, nodes: ['node-2', 'node-5'], nodeTimeoutMs: 10_000 });
    c.killAfter.clear();
    const lb = await readBack(join(c.dir, 'late-cut.tgz'));
    const five = late.summary.nodes.find((n) => n.node === 'node-5')!;
    expect(five.status).toBe('partial');
    expect(five.reason).toMatch(new RegExp(`^the node script ended early after ${cut} bytes \\(command terminated with non-zero exit code: .*exit code 137\\); \\d+ of \\d+ steps missing \\(\\d+ artifacts recorded as not collected\\)$`, 's'));
    const entries = lb.manifest.artifacts.filter((a) => a.node === 'node-5');
    expect(entries.filter((a) => a.status === 'ok').length).toBeGreaterThan(0);
    const missing = entries.filter((a) => a.status === 'failed' && a.error?.startsWith(`the node script ended early after ${cut} bytes`));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((a) => a.sha256 === null)).toBe(true);
    expect(late.summary.nodes.find((n) => n.node === 'node-2')?.status).toBe('complete');
    expect(lb.integrityOk).toBe(true);
    expect(c.nodePods()).toEqual([]);
  });
});
