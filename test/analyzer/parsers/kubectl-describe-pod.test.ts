import { describe, expect, it } from 'vitest';
import { kubectlDescribePodParser, type DescribeEventRecord, type DescribePodRecord } from '../../../analyzer/parsers/kubectl-describe-pod.js';

// kubectl 1.28 layout; event messages are the verbatim texts of cilium/cilium#27715 and
// projectcalico/calico#9215.
const DESCRIBE = `Name:             web-0
Namespace:        default
Priority:         0
Service Account:  default
Node:             node-1/10.0.0.5
Start Time:       Sun, 22 Nov 2026 09:30:00 +0000
Labels:           app=web
                  controller-revision-hash=web-5d8c
Annotations:      <none>
Status:           Pending
IP:               
IPs:              <none>
Controlled By:    StatefulSet/web
Containers:
  nginx:
    Container ID:   
    Image:          nginx:1.25
    Image ID:       
    Port:           80/TCP
    Host Port:      0/TCP
    State:          Waiting
      Reason:       ContainerCreating
    Ready:          False
    Restart Count:  0
    Environment:    <none>
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-7k2x9 (ro)
Conditions:
  Type                        Status
  PodReadyToStartContainers   False 
  Initialized                 True 
  Ready                       False 
  ContainersReady             False 
  PodScheduled                True 
Volumes:
  kube-api-access-7k2x9:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
QoS Class:                   BestEffort
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
                             node.kubernetes.io/unreachable:NoExecute op=Exists for 300s
Events:
  Type     Reason                  Age                  From               Message
  ----     ------                  ----                 ----               -------
  Normal   Scheduled               5m2s                 default-scheduler  Successfully assigned default/web-0 to node-1
  Warning  FailedCreatePodSandBox  4m30s                kubelet            Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4b721e30f4fd1201f2ba0ab08800205dd78f58b71746898cbb8bac52972dc472": plugin type="cilium-cni" failed (add): unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory
Is the agent running?
  Warning  FailedCreatePodSandBox  33s (x12 over 4m20s)  kubelet            Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized
  Normal   SandboxChanged          30s (x12 over 4m20s)  kubelet            Pod sandbox changed, it will be killed and re-created.
`;

const TERMINATING = `Name:                      kube-flannel-ds-x7k2p
Namespace:                 kube-flannel
Node:                      kube-node-2/10.0.0.7
Status:                    Terminating (lasts 2d1h)
Termination Grace Period:  30s
IP:                        10.0.0.7
IPs:
  IP:           10.0.0.7
Init Containers:
  install-cni-plugin:
    Image:          docker.io/flannel/flannel-cni-plugin:v1.4.0
    State:          Terminated
      Reason:       Completed
      Exit Code:    0
    Ready:          True
    Restart Count:  0
Containers:
  kube-flannel:
    Image:          docker.io/flannel/flannel:v0.25.1
    State:          Waiting
      Reason:       CrashLoopBackOff
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
    Ready:          False
    Restart Count:  27
Events:
  Type     Reason          Age                 From               Message
  ----     ------          ----                ----               -------
  Warning  FailedKillPod   43s (x229 over 49m)  kubelet  error killing pod: failed to "KillPodSandbox" for "a7ea2280-7361-4329-8566-89975485b20e" with KillPodSandboxError: "rpc error: code = Unknown desc = failed to destroy network for sandbox \\"4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399\\": failed to get network \\"aws-cni\\" cached result: decoding version from network config: unexpected end of JSON input"

Name:         coredns-5dd5756b68-gt7xt
Namespace:    kube-system
Node:         <none>
Status:       Pending
Events:       <none>
`;

