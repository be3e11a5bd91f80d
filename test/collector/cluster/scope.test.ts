import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeApi } from '../../../collector/cluster/api.js';
import { discover, type Discovery } from '../../../collector/cluster/scope.js';
import { largeCluster } from '../../kube-api/fixtures.js';
import { startKubeApiServer } from '../../kube-api/server.js';
import type { CoreEvent, Node, Pod } from '../../kube-api/types.js';

/**
 * Six nodes: node-1 control plane; workers node-2..node-6. node-2 (m5.large, pool-a) runs the
 * stuck pods; node-3 is another kind (c5.xlarge, pool-b) and holds a pod whose kill failed;
 * node-4 is like node-2 but NotReady, node-6 like node-2 but its network is not ready, and node-5
 * like node-2 and healthy: the contrast node to pick.
 */
function fixture() {
  const f = largeCluster({ nodes: 6, pods: 20, failingPods: 3, failingNodes: 1 });
  const kinds: Record<string, [string, string]> = { 'node-2': ['m5.large', 'pool-a'], 'node-3': ['c5.xlarge', 'pool-b'], 'node-4': ['m5.large', 'pool-a'], 'node-5': ['m5.large', 'pool-a'], 'node-6': ['m5.large', 'pool-a'] };
  for (const node of f.nodes as Node[]) {
    const kind = kinds[node.metadata.name];
    if (kind) Object.assign(node.metadata.labels!, { 'node.kubernetes.io/instance-type': kind[0], 'eks.amazonaws.com/nodegroup': kind[1] });
    if (node.metadata.name === 'node-4') {
      const ready = node.status.conditions!.find((c) => c.type === 'Ready')!;
      Object.assign(ready, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    }
  }
  const template = f.pods.find((p) => p.metadata.namespace === 'default' && p.status.phase === 'Running' && p.spec.nodeName === 'node-3') as Pod;
  const event = (name: string, involved: CoreEvent['involvedObject'], reason: string, message: string, host: string): CoreEvent => ({
    metadata: { name, namespace: involved.namespace ?? 'default', uid: `uid-${name}` },
    involvedObject: involved,
    reason,
    message,
    type: 'Warning',
    source: { component: 'kubelet', host },
    firstTimestamp: '2026-11-22T10:20:00Z',
    lastTimestamp: '2026-11-22T10:29:00Z',
    count: 3,
  });
  const stuckShop: Pod = structuredClone(f.pods.find((p) => p.status.phase === 'Pending') as Pod);
  Object.assign(stuckShop.metadata, { name: 'cart-0', namespace: 'shop', uid: 'uid-cart-0', ownerReferences: [] });
  stuckShop.metadata.labels = { app: 'cart' };
  const unschedulable: Pod = structuredClone(template);
  Object.assign(unschedulable.metadata, { name: 'unscheduled-0', uid: 'uid-unscheduled' });
  unschedulable.spec.nodeName = undefined;
  unschedulable.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] };
  // The collector's own pods: one of this run, stuck like the others, and a gone one of an earlier run.
  const ownPod: Pod = structuredClone(stuckShop);
  Object.assign(ownPod.metadata, { name: 'cni-evidence-node-2-bcd23', namespace: 'kube-system', uid: 'uid-own', labels: { 'app.kubernetes.io/name': 'cni-evidence' } });
  f.pods.push(stuckShop, unschedulable, ownPod);
  f.namespaces.push({ metadata: { name: 'shop', uid: 'uid-ns-shop' }, status: { phase: 'Active' } });
  f.events.push(
    event('kill-failed', { kind: 'Pod', namespace: 'default', name: template.metadata.name, uid: template.metadata.uid }, 'FailedKillPod', 'error killing pod: failed to "KillPodSandbox" for "x" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"055b\\": failed to get network \\"cbr0\\" cached result: decoding version from network config: unexpected end of JSON input"', 'node-3'),
    event('gone', { kind: 'Pod', namespace: 'default', name: 'gone-pod', uid: 'uid-gone' }, 'FailedCreatePodSandBox', 'Failed to create pod sandbox: ...', 'node-2'),
    event('own-gone', { kind: 'Pod', namespace: 'kube-system', name: 'cni-evidence-node-6-fgh45', uid: 'uid-own-gone' }, 'FailedCreatePodSandBox', 'Failed to create pod sandbox: ...', 'node-6'),
    event('own-live', { kind: 'Pod', namespace: 'kube-system', name: 'cni-evidence-node-2-bcd23', uid: 'uid-own' }, 'FailedCreatePodSandBox', 'Failed to create pod sandbox: ...', 'node-2'),
    event('netnotready', { kind: 'Node', name: 'node-6', uid: 'node-6' }, 'NetworkNotReady', 'network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized', 'node-6'),
  );
  return { f, runningOnNode3: template.metadata.name };
}

