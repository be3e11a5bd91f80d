import { describe, expect, it } from 'vitest';
import { cniCacheParser, createCniCacheParser, splitCacheFileName } from '../../../analyzer/parsers/cni-cache.js';
import { fixture } from './helpers.js';

const HEX = '5bae61e683f7e59902f458514e9af1515d1c1c71ff069e9d4a2008a011307d04';
const AWS = '4285ab7ef1b33097068f6e2dfbf2a71c96129f45d0d6655d47d3dc80db5f0399';
const LOOP = '269ccb6246354dd1910e6663193fca536256b674627105596ebe56aab76daad1';

describe('cni-cache: file names', () => {
  it.each([
    [`generic-veth-${HEX}-eth1`, [], { networkName: 'generic-veth', containerId: HEX, ifName: 'eth1', source: 'hex-id' }],
    [`aws-cni-${AWS}-eth0`, [], { networkName: 'aws-cni', containerId: AWS, ifName: 'eth0', source: 'hex-id' }],
    [`cni-loopback-${LOOP}-lo`, [], { networkName: 'cni-loopback', containerId: LOOP, ifName: 'lo', source: 'hex-id' }],
    ['containerd-net-pod-a-eth0', ['containerd-net', 'cbr0'], { networkName: 'containerd-net', containerId: 'pod-a', ifName: 'eth0', source: 'known-network' }],
    ['containerd-net-pod-a-eth0', [], { networkName: 'containerd', containerId: 'net-pod-a', ifName: 'eth0', source: 'guess' }],
    ['cbr0-pm-sandbox-eth0', ['cbr0'], { networkName: 'cbr0', containerId: 'pm-sandbox', ifName: 'eth0', source: 'known-network' }],
    ['nodash', [], { source: 'none' }],
    ['onlyone-eth0', [], { ifName: 'eth0', source: 'none' }],
  ])('%s', (name, known, expected) => {
    expect(splitCacheFileName(name, known)).toEqual(expected);
  });
});

