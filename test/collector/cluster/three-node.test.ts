import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterPaths, nodePaths } from '../../../shared/bundle/paths.js';
import { collectCluster } from '../../../collector/cluster/collect-cluster.js';
import { readBack, startTestCluster } from './helpers.js';

const STUCK = 'web-7r2rngql75-6w8j6';
const FLANNEL_NODE_2 = 'kube-flannel-ds-v4xqz';

describe('collect from a 3-node flannel cluster whose node-2 cannot start pods', async () => {
  const c = await startTestCluster({ lifecycle: { nodes: { 'node-2': { kind: 'never-running' } } } });
  const out = join(c.dir, 'bundle.tgz');
  const started = Date.now();
  const result = await collectCluster({ output: out, kubeconfig: c.kubeconfig, nodeTimeoutMs: 20_000 });
  const wallMs = Date.now() - started;
  const b = await readBack(out);
  const json = (path: string): Record<string, unknown> & { items: Array<Record<string, any>> } => JSON.parse(b.files.get(path) ?? 'null');

  it('scopes the ContainerCreating pod, its node, and a healthy worker of the same kind for contrast', () => {
    expect(result.summary.scope.pods).toEqual([`default/${STUCK}`]);
    expect(result.summary.scope.nodes).toEqual(['node-2', 'node-3']);
    // node-1 is Ready too, but it is the control plane: not the same kind as the worker node-2.
    expect(result.summary.scope.contrast?.name).toBe('node-3');
    expect(result.summary.scope.contrast?.sameAs).toEqual(expect.arrayContaining(['role worker', 'OS linux', 'runtime containerd://1.7.24']));
    expect(b.manifest.request).toMatchObject({ namespaces: ['default'], pods: [`default/${STUCK}`], nodes: ['node-2', 'node-3'], context: 'kube-api-test' });
    expect(b.manifest.request.options).toMatchObject({ scope: { mode: 'default', why: { [`default/${STUCK}`]: ['ContainerCreating', 'event FailedCreatePodSandBox'] } } });
    expect(b.integrityOk).toBe(true);
  });

  it('records node-2 as failed with the kubelet reason and keeps node-3 in full', async () => {
    const byNode = new Map(result.summary.nodes.map((n) => [n.node, n]));
    expect(byNode.get('node-2')).toMatchObject({ status: 'failed', artifacts: 0, podDeleted: true });
    expect(byNode.get('node-2')?.reason).toMatch(/^node pod cannot start: FailedCreatePodSandBox: .*"cni0" already has an IP address different from 10\.244\.1\.1\/24$/);
    expect(b.at.get(nodePaths.ipAddr('node-2'))).toMatchObject({ status: 'failed', node: 'node-2', sha256: null });
    expect(b.at.get(nodePaths.ipAddr('node-2'))?.error).toContain('FailedCreatePodSandBox');
    expect(b.at.get(nodePaths.netDListing('node-2'))?.status).toBe('failed');

    expect(byNode.get('node-3')).toMatchObject({ status: 'complete', podDeleted: true });
    expect(byNode.get('node-3')!.artifacts).toBeGreaterThan(15);
    const conflist = await readFile(join(c.roots, 'node-3/etc/cni/net.d/10-flannel.conflist'), 'utf8');
    expect(b.files.get(nodePaths.netD('node-3', '10-flannel.conflist'))).toBe(conflist);
    expect(b.at.get(nodePaths.netD('node-3', '10-flannel.conflist'))).toMatchObject({ status: 'ok', source: { kind: 'file', path: '/etc/cni/net.d/10-flannel.conflist' }, fileMode: '-rw-r--r--' });
    expect(b.files.get(nodePaths.flannelSubnetEnv('node-3'))).toContain('FLANNEL_SUBNET=10.244.2.1/24');
    expect(b.files.get(nodePaths.netDListing('node-3'))).toContain('10-flannel.conflist');
    expect(b.files.get(nodePaths.binListing('node-3'))).toContain('flannel');
    expect([...b.at.keys()].some((p) => p.startsWith('nodes/node-1/'))).toBe(false);
    expect(b.manifest.completion.state).toBe('partial');
    expect(b.manifest.completion.reason).toMatch(/^node node-2: failed \(node pod cannot start: FailedCreatePodSandBox/);
  });

  it('writes the cluster evidence at the contract paths, as kubectl -o json would', () => {
    expect(json(clusterPaths.version)).toMatchObject({ gitVersion: 'v1.32.4', platform: 'linux/amd64' });
    const nodes = json(clusterPaths.nodes);
    expect(nodes).toMatchObject({ apiVersion: 'v1', kind: 'NodeList' });
    expect(nodes.items.map((n) => [n.kind, n.apiVersion, n.metadata.name, n.spec.podCIDR])).toEqual([
      ['Node', 'v1', 'node-1', '10.244.0.0/24'],
      ['Node', 'v1', 'node-2', '10.244.1.0/24'],
      ['Node', 'v1', 'node-3', '10.244.2.0/24'],
    ]);
    expect(nodes.items[1]!.status.nodeInfo).toMatchObject({ kernelVersion: '6.1.0-28-amd64', containerRuntimeVersion: 'containerd://1.7.24', kubeletVersion: 'v1.32.4' });
    const pods = json(clusterPaths.pods);
    expect(pods.kind).toBe('PodList');
    expect(pods.items.map((p) => `${p.kind} ${p.metadata.name} ${p.status.containerStatuses[0].state.waiting.reason}`)).toEqual([`Pod ${STUCK} ContainerCreating`]);

    const events = json(clusterPaths.events);
    expect(events).toMatchObject({ apiVersion: 'v1', kind: 'EventList' });
    const rows = events.items.map((e) => `${e.type} ${e.reason} ${e.involvedObject.name}`);
    expect(rows.filter((r) => r === `Warning FailedCreatePodSandBox ${STUCK}`)).toHaveLength(4);
    expect(rows).toContain(`Normal Scheduled ${STUCK}`);
    // Warnings from the nodes in scope: flannel crash-looping on node-2 is the root of it.
    expect(rows).toContain(`Warning BackOff ${FLANNEL_NODE_2}`);
    expect(rows.some((r) => r.includes('web-7r2rngql75-f8scb'))).toBe(false);
    expect(events.items.every((e) => e.kind === 'Event' && e.apiVersion === 'v1')).toBe(true);

    expect(json(clusterPaths.namespacePods('kube-flannel')).items).toHaveLength(3);
    expect(json(clusterPaths.namespacePods('kube-system')).items.map((p) => p.metadata.name)).toContain('kube-proxy-psn57');
    const ds = json(clusterPaths.namespaceDaemonSets('kube-flannel'));
    expect(ds).toMatchObject({ apiVersion: 'apps/v1', kind: 'DaemonSetList' });
    expect(ds.items[0]).toMatchObject({ kind: 'DaemonSet', apiVersion: 'apps/v1', metadata: { name: 'kube-flannel-ds' }, status: { desiredNumberScheduled: 3, numberReady: 2 } });
    // Namespaces the cluster does not have are not asked for at all.
    expect(b.at.has(clusterPaths.namespacePods('calico-system'))).toBe(false);
  });

  it('keeps CNI and kube-proxy ConfigMaps through the redaction filter (on by default)', () => {
    expect(b.files.get(clusterPaths.configMap('kube-flannel', 'kube-flannel-cfg'))).toContain('\\"Network\\": \\"10.244.0.0/16\\"');
    expect(b.files.get(clusterPaths.configMap('kube-system', 'kubeadm-config'))).toContain('serviceSubnet: 10.96.0.0/12');
    const proxy = JSON.parse(b.files.get(clusterPaths.configMap('kube-system', 'kube-proxy'))!) as { kind: string; data: Record<string, string> };
    expect(proxy.kind).toBe('ConfigMap');
    // A path that names a token file is not a secret: the shared engine keeps it (docs/redaction.md).
    expect(proxy.data['kubeconfig.conf']).toContain('tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token');
    expect(b.manifest.redaction.enabled).toBe(true);
    expect(proxy.data['config.conf']).toContain('clusterCIDR: 10.244.0.0/16');
    expect(b.at.get(clusterPaths.configMap('kube-system', 'kube-proxy'))?.redactions).toBeUndefined();
    expect(b.at.get(clusterPaths.configMap('kube-system', 'cilium-config'))).toMatchObject({ status: 'absent', error: 'configmaps "cilium-config" not found (HTTP 404)' });
  });

  it('fetches the CNI agent logs of the nodes in scope, previous logs after a restart', () => {
    const previous = b.files.get(clusterPaths.containerLog('kube-flannel', FLANNEL_NODE_2, 'kube-flannel', true));
    expect(previous).toMatch(/^\d{4}-\d\d-\d\dT\S+Z I\d{4} /);
    expect(previous).toContain('link has incompatible addresses');
    expect(b.at.get(clusterPaths.containerLog('kube-flannel', FLANNEL_NODE_2, 'install-cni'))).toMatchObject({ status: 'ok', bytes: 0 });
    expect(b.files.get(clusterPaths.containerLog('kube-system', 'kube-proxy-psn57', 'kube-proxy'))).toContain('Using iptables Proxier');
    const logs = [...b.at.keys()].filter((p) => p.startsWith('cluster/logs/'));
    // Agents on node-2 and node-3 only: 2 flannel pods x 3 containers + 1 previous + 2 kube-proxy.
    expect(logs).toHaveLength(9);
    expect(logs.some((p) => p.includes('kube-flannel-ds-5d6mm'))).toBe(false);
  });

  it('renders describe text and the access review', () => {
    const text = b.files.get(clusterPaths.describe('default', STUCK))!;
    expect(text).toMatch(/^Name:\s+web-7r2rngql75-6w8j6\nNamespace:\s+default\n/);
    expect(text).toContain('Node:             node-2/192.168.56.12');
    expect(text).toMatch(/Warning {2}FailedCreatePodSandBox {2}\S+ \(x\d+ over \S+\) {2}kubelet {12}\(combined from similar events\)/);
    expect(b.at.get(clusterPaths.describe('default', STUCK))?.source).toEqual({ kind: 'derived', from: ['cluster/pods.json', 'cluster/events.json'] });
    const review = JSON.parse(b.files.get(clusterPaths.accessReview)!) as { summary: Record<string, number>; checks: Array<{ allowed: boolean }> };
    expect(review.summary).toEqual({ allowed: review.checks.length, denied: 0, unknown: 0 });
  });

  it('deletes every node pod it created, and stays cheap', () => {
    expect(c.nodePods()).toEqual([]);
    const writes = c.podWrites();
    expect(writes.created).toBe(2);
    expect(writes.deleted).toEqual(writes.named);
    expect(writes.deleted).toHaveLength(2);
    const pod = c.server.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/kube-system/pods');
    expect(pod?.status).toBe(201);
    console.log(`3-node run: ${result.summary.requests} API requests, ${result.summary.nodePodsCreated} node pods, ${wallMs} ms wall, ${b.manifest.artifacts.length} manifest entries`);
    expect(result.summary.requests).toBeLessThan(90);
    expect(wallMs).toBeLessThan(8000);
  });
});
