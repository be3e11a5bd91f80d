/**
 * Ctrl-C in the middle of a collection: the built CLI, a real process, against a server that
 * answers every request 30 ms late and whose nodes are still streaming. It must delete every node
 * pod it created, write a valid partial bundle that says what is missing, and exit 1.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodePaths } from '../../../shared/bundle/paths.js';
import { BIN } from '../../helpers/cli.js';
import { readBack, startTestCluster } from './helpers.js';

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Ctrl-C mid-run', async () => {
  const c = await startTestCluster({
    // The first matching rule applies: exec sessions hang (collection is in flight when Ctrl-C
    // comes), every other request is 30 ms late.
    faults: [
      { path: /\/exec$/, exec: { hang: true } },
      { path: /./, latencyMs: 30 },
    ],
  });
  const out = join(c.dir, 'interrupted.tgz');
  const child = spawn(process.execPath, [BIN, 'collect', '--kubeconfig', c.kubeconfig, '-o', out, '--nodes', 'node-1,node-2,node-3', '--workers', '2', '--node-timeout', '60s'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  // Two workers: two nodes are streaming, the third is still queued.
  await waitFor(() => c.server.requests.filter((r) => r.path.endsWith('/exec') && r.status === 101).length === 2, 20_000, 'two exec sessions');
  const podsAtSigint = c.nodePods().map((p) => p.metadata.name).sort();
  const sentAt = Date.now();
  child.kill('SIGINT');
  const { code, signal } = await exited;
  const stopMs = Date.now() - sentAt;
  const b = await readBack(out);

  it('stops promptly and exits 1 with a partial bundle', () => {
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(stopMs).toBeLessThan(5000);
    expect(stderr).toContain('SIGINT: stopping; deleting node pods and writing a partial bundle');
    expect(stdout).toMatch(/^wrote .*interrupted\.tgz: /);
    expect(b.integrityOk).toBe(true);
    expect(b.manifest.completion.state).toBe('partial');
    expect(b.manifest.completion.reason).toMatch(/^interrupted \(SIGINT\); node node-1: skipped \(interrupted while collecting\); node node-2: skipped \(interrupted while collecting\); node node-3: skipped \(not collected: the collection was interrupted\)/);
  });

  it('says per node what is missing', () => {
    expect(b.at.get(nodePaths.iptablesSave('node-1'))).toMatchObject({ status: 'skipped', error: 'interrupted while collecting', sha256: null });
    expect(b.at.get(nodePaths.iptablesSave('node-3'))).toMatchObject({ status: 'skipped', error: 'not collected: the collection was interrupted' });
    // Cluster evidence gathered before Ctrl-C is in the bundle.
    expect(b.at.get('cluster/nodes.json')?.status).toBe('ok');
  });

  it('deleted every node pod it created', () => {
    expect(podsAtSigint).toHaveLength(2);
    expect(c.nodePods()).toEqual([]);
    const writes = c.podWrites();
    expect(writes.created).toBe(2);
    expect(writes.deleted).toEqual(podsAtSigint);
  });
});
