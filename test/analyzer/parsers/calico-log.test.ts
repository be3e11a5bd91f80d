import { describe, expect, it } from 'vitest';
import { calicoLogParser, splitCalicoFields } from '../../../analyzer/parsers/calico-log.js';
import { asProblem } from './helpers.js';

describe('calico logs', () => {
  it.each([
    {
      name: 'felix iptables failure, stern-prefixed (projectcalico/calico#2179)',
      line: 'canal-5wsjh calico-node 2018-09-07 08:02:59.942 [ERROR][15833] table.go 778: Failed to program iptables, loading diags before panic. error=exit status 4 ipVersion=0x4 table="mangle"',
      expected: {
        severity: 'error', level: 'ERROR', format: 'calico', pid: 15833, sourceFile: 'table.go', sourceLine: 778, timestamp: '2018-09-07T08:02:59.942Z', timeText: '2018-09-07 08:02:59.942',
        message: 'Failed to program iptables, loading diags before panic.', fields: { error: 'exit status 4', ipVersion: '0x4', table: 'mangle' },
        container: 'canal-5wsjh calico-node',
      },
    },
    {
      name: 'kube-controllers cannot reach the API (projectcalico/calico#3709)',
      line: '2020-06-19 16:20:30.617 [ERROR][1] client.go 261: Error getting cluster information config ClusterInformation="default" error=Get https://100.64.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default: context deadline exceeded',
      expected: {
        pid: 1, sourceFile: 'client.go', sourceLine: 261, message: 'Error getting cluster information config',
        fields: { ClusterInformation: 'default', error: 'Get https://100.64.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default: context deadline exceeded' },
      },
    },
    {
      name: 'install-cni with <nil> file and line (projectcalico/calico#8368)',
      line: '2024-01-10 08:00:00.123 [ERROR][1] cni-installer/<nil> <nil>: Unable to create token for CNI kubeconfig error=Unauthorized',
      expected: { sourceFile: 'cni-installer/<nil>', message: 'Unable to create token for CNI kubeconfig', fields: { error: 'Unauthorized' } },
    },
    {
      name: 'CNI plugin log: ContainerID and Pod give the sandbox and pod',
      line: '2023-05-01 12:00:00.000 [INFO][3345] cni-plugin/k8s.go 81: Extracted identifiers for CmdAddK8s ContainerID="b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34" Namespace="default" Pod="web-0" WorkloadEndpoint="node--1-k8s-web--0-eth0"',
      expected: {
        severity: 'info', sourceFile: 'cni-plugin/k8s.go', sourceLine: 81, message: 'Extracted identifiers for CmdAddK8s',
        sandboxIds: ['b6385006e8b3eedeaa1fd60e3e69afc9fb758a27666c93708a9211b3c988ab34'], pod: { namespace: 'default', name: 'web-0' },
      },
    },
    {
      name: 'kubeconfig refresh info line (evidence for expired-token rules)',
      line: '2024-01-10 07:59:00.000 [INFO][52] cni-config-monitor/token_watch.go 226: Update of CNI kubeconfig triggered based on elapsed time.',
      expected: { severity: 'info', message: 'Update of CNI kubeconfig triggered based on elapsed time.', fields: {} },
    },
    {
      name: 'a Go panic in the container log',
      line: 'panic: runtime error: index out of range [0] with length 0',
      expected: { format: 'text', severity: 'error', message: 'panic: runtime error: index out of range [0] with length 0' },
    },
    {
      name: 'bird output is kept as text',
      line: 'bird: Mesh_10_0_0_2: State changed to up',
      expected: { format: 'text', severity: 'info' },
    },
    {
      name: 'kubectl --timestamps prefix before a calico line',
      line: '2023-05-01T12:00:00.123456789Z 2023-05-01 12:00:00.120 [WARNING][9] felix/int_dataplane.go 1234: Failed to update routes',
      expected: { severity: 'warning', timestamp: '2023-05-01T12:00:00.120Z', sourceFile: 'felix/int_dataplane.go' },
    },
  ])('$name', ({ line, expected }) => {
    expect(calicoLogParser.parseLine(line, 12, 'cluster/logs/kube-system/calico-node-x/calico-node.log')).toMatchObject({
      kind: 'calico-log', file: 'cluster/logs/kube-system/calico-node-x/calico-node.log', line: 12, raw: line, ...expected,
    });
  });

  it.each([
    ['debug chatter', '2023-05-01 12:00:00.000 [DEBUG][52] felix/health.go 167: Health of component changed'],
    ['empty', ''],
  ])('drops %s', (_n, line) => {
    expect(calicoLogParser.parseLine(line, 1, 'c.log')).toBeNull();
  });

  it('binary is a problem at its line', () => {
    expect(asProblem(calicoLogParser.parseLine('\u0000\u0000[ERROR]', 4, 'c.log'))).toMatchObject({ file: 'c.log', line: 4, message: expect.stringContaining('NUL byte') });
  });

  it.each([
    ['plain message', 'Calico node started successfully', { message: 'Calico node started successfully', fields: {} }],
    ['quoted value with an inner key=', 'Final result error="plugin type=\\"calico\\" failed" ContainerID="abc"', { message: 'Final result', fields: { error: 'plugin type="calico" failed', ContainerID: 'abc' } }],
    ['unterminated quote keeps everything in the message', 'x error="oops', { message: 'x error="oops', fields: {} }],
  ])('splitCalicoFields: %s', (_n, text, expected) => {
    expect(splitCalicoFields(text)).toEqual(expected);
  });
});
