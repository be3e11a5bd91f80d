import { describe, expect, it } from 'vitest';
import { subnetEnvParser } from '../../../analyzer/parsers/subnet-env.js';
import { fixture } from './helpers.js';

describe('flannel subnet.env', () => {
  it('real lab file (FLANNEL_SUBNET changed to 10.244.7.1/24)', () => {
    const { records, problems } = subnetEnvParser.parse(fixture('subnet.env'), 'nodes/n1/flannel/subnet.env');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      {
        kind: 'subnet-env', file: 'nodes/n1/flannel/subnet.env', line: 0,
        network: '10.244.0.0/16', subnet: '10.244.7.1/24', mtu: 1450, ipmasq: true, missing: [],
        vars: {
          FLANNEL_NETWORK: { value: '10.244.0.0/16', line: 1 },
          FLANNEL_SUBNET: { value: '10.244.7.1/24', line: 2 },
          FLANNEL_MTU: { value: '1450', line: 3 },
          FLANNEL_IPMASQ: { value: 'true', line: 4 },
        },
      },
    ]);
  });

  it.each([
    [
      'dual stack',
      'FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.1.1/24\nFLANNEL_IPV6_NETWORK=2001:cafe:42::/56\nFLANNEL_IPV6_SUBNET=2001:cafe:42:1::1/64\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\n',
      { ipv6Network: '2001:cafe:42::/56', ipv6Subnet: '2001:cafe:42:1::1/64', ipmasq: false, missing: [] },
    ],
    ['IPv6 only', 'FLANNEL_IPV6_NETWORK=fd00::/56\nFLANNEL_IPV6_SUBNET=fd00:0:0:1::1/64\n', { missing: [] }],
    ['missing subnet', 'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1450\n', { missing: ['FLANNEL_SUBNET'] }],
    ['empty file', '', { missing: ['FLANNEL_NETWORK', 'FLANNEL_SUBNET'], vars: {} }],
    ['CRLF endings and comments', '# written by flanneld\r\nFLANNEL_NETWORK=10.244.0.0/16\r\nFLANNEL_SUBNET=10.244.1.1/24\r\n', { subnet: '10.244.1.1/24', vars: { FLANNEL_NETWORK: { value: '10.244.0.0/16', line: 2 }, FLANNEL_SUBNET: { value: '10.244.1.1/24', line: 3 } } }],
  ])('%s', (_n, text, expected) => {
    const { records, problems } = subnetEnvParser.parse(text, 'subnet.env');
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject(expected);
  });

  it.each([
    ['not KEY=VALUE', 'FLANNEL_NETWORK=10.244.0.0/16\nthis is garbage\n', 2, 'not a KEY=VALUE line'],
    ['MTU not a number', 'FLANNEL_MTU=abc\n', 1, 'FLANNEL_MTU is not a number'],
    ['IPMASQ not a boolean', 'FLANNEL_IPMASQ=yes\n', 1, 'FLANNEL_IPMASQ is not true/false'],
  ])('bad input: %s', (_n, text, line, message) => {
    const { problems } = subnetEnvParser.parse(text, 'subnet.env');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'subnet.env', line });
    expect(problems[0]!.message).toContain(message);
  });

  it('binary content: a problem and no record', () => {
    expect(subnetEnvParser.parse('\u0000\u0000FLANNEL', 'subnet.env')).toEqual({ records: [], problems: [{ file: 'subnet.env', line: 0, message: 'binary content in subnet.env' }] });
  });
});