describe('default scope discovery', async () => {
  const { f, runningOnNode3 } = fixture();
  const server = await startKubeApiServer({ fixture: f });
  afterAll(() => server.close());
  const kc = new KubeConfig();
  kc.loadFromString(server.kubeconfigYaml());
  const stuck = f.pods.filter((p) => p.metadata.namespace === 'default' && p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'ContainerCreating').map((p) => `default/${p.metadata.name}`);

  async function run(request: Parameters<typeof discover>[1], pageSize = 500): Promise<{ d: Discovery; requests: typeof server.requests }> {
    const before = server.requests.length;
    const api = new KubeApi(kc, { pageSize });
    try {
      const d = await discover(api, request);
      return { d, requests: server.requests.slice(before) };
    } finally {
      api.close();
    }
  }

  it('finds the ContainerCreating pods and the pods named by FailedCreatePodSandBox/FailedKillPod events', async () => {
    const { d } = await run({ namespaces: [], pods: [] });
    expect(stuck).toHaveLength(3);
    const why = Object.fromEntries(d.scope.pods.map((p) => [`${p.pod.metadata.namespace}/${p.pod.metadata.name}`, p.reasons]));
    expect(why).toEqual({
      ...Object.fromEntries(stuck.map((k) => [k, ['ContainerCreating', 'event FailedCreatePodSandBox']])),
      [`default/${runningOnNode3}`]: ['event FailedKillPod'],
      'shop/cart-0': ['ContainerCreating'],
    });
    // The collector's own node pods never count, live or gone, and a gone one is not worth a note.
    expect(d.scope.notes).toEqual(['default/gone-pod has sandbox events but no longer exists']);
    expect(d.scope.mode).toBe('default');
  });

  it('visits the nodes of those pods plus the healthy node most like them', async () => {
    const { d } = await run({ namespaces: [], pods: [] });
    // node-2 holds the most pods in scope, so it is the reference for "same kind".
    expect(d.scope.failingNodes).toEqual(['node-2', 'node-3']);
    expect(d.scope.contrast?.name).toBe('node-5');
    expect(d.scope.contrast?.sameAs).toEqual(['role worker', 'instance type m5.large', 'node group pool-a', 'OS linux', 'architecture amd64', 'runtime containerd://1.7.24', 'kernel 6.1.0-28-amd64', 'OS image Debian GNU/Linux 12 (bookworm)', 'kubelet v1.32.4']);
    expect(d.scope.nodes).toEqual(['node-2', 'node-3', 'node-5']);
  });

  it('asks with paged, field-selected lists: no request per stuck pod, events fetched once', async () => {
    const { requests } = await run({ namespaces: [], pods: [] }, 4);
    const lines = requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.query)}`);
    const podLists = requests.filter((r) => r.path === '/api/v1/pods');
    expect(podLists.every((r) => r.query.fieldSelector === 'status.phase=Pending' && r.query.limit === '4')).toBe(true);
    // 3 + 1 Pending pods in default, 1 in shop, the unscheduled one: 6 items in pages of 4.
    expect(podLists).toHaveLength(2);
    expect(podLists[1]?.query.continue).toBeTruthy();
    expect(requests.filter((r) => r.path === '/api/v1/events')).toHaveLength(Math.max(1, Math.ceil(f.events.filter((e) => e.type === 'Warning').length / 4)));
    expect(requests.filter((r) => r.path === '/api/v1/events').every((r) => r.query.fieldSelector === 'type=Warning')).toBe(true);
    // Only the pods that are not Pending are fetched one by one: the FailedKillPod one and the gone one.
    const single = requests.filter((r) => /^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+$/.test(r.path));
    expect(single.map((r) => `${r.path} ${r.status}`).sort()).toEqual([
      `/api/v1/namespaces/default/pods/${runningOnNode3} 200`,
      '/api/v1/namespaces/default/pods/gone-pod 404',
      '/api/v1/namespaces/kube-system/pods/cni-evidence-node-6-fgh45 404',
    ]);
    expect(lines).toContain(`GET /api/v1/namespaces/shop/events ${JSON.stringify({ fieldSelector: 'involvedObject.kind=Pod,type!=Warning', limit: '4' })}`);
    expect(requests.filter((r) => r.path === '/api/v1/nodes').length).toBe(2);
  });

  it('-n restricts the pods; --pod, --selector and --nodes replace the discovery', async () => {
    const onlyDefault = await run({ namespaces: ['default'], pods: [] });
    expect(onlyDefault.d.scope.pods.map((p) => p.pod.metadata.namespace)).not.toContain('shop');
    expect(onlyDefault.requests.some((r) => r.path === '/api/v1/namespaces/default/pods' && r.query.fieldSelector === 'status.phase=Pending')).toBe(true);

    const named = await run({ namespaces: [], pods: [`default/${runningOnNode3}`, 'default/nope'] });
    expect(named.d.scope.mode).toBe('explicit');
    expect(named.d.scope.pods.map((p) => [p.pod.metadata.name, p.reasons])).toEqual([[runningOnNode3, ['--pod']]]);
    expect(named.d.scope.missingPods).toEqual(['default/nope']);
    expect(named.d.scope.nodes[0]).toBe('node-3');
    expect(named.requests.some((r) => r.query.fieldSelector === 'status.phase=Pending')).toBe(false);

    const selected = await run({ namespaces: ['shop'], pods: [], selector: 'app=cart' });
    expect(selected.d.scope.pods.map((p) => [p.pod.metadata.name, p.reasons])).toEqual([['cart-0', ['--selector']]]);

    const nodes = await run({ namespaces: [], pods: [], nodes: ['node-3', 'node-9'] });
    expect(nodes.d.scope).toMatchObject({ nodes: ['node-3', 'node-9'], unknownNodes: ['node-9'], contrast: null });

    const capped = await run({ namespaces: [], pods: [], maxNodes: 2 });
    expect(capped.d.scope).toMatchObject({ nodes: ['node-2', 'node-5'], overflowNodes: ['node-3'] });
  });
});
