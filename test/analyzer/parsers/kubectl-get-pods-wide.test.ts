import { describe, expect, it } from 'vitest';
import { kubectlGetPodsWideParser } from '../../../analyzer/parsers/kubectl-get-pods-wide.js';

const ALL = `NAMESPACE     NAME                      READY   STATUS              RESTARTS       AGE   IP           NODE          NOMINATED NODE   READINESS GATES
default       web-0                     0/1     ContainerCreating   0              5m    <none>       node-1        <none>           <none>
kube-flannel  kube-flannel-ds-x7k2p     0/1     CrashLoopBackOff    27 (40s ago)   2d    10.0.0.7     kube-node-2   <none>           <none>
kube-system   coredns-5dd5756b68-gt7xt  0/1     Pending             0              5m    <none>       <none>        <none>           <none>
`;

describe('kubectl get pods -o wide', () => {
  it('-A with NAMESPACE, restarts with "(40s ago)", <none> cells', () => {
    const { records, problems } = kubectlGetPodsWideParser.parse(ALL, 'cluster/pods-wide.txt');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { kind: 'pods-wide', file: 'cluster/pods-wide.txt', line: 2, namespace: 'default', name: 'web-0', ready: '0/1', readyCount: 0, containerCount: 1, status: 'ContainerCreating', restarts: 0, age: '5m', node: 'node-1' },
      { kind: 'pods-wide', file: 'cluster/pods-wide.txt', line: 3, namespace: 'kube-flannel', name: 'kube-flannel-ds-x7k2p', ready: '0/1', readyCount: 0, containerCount: 1, status: 'CrashLoopBackOff', restarts: 27, lastRestartAgo: '40s', age: '2d', ip: '10.0.0.7', node: 'kube-node-2' },
      { kind: 'pods-wide', file: 'cluster/pods-wide.txt', line: 4, namespace: 'kube-system', name: 'coredns-5dd5756b68-gt7xt', ready: '0/1', readyCount: 0, containerCount: 1, status: 'Pending', restarts: 0, age: '5m' },
    ]);
  });

  it.each([
    [
      'single namespace, no NAMESPACE column',
      'NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\nweb-1   1/1     Running   0          1h    10.244.1.5   node-1   <none>           <none>\n',
      { line: 2, name: 'web-1', status: 'Running', ip: '10.244.1.5', readyCount: 1 },
    ],
    [
      'without -o wide',
      'NAME    READY   STATUS              RESTARTS   AGE\nweb-0   0/1     ContainerCreating   0          12m\n',
      { line: 2, name: 'web-0', status: 'ContainerCreating', age: '12m' },
    ],
    [
      'Terminating with a nominated node',
      'NAME    READY   STATUS        RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES\nweb-2   0/1     Terminating   0          3d    <none>   node-3   node-4           <none>\n',
      { status: 'Terminating', node: 'node-3', nominatedNode: 'node-4' },
    ],
  ])('%s', (_n, text, expected) => {
    const { records, problems } = kubectlGetPodsWideParser.parse(text, 'p.txt');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject(expected);
  });

  it('"No resources found" is an empty answer, not an error', () => {
    expect(kubectlGetPodsWideParser.parse('No resources found in default namespace.\n', 'p.txt')).toEqual({ records: [], problems: [] });
  });

  it.each([
    ['row before the header', 'web-0   0/1     Pending   0          5m\n', [1], 'before any header'],
    ['misaligned row', 'NAME    READY   STATUS    RESTARTS   AGE\nweb-0 0/1 Pending 0 5m and more text here\n', [2], 'does not line up'],
    ['binary', '\u0000\u0000\u0000', [0], 'binary'],
  ])('bad input: %s', (_n, text, lines, message) => {
    const { problems } = kubectlGetPodsWideParser.parse(text, 'p.txt');
    expect(problems.map((p) => p.line)).toEqual(lines);
    expect(problems[0]!.message).toContain(message);
  });
});