describe('kubectl describe pod', () => {
  const { records, problems } = kubectlDescribePodParser.parse(DESCRIBE, 'cluster/describe/default/web-0.txt');
  const pod = records.find((r): r is DescribePodRecord => r.kind === 'describe-pod')!;
  const events = records.filter((r): r is DescribeEventRecord => r.kind === 'describe-event');

  it('header fields, container state, conditions', () => {
    expect(problems).toEqual([]);
    expect(pod).toEqual({
      kind: 'describe-pod', file: 'cluster/describe/default/web-0.txt', line: 1, name: 'web-0', namespace: 'default',
      node: 'node-1', nodeIP: '10.0.0.5', status: 'Pending', terminating: false, ips: [], controlledBy: 'StatefulSet/web',
      startTime: 'Sun, 22 Nov 2026 09:30:00 +0000', labels: { app: 'web', 'controller-revision-hash': 'web-5d8c' },
      containers: [{ name: 'nginx', init: false, line: 15, image: 'nginx:1.25', state: 'Waiting', reason: 'ContainerCreating', ready: false, restartCount: 0 }],
      conditions: [
        { type: 'PodReadyToStartContainers', status: 'False' }, { type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'False' },
        { type: 'ContainersReady', status: 'False' }, { type: 'PodScheduled', status: 'True' },
      ],
      eventCount: 4,
    });
  });

  it.each([
    [0, { line: 46, endLine: 46, type: 'Normal', reason: 'Scheduled', age: '5m2s', count: 1, from: 'default-scheduler', message: 'Successfully assigned default/web-0 to node-1', sandboxIds: [] }],
    [1, {
      line: 47, endLine: 48, type: 'Warning', reason: 'FailedCreatePodSandBox', age: '4m30s', count: 1, from: 'kubelet',
      message: 'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "4b721e30f4fd1201f2ba0ab08800205dd78f58b71746898cbb8bac52972dc472": plugin type="cilium-cni" failed (add): unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory\nIs the agent running?',
      sandboxIds: ['4b721e30f4fd1201f2ba0ab08800205dd78f58b71746898cbb8bac52972dc472'],
    }],
    [2, { line: 49, age: '33s', count: 12, over: '4m20s', sandboxIds: ['b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34'] }],
    [3, { line: 50, reason: 'SandboxChanged', count: 12, over: '4m20s', message: 'Pod sandbox changed, it will be killed and re-created.' }],
  ])('event %i', (i, expected) => {
    expect(events[i]).toMatchObject({ kind: 'describe-event', file: 'cluster/describe/default/web-0.txt', pod: { namespace: 'default', name: 'web-0' }, ...expected });
  });

  it('several pods in one file, Terminating status, init containers, last state, <none> events', () => {
    const out = kubectlDescribePodParser.parse(TERMINATING, 'describe.txt');
    expect(out.problems).toEqual([]);
    const pods = out.records.filter((r): r is DescribePodRecord => r.kind === 'describe-pod');
    expect(pods.map((p) => [p.name, p.line, p.eventCount])).toEqual([['kube-flannel-ds-x7k2p', 1, 1], ['coredns-5dd5756b68-gt7xt', 32, 0]]);
    expect(pods[0]).toMatchObject({ status: 'Terminating (lasts 2d1h)', terminating: true, node: 'kube-node-2', ip: '10.0.0.7', ips: ['10.0.0.7'] });
    expect(pods[0]!.containers).toEqual([
      { name: 'install-cni-plugin', init: true, line: 10, image: 'docker.io/flannel/flannel-cni-plugin:v1.4.0', state: 'Terminated', reason: 'Completed', exitCode: 0, ready: true, restartCount: 0 },
      { name: 'kube-flannel', init: false, line: 18, image: 'docker.io/flannel/flannel:v0.25.1', state: 'Waiting', reason: 'CrashLoopBackOff', lastState: 'Terminated', lastReason: 'Error', lastExitCode: 1, ready: false, restartCount: 27 },
    ]);
    expect(pods[1]).not.toHaveProperty('node');
    const ev = out.records.find((r): r is DescribeEventRecord => r.kind === 'describe-event')!;
    expect(ev).toMatchObject({ line: 30, endLine: 30, reason: 'FailedKillPod', count: 229, over: '49m', from: 'kubelet', sandboxIds: ['4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399'], pod: { namespace: 'kube-flannel', name: 'kube-flannel-ds-x7k2p' } });
  });

  it('old kubectl "From: kubelet, node01" in a misaligned hand-pasted row (kubernetes/kubernetes#107403)', () => {
    const text = 'Name: kube-proxy-zq5dk\nNamespace: kube-system\nEvents:\n  Type     Reason                  Age                    From               Message\n  ----     ------                  ----                   ----               -------\n  Warning  FailedCreatePodSandBox  51m (x11 over 53m)     kubelet, node01    Failed create pod sandbox: rpc error: code = Unknown desc = failed to create a sandbox for pod "kube-proxy-zq5dk": Error response from daemon: cgroup-parent for systemd cgroup should be a valid slice named as "xxx.slice"\n';
    const ev = kubectlDescribePodParser.parse(text, 'd.txt').records.find((r): r is DescribeEventRecord => r.kind === 'describe-event');
    expect(ev).toMatchObject({ line: 6, age: '51m', count: 11, over: '53m', from: 'kubelet, node01', reason: 'FailedCreatePodSandBox' });
    expect(ev!.message.startsWith('Failed create pod sandbox: rpc error')).toBe(true);
  });

  it.each([
    ['text before Name:', 'garbage\nName: x\n', [1], 'before the first "Name:"'],
    ['unreadable event row', 'Name: x\nEvents:\n  Type  Reason  Age  From  Message\n  ----  ------  ---  ----  -------\n  Critical\n', [5], 'unreadable event row'],
    ['binary', '\u0000\u0000\u0000', [0], 'binary'],
  ])('bad input: %s', (_n, text, lines, message) => {
    const { problems } = kubectlDescribePodParser.parse(text, 'd.txt');
    expect(problems.map((p) => p.line)).toEqual(lines);
    expect(problems[0]!.message).toContain(message);
  });

  it('a cut-off file keeps what it had', () => {
    const { records } = kubectlDescribePodParser.parse(DESCRIBE.slice(0, DESCRIBE.indexOf('Is the agent')), 'd.txt');
    const ev = records.filter((r): r is DescribeEventRecord => r.kind === 'describe-event');
    expect(ev.map((e) => e.line)).toEqual([46, 47]);
    expect(ev[1]!.message.endsWith('connect: no such file or directory')).toBe(true);
  });
});
