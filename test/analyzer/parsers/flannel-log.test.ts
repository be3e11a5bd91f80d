import { describe, expect, it } from 'vitest';
import { createFlannelLogParser, flannelLogParser } from '../../../analyzer/parsers/flannel-log.js';
import { runLineParser } from '../../../analyzer/parsers/types.js';
import { asProblem } from './helpers.js';

const REF = '2026-11-26T12:00:00Z';

describe('flannel logs', () => {
  it.each([
    {
      name: 'pod CIDR not assigned (redhat-nfvpe/kube-ansible#180)',
      line: 'E0219 14:44:38.250514       1 network.go:102] failed to register network: failed to acquire lease: node "kube-node-2" pod cidr not assigned',
      expected: {
        severity: 'error', level: 'E', format: 'klog', source: 'network.go:102', threadId: 1, timestamp: '2026-02-19T14:44:38.250514Z',
        message: 'failed to register network: failed to acquire lease: node "kube-node-2" pod cidr not assigned', fields: {},
      },
    },
    {
      name: 'RBAC refusal while acquiring the lease',
      line: 'E1101 10:00:00.000000       1 main.go:343] Error registering network: failed to acquire lease: nodes "talos-w1" is forbidden: User "system:serviceaccount:kube-system:flannel" cannot get resource "nodes" in API group "" at the cluster scope',
      expected: { severity: 'error', source: 'main.go:343', timestamp: '2026-11-01T10:00:00.000000Z' },
    },
    {
      name: 'startup info is kept',
      line: 'I1101 09:59:58.000000       1 main.go:211] CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network iface:[] ipMasq:true}',
      expected: { severity: 'info', message: 'CLI flags config: {etcdEndpoints:http://127.0.0.1:4001,http://127.0.0.1:2379 etcdPrefix:/coreos.com/network iface:[] ipMasq:true}' },
    },
    {
      name: 'install-cni init container text',
      line: "cp: can't create '/opt/cni/bin/flannel': Read-only file system",
      expected: { format: 'text', message: "cp: can't create '/opt/cni/bin/flannel': Read-only file system" },
    },
  ])('$name', ({ line, expected }) => {
    expect(createFlannelLogParser({ referenceTime: REF }).parseLine(line, 7, 'kube-flannel.log')).toMatchObject({ kind: 'flannel-log', file: 'kube-flannel.log', line: 7, raw: line, ...expected });
  });

  it('without a reference, the kubectl --timestamps prefix gives the time', () => {
    const line = '2026-02-19T14:44:38.250600000Z E0219 14:44:38.250514       1 network.go:102] failed to register network: failed to acquire lease: node "kube-node-2" pod cidr not assigned';
    expect(flannelLogParser.parseLine(line, 1, 'f.log')).toMatchObject({ timestamp: '2026-02-19T14:44:38.250600000Z', source: 'network.go:102' });
  });

  it('multi-line key=< values attach to the opening line', () => {
    const text = 'E1101 10:00:00.000000       1 main.go:400] "Failed to create SubnetManager" err=<\n\tfailed to get node "n1":\n\tconnection refused\n >\nI1101 10:00:01.000000       1 main.go:401] "Retrying"\n';
    const { records, problems } = runLineParser(createFlannelLogParser({ referenceTime: REF }), text, 'f.log');
    expect(problems).toEqual([]);
    expect(records.map((r) => [r.line, r.message, r.continuationOf])).toEqual([
      [1, 'Failed to create SubnetManager', undefined],
      [2, 'failed to get node "n1":', 1],
      [3, 'connection refused', 1],
      [5, 'Retrying', undefined],
    ]);
    expect(records[1]).toMatchObject({ severity: 'error', fields: { err: 'failed to get node "n1":' } });
  });

  it('binary is a problem at its line', () => {
    expect(asProblem(flannelLogParser.parseLine('E0219 \u0000', 5, 'f.log'))).toMatchObject({ file: 'f.log', line: 5 });
  });

  it('empty line is dropped', () => {
    expect(flannelLogParser.parseLine('', 1, 'f.log')).toBeNull();
  });
});
