/**
 * An identity that may list nodes, pods and events but may not read kube-system ConfigMaps, any
 * pod log, or create pods: the preflight says so up front, the artifacts are `forbidden` with the
 * API server's own message, and the run still writes a (partial) bundle and exits 1.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterPaths, nodePaths } from '../../../shared/bundle/paths.js';
import { DEFAULT_ADMIN } from '../../kube-api/server.js';
import { runCli } from '../../helpers/cli.js';
import { LIMITED_USER, readBack, startTestCluster } from './helpers.js';

interface Check {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  allowed: boolean | null;
}

describe('an RBAC-limited identity', async () => {
  const c = await startTestCluster({ users: [DEFAULT_ADMIN, LIMITED_USER], user: 'limited' });
  const out = join(c.dir, 'limited.tgz');
  const run = await runCli(['collect', '--kubeconfig', c.kubeconfig, '-o', out, '--node-timeout', '10s']);
  const b = await readBack(out);

  it('still writes a valid bundle, partial, and exits 1', () => {
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^wrote .*limited\.tgz: 1 pod\(s\), 0 of 2 node\(s\), \d+ files, /);
    expect(run.stdout).toContain('partial: some evidence is missing (cni-evidence inspect lists it):');
    expect(b.integrityOk).toBe(true);
    expect(b.manifest.completion.state).toBe('partial');
    expect(b.manifest.completion.reason).toMatch(/\d+ cluster artifact\(s\) not collected in full \(\d+ forbidden\)/);
  });

  it('says up front, from SelfSubjectAccessReviews, what it may not read', () => {
    expect(run.stderr).toContain('warning: may not get pods/log (kube-system, kube-flannel): cluster/logs: CNI agent and kube-proxy logs on the nodes in scope');
    expect(run.stderr).toContain('warning: may not get configmaps (kube-system/kube-flannel-cfg, kube-system/cilium-config, kube-system/calico-config, kube-system/kube-proxy, kube-system/kubeadm-config, kube-system/aws-node, kube-system/amazon-vpc-cni)');
    expect(run.stderr).toContain('warning: may not create pods (kube-system): node evidence: the short-lived privileged pod on each node');
    const review = JSON.parse(b.files.get(clusterPaths.accessReview)!) as { checks: Check[]; summary: Record<string, number> };
    const allowed = (verb: string, resource: string, namespace?: string, name?: string): boolean | null | undefined =>
      review.checks.find((k) => k.verb === verb && `${k.resource}${k.subresource ? `/${k.subresource}` : ''}` === resource && k.namespace === namespace && k.name === name)?.allowed;
    expect(allowed('list', 'nodes')).toBe(true);
    expect(allowed('list', 'events')).toBe(true);
    expect(allowed('get', 'configmaps', 'kube-flannel', 'kube-flannel-cfg')).toBe(true);
    expect(allowed('get', 'configmaps', 'kube-system', 'kube-proxy')).toBe(false);
    expect(allowed('get', 'pods/log', 'kube-flannel')).toBe(false);
    expect(allowed('create', 'pods/exec', 'kube-system')).toBe(false);
    expect(review.summary.unknown).toBe(0);
    expect(c.server.requests.filter((r) => r.path.endsWith('/selfsubjectaccessreviews')).every((r) => r.status === 201 && r.user === 'limited')).toBe(true);
  });

  it('records refused reads as forbidden with the API message, and keeps the rest', () => {
    expect(b.at.get(clusterPaths.configMap('kube-system', 'kube-proxy'))).toMatchObject({
      status: 'forbidden',
      sha256: null,
      error: 'configmaps "kube-proxy" is forbidden: User "limited" cannot get resource "configmaps" in API group "" in the namespace "kube-system"',
    });
    expect(b.at.get(clusterPaths.configMap('kube-flannel', 'kube-flannel-cfg'))?.status).toBe('ok');
    expect(b.at.get(clusterPaths.containerLog('kube-flannel', 'kube-flannel-ds-v4xqz', 'kube-flannel', true))).toMatchObject({
      status: 'forbidden',
      error: 'pods "kube-flannel-ds-v4xqz" is forbidden: User "limited" cannot get resource "pods/log" in API group "" in the namespace "kube-flannel"',
    });
    expect(b.at.get(nodePaths.ipAddr('node-2'))).toMatchObject({
      status: 'forbidden',
      error: 'node pod not created: pods is forbidden: User "limited" cannot create resource "pods" in API group "" in the namespace "kube-system"',
    });
    for (const path of [clusterPaths.nodes, clusterPaths.events, clusterPaths.pods, clusterPaths.describe('default', 'web-7r2rngql75-6w8j6')]) expect(b.at.get(path)?.status).toBe('ok');
    expect(JSON.parse(b.files.get(clusterPaths.events)!).items.length).toBeGreaterThan(4);
  });

  it('creates no pod it may not create, and leaves none behind', () => {
    expect(c.podWrites().created).toBe(0);
    expect(c.nodePods()).toEqual([]);
    expect(c.server.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/kube-system/pods').map((r) => r.status)).toEqual([403, 403]);
  });
});