describe('cni-cache: contents', () => {
  it('the real libcni cniCacheV1 file from the lab', () => {
    const file = 'nodes/n1/cni/results/cbr0-pm-sandbox-eth0';
    const { records, problems } = cniCacheParser.parse(fixture('cbr0-pm-sandbox-eth0'), file);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({
        kind: 'cni-cache', file, line: 0, fileName: 'cbr0-pm-sandbox-eth0', state: 'ok', format: 'cniCacheV1',
        networkName: 'cbr0', containerId: 'pm-sandbox', ifName: 'eth0', nameSource: 'content', nameMismatch: false,
        cniArgs: [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'default'], ['K8S_POD_NAME', 'pm-sandbox'], ['K8S_POD_INFRA_CONTAINER_ID', 'pm-sandbox']],
        podNamespace: 'default', podName: 'pm-sandbox', infraContainerId: 'pm-sandbox',
        capabilityArgs: { portMappings: [{ containerPort: 80, hostPort: 30080, protocol: 'tcp' }] },
        configName: 'cbr0', configCniVersion: '0.4.0', configPluginTypes: ['bridge', 'portmap', 'firewall'],
        result: {
          cniVersion: '0.4.0',
          ips: [{ address: '10.244.3.3/24', gateway: '10.244.3.1', interface: 2, version: '4' }],
          interfaces: [
            { name: 'cni0', mac: 'ae:37:04:d7:38:76' },
            { name: 'vethfe0f5b8c', mac: '32:e6:05:ea:1a:c6' },
            { name: 'eth0', mac: '62:aa:51:a6:d7:d5', sandbox: '/var/run/netns/lab-p22' },
          ],
          routes: ['0.0.0.0/0'],
        },
      }),
    ]);
    expect(records[0]!.configText).toContain('"dataDir": "/tmp/lab/root2/var/lib/cni/networks"');
    expect(records[0]).not.toHaveProperty('configError');
  });

  it.each([
    {
      name: '0-byte file after a reboot (containernetworking/cni#1055)',
      file: `generic-veth-${HEX}-eth1`, text: '',
      expected: { state: 'empty', format: 'unknown', networkName: 'generic-veth', containerId: HEX, ifName: 'eth1', nameSource: 'hex-id' },
      problem: [0, 'empty (0-byte) CNI result cache file'],
    },
    {
      name: '0-byte aws-cni file (containerd/containerd#8197)',
      file: `aws-cni-${AWS}-eth0`, text: '',
      expected: { state: 'empty', networkName: 'aws-cni', containerId: AWS },
      problem: [0, 'empty (0-byte)'],
    },
    {
      name: 'whitespace only',
      file: `cbr0-${HEX}-eth0`, text: '\n \n',
      expected: { state: 'whitespace', networkName: 'cbr0' },
      problem: [0, 'only whitespace'],
    },
    {
      name: 'cut off in the middle',
      file: `cbr0-${HEX}-eth0`, text: '{"kind":"cniCacheV1",\n"containerId":"5bae',
      expected: { state: 'invalid', error: { line: 2, column: 15, message: 'unterminated string' } },
      problem: [2, 'invalid CNI result cache JSON at line 2 column 15'],
    },
    {
      name: 'binary garbage',
      file: `cbr0-${HEX}-eth0`, text: '\u0000\u0000\u0000\u0000',
      expected: { state: 'binary' },
      problem: [0, 'binary content'],
    },
    {
      name: 'a JSON object that is not a cache entry',
      file: `cbr0-${HEX}-eth0`, text: '{"hello":"world"}',
      expected: { state: 'ok', format: 'unknown' },
      problem: [1, 'neither a cniCacheV1 entry nor a CNI result'],
    },
  ])('$name', ({ file, text, expected, problem }) => {
    const { records, problems } = cniCacheParser.parse(text, `nodes/n1/cni/results/${file}`);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'cni-cache', line: 0, fileName: file, ...expected });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(problem[0]);
    expect(problems[0]!.message).toContain(problem[1]);
  });

  it.each([
    {
      name: 'legacy bare 0.3.1 result',
      text: '{"cniVersion":"0.3.1","interfaces":[{"name":"eth0","sandbox":"/proc/42/ns/net"}],"ips":[{"version":"4","address":"10.244.1.7/24","gateway":"10.244.1.1","interface":0}],"dns":{}}',
      result: { cniVersion: '0.3.1', ips: [{ address: '10.244.1.7/24', gateway: '10.244.1.1', interface: 0, version: '4' }], interfaces: [{ name: 'eth0', sandbox: '/proc/42/ns/net' }], routes: [] },
    },
    {
      name: 'legacy 0.2.0 ip4 result',
      text: '{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.5/16","gateway":"10.1.0.1"},"dns":{}}',
      result: { cniVersion: '0.2.0', ips: [{ address: '10.1.0.5/16', gateway: '10.1.0.1', version: '4' }], interfaces: [], routes: [] },
    },
  ])('$name', ({ text, result }) => {
    const { records, problems } = cniCacheParser.parse(text, `results/cbr0-${HEX}-eth0`);
    expect(problems).toEqual([]);
    expect(records[0]).toMatchObject({ state: 'ok', format: 'legacy-result', networkName: 'cbr0', containerId: HEX, result });
  });

  it('flags a file name that disagrees with the content', () => {
    const other = 'a'.repeat(64);
    const text = JSON.stringify({ kind: 'cniCacheV1', containerId: other, config: '', ifName: 'eth0', networkName: 'cbr0', cniArgs: [], result: {} });
    const rec = cniCacheParser.parse(text, `results/cbr0-${HEX}-eth0`).records[0]!;
    expect(rec).toMatchObject({ containerId: other, nameMismatch: true, nameSource: 'content' });
  });

  it('reports a broken embedded conflist', () => {
    const config = Buffer.from('{"cniVersion":"0.4.0","name":"cbr0","plugins":[').toString('base64');
    const text = JSON.stringify({ kind: 'cniCacheV1', containerId: HEX, config, ifName: 'eth0', networkName: 'cbr0', cniArgs: [['K8S_POD_UID', 'u-1']] });
    const rec = createCniCacheParser({ knownNetworks: ['cbr0'] }).parse(text, `results/cbr0-${HEX}-eth0`).records[0]!;
    expect(rec).toMatchObject({ podUid: 'u-1', configError: 'invalid JSON at line 1 column 48: unexpected end of JSON input', configPluginTypes: [] });
    expect(rec).not.toHaveProperty('result');
  });
});
