import { describe, expect, it } from 'vitest';
import { k8sJsonParser, type K8sRecord } from '../../../analyzer/parsers/k8s-json.js';
import { fixture } from './helpers.js';

const parse = (name: string) => k8sJsonParser.parse(fixture(name, 'k8s'), `cluster/${name}`);
const only = <K extends K8sRecord['kind']>(records: K8sRecord[], kind: K) => records.filter((r): r is Extract<K8sRecord, { kind: K }> => r.kind === kind);

describe('k8s-json: typed lists written with JSON.stringify(x, null, 2)', () => {
  it('PodList: a pod stuck in ContainerCreating and a crash-looping host-network flannel pod', () => {
    const { records, problems } = parse('pods.json');
    expect(problems).toEqual([]);
    const pods = only(records, 'k8s-pod');
    expect(pods.map((p) => [p.name, p.line])).toEqual([['web-0', 10], ['kube-flannel-ds-x7k2p', 81]]);
    expect(pods[0]).toEqual({
      kind: 'k8s-pod', file: 'cluster/pods.json', line: 10, name: 'web-0', namespace: 'default', uid: '1b77faa7-5bc3-4b87-a56b-97918872b6f4',
      creationTimestamp: '2026-11-22T09:30:00Z', labels: { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-0' }, annotations: {},
      nodeName: 'node-1', phase: 'Pending', hostIP: '10.0.0.5', startTime: '2026-11-22T09:30:01Z', hostNetwork: false, podIPs: [],
      serviceAccountName: 'default',
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: '2026-11-22T09:30:01Z' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [nginx]' },
        { type: 'PodScheduled', status: 'True' },
      ],
      containerStatuses: [{ name: 'nginx', init: false, ready: false, started: false, restartCount: 0, image: 'nginx:1.25', state: { state: 'waiting', reason: 'ContainerCreating' } }],
      containers: [{ name: 'nginx', image: 'nginx:1.25', init: false }],
      ownerReferences: [{ kind: 'StatefulSet', name: 'web', uid: 'aaaa-bbbb', controller: true }],
    });
    expect(pods[1]).toMatchObject({
      hostNetwork: true, podIP: '10.0.0.5', podIPs: ['10.0.0.5'], deletionTimestamp: '2026-11-22T09:40:00Z', phase: 'Running',
      containers: [
        { name: 'install-cni-plugin', image: 'docker.io/flannel/flannel-cni-plugin:v1.4.0', init: true },
        { name: 'kube-flannel', image: 'docker.io/flannel/flannel:v0.25.1', init: false },
      ],
    });
    expect(pods[1]!.containerStatuses).toEqual([
      { name: 'install-cni-plugin', init: true, ready: true, restartCount: 0, state: { state: 'terminated', exitCode: 0, reason: 'Completed', startedAt: '2026-11-22T09:00:00Z', finishedAt: '2026-11-22T09:00:01Z' } },
      {
        name: 'kube-flannel', init: false, ready: false, restartCount: 27,
        state: { state: 'waiting', reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container=kube-flannel pod=kube-flannel-ds-x7k2p_kube-flannel(22222222-2222-2222-2222-222222222222)' },
        lastState: { state: 'terminated', exitCode: 1, reason: 'Error', message: 'E0219 14:44:38.250514       1 network.go:102] failed to register network: failed to acquire lease: node "node-1" pod cidr not assigned' },
      },
    ]);
  });

  it('EventList: core/v1 counts and series, the best time for a timeline', () => {
    const { records, problems } = parse('events.json');
    expect(problems).toEqual([]);
    const events = only(records, 'k8s-event');
    expect(events[0]).toEqual({
      kind: 'k8s-event', file: 'cluster/events.json', line: 8, name: 'web-0.17a9c1f0b2d3e4f5', namespace: 'default', uid: 'ev-1',
      involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'default', uid: '1b77faa7-5bc3-4b87-a56b-97918872b6f4' },
      reason: 'FailedCreatePodSandBox', type: 'Warning', count: 23,
      message: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized',
      firstTimestamp: '2026-11-22T09:30:02Z', lastTimestamp: '2026-11-22T09:35:10Z', source: { component: 'kubelet', host: 'node-1' },
      reportingController: 'kubelet', reportingInstance: 'node-1', time: '2026-11-22T09:35:10Z',
    });
    expect(events[1]).toMatchObject({
      line: 36, reason: 'CIDRNotAvailable', involvedObject: { kind: 'Node', name: 'node-1' }, count: 4,
      series: { count: 4, lastObservedTime: '2026-11-22T09:29:00.000000Z' }, eventTime: '2026-11-22T09:20:00.000000Z', time: '2026-11-22T09:29:00.000000Z',
    });
  });

  it('NodeList: Ready reason, podCIDRs, taints, node pool and instance type, max pods', () => {
    const { records, problems } = parse('nodes.json');
    expect(problems).toEqual([]);
    const [eks, gke] = only(records, 'k8s-node');
    expect(eks).toMatchObject({
      line: 8, name: 'ip-10-0-0-5.ec2.internal', podCIDRs: [], internalIP: '10.0.0.5', providerID: 'aws:///us-east-1a/i-0123456789abcdef0',
      ready: { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized' },
      taints: [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule', timeAdded: '2026-11-22T09:00:00Z' }],
      nodePool: { provider: 'eks', name: 'storage', label: 'eks.amazonaws.com/nodegroup' }, instanceType: 'd3en.12xlarge', zone: 'us-east-1a',
      roles: ['worker'], maxPods: 234, unschedulable: false,
      nodeInfo: { kernelVersion: '5.10.199-190.747.amzn2.x86_64', osImage: 'Amazon Linux 2', containerRuntimeVersion: 'containerd://1.6.19', kubeletVersion: 'v1.27.7-eks-4f4795d', kubeProxyVersion: 'v1.27.7-eks-4f4795d', operatingSystem: 'linux', architecture: 'amd64' },
      annotations: { 'flannel.alpha.coreos.com/public-ip': '10.0.0.5' },
    });
    expect(eks).not.toHaveProperty('podCIDR');
    expect(gke).toMatchObject({
      line: 75, name: 'kube-node-2', podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24', 'fd00:10:244:2::/64'],
      nodePool: { provider: 'gke', name: 'default-pool' }, ready: { status: 'True', reason: 'KubeletReady' }, nodeInfo: { kernelVersion: '3.10.0-1127.el7.x86_64' },
    });
  });

  it('DaemonSetList: counts, selector, images', () => {
    const { records } = parse('daemonsets.json');
    expect(records).toEqual([
      expect.objectContaining({
        kind: 'k8s-daemonset', line: 8, namespace: 'kube-system', name: 'aws-node', desired: 3, current: 3, ready: 2, available: 2, unavailable: 1, updated: 3, misscheduled: 0,
        generation: 7, observedGeneration: 6, selector: { 'k8s-app': 'aws-node' }, nodeSelector: { 'kubernetes.io/os': 'linux' }, updateStrategy: 'RollingUpdate',
        containers: [
          { name: 'aws-vpc-cni-init', image: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni-init:v1.15.1', init: true },
          { name: 'aws-node', image: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.15.1', init: false },
        ],
      }),
    ]);
  });

  it('kind: List (kubectl get -o json of several kinds): ConfigMap and an unknown kind', () => {
    const { records, problems } = parse('list.json');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      {
        kind: 'k8s-configmap', file: 'cluster/list.json', line: 12, name: 'kube-flannel-cfg', namespace: 'kube-flannel', labels: {}, annotations: {}, binaryDataKeys: [],
        data: { 'net-conf.json': '{\n  "Network": "10.244.0.0/16",\n  "Backend": {\n    "Type": "vxlan"\n  }\n}\n', 'cni-conf.json': '{"name":"cbr0"}' },
      },
      { kind: 'k8s-object', file: 'cluster/list.json', line: 24, apiVersion: 'apps/v1', objectKind: 'Deployment', namespace: 'kube-system', name: 'coredns', uid: 'd-1' },
    ]);
  });
});

describe('k8s-json: single objects, shapes, minified', () => {
  it.each([
    ['a single Pod object', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [] } }, null, 2), { kind: 'k8s-pod', name: 'p', namespace: 'ns', line: 5 }],
    ['a ConfigMap', JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'aws-node', namespace: 'kube-system' }, data: { WARM_IP_TARGET: '5' } }, null, 2), { kind: 'k8s-configmap', data: { WARM_IP_TARGET: '5' }, line: 4 }],
    ['an API error saved instead of the object', '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \\"x\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"kube-system\\"","reason":"Forbidden","code":403}', { kind: 'k8s-status', line: 1, code: 403, reason: 'Forbidden', status: 'Failure', message: 'pods is forbidden: User "x" cannot list resource "pods" in API group "" in the namespace "kube-system"' }],
    ['list items without kind, list without kind: recognized by shape', '{"items":[{"metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.0.0/24"},"status":{"nodeInfo":{}}}]}', { kind: 'k8s-node', name: 'n1', podCIDR: '10.244.0.0/24', line: 1 }],
    ['events.k8s.io/v1 names', '{"kind":"Event","apiVersion":"events.k8s.io/v1","metadata":{"name":"e","namespace":"default"},"regarding":{"kind":"Pod","name":"web-0"},"note":"Failed to create pod sandbox","reason":"FailedCreatePodSandBox","type":"Warning","deprecatedCount":3,"eventTime":"2026-11-22T09:00:00.000000Z","reportingController":"kubelet"}', { kind: 'k8s-event', involvedObject: { kind: 'Pod', name: 'web-0' }, message: 'Failed to create pod sandbox', count: 3, time: '2026-11-22T09:00:00.000000Z', reportingController: 'kubelet' }],
  ])('%s', (_n, text, expected) => {
    const { records, problems } = k8sJsonParser.parse(text, 'x.json');
    expect(problems).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject(expected);
  });
});

