/**
 * The collect and merge commands as a user runs them (the built bin): cluster-only collection,
 * --node-only on this machine, merging the two, and the usage errors that must not cost a run.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterPaths, nodePaths } from '../../../shared/bundle/paths.js';
import { runCli } from '../../helpers/cli.js';
import { makeNodeRoot, readBack, startTestCluster } from './helpers.js';

describe('cni-evidence collect and merge on the command line', async () => {
  const c = await startTestCluster();

  it('--no-node-evidence collects the cluster half only, and says so per node', async () => {
    const out = join(c.dir, 'cluster-only.tgz');
    const run = await runCli(['collect', '--kubeconfig', c.kubeconfig, '-o', out, '--no-node-evidence', '-n', 'default', '--since', '2h', '--tail-lines', '50']);
    expect(run.code).toBe(0);
    const b = await readBack(out);
    expect(b.manifest.completion).toEqual({ state: 'complete' });
    expect(b.at.get(nodePaths.ipAddr('node-2'))).toMatchObject({ status: 'skipped', error: 'not collected: --no-node-evidence' });
    expect(b.manifest.request.options).toMatchObject({ nodeEvidence: false, sinceSeconds: 7200, tailLines: 50, asked: { namespaces: ['default'] } });
    expect(c.podWrites().created).toBe(0);
    const log = c.server.requests.find((r) => r.path.endsWith('/log'));
    expect(log?.query).toMatchObject({ tailLines: '50', sinceSeconds: '7200', timestamps: 'true' });
  });

  it('--node-only collects this machine, and merge joins it with the cluster bundle', async () => {
    const root = join(c.dir, 'local-root');
    await makeNodeRoot(root, 'node-9', '10.244.9.0/24');
    const nodeOut = join(c.dir, 'node-9.tgz');
    const node = await runCli(['collect', '--node-only', '--host-root', root, '--node-name', 'node-9', '-o', nodeOut, '--tail-lines', '10']);
    expect(node.stderr).toBe('');
    expect(node.code).toBe(0);
    expect(node.stdout).toMatch(/^wrote .*node-9\.tgz: node node-9, \d+ files, /);
    const merged = join(c.dir, 'merged.tgz');
    const run = await runCli(['merge', join(c.dir, 'cluster-only.tgz'), nodeOut, '-o', merged]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*merged\.tgz: 2 bundles, \d+ files, /);
    const b = await readBack(merged);
    expect(b.manifest.mode).toBe('merge');
    expect(b.files.get(nodePaths.flannelSubnetEnv('node-9'))).toContain('FLANNEL_SUBNET=10.244.9.1/24');
    expect(b.at.get(clusterPaths.nodes)?.status).toBe('ok');
  });

  it.each([
    [['collect', '--pod', 'web', '-n', 'a', '-n', 'b'], 'error: --pod web has no namespace and -n was given more than once', 'hint: Write it as namespace/name.'],
    [['collect', '--workers', '0'], 'error: --workers must be a whole number of at least 1, not "0"', 'hint: For example --workers 16.'],
    [['collect', '--since', 'yesterday'], 'error: --since "yesterday" is not a duration', 'hint: Use a duration like 30s, 5m or 1h30m'],
    [['collect', '--node-only', '--pod', 'default/x'], 'error: --node-only collects this machine; -n, --pod and --nodes are for cluster collection', 'hint: Use --node-name'],
    [['collect', '--host-root', '/host'], 'error: --host-root only applies with --node-only', 'hint: Add --node-only'],
    [['collect', '--context', 'nope'], 'error: context "nope" is not in the kubeconfig', 'hint: Pick one of: kube-api-test'],
  ])('a usage mistake is a message and hint, exit 2, no bundle: %j', async (args, message, hint) => {
    const out = join(c.dir, `usage-${Math.random().toString(36).slice(2)}.tgz`);
    const run = await runCli([...args, '--kubeconfig', c.kubeconfig, '-o', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain(hint);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('an unreachable cluster is exit 2 with no bundle', async () => {
    const dead = join(c.dir, 'dead-kubeconfig');
    const { writeFile, stat } = await import('node:fs/promises');
    await writeFile(dead, (await import('node:fs')).readFileSync(c.kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'));
    const out = join(c.dir, 'dead.tgz');
    const run = await runCli(['collect', '--kubeconfig', dead, '-o', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: cannot reach the API server at https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/m);
    expect(run.stderr).toContain('hint: Check that `kubectl get --raw /version` works');
    expect(await stat(out).catch(() => null)).toBeNull();
  });
});
