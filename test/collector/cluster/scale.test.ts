/**
 * The benchmark's shape: 500 nodes, 5,000 pods, 50 of them stuck on 20 nodes, every request 20 ms
 * late and every node collection 2 s long. Time and memory targets live in `npm run bench`
 * (bench/RESULTS.md), never in a unit test; this checks the shape that makes them reachable:
 * lists in pages with field selectors, events fetched once, only the nodes in scope visited.
 *
 * Each node pod answers, after 2 s, with the tar the real node script wrote for a prepared root
 * (captured once), so ingestion does its full work 21 times without 21 shells running at once.
 */
import { pollPeakRss } from '../../../bench/measure.js';
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { NODE_WRAPPER } from '../../../collector/cluster/fan-out.js';
import { DEFAULT_MAX_BYTES, DEFAULT_TAIL_LINES } from '../../../collector/cluster/defaults.js';
import { planNode } from '../../../collector/node/plan.js';
import { renderPlanScript } from '../../../collector/node/sh-renderer.js';
import { nodeRecipe } from '../../../collector/sources/node/index.js';
import { BIN } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';
import { largeCluster } from '../../kube-api/fixtures.js';
import { startKubeApiServer } from '../../kube-api/server.js';
import { makeNodeRoot, readBack } from './helpers.js';

async function captureTar(root: string): Promise<Buffer> {
  const script = renderPlanScript(planNode(nodeRecipe, { tailLines: DEFAULT_TAIL_LINES, maxBytes: DEFAULT_MAX_BYTES }));
  const child = spawn('sh', ['-c', NODE_WRAPPER, 'cni-evidence-node', String(Buffer.byteLength(script))], { env: { ...process.env, CE_HOST: root }, stdio: ['pipe', 'pipe', 'ignore'] });
  child.stdin.end(script);
  const chunks: Buffer[] = [];
  for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}


describe('a 500-node cluster with 50 stuck pods on 20 nodes, 20 ms per request, 2 s per node', async () => {
  const dir = await tempDir('cni-evidence-scale-');
  await makeNodeRoot(join(dir, 'root'), 'node-x', '10.244.7.0/24');
  const tar = await captureTar(join(dir, 'root'));
  const server = await startKubeApiServer({
    fixture: largeCluster({ nodes: 500, pods: 5000, failingPods: 50, failingNodes: 20 }),
    faults: [{ path: /./, latencyMs: 20 }],
    execHandler: (ctx) => {
      const stdout = new PassThrough();
      const exit = new Promise<number>((resolve) => {
        const timer = setTimeout(() => {
          stdout.end(tar);
          resolve(0);
        }, 2000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve(137);
        });
      });
      ctx.stdin?.resume();
      return { stdout, stderr: null, exit };
    },
  });
  afterAll(() => server.close());
  const kubeconfig = join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfig);
  const out = join(dir, 'scale.tgz');
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, 'collect', '--kubeconfig', kubeconfig, '-o', out], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const peak = await pollPeakRss(child.pid!, exited);
  const code = await exited;
  const wallMs = Date.now() - started;

  it('collects with default workers and a bounded number of API requests, every node complete', async () => {
    const requests = server.requests.filter((r) => !r.path.endsWith('/exec')).length;
    const load = loadavg()[0]!;
    console.log(`500-node run: ${wallMs} ms wall (process start to exit), peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB, ${requests} API requests, load ${load.toFixed(1)} on ${cpus().length} CPUs`);
    expect(code, stderr).toBe(0);
    expect(peak).toBeGreaterThan(0);
    // Flat in cluster size: a few hundred requests for 500 nodes and 5,000 pods, not one per pod.
    expect(requests).toBeLessThan(400);
    const b = await readBack(out);
    expect(b.manifest.completion).toEqual({ state: 'complete' });
    expect(b.manifest.request.pods).toHaveLength(50);
    expect(b.manifest.request.nodes).toHaveLength(21);
    expect(b.manifest.request.options).toMatchObject({ workers: 16 });
    // No request per stuck pod: the Pending list found them all.
    expect(server.requests.filter((r) => /^\/api\/v1\/namespaces\/default\/pods\/[^/]+$/.test(r.path))).toEqual([]);
    expect(server.requests.filter((r) => r.path === '/api/v1/events')).toHaveLength(1);
  });
});