describe('k8s-json: bad input', () => {
  it.each([
    ['empty', '', 0, 'empty file'],
    ['truncated list', '{\n  "kind": "PodList",\n  "items": [\n    {\n      "metadata": {\n        "name": "web-0"', 6, 'invalid JSON at line 6 column 24: unexpected end of JSON input'],
    ['garbage', 'error: the server doesn\'t have a resource type "podz"', 1, 'invalid JSON at line 1 column 1'],
    ['not an object', '[1, 2, 3]', 1, 'not a Kubernetes object'],
    ['binary', '\u0000\u0000\u0000', 0, 'binary content'],
  ])('%s', (_n, text, line, message) => {
    const { records, problems } = k8sJsonParser.parse(text, 'x.json');
    expect(records).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'x.json', line });
    expect(problems[0]!.message).toContain(message);
  });

  it('a bad item is a problem at its line; the other items are still read', () => {
    const text = JSON.stringify({ kind: 'PodList', items: [{ metadata: { name: 'ok' }, spec: { containers: [] } }, 'garbage', { metadata: {}, spec: {} }] }, null, 2);
    const { records, problems } = k8sJsonParser.parse(text, 'pods.json');
    expect(records.map((r) => [r.kind, r.line])).toEqual([['k8s-pod', 6], ['k8s-pod', 13]]);
    expect(problems).toEqual([
      { file: 'pods.json', line: 12, message: 'items[1] is not an object' },
      { file: 'pods.json', line: 13, message: 'items[2] (Pod) has no metadata.name' },
    ]);
  });

  it('trailing text after the JSON is a problem, the JSON is still read', () => {
    const { records, problems } = k8sJsonParser.parse('{"kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[]}}\nerror: timed out\n', 'p.json');
    expect(records).toHaveLength(1);
    expect(problems).toEqual([{ file: 'p.json', line: 2, message: 'unexpected text after the JSON value', excerpt: 'error: timed out\\n' }]);
  });
});
