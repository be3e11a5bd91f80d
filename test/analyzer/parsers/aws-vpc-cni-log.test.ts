import { describe, expect, it } from 'vitest';
import { awsVpcCniLogParser } from '../../../analyzer/parsers/aws-vpc-cni-log.js';
import { asProblem } from './helpers.js';

describe('aws-vpc-cni logs', () => {
  it.each([
    {
      name: 'ipamd JSON: subnet out of addresses (aws/amazon-vpc-cni-k8s PR#1773)',
      line: '{"level":"error","ts":"2021-12-02T03:34:46.067Z","caller":"ipamd/ipamd.go:934","msg":"Failed to allocate a private IP/Prefix addresses on ENI eni-01f879673fc5fd14d: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request.\\n\\tstatus code: 400, request id: aeac321e-be9f-4a13-9b2f-e6ef5985689a"}',
      expected: {
        format: 'json', severity: 'error', level: 'error', caller: 'ipamd/ipamd.go:934', timestamp: '2021-12-02T03:34:46.067Z',
        message: 'Failed to allocate a private IP/Prefix addresses on ENI eni-01f879673fc5fd14d: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request.\n\tstatus code: 400, request id: aeac321e-be9f-4a13-9b2f-e6ef5985689a',
      },
    },
    {
      name: 'aws-node entrypoint logfmt (aws/amazon-vpc-cni-k8s#2386)',
      line: 'time="2023-05-17T19:02:12Z" level=error msg="Failed to wait for IPAM daemon to complete" error="exit status 1"',
      expected: { format: 'logfmt', severity: 'error', timestamp: '2023-05-17T19:02:12.000Z', message: 'Failed to wait for IPAM daemon to complete', fields: { error: 'exit status 1' } },
    },
    {
      name: 'old seelog debug line with pool stats (aws/amazon-vpc-cni-k8s#890)',
      line: '2020-04-01T02:00:05.895Z [DEBUG]        IP pool stats: total = 56, used = 51, c.maxIPsPerENI = 14',
      expected: { format: 'seelog', severity: 'debug', level: 'DEBUG', timestamp: '2020-04-01T02:00:05.895Z', message: 'IP pool stats: total = 56, used = 51, c.maxIPsPerENI = 14' },
    },
    {
      name: 'plugin.log add request: sandbox and pod from CNI args',
      line: '{"level":"info","ts":"2023-03-01T20:08:10.100Z","caller":"routed-eni-cni-plugin/cni.go:118","msg":"Received CNI add request: ContainerID(4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399) Netns(/var/run/netns/cni-1234) IfName(eth0) Args(K8S_POD_INFRA_CONTAINER_ID=4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399;K8S_POD_UID=a7ea2280-7361-4329-8566-89975485b20e;IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0) Path(/opt/cni/bin)"}',
      expected: {
        severity: 'info', caller: 'routed-eni-cni-plugin/cni.go:118',
        sandboxIds: ['4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399'], pod: { namespace: 'default', name: 'web-0' },
      },
    },
    {
      name: 'ipamd panic on a new instance type (aws/amazon-vpc-cni-k8s#3431)',
      line: 'panic: runtime error: index out of range [0] with length 0',
      expected: { format: 'text', severity: 'error' },
    },
    {
      name: 'kubectl --prefix and --timestamps',
      line: '[pod/aws-node-7xk2p/aws-node] 2023-05-17T19:02:11.000000001Z time="2023-05-17T19:02:11Z" level=info msg="Checking for IPAM connectivity... "',
      expected: { container: 'pod/aws-node-7xk2p/aws-node', timestamp: '2023-05-17T19:02:11.000Z', message: 'Checking for IPAM connectivity... ' },
    },
  ])('$name', ({ line, expected }) => {
    expect(awsVpcCniLogParser.parseLine(line, 21, 'nodes/n1/logs/aws-routed-eni/ipamd.log')).toMatchObject({
      kind: 'aws-vpc-cni-log', file: 'nodes/n1/logs/aws-routed-eni/ipamd.log', line: 21, raw: line, ...expected,
    });
  });

  it.each([
    ['a JSON line cut at the front, as pasted in aws/amazon-vpc-cni-k8s#2309', '"level":"error","ts":"2023-03-09T04:09:07.998Z","caller":"ipamd/ipamd.go:819","msg":"Failed to increase pool size due to not able to allocate ENI AllocENI: error attaching ENI: attachENI: failed to attach ENI: AttachmentLimitExceeded: Interface count 4 exceeds the limit for d3en.12xlarge\\n\\tstatus code: 400, request id: 04af5d7e-7de9-466c-9ed0-f6998d9b02c2"}', 'looks like JSON but does not parse'],
    ['a JSON line cut at the end', '{"level":"error","ts":"2023-03-09T04:09:07.998Z","caller":"ipamd/ipamd.go:819","msg":"Failed to incr', 'looks like JSON but does not parse'],
    ['binary', '{"level":"\u0000"}', 'NUL byte'],
  ])('bad input: %s', (_n, line, message) => {
    const p = asProblem(awsVpcCniLogParser.parseLine(line, 6, 'ipamd.log'));
    expect(p).toMatchObject({ file: 'ipamd.log', line: 6 });
    expect(p.message).toContain(message);
  });

  it('drops debug chatter unrelated to networking', () => {
    expect(awsVpcCniLogParser.parseLine('{"level":"debug","ts":"2023-03-09T04:09:07.998Z","caller":"datastore/data_store.go:500","msg":"Total metrics reported"}', 1, 'ipamd.log')).toBeNull();
  });
});
